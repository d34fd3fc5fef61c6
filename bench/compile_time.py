"""Compile time and memory against the number of layers: a Llama-shaped causal
LM (random weights, passed as arguments so that the IR's size does not depend
on them) exported by torch-mlir with 12, 32 and 80 layers, then compiled by
`qkvtie-compile` into a library with prefill and decode steps.

    .venv/bin/python bench/compile_time.py [--layers 12,32,80] [--repeat 2]

Each row: the best wall time of `repeat` runs of qkvtie-compile (MLIR passes,
LLVM, link), its peak resident memory, and the same per layer. Compile time
must grow linearly with the layers: the last column is the time per layer
relative to the smallest model's. Writes bench/out/compile-time.md and .jsonl.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "bench"))

from model import cpu_flags, cpu_name  # noqa: E402
from model import export as export_functional  # noqa: E402


def export(layers):
    """forward(ids, mask, *weights) -> logits of a `layers`-layer Llama."""
    import torch
    import transformers

    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(
        vocab_size=1000, hidden_size=256, intermediate_size=512,
        num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
        head_dim=64, max_position_embeddings=1024)
    cfg._attn_implementation = "eager"
    model = transformers.LlamaForCausalLM(cfg).eval()
    for layer in model.model.layers:
        layer.self_attn.v_proj = layer.self_attn.k_proj
    for m in model.modules():
        m._non_persistent_buffers_set.clear()
    return export_functional(model)[0]


def _tree(pid):
    """`pid` and its descendants, from /proc."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in pathlib.Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _rss_kib(pid):
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(cmd):
    """Wall seconds of `cmd`, and the peak of its process tree's resident
    memory (qkvtie-compile and the clang processes it runs), sampled every
    20 ms: rusage would count the benchmark's own memory, which a forked
    child inherits in its high-water mark."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, sum(_rss_kib(p) for p in _tree(proc.pid)))
        time.sleep(0.02)
    seconds = time.perf_counter() - t0
    err = proc.stderr.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{err}")
    return seconds, peak / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", default="12,32,80")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    compiler = ROOT / "build" / "bin" / "qkvtie-compile"
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for layers in map(int, args.layers.split(",")):
            ir = tmp / f"llama{layers}.mlir"
            ir.write_text(export(layers))
            best, peak = None, 0.0
            for _ in range(args.repeat):
                seconds, rss = run([compiler, ir, "--capacity=512",
                                       "-o", tmp / f"libllama{layers}.so"])
                best = seconds if best is None else min(best, seconds)
                peak = max(peak, rss)
            rows.append(dict(layers=layers, seconds=best, peak_mib=peak,
                             ir_mib=ir.stat().st_size / 2**20))
            print(f"{layers} layers: {best:.2f} s, {peak:.0f} MiB", flush=True)
    base = rows[0]["seconds"] / rows[0]["layers"]
    lines = [f"# qkvtie-compile time against layers ({cpu_name()}; {cpu_flags()}; "
             f"{os.cpu_count()} CPUs)", "",
             "Llama-shaped, hidden 256, 4/2 heads of 64, MLP 512, vocab 1000, K=V, "
             "weights as arguments; best of "
             f"{args.repeat} runs; peak resident memory of qkvtie-compile and the clang processes it runs, together, sampled every 20 ms.", "",
             "| layers | IR MiB | seconds | peak MiB | s/layer | s/layer vs smallest |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        per = r["seconds"] / r["layers"]
        lines.append(f"| {r['layers']} | {r['ir_mib']:.1f} | {r['seconds']:.2f} | "
                     f"{r['peak_mib']:.0f} | {per:.3f} | {per / base:.2f} |")
    (out / "compile-time.md").write_text("\n".join(lines) + "\n")
    with open(out / "compile-time.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(dict(r, cpu=cpu_name())) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
