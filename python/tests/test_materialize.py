"""qkvtie-materialize-kv-cache: a prefill of any number of tokens and a
decode step from an empty cache reproduce the model's causal output row by
row, in chunks and single steps, with one cache buffer when K=V.

Expectations are written down per model (buffers, whether the model is
causal), not read back from the compiler's output."""
import pathlib

import numpy as np
import pytest

import qkvtie
from conftest import corpus_dir

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples/models"

# model -> (cache buffers per layer, causal). A model without a mask is
# bidirectional: decoding from an empty cache matches it at the last token.
MODELS = {
    EXAMPLES / "gqa-rope-causal-kv-tied.mlir": (1, True),
    EXAMPLES / "gqa-rope-causal.mlir": (2, True),
    EXAMPLES / "mha-kv-tied.mlir": (1, False),
    EXAMPLES / "mha-canonical.mlir": (2, False),
    EXAMPLES / "gpt2-packed-kv-tied.mlir": (1, True),
}
CORPUS = {
    "torch-linalg-gqa-rope-causal-manual-kv-tied": (1, True),
    "torch-linalg-gqa-rope-causal-manual": (2, True),
    "torch-linalg-gqa-rope-causal-sdpa": (2, True),
    "torch-tosa-gqa-rope-causal-sdpa": (2, True),
    "torch-linalg-mha-kv-tied-shared-module": (1, False),
    "torch-linalg-gpt2style-packed-kv-equal-slices": (1, True),
    "torch-linalg-gpt2style-packed-cattn": (2, True),
}


def models():
    out = dict(MODELS)
    d = corpus_dir()
    if d:
        out.update({d / f"{n}.mlir": v for n, v in CORPUS.items()})
    return list(out.items())


@pytest.mark.parametrize("path,expect", models(), ids=lambda p: getattr(p, "stem", ""))
def test_prefill_and_decode_reproduce_the_model(path, expect):
    buffers, causal = expect
    stem = path.name[:-len(".mlir")]
    x = np.load(path.with_name(stem + ".inputs.npz"))["arg0"]
    seq = x.shape[1]
    # Chunks of 3: a prompt of `seq` runs as chunks and single steps.
    model = qkvtie.compile(path, capacity=seq, prefill_tokens=3)
    want = model(x)
    s = model.session()
    assert [c.shape[0] for c in s.caches] == [buffers]
    out = s.prefill(x)
    rows = model.session()
    got = np.concatenate([rows.step(x[:, t:t + 1]) for t in range(seq)], axis=1)
    if causal:
        np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    else:
        np.testing.assert_allclose(got[:, -1], want[:, -1], rtol=1e-4, atol=1e-4)
    # Chunks and single steps write the same cache.
    np.testing.assert_allclose(s.cache, rows.cache, rtol=1e-5, atol=1e-5)


def test_prefill_continues_from_any_position():
    """Two prompts in a row: the second starts where the first ended."""
    path = EXAMPLES / "gqa-rope-causal-kv-tied.mlir"
    x = np.load(path.with_suffix(".inputs.npz"))["arg0"]
    model = qkvtie.compile(path, capacity=32, prefill_tokens=4)
    whole = model.session()
    want = whole.prefill(x)
    parts = model.session()
    got = np.concatenate([parts.prefill(x[:, :5]), parts.prefill(x[:, 5:])], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert parts.position == whole.position == x.shape[1]


def test_f16_cache_for_an_f32_model():
    """The cache may store half the bits of the model: element-type=f16."""
    path = EXAMPLES / "gqa-rope-causal-kv-tied.mlir"
    x = np.load(path.with_suffix(".inputs.npz"))["arg0"]
    model = qkvtie.compile(path, capacity=x.shape[1], cache_element_type="f16")
    s = model.session()
    assert s.cache.dtype == np.float16 and s.cache.shape[0] == 1
    rows = [s.step(x[:, t:t + 1]) for t in range(x.shape[1])]
    np.testing.assert_allclose(np.concatenate(rows, axis=1), model(x), rtol=1e-2, atol=1e-2)


def test_f16_cache_overflow_is_an_error():
    """Keys or values past f16's range would become infinities in the cache
    and NaN in every later step: the step fails instead, and the forward
    pass (f32 throughout) stays finite."""
    path = EXAMPLES / "gqa-rope-causal-kv-tied.mlir"
    x = np.load(path.with_suffix(".inputs.npz"))["arg0"]
    model = qkvtie.compile(path, capacity=x.shape[1], cache_element_type="f16")
    s = model.session()
    s.step(x[:, :1])
    with pytest.raises(qkvtie.ExecutionError, match="overflows the f16 cache"):
        s.step(x[:, 1:2] * 1e5)
    assert s.position == 1
    assert np.isfinite(model(x * 1e5)).all()
    # An f32 cache holds them.
    wide = qkvtie.compile(path, capacity=x.shape[1]).session()
    assert np.isfinite(wide.prefill(x * 1e5)).all()
