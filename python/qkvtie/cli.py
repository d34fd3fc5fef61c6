"""The `qkvtie` command line.

    qkvtie report  model.mlir [--json]
    qkvtie compile model.mlir -o libmodel.so        (and model.h, a C ABI)
    qkvtie run     model.mlir --inputs X.npz [--expected Y.npy] [--decode]
"""
import argparse
import json
import pathlib
import subprocess
import sys
import time

import numpy as np

from . import api
from .compiler import CompileError, find_tool


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
    arrays = [inputs[f"arg{i}"] for i in range(len(inputs.files))]
    # Decode over as many tokens as the input has, unless told otherwise.
    capacity = args.capacity or (arrays[0].shape[1] if arrays and arrays[0].ndim == 3
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
                           f"{args.inputs} has {len(arrays)}")
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
        status |= _decode(model, arrays[0], out)
    return status


def _decode(model, x, out):
    """Decodes the input token by token from an empty cache; reports the
    cache size and the time per step, and checks the last token."""
    session = model.session()
    rows = []
    times = []
    for t in range(x.shape[1]):
        t0 = time.perf_counter()
        rows.append(session.step(x[:, t:t + 1]))
        times.append(time.perf_counter() - t0)
    err = float(np.max(np.abs(rows[-1][:, 0] - out[:, -1])))
    print(f"decode: {x.shape[1]} steps from an empty cache of "
          f"{session.cache.shape[0]} buffer(s), {session.cache_bytes / 1024:.1f} KiB "
          f"({session.capacity} tokens); median step {1e3 * np.median(times):.3f} ms; "
          f"last token max abs error vs the forward pass {err:.3e}")
    return 0 if err < 1e-3 else 1


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
    args = ap.parse_args(argv)
    if not pathlib.Path(args.module).is_file():
        print(f"qkvtie: error: {args.module}: no such file", file=sys.stderr)
        return 2
    try:
        return args.fn(args)
    except (CompileError, ValueError, TypeError, IndexError) as e:
        print(f"qkvtie: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
