"""Runs a module's entry function on inputs from an .npz and compares the
result with an expected .npy.

    python -m qkvtie.run model.mlir --inputs X.inputs.npz --expected X.expected.npy \
        --passes qkvtie-raise-attention
"""
import argparse
import sys

import numpy as np

from .compiler import CompileError, compile_file


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m qkvtie.run")
    ap.add_argument("module")
    ap.add_argument("--inputs", required=True, help=".npz with arg0..argN")
    ap.add_argument("--expected", help=".npy to compare with")
    ap.add_argument("--entry", help="function to run (default: the only one)")
    ap.add_argument("--passes", nargs="*", default=[],
                    help="qkvtie-opt passes to run before lowering")
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--atol", type=float, default=1e-4)
    args = ap.parse_args(argv)
    try:
        lib = compile_file(args.module, passes=args.passes)
    except CompileError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    names = list(lib.signatures)
    entry = args.entry or (names[0] if len(names) == 1 else None)
    if entry not in lib.signatures:
        print(f"error: choose --entry among {names}", file=sys.stderr)
        return 2
    inputs = np.load(args.inputs)
    arrays = [inputs[f"arg{i}"] for i in range(len(inputs.files))]
    arg_types = lib.signatures[entry][0]
    if len(arrays) != len(arg_types):
        print(f"error: {entry} takes {len(arg_types)} arguments, "
              f"{args.inputs} has {len(arrays)}", file=sys.stderr)
        return 2
    arrays = [np.asarray(a, dtype=t) for a, (t, _) in zip(arrays, arg_types)]
    out = lib[entry](*arrays)
    if args.expected is None:
        np.set_printoptions(threshold=20)
        print(out)
        return 0
    expected = np.load(args.expected)
    err = float(np.max(np.abs(out.astype(np.float64) - expected)))
    ok = np.allclose(out, expected, rtol=args.rtol, atol=args.atol)
    print(f"max abs error {err:.3e} ({'ok' if ok else 'MISMATCH'} at "
          f"rtol={args.rtol}, atol={args.atol})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
