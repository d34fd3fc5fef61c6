"""QKVTie's GPU kernels beside torch scaled_dot_product_attention on each of
its backends, against the GPU's measured limits, in one run.

  build (CPU machine): compile the QKVTie functions with --target=cuda.
  run (GPU machine):   measure and write out/table.md and out/results.jsonl.

Decode: batch 1, one new token, cache length T (issue D's configs and
T = 32768), f16 and bf16, K=V (one buffer) and canonical (two). Prefill:
GQA 32/8 head_dim 128, causal, S = T = 2048 and 8192, bf16.

Limits measured in the same run: device-to-device copy bandwidth (bytes read
+ written per second of a 1 GiB copy) and the bf16 matmul peak (8192^3).
A decode row's rate is its cache bytes (one buffer for K=V) per second.

QKVTie times are of a whole call of the compiled function on host arrays:
they include copying the cache to the device and the result back, which the
present lowering does on every call (the cache is not yet device-resident).
"""
import json
import math
import pathlib
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = HERE / "out"
sys.path.insert(0, str(ROOT / "python"))

sys.path.insert(0, str(HERE.parent))
from bench import DECODE as CPU_DECODE  # noqa: E402

# name, Hq, Hkv, head_dim, T: the CPU benchmark's configs, and a longer cache.
DECODE = CPU_DECODE + [("GQA 32/8 d128", 32, 8, 128, 32768)]
PREFILL = [("GQA 32/8 d128", 32, 8, 128, 2048), ("GQA 32/8 d128", 32, 8, 128, 8192)]
DTYPES = ["f16", "bf16"]


def fn_name(kind, cfg, elt, buffers):
    name, hq, hkv, d, t = cfg
    return f"{kind}_{hq}_{hkv}_{d}_{t}_{elt}_{buffers}"


def build():
    from qkvtie import compile_file
    lines = []
    for cfg in DECODE:
        _, hq, hkv, d, t = cfg
        for elt in DTYPES:
            for buffers in (1, 2):
                cache = (f"!qkvtie.kv_cache<batch = 1, buffers = {buffers}, "
                         f"heads = {hkv}, capacity = {t}, head_dim = {d}, {elt}>")
                qt = f"tensor<1x{hq}x1x{d}xf32>"  # as bench/harness.c passes
                ties = "<q = 0, k = 1, v = 1>" if buffers == 1 else "<q = 0, k = 1, v = 2>"
                lines += [
                    f"func.func @{fn_name('decode', cfg, elt, buffers)}(%q: {qt}, "
                    f"%c: {cache}, %len: index) -> {qt} {{",
                    f"  %o = qkvtie.cache.attend ties {ties} heads({hq}, {hkv}) "
                    f"scale({1 / math.sqrt(d)!r}) mask(none) %q, %c length %len "
                    f": {qt}, {cache} -> {qt}",
                    f"  return %o : {qt}", "}"]
    for cfg in PREFILL:
        _, hq, hkv, d, t = cfg
        qt = f"tensor<1x{t}x{hq * d}xbf16>"
        kt = f"tensor<1x{t}x{hkv * d}xbf16>"
        lines += [
            f"func.func @{fn_name('prefill', cfg, 'bf16', 1)}(%q: {qt}, %kv: {kt}) -> {qt} {{",
            f"  %o = qkvtie.attention ties <q = identity, k = identity, v = identity> "
            f"heads({hq}, {hkv}) head_dim({d}) scale({1 / math.sqrt(d)!r}) mask(causal) "
            f"inputs(%q, %kv : {qt}, {kt}) slots() -> {qt}",
            f"  return %o : {qt}", "}"]
    OUT.mkdir(parents=True, exist_ok=True)
    src = OUT / "qkvtie_gpu_bench.mlir"
    src.write_text("\n".join(lines) + "\n")
    lib = compile_file(src, out_dir=OUT, target="cuda")
    from qkvtie import find_tool
    subprocess.run([find_tool("clang"), "-O2", "-std=c11",
                    str(HERE.parent / "harness.c"), "-o", str(OUT / "harness"),
                    "-ldl"], check=True)
    size = sum(f.stat().st_size for f in OUT.iterdir() if f.is_file())
    print(f"built {lib.path}; carry {OUT} ({size / 2**20:.1f} MiB)")


def timed_cuda(torch, call, reps):
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(3):
        call()
    for _ in range(reps):
        start.record()
        call()
        stop.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times), min(times)


def timed_host(call, reps):
    times = []
    for _ in range(2):
        call()
    for _ in range(reps):
        t0 = time.perf_counter()
        call()
        times.append(1e3 * (time.perf_counter() - t0))
    return statistics.median(times), min(times)


def run(quick):
    import numpy as np
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.nn.functional import scaled_dot_product_attention as sdpa
    from qkvtie.compiler import GPUError, Library, function_signatures

    if not torch.cuda.is_available():
        sys.exit("bench_gpu.py run: no GPU visible to PyTorch (torch "
                 f"{torch.__version__}); run it on a GPU machine")
    if not (OUT / "libqkvtie_gpu_bench.so").exists():
        sys.exit(f"bench_gpu.py run: {OUT} has no library: run "
                 "bench/gpu/build.sh on the build machine and carry bench/gpu/out")
    reps = 5 if quick else 30
    dev = torch.device("cuda")
    name = torch.cuda.get_device_name()
    # Limits.
    n = 1 << 28
    a, b = torch.empty(n, dtype=torch.float32, device=dev), torch.empty(n, dtype=torch.float32, device=dev)
    med, best = timed_cuda(torch, lambda: b.copy_(a), reps)
    copy_gbs = 2 * 4 * n / (best * 1e-3) / 1e9
    del a, b
    m = torch.randn(8192, 8192, dtype=torch.bfloat16, device=dev)
    med, best = timed_cuda(torch, lambda: m @ m, reps)
    mm_tflops = 2 * 8192 ** 3 / (best * 1e-3) / 1e12
    limits = {"gpu": name, "copy_gbs": round(copy_gbs, 1), "bf16_tflops": round(mm_tflops, 1)}
    print(json.dumps({"limits": limits}), flush=True)

    src = OUT / "qkvtie_gpu_bench.mlir"
    lib = Library(OUT / "libqkvtie_gpu_bench.so", function_signatures(src.read_text()))
    tdt = {"f16": torch.float16, "bf16": torch.bfloat16}
    results = []

    def record(**row):
        results.append(row)
        print(json.dumps(row), flush=True)

    backends = [("flash", SDPBackend.FLASH_ATTENTION), ("cuDNN", SDPBackend.CUDNN_ATTENTION),
                ("efficient", SDPBackend.EFFICIENT_ATTENTION)]
    for cfg in DECODE:
        cname, hq, hkv, d, t = cfg
        for elt in DTYPES:
            cache_bytes = hkv * t * d * 2
            q = torch.randn(1, hq, 1, d, dtype=tdt[elt], device=dev)
            k = torch.randn(1, hkv, t, d, dtype=tdt[elt], device=dev)
            v = torch.randn(1, hkv, t, d, dtype=tdt[elt], device=dev)
            for bname, backend in backends:
                for tied in (False, True):
                    vv = k if tied else v
                    try:
                        with sdpa_kernel(backend):
                            med, best = timed_cuda(torch, lambda: sdpa(q, k, vv, enable_gqa=True), reps)
                    except RuntimeError as e:
                        print(f"# torch {bname} skipped on {cname} T={t} {elt}: {str(e)[:80]}")
                        continue
                    nbytes = cache_bytes * (1 if tied else 2)
                    record(kind="decode", config=cname, T=t, dtype=elt,
                           system=f"torch SDPA {bname}" + (", K=V one tensor" if tied else ""),
                           median_ms=round(med, 4), min_ms=round(best, 4),
                           gbs=round(nbytes / (best * 1e-3) / 1e9, 1),
                           of_copy_bw=round(nbytes / (best * 1e-3) / 1e9 / copy_gbs, 3))
            for buffers in (1, 2):
                proc = subprocess.run(
                    [str(OUT / "harness"), str(OUT / "libqkvtie_gpu_bench.so"),
                     fn_name("decode", cfg, elt, buffers), str(hq), str(hkv), "1",
                     str(d), str(t), str(buffers), "2", "1", str(max(3, reps // 3))],
                    capture_output=True, text=True)
                if proc.returncode != 0:
                    print(f"# QKVTie failed: {proc.stderr.strip()}")
                    continue
                med, best = (float(x) for x in proc.stdout.split())
                nbytes = cache_bytes * buffers
                record(kind="decode", config=cname, T=t, dtype=elt,
                       system=f"QKVTie {'K=V (1 buffer)' if buffers == 1 else 'canonical (2 buffers)'}",
                       median_ms=round(med, 4), min_ms=round(best, 4),
                       gbs=round(nbytes / (best * 1e-3) / 1e9, 1),
                       of_copy_bw=round(nbytes / (best * 1e-3) / 1e9 / copy_gbs, 3))
    for cfg in PREFILL:
        cname, hq, hkv, d, t = cfg
        flops = 4 * hq * t * t * d / 2  # causal: half the scores
        q = torch.randn(1, hq, t, d, dtype=torch.bfloat16, device=dev)
        k = torch.randn(1, hkv, t, d, dtype=torch.bfloat16, device=dev)
        for bname, backend in backends:
            try:
                with sdpa_kernel(backend):
                    med, best = timed_cuda(torch, lambda: sdpa(q, k, k, is_causal=True, enable_gqa=True), reps)
            except RuntimeError as e:
                print(f"# torch {bname} skipped on prefill {cname} S=T={t}: {str(e)[:80]}")
                continue
            record(kind="prefill", config=cname, T=t, dtype="bf16", system=f"torch SDPA {bname}",
                   median_ms=round(med, 4), min_ms=round(best, 4),
                   tflops=round(flops / (best * 1e-3) / 1e12, 1),
                   of_peak=round(flops / (best * 1e-3) / 1e12 / mm_tflops, 3))
        fn = lib[fn_name("prefill", cfg, "bf16", 1)]
        qn = np.zeros((1, t, hq * d), np.uint16)
        kn = np.zeros((1, t, hkv * d), np.uint16)
        try:
            med, best = timed_host(lambda: fn(qn, kn), 3)
        except GPUError as e:
            print(f"# QKVTie failed: {e}")
            continue
        record(kind="prefill", config=cname, T=t, dtype="bf16", system="QKVTie K=V",
               median_ms=round(med, 4), min_ms=round(best, 4),
               tflops=round(flops / (best * 1e-3) / 1e12, 1),
               of_peak=round(flops / (best * 1e-3) / 1e12 / mm_tflops, 3))

    with open(OUT / "results.jsonl", "w") as f:
        f.write(json.dumps({"limits": limits}) + "\n")
        for r in results:
            f.write(json.dumps(r) + "\n")
    rows = [f"GPU: {name}; copy bandwidth {copy_gbs:.0f} GB/s; bf16 matmul {mm_tflops:.0f} TFLOP/s.",
            "", "| kind | config | T | dtype | system | median ms | min ms | rate | of limit |",
            "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        rate = f"{r['gbs']} GB/s" if "gbs" in r else f"{r['tflops']} TFLOP/s"
        frac = r.get("of_copy_bw", r.get("of_peak"))
        rows.append(f"| {r['kind']} | {r['config']} | {r['T']} | {r['dtype']} | {r['system']} | "
                    f"{r['median_ms']} | {r['min_ms']} | {rate} | {frac} |")
    (OUT / "table.md").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("build", "run"):
        sys.exit("usage: bench_gpu.py build | run [--quick]")
    if sys.argv[1] == "build":
        build()
    else:
        run("--quick" in sys.argv)
