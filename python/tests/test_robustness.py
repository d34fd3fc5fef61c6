"""The raise matches structure, not spelling: corpus files still raise (and
still compute the same) after upstream rewrites reorder or generalise them."""
import re
import subprocess

import numpy as np
import pytest

from conftest import corpus_files
from qkvtie import compile_file, find_tool

VARIANTS = {
    "canonicalize-cse": ["--canonicalize", "--cse"],
    "generalize": ["--linalg-generalize-named-ops"],
    "generalize-canonicalize-cse": ["--linalg-generalize-named-ops",
                                    "--canonicalize", "--cse"],
}
FILES = [p for p in corpus_files() if "not-attention" not in p.name]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_variant_raises(path, variant, tmp_path):
    opt = find_tool("qkvtie-opt")
    rewritten = tmp_path / f"{path.stem}.mlir"
    subprocess.run([opt, str(path), *VARIANTS[variant], "-o", str(rewritten)],
                   check=True)
    raised = subprocess.run([opt, str(rewritten), "--qkvtie-raise-attention"],
                            capture_output=True, text=True, check=True).stdout
    assert len(re.findall(r"qkvtie\.attention", raised)) == 1


@pytest.mark.parametrize("path", FILES[::4], ids=lambda p: p.stem)
def test_variant_computes_the_same(path, tmp_path):
    opt = find_tool("qkvtie-opt")
    rewritten = tmp_path / f"{path.stem}.mlir"
    subprocess.run([opt, str(path), *VARIANTS["generalize-canonicalize-cse"],
                    "-o", str(rewritten)], check=True)
    lib = compile_file(rewritten, passes=["qkvtie-raise-attention"],
                       out_dir=tmp_path / "build")
    stem = path.name[:-len(".mlir")]
    inputs = np.load(path.with_name(stem + ".inputs.npz"))
    got = lib[next(iter(lib.signatures))](
        *[inputs[f"arg{i}"] for i in range(len(inputs.files))])
    tol = 1e-4
    np.testing.assert_allclose(got, np.load(path.with_name(stem + ".expected.npy")),
                               rtol=tol, atol=tol)
