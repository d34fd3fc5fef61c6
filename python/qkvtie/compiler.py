"""Ahead-of-time compilation of model IR to a shared library, and loading it.

    lib = compile_file("model.mlir", passes=["qkvtie-raise-attention"])
    out = lib.forward(x)          # numpy in, numpy out
"""
import ctypes
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import uuid

import numpy as np

from . import runtime
from .runtime import ExecutionError  # noqa: F401 (re-exported)

LLVM_BIN = pathlib.Path(os.environ.get("QKVTIE_LLVM_BIN", "/usr/lib/llvm-22/bin"))
_REPO = pathlib.Path(__file__).resolve().parents[2]


class CompileError(RuntimeError):
    """A step of the pipeline failed; the message has the tool's output."""


def find_tool(name):
    """qkvtie-opt from $QKVTIE_BUILD/bin or the repo's build/, LLVM tools from
    LLVM_BIN."""
    if name.startswith("qkvtie"):
        for d in (os.environ.get("QKVTIE_BUILD"), _REPO / "build"):
            if d and (pathlib.Path(d) / "bin" / name).exists():
                return str(pathlib.Path(d) / "bin" / name)
        found = shutil.which(name)
        if found:
            return found
        raise CompileError(f"{name} not found: build QKVTie or set QKVTIE_BUILD")
    path = LLVM_BIN / name
    return str(path) if path.exists() else name


def _run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        raise CompileError(f"{' '.join(map(str, cmd))} failed:\n{proc.stderr}")
    return proc


_NO_DECODE = re.compile(r"remark: no decode form for @([\w$.]+): (.*)")


_ELT = {"f32": np.float32, "f16": np.float16, "f64": np.float64,
        "bf16": np.uint16, "i1": np.bool_, "i64": np.int64, "i32": np.int32,
        "i16": np.int16, "i8": np.int8}


class Signature(tuple):
    """(args, results, info): args and results as (dtype, shape) pairs; info
    has "arg_kinds" and "result_kinds" ("tensor", "index", "cache") and, for
    generated steps, "token_inputs" (the arguments that run over tokens) and
    "inputs" (the entry's input each step input is)."""

    def __new__(cls, args, results, info):
        return super().__new__(cls, (args, results, info))


def _value(v):
    if v["kind"] == "index":
        return ("index", ()), "index"
    return (_ELT[v["dtype"]], tuple(v["shape"])), v["kind"]


def read_signatures(description):
    """{name: Signature} of the functions a library exports, from the JSON
    interface description qkvtie-compile writes beside its header."""
    functions = json.loads(pathlib.Path(description).read_text())["functions"]
    sigs = {}
    for name, f in functions.items():
        args = [_value(v) for v in f["args"]]
        results = [_value(v) for v in f["results"]]
        info = {"arg_kinds": [k for _, k in args], "result_kinds": [k for _, k in results]}
        for key in ("token_inputs", "inputs"):
            if key in f:
                info[key] = list(f[key])
        sigs[name] = Signature([a for a, _ in args], [r for r, _ in results], info)
    return sigs


class GPUError(RuntimeError):
    """The GPU runtime failed: no driver, no GPU, or a CUDA error."""


def _runtime_library():
    for d in (os.environ.get("QKVTIE_BUILD"), _REPO / "build"):
        if d and (pathlib.Path(d) / "lib" / "libqkvtie_cuda_runtime.so").exists():
            return pathlib.Path(d) / "lib" / "libqkvtie_cuda_runtime.so"
    raise CompileError("libqkvtie_cuda_runtime.so not found: build QKVTie or "
                       "set QKVTIE_BUILD")


def cuda_available():
    """(True, device name) when the CUDA driver and a GPU are present, else
    (False, the reason)."""
    lib = ctypes.CDLL(str(_runtime_library()))
    lib.qkvtie_cuda_error.restype = ctypes.c_char_p
    if not lib.qkvtie_cuda_available():
        return False, lib.qkvtie_cuda_error().decode()
    name = ctypes.create_string_buffer(256)
    lib.qkvtie_cuda_device_name(name, 256)
    return True, name.value.decode()


try:  # at interpreter exit the module may be gone before the libraries
    from _ctypes import dlclose as _dlclose
except ImportError:  # pragma: no cover (not on Linux)
    _dlclose = None


class Library:
    """A compiled shared library with one callable per public function."""

    def __init__(self, path, signatures, prefix=None):
        self.path = str(path)
        self.prefix = prefix
        self._lib = ctypes.CDLL(self.path)
        self.signatures = signatures
        self.remarks = {}  # function -> why it has no decode form
        check = None
        try:
            # Built for --target=cuda: the GPU runtime keeps its first error.
            error = self._lib.qkvtie_cuda_error
        except AttributeError:
            error = None
        if error is not None:
            error.restype = ctypes.c_char_p

            def raise_if_failed():
                message = error()
                if message:
                    raise GPUError(message.decode())
            check = (self._lib.qkvtie_cuda_clear_error, raise_if_failed)
        self.target = "cuda" if error is not None else "cpu"
        for name, (args, results, _) in signatures.items():
            setattr(self, name, runtime.Function(self._lib, name, args, results,
                                                 check, prefix, owner=self))

    def __getitem__(self, name):
        return getattr(self, name)

    def close(self):
        """Unloads the library; its functions must not be called after."""
        lib, self._lib = getattr(self, "_lib", None), None
        if lib is not None and _dlclose is not None:
            _dlclose(lib._handle)

    def __del__(self):
        self.close()


REFERENCE = "reference"
FUSED = "fused"


def compile_file(path, passes=(), out_dir=None, opt_args=(), pipeline=FUSED,
                 cpu="native", vector_width=None, target="cpu", report=False):
    """Runs `passes` on `path` with qkvtie-opt, then qkvtie-compile: fused
    kernels (or REFERENCE, the reference decomposition) in a shared library
    for `cpu` (clang's -march), which it loads. `vector_width`: the kernels'
    f32 lanes (default: what `cpu` has). `target="cuda"`: attention as GPU
    kernels (sm_90a cubins); the library loads without a GPU and its calls
    raise GPUError there. With `report`, the library's `report` is the tie
    report (qkvtie-report) of the IR after raising and folding, from the
    same qkvtie-opt run."""
    out_dir = pathlib.Path(out_dir or tempfile.mkdtemp(prefix="qkvtie-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = pathlib.Path(path).stem
    opt = find_tool("qkvtie-opt")
    transformed = out_dir / f"{stem}.opt.mlir"
    flags = [f"--{p}" for p in passes]
    report_file = out_dir / f"{stem}.report.json"
    if report:
        # After the raise and the fold, before steps are generated.
        at = max((i + 1 for i, p in enumerate(passes)
                  if p.startswith(("qkvtie-raise-attention", "qkvtie-fold-ties"))),
                 default=0)
        flags.insert(at, f"--qkvtie-report=output={report_file}")
    proc = _run([opt, str(path), *flags, *opt_args, "-o", str(transformed)])
    remarks = {m.group(1): m.group(2) for m in _NO_DECODE.finditer(proc.stderr)}
    so = out_dir / f"lib{stem}.so"
    # A prefix of its own: libraries in one process never share a symbol.
    prefix = "qkvtie_" + uuid.uuid4().hex[:12]
    _run([find_tool("qkvtie-compile"), str(transformed), "--no-raise",
          "-o", str(so), f"--prefix={prefix}", f"--cpu={cpu}", "--keep",
          *([f"--vector-width={vector_width}"] if vector_width else []),
          f"--target={target}",
          *(["--reference"] if pipeline == REFERENCE else [])])
    library = Library(so, read_signatures(out_dir / f"{prefix}.json"), prefix)
    library.remarks = remarks
    library.report = json.loads(report_file.read_text()) if report else None
    return library
