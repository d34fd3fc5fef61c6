"""Bad input at run time and at scale: precise failures or documented
results, never silent garbage."""
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from qkvtie import compile_file, find_tool

from mlirgen import attention_case
from reference import attention

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_decode_past_capacity_is_an_error_not_an_abort(tmp_path):
    """A step at a position past the capacity (or before 0) is an error the
    caller catches; the cache is not written out of bounds and the process
    goes on."""
    import qkvtie
    lib = compile_file(REPO / "examples/models/mha-kv-tied.mlir", out_dir=tmp_path,
                       passes=["qkvtie-raise-attention", "qkvtie-fold-ties",
                               "qkvtie-materialize-kv-cache=capacity=8"])
    x = np.ones((1, 1, 64), np.float32)
    guard = np.full((3, 1, 1, 4, 8, 16), 7.0, np.float32)
    cache = guard[1]  # a view whose neighbours must stay untouched
    prepared = lib.forward_prepare()  # the weights, transposed once
    prepared = prepared if isinstance(prepared, tuple) else (prepared,)
    lib.forward_decode(x, 7, cache, *prepared)      # the last slot: fine
    assert cache[0, 0, :, 7].any()
    for pos in (8, -1, 2 ** 62):
        with pytest.raises(qkvtie.ExecutionError, match="position outside the cache"):
            lib.forward_decode(x, pos, cache, *prepared)
    assert (guard[0] == 7).all() and (guard[2] == 7).all()


def compile_case(tmp_path, **case):
    rng = np.random.default_rng(7)
    text, inputs, ref = attention_case("f", rng, **case)
    path = tmp_path / "case.mlir"
    path.write_text(text)
    return compile_file(path, out_dir=tmp_path), inputs, ref


def test_fully_masked_row_gives_zeros(tmp_path):
    """A row whose scores are all -inf attends to nothing: zeros (PyTorch
    SDPA's convention), as the float64 reference says."""
    lib, inputs, ref = compile_case(tmp_path, mask="additive", out=False)
    mask = inputs[-1]
    mask[2, :] = -np.inf
    ref["mask"] = mask
    got = lib.f(*inputs)
    assert np.all(got[:, 2] == 0)
    np.testing.assert_allclose(got, attention(**ref), rtol=2e-5, atol=2e-5)


def test_nan_and_inf_propagate_like_the_reference(tmp_path):
    """NaN in a token's input poisons every row that attends to it (all of
    them, without a mask); Inf behaves as in float arithmetic."""
    lib, inputs, ref = compile_case(tmp_path, mask="none", out=False)
    x = inputs[0]
    x[0, 1, 3] = np.nan
    ref["query"] = ref["key_value"] = x
    got = lib.f(*inputs)
    want = attention(**ref)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.isnan(got).all()


def test_hundreds_of_attentions_raise(tmp_path):
    """A 300-layer stack raises every attention in one run."""
    sys.path.insert(0, str(REPO / "scripts"))
    import importlib
    speed = importlib.import_module("raise-speed")
    text = speed.stack((REPO / "examples/models/gqa-rope-causal.mlir").read_text(), 300)
    path = tmp_path / "stack.mlir"
    path.write_text(text)
    out = subprocess.run([find_tool("qkvtie-opt"), str(path),
                          "--qkvtie-raise-attention", "--qkvtie-fold-ties"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    assert out.count("qkvtie.attention ties") == 300
