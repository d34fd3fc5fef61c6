"""The QKVTie Python API.

    import qkvtie
    model = qkvtie.compile("model.mlir")          # raise, fold, fused kernels
    y = model(x)                                   # the model's function
    print(qkvtie.report("model.mlir"))             # ties and KV-cache bytes
    session = model.session()                      # decode with a KV cache
    out = session.prefill(prompt)
    out_t = session.step(x_t)

    model = qkvtie.from_torch(torch_module, (example_x,))   # via torch-mlir
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

from .compiler import CompileError, compile_file, find_tool

__all__ = ["CompileError", "Model", "DecodeSession", "compile", "report",
           "from_torch", "export_torch"]

TARGETS = ("cpu", "cuda")


def _source(path_or_module, work):
    """A file holding the module: a path, MLIR text, or an MLIR Python
    binding module (torch-mlir's output)."""
    if isinstance(path_or_module, (str, os.PathLike)):
        text = str(path_or_module)
        if "\n" not in text and len(text) < 4096 and pathlib.Path(text).exists():
            return pathlib.Path(text)
        if "func.func" not in text and "module" not in text:
            raise CompileError(f"{text!r}: no such file, and not MLIR text")
    elif hasattr(path_or_module, "operation"):
        text = str(path_or_module)
    else:
        raise TypeError("expected a path, MLIR text or an MLIR module, got "
                        f"{type(path_or_module).__name__}")
    path = pathlib.Path(work) / "module.mlir"
    path.write_text(text)
    return path


def _progress(enabled):
    def step(message, fn):
        if not enabled:
            return fn()
        print(f"qkvtie: {message} ...", end="", flush=True, file=sys.stderr)
        t0 = time.perf_counter()
        try:
            out = fn()
        except BaseException:
            print(" failed", file=sys.stderr)
            raise
        print(f" {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        return out
    return step


class DecodeSession:
    """A KV cache and the position of the next token, for one attention of a
    compiled model: `prefill` a prompt, then `step` one token at a time.
    `params` are the step's trailing parameters, if it has any (weights that
    were arguments of the model; RoPE tables when the model's cover fewer
    positions than the cache). The cache array is updated in place."""

    def __init__(self, model, prefill, decode, params):
        self._prefill = model.library[prefill]
        self._decode = model.library[decode]
        args = model.library.signatures[decode][0]
        if len(args) != 3 + len(params):
            raise CompileError(
                f"@{decode} takes {len(args) - 3} parameter(s) after the cache "
                f"({', '.join(str(s) for _, s in args[3:])}), {len(params)} given: "
                "pass them to session(...) (or compile with a capacity the "
                "model's RoPE tables cover)")
        self._params = params
        self._prefill_params = params[-(len(model.library.signatures[prefill][0]) - 1):] \
            if len(model.library.signatures[prefill][0]) > 1 else ()
        cache_dtype, cache_shape = args[2]
        self.cache = np.zeros(cache_shape, cache_dtype)
        self.capacity = cache_shape[3]
        self.position = 0

    @property
    def cache_bytes(self):
        return self.cache.nbytes

    def prefill(self, x):
        """Runs the prompt x [B, S, D]; the cache then holds its S tokens."""
        out, cache = self._prefill(x, *self._prefill_params)
        self.cache[...] = cache
        self.position = np.asarray(x).shape[1]
        return out

    def step(self, x):
        """One new token x [B, 1, D]: appends it to the cache and attends over
        every cached token. Past the capacity this raises."""
        if self.position >= self.capacity:
            raise IndexError(f"KV cache full ({self.capacity} tokens)")
        out, self.cache = self._decode(x, self.position, self.cache, *self._params)
        self.position += 1
        return out


class Model:
    """A compiled module: call it like its entry function, or call any of its
    functions by name (`model.forward(x)`)."""

    def __init__(self, library, entry, report_json, work):
        self.library = library
        self.entry = entry
        self.report = report_json
        self.functions = list(library.signatures)
        self._work = work  # keeps the library's directory alive

    def __call__(self, *arrays):
        return self.library[self.entry](*arrays)

    def __getattr__(self, name):
        if name.startswith("_") or name not in self.library.signatures:
            raise AttributeError(name)
        return self.library[name]

    def session(self, *params, attention=0):
        """A decode session for attention `attention` of the entry function;
        `params`: the decode step's trailing parameters, if any."""
        prefill = f"{self.entry}_attn{attention}_prefill"
        decode = f"{self.entry}_attn{attention}_decode"
        if decode not in self.library.signatures:
            raise CompileError(
                f"no decode step for attention {attention} of @{self.entry}: "
                "it has no cache form (masks given as tensors are not cached) "
                "or the module was compiled with cache=False")
        return DecodeSession(self, prefill, decode, params)


def _passes(raise_attention, tie_arguments, tolerance, cache, capacity,
            cache_element_type):
    passes = []
    if raise_attention:
        passes.append("qkvtie-raise-attention")
        fold = []
        if tie_arguments:
            fold.append("tie-arguments=true")
        if tolerance:
            fold.append(f"tolerance={tolerance}")
        passes.append("qkvtie-fold-ties" + (f"={' '.join(fold)}" if fold else ""))
    if cache:
        opts = [f"capacity={capacity}"]
        if cache_element_type:
            opts.append(f"element-type={cache_element_type}")
        passes.append("qkvtie-materialize-kv-cache=" + " ".join(opts))
    return passes


def report(path_or_module, *, tie_arguments=False, tolerance=0.0,
           raise_attention=True):
    """The tie report as a dict: for each attention its ties and their proofs,
    head grouping and KV-cache bytes per token before and after folding."""
    with tempfile.TemporaryDirectory(prefix="qkvtie-") as work:
        src = _source(path_or_module, work)
        out = pathlib.Path(work) / "report.json"
        passes = _passes(raise_attention, tie_arguments, tolerance, False, 0, None)
        cmd = [find_tool("qkvtie-opt"), str(src), *[f"--{p}" for p in passes],
               f"--qkvtie-report=output={out}", "-o", os.devnull]
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
        if proc.returncode != 0:
            raise CompileError(f"{src}: {proc.stderr.strip()}")
        return json.loads(out.read_text())


def compile(path_or_module, target="cpu", *, raise_attention=True,
            tie_arguments=False, tolerance=0.0, cache=True, capacity=4096,
            cache_element_type=None, reference=False, cpu="native",
            progress=False):
    """Compiles model IR (a path, MLIR text, or an MLIR module) to a shared
    library and loads it: attention raised, proven ties folded, prefill and
    decode functions over a KV cache of `capacity` tokens (`cache=False`
    skips them), fused kernels (`reference=True`: the reference lowering).
    `target="cuda"`: attention runs as GPU kernels (sm_90a) with the
    projections on the CPU; without a GPU the calls raise GPUError."""
    if target not in TARGETS:
        raise CompileError(f"target {target!r} is not available; targets: "
                           f"{', '.join(TARGETS)}")
    if target == "cuda" and reference:
        raise CompileError("reference=True runs on the CPU; it cannot be "
                           "combined with target='cuda'")
    work = tempfile.TemporaryDirectory(prefix="qkvtie-")
    step = _progress(progress)
    src = _source(path_or_module, work.name)
    passes = _passes(raise_attention, tie_arguments, tolerance, cache, capacity,
                     cache_element_type)
    tie_report = step("reading ties", lambda: report(
        src, tie_arguments=tie_arguments, tolerance=tolerance,
        raise_attention=raise_attention))
    library = step("compiling", lambda: compile_file(
        src, passes=passes, out_dir=work.name, cpu=cpu, target=target,
        pipeline="reference" if reference else "fused"))
    generated = ("_prefill", "_decode")
    entries = [n for n in library.signatures
               if not any(n.endswith(g) and "_attn" in n for g in generated)]
    if not entries:
        raise CompileError(f"{src}: no public function with tensor arguments")
    return Model(library, entries[0], tie_report, work)


def export_torch(module, example_inputs):
    """MLIR text (linalg on tensors, weights as constants, function
    `@forward`) of `module` on `example_inputs`, exported by torch-mlir."""
    try:
        from torch_mlir import fx
    except ImportError as e:
        raise CompileError("exporting from PyTorch needs torch and torch-mlir: "
                           "pip install -r python/requirements-torch.txt") from e
    if not isinstance(example_inputs, (tuple, list)):
        example_inputs = (example_inputs,)
    return str(fx.export_and_import(module.eval(), *example_inputs,
                                    output_type="linalg-on-tensors",
                                    func_name="forward"))


def from_torch(module, example_inputs, **compile_options):
    """Exports `module` with torch-mlir and compiles it; options as for
    `compile`."""
    return compile(export_torch(module, example_inputs), **compile_options)
