"""The reference lowering against the float64 reference, over ties, head
groupings, masks, RoPE, cross-attention and element types."""
import itertools

import numpy as np
import pytest

from qkvtie.compiler import REFERENCE, compile_file

from mlirgen import attention_case
from reference import attention

CASES = []
for ties, (h, hkv), mask, rope in itertools.product(
        ["Q-K-V", "Q-K=V", "Q=K-V", "Q=K=V", "identity-query", "value-only"],
        [(4, 4), (8, 2), (8, 1)], ["none", "causal", "additive", "boolean"],
        [False, True]):
    if ties in ("Q=K-V", "Q=K=V") and h != hkv:
        continue  # one slot cannot be both Hq and Hkv heads wide
    if ties in ("identity-query", "value-only") and h != hkv:
        continue  # identity needs Hq·d == Hkv·d features
    CASES.append(dict(ties=ties, heads=h, kv_heads=hkv, mask=mask, rope=rope))
CASES += [
    dict(ties="Q-K-V", heads=4, kv_heads=2, cross=True, seq_q=3, seq_kv=7),
    dict(ties="Q-K=V", heads=4, kv_heads=1, cross=True, seq_q=7, seq_kv=3,
         mask="additive", out=False),
    # Values from a tensor of their own, across the maps that can have one.
    dict(ties="Q-K-V", heads=4, kv_heads=2, cross=True, seq_q=3, seq_kv=7,
         value_input=True),
    dict(ties="Q-K=V", heads=4, kv_heads=2, seq_q=5, value_input=True,
         mask="causal", rope=True),
    dict(ties="Q=K=V", heads=4, kv_heads=4, seq_q=5, value_input=True),
    dict(ties="value-only", heads=4, kv_heads=4, seq_q=5, value_input=True,
         mask="boolean"),
    dict(ties="identity-query", heads=4, kv_heads=4, cross=True, seq_q=3,
         seq_kv=6, value_input=True),
    dict(ties="Q-K=V", heads=8, kv_heads=2, seq_q=33, head_dim=16, batch=2,
         mask="causal", rope=True, bias=False),
    dict(ties="Q-K-V", heads=4, kv_heads=4, seq_q=6, dtype=np.float16,
         mask="causal"),
    # Partial rotary and QK-norm (K=V: keys normalised, values not).
    dict(ties="Q-K=V", heads=8, kv_heads=2, seq_q=9, head_dim=16, mask="causal",
         rope="partial"),
    dict(ties="Q-K=V", heads=8, kv_heads=1, seq_q=9, head_dim=16, mask="causal",
         rope=True, qk_norm=True),
    dict(ties="Q-K-V", heads=4, kv_heads=4, seq_q=5, head_dim=8, rope="partial",
         qk_norm=True, dtype=np.float16),
]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    rng = np.random.default_rng(0)
    texts, runs = [], []
    for i, case in enumerate(CASES):
        text, inputs, ref = attention_case(f"case{i}", rng, **case)
        texts.append(text)
        runs.append((inputs, ref))
    path = tmp_path_factory.mktemp("decompose") / "cases.mlir"
    path.write_text("\n".join(texts))
    return compile_file(path, out_dir=path.parent, pipeline=REFERENCE), runs


@pytest.mark.parametrize("i", range(len(CASES)),
                         ids=[",".join(f"{k}={v}" for k, v in c.items()) for c in CASES])
def test_matches_float64_reference(compiled, i):
    lib, runs = compiled
    inputs, ref = runs[i]
    got = lib[f"case{i}"](*inputs).astype(np.float64)
    want = attention(**ref)
    # f32 compute; f16 storage rounds inputs, projections and the output.
    tol = 2e-2 if CASES[i].get("dtype") is np.float16 else 2e-5
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
