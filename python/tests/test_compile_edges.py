"""qkvtie-compile at its edges: argument types with and without a C form,
functions that return one tensor twice or return their argument (no double
free, no freeing the caller's buffer), and outputs that would overwrite the
input or each other."""
import json
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

from qkvtie import compile_file, find_tool
from qkvtie.compiler import read_signatures

EDGES = """
#id = affine_map<(d0) -> (d0)>
func.func @twice(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
         ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %a : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %y, %y : tensor<4xf32>, tensor<4xf32>
}
func.func @same(%x: tensor<4xi16>) -> tensor<4xi16> {
  return %x : tensor<4xi16>
}
func.func @scalar(%x: tensor<f32>) -> tensor<f32> {
  return %x : tensor<f32>
}
"""

DRIVER = r"""
#include "edges.h"
#include <stdio.h>
int main(void) {
  float x[4] = {1, 2, 3, 4}, a[4], b[4], s = 5, t;
  int16_t i[4] = {1, -2, 3, -4}, j[4];
  for (int k = 0; k < 1000; ++k)
    if (edges_twice(x, a, b) || edges_same(i, j) || edges_scalar(&s, &t)) return 2;
  /* The caller's buffers are still theirs (not freed): write them. */
  x[0] = 7; i[0] = 7;
  printf("%g %g %d %d %g\n", a[3], b[3], j[1], i[0], t);
  return 0;
}
"""


def test_returned_twice_and_returned_argument(tmp_path):
    src = tmp_path / "edges.mlir"
    src.write_text(EDGES)
    lib = compile_file(src, out_dir=tmp_path / "py")
    for _ in range(1000):
        a, b = lib.twice(np.arange(4, dtype=np.float32))
        x = np.array([1, -2, 3, -4], np.int16)
        y = lib.same(x)
    np.testing.assert_array_equal(a, [0, 2, 4, 6])
    np.testing.assert_array_equal(b, a)
    np.testing.assert_array_equal(y, x)
    assert lib.scalar(np.float32(3)) == 3
    subprocess.run([find_tool("qkvtie-compile"), str(src), "-o",
                    str(tmp_path / "libedges.so")], check=True)
    (tmp_path / "main.c").write_text(DRIVER)
    subprocess.run([find_tool("clang"), "-std=c11", "-Wall", "-Werror", "-I",
                    str(tmp_path), str(tmp_path / "main.c"), "-o",
                    str(tmp_path / "main"), "-L", str(tmp_path), "-ledges",
                    f"-Wl,-rpath,{tmp_path}"], check=True)
    # Under valgrind where it is installed: a read of a freed result or a
    # double free is an error, not luck.
    valgrind = shutil.which("valgrind")
    cmd = ([valgrind, "-q", "--error-exitcode=9"] if valgrind else []) + \
        [str(tmp_path / "main")]
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.split() == ["8", "8", "-2", "7", "5"], p


@pytest.mark.parametrize("arg,why", [
    ("tensor<4xf8E4M3FN>", "has type 'tensor<4xf8E4M3FN>', which has no C form"),
    ("tensor<1x1x1x1x1x2xf32>", "which has no C form: static tensors of rank 0 to 5"),
    ("tensor<?xf32>", "has type 'tensor<?xf32>', which has no C form"),
])
def test_types_without_a_c_form_are_errors(arg, why, tmp_path):
    src = tmp_path / "bad.mlir"
    src.write_text(f"func.func @f(%x: {arg}) -> {arg} {{ return %x : {arg} }}\n")
    p = subprocess.run([find_tool("qkvtie-compile"), str(src), "-o",
                        str(tmp_path / "libbad.so")], capture_output=True, text=True)
    assert p.returncode == 1 and why in p.stderr, p.stderr
    assert "argument 0 of @f" in p.stderr
    assert not list(tmp_path.glob("libbad*")) and not list(tmp_path.glob("*.h"))


def compile_args(tmp_path, *args):
    src = tmp_path / "m.mlir"
    if not src.exists():
        src.write_text(EDGES)
    return subprocess.run([find_tool("qkvtie-compile"), str(src), *map(str, args)],
                          capture_output=True, text=True, cwd=tmp_path)


def test_outputs_never_overwrite_the_input_or_each_other(tmp_path):
    p = compile_args(tmp_path, "-o", tmp_path / "m.mlir")
    assert p.returncode == 1 and "would overwrite the input" in p.stderr
    p = compile_args(tmp_path, "-o", tmp_path / "libx.so", "--header", tmp_path / "libx.so")
    assert p.returncode == 1 and "the header and the library are the same file" in p.stderr
    p = compile_args(tmp_path, "-o", tmp_path / "liby.so", "--prefix", "1bad-name")
    assert p.returncode == 1 and "'1bad-name' is not a C identifier" in p.stderr
    # lib.so has no name to make a prefix of, so no hidden ".h".
    p = compile_args(tmp_path, "-o", tmp_path / "d" / "lib.so")
    assert p.returncode == 1 and "pass --prefix" in p.stderr
    assert not (tmp_path / "d" / ".h").exists()
    # An output named .ll is the library, not an intermediate to delete.
    p = compile_args(tmp_path, "-o", tmp_path / "x.ll", "--prefix", "x")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "x.ll").stat().st_size > 0
    assert sorted(f.name for f in tmp_path.iterdir()) == ["m.mlir", "x.h", "x.json", "x.ll"]
    # The description is the header's stem with .json: never the header.
    p = compile_args(tmp_path, "-o", tmp_path / "libw.so", "--header", tmp_path / "w.json")
    assert p.returncode == 1 and "would overwrite another output" in p.stderr
    # A failed link leaves neither library nor header nor description.
    p = compile_args(tmp_path, "-o", tmp_path / "libz.so", "--clang", "/bin/false")
    assert p.returncode == 1 and "linking" in p.stderr
    assert not any((tmp_path / f).exists() for f in ("libz.so", "z.h", "z.json"))


def test_description_is_the_interface(tmp_path):
    """The JSON beside the header lists each exported function's arguments
    and results as the C ABI takes them, and the Python package calls the
    library from it alone."""
    p = compile_args(tmp_path, "-o", tmp_path / "libedges.so")
    assert p.returncode == 0, p.stderr
    d = json.loads((tmp_path / "edges.json").read_text())
    assert d["prefix"] == "edges" and d["target"] == "cpu"
    assert d["functions"]["twice"] == {
        "args": [{"kind": "tensor", "dtype": "f32", "shape": [4]}],
        "results": [{"kind": "tensor", "dtype": "f32", "shape": [4]}] * 2}
    assert d["functions"]["same"]["args"] == [{"kind": "tensor", "dtype": "i16", "shape": [4]}]
    assert d["functions"]["scalar"]["results"] == [{"kind": "tensor", "dtype": "f32", "shape": []}]
    sigs = read_signatures(tmp_path / "edges.json")
    assert sigs["twice"][0] == [(np.float32, (4,))]
    assert sigs["scalar"][1] == [(np.float32, ())]
    assert sigs["same"][2]["arg_kinds"] == ["tensor"]


def test_description_of_generated_steps(tmp_path):
    """Steps carry their token inputs and the entry's input each takes; a
    cache is its storage [buffers, batch, heads, capacity, head_dim]."""
    model = pathlib.Path(__file__).resolve().parents[2] / "examples/models/mha-kv-tied.mlir"
    p = subprocess.run([find_tool("qkvtie-compile"), str(model), "--capacity", "64",
                        "-o", str(tmp_path / "libm.so")], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    fns = json.loads((tmp_path / "m.json").read_text())["functions"]
    decode = fns["forward_decode"]
    assert decode["token_inputs"] == [0] and decode["inputs"] == [0]
    # The token, its position, the cache, then what @forward_prepare made.
    kinds = [a["kind"] for a in decode["args"]]
    assert kinds == ["tensor", "index", "cache"] + ["tensor"] * len(fns["forward_prepare"]["results"])
    cache = decode["args"][2]
    assert cache["shape"][0] == 1 and cache["shape"][3] == 64  # K=V: one buffer
    assert [r["kind"] for r in decode["results"]] == ["tensor", "cache"]
