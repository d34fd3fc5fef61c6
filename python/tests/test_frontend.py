"""qkvtie.from_torch: PyTorch modules written the way Llama, BERT and GPT-2
write attention, exported by torch-mlir, compiled, and checked against
PyTorch; ties made in Python (`v_proj = k_proj`, equal packed columns) are
found and fold the cache."""
import importlib.util
import pathlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torch_mlir")

import qkvtie  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("generate", REPO / "examples/generate.py")
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


def run(module, seq=8, d=64, **options):
    torch.manual_seed(0)
    x = torch.randn(1, seq, d)
    with torch.no_grad():
        want = module.eval()(x).numpy()
    model = qkvtie.from_torch(module, (x,), **options)
    np.testing.assert_allclose(model(x.numpy()), want, rtol=1e-4, atol=1e-4)
    return model, x.numpy(), want


def attention(model):
    (a,) = model.report["attentions"]
    return a


def test_mha_with_v_proj_equal_to_k_proj():
    torch.manual_seed(1)
    model, _, _ = run(generate.Attention(64, 4, 4, tie_kv=True))
    a = attention(model)
    assert a["variant"] == "Q-K=V" and a["kv_cache_buffers"] == 1
    assert a["kv_cache_bytes_per_token"] * 2 == a["before"]["kv_cache_bytes_per_token"]


def test_gqa_with_rope_causal_and_kv_tie_decodes():
    torch.manual_seed(2)
    model, x, want = run(generate.Attention(64, 4, 2, tie_kv=True, rope=True,
                                            causal=True), capacity=8)
    a = attention(model)
    assert (a["variant"], a["num_heads"], a["num_kv_heads"]) == ("Q-K=V", 4, 2)
    session = model.session()
    rows = [session.step(x[:, t:t + 1]) for t in range(x.shape[1])]
    np.testing.assert_allclose(np.concatenate(rows, 1), want, rtol=1e-4, atol=1e-4)


def test_canonical_gqa_keeps_two_buffers():
    torch.manual_seed(3)
    model, _, _ = run(generate.Attention(64, 4, 2, rope=True, causal=True), capacity=8)
    assert attention(model)["variant"] == "Q-K-V"
    assert model.session().cache.shape[0] == 2


def test_gpt2_packed_projection_with_equal_kv_columns():
    torch.manual_seed(4)
    model, _, _ = run(generate.GPT2Packed(64, 4, 8, tie_kv=True))
    a = attention(model)
    assert a["variant"] == "Q-K=V"
    assert [p["kind"] for p in a["proofs"]] == ["packed-slice"]


class Unbatched(torch.nn.Module):
    """A layer on [S, D] (no batch dimension), v_proj = k_proj."""

    def __init__(self):
        super().__init__()
        self.q = torch.nn.Linear(32, 32)
        self.k = torch.nn.Linear(32, 32)
        self.v = self.k

    def forward(self, x):
        s = x.shape[0]
        q, k, v = (p(x).view(s, 4, 8).transpose(0, 1) for p in (self.q, self.k, self.v))
        o = ((q @ k.transpose(-1, -2)) / 8 ** 0.5).softmax(-1) @ v
        return o.transpose(0, 1).reshape(s, 32)


def test_unbatched_layer_input_is_raised_and_folded():
    """Each role reshapes a 2-D input on its own: the raise views it once, so
    the roles read one input and K=V folds."""
    torch.manual_seed(0)
    x = torch.randn(6, 32)
    module = Unbatched().eval()
    with torch.no_grad():
        want = module(x).numpy()
    model = qkvtie.from_torch(module, (x,), cache=False)
    np.testing.assert_allclose(model(x.numpy()), want, rtol=1e-4, atol=1e-4)
    (a,) = model.report["attentions"]
    assert a["variant"] == "Q-K=V" and a["kv_cache_buffers"] == 1
