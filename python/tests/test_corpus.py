"""Every corpus file end to end: raise, decompose, compile, run on its
inputs, compare with the reference output."""
import re
import subprocess

import numpy as np
import pytest

from conftest import corpus_files
from qkvtie import compile_file, find_tool

# MANIFEST.md: compare with X.expected.npy at ~1e-5, and at ~1e-4 for the
# weights-as-args file (unit-variance random weights).
DEFAULT_TOLERANCE = 1e-5
TOLERANCE = {"torch-linalg-mha-weights-as-args": 1e-4}
NOT_ATTENTION = {"torch-linalg-not-attention-softmax-wrong-axis"}


def stem(path):
    return path.name[:-len(".mlir")]


@pytest.mark.parametrize("path", corpus_files(), ids=stem)
def test_raise_and_run(path, tmp_path):
    lib = compile_file(path, passes=["qkvtie-raise-attention"], out_dir=tmp_path)
    raised = (tmp_path / f"{path.stem}.opt.mlir").read_text()
    count = len(re.findall(r"qkvtie\.attention", raised))
    name = stem(path)
    if name in NOT_ATTENTION:
        assert count == 0
    else:
        assert count == 1, f"{name}: {count} attentions raised"
    inputs = np.load(path.with_name(name + ".inputs.npz"))
    args = [inputs[f"arg{i}"] for i in range(len(inputs.files))]
    entry = next(iter(lib.signatures))
    got = lib[entry](*args)
    want = np.load(path.with_name(name + ".expected.npy"))
    tol = TOLERANCE.get(name, DEFAULT_TOLERANCE)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("path", [p for p in corpus_files() if stem(p) in NOT_ATTENTION],
                         ids=stem)
def test_not_attention_is_unchanged(path):
    opt = find_tool("qkvtie-opt")
    plain = subprocess.run([opt, str(path)], capture_output=True, text=True,
                           check=True).stdout
    raised = subprocess.run([opt, str(path), "--qkvtie-raise-attention"],
                            capture_output=True, text=True, check=True).stdout
    assert plain == raised
