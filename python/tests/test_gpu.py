"""The GPU kernels (qkvtie-lower-gpu, --target=cuda) against the float64
reference, over the grid of the CPU kernels' tests (test_fused): every tying
map, head grouping, head dim, length, mask, RoPE setting and element type.

Compiling needs only the CUDA toolkit's ptxas (the kernels become sm_90a
cubins here); running needs an H100/H200 and its driver. Without one the
execution tests skip, saying why, and the library's calls raise GPUError.

Tolerances as for the CPU kernels: f32 2e-4, f16 2e-2, bf16 6e-2.
"""
import os
import pathlib

import numpy as np
import pytest

from qkvtie import GPUError, compile_file, cuda_available
from qkvtie.compiler import build_config

from mlirgen import from_bf16
from test_fused import DECODE as CPU_DECODE, PREFILL as CPU_PREFILL
from test_fused import TOL, _compile, _decode, _ids, _name, _prefill


def _gpu_supported(case):
    """The GPU kernels rotate whole heads and have no QK-norm (they say so:
    test/Conversion/QKVTieToGPU/lower-gpu-errors.mlir)."""
    return case.get("rope") != "partial" and not case.get("qk_norm")


PREFILL = [c for c in CPU_PREFILL if _gpu_supported(c)]
DECODE = [c for c in CPU_DECODE if _gpu_supported(c)]

CUDA = pathlib.Path(os.environ.get("QKVTIE_CUDA_PATH")
                    or build_config()["cuda_path"])
needs_toolkit = pytest.mark.skipif(
    not (CUDA / "bin" / "ptxas").exists(),
    reason=f"no CUDA toolkit at {CUDA} (set QKVTIE_CUDA_PATH): cannot "
           "assemble GPU kernels")
GPU, GPU_WHY = cuda_available()
needs_gpu = pytest.mark.skipif(not GPU, reason=f"no GPU: {GPU_WHY}")


@pytest.fixture(scope="module")
def prefill(tmp_path_factory):
    return _compile(tmp_path_factory, PREFILL, _prefill, target="cuda")


@pytest.fixture(scope="module")
def decode(tmp_path_factory):
    return _compile(tmp_path_factory, DECODE, _decode, target="cuda")


def _check(lib, runs, i, dtype):
    inputs, want = runs[i]
    got = lib[f"case{i}"](*inputs)
    got = from_bf16(got) if _name(dtype) == "bf16" else got
    tol = TOL[_name(dtype)]
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=tol, atol=tol)


@needs_toolkit
def test_grid_compiles_to_cubins(prefill, decode):
    # Each kernel of the grid assembled by ptxas for sm_90a and embedded;
    # the library needs only its runtime and libomp beside it.
    for lib, kernels in ((prefill[0], [b".text.k0_prefill"]),
                         (decode[0], [b".text.k0_decode", b".text.k0_merge"])):
        assert lib.target == "cuda"
        data = pathlib.Path(lib.path).read_bytes()
        for k in kernels:
            assert k in data, k
        folder = pathlib.Path(lib.path).parent
        assert (folder / "libqkvtie_cuda_runtime.so").exists()
        assert (folder / "libomp.so.5").exists()


@needs_toolkit
@pytest.mark.skipif(GPU, reason="a GPU is present")
def test_without_gpu_calls_raise(decode):
    lib, runs = decode
    with pytest.raises(GPUError, match="qkvtie: (no CUDA driver|the CUDA driver)"):
        lib["case0"](*runs[0][0])


@needs_toolkit
@needs_gpu
@pytest.mark.parametrize("i", range(len(PREFILL)), ids=_ids(PREFILL))
def test_prefill_matches_float64(prefill, i):
    lib, runs = prefill
    _check(lib, runs, i, PREFILL[i].get("dtype", np.float32))


@needs_toolkit
@needs_gpu
@pytest.mark.parametrize("i", range(len(DECODE)), ids=_ids(DECODE))
def test_decode_matches_float64(decode, i):
    lib, runs = decode
    _check(lib, runs, i, DECODE[i]["dtype"])


@needs_toolkit
def test_host_code_runs_without_gpu(tmp_path):
    # A --target=cuda library's host code runs on the CPU with the runtime's
    # memrefCopy (here a strided copy) and compiler-rt's bf16 conversion,
    # not MLIR's runner utilities.
    path = tmp_path / "copy.mlir"
    path.write_text("""
func.func @place(%src: tensor<2x3xf32>, %dst: tensor<4x5xf32>) -> (tensor<4x5xf32>, tensor<2x3xbf16>) {
  %0 = tensor.insert_slice %src into %dst[1, 2] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<4x5xf32>
  %e = tensor.empty() : tensor<2x3xbf16>
  %1 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
       ins(%src : tensor<2x3xf32>) outs(%e : tensor<2x3xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %t = arith.truncf %x : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<2x3xbf16>
  return %0, %1 : tensor<4x5xf32>, tensor<2x3xbf16>
}
""")
    lib = compile_file(path, out_dir=tmp_path, target="cuda")
    src = np.arange(6, dtype=np.float32).reshape(2, 3) + 0.5
    dst = -np.ones((4, 5), np.float32)
    placed, rounded = lib["place"](src, dst)
    want = dst.copy()
    want[1:3, 2:5] = src
    np.testing.assert_array_equal(placed, want)
    np.testing.assert_array_equal(from_bf16(rounded), src)


@needs_toolkit
def test_c_abi(tmp_path):
    # qkvtie-compile --target=cuda from C: a folder with the library, its
    # runtime and libomp; a call returns 0, or 1 with <prefix>_gpu_error()
    # saying why (here, without a GPU: no driver or no device).
    import subprocess
    from qkvtie import find_tool
    model = pathlib.Path(__file__).resolve().parents[2] / "examples" / "models" / \
        "gqa-rope-causal-kv-tied.mlir"
    out = tmp_path / "gpu"
    subprocess.run([find_tool("qkvtie-compile"), str(model), "-o",
                    str(out / "libmodel.so"), "--target=cuda"], check=True)
    (tmp_path / "use.c").write_text("""
#include "model.h"
#include <stdio.h>
int main(void) {
  static float x[16 * 128], y[16 * 128];
  int rc = model_forward(x, y);
  printf("%d %d %s\\n", model_gpu_available(), rc,
         rc ? model_gpu_error() : "ok");
  return 0;
}
""")
    subprocess.run([find_tool("clang"), str(tmp_path / "use.c"),
                    f"-I{out}", f"-L{out}", "-lmodel", f"-Wl,-rpath,{out}",
                    "-o", str(tmp_path / "use")], check=True)
    avail, rc, why = subprocess.run([str(tmp_path / "use")], check=True,
                                    capture_output=True, text=True
                                    ).stdout.split(" ", 2)
    assert avail == ("1" if GPU else "0")
    assert rc == ("0" if GPU else "1")
    if not GPU:
        assert why.startswith("qkvtie: "), why


def test_bad_target_options(tmp_path):
    import subprocess
    from qkvtie import CompileError, compile as qcompile, find_tool
    model = pathlib.Path(__file__).resolve().parents[2] / "examples" / \
        "tied-gqa-attention.mlir"
    for args, message in (
            # Enum options: a value outside the list fails when parsed.
            (["--target=tpu"], "--target option: Cannot find option named 'tpu'"),
            (["--gpu-chip=sm_10"],
             "--gpu-chip option: Cannot find option named 'sm_10'"),
            (["--vector-width=3"],
             "--vector-width option: Cannot find option named '3'"),
            (["--target=cuda", "--reference"], "--reference runs on the CPU"),
            (["--target=cuda", f"--cuda-path={tmp_path}"],
             f"{tmp_path}/bin/ptxas does not exist")):
        proc = subprocess.run([find_tool("qkvtie-compile"), str(model), "-o",
                               str(tmp_path / "libm.so"), *args],
                              capture_output=True, text=True)
        assert proc.returncode == 1 and message in proc.stderr, proc.stderr
        assert not (tmp_path / "libm.so").exists()
    with pytest.raises(CompileError, match="cannot be combined with target='cuda'"):
        qcompile(model, target="cuda", reference=True)


@needs_toolkit
def test_compile_target_cuda_runs_a_model():
    # The Python API end to end: a torch-mlir model with K=V tying, compiled
    # for the GPU, matches PyTorch's output where a GPU is present and raises
    # GPUError (not a crash, not wrong numbers) where there is none.
    import qkvtie
    models = pathlib.Path(__file__).resolve().parents[2] / "examples" / "models"
    x = np.load(models / "gqa-rope-causal-kv-tied.inputs.npz")["arg0"]
    want = np.load(models / "gqa-rope-causal-kv-tied.expected.npy")
    model = qkvtie.compile(models / "gqa-rope-causal-kv-tied.mlir", target="cuda")
    if GPU:
        np.testing.assert_allclose(model(x), want, rtol=2e-4, atol=2e-4)
    else:
        with pytest.raises(GPUError, match="qkvtie: "):
            model(x)


@needs_toolkit
def test_installed_compile_ships_its_runtime(tmp_path):
    # An installed qkvtie-compile (cmake --install) copies the GPU runtime
    # from its own prefix beside the library, not from the build tree.
    import filecmp
    import shutil
    import subprocess
    from qkvtie import find_tool
    build = pathlib.Path(find_tool("qkvtie-compile")).resolve().parents[1]
    prefix = tmp_path / "prefix"
    subprocess.run([shutil.which("cmake") or "cmake", "--install", str(build),
                    "--prefix", str(prefix)], check=True, capture_output=True)
    runtime = prefix / "lib" / "libqkvtie_cuda_runtime.so"
    runtime.write_bytes(runtime.read_bytes() + b"\0installed")
    model = pathlib.Path(__file__).resolve().parents[2] / "examples" / \
        "tied-gqa-attention.mlir"
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run([str(prefix / "bin" / "qkvtie-compile"), str(model), "-o",
                    str(out / "libm.so"), "--target=cuda"], check=True)
    assert filecmp.cmp(out / "libqkvtie_cuda_runtime.so", runtime,
                       shallow=False)
