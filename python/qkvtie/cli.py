"""The `qkvtie` command line.

    qkvtie report  model.mlir [--json]
    qkvtie compile model.mlir -o libmodel.so        (and model.h, a C ABI)
    qkvtie run     model.mlir --inputs X.npz [--expected Y.npy] [--decode]
    qkvtie generate lm.mlir --prompt-ids 5,17,3 --max-new-tokens N
"""
import argparse
import json
import pathlib
import subprocess
import sys
import time

import numpy as np

from . import api
from .compiler import CompileError, ExecutionError, find_tool


def _common(p):
    p.add_argument("module", help="model IR (.mlir)")
    p.add_argument("--tie-arguments", action="store_true",
                   help="fold weights passed as arguments (the caller passes "
                        "equal tensors for tied roles)")
    p.add_argument("--no-raise", action="store_true",
                   help="take the module as it is (no raise or fold)")


def _describe(r):
    lines = []
    for a in r["attentions"]:
        line = (f'{a["op"]} @{a["function"]} ({a["location"]}): {a["variant"]}, '
                f'{a["num_heads"]} query heads / {a["num_kv_heads"]} KV heads, '
                f'{a["kv_cache_buffers"]} cache buffer(s), '
                f'{a["kv_cache_bytes_per_token"]} B/token')
        if "before" in a:
            before = a["before"]["kv_cache_bytes_per_token"]
            line += (f' (before folding: {before} B/token, '
                     f'{100 * (1 - a["kv_cache_bytes_per_token"] / before):.0f}% saved)')
        lines.append(line)
        for p in a.get("proofs", []):
            lines.append(f'  tie {p["roles"]}: proven by {p["kind"]}')
        for m in a.get("near_misses", []):
            lines.append(f'  near miss {m["roles"]}: {m["tensor"]} differs at '
                         f'{m["index"]}: {m["values"][0]!r} vs {m["values"][1]!r}')
    if not r["attentions"]:
        lines.append("no attention found")
    for name, f in r.get("functions", {}).items():
        line = (f'@{name}: {f["attentions"]} attention(s), '
                f'{f["kv_cache_bytes_per_token"]} B/token of KV cache in all')
        if f["kv_cache_bytes_per_token_untied"] != f["kv_cache_bytes_per_token"]:
            line += f' ({f["kv_cache_bytes_per_token_untied"]} B/token untied)'
        lines.append(line)
    return "\n".join(lines)


def cmd_report(args):
    r = api.report(args.module, tie_arguments=args.tie_arguments,
                   raise_attention=not args.no_raise)
    print(json.dumps(r, indent=2) if args.json else _describe(r))
    return 0


def cmd_compile(args):
    cmd = [find_tool("qkvtie-compile"), args.module, "-o", args.output,
           f"--capacity={args.capacity}", f"--cpu={args.cpu}"]
    if args.cache_element_type:
        cmd.append(f"--cache-element-type={args.cache_element_type}")
    if args.tie_arguments:
        cmd.append("--tie-arguments")
    if args.no_raise:
        cmd.append("--no-raise")
    print(f"qkvtie: compiling {args.module} ...", end="", flush=True, file=sys.stderr)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        print(" failed", file=sys.stderr)
        raise CompileError(proc.stderr.strip())
    header = pathlib.Path(args.output).with_name(
        pathlib.Path(args.output).stem.removeprefix("lib") + ".h")
    print(f" {time.perf_counter() - t0:.1f} s: {args.output}, {header}", file=sys.stderr)
    return 0


def cmd_run(args):
    try:
        inputs = np.load(args.inputs)
    except OSError as e:
        raise CompileError(f"{args.inputs}: {e}") from e
    missing = [f"arg{i}" for i in range(len(inputs.files)) if f"arg{i}" not in inputs.files]
    if missing:
        raise CompileError(f"{args.inputs} has no {', '.join(missing)} (it holds "
                           f"{', '.join(sorted(inputs.files))}; the arrays must be "
                           "arg0, arg1, ... in the order of the function's arguments)")
    arrays = [inputs[f"arg{i}"] for i in range(len(inputs.files))]
    # Decode over as many tokens as the input has, unless told otherwise.
    capacity = args.capacity or (arrays[0].shape[1] if arrays and arrays[0].ndim >= 2
                                 else 4096)
    model = api.compile(args.module, raise_attention=not args.no_raise,
                        tie_arguments=args.tie_arguments, progress=True,
                        cache=args.decode, capacity=capacity)
    entry = args.entry or model.entry
    if entry not in model.functions:
        raise CompileError(f"no function @{entry}; functions: {model.functions}")
    arg_types = model.library.signatures[entry][0]
    if len(arrays) != len(arg_types):
        raise CompileError(f"@{entry} takes {len(arg_types)} arguments, "
                           f"{args.inputs} has {len(arrays)}" +
                           (f": no arg{len(arrays)}" if len(arrays) < len(arg_types) else ""))
    arrays = [np.asarray(a, dtype=t) for a, (t, _) in zip(arrays, arg_types)]
    out = model.library[entry](*arrays)
    status = 0
    if args.expected is None:
        np.set_printoptions(threshold=20)
        print(out)
    else:
        expected = np.load(args.expected)
        err = float(np.max(np.abs(out.astype(np.float64) - expected)))
        ok = np.allclose(out, expected, rtol=args.rtol, atol=args.atol)
        print(f"max abs error {err:.3e} ({'ok' if ok else 'MISMATCH'} at "
              f"rtol={args.rtol}, atol={args.atol})")
        status = 0 if ok else 1
    if args.decode:
        status |= _decode(model, arrays, out)
    return status


def _decode(model, arrays, out):
    """Decodes the inputs token by token from empty caches; reports the cache
    size and the time per step, and checks the last token against the
    forward pass."""
    decode = model.library.signatures.get(f"{model.entry}_decode")
    if decode is None:
        try:
            model.session()  # says why there is no decode form
        except CompileError as e:
            print(f"decode: {e}")
        return 1
    # The steps' non-token inputs are the session's parameters.
    inputs = [arrays[i] for i in decode[2]["inputs"]]
    token = decode[2]["token_inputs"]
    session = model.session(*[a for i, a in enumerate(inputs) if i not in token])
    steps = inputs[token[0]].shape[1]
    first = out[0] if isinstance(out, tuple) else out
    times, last = [], None
    for t in range(steps):
        step = [inputs[i][:, t:t + 1] for i in token]
        t0 = time.perf_counter()
        last = session.step(*step)
        times.append(time.perf_counter() - t0)
    last = last[0] if isinstance(last, tuple) else last
    err = float(np.max(np.abs(last[:, 0].astype(np.float64) - first[:, -1])))
    print(f"decode: {steps} steps from empty caches ({len(session.caches)} "
          f"attention(s), {sum(c.shape[0] for c in session.caches)} buffer(s)), "
          f"{session.cache_bytes / 1024:.1f} KiB ({session.capacity} tokens); "
          f"median step {1e3 * np.median(times):.3f} ms; "
          f"last token max abs error vs the forward pass {err:.3e}")
    return 0 if err < 1e-3 else 1


def _ids(text):
    try:
        ids = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated "
                                         "list of token ids") from None
    if not ids:
        raise argparse.ArgumentTypeError("the prompt needs at least one token id")
    return ids


def cmd_generate(args):
    capacity = args.capacity or len(args.prompt_ids) + args.max_new_tokens
    if capacity < len(args.prompt_ids) + args.max_new_tokens:
        raise CompileError(f"--capacity {capacity} is less than the prompt "
                           f"({len(args.prompt_ids)}) and the new tokens "
                           f"({args.max_new_tokens})")
    model = api.compile(args.module, raise_attention=not args.no_raise,
                        tie_arguments=args.tie_arguments, progress=True,
                        capacity=capacity,
                        cache_element_type=args.cache_element_type)
    session = model.session()  # says why, when there is no decode form
    t0 = time.perf_counter()
    ids, logits = model.generate(np.asarray([args.prompt_ids]), args.max_new_tokens,
                                 temperature=args.temperature, top_k=args.top_k,
                                 seed=args.seed, return_logits=True)
    seconds = time.perf_counter() - t0
    print(",".join(str(int(t)) for t in ids[0]))
    print(f"{args.max_new_tokens / seconds:.1f} tokens/s ({args.max_new_tokens} new "
          f"tokens after a prompt of {len(args.prompt_ids)} in {seconds:.3f} s)")
    per_token = session.cache_bytes // session.capacity
    print(f"KV cache: {session.cache_bytes} bytes ({len(session.caches)} "
          f"layer(s), {per_token} bytes/token, {session.capacity} tokens)")
    if args.save_logits:
        np.save(args.save_logits, logits[0] if logits is not None
                else np.zeros((0, 0), np.float32))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="qkvtie", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("report", help="ties and KV-cache bytes of each attention")
    _common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_report)
    p = sub.add_parser("compile", help="shared library and C header")
    _common(p)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--capacity", type=int, default=4096)
    p.add_argument("--cache-element-type", choices=["f32", "f16", "bf16"])
    p.add_argument("--cpu", default="native")
    p.set_defaults(fn=cmd_compile)
    p = sub.add_parser("run", help="compile and run on inputs from an .npz")
    _common(p)
    p.add_argument("--inputs", required=True, help=".npz with arg0..argN")
    p.add_argument("--expected", help=".npy to compare with")
    p.add_argument("--entry", help="function to run (default: the model's)")
    p.add_argument("--decode", action="store_true",
                   help="also decode the input token by token with a KV cache")
    p.add_argument("--capacity", type=int,
                   help="KV-cache tokens for --decode (default: the input's)")
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--atol", type=float, default=1e-4)
    p.set_defaults(fn=cmd_run)
    p = sub.add_parser("generate", help="generate token ids with a causal LM "
                                        "and its KV caches")
    _common(p)
    p.add_argument("--prompt-ids", type=_ids, required=True,
                   help="comma-separated token ids, e.g. 5,17,3")
    p.add_argument("--max-new-tokens", type=int, required=True)
    p.add_argument("--capacity", type=int,
                   help="KV-cache tokens (default: prompt + new tokens)")
    p.add_argument("--cache-element-type", choices=["f32", "f16", "bf16"])
    p.add_argument("--temperature", type=float, default=0.0,
                   help="0 (the default) picks the most likely token")
    p.add_argument("--top-k", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--save-logits", help=".npy for the [N, vocab] logits that "
                                         "chose each new token")
    p.set_defaults(fn=cmd_generate)
    args = ap.parse_args(argv)
    if getattr(args, "max_new_tokens", 1) < 1:
        print("qkvtie: error: --max-new-tokens must be at least 1", file=sys.stderr)
        return 2
    if not pathlib.Path(args.module).is_file():
        print(f"qkvtie: error: {args.module}: no such file", file=sys.stderr)
        return 2
    try:
        return args.fn(args)
    except (CompileError, ExecutionError, ValueError, TypeError, IndexError) as e:
        print(f"qkvtie: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
