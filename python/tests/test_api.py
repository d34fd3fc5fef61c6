"""The Python API: qkvtie.compile, qkvtie.report, decode sessions, errors."""
import pathlib

import numpy as np
import pytest

import qkvtie

REPO = pathlib.Path(__file__).resolve().parents[2]
MODELS = REPO / "examples/models"


def load(name):
    return (np.load(MODELS / f"{name}.inputs.npz")["arg0"],
            np.load(MODELS / f"{name}.expected.npy"))


def test_compile_a_path_and_call_it():
    model = qkvtie.compile(MODELS / "mha-kv-tied.mlir")
    x, want = load("mha-kv-tied")
    assert model.entry == "forward"
    assert {"forward", "forward_prefill", "forward_decode"} <= set(model.functions)
    np.testing.assert_allclose(model(x), want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(model.forward(x), want, rtol=1e-4, atol=1e-4)
    a = model.report["attentions"][0]
    assert a["variant"] == "Q-K=V" and a["kv_cache_buffers"] == 1


def test_compile_mlir_text_and_the_reference_lowering():
    text = (MODELS / "mha-canonical.mlir").read_text()
    x, want = load("mha-canonical")
    for reference in (False, True):
        model = qkvtie.compile(text, reference=reference, cache=False)
        assert model.functions == ["forward"]
        np.testing.assert_allclose(model(x), want, rtol=1e-4, atol=1e-4)


def test_report_is_a_dict_with_the_saving():
    r = qkvtie.report(MODELS / "gqa-rope-causal-kv-tied.mlir")
    (a,) = r["attentions"]
    assert a["variant"] == "Q-K=V"
    assert (a["num_heads"], a["num_kv_heads"]) == (4, 2)
    assert a["kv_cache_bytes_per_token"] * 2 == a["before"]["kv_cache_bytes_per_token"]
    assert [p["kind"] for p in a["proofs"]] == ["ssa"]


def test_decode_session_reproduces_the_causal_model():
    name = "gqa-rope-causal-kv-tied"
    x, want = load(name)
    seq = x.shape[1]
    model = qkvtie.compile(MODELS / f"{name}.mlir", capacity=seq)
    session = model.session()
    assert session.cache.shape[0] == 1  # K=V: one buffer
    rows = [session.step(x[:, t:t + 1]) for t in range(seq)]
    np.testing.assert_allclose(np.concatenate(rows, 1), want, rtol=1e-4, atol=1e-4)
    stepped = session.cache.copy()
    with pytest.raises(IndexError, match="full"):
        session.step(x[:, :1])
    fresh = model.session()
    np.testing.assert_allclose(fresh.prefill(x), want, rtol=1e-4, atol=1e-4)
    assert fresh.position == seq
    np.testing.assert_allclose(fresh.cache, stepped, rtol=1e-6, atol=1e-6)


def test_f16_cache_halves_again():
    model = qkvtie.compile(MODELS / "mha-kv-tied.mlir", capacity=64,
                           cache_element_type="f16")
    session = model.session()
    assert session.cache.dtype == np.float16
    x, want = load("mha-kv-tied")
    rows = [session.step(x[:, t:t + 1]) for t in range(x.shape[1])]
    np.testing.assert_allclose(rows[-1][:, 0], want[:, -1], rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("source,message", [
    ("no/such/model.mlir", "no such file"),
    ("func.func @f( {", "expected"),
])
def test_bad_sources_raise_compile_error(source, message):
    with pytest.raises(qkvtie.CompileError, match=message):
        qkvtie.compile(source)


def test_unknown_target_and_missing_session():
    with pytest.raises(qkvtie.CompileError, match="target 'rocm' is not available"):
        qkvtie.compile(MODELS / "mha-kv-tied.mlir", target="rocm")
    model = qkvtie.compile(MODELS / "mha-kv-tied.mlir", cache=False)
    with pytest.raises(qkvtie.CompileError, match="no decode form.*cache=False"):
        model.session()
    with pytest.raises(TypeError):
        qkvtie.compile(42)


def test_targets_are_an_enum_or_its_values():
    Target = qkvtie.Target
    assert [Target.parse(t) for t in ("cpu", "cuda", Target.CUDA)] == \
        [Target.CPU, Target.CUDA, Target.CUDA]
    # Members are their strings, for code written before the enum.
    assert Target.CUDA == "cuda" and f"--target={Target.CUDA}" == "--target=cuda"
    for bad in ("rocm", "CPU", None):
        with pytest.raises(qkvtie.CompileError,
                           match=f"target {bad!r} is not available; targets: cpu, cuda"):
            Target.parse(bad)
    # Checked before any tool runs.
    with pytest.raises(qkvtie.CompileError, match="target 'gpu' is not available"):
        qkvtie.compile_file(MODELS / "no-such-model.mlir", target="gpu")
    model = qkvtie.compile(MODELS / "mha-kv-tied.mlir", target=Target.CPU, cache=False)
    assert model.library.target is Target.CPU and model.library.target == "cpu"
    x, want = load("mha-kv-tied")
    np.testing.assert_allclose(model(x), want, rtol=1e-4, atol=1e-4)


def test_session_recomputes_rope_tables_for_a_longer_cache():
    """The model computes its RoPE tables for its 8 positions; a 64-token
    cache needs 64, which @forward_tables recomputes once per session."""
    name = "gqa-rope-causal-kv-tied"
    x, want = load(name)
    model = qkvtie.compile(MODELS / f"{name}.mlir", capacity=64, prefill_tokens=3)
    session = model.session()
    assert session.capacity == 64 and session.chunk == 3
    rows = [session.step(x[:, t:t + 1]) for t in range(x.shape[1])]
    np.testing.assert_allclose(np.concatenate(rows, 1), want, rtol=1e-4, atol=1e-4)
    # A prompt of 8 runs as two chunks of 3 and two single steps, from any
    # position; a second session starts empty.
    fresh = model.session()
    np.testing.assert_allclose(fresh.prefill(x), want, rtol=1e-4, atol=1e-4)
    assert fresh.position == 8
    np.testing.assert_allclose(fresh.cache[:, :, :, :8], session.cache[:, :, :, :8],
                               rtol=1e-6, atol=1e-6)
    assert not fresh.cache[:, :, :, 8:].any()
