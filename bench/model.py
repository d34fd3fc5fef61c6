"""Whole-model decode: QKVTie beside transformers' own generate(), on the same
random-weight Llama-shaped model, K=V (v_proj = k_proj) against untied.

    bench/.venv/bin/python bench/model.py [--layers 8 --hidden 1024 ...]
                                          [--contexts 512,4096] [--steps 16]

The model is exported by qkvtie.export_torch with its weights as arguments
(a gigabyte of constants would not fit in MLIR text), so K=V is an SSA tie:
the shared module is one argument. Each row: decode tokens/s after a prompt
of `context` tokens (QKVTie: median step time over `steps` steps; transformers:
the step times inside generate(), eager attention with its DynamicCache,
stamped by a logits processor), the cache bytes, and the bytes a step must read (weights +
cache) per second, as a fraction of the read bandwidth measured by probe.c in
the same run. Writes bench/out/model.md and model.jsonl.
"""
import argparse
import json
import pathlib
import platform
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "bench"))

import qkvtie  # noqa: E402
from qkvtie.compiler import find_tool, llvm_library_dir  # noqa: E402
from qkvtie.runtime import set_num_threads  # noqa: E402

OUT = ROOT / "bench" / "out"


def cpu_name():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def cpu_flags():
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            return " ".join(f for f in ("avx2", "fma", "f16c", "avx512f", "avx512_bf16",
                                        "amx_bf16") if f in flags)
    return ""


def build(args, tied):
    import transformers
    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(
        vocab_size=args.vocab, hidden_size=args.hidden,
        intermediate_size=args.intermediate, num_hidden_layers=args.layers,
        num_attention_heads=args.heads, num_key_value_heads=args.kv_heads,
        head_dim=args.hidden // args.heads, max_position_embeddings=max(args.contexts) * 2)
    cfg._attn_implementation = "eager"
    model = transformers.LlamaForCausalLM(cfg).eval()
    if tied:
        for layer in model.model.layers:
            layer.self_attn.v_proj = layer.self_attn.k_proj
    for m in model.modules():
        m._non_persistent_buffers_set.clear()
    return model


def export(model):
    """forward(ids, mask, *weights) -> logits, the weights as arguments."""
    import copy
    # torch.export leaves traced state behind that generate() trips on.
    model = copy.deepcopy(model)
    params = dict(model.named_parameters())
    names = list(params)

    class Functional(torch.nn.Module):
        def forward(self, ids, mask, *weights):
            return torch.func.functional_call(
                model, dict(zip(names, weights)), (ids,),
                {"attention_mask": mask, "use_cache": False}).logits

    ids = torch.randint(1, model.config.vocab_size, (1, 8))
    text = qkvtie.export_torch(Functional(), (ids, torch.ones_like(ids),
                                              *params.values()))
    return text, [p.detach().numpy() for p in params.values()]


def time_qkvtie(model_ir, weights, context, steps, capacity, vocab):
    compiled = qkvtie.compile(model_ir, capacity=capacity, prefill_tokens=256)
    s = compiled.session(*weights)
    rng = np.random.default_rng(1)
    prompt = rng.integers(1, vocab, (1, context))
    t0 = time.perf_counter()
    logits = s.prefill(prompt)
    prefill = time.perf_counter() - t0
    tok = np.argmax(logits[:, -1], -1)[:, None]
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        logits = s.step(tok)
        times.append(time.perf_counter() - t0)
        tok = np.argmax(logits[:, -1], -1)[:, None]
    return statistics.median(times), min(times), prefill, s.cache_bytes


def time_transformers(model, context, steps, vocab):
    """generate() with its KV cache; a logits processor stamps each step, so
    that decode steps are timed inside transformers' own loop. Returns
    (median step, best step, prefill) in seconds."""
    import transformers
    rng = np.random.default_rng(1)
    prompt = torch.from_numpy(rng.integers(1, vocab, (1, context)))
    stamps = []

    class Stamp(transformers.LogitsProcessor):
        def __call__(self, input_ids, scores):
            stamps.append(time.perf_counter())
            return scores

    with torch.no_grad():
        t0 = time.perf_counter()
        model.generate(prompt, attention_mask=torch.ones_like(prompt),
                       max_new_tokens=steps + 1, min_new_tokens=steps + 1,
                       do_sample=False, use_cache=True, pad_token_id=0,
                       logits_processor=transformers.LogitsProcessorList([Stamp()]))
    steps_s = np.diff(stamps)
    return float(np.median(steps_s)), float(np.min(steps_s)), stamps[0] - t0


def probe(threads):
    exe = OUT / "probe"
    llvm_lib = str(llvm_library_dir())
    subprocess.run([find_tool("clang"), "-O3", "-march=native",
                    "-fopenmp=libomp", str(ROOT / "bench" / "probe.c"), "-o", str(exe),
                    f"-L{llvm_lib}", f"-Wl,-rpath,{llvm_lib}"], check=True)
    text = subprocess.run([str(exe), str(threads)], check=True, capture_output=True,
                          text=True).stdout
    import re
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", text)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--intermediate", type=int, default=2816)
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--contexts", type=lambda s: [int(x) for x in s.split(",")],
                    default=[512, 4096])
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    set_num_threads(args.threads)
    limits = probe(args.threads)
    bandwidth = limits["read_gbs"] * 1e9
    capacity = max(args.contexts) + args.steps + 8
    rows = []
    for tied in (True, False):
        model = build(args, tied)
        weight_bytes = sum(p.numel() * 4 for p in model.parameters())
        # The embedding is gathered, not read whole, by a decode step.
        read_weights = weight_bytes - model.model.embed_tokens.weight.numel() * 4
        t0 = time.perf_counter()
        ir, weights = export(model)
        export_s = time.perf_counter() - t0
        for context in args.contexts:
            med, best, prefill, cache_bytes = time_qkvtie(
                ir, weights, context, args.steps, capacity, args.vocab)
            per_token = cache_bytes / capacity
            step_bytes = read_weights + per_token * (context + args.steps / 2)
            hf, hf_best, hf_prefill = time_transformers(model, context, args.steps,
                                                        args.vocab)
            row = dict(variant="K=V" if tied else "untied", context=context,
                       qkvtie_tok_s=1 / med, qkvtie_best_tok_s=1 / best,
                       qkvtie_prefill_s=prefill, transformers_tok_s=1 / hf,
                       transformers_best_tok_s=1 / hf_best,
                       transformers_prefill_s=hf_prefill,
                       speedup=hf / med, cache_bytes_per_token=per_token,
                       cache_bytes_at_context=per_token * context,
                       fraction_of_bandwidth=step_bytes / med / bandwidth,
                       export_s=export_s)
            print(json.dumps(row), flush=True)
            rows.append(row)
        del model
    header = (f"CPU: {cpu_name()} ({cpu_flags()}), {args.threads} threads; read "
              f"bandwidth {limits['read_gbs']:.1f} GB/s (probe.c, same run).\n"
              f"Model: Llama, {args.layers} layers, hidden {args.hidden}, "
              f"{args.heads}/{args.kv_heads} heads, d{args.hidden // args.heads}, "
              f"MLP {args.intermediate}, vocab {args.vocab}, f32, random weights "
              f"(passed as arguments). Decode: median of {args.steps} steps.\n")
    lines = [header, "| variant | context | QKVTie tok/s (best) | transformers tok/s (best) | "
             "ratio | cache B/token | cache at context | fraction of bandwidth |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['variant']} | {r['context']} | {r['qkvtie_tok_s']:.1f} "
            f"({r['qkvtie_best_tok_s']:.1f}) | {r['transformers_tok_s']:.1f} "
            f"({r['transformers_best_tok_s']:.1f}) | "
            f"{r['speedup']:.2f}x | {r['cache_bytes_per_token']:.0f} | "
            f"{r['cache_bytes_at_context'] / 2**20:.1f} MiB | "
            f"{r['fraction_of_bandwidth']:.2f} |")
    (OUT / "model.md").write_text("\n".join(lines) + "\n")
    with open(OUT / "model.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
