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


class TorchMHA(torch.nn.Module):
    """torch.nn.MultiheadAttention as models call it: q, k, v in; it projects
    sequence-major internally whatever `batch_first` says."""

    def __init__(self, embed, heads, batch_first, kdim=None, vdim=None, tie_kv=False):
        super().__init__()
        self.attn = torch.nn.MultiheadAttention(embed, heads, kdim=kdim, vdim=vdim,
                                                batch_first=batch_first)
        if tie_kv:
            with torch.no_grad():  # equal K and V rows of the packed weight
                w, b = self.attn.in_proj_weight, self.attn.in_proj_bias
                w[2 * embed:] = w[embed:2 * embed]
                b[2 * embed:] = b[embed:2 * embed]

    def forward(self, q, k, v):
        return self.attn(q, k, v, need_weights=False)[0]


def run_mha(module, *inputs):
    with torch.no_grad():
        want = module.eval()(*inputs).numpy()
    model = qkvtie.from_torch(module, inputs, cache=False)
    np.testing.assert_allclose(model(*(i.numpy() for i in inputs)), want,
                               rtol=1e-4, atol=1e-4)
    return attention(model)


@pytest.mark.parametrize("batch_first", [True, False])
def test_torch_multihead_attention_is_raised(batch_first):
    """Packed in_proj_weight and in_proj_bias, rows projected sequence-major:
    one attention op on the [B, S, D] input, and K=V found in the packed
    weight."""
    torch.manual_seed(5)
    x = torch.randn(3, 6, 32)  # [B, S, D] or [S, B, D]
    a = run_mha(TorchMHA(32, 4, batch_first), x, x, x)
    assert (a["variant"], a["num_heads"], a["out_projection"]) == ("Q-K-V", 4, True)
    a = run_mha(TorchMHA(32, 4, batch_first, tie_kv=True), x, x, x)
    assert a["variant"] == "Q-K=V" and a["kv_cache_buffers"] == 1
    assert [p["kind"] for p in a["proofs"]] == ["packed-slice"]


def test_torch_multihead_attention_with_kdim_and_vdim_is_raised():
    """Separate q/k/v_proj_weight with a packed in_proj_bias, keys and values
    from tensors of their own widths: the op takes a value input, and its
    cache has two buffers."""
    torch.manual_seed(6)
    q, k, v = torch.randn(2, 5, 32), torch.randn(2, 7, 24), torch.randn(2, 7, 16)
    a = run_mha(TorchMHA(32, 4, True, kdim=24, vdim=16), q, k, v)
    assert (a["variant"], a["kv_cache_buffers"], a["projections"]) == ("Q-K-V", 2, 3)
    # Two buffers: B · Hkv · (d + dv) floats per token.
    assert a["kv_cache_bytes_per_token"] == 2 * 4 * 8 * 2 * 4
