"""Ahead-of-time compilation of model IR to a shared library, and loading it.

    lib = compile_file("model.mlir", passes=["qkvtie-raise-attention"])
    out = lib.forward(x)          # numpy in, numpy out

The tools come from where QKVTie is installed or built (see `find_tool`);
LLVM from where that build found it (share/qkvtie/config.json beside bin/).
"""
from __future__ import annotations

import ctypes
import enum
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import uuid
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from . import runtime
from .runtime import ExecutionError  # noqa: F401 (re-exported)

_PACKAGE = pathlib.Path(__file__).resolve().parent
_CONFIG = pathlib.Path("share", "qkvtie", "config.json")


class CompileError(RuntimeError):
    """A step of the pipeline failed; the message has the tool's output."""


class Target(str, enum.Enum):
    """Where a compiled model's attention runs. Whatever takes a target takes
    a member or its value ("cpu", "cuda"); members compare equal to their
    values, so code that checks `library.target == "cuda"` keeps working."""

    #: Fused kernels for the CPU the library is compiled for.
    CPU = "cpu"
    #: Attention as GPU kernels (sm_90a cubins), the projections on the CPU.
    CUDA = "cuda"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, target: Target | str) -> Target:
        """`target` as a Target; CompileError naming the targets if it is
        none of them."""
        try:
            return cls(target)
        except ValueError:
            raise CompileError(f"target {target!r} is not available; targets: "
                               f"{', '.join(t.value for t in cls)}") from None


def _install_prefix() -> pathlib.Path | None:
    """The prefix the package is installed under, as
    <prefix>/lib/pythonX.Y/site-packages/qkvtie (or Debian's
    lib/python3/dist-packages): where `cmake --install` puts the tools too.
    None in a source checkout."""
    packages = _PACKAGE.parent
    lib = packages.parent.parent
    if packages.name in ("site-packages", "dist-packages") and \
            lib.name in ("lib", "lib64"):
        return lib.parent
    return None


def _prefixes() -> Iterator[pathlib.Path]:
    """Trees laid out as bin/, lib/ and share/qkvtie/ that may hold QKVTie,
    most specific first: $QKVTIE_BUILD (an explicit choice), then the prefix
    the package is installed under or, in a source checkout, its build/.
    PATH comes after these: a tool there may be another version's."""
    env = os.environ.get("QKVTIE_BUILD")
    if env:
        yield pathlib.Path(env)
    # In a checkout the package is python/qkvtie.
    yield _install_prefix() or _PACKAGE.parents[1] / "build"


def _qkvtie_tool(name: str) -> pathlib.Path:
    for prefix in _prefixes():
        if (prefix / "bin" / name).is_file():
            return prefix / "bin" / name
    found = shutil.which(name)
    if found:
        return pathlib.Path(found)
    raise CompileError(f"{name} not found: build QKVTie (or install it with "
                       "cmake --install) or set QKVTIE_BUILD")


def _beside_tools(relative: pathlib.Path, hint: str) -> pathlib.Path:
    """`relative` in the tree (build or install prefix) whose qkvtie-compile
    `find_tool` finds, so that the tools, libraries and configuration used
    together come from one build."""
    tool = _qkvtie_tool("qkvtie-compile")
    # A tool on PATH may be a link into the prefix that holds the rest.
    candidates = dict.fromkeys(b.parent / relative
                               for b in (tool.parent, tool.resolve().parent))
    for path in candidates:
        if path.is_file():
            return path
    raise CompileError(f"{next(iter(candidates))} not found: {hint}")


def build_config() -> dict[str, str]:
    """The configuration CMake wrote for the build (or install) `find_tool`
    finds QKVTie's tools in, share/qkvtie/config.json beside bin/:
    "llvm_tools_dir", "llvm_library_dir" and "cuda_path"."""
    path = _beside_tools(_CONFIG, "configure QKVTie again with CMake (which "
                         "writes it), or set QKVTIE_LLVM_BIN to LLVM's bin/")
    return json.loads(path.read_text())


def llvm_tools_dir() -> pathlib.Path:
    """LLVM's bin/: $QKVTIE_LLVM_BIN, else the one QKVTie was built with."""
    env = os.environ.get("QKVTIE_LLVM_BIN")
    return pathlib.Path(env) if env else pathlib.Path(build_config()["llvm_tools_dir"])


def llvm_library_dir() -> pathlib.Path:
    """LLVM's lib/ (libomp, MLIR's runner utilities): beside
    $QKVTIE_LLVM_BIN, else the one QKVTie was built with."""
    env = os.environ.get("QKVTIE_LLVM_BIN")
    if env:
        return pathlib.Path(env).parent / "lib"
    return pathlib.Path(build_config()["llvm_library_dir"])


def find_tool(name: str) -> str:
    """The path of a tool: QKVTie's (qkvtie-opt, qkvtie-compile) from
    $QKVTIE_BUILD/bin, the bin/ of the prefix the package is installed under
    (a checkout's build/bin when it is not installed), else PATH; LLVM's
    (clang, ...) from `llvm_tools_dir()`, else `name` for PATH to resolve."""
    if name.startswith("qkvtie"):
        return str(_qkvtie_tool(name))
    path = llvm_tools_dir() / name
    return str(path) if path.exists() else name


def _run(cmd: Sequence[Any]) -> subprocess.CompletedProcess[str]:
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

    def __new__(cls, args: list[runtime.ValueType],
                results: list[runtime.ValueType],
                info: dict[str, Any]) -> Signature:
        return super().__new__(cls, (args, results, info))


def _value(v):
    if v["kind"] == "index":
        return ("index", ()), "index"
    return (_ELT[v["dtype"]], tuple(v["shape"])), v["kind"]


def read_signatures(description: str | os.PathLike[str]) -> dict[str, Signature]:
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


def _runtime_library() -> pathlib.Path:
    return _beside_tools(pathlib.Path("lib", "libqkvtie_cuda_runtime.so"),
                         "build QKVTie (or install it with cmake --install) "
                         "or set QKVTIE_BUILD")


def cuda_available() -> tuple[bool, str]:
    """(True, device name) when the CUDA driver and a GPU are present, else
    (False, the reason)."""
    lib = ctypes.CDLL(str(_runtime_library()))
    lib.qkvtie_cuda_error.restype = ctypes.c_char_p
    if not lib.qkvtie_cuda_available():
        return False, lib.qkvtie_cuda_error().decode()
    name = ctypes.create_string_buffer(256)
    lib.qkvtie_cuda_device_name(name, 256)
    return True, name.value.decode()


_dlclose: Callable[[int], None] | None
try:  # at interpreter exit the module may be gone before the libraries
    from _ctypes import dlclose as _dlclose
except ImportError:  # pragma: no cover (not on Linux)
    _dlclose = None


class Library:
    """A compiled shared library with one callable per public function."""

    def __init__(self, path: str | os.PathLike[str],
                 signatures: dict[str, Signature], prefix: str | None = None):
        self.path = str(path)
        self.prefix = prefix
        self._lib: ctypes.CDLL | None = ctypes.CDLL(self.path)
        self.signatures = signatures
        self.remarks: dict[str, str] = {}  # function -> why it has no decode form
        self.report: dict[str, Any] | None = None
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
        self.target = Target.CUDA if error is not None else Target.CPU
        for name, (args, results, _) in signatures.items():
            setattr(self, name, runtime.Function(self._lib, name, args, results,
                                                 check, prefix, owner=self))

    def __getitem__(self, name: str) -> runtime.Function:
        return getattr(self, name)

    def close(self) -> None:
        """Unloads the library; its functions must not be called after."""
        lib, self._lib = getattr(self, "_lib", None), None
        if lib is not None and _dlclose is not None:
            _dlclose(lib._handle)

    def __del__(self) -> None:
        self.close()


REFERENCE = "reference"
FUSED = "fused"


def compile_file(path: str | os.PathLike[str], passes: Sequence[str] = (),
                 out_dir: str | os.PathLike[str] | None = None,
                 opt_args: Iterable[str] = (), pipeline: str = FUSED,
                 cpu: str = "native", vector_width: int | None = None,
                 target: Target | str = Target.CPU, report: bool = False) -> Library:
    """Runs `passes` on `path` with qkvtie-opt, then qkvtie-compile: fused
    kernels (or REFERENCE, the reference decomposition) in a shared library
    for `cpu` (clang's -march), which it loads. `vector_width`: the kernels'
    f32 lanes (default: what `cpu` has). `target=Target.CUDA` (or "cuda"):
    attention as GPU kernels (sm_90a cubins); the library loads without a
    GPU and its calls raise GPUError there. With `report`, the library's
    `report` is the tie report (qkvtie-report) of the IR after raising and
    folding, from the same qkvtie-opt run."""
    target = Target.parse(target)
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
          f"--target={target.value}",
          *(["--reference"] if pipeline == REFERENCE else [])])
    library = Library(so, read_signatures(out_dir / f"{prefix}.json"), prefix)
    library.remarks = remarks
    library.report = json.loads(report_file.read_text()) if report else None
    return library
