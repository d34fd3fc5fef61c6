#!/usr/bin/env python3
"""Differential check over a fuzzing corpus: for every module in which the
raise found attention, the raised module must compute what the original
computes, on random small inputs.

    .venv/bin/python scripts/fuzz-differential.py build-fuzz/fuzz/corpus
"""
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))
from qkvtie import compile_file, find_tool  # noqa: E402
from qkvtie.compiler import CompileError  # noqa: E402


def main():
    corpus = pathlib.Path(sys.argv[1])
    opt = find_tool("qkvtie-opt")
    checked = skipped = mismatched = 0
    for path in sorted(corpus.iterdir()):
        proc = subprocess.run([opt, str(path), "--qkvtie-raise-attention"],
                              capture_output=True, text=True, errors="replace", timeout=60)
        if proc.returncode != 0 or "qkvtie.attention ties" not in proc.stdout:
            continue
        with tempfile.TemporaryDirectory() as d:
            src = pathlib.Path(d) / "m.mlir"
            src.write_bytes(path.read_bytes())
            try:
                plain = compile_file(src, out_dir=pathlib.Path(d) / "plain")
                raised = compile_file(src, passes=["qkvtie-raise-attention"],
                                      out_dir=pathlib.Path(d) / "raised")
            except (CompileError, OSError, KeyError):
                skipped += 1  # not executable as a whole (e.g. no entry point)
                continue
            rng = np.random.default_rng(0)
            for name, (args, results) in plain.signatures.items():
                if name not in raised.signatures or len(results) != 1 or any(
                        t in ("index", "bf16") or np.dtype(t).kind != "f"
                        for t, _ in args + results):
                    continue
                inputs = [rng.standard_normal(s).astype(t) for t, s in args]
                want = plain[name](*inputs)
                got = raised[name](*inputs)
                tol = 2e-2 if want.dtype == np.float16 else 1e-4
                checked += 1
                if not np.allclose(got, want, rtol=tol, atol=tol, equal_nan=True):
                    mismatched += 1
                    print(f"MISMATCH {path.name} @{name}: max abs "
                          f"{np.nanmax(np.abs(got.astype(float) - want)):.3e}")
    print(f"{checked} raised functions compared, {mismatched} mismatched, "
          f"{skipped} modules not executable")
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
