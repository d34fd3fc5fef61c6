"""Writes qkvtie.attention test functions as MLIR text, with their inputs."""
import numpy as np

_ELT = {np.float32: "f32", np.float16: "f16", "bf16": "bf16"}


def to_bf16(x):
    """bf16 bits (uint16) of `x`, rounded to nearest even."""
    u = np.ascontiguousarray(x, np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16(bits):
    """float32 values of bf16 bits."""
    return (np.asarray(bits, np.uint16).astype(np.uint32) << 16).view(np.float32)


def storage(dtype):
    """(numpy type the values are drawn in, function rounding them to the
    storage precision) for f32, f16 or "bf16"."""
    if dtype == "bf16":
        return np.float32, lambda a: from_bf16(to_bf16(a))
    return dtype, lambda a: np.asarray(a, dtype)


def encode(array, elt):
    """The array as the compiled function takes it (bf16 as bits)."""
    return to_bf16(array) if elt == "bf16" else array


def ttype(shape, elt="f32"):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


TIES = {
    "Q-K-V": (0, 1, 2), "Q-K=V": (0, 1, 1), "Q=K-V": (0, 0, 1),
    "Q=K=V": (0, 0, 0), "identity-query": (None, 0, 1),
    "value-only": (None, None, 0),
}


def attention_case(name, rng, *, ties="Q-K-V", batch=1, seq_q=5, seq_kv=5,
                   heads=4, kv_heads=4, head_dim=8, mask="none", rope=False,
                   bias=True, out=True, cross=False, dtype=np.float32,
                   qk_norm=False, value_input=False):
    """Returns (mlir function text, inputs list, reference kwargs). `rope`:
    False, True, or "partial" (half of each head rotated); `qk_norm`: an
    RMSNorm of each query and key head; `value_input`: values project a
    tensor of their own (the op's value input), of another width when v has
    a slot of its own."""
    elt = _ELT[dtype]
    dtype, rnd = storage(dtype)
    tq, tk, tv = TIES[ties]
    d_model = heads * head_dim
    d_kv = kv_heads * head_dim if (tk is None or tv is None) else (
        d_model + 8 if cross else d_model)
    if tq is None:
        d_q = d_model
    else:
        d_q = d_model
    if not cross:
        d_kv = d_q
        if tk is None or tv is None:
            d_q = d_kv = kv_heads * head_dim if tq is not None else d_model
    xq = rnd(rng.standard_normal((batch, seq_q, d_q)).astype(dtype))
    xkv = xq if not cross else rnd(rng.standard_normal(
        (batch, seq_kv, d_kv)).astype(dtype))
    if not cross:
        seq_kv = seq_q
    roles = {}
    for role, slot, h in (("q", tq, heads), ("k", tk, kv_heads), ("v", tv, kv_heads)):
        if slot is not None:
            roles.setdefault(slot, (role, h))
    # The value tensor: as wide as the input its slot is shared with, or
    # (own slot) narrower; identity values are Hkv·d wide.
    d_v = None
    if value_input:
        shared = roles.get(tv, ("v",))[0] if tv is not None else None
        d_v = (kv_heads * head_dim if tv is None else
               d_q if shared == "q" else d_kv if shared == "k" else d_kv - 8)
    xv = (rnd(rng.standard_normal((batch, seq_kv, d_v)).astype(dtype))
          if value_input else None)
    slots = []
    for slot in range(len(roles)):
        role, h = roles[slot]
        d_in = d_q if role == "q" else d_v if role == "v" and value_input else d_kv
        w = rnd((rng.standard_normal((d_in, h * head_dim)) / np.sqrt(d_in)).astype(dtype))
        b = rnd((0.1 * rng.standard_normal(h * head_dim)).astype(dtype)) if bias else None
        slots.append((w, b))
    args, types, inputs = [], [], []

    def arg(array, elt_name=elt):
        i = len(args)
        args.append(f"%a{i}")
        types.append(ttype(array.shape, elt_name))
        inputs.append(encode(array, elt_name))
        return args[-1], types[-1]

    q_in = arg(xq)
    kv_in = arg(xkv) if cross else q_in
    value_text = ""
    if value_input:
        v_in = arg(xv)
        value_text = f" value({v_in[0]} : {v_in[1]})"
    slot_text = []
    for w, b in slots:
        wv, wt = arg(w)
        if b is not None:
            bv, bt = arg(b)
            slot_text.append(f"({wv}, {bv} : {wt}, {bt})")
        else:
            slot_text.append(f"({wv} : {wt})")
    mask_text, mask_arr = mask, None
    if mask == "additive":
        mask_arr = np.where(rng.random((seq_q, seq_kv)) < 0.2,
                            max(-1e9, float(np.finfo(dtype).min)),
                            rng.standard_normal((seq_q, seq_kv))).astype(dtype)
        mask_arr = rnd(mask_arr)
        mv, mt = arg(mask_arr)
        mask_text = f"additive, {mv} : {mt}"
    elif mask == "boolean":
        mask_arr = rng.random((batch, 1, seq_q, seq_kv)) < 0.7
        mask_arr[..., 0] = True
        mv, mt = arg(mask_arr, "i1")
        mask_text = f"boolean, {mv} : {mt}"
    rope_text, rope_arr = "", None
    if rope:
        rope_arr = rope_tables(seq_kv, head_dim // 2 if rope == "partial" else head_dim)
        cv, ct = arg(rope_arr[0], "f32")
        sv, st = arg(rope_arr[1], "f32")
        rope_text = f" rope({cv}, {sv} : {ct}, {st})"
    norm_arr = None
    if qk_norm:
        wq = rnd((1 + 0.2 * rng.standard_normal(head_dim)).astype(dtype))
        wk = rnd((1 + 0.2 * rng.standard_normal(head_dim)).astype(dtype))
        norm_arr = (wq, wk, 1e-6)
        qv, qt = arg(wq)
        kv, kt = arg(wk)
        rope_text += f" q_norm({qv} : {qt}) k_norm({kv} : {kt}) norm_eps(1.0e-06)"
    out_text, out_arr = "", None
    dv = head_dim
    merged = heads * dv
    result_dim = merged
    if out:
        wo = rnd((rng.standard_normal((merged, d_q)) / np.sqrt(merged)).astype(dtype))
        bo = rnd((0.1 * rng.standard_normal(d_q)).astype(dtype))
        ov, ot = arg(wo)
        obv, obt = arg(bo)
        out_text = f" out({ov} : {ot}) out_bias({obv} : {obt})"
        out_arr = (wo, bo)
        result_dim = d_q
    scale = float(1.0 / np.sqrt(head_dim))
    fmt = lambda s: "identity" if s is None else str(s)
    res_t = ttype((batch, seq_q, result_dim), elt)
    sig = ", ".join(f"{a}: {t}" for a, t in zip(args, types))
    text = (
        f"func.func @{name}({sig}) -> {res_t} {{\n"
        f"  %r = qkvtie.attention ties <q = {fmt(tq)}, k = {fmt(tk)}, v = {fmt(tv)}> "
        f"heads({heads}, {kv_heads}) head_dim({head_dim}) scale({scale!r}) mask({mask_text})\n"
        f"         inputs({q_in[0]}, {kv_in[0]} : {q_in[1]}, {kv_in[1]}){value_text}\n"
        f"         slots({', '.join(slot_text)}){rope_text}{out_text} -> {res_t}\n"
        f"  return %r : {res_t}\n}}\n")
    ref = dict(query=xq, key_value=xkv, slots=slots, ties=(tq, tk, tv),
               num_heads=heads, num_kv_heads=kv_heads, scale=scale,
               mask_kind=mask, mask=mask_arr, rope=rope_arr, out=out_arr,
               qk_norm=norm_arr, value=xv)
    return text, inputs, ref


def rope_tables(positions, width):
    """cos and sin [positions, width] (float32) of rotate-half RoPE over
    `width` elements (the head, or its rotated part)."""
    pos = np.arange(positions)[:, None]
    inv = 1.0 / (10000 ** (np.arange(0, width, 2) / width))
    ang = np.concatenate([pos * inv, pos * inv], axis=-1)
    return np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)
