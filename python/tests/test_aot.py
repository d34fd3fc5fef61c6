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

enum { S = %(seq)d, D = %(dim)d };

int main(int argc, char **argv) {
  static float x[S * D], fwd[S * D], pre[S * D], dec[S * D];
  FILE *in = fopen(argv[1], "rb");
  if (!in || fread(x, sizeof x, 1, in) != 1) return 2;
  fclose(in);
  %(p)s_forward(x, fwd);
  %(p)s_cache *filled = NULL;
  %(p)s_forward_attn0_prefill(x, pre, &filled);
  /* Decode every token from an empty cache. */
  %(p)s_cache *cache = %(p)s_forward_attn0_decode_cache_create();
  for (int t = 0; t < S; ++t)
    %(p)s_forward_attn0_decode(x + t * D, t, cache, dec + t * D);
  %(p)s_cache_free(cache);
  %(p)s_cache_free(filled);
  FILE *out = fopen(argv[2], "wb");
  fwrite(fwd, sizeof fwd, 1, out);
  fwrite(pre, sizeof pre, 1, out);
  fwrite(dec, sizeof dec, 1, out);
  return fclose(out);
}
"""


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
    assert f"int {prefix}_forward_attn0_decode(" in header
    assert f"({1 if 'tied' in model else 2}x1x" in header  # cache buffers
    driver = tmp_path / "driver.c"
    driver.write_text(DRIVER % dict(p=prefix, seq=seq, dim=dim))
    exe = tmp_path / "driver"
    subprocess.run([find_tool("clang"), "-std=c11", "-Wall", "-Werror",
                    "-I", str(tmp_path), str(driver), "-o", str(exe),
                    "-L", str(tmp_path), f"-l{prefix}",
                    f"-Wl,-rpath,{tmp_path}"], check=True)
    x.tofile(tmp_path / "x.bin")
    subprocess.run([str(exe), str(tmp_path / "x.bin"), str(tmp_path / "out.bin")],
                   check=True)
    fwd, pre, dec = np.fromfile(tmp_path / "out.bin", np.float32).reshape(3, 1, seq, dim)
    np.testing.assert_allclose(fwd, want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(pre, fwd, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dec, fwd, rtol=1e-4, atol=1e-4)


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
