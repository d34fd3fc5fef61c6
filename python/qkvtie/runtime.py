"""Calls functions of a compiled QKVTie library through MLIR's C interface.

A public function `f` compiled with `llvm.emit_c_interface` exports
`_mlir_ciface_f(result*, arg0*, ...)` where every tensor is passed as a
pointer to a memref descriptor {allocated, aligned, offset, sizes, strides}.
"""
from __future__ import annotations

import ctypes
from typing import Any, Callable, Iterable

import numpy as np
from numpy.typing import ArrayLike

#: An argument's or result's type: (numpy dtype, or "index" for a scalar
#: index argument; shape).
ValueType = tuple[Any, tuple[int, ...]]
#: A compiled function's result: one array, or a tuple of them.
Results = np.ndarray | tuple[np.ndarray, ...]

_CTYPES = {
    np.dtype(np.float32): ctypes.c_float,
    np.dtype(np.float64): ctypes.c_double,
    np.dtype(np.float16): ctypes.c_uint16,
    np.dtype(np.uint16): ctypes.c_uint16,  # bf16 bits
    np.dtype(np.int64): ctypes.c_int64,
    np.dtype(np.int32): ctypes.c_int32,
    np.dtype(np.bool_): ctypes.c_bool,
    np.dtype(np.int16): ctypes.c_int16,
    np.dtype(np.int8): ctypes.c_int8,
}


_DESCRIPTORS: dict[int, type[ctypes.Structure]] = {}


def _descriptor_type(rank: int) -> type[ctypes.Structure]:
    """The memref descriptor struct of `rank`, made once per rank: a class
    per call would grow memory with every call."""
    if rank not in _DESCRIPTORS:
        fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                  ("offset", ctypes.c_int64)]
        if rank:
            fields += [("sizes", ctypes.c_int64 * rank),
                       ("strides", ctypes.c_int64 * rank)]
        _DESCRIPTORS[rank] = type(f"MemRef{rank}D", (ctypes.Structure,),
                                  {"_fields_": fields})
    return _DESCRIPTORS[rank]


class ExecutionError(RuntimeError):
    """A run-time check of the compiled model failed (a token id outside the
    vocabulary, a position past the cache); the call's results are
    discarded."""


def to_descriptor(array: ArrayLike) -> tuple[ctypes.Structure, np.ndarray]:
    """A descriptor viewing `array` (kept alive by the caller)."""
    array = np.ascontiguousarray(array)
    desc = _descriptor_type(array.ndim)()
    desc.allocated = desc.aligned = array.ctypes.data
    desc.offset = 0
    if array.ndim:
        desc.sizes[:] = array.shape
        desc.strides[:] = [s // array.itemsize for s in array.strides]
    return desc, array


def set_num_threads(n: int) -> None:
    """Threads the compiled kernels use (OpenMP), for this process."""
    # Here, not at the top: compiler imports this module.
    from .compiler import llvm_library_dir
    lib = llvm_library_dir() / "libomp.so"
    ctypes.CDLL(str(lib)).omp_set_num_threads(ctypes.c_int(n))


_libc = ctypes.CDLL(None)
_libc.free.argtypes = [ctypes.c_void_p]


def from_descriptor(desc: ctypes.Structure, dtype: Any, shape: tuple[int, ...],
                    borrowed: dict[int, np.ndarray] | None = None) -> np.ndarray:
    """The result as a numpy array: a copy of a callee-allocated buffer (the
    caller frees it, with release(), once every result is copied: results
    may share a buffer); or, when the buffer is one the caller passed in
    (`borrowed`: address -> array, an argument updated in place and
    returned), that array itself."""
    borrowed = borrowed or {}
    if desc.allocated in borrowed and desc.offset == 0:
        arr = borrowed[desc.allocated]
        if arr.shape == tuple(shape) and arr.dtype == np.dtype(dtype):
            return arr
    n = int(np.prod(shape)) if shape else 1
    size = n * np.dtype(dtype).itemsize
    data = ctypes.string_at(desc.aligned + desc.offset * np.dtype(dtype).itemsize,
                            size)
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def release(descs: Iterable[ctypes.Structure], borrowed: dict[int, np.ndarray]) -> None:
    """Frees each callee-allocated buffer of `descs` once; never one of the
    caller's (`borrowed`)."""
    freed = set()
    for d in descs:
        if d.allocated and d.allocated not in borrowed and d.allocated not in freed:
            freed.add(d.allocated)
            _libc.free(d.allocated)


class Function:
    """One exported function with known argument and result types."""

    def __init__(self, library: ctypes.CDLL, name: str, args: list[ValueType],
                 results: list[ValueType],
                 check: tuple[Callable[[], Any], Callable[[], None]] | None = None,
                 prefix: str | None = None, owner: Any = None):
        symbol = f"{prefix}_ciface_{name}" if prefix else "_mlir_ciface_" + name
        self._name = name
        # Whoever unloads the library must outlive this function.
        self._owner = owner
        self._fn = getattr(library, symbol)
        self._check = check      # (clear, raise_if_failed) of the GPU runtime
        self._fn.restype = None
        self._failure = None
        if prefix:
            self._failure = getattr(library, f"{prefix}_take_check_failure")
            self._failure.restype = ctypes.c_char_p
        self._args = args        # [(dtype or "index", shape)]
        self._results = results  # [(dtype, shape)]
        descs = [_descriptor_type(len(shape)) for _, shape in results]
        if len(descs) == 1:
            self._result_type = descs[0]
        else:
            # Several results come back as one struct of descriptors.
            self._result_type = type(
                "Results", (ctypes.Structure,),
                {"_fields_": [(f"r{i}", d) for i, d in enumerate(descs)]})

    def __call__(self, *args: Any) -> Results:
        """Arrays (anything np.asarray takes) and, for index arguments,
        integers, in the order of the function's arguments."""
        if len(args) != len(self._args):
            raise TypeError(f"expected {len(self._args)} arguments, got {len(args)}")
        keep: list[tuple[ctypes.Structure, np.ndarray]] = []
        call_args: list[Any] = []
        for a, (dtype, shape) in zip(args, self._args):
            if dtype == "index":
                call_args.append(ctypes.c_int64(int(a)))
                continue
            a = np.asarray(a, dtype=dtype)
            if a.shape != tuple(shape):
                raise ValueError(f"argument of shape {a.shape}, expected {shape}")
            desc, arr = to_descriptor(a)
            keep.append((desc, arr))
            call_args.append(ctypes.pointer(desc))
        out = self._result_type()
        if self._check:
            self._check[0]()
        self._fn(ctypes.pointer(out), *call_args)
        failure = self._failure() if self._failure else None
        borrowed = {d.allocated: arr for d, arr in keep}
        descs = [out] if len(self._results) == 1 else \
            [getattr(out, f"r{i}") for i in range(len(self._results))]
        results = tuple(from_descriptor(d, dtype, shape, borrowed)
                        for d, (dtype, shape) in zip(descs, self._results))
        release(descs, borrowed)
        if failure:
            raise ExecutionError(f"@{self._name}: {failure.decode()}")
        if self._check:
            self._check[1]()
        return results[0] if len(results) == 1 else results
