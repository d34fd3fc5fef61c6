"""The fused CPU kernels (qkvtie-lower-cpu) against the float64 reference.

Prefill: qkvtie.attention over tying maps, head groupings, head dims, sequence
lengths that are not multiples of any tile (query tiles of 64 / group rows,
8-lane vectors), masks, RoPE and element types. Decode: qkvtie.cache.attend
over one (K=V) and two cache buffers, cache lengths from one key to 16
chunks of 64 (a task each, merged after), blocks of keys and register tiles
with tails, one and three new tokens (the streaming kernel) and 33 and 100
(the blocked one). Every case runs with 1 and 2 threads and at 8 and 16
lanes.

The grid covers every value of every factor and most pairs of them (a full
product would be ~10^4 compilations); the cases are listed in the test ids.

Tolerances (absolute and relative): f32 2e-4 (f32 accumulation over up to
1000 keys and 1024 features, compared with float64); f16 2e-2 and bf16 6e-2,
whose projections and outputs are stored with 11 and 8 significant bits.
"""
import itertools

import numpy as np
import pytest

from qkvtie import compile_file
from qkvtie.runtime import set_num_threads

from mlirgen import (attention_case, encode, from_bf16, rope_tables, storage,
                     ttype)
from reference import attention, head_norm, rope_rotate

TIES = ["Q-K-V", "Q-K=V", "Q=K-V", "Q=K=V", "identity-query"]
HEADS = [(4, 4), (8, 2), (8, 1)]
HEAD_DIMS = [16, 64, 128]
LENGTHS = [1, 7, 33, 257, 1000]
MASKS = ["none", "causal", "additive", "boolean"]
DTYPES = [np.float32, np.float16, "bf16"]
TOL = {"f32": 2e-4, "f16": 2e-2, "bf16": 6e-2}


def _name(dtype):
    return {np.float32: "f32", np.float16: "f16"}.get(dtype, dtype)


FACTORS = dict(ties=TIES, heads=HEADS, head_dim=HEAD_DIMS, seq_q=LENGTHS,
               mask=MASKS, rope=[False, True, "partial"], qk_norm=[False, True],
               dtype=DTYPES)


def _valid(case):
    # One slot (or the input itself) in several roles needs Hq == Hkv.
    return case["ties"] == "Q-K-V" or case["ties"] == "Q-K=V" or \
        case["heads"][0] == case["heads"][1]


def _pairs(case):
    keys = sorted(FACTORS)
    return {(a, str(case[a]), b, str(case[b]))
            for i, a in enumerate(keys) for b in keys[i + 1:]}


def prefill_cases(count=56):
    """Greedy pairwise design: each case is the random candidate that covers
    the most factor-value pairs not yet covered."""
    rng = np.random.default_rng(7)
    covered, cases = set(), []
    for _ in range(count):
        best, gain = None, -1
        for _ in range(60):
            cand = {k: v[rng.integers(len(v))] for k, v in FACTORS.items()}
            if not _valid(cand):
                continue
            g = len(_pairs(cand) - covered)
            if g > gain:
                best, gain = cand, g
        covered |= _pairs(best)
        cases.append(best)
    out = []
    for i, c in enumerate(cases):
        heads, kv_heads = c["heads"]
        head_dim = c["head_dim"]
        out.append(dict(ties=c["ties"], heads=heads, kv_heads=kv_heads,
                        head_dim=head_dim, seq_q=c["seq_q"], mask=c["mask"],
                        rope=c["rope"], qk_norm=c["qk_norm"], dtype=c["dtype"],
                        batch=2 if i % 7 == 0 else 1))
    # Cross-attention: S != T.
    out.append(dict(ties="Q-K=V", heads=8, kv_heads=2, head_dim=16, cross=True,
                    seq_q=7, seq_kv=33, mask="additive", dtype=np.float32))
    # Values from a tensor of their own: a slot of their own (another
    # width), and the keys' slot over another input (two buffers, not K=V).
    out.append(dict(ties="Q-K-V", heads=8, kv_heads=2, head_dim=16, cross=True,
                    seq_q=7, seq_kv=33, value_input=True, dtype=np.float32))
    out.append(dict(ties="Q-K=V", heads=4, kv_heads=4, head_dim=8,
                    seq_q=9, mask="causal", rope=True, value_input=True,
                    dtype=np.float16))
    return out, covered


PREFILL, PAIRS = prefill_cases()


def decode_case(name, rng, *, buffers, heads, kv_heads, head_dim, length,
                new, causal, rope, dtype, qk_norm=False):
    """A function filling a cache with `length` tokens and attending with the
    last `new` of them; returns (text, inputs, float64 expected)."""
    elt = _name(dtype)
    dtype, rnd = storage(dtype)
    cap = length + 5
    cache = (f"!qkvtie.kv_cache<batch = 1, buffers = {buffers}, heads = {kv_heads}, "
             f"capacity = {cap}, head_dim = {head_dim}, {elt}>")
    q = rnd(rng.standard_normal((1, heads, new, head_dim)).astype(dtype))
    k = rnd(rng.standard_normal((1, kv_heads, length, head_dim)).astype(dtype))
    v = k if buffers == 1 else rnd(
        rng.standard_normal((1, kv_heads, length, head_dim)).astype(dtype))
    qt, kt = ttype(q.shape, elt), ttype(k.shape, elt)
    args = [f"%q: {qt}", f"%k: {kt}"] + ([f"%v: {kt}"] if buffers == 2 else [])
    inputs = [encode(q, elt), encode(k, elt)] + ([encode(v, elt)] if buffers == 2 else [])
    rope_text, tables = "", None
    if rope:
        tables = rope_tables(cap, head_dim // 2 if rope == "partial" else head_dim)
        tt = ttype(tables[0].shape)
        args += [f"%cos: {tt}", f"%sin: {tt}"]
        inputs += list(tables)
        rope_text = f" rope(%cos, %sin : {tt}, {tt})"
    norms = None
    if qk_norm:
        norms = [rnd((1 + 0.2 * rng.standard_normal(head_dim)).astype(dtype))
                 for _ in range(2)]
        nt = ttype((head_dim,), elt)
        args += [f"%qn: {nt}", f"%kn: {nt}"]
        inputs += [encode(w, elt) for w in norms]
        rope_text += f" q_norm(%qn : {nt}) k_norm(%kn : {nt}) norm_eps(1.0e-06)"
    values = "%k" + (", %v" if buffers == 2 else "")
    vtypes = kt + (f", {kt}" if buffers == 2 else "")
    ties = "<q = 0, k = 1, v = 1>" if buffers == 1 else "<q = 0, k = 1, v = 2>"
    scale = float(1 / np.sqrt(head_dim))
    text = "\n".join([
        f"func.func @{name}({', '.join(args)}) -> {qt} {{",
        f"  %c = qkvtie.cache.create : {cache}",
        "  %p = arith.constant 0 : index",
        f"  %n = arith.constant {length} : index",
        f"  %c1 = qkvtie.cache.append %c at %p, {values} : {cache}, {vtypes}",
        f"  %o = qkvtie.cache.attend ties {ties} heads({heads}, {kv_heads}) "
        f"scale({scale!r}) mask({'causal' if causal else 'none'}) %q, %c1 length %n"
        f"{rope_text} : {qt}, {cache} -> {qt}",
        f"  return %o : {qt}", "}", ""])
    # float64: the queries are the last `new` tokens.
    q64, k64, v64 = (np.asarray(a, np.float64) for a in (q, k, v))
    first = length - new
    keys = k64
    if qk_norm:
        q64 = head_norm(q64, np.asarray(norms[0], np.float64), 1e-6)
        keys = head_norm(k64, np.asarray(norms[1], np.float64), 1e-6)
    if rope:
        cos, sin = (np.asarray(a, np.float64) for a in tables)
        q64 = rope_rotate(q64, cos[first:length], sin[first:length])
        keys = rope_rotate(keys, cos[:length], sin[:length])
    g = heads // kv_heads
    s = scale * np.einsum("bhsd,bhtd->bhst", q64, np.repeat(keys, g, 1))
    if causal:
        allowed = np.arange(length)[None, :] <= first + np.arange(new)[:, None]
        s = np.where(allowed, s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    want = np.einsum("bhst,bhtd->bhsd", p / p.sum(-1, keepdims=True),
                     np.repeat(v64, g, 1))
    return text, inputs, want


DECODE = []
for i, (buffers, length) in enumerate(itertools.product([1, 2], LENGTHS)):
    heads, kv_heads = HEADS[i % 3]
    DECODE.append(dict(buffers=buffers, heads=heads, kv_heads=kv_heads,
                       head_dim=HEAD_DIMS[(i + i // 3) % 3], length=length,
                       new=3 if length >= 7 and i % 2 else 1,
                       causal=bool(i % 2) or length == 1000,
                       rope=bool((i // 2) % 2) or length == 1000,
                       dtype=DTYPES[i % 3]))
# Many new tokens: several query tiles (64 / group rows each), each merged
# over the key chunks it sees.
DECODE += [dict(buffers=2, heads=8, kv_heads=1, head_dim=16, length=257, new=33,
                causal=True, rope=True, dtype=np.float32),
           dict(buffers=1, heads=4, kv_heads=4, head_dim=64, length=1000, new=100,
                causal=True, rope=False, dtype=np.float16)]
# Partial rotary and QK-norm: a K=V cache keeps the raw projection, so keys
# are normalised and rotated on read while values are not.
FEATURES = [dict(buffers=b, heads=8, kv_heads=kv, head_dim=hd, length=n, new=new,
                 causal=True, rope=rope, qk_norm=norm, dtype=dt)
           for b, kv, hd, n, new, rope, norm, dt in [
               (1, 2, 16, 33, 1, "partial", False, np.float32),
               (2, 1, 64, 257, 3, "partial", True, np.float16),
               (1, 1, 128, 1000, 1, True, True, np.float32),
               (1, 8, 64, 7, 7, False, True, "bf16"),
               (2, 2, 16, 1, 1, "partial", True, np.float32)]]
DECODE += FEATURES


def _ids(cases):
    return [",".join(f"{k}={_name(v) if k == 'dtype' else v}" for k, v in c.items())
            for c in cases]


def _compile(tmp_path_factory, kind, build, **options):
    """One library with a function per case (options for compile_file), and
    each case's (inputs, float64 expected)."""
    rng = np.random.default_rng(1)
    texts, runs = [], []
    for i, case in enumerate(kind):
        text, inputs, want = build(f"case{i}", rng, case)
        texts.append(text)
        runs.append((inputs, want))
    path = tmp_path_factory.mktemp("fused") / "cases.mlir"
    path.write_text("\n".join(texts))
    return compile_file(path, out_dir=path.parent, **options), runs


def _prefill(name, rng, case):
    text, inputs, ref = attention_case(name, rng, **case)
    return text, inputs, attention(**ref)


def _decode(name, rng, case):
    return decode_case(name, rng, **case)


# Both vector widths run on any host: 8 lanes (AVX2) and 16 (AVX-512; two
# AVX2 registers elsewhere).
@pytest.fixture(scope="module", params=[8, 16], ids=["lanes8", "lanes16"])
def prefill(tmp_path_factory, request):
    return _compile(tmp_path_factory, PREFILL, _prefill,
                    vector_width=request.param)


@pytest.fixture(scope="module", params=[8, 16], ids=["lanes8", "lanes16"])
def decode(tmp_path_factory, request):
    return _compile(tmp_path_factory, DECODE, _decode,
                    vector_width=request.param)


@pytest.fixture(scope="module")
def reference_decode(tmp_path_factory):
    """The reference lowering of the same decode steps: the oracle agrees."""
    return _compile(tmp_path_factory, FEATURES, _decode, pipeline="reference")


@pytest.mark.parametrize("i", range(len(FEATURES)), ids=_ids(FEATURES))
def test_reference_decode_matches_float64(reference_decode, i):
    lib, runs = reference_decode
    _check(lib, runs, i, FEATURES[i]["dtype"], 2)


def _check(lib, runs, i, dtype, threads):
    inputs, want = runs[i]
    set_num_threads(threads)
    try:
        got = lib[f"case{i}"](*inputs)
    finally:
        set_num_threads(2)
    got = from_bf16(got) if _name(dtype) == "bf16" else got
    tol = TOL[_name(dtype)]
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("i", range(len(PREFILL)), ids=_ids(PREFILL))
def test_prefill_matches_float64(prefill, i, threads):
    lib, runs = prefill
    _check(lib, runs, i, PREFILL[i].get("dtype", np.float32), threads)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("i", range(len(DECODE)), ids=_ids(DECODE))
def test_decode_matches_float64(decode, i, threads):
    lib, runs = decode
    _check(lib, runs, i, DECODE[i]["dtype"], threads)


def test_grid_covers_every_value_and_most_pairs():
    possible = set()
    for values in itertools.product(*FACTORS.values()):
        case = dict(zip(FACTORS, values))
        if _valid(case):
            possible |= _pairs(case)
    assert len(PAIRS) >= 0.95 * len(possible), (len(PAIRS), len(possible))
    seen = {k: {_name(c.get(k)) for c in PREFILL} for k in
            ("ties", "head_dim", "seq_q", "mask", "rope", "dtype")}
    assert seen["ties"] >= set(TIES)
    assert seen["head_dim"] >= set(HEAD_DIMS)
    assert seen["seq_q"] >= set(LENGTHS)
    assert seen["mask"] >= set(MASKS)
    assert seen["rope"] >= {True, False, "partial"}
    assert {c.get("qk_norm", False) for c in PREFILL} >= {True, False}
    assert {c.get("rope") for c in DECODE} >= {True, False, "partial"}
    assert {c.get("qk_norm", False) for c in DECODE} >= {True, False}
    assert seen["dtype"] >= {"f32", "f16", "bf16"}
    assert {(c["heads"], c["kv_heads"]) for c in PREFILL} >= set(HEADS)
    assert {c["length"] for c in DECODE} >= set(LENGTHS)
    assert {(c["heads"], c["kv_heads"]) for c in DECODE} >= set(HEADS)
    assert {c["head_dim"] for c in DECODE} >= set(HEAD_DIMS)
    assert {_name(c["dtype"]) for c in DECODE} >= {"f32", "f16", "bf16"}


@pytest.fixture(scope="module")
def extreme(tmp_path_factory):
    """A causal and an additive-mask layer, fused and by the reference
    lowering, for inputs at the edge of f32."""
    rng = np.random.default_rng(3)
    cases = [dict(mask="causal", seq_q=9, heads=2, kv_heads=2, head_dim=8),
             dict(mask="additive", seq_q=9, heads=2, kv_heads=2, head_dim=8)]
    texts, refs = [], []
    for i, c in enumerate(cases):
        text, inputs, ref = attention_case(f"case{i}", rng, **c)
        texts.append(text)
        refs.append((inputs, ref))
    d = tmp_path_factory.mktemp("extreme")
    (d / "cases.mlir").write_text("\n".join(texts))
    libs = {p: compile_file(d / "cases.mlir", out_dir=d / p, pipeline=p)
            for p in ("fused", "reference")}
    return libs, refs


@pytest.mark.parametrize("pipeline", ["fused", "reference"])
def test_extreme_values_agree_with_float64(extreme, pipeline):
    """Inputs x1e19: scores near f32's limit, still right (the reference once
    gave a zero first row). x1e20: the scores' dot products overflow f32 and
    both lowerings say NaN, never a finite wrong value. A NaN in an additive
    mask makes its row NaN, in both, as in float64; other rows are exact."""
    libs, refs = extreme
    lib = libs[pipeline]
    inputs, ref = refs[0]
    for scale, finite in ((1e19, True), (1e20, False)):
        x = inputs[0] * np.float32(scale)
        want = attention(**dict(ref, query=x, key_value=x))
        got = lib["case0"](x, *inputs[1:]).astype(np.float64)
        if finite:
            np.testing.assert_allclose(got, want, rtol=1e-5,
                                       atol=1e-5 * np.abs(want).max())
        else:
            assert np.isnan(got).all() or np.allclose(
                got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
    inputs, ref = refs[1]
    k = next(i for i, a in enumerate(inputs) if a.shape == (9, 9))
    mask = inputs[k].copy()
    mask[3, 2] = np.nan
    want = attention(**dict(ref, mask=mask))
    got = lib["case1"](*inputs[:k], mask, *inputs[k + 1:]).astype(np.float64)
    assert np.isnan(got[0, 3]).all() and not np.isnan(np.delete(got, 3, axis=1)).any()
    np.testing.assert_allclose(np.delete(got, 3, 1), np.delete(want, 3, 1),
                               rtol=2e-5, atol=2e-5)
