"""Float64 reference of qkvtie.attention's semantics (see the dialect docs).

Arguments mirror the op: inputs [B, S, Dq] and [B, T, Dkv], and `value`
[B, T, Dv] when values come from a tensor of their own; `slots` a list of
(weight [D_in, N], bias [N] or None); `ties` (q, k, v) slot indices or None
for identity.
"""
import numpy as np


def _heads(x, heads):
    b, n, w = x.shape
    return x.reshape(b, n, heads, w // heads).transpose(0, 2, 1, 3)


def _rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def rope_rotate(x, cos, sin):
    """Rotate-half RoPE of the first cos.shape[-1] elements of x (all of them,
    or fewer for partial rotary); the rest pass."""
    r = cos.shape[-1]
    rot = x[..., :r] * cos + _rotate_half(x[..., :r]) * sin
    return np.concatenate([rot, x[..., r:]], axis=-1)


def head_norm(x, weight, eps):
    """RMSNorm of each head (the last axis): QK-norm."""
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + eps) * weight


def attention(query, key_value, slots, ties, num_heads, num_kv_heads, scale,
              mask_kind="none", mask=None, rope=None, out=None, qk_norm=None,
              value=None):
    xq = np.asarray(query, np.float64)
    xkv = np.asarray(key_value, np.float64)
    xv = xkv if value is None else np.asarray(value, np.float64)
    s_len, t_len = xq.shape[1], xkv.shape[1]

    def source(slot, x, heads):
        if slot is None:
            return _heads(x, heads)
        w, b = slots[slot]
        p = x @ np.asarray(w, np.float64)
        if b is not None:
            p = p + np.asarray(b, np.float64)
        return _heads(p, heads)

    q = source(ties[0], xq, num_heads)
    k = source(ties[1], xkv, num_kv_heads)
    v = source(ties[2], xv, num_kv_heads)
    if qk_norm is not None:
        wq, wk, eps = qk_norm
        if wq is not None:
            q = head_norm(q, np.asarray(wq, np.float64), eps)
        if wk is not None:
            k = head_norm(k, np.asarray(wk, np.float64), eps)
    if rope is not None:
        cos, sin = (np.asarray(t, np.float64) for t in rope)
        q = rope_rotate(q, cos[t_len - s_len:t_len], sin[t_len - s_len:t_len])
        k = rope_rotate(k, cos[:t_len], sin[:t_len])
    group = num_heads // num_kv_heads
    k = np.repeat(k, group, axis=1)
    v = np.repeat(v, group, axis=1)
    s = scale * (q @ k.swapaxes(-1, -2))
    if mask_kind == "causal":
        allowed = np.arange(t_len)[None, :] <= np.arange(s_len)[:, None] + (t_len - s_len)
        s = np.where(allowed, s, -np.inf)
    elif mask_kind == "additive":
        s = s + np.asarray(mask, np.float64)
    elif mask_kind == "boolean":
        s = np.where(np.asarray(mask, bool), s, np.finfo(np.float32).min)
    m = s.max(axis=-1, keepdims=True)
    m = np.where(np.isneginf(m), 0.0, m)
    e = np.exp(s - m)
    total = e.sum(axis=-1, keepdims=True)
    # A row that saw no key is 0; NaN propagates (a NaN score or mask).
    p = np.where(total > 0, e / np.where(total > 0, total, 1),
                 np.where(np.isnan(total), np.nan, 0.0))
    o = p @ v
    o = o.transpose(0, 2, 1, 3).reshape(xq.shape[0], s_len, -1)
    if out is not None:
        w, b = out
        o = o @ np.asarray(w, np.float64)
        if b is not None:
            o = o + np.asarray(b, np.float64)
    return o
