"""Folding is sound: every corpus file folds exactly as MANIFEST.md says,
and folding never changes what the model computes."""
import json
import subprocess

import numpy as np
import pytest

from conftest import corpus_files
from qkvtie import compile_file, find_tool

# MANIFEST.md's EXPECTED column: the variant after folding, each tie's proof.
EXPECTED = {
    "torch-linalg-mha-canonical": ("Q-K-V", []),
    "torch-tosa-mha-canonical": ("Q-K-V", []),
    "torch-linalg-mha-kv-tied-shared-module": ("Q-K=V", [("k=v", "ssa")]),
    "torch-tosa-mha-kv-tied-shared-module": ("Q-K=V", [("k=v", "ssa")]),
    "onnx-linalg-mha-kv-tied-shared-module": ("Q-K=V", [("k=v", "ssa")]),
    "torch-linalg-mha-qk-tied-shared-module": ("Q=K-V", [("q=k", "ssa")]),
    "torch-linalg-mha-qkv-tied-single-projection":
        ("Q=K=V", [("q=k", "ssa"), ("q=v", "ssa")]),
    "torch-linalg-mha-kv-tied-equal-copies": ("Q-K=V", [("k=v", "constant-bytes")]),
    "torch-linalg-mha-kv-tied-equal-copies.dense":
        ("Q-K=V", [("k=v", "constant-bytes")]),
    "torch-linalg-mha-near-miss-kv-differ-one-ulp": ("Q-K-V", []),
    "torch-linalg-mha-weights-as-args": ("Q-K-V", []),
    "torch-linalg-gqa-rope-causal-sdpa": ("Q-K-V", []),
    "torch-tosa-gqa-rope-causal-sdpa": ("Q-K-V", []),
    "torch-linalg-gqa-rope-causal-manual": ("Q-K-V", []),
    "onnx-linalg-gqa-rope-causal-manual": ("Q-K-V", []),
    "torch-linalg-gqa-rope-causal-manual-kv-tied": ("Q-K=V", [("k=v", "ssa")]),
    "torch-linalg-gpt2style-packed-cattn": ("Q-K-V", []),
    "torch-linalg-gpt2style-packed-kv-equal-slices":
        ("Q-K=V", [("k=v", "packed-slice")]),
    "hf-llama-linalg-1layer": ("Q-K-V", []),
    "hf-qwen2-linalg-1layer": ("Q-K-V", []),
    "hf-bert-linalg-1layer-padmask": ("Q-K-V", []),
}
PASSES = ["qkvtie-raise-attention", "qkvtie-fold-ties"]


def stem(path):
    return path.name[:-len(".mlir")]


def report(path, tmp_path, passes=PASSES):
    out = tmp_path / "report.json"
    subprocess.run([find_tool("qkvtie-opt"), str(path), *[f"--{p}" for p in passes],
                    f"--qkvtie-report=output={out}", "-o", "/dev/null"], check=True)
    return json.loads(out.read_text())["attentions"]


@pytest.mark.parametrize("path", [p for p in corpus_files() if stem(p) in EXPECTED],
                         ids=stem)
def test_folds_as_manifest_says(path, tmp_path):
    (a,) = report(path, tmp_path)
    variant, proofs = EXPECTED[stem(path)]
    assert a["variant"] == variant
    assert [(p["roles"], p["kind"]) for p in a["proofs"]] == proofs
    buffers = 1 if variant in ("Q-K=V", "Q=K=V") else 2
    assert a["kv_cache_buffers"] == buffers
    # One buffer halves the cache; two keep it.
    before = a["before"]["kv_cache_bytes_per_token"]
    assert a["kv_cache_bytes_per_token"] == (before // 2 if buffers == 1 else before)


def test_near_miss_names_the_element(corpus, tmp_path):
    (a,) = report(corpus / "torch-linalg-mha-near-miss-kv-differ-one-ulp.mlir", tmp_path)
    (miss,) = a["near_misses"]
    assert miss["roles"] == "k=v" and miss["tensor"] == "weight"
    assert miss["index"] == [3, 5]  # row 3, column 5 of the [out, in] weight
    assert miss["differing_elements"] == 1
    lhs, rhs = miss["values"]
    assert lhs != rhs and np.nextafter(np.float32(lhs), np.float32(rhs)) == np.float32(rhs)


def test_not_attention_has_nothing_to_fold(corpus, tmp_path):
    assert report(corpus / "torch-linalg-not-attention-softmax-wrong-axis.mlir",
                  tmp_path) == []


def run(path, passes, out_dir, tol=1e-4):
    lib = compile_file(path, passes=passes, out_dir=out_dir)
    inputs = np.load(path.with_name(stem(path) + ".inputs.npz"))
    got = lib[next(iter(lib.signatures))](
        *[inputs[f"arg{i}"] for i in range(len(inputs.files))])
    np.testing.assert_allclose(got, np.load(path.with_name(stem(path) + ".expected.npy")),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("path", corpus_files(), ids=stem)
def test_folding_keeps_results(path, tmp_path):
    run(path, PASSES, tmp_path)


def test_weights_as_arguments_fold_only_on_request(corpus, tmp_path):
    path = corpus / "torch-linalg-mha-weights-as-args.mlir"
    (a,) = report(path, tmp_path, ["qkvtie-raise-attention",
                                   "qkvtie-fold-ties=tie-arguments=true"])
    assert a["variant"] == "Q=K=V"
    assert {p["kind"] for p in a["proofs"]} == {"argument-opt-in"}
    # The reference inputs pass equal weights, so the folded model agrees.
    run(path, ["qkvtie-raise-attention", "qkvtie-fold-ties=tie-arguments=true"],
        tmp_path / "opt-in")
