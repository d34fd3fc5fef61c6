"""Bad input at run time and at scale: precise failures or documented
results, never silent garbage."""
import pathlib
import subprocess
import sys
import textwrap

import numpy as np

from qkvtie import compile_file, find_tool
from qkvtie.mlirgen import attention_case
from qkvtie.reference import attention

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_decode_past_capacity_aborts_with_a_message(tmp_path):
    """cache.append at a position past the capacity stops the program with
    a message instead of writing out of bounds."""
    script = textwrap.dedent(f"""
        import numpy as np, sys
        sys.path.insert(0, {str(REPO / 'python')!r})
        from qkvtie import compile_file
        path = {str(REPO / 'examples/models/mha-kv-tied.mlir')!r}
        lib = compile_file(path, out_dir={str(tmp_path)!r}, passes=[
            "qkvtie-raise-attention", "qkvtie-fold-ties",
            "qkvtie-materialize-kv-cache=capacity=8"])
        x = np.zeros((1, 1, 64), np.float32)
        cache = np.zeros((1, 1, 4, 8, 16), np.float32)
        lib.forward_attn0_decode(x, 7, cache)      # the last slot: fine
        print("ok at 7", flush=True)
        lib.forward_attn0_decode(x, 8, cache)      # past the end
        print("unreachable", flush=True)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True,
                          text=True, timeout=300)
    assert "ok at 7" in proc.stdout
    assert "unreachable" not in proc.stdout
    assert proc.returncode != 0
    assert "writing past the cache capacity" in proc.stdout + proc.stderr


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
