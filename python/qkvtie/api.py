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
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
from typing import Any, Protocol, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .compiler import CompileError, Library, Target, compile_file, find_tool
from .runtime import Results

__all__ = ["CompileError", "Model", "DecodeSession", "Target", "compile",
           "report", "from_torch", "export_torch"]

#: Target's values, for code that checks a string against them.
TARGETS = tuple(t.value for t in Target)


class MLIRModule(Protocol):
    """An MLIR Python binding module (torch-mlir's output): its text is
    str(module)."""

    @property
    def operation(self) -> Any: ...


#: What `compile` and `report` take: a path, MLIR text or an MLIR module.
Source = str | os.PathLike[str] | MLIRModule


def _source(path_or_module: Source, work: str) -> pathlib.Path:
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
    """The KV caches of a compiled model (one per attention) and the position
    of the next token: `prefill` a prompt, then `step` one token at a time.

    The steps take the model function's token inputs ([B, n, ...]: token
    ids, or hidden states for a layer); arguments only its masks read (an
    `attention_mask`) are left out (a session has no padding). The other
    arguments (weights passed as arguments) are the session's `params`,
    given once: what the steps compute from them alone (transposed weights)
    and the RoPE tables are computed once, here."""

    def __init__(self, model: Model, params: Sequence[ArrayLike] = ()):
        lib, entry = model.library, model.entry
        self._model = model  # its library and directory live as long
        names = {k: f"{entry}_{k}" for k in ("prefill", "decode", "prepare")}
        if names["decode"] not in lib.signatures:
            attentions = [a for a in (model.report or {}).get("attentions", [])
                          if a.get("function") == entry]
            why = (model.no_decode_reason or
                   ("it has no attention, so nothing to cache" if not attentions
                    else "it was compiled with cache=False"))
            raise CompileError(f"@{entry} has no decode form: {why}")
        self._prefill = lib[names["prefill"]]
        self._decode = lib[names["decode"]]
        args, results, info = lib.signatures[names["decode"]]
        kinds = info["arg_kinds"]
        self._num_inputs = kinds.index("index")
        self._token_inputs = info.get("token_inputs", [])
        #: The entry function's arguments the steps take, in order.
        self.inputs = info.get("inputs", list(range(self._num_inputs)))
        slots = [i for i in range(self._num_inputs) if i not in self._token_inputs]
        if len(params) != len(slots):
            shapes = ", ".join(str(args[i][1]) for i in slots)
            raise TypeError(f"@{entry}'s steps take {len(slots)} parameter(s) "
                            f"besides the token inputs ({shapes}): pass them to "
                            f"session(...), {len(params)} given")
        self._params = dict(zip(slots, (np.asarray(p, args[i][0])
                                        for i, p in zip(slots, params))))
        self._num_results = info["result_kinds"].index("cache")
        self.chunk = lib.signatures[names["prefill"]][0][self._token_inputs[0]][1][1] \
            if self._token_inputs else 1
        self.caches = [np.zeros(shape, dtype) for (dtype, shape), k in zip(args, kinds)
                       if k == "cache"]
        self.capacity = self.caches[0].shape[3]
        prepared = lib[names["prepare"]](*self._params.values()) \
            if names["prepare"] in lib.signatures else ()
        self._prepared = list(prepared) if isinstance(prepared, tuple) else [prepared]
        self.position = 0

    @property
    def cache_bytes(self) -> int:
        """Bytes of all caches at full capacity."""
        return sum(c.nbytes for c in self.caches)

    @property
    def cache(self) -> np.ndarray:
        """The first attention's cache."""
        return self.caches[0]

    def _run(self, fn, tokens):
        inputs, it = [], iter(tokens)
        for i in range(self._num_inputs):
            inputs.append(self._params[i] if i in self._params else next(it))
        out = fn(*inputs, self.position, *self.caches, *self._prepared)
        out = out if isinstance(out, tuple) else (out,)
        for i, c in enumerate(out[self._num_results:]):
            if c is not self.caches[i]:
                self.caches[i][...] = c
        return out[:self._num_results]

    def _tokens(self, inputs):
        if len(inputs) != len(self._token_inputs):
            raise TypeError(f"expected {len(self._token_inputs)} token input(s), "
                            f"got {len(inputs)}")
        inputs = [np.asarray(a) for a in inputs]
        lengths = {a.shape[1] for a in inputs if a.ndim > 1}
        if len(lengths) != 1 or any(a.ndim < 2 for a in inputs):
            raise ValueError("token inputs must be [B, n, ...] with one n")
        return inputs, lengths.pop()

    def prefill(self, *inputs: ArrayLike) -> Results:
        """Runs n new tokens (a prompt) from the current position, in calls of
        `chunk` tokens and then single steps; returns the results for every
        token, concatenated along dimension 1."""
        tokens, n = self._tokens(inputs)
        if n < 1:
            raise ValueError("prefill needs at least one token")
        if self.position + n > self.capacity:
            raise IndexError(f"{n} tokens at position {self.position} do not fit "
                             f"in the KV cache ({self.capacity} tokens)")
        parts, t = [], 0
        while t < n:
            size = self.chunk if n - t >= self.chunk else 1
            fn = self._prefill if size == self.chunk else self._decode
            piece = [a[:, t:t + size] for a in tokens]
            parts.append(self._run(fn, piece))
            self.position += size
            t += size
        out = tuple(np.concatenate([p[i] for p in parts], axis=1)
                    for i in range(self._num_results))
        return out[0] if len(out) == 1 else out

    def step(self, *inputs: ArrayLike) -> Results:
        """One new token ([B, 1, ...] token inputs): appends it to the caches
        and attends over every cached token. Past the capacity this raises
        IndexError."""
        tokens, n = self._tokens(inputs)
        if n != 1:
            raise ValueError(f"step takes one token, got {n}; use prefill")
        if self.position >= self.capacity:
            raise IndexError(f"KV cache full ({self.capacity} tokens)")
        out = self._run(self._decode, tokens)
        self.position += 1
        return out[0] if len(out) == 1 else out


class Model:
    """A compiled module: call it like its entry function, or call any of its
    functions by name (`model.forward(x)`)."""

    def __init__(self, library: Library, entry: str,
                 report_json: dict[str, Any] | None, work: Any,
                 no_decode_reason: str | None = None):
        self.library = library
        self.entry = entry
        self.report = report_json
        self.functions = list(library.signatures)
        self.no_decode_reason = no_decode_reason
        self._work = work  # keeps the library's directory alive

    def __call__(self, *arrays: ArrayLike) -> Results:
        return self.library[self.entry](*arrays)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self.library.signatures:
            raise AttributeError(name)
        return self.library[name]

    def session(self, *params: ArrayLike) -> DecodeSession:
        """A decode session over the entry function: empty caches at
        position 0. `params`: the entry function's arguments that are
        neither token inputs nor masks (weights passed as arguments)."""
        return DecodeSession(self, params)

    def generate(self, prompt_ids: ArrayLike, max_new_tokens: int,
                 temperature: float = 0.0, top_k: int | None = None,
                 seed: int | None = None, return_logits: bool = False,
                 params: Sequence[ArrayLike] = ()
                 ) -> np.ndarray | tuple[np.ndarray, np.ndarray | None]:
        """New token ids [B, max_new_tokens] after `prompt_ids` ([B, n] or a
        list of ids): greedy at temperature 0, else sampled from the top_k
        (all if None) logits at `temperature` with numpy's generator seeded
        by `seed`. With return_logits, also the logits [B, N, vocab] that
        chose each token. `params`: as for session()."""
        if max_new_tokens < 0:
            raise ValueError("max_new_tokens must be >= 0")
        ids = np.asarray(prompt_ids, dtype=np.int64)
        if ids.ndim == 1:
            ids = ids[None]
        if ids.ndim != 2 or ids.shape[1] == 0:
            raise ValueError("prompt_ids must be [B, n] with n >= 1")
        session = self.session(*params)
        if len(session._token_inputs) != 1:
            raise CompileError(f"@{self.entry} does not take token ids alone; "
                               "use session() directly")
        rng = np.random.default_rng(seed)
        logits = session.prefill(ids)
        logits = (logits[0] if isinstance(logits, tuple) else logits)[:, -1]
        new, chosen = [], []
        for k in range(max_new_tokens):
            tok = _pick(logits.astype(np.float64), temperature, top_k, rng)
            new.append(tok)
            chosen.append(logits)
            if k + 1 < max_new_tokens:
                out = session.step(tok[:, None])
                logits = (out[0] if isinstance(out, tuple) else out)[:, -1]
        new_ids = np.stack(new, axis=1) if new else np.zeros((ids.shape[0], 0), np.int64)
        if return_logits:
            return new_ids, (np.stack(chosen, axis=1) if chosen else None)
        return new_ids


def _pick(logits, temperature, top_k, rng):
    """Next token per batch row of logits [B, V]."""
    if temperature <= 0:
        return np.argmax(logits, axis=-1).astype(np.int64)
    z = logits / temperature
    if top_k is not None:
        k = min(int(top_k), z.shape[-1])
        kth = np.sort(z, axis=-1)[:, -k][:, None]
        z = np.where(z < kth, -np.inf, z)
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)
    return np.array([rng.choice(p.shape[-1], p=row) for row in p], dtype=np.int64)


def _passes(raise_attention, tie_arguments, tolerance, cache, capacity,
            cache_element_type, prefill_tokens=None):
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
        if prefill_tokens:
            opts.append(f"prefill-tokens={prefill_tokens}")
        passes.append("qkvtie-materialize-kv-cache=" + " ".join(opts))
    return passes


def report(path_or_module: Source, *, tie_arguments: bool = False,
           tolerance: float = 0.0, raise_attention: bool = True) -> dict[str, Any]:
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


def compile(path_or_module: Source, target: Target | str = Target.CPU, *,
            raise_attention: bool = True, tie_arguments: bool = False,
            tolerance: float = 0.0, cache: bool = True, capacity: int = 4096,
            cache_element_type: str | None = None,
            prefill_tokens: int | None = None, reference: bool = False,
            cpu: str = "native", progress: bool = False) -> Model:
    """Compiles model IR (a path, MLIR text, or an MLIR module) to a shared
    library and loads it: attention raised, proven ties folded, prefill and
    decode steps over one KV cache of `capacity` tokens per attention, the
    prefill taking `prefill_tokens` per call (`cache=False` skips them),
    fused kernels (`reference=True`: the reference lowering).
    `target=Target.CUDA` (or "cuda"): attention runs as GPU kernels (sm_90a)
    with the projections on the CPU; without a GPU the calls raise
    GPUError."""
    target = Target.parse(target)
    if target == Target.CUDA and reference:
        raise CompileError("reference=True runs on the CPU; it cannot be "
                           "combined with target='cuda'")
    work = tempfile.TemporaryDirectory(prefix="qkvtie-")
    step = _progress(progress)
    src = _source(path_or_module, work.name)
    passes = _passes(raise_attention, tie_arguments, tolerance, cache, capacity,
                     cache_element_type, prefill_tokens)
    library = step("compiling", lambda: compile_file(
        src, passes=passes, out_dir=work.name, cpu=cpu, target=target,
        pipeline="reference" if reference else "fused", report=True))
    tie_report = library.report
    generated = ("_prefill", "_decode", "_prepare")
    names = set(library.signatures)
    entries = [n for n in library.signatures
               if not any(n.endswith(g) and n[:-len(g)] in names for g in generated)]
    if not entries:
        raise CompileError(f"{src}: no public function with tensor arguments")
    return Model(library, entries[0], tie_report, work,
                 no_decode_reason=library.remarks.get(entries[0]))


def export_torch(module: Any, example_inputs: Any) -> str:
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


def from_torch(module: Any, example_inputs: Any, **compile_options: Any) -> Model:
    """Exports `module` with torch-mlir and compiles it; options as for
    `compile`."""
    return compile(export_torch(module, example_inputs), **compile_options)
