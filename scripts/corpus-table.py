#!/usr/bin/env python3
"""Markdown table of the corpus end to end: attentions raised, heads, mask,
RoPE, tie report and max abs error against expected.npy.

    QKVTIE_CORPUS=../shared/corpus .venv/bin/python scripts/corpus-table.py [passes...]
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))
from qkvtie import compile_file, find_tool  # noqa: E402


def main():
    corpus = pathlib.Path(os.environ.get("QKVTIE_CORPUS", REPO.parent / "shared/corpus"))
    passes = sys.argv[1:] or ["qkvtie-raise-attention"]
    print("| file | raised | Hq/Hkv/hd | mask | RoPE | ties | proofs | cache buffers | "
          "cache B/token before -> after | max abs err |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path in sorted(corpus.glob("*.mlir")):
        stem = path.name[:-5]
        with tempfile.TemporaryDirectory() as d:
            report = pathlib.Path(d) / "r.json"
            subprocess.run([find_tool("qkvtie-opt"), str(path),
                            *[f"--{p}" for p in passes],
                            f"--qkvtie-report=output={report}", "-o", "/dev/null"],
                           check=True)
            r = json.loads(report.read_text())["attentions"]
            lib = compile_file(path, passes=passes, out_dir=d)
            inputs = np.load(path.with_name(stem + ".inputs.npz"))
            got = lib[next(iter(lib.signatures))](
                *[inputs[f"arg{i}"] for i in range(len(inputs.files))])
        err = np.max(np.abs(got.astype(np.float64) -
                            np.load(path.with_name(stem + ".expected.npy"))))
        a = r[0] if r else None
        heads = f'{a["num_heads"]}/{a["num_kv_heads"]}/{a["head_dim"]}' if a else "-"
        proofs = ", ".join(f'{p["roles"]}: {p["kind"]}' for p in a.get("proofs", [])) \
            if a else "-"
        before = a.get("before", {}).get("kv_cache_bytes_per_token",
                                         a["kv_cache_bytes_per_token"]) if a else "-"
        print(f'| {stem} | {len(r)} | {heads} | {a["mask"] if a else "-"} | '
              f'{("yes" if a["rope"] else "no") if a else "-"} | '
              f'{a["variant"] if a else "-"} | {proofs or "none"} | '
              f'{a["kv_cache_buffers"] if a else "-"} | '
              f'{before} -> {a["kv_cache_bytes_per_token"] if a else "-"} | {err:.2e} |')


if __name__ == "__main__":
    main()
