"""qkvtie-materialize-kv-cache: prefill returns the model's output and a
filled cache; decoding token by token from an empty cache reproduces the
model's (causal) output row by row, with one cache buffer when K=V."""
import pathlib

import numpy as np
import pytest

from conftest import corpus_dir
from qkvtie import compile_file

REPO = pathlib.Path(__file__).resolve().parents[2]
MODELS = [REPO / "examples/models" / f"{n}.mlir" for n in
          ("gqa-rope-causal-kv-tied", "gqa-rope-causal", "mha-kv-tied", "mha-canonical")]
CORPUS = ["torch-linalg-gqa-rope-causal-manual-kv-tied",
          "torch-linalg-gqa-rope-causal-manual", "torch-linalg-mha-kv-tied-shared-module",
          "torch-linalg-gpt2style-packed-kv-equal-slices"]


def models():
    d = corpus_dir()
    extra = [d / f"{n}.mlir" for n in CORPUS] if d else []
    return MODELS + [p for p in extra if p.exists()]


@pytest.mark.parametrize("path", models(), ids=lambda p: p.stem)
def test_prefill_and_decode_reproduce_the_model(path, tmp_path):
    stem = path.name[:-len(".mlir")]
    inputs = np.load(path.with_name(stem + ".inputs.npz"))
    x = inputs["arg0"]
    seq = x.shape[1]
    passes = ["qkvtie-raise-attention", "qkvtie-fold-ties",
              f"qkvtie-materialize-kv-cache=capacity={seq}"]
    lib = compile_file(path, passes=passes, out_dir=tmp_path)
    names = set(lib.signatures)
    if "forward_attn0_decode" not in names:
        pytest.skip(f"{stem}: attention has no cache form (mask is a tensor)")
    want = lib.forward(x)
    out, cache = lib.forward_attn0_prefill(x)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
    tied = "kv-tied" in stem or "kv-equal" in stem
    assert cache.shape[0] == (1 if tied else 2)  # buffers
    # Decode every token from an empty cache.
    state = np.zeros_like(cache)
    rows = []
    for t in range(seq):
        o, state = lib.forward_attn0_decode(x[:, t:t + 1], t, state)
        rows.append(o)
    got = np.concatenate(rows, axis=1)
    causal = "mask(causal)" in (tmp_path / f"{stem}.opt.mlir").read_text()
    if not causal:
        # Bidirectional attention: only the last token has seen them all.
        got, want = got[:, -1:], want[:, -1:]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(state, cache, rtol=1e-6, atol=1e-6)


def test_f16_cache_for_an_f32_model(tmp_path):
    """The cache may store half the bits of the model: element-type=f16."""
    path = MODELS[0]
    inputs = np.load(path.with_suffix(".inputs.npz"))
    x = inputs["arg0"]
    seq = x.shape[1]
    lib = compile_file(path, passes=[
        "qkvtie-raise-attention", "qkvtie-fold-ties",
        f"qkvtie-materialize-kv-cache=capacity={seq} element-type=f16"],
        out_dir=tmp_path)
    want = lib.forward(x)
    out, cache = lib.forward_attn0_prefill(x)
    assert cache.dtype == np.float16 and cache.shape[0] == 1
    state = np.zeros_like(cache)
    rows = []
    for t in range(seq):
        o, state = lib.forward_attn0_decode(x[:, t:t + 1], t, state)
        rows.append(o)
    np.testing.assert_allclose(np.concatenate(rows, axis=1), want, rtol=1e-2, atol=1e-2)
