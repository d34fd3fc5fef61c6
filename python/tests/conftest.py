import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def corpus_dir():
    """The shared corpus beside the checkout (CI has it), or $QKVTIE_CORPUS."""
    env = os.environ.get("QKVTIE_CORPUS")
    for d in ([pathlib.Path(env)] if env else []) + [REPO.parent / "shared" / "corpus"]:
        if d.is_dir():
            return d
    return None


def corpus_files():
    d = corpus_dir()
    return sorted(d.glob("*.mlir")) if d else []


@pytest.fixture
def corpus():
    d = corpus_dir()
    if d is None:
        pytest.skip("no corpus: set QKVTIE_CORPUS or put shared/ beside the checkout")
    return d
