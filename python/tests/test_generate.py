"""Whole-model generation: the causal LMs of the shared corpus, exported by
torch-mlir from transformers, generate token for token what
transformers.generate() generated with its own KV cache; the self-attention
files of the corpus decode; bad input is an error, never an abort."""
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import qkvtie
from conftest import corpus_dir

REPO = pathlib.Path(__file__).resolve().parents[2]


def lm_files():
    """The bundled example LM, and the corpus's when it is there."""
    d = corpus_dir()
    corpus = sorted((d / "lm").glob("*.mlir")) if d and (d / "lm").is_dir() else []
    bundled = [p for p in sorted((REPO / "examples/models").glob("*.mlir"))
               if p.with_name(p.stem + ".generate.npz").exists()]
    return corpus + bundled


def qkvtie_cli(*args):
    return subprocess.run([sys.executable, "-m", "qkvtie", *map(str, args)],
                          capture_output=True, text=True)


@pytest.mark.parametrize("path", lm_files(), ids=lambda p: p.stem)
def test_generate_matches_transformers(path, tmp_path):
    ref = np.load(path.with_name(path.stem + ".generate.npz"))
    prompt, new_ids = ref["prompt"].reshape(-1), ref["new_ids"].reshape(-1)
    logits = tmp_path / "logits.npy"
    p = qkvtie_cli("generate", path, "--prompt-ids", ",".join(map(str, prompt)),
                   "--max-new-tokens", len(new_ids), "--save-logits", logits)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == ",".join(map(str, new_ids))
    assert "tokens/s" in lines[1] and "KV cache:" in lines[2]
    got = np.load(logits)
    want = ref["step_logits"].reshape(got.shape)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("path", lm_files()[:1], ids=lambda p: p.stem)
def test_session_prefill_matches_the_forward_pass(path):
    """Prefill in chunks of 3 (and single steps) gives the logits of the
    export's forward pass, which takes the attention mask the steps leave
    out (all ones: no padding)."""
    inputs = np.load(path.with_name(path.stem + ".inputs.npz"))
    ids, mask = inputs["arg0"], inputs["arg1"]
    assert mask.all()
    model = qkvtie.compile(path, capacity=16, prefill_tokens=3)
    want = model(ids, mask)
    s = model.session()
    assert s.inputs == [0]  # attention_mask is read only by the mask
    np.testing.assert_allclose(s.prefill(ids), want, rtol=1e-4, atol=1e-4)
    # Sampling is seeded; top_k=1 is greedy.
    greedy = model.generate(ids, 4)
    np.testing.assert_array_equal(model.generate(ids, 4, temperature=0.7, top_k=1), greedy)
    a = model.generate(ids, 4, temperature=1.0, seed=3)
    np.testing.assert_array_equal(model.generate(ids, 4, temperature=1.0, seed=3), a)


@pytest.mark.parametrize("path", lm_files()[:1], ids=lambda p: p.stem)
def test_bad_generation_inputs_are_errors(path):
    model = qkvtie.compile(path, capacity=12)
    vocab = model(np.zeros((1, 8), np.int64), np.ones((1, 8), np.int64)).shape[-1]
    s = model.session()
    with pytest.raises(qkvtie.ExecutionError, match="smaller than dim size"):
        s.prefill(np.array([[1, vocab]]))
    assert s.position == 1  # the token before the bad one is kept
    with pytest.raises(qkvtie.ExecutionError, match="larger or equal to 0"):
        s.step(np.array([[-1]]))
    assert s.position == 1  # a failed step does not advance
    s = model.session()
    with pytest.raises(IndexError, match="do not fit in the KV cache"):
        s.prefill(np.zeros((1, 13), np.int64))
    s.prefill(np.zeros((1, 12), np.int64))
    with pytest.raises(IndexError, match="KV cache full"):
        s.step(np.zeros((1, 1), np.int64))
    with pytest.raises(ValueError, match="prompt_ids"):
        model.generate([], 3)
    p = qkvtie_cli("generate", path, "--prompt-ids", "1,2", "--max-new-tokens", 4,
                   "--capacity", 3)
    assert p.returncode == 1 and "less than the prompt" in p.stderr
    p = qkvtie_cli("generate", path, "--prompt-ids", "1,x", "--max-new-tokens", 4)
    assert p.returncode == 2 and "comma-separated" in p.stderr


C_LM = r"""
#include "lm.h"
#include <stdio.h>
#include <string.h>
int main(void) {
  static float logits[16 * 256];
  int64_t ids[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  lm_forward_session *s = lm_forward_session_create();
  if (!s) return 2;
  if (lm_forward_session_prefill(s, 5, ids, logits)) return 3;
  int64_t bad = 1 << 20;
  if (lm_forward_session_step(s, &bad, logits) != 1 ||
      !strstr(lm_last_error(), "index must be smaller than dim size")) return 4;
  if (lm_forward_session_position(s) != 5) return 5;
  if (lm_forward_session_prefill(s, 12, ids, logits) != 1 ||
      !strstr(lm_last_error(), "do not fit")) return 6;
  if (lm_forward_session_prefill(s, 11, ids, logits)) return 7;
  if (lm_forward_session_position(s) != 16) return 8;
  lm_forward_session_free(s);
  puts("ok");
  return 0;
}
"""


@pytest.mark.parametrize("path", lm_files()[:1], ids=lambda p: p.stem)
def test_c_session_of_a_whole_model(path, tmp_path):
    """The C ABI's session runs a whole LM; a token id outside the vocabulary
    is an error status, and the session goes on."""
    subprocess.run([qkvtie.find_tool("qkvtie-compile"), str(path), "-o",
                    str(tmp_path / "liblm.so"), "--capacity=16"], check=True)
    (tmp_path / "main.c").write_text(C_LM)
    subprocess.run([qkvtie.find_tool("clang"), "-std=c11", "-Wall", "-Werror",
                    "-I", str(tmp_path), str(tmp_path / "main.c"), "-o",
                    str(tmp_path / "main"), "-L", str(tmp_path), "-llm",
                    f"-Wl,-rpath,{tmp_path}"], check=True)
    p = subprocess.run([str(tmp_path / "main")], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout == "ok\n", (p.returncode, p.stderr)


# What `qkvtie run --decode` does with each self-attention file of the
# corpus: decodes it (the last token matches the forward pass), or says why
# not.
NO_DECODE = {
    "hf-bert-linalg-1layer-padmask": "the attention is bidirectional",
    "torch-linalg-not-attention-softmax-wrong-axis": "no attention",
}


def corpus_layers():
    d = corpus_dir()
    return sorted(d.glob("*.mlir")) if d else []


@pytest.mark.parametrize("path", corpus_layers(), ids=lambda p: p.stem)
def test_corpus_file_decodes(path):
    stem = path.name[:-len(".mlir")]
    p = qkvtie_cli("run", path, "--decode", "--inputs", path.with_name(stem + ".inputs.npz"),
                   "--expected", path.with_name(stem + ".expected.npy"))
    decode = [line for line in p.stdout.splitlines() if line.startswith("decode:")]
    assert len(decode) == 1, p.stdout + p.stderr
    if stem in NO_DECODE:
        assert p.returncode == 1
        assert "has no decode form" in decode[0] and NO_DECODE[stem] in decode[0]
    else:
        assert p.returncode == 0, p.stdout + p.stderr
        assert "last token max abs error vs the forward pass" in decode[0]


def _families():
    try:
        import lm_families
        import transformers  # noqa: F401
        import torch_mlir  # noqa: F401
    except ImportError:
        return []
    return [(n, tied) for n in lm_families.FAMILIES for tied in (False, True)]


@pytest.mark.parametrize("name,tied", _families(),
                         ids=lambda v: v if isinstance(v, str) else ("kv-tied" if v else "untied"))
def test_family_generates_what_transformers_generates(name, tied):
    """Our own exports of other families: the tokens and logits of
    transformers.generate(), and one cache buffer per layer under K=V."""
    import lm_families
    module, hf, prompt = lm_families.build(name, tied)
    new, logits = lm_families.reference(hf, prompt, 12)
    model = qkvtie.compile(qkvtie.export_torch(module, (prompt, torch_ones(prompt))),
                           capacity=prompt.shape[1] + 12)
    s = model.session()
    assert all(c.shape[0] == (1 if tied else 2) for c in s.caches)
    assert len(s.caches) == 2  # layers
    ids, got = model.generate(prompt.numpy(), 12, return_logits=True)
    np.testing.assert_array_equal(ids[0], new)
    np.testing.assert_allclose(got[0], logits, rtol=1e-4, atol=1e-4)


def torch_ones(t):
    import torch
    return torch.ones_like(t)
