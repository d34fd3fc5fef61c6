"""The bundled examples (examples/generate.py, torch-mlir) end to end: they
raise, and the compiled result matches PyTorch's output."""
import pathlib
import re

import numpy as np
import pytest

from qkvtie import compile_file

EXAMPLES = sorted((pathlib.Path(__file__).resolve().parents[2] / "examples" /
                   "models").glob("*.mlir"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example(path, tmp_path):
    lib = compile_file(path, passes=["qkvtie-raise-attention"], out_dir=tmp_path)
    raised = (tmp_path / f"{path.stem}.opt.mlir").read_text()
    # One attention per layer: the layers, and the two of the LM.
    layers = 2 if path.with_name(path.stem + ".generate.npz").exists() else 1
    assert len(re.findall(r"qkvtie\.attention", raised)) == layers
    inputs = np.load(path.with_suffix(".inputs.npz"))
    got = lib.forward(*[inputs[f"arg{i}"] for i in range(len(inputs.files))])
    np.testing.assert_allclose(got, np.load(path.with_suffix(".expected.npy")),
                               rtol=1e-4, atol=1e-4)
