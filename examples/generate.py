#!/usr/bin/env python3
"""Regenerates the bundled model IR with torch-mlir from PyPI.

    python3 -m venv /tmp/gen && /tmp/gen/bin/pip install torch torch-mlir numpy
    /tmp/gen/bin/python examples/generate.py

Writes examples/models/NAME.{mlir,inputs.npz,expected.npy} (seeded modules
with constant weights, what a user's exported model looks like) and the
compact lit inputs under test/Transforms/Inputs/ (weights as arguments, so
the IR stays a few dozen lines).
"""
import math
import pathlib

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch_mlir import fx

ROOT = pathlib.Path(__file__).resolve().parents[1]


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rope_tables(positions, inv_freq):
    """cos and sin [S, d] at `positions`, computed in the graph as
    transformers does, so that a compiler can recompute them at any
    position."""
    ang = positions.float()[:, None] * inv_freq[None, :]
    emb = torch.cat((ang, ang), dim=-1)
    return emb.cos(), emb.sin()


class Attention(nn.Module):
    """MHA/GQA/MQA with optional ties, RoPE and masks, written the way
    Llama and BERT implementations write it."""

    def __init__(self, d, hq, hkv, tie_kv=False, tie_qk=False, rope=False,
                 causal=False, sdpa=False, bias=True, seq=8):
        super().__init__()
        self.hq, self.hkv, self.hd = hq, hkv, d // hq
        self.q_proj = nn.Linear(d, hq * self.hd, bias=bias)
        self.k_proj = self.q_proj if tie_qk else nn.Linear(d, hkv * self.hd, bias=bias)
        self.v_proj = self.k_proj if tie_kv else nn.Linear(d, hkv * self.hd, bias=bias)
        self.o_proj = nn.Linear(hq * self.hd, d, bias=bias)
        self.rope, self.causal, self.sdpa = rope, causal, sdpa
        if rope:
            self.register_buffer(
                "inv_freq", 1.0 / (10000 ** (torch.arange(0, self.hd, 2).float() / self.hd)))
        if causal and not sdpa:
            mask = torch.full((seq, seq), float("-inf")).triu(1)
            self.register_buffer("mask", mask)

    def forward(self, x):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.hq, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.hkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.hkv, self.hd).transpose(1, 2)
        if self.rope:
            cos, sin = rope_tables(torch.arange(s, device=x.device), self.inv_freq)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
        g = self.hq // self.hkv
        if self.sdpa:
            o = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal,
                                               enable_gqa=g > 1)
        else:
            k = k[:, :, None].expand(b, self.hkv, g, s, self.hd).reshape(b, self.hq, s, self.hd)
            v = v[:, :, None].expand(b, self.hkv, g, s, self.hd).reshape(b, self.hq, s, self.hd)
            w = q @ k.transpose(-1, -2) / math.sqrt(self.hd)
            if self.causal:
                w = w + self.mask
            o = w.softmax(dim=-1) @ v
        return self.o_proj(o.transpose(1, 2).reshape(b, s, -1))


class GPT2Packed(nn.Module):
    """GPT-2: one packed [D, 3D] projection, split by columns; causal mask
    as where(tril, w, finfo.min)."""

    def __init__(self, d, h, seq, tie_kv=False):
        super().__init__()
        self.h, self.hd = h, d // h
        self.c_attn = nn.Linear(d, 3 * d)
        if tie_kv:
            with torch.no_grad():
                self.c_attn.weight[2 * d:] = self.c_attn.weight[d:2 * d]
                self.c_attn.bias[2 * d:] = self.c_attn.bias[d:2 * d]
        self.c_proj = nn.Linear(d, d)
        self.register_buffer("tril", torch.tril(torch.ones(seq, seq, dtype=torch.bool)))

    def forward(self, x):
        b, s, d = x.shape
        q, k, v = self.c_attn(x).split(d, dim=2)
        q, k, v = (t.view(b, s, self.h, self.hd).transpose(1, 2) for t in (q, k, v))
        w = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)
        w = torch.where(self.tril, w, torch.finfo(w.dtype).min)
        o = w.softmax(dim=-1) @ v
        return self.c_proj(o.transpose(1, 2).reshape(b, s, d))


class ArgsAttention(nn.Module):
    """Weights as arguments: compact IR for lit tests."""

    def __init__(self, hq, hkv, variant):
        super().__init__()
        self.hq, self.hkv, self.variant = hq, hkv, variant

    def forward(self, x, wq, wk, wv):
        b, s, d = x.shape
        hd = wq.shape[0] // self.hq
        q = F.linear(x, wq).view(b, s, self.hq, hd).transpose(1, 2)
        kv = x if self.variant != "cross" else wv  # unused in other forms
        k = F.linear(x, wk).view(b, s, self.hkv, hd).transpose(1, 2)
        v = F.linear(x, wv).view(b, s, self.hkv, hd).transpose(1, 2)
        del kv
        if self.variant == "sdpa-causal":
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                               enable_gqa=self.hq != self.hkv)
        else:
            g = self.hq // self.hkv
            k = k.repeat_interleave(g, dim=1)
            v = v.repeat_interleave(g, dim=1)
            w = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
            if self.variant == "wrong-axis":
                p = w.softmax(dim=-2)
            else:
                p = w.softmax(dim=-1)
            o = p @ v
        return o.transpose(1, 2).reshape(b, s, -1)


class ArgsHeadFeatures(nn.Module):
    """RoPE tables and QK-norm weights as arguments: partial rotary (the
    first half of each head rotated, as Phi and GPT-NeoX do) and an RMSNorm
    of each head of q and k before RoPE (Qwen3, OLMo 2)."""

    def __init__(self, hq, hkv, partial=False, qk_norm=False, norm_v=False):
        super().__init__()
        self.hq, self.hkv = hq, hkv
        self.partial, self.qk_norm, self.norm_v = partial, qk_norm, norm_v

    def forward(self, x, wq, wk, wv, cos, sin, wqn, wkn):
        b, s, d = x.shape
        hd = wq.shape[0] // self.hq
        q = F.linear(x, wq).view(b, s, self.hq, hd)
        k = F.linear(x, wk).view(b, s, self.hkv, hd)
        v = F.linear(x, wv).view(b, s, self.hkv, hd)
        norm = lambda t, w: t * torch.rsqrt(t.pow(2).mean(-1, keepdim=True) + 1e-6) * w
        if self.qk_norm:
            q, k = norm(q, wqn), norm(k, wkn)
        if self.norm_v:
            v = norm(v, wkn)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        r = cos.shape[-1]
        rot = lambda t: torch.cat((t[..., :r] * cos + rotate_half(t[..., :r]) * sin,
                                   t[..., r:]), dim=-1) if r < hd else t * cos + rotate_half(t) * sin
        q, k = rot(q), rot(k)
        g = self.hq // self.hkv
        k = k.repeat_interleave(g, dim=1)
        v = v.repeat_interleave(g, dim=1)
        w = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
        o = w.softmax(dim=-1) @ v
        return o.transpose(1, 2).reshape(b, s, -1)


class ArgsInterleaved(nn.Module):
    """One fused projection whose heads interleave q, k and v: [H, 3, d]
    columns (GPT-NeoX's query_key_value)."""

    def forward(self, x, w):
        b, s, _ = x.shape
        h, hd = 2, 8
        qkv = F.linear(x, w).view(b, s, h, 3 * hd)
        q, k, v = (t.transpose(1, 2) for t in qkv.split(hd, dim=-1))
        w_ = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
        o = w_.softmax(dim=-1) @ v
        return o.transpose(1, 2).reshape(b, s, -1)


class CrossAttention(nn.Module):
    def forward(self, x, mem, wq, wk, wv):
        b, s, _ = x.shape
        t = mem.shape[1]
        hd = 8
        q = F.linear(x, wq).view(b, s, -1, hd).transpose(1, 2)
        k = F.linear(mem, wk).view(b, t, -1, hd).transpose(1, 2)
        v = F.linear(mem, wv).view(b, t, -1, hd).transpose(1, 2)
        o = (q @ k.transpose(-1, -2) / math.sqrt(hd)).softmax(-1) @ v
        return o.transpose(1, 2).reshape(b, s, -1)


class NearMiss(nn.Module):
    """Attention-shaped graphs that are not attention as qkvtie defines it."""

    def __init__(self, variant):
        super().__init__()
        self.variant = variant

    def forward(self, x, y, wq, wk, wv):
        b, s, d = x.shape
        q = F.linear(x, wq).view(b, s, 2, 8).transpose(1, 2)
        k = F.linear(x, wk).view(b, s, 2, 8).transpose(1, 2)
        # Keys of x, values of y: attention with a value input (not a near
        # miss any more; kept here for the lit input it has always made).
        v_in = y if self.variant == "kv-different-inputs" else x
        v = F.linear(v_in, wv).view(b, s, 2, 8).transpose(1, 2)
        w = q @ k.transpose(-1, -2)
        if self.variant == "scores-times-tensor":
            w = w * y[:, None, :, :4]
        elif self.variant == "scale-after-mask":
            # The scale would scale the mask too.
            w = (w + y[:, None, :, :4]) * 0.25
        else:
            w = w * 0.25
        if self.variant == "no-max-subtraction":
            e = w.exp()
            p = e / e.sum(dim=-1, keepdim=True)
        else:
            p = w.softmax(dim=-1)
        o = p @ v
        return o.transpose(1, 2).reshape(b, s, -1)


class TorchMHA(nn.Module):
    """torch.nn.MultiheadAttention, which projects sequence-major whatever
    batch_first says; with kdim/vdim it has q/k/v_proj_weight of their own
    and a packed in_proj_bias."""

    def __init__(self, batch_first, kdim=None, vdim=None):
        super().__init__()
        self.attn = nn.MultiheadAttention(16, 2, kdim=kdim, vdim=vdim,
                                          batch_first=batch_first)

    def forward(self, q, k, v):
        return self.attn(q, k, v, need_weights=False)[0]


def write_torch_mha():
    """Lit inputs: self-attention batch-first, and cross-attention with
    kdim/vdim sequence-major."""
    torch.manual_seed(7)
    x = torch.randn(2, 4, 16)
    write_lit_input("torch-mha-batch-first", TorchMHA(True), (x, x, x))
    write_lit_input("torch-mha-kdim-vdim", TorchMHA(False, kdim=12, vdim=8),
                    (torch.randn(4, 2, 16), torch.randn(6, 2, 12),
                     torch.randn(6, 2, 8)))


def export(module, args, output_type="linalg-on-tensors"):
    m = fx.export_and_import(module, *args, output_type=output_type,
                             func_name="forward")
    return str(m)


def write_example(name, module, args):
    module.eval()
    with torch.no_grad():
        expected = module(*args)
    out = ROOT / "examples" / "models"
    (out / f"{name}.mlir").write_text(export(module, args))
    np.savez(out / f"{name}.inputs.npz",
             **{f"arg{i}": a.numpy() for i, a in enumerate(args)})
    np.save(out / f"{name}.expected.npy", expected.numpy())


def write_lit_input(name, module, args, output_type="linalg-on-tensors"):
    (ROOT / "test" / "Transforms" / "Inputs" / f"{name}.mlir").write_text(
        export(module, args, output_type))


def write_head_features(xs, w):
    """Lit inputs for partial rotary and QK-norm."""
    s, hd = xs.shape[1], 8
    tables = lambda r: rope_tables(torch.arange(s), 1.0 / (10000 ** (torch.arange(0, r, 2).float() / r)))
    norms = (torch.rand(hd) + 0.5, torch.rand(hd) + 0.5)
    write_lit_input("args-partial-rope", ArgsHeadFeatures(2, 1, partial=True),
                    (xs, w(16), w(8), w(8), *tables(4), *norms))
    write_lit_input("args-qk-norm", ArgsHeadFeatures(2, 1, qk_norm=True),
                    (xs, w(16), w(8), w(8), *tables(8), *norms))
    write_lit_input("args-interleaved-qkv", ArgsInterleaved(), (xs, w(48)))
    write_lit_input("near-miss-v-normalised",
                    ArgsHeadFeatures(2, 1, qk_norm=True, norm_v=True),
                    (xs, w(16), w(8), w(8), *tables(8), *norms))


def write_lm_example(name, tied):
    """A tiny causal LM exported as transformers does (forward(ids, mask) ->
    logits, its mask from attention_mask and iotas, RoPE from inv_freq), and
    what transformers.generate() makes of a prompt: X.generate.npz with
    prompt, new_ids and the step_logits that chose them."""
    import transformers
    torch.manual_seed(1)
    cfg = transformers.LlamaConfig(vocab_size=128, hidden_size=64,
                                   intermediate_size=128, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=2,
                                   max_position_embeddings=256)
    cfg._attn_implementation = "eager"
    model = transformers.LlamaForCausalLM(cfg).eval()
    if tied:
        for layer in model.model.layers:
            layer.self_attn.v_proj = layer.self_attn.k_proj
    for m in model.modules():
        m._non_persistent_buffers_set.clear()

    class Logits(nn.Module):
        def forward(self, ids, mask):
            return model(input_ids=ids, attention_mask=mask, use_cache=False).logits

    prompt = torch.randint(1, 128, (1, 8))
    out = ROOT / "examples" / "models"
    (out / f"{name}.mlir").write_text(export(Logits(), (prompt, torch.ones_like(prompt))))
    with torch.no_grad():
        gen = model.generate(prompt, attention_mask=torch.ones_like(prompt),
                             max_new_tokens=16, do_sample=False, use_cache=True,
                             output_logits=True, return_dict_in_generate=True,
                             pad_token_id=0)
    with torch.no_grad():
        logits = Logits()(prompt, torch.ones_like(prompt))
    np.savez(out / f"{name}.inputs.npz", arg0=prompt.numpy(),
             arg1=torch.ones_like(prompt).numpy())
    np.save(out / f"{name}.expected.npy", logits.numpy())
    np.savez(out / f"{name}.generate.npz", prompt=prompt[0].numpy(),
             new_ids=gen.sequences[0, 8:].numpy(),
             step_logits=torch.cat(gen.logits).numpy())


def main():
    write_lm_example("llama-tiny-kv-tied", tied=True)
    torch.manual_seed(0)
    x = torch.randn(1, 8, 64)
    write_example("mha-kv-tied", Attention(64, 4, 4, tie_kv=True), (x,))
    write_example("mha-canonical", Attention(64, 4, 4), (x,))
    write_example("gqa-rope-causal", Attention(64, 4, 2, rope=True, causal=True), (x,))
    write_example("gqa-rope-causal-kv-tied",
                  Attention(64, 4, 2, rope=True, causal=True, tie_kv=True), (x,))
    write_example("gpt2-packed-kv-tied", GPT2Packed(64, 4, 8, tie_kv=True), (x,))

    xs = torch.randn(1, 4, 16)
    w = lambda n: torch.randn(n, 16)
    write_lit_input("args-mha", ArgsAttention(2, 2, "manual"), (xs, w(16), w(16), w(16)))
    write_lit_input("args-gqa", ArgsAttention(4, 2, "manual"), (xs, w(16), w(8), w(8)))
    write_lit_input("args-sdpa-causal", ArgsAttention(2, 2, "sdpa-causal"),
                    (xs, w(16), w(16), w(16)))
    write_lit_input("args-wrong-axis", ArgsAttention(2, 2, "wrong-axis"),
                    (xs, w(16), w(16), w(16)))
    write_lit_input("args-mha-tosa", ArgsAttention(2, 2, "manual"),
                    (xs, w(16), w(16), w(16)), output_type="tosa")
    write_lit_input("args-cross", CrossAttention(),
                    (xs, torch.randn(1, 6, 24), w(16), torch.randn(16, 24),
                     torch.randn(16, 24)))
    write_lit_input("args-mha-f16", ArgsAttention(2, 2, "manual").half(),
                    (xs.half(), w(16).half(), w(16).half(), w(16).half()))
    write_lit_input("args-gqa-bf16", ArgsAttention(4, 2, "manual").bfloat16(),
                    (xs.bfloat16(), w(16).bfloat16(), w(8).bfloat16(),
                     w(8).bfloat16()))
    write_lit_input("args-mha-f64", ArgsAttention(2, 2, "manual").double(),
                    (xs.double(), w(16).double(), w(16).double(), w(16).double()))
    write_head_features(xs, w)
    ys = torch.randn(1, 4, 16)
    for variant in ("scores-times-tensor", "no-max-subtraction",
                    "scale-after-mask"):
        write_lit_input(f"near-miss-{variant}", NearMiss(variant),
                        (xs, ys, w(16), w(16), w(16)))
    write_lit_input("args-kv-different-inputs", NearMiss("kv-different-inputs"),
                    (xs, ys, w(16), w(16), w(16)))
    write_torch_mha()


if __name__ == "__main__":
    main()
