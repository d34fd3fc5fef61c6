"""qkvtie-compile: model IR to a shared library and a C header, used from C.

A C program written against the generated header runs the forward pass, the
prefill and a token-by-token decode from a created cache; their outputs match
the model's expected output (PyTorch's) and each other."""
import pathlib
import subprocess

import numpy as np
import pytest

from qkvtie import find_tool

REPO = pathlib.Path(__file__).resolve().parents[2]
MODELS = REPO / "examples/models"

DRIVER = r"""
#include "%(p)s.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { S = %(seq)d, D = %(dim)d };

static int expect_error(int rc, const char *what) {
  const char *e = %(p)s_last_error();
  if (rc != 1 || !e || !strstr(e, what)) {
    fprintf(stderr, "expected an error with '%%s', got %%d: %%s\n", what, rc,
            e ? e : "(none)");
    exit(3);
  }
  return 0;
}

int main(int argc, char **argv) {
  static float x[S * D], fwd[S * D], pre[S * D], dec[S * D], one[D];
  FILE *in = fopen(argv[1], "rb");
  if (!in || fread(x, sizeof x, 1, in) != 1) return 2;
  fclose(in);
  if (%(p)s_forward(x, fwd) || %(p)s_last_error()) return 4;
  /* The prompt at once (in chunks), and token by token. */
  %(p)s_forward_session *a = %(p)s_forward_session_create();
  %(p)s_forward_session *b = %(p)s_forward_session_create();
  if (!a || !b || %(p)s_forward_session_prefill(a, S, x, pre)) return 5;
  for (int t = 0; t < S; ++t)
    if (%(p)s_forward_session_step(b, x + t * D, dec + t * D)) return 6;
  if (%(p)s_forward_session_position(b) != S ||
      %(p)s_forward_session_capacity() != S) return 7;
  /* Every error is a status and a message; nothing aborts. */
  expect_error(%(p)s_forward_session_step(b, x, one), "do not fit in the KV cache");
  expect_error(%(p)s_forward_session_prefill(a, 0, x, pre), "n must be at least 1");
  expect_error(%(p)s_forward(NULL, fwd), "in0 is NULL");
  expect_error(%(p)s_forward(x, NULL), "out0 is NULL");
  expect_error(%(p)s_forward_session_step(NULL, x, one), "not a live session");
  expect_error(%(p)s_forward_session_step(a, NULL, one), "in0 is NULL");
  %(p)s_forward_session_free(a);
  %(p)s_forward_session_free(a); /* twice: ignored */
  %(p)s_forward_session_free(NULL);
  expect_error(%(p)s_forward_session_step(a, x, one), "not a live session");
  if (%(p)s_forward_session_position(a) != -1) return 8;
  %(p)s_forward_session_free(b);
  if (%(p)s_forward(x, fwd) || %(p)s_last_error()) return 9; /* cleared */
  FILE *out = fopen(argv[2], "wb");
  fwrite(fwd, sizeof fwd, 1, out);
  fwrite(pre, sizeof pre, 1, out);
  fwrite(dec, sizeof dec, 1, out);
  return fclose(out);
}
"""


def build_driver(tmp_path, source, libs):
    driver = tmp_path / "driver.c"
    driver.write_text(source)
    exe = tmp_path / "driver"
    subprocess.run([find_tool("clang"), "-std=c11", "-Wall", "-Werror",
                    "-I", str(tmp_path), str(driver), "-o", str(exe),
                    "-L", str(tmp_path), *[f"-l{p}" for p in libs],
                    f"-Wl,-rpath,{tmp_path}"], check=True)
    return exe


@pytest.mark.parametrize("model", ["gqa-rope-causal-kv-tied", "gqa-rope-causal"])
def test_c_program_runs_forward_prefill_and_decode(model, tmp_path):
    x = np.load(MODELS / f"{model}.inputs.npz")["arg0"].astype(np.float32)
    want = np.load(MODELS / f"{model}.expected.npy")
    _, seq, dim = x.shape
    prefix = model.replace("-", "_")
    lib = tmp_path / f"lib{prefix}.so"
    subprocess.run([find_tool("qkvtie-compile"), str(MODELS / f"{model}.mlir"),
                    "-o", str(lib), f"--capacity={seq}"], check=True)
    header = (tmp_path / f"{prefix}.h").read_text()
    assert f"int {prefix}_forward_session_step({prefix}_forward_session *s" in header
    buffers = 1 if "tied" in model else 2
    assert f"1 KV cache(s) ({buffers * 2 * seq * 16 * 4} bytes in all" in header
    exe = build_driver(tmp_path, DRIVER % dict(p=prefix, seq=seq, dim=dim), [prefix])
    x.tofile(tmp_path / "x.bin")
    subprocess.run([str(exe), str(tmp_path / "x.bin"), str(tmp_path / "out.bin")],
                   check=True)
    fwd, pre, dec = np.fromfile(tmp_path / "out.bin", np.float32).reshape(3, 1, seq, dim)
    np.testing.assert_allclose(fwd, want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(pre, fwd, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dec, fwd, rtol=1e-4, atol=1e-4)


TWO = r"""
#include "kv.h"
#include "canon.h"
#include <stdio.h>
int main(int argc, char **argv) {
  static float x[8 * 64], a[8 * 64], b[8 * 64];
  FILE *in = fopen(argv[1], "rb");
  if (!in || fread(x, sizeof x, 1, in) != 1) return 2;
  fclose(in);
  if (kv_forward(x, a) || canon_forward(x, b)) return 3;
  FILE *out = fopen(argv[2], "wb");
  fwrite(a, sizeof a, 1, out);
  fwrite(b, sizeof b, 1, out);
  return fclose(out);
}
"""


def test_two_libraries_in_one_program(tmp_path):
    """Every symbol carries the library's prefix: two models linked into one
    program each run their own code."""
    for prefix, model in (("kv", "mha-kv-tied"), ("canon", "mha-canonical")):
        subprocess.run([find_tool("qkvtie-compile"), str(MODELS / f"{model}.mlir"),
                        "-o", str(tmp_path / f"lib{prefix}.so")], check=True)
        exported = subprocess.run(["nm", "-D", "--defined-only",
                                   str(tmp_path / f"lib{prefix}.so")],
                                  capture_output=True, text=True, check=True).stdout
        names = [line.split()[-1] for line in exported.splitlines()]
        assert names and all(n.startswith(prefix + "_") for n in names), names
    exe = build_driver(tmp_path, TWO, ["kv", "canon"])
    x = np.load(MODELS / "mha-kv-tied.inputs.npz")["arg0"].astype(np.float32)
    x.tofile(tmp_path / "x.bin")
    subprocess.run([str(exe), str(tmp_path / "x.bin"), str(tmp_path / "out.bin")],
                   check=True)
    a, b = np.fromfile(tmp_path / "out.bin", np.float32).reshape(2, 1, 8, 64)
    np.testing.assert_allclose(a, np.load(MODELS / "mha-kv-tied.expected.npy"),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(b, np.load(MODELS / "mha-canonical.expected.npy"),
                               rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("text,message", [
    ("func.func @f( {", "cannot parse"),
    ("module {}", "no public function"),
])
def test_bad_input_is_a_message_and_nonzero_exit(text, message, tmp_path):
    src = tmp_path / "bad.mlir"
    src.write_text(text)
    proc = subprocess.run([find_tool("qkvtie-compile"), str(src), "-o",
                           str(tmp_path / "libbad.so")],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert not (tmp_path / "libbad.so").exists()


def test_generic_x86_64_build_is_correct(tmp_path):
    """--cpu=x86-64 (SSE2 only, no FMA/AVX): the same kernels, correct on any
    x86-64."""
    from qkvtie import compile_file
    model = "gqa-rope-causal-kv-tied"
    x = np.load(MODELS / f"{model}.inputs.npz")["arg0"]
    lib = compile_file(MODELS / f"{model}.mlir", out_dir=tmp_path, cpu="x86-64",
                       passes=["qkvtie-raise-attention", "qkvtie-fold-ties"])
    np.testing.assert_allclose(lib.forward(x), np.load(MODELS / f"{model}.expected.npy"),
                               rtol=1e-4, atol=1e-4)
    # No AVX instruction (ymm/zmm registers) in the generic build.
    asm = subprocess.run(["objdump", "-d", str(tmp_path / f"lib{model}.so")],
                         capture_output=True, text=True).stdout
    assert "%ymm" not in asm and "%zmm" not in asm
