"""KV-cache ops through the reference lowering: a decode loop that appends
one token at a time and attends over the cache reproduces causal attention
(float64 reference), for one (K=V) and two buffers, GQA, RoPE and f16."""
import numpy as np
import pytest

from qkvtie import compile_file

from mlirgen import ttype


def rotate(x, cos, sin):
    h = x.shape[-1] // 2
    return x * cos + np.concatenate([-x[..., h:], x[..., :h]], -1) * sin


def reference(q, k, v, rope):
    """Causal attention of q [B,Hq,T,d] over k, v [B,Hkv,T,d] in float64."""
    q, k, v = (np.asarray(t, np.float64) for t in (q, k, v))
    t = q.shape[2]
    if rope is not None:
        cos, sin = (np.asarray(a[:t], np.float64) for a in rope)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
    g = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, g, 1), np.repeat(v, g, 1)
    s = np.einsum("bhsd,bhtd->bhst", q, k) / np.sqrt(q.shape[-1])
    s = np.where(np.tril(np.ones((t, t), bool)), s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    return np.einsum("bhst,bhtd->bhsd", p / p.sum(-1, keepdims=True), v)


def decode_loop(name, b, hq, hkv, t, d, cap, buffers, rope, elt):
    cache = (f"!qkvtie.kv_cache<batch = {b}, buffers = {buffers}, heads = {hkv}, "
             f"capacity = {cap}, head_dim = {d}, {elt}>")
    ties = "<q = 0, k = 1, v = 1>" if buffers == 1 else "<q = 0, k = 1, v = 2>"
    qt, kt = ttype((b, hq, t, d), elt), ttype((b, hkv, t, d), elt)
    q1, k1 = ttype((b, hq, 1, d), elt), ttype((b, hkv, 1, d), elt)
    args = [f"%q: {qt}", f"%k: {kt}"] + ([f"%v: {kt}"] if buffers == 2 else [])
    rope_args = ""
    if rope:
        args += [f"%cos: {ttype((cap, d))}", f"%sin: {ttype((cap, d))}"]
        rope_args = f" rope(%cos, %sin : {ttype((cap, d))}, {ttype((cap, d))})"
    lines = [f"func.func @{name}({', '.join(args)}) -> {qt} {{",
             f"  %c0 = qkvtie.cache.create : {cache}",
             f"  %o0 = tensor.empty() : {qt}"]
    for i in range(t):
        sl = lambda v, h: (f"tensor.extract_slice %{v}[0, 0, {i}, 0] [{b}, {h}, 1, {d}] "
                           f"[1, 1, 1, 1] : {ttype((b, h, t, d), elt)} to "
                           f"{ttype((b, h, 1, d), elt)}")
        lines += [f"  %q{i} = {sl('q', hq)}", f"  %k{i} = {sl('k', hkv)}"]
        values = f"%k{i}"
        types = k1
        if buffers == 2:
            lines.append(f"  %v{i} = {sl('v', hkv)}")
            values += f", %v{i}"
            types += f", {k1}"
        lines += [
            f"  %p{i} = arith.constant {i} : index",
            f"  %n{i} = arith.constant {i + 1} : index",
            f"  %c{i + 1} = qkvtie.cache.append %c{i} at %p{i}, {values} : {cache}, {types}",
            f"  %a{i} = qkvtie.cache.attend ties {ties} heads({hq}, {hkv}) "
            f"scale({float(1 / np.sqrt(d))!r}) mask(causal) %q{i}, %c{i + 1} length %n{i}"
            f"{rope_args} : {q1}, {cache} -> {q1}",
            f"  %o{i + 1} = tensor.insert_slice %a{i} into %o{i}[0, 0, {i}, 0] "
            f"[{b}, {hq}, 1, {d}] [1, 1, 1, 1] : {q1} into {qt}"]
    lines += [f"  return %o{t} : {qt}", "}"]
    return "\n".join(lines)


CASES = [
    dict(b=1, hq=4, hkv=2, t=5, d=8, cap=8, buffers=1, rope=True, elt="f32"),
    dict(b=2, hq=4, hkv=4, t=6, d=8, cap=7, buffers=2, rope=False, elt="f32"),
    dict(b=1, hq=8, hkv=1, t=4, d=16, cap=9, buffers=1, rope=False, elt="f32"),
    dict(b=1, hq=4, hkv=2, t=5, d=8, cap=8, buffers=2, rope=True, elt="f16"),
]


@pytest.mark.parametrize("i", range(len(CASES)),
                         ids=[",".join(f"{k}={v}" for k, v in c.items()) for c in CASES])
def test_decode_loop_matches_causal_attention(i, tmp_path):
    c = CASES[i]
    path = tmp_path / "decode.mlir"
    path.write_text(decode_loop("decode", **c))
    lib = compile_file(path, out_dir=tmp_path)
    rng = np.random.default_rng(i)
    dt = np.float16 if c["elt"] == "f16" else np.float32
    q = rng.standard_normal((c["b"], c["hq"], c["t"], c["d"])).astype(dt)
    k = rng.standard_normal((c["b"], c["hkv"], c["t"], c["d"])).astype(dt)
    v = rng.standard_normal(k.shape).astype(dt) if c["buffers"] == 2 else k
    args = [q, k] + ([v] if c["buffers"] == 2 else [])
    rope = None
    if c["rope"]:
        ang = np.arange(c["cap"])[:, None] * (1e4 ** -(np.arange(0, c["d"], 2) / c["d"]))
        ang = np.concatenate([ang, ang], -1)
        rope = (np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32))
        args += list(rope)
    got = lib.decode(*args).astype(np.float64)
    tol = 1e-2 if dt == np.float16 else 1e-5
    np.testing.assert_allclose(got, reference(q, k, v, rope), rtol=tol, atol=tol)
