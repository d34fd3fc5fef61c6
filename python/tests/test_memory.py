"""Memory stays flat: over 100,000 calls of a compiled function, thousands of
decode steps, and compile-and-delete cycles (each library is unloaded)."""
import gc
import os
import pathlib

import numpy as np

import qkvtie

REPO = pathlib.Path(__file__).resolve().parents[2]
MODELS = REPO / "examples/models"


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def mapped_libraries():
    with open("/proc/self/maps") as f:
        return {t for line in f for t in line.split() if "qkvtie-" in t and ".so" in t}


def test_calls_do_not_grow_memory():
    model = qkvtie.compile(MODELS / "mha-kv-tied.mlir", cache=False)
    x = np.load(MODELS / "mha-kv-tied.inputs.npz")["arg0"]
    for _ in range(2000):
        model(x)
    before = rss_mb()
    for _ in range(100_000):
        model(x)
    assert rss_mb() - before < 4, (before, rss_mb())


def test_decode_steps_do_not_grow_memory():
    model = qkvtie.compile(MODELS / "gqa-rope-causal-kv-tied.mlir", capacity=6000)
    x = np.load(MODELS / "gqa-rope-causal-kv-tied.inputs.npz")["arg0"][:, :1]
    s = model.session()
    for _ in range(500):
        s.step(x)
    before = rss_mb()
    for _ in range(5000):
        s.step(x)
    assert rss_mb() - before < 4, (before, rss_mb())


def test_sessions_outlive_their_model_object():
    """A session keeps its library loaded after the Model is dropped."""
    path = MODELS / "gqa-rope-causal-kv-tied.mlir"
    x = np.load(path.with_suffix(".inputs.npz"))["arg0"]
    s = qkvtie.compile(path, capacity=8).session()
    gc.collect()
    np.testing.assert_allclose(s.prefill(x), np.load(path.with_suffix(".expected.npy")),
                               rtol=1e-4, atol=1e-4)


def test_deleted_models_are_unloaded():
    start = mapped_libraries()
    for _ in range(8):
        model = qkvtie.compile(MODELS / "mha-kv-tied.mlir", cache=False)
        model(np.load(MODELS / "mha-kv-tied.inputs.npz")["arg0"])
        del model
        gc.collect()
    assert len(mapped_libraries() - start) == 0, mapped_libraries() - start
