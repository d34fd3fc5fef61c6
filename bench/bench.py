#!/usr/bin/env python3
"""QKVTie attention side by side with PyTorch, ONNX Runtime and IREE on this
CPU, against the machine's limits measured in the same run.

    bench/.venv/bin/python bench/bench.py [--quick] [--threads 2]

Writes bench/out/results.jsonl (one line per measurement), table.md and
decode.png. Decode is bound by memory bandwidth: each row reports the bytes
of cache the system must read (one buffer with K=V, two otherwise) per
second, as a fraction of the measured read bandwidth. Prefill reports
GFLOP/s (4·S·T·Hq·d, halved by a causal mask) as a fraction of the measured
f32 FMA peak. "cold" rotates over enough caches (at least 256 MiB and twice
the last-level cache) that every call streams from DRAM, as in a model with
many layers; "hot" calls on one cache.
"""
import argparse
import json
import math
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUT = BENCH / "out"
BUILD = pathlib.Path(os.environ.get("QKVTIE_BUILD", ROOT / "build"))
# Where the build found LLVM (written by CMake, see cmake/QKVTieInstall.cmake).
_CONFIG = json.loads((BUILD / "share" / "qkvtie" / "config.json").read_text())
CLANG = str(pathlib.Path(_CONFIG["llvm_tools_dir"]) / "clang")
LLVM_LIB = _CONFIG["llvm_library_dir"]

DECODE = [  # name, Hq, Hkv, head_dim, T
    ("GQA 32/8 d128", 32, 8, 128, 512), ("GQA 32/8 d128", 32, 8, 128, 2048),
    ("GQA 32/8 d128", 32, 8, 128, 8192), ("GQA 32/8 d128", 32, 8, 128, 32768),
    ("MHA 16/16 d64", 16, 16, 64, 2048), ("MHA 16/16 d64", 16, 16, 64, 8192),
    ("MHA 16/16 d64", 16, 16, 64, 32768), ("MQA 16/1 d128", 16, 1, 128, 2048),
    ("MQA 16/1 d128", 16, 1, 128, 8192), ("MQA 16/1 d128", 16, 1, 128, 32768)]
PREFILL = [  # name, Hq, Hkv, head_dim, S = T, causal, dtype
    ("GQA 32/8 d128", 32, 8, 128, 512, True, "f32"),
    ("GQA 32/8 d128", 32, 8, 128, 2048, True, "f32"),
    ("GQA 32/8 d128", 32, 8, 128, 2048, True, "bf16"),
    ("MHA 16/16 d64", 16, 16, 64, 1024, False, "f32"),
    ("MHA 16/16 d64", 16, 16, 64, 1024, False, "bf16")]
ISA_FLAGS = ("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
             "avx512_bf16", "avx512_fp16", "avx512_vnni", "amx_bf16", "amx_tile")


def cpu_description():
    """The CPU's model name and the vector ISA flags the kernels may use."""
    model, flags = "unknown CPU", set()
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model == "unknown CPU":
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    have = [f for f in ISA_FLAGS if f in flags]
    return f"{model}; {os.cpu_count()} CPUs; ISA: {' '.join(have) or 'none of ' + ', '.join(ISA_FLAGS)}"


def last_level_cache():
    best = 0
    for p in pathlib.Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size"):
        m = re.fullmatch(r"(\d+)([KMG]?)", p.read_text().strip())
        if m:
            best = max(best, int(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20,
                                                "G": 1 << 30}[m.group(2)])
    return best


ROTATE = max(256 << 20, 2 * last_level_cache())


def timed(call, reps, rotate=1):
    for i in range(min(3, reps)):
        call(i % rotate)
    times = []
    for i in range(reps):
        t0 = time.perf_counter()
        call(i % rotate)
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times), 1e3 * min(times)


# --- machine limits ---------------------------------------------------------

def probe(threads):
    exe = OUT / "probe"
    subprocess.run([CLANG, "-O3", "-march=native", "-fopenmp=libomp",
                    str(BENCH / "probe.c"), "-o", str(exe), f"-L{LLVM_LIB}",
                    f"-Wl,-rpath,{LLVM_LIB}"], check=True)
    text = subprocess.run([str(exe), str(threads)], check=True, capture_output=True,
                          text=True).stdout
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", text)}


# --- QKVTie -----------------------------------------------------------------

def qkvtie_library(cases):
    """One library with a cache.attend function per (case, buffers)."""
    lines = []
    for name, hq, hkv, d, t, n, causal, elt, qelt, buffers in cases:
        cache = (f"!qkvtie.kv_cache<batch = 1, buffers = {buffers}, heads = {hkv}, "
                 f"capacity = {t}, head_dim = {d}, {elt}>")
        qt = f"tensor<1x{hq}x{n}x{d}x{qelt}>"
        ties = "<q = 0, k = 1, v = 1>" if buffers == 1 else "<q = 0, k = 1, v = 2>"
        lines += [
            f"func.func @{name}(%q: {qt}, %c: {cache}, %len: index) -> {qt} {{",
            f"  %o = qkvtie.cache.attend ties {ties} heads({hq}, {hkv}) "
            f"scale({1 / math.sqrt(d)!r}) mask({'causal' if causal else 'none'}) "
            f"%q, %c length %len : {qt}, {cache} -> {qt}",
            f"  return %o : {qt}", "}"]
    src = OUT / "qkvtie_bench.mlir"
    src.write_text("\n".join(lines) + "\n")
    lib = OUT / "libqkvtie_bench.so"
    subprocess.run([str(BUILD / "bin" / "qkvtie-compile"), str(src), "--no-raise",
                    "-o", str(lib)], check=True)
    harness = OUT / "harness"
    subprocess.run([CLANG, "-O2", "-std=c11", str(BENCH / "harness.c"), "-o",
                    str(harness), "-ldl"], check=True)
    return lib, harness


def qkvtie_time(lib, harness, fn, hq, hkv, n, d, t, buffers, elt, qelt, caches,
                reps, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([str(harness), str(lib), fn, str(hq), str(hkv), str(n),
                          str(d), str(t), str(buffers), elt, qelt,
                          str(caches), str(reps)],
                         check=True, capture_output=True, text=True, env=env).stdout
    med, best = (float(x) for x in out.split())
    return med, best


def qkvtie_rows(repeat, fns, time_one):
    """Times each function `repeat` times, alternating between them so that
    drift in the machine hits all alike; per function the median of the runs'
    medians and the least minimum."""
    runs = {f: [] for f in fns}
    for _ in range(repeat):
        for f in fns:
            runs[f].append(time_one(f))
    return {f: (statistics.median(m for m, _ in r), min(b for _, b in r))
            for f, r in runs.items()}


# --- peers ------------------------------------------------------------------

def torch_peers(threads):
    import torch
    torch.set_num_threads(threads)
    F = torch.nn.functional

    def sdpa(q, k, v, causal):
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal,
                                              enable_gqa=q.shape[1] != k.shape[1])

    def graph(q, k, v, causal):
        b, hq, s, d = q.shape
        hkv, t = k.shape[1], k.shape[2]
        qg = q.reshape(b, hkv, (hq // hkv) * s, d)
        scores = (qg @ k.transpose(-1, -2)) * (1 / math.sqrt(d))
        if causal and s > 1:
            rows = torch.arange(s).repeat(hq // hkv)[:, None] + (t - s)
            scores = scores.masked_fill(torch.arange(t)[None, :] > rows, float("-inf"))
        return (scores.softmax(-1) @ v).reshape(b, hq, s, d)

    return torch, {"torch SDPA": (sdpa, False), "torch SDPA, K=V one tensor": (sdpa, True),
                   "torch matmul/softmax": (graph, False)}


def ort_sessions(threads):
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    def options():
        o = ort.SessionOptions()
        o.intra_op_num_threads = threads
        o.inter_op_num_threads = 1
        return o

    def gqa(hq, hkv, d, t, elt):
        ty = TensorProto.FLOAT if elt == "f32" else TensorProto.FLOAT16
        node = helper.make_node(
            "GroupQueryAttention",
            ["query", "key", "value", "past_key", "past_value", "seqlens_k",
             "total_sequence_length"], ["output", "present_key", "present_value"],
            domain="com.microsoft", num_heads=hq, kv_num_heads=hkv,
            scale=1 / math.sqrt(d))
        graph = helper.make_graph(
            [node], "gqa",
            [helper.make_tensor_value_info("query", ty, [1, 1, hq * d]),
             helper.make_tensor_value_info("key", ty, [1, 1, hkv * d]),
             helper.make_tensor_value_info("value", ty, [1, 1, hkv * d]),
             helper.make_tensor_value_info("past_key", ty, [1, hkv, t, d]),
             helper.make_tensor_value_info("past_value", ty, [1, hkv, t, d]),
             helper.make_tensor_value_info("seqlens_k", TensorProto.INT32, [1]),
             helper.make_tensor_value_info("total_sequence_length",
                                           TensorProto.INT32, [])],
            [helper.make_tensor_value_info("output", ty, [1, 1, hq * d]),
             helper.make_tensor_value_info("present_key", ty, [1, hkv, t, d]),
             helper.make_tensor_value_info("present_value", ty, [1, hkv, t, d])])
        model = helper.make_model(graph, opset_imports=[
            helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
        return ort.InferenceSession(model.SerializeToString(), options(),
                                    providers=["CPUExecutionProvider"])

    def matmul(hq, hkv, d, s, t, elt, causal):
        ty = TensorProto.FLOAT if elt == "f32" else TensorProto.FLOAT16
        g = hq // hkv
        nodes = [helper.make_node("Transpose", ["k"], ["kt"], perm=[0, 2, 1]),
                 helper.make_node("MatMul", ["q", "kt"], ["s"]),
                 helper.make_node("Mul", ["s", "scale"], ["ss"])]
        inits = [helper.make_tensor("scale", ty, [], [1 / math.sqrt(d)])]
        last = "ss"
        if causal and s > 1:
            rows = np.tile(np.arange(s), g)[:, None] + (t - s)
            bias = np.where(np.arange(t)[None, :] > rows, -np.inf, 0).astype(
                np.float32 if elt == "f32" else np.float16)
            inits.append(onnx.numpy_helper.from_array(bias, "bias"))
            nodes.append(helper.make_node("Add", ["ss", "bias"], ["sb"]))
            last = "sb"
        nodes += [helper.make_node("Softmax", [last], ["p"], axis=-1),
                  helper.make_node("MatMul", ["p", "v"], ["o"])]
        graph = helper.make_graph(
            nodes, "attn",
            [helper.make_tensor_value_info("q", ty, [hkv, g * s, d]),
             helper.make_tensor_value_info("k", ty, [hkv, t, d]),
             helper.make_tensor_value_info("v", ty, [hkv, t, d])],
            [helper.make_tensor_value_info("o", ty, [hkv, g * s, d])], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        return ort.InferenceSession(model.SerializeToString(), options(),
                                    providers=["CPUExecutionProvider"])

    return ort, gqa, matmul


def iree_module(hkv, rows, d, t, s, elt, causal):
    """Compiled attention (q [Hkv, rows, d] grouped by KV head) for the host
    CPU, and a function to call on device arrays."""
    import iree.compiler as ic
    import iree.runtime as rt
    e = elt
    maps = {
        "qk": ("affine_map<(h, i, j, e) -> (h, i, e)>",
               "affine_map<(h, i, j, e) -> (h, j, e)>",
               "affine_map<(h, i, j, e) -> (h, i, j)>"),
        "pv": ("affine_map<(h, i, e, j) -> (h, i, j)>",
               "affine_map<(h, i, e, j) -> (h, j, e)>",
               "affine_map<(h, i, e, j) -> (h, i, e)>")}
    ext = (lambda v, n: f"%{n} = arith.extf {v} : {e} to f32" if e != "f32" else
           f"%{n} = arith.addf {v}, %zero : f32")
    mask = ""
    if causal and s > 1:
        mask = f"""
  %sm = linalg.generic {{indexing_maps = [affine_map<(h, i, j) -> (h, i, j)>,
      affine_map<(h, i, j) -> (h, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]}}
      ins(%sc : tensor<{hkv}x{rows}x{t}xf32>) outs(%es : tensor<{hkv}x{rows}x{t}xf32>) {{
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %r = arith.remui %i, %cs : index
    %lim = arith.addi %r, %cd : index
    %ok = arith.cmpi ule, %j, %lim : index
    %y = arith.select %ok, %x, %ninf : f32
    linalg.yield %y : f32
  }} -> tensor<{hkv}x{rows}x{t}xf32>"""
    text = f"""
func.func @attn(%q: tensor<{hkv}x{rows}x{d}x{e}>, %k: tensor<{hkv}x{t}x{d}x{e}>,
                %v: tensor<{hkv}x{t}x{d}x{e}>) -> tensor<{hkv}x{rows}x{d}xf32> {{
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant {1 / math.sqrt(d)!r} : f32
  %cs = arith.constant {s} : index
  %cd = arith.constant {t - s} : index
  %es = tensor.empty() : tensor<{hkv}x{rows}x{t}xf32>
  %zs = linalg.fill ins(%zero : f32) outs(%es : tensor<{hkv}x{rows}x{t}xf32>) -> tensor<{hkv}x{rows}x{t}xf32>
  %s = linalg.generic {{indexing_maps = [{", ".join(maps["qk"])}],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}}
      ins(%q, %k : tensor<{hkv}x{rows}x{d}x{e}>, tensor<{hkv}x{t}x{d}x{e}>)
      outs(%zs : tensor<{hkv}x{rows}x{t}xf32>) {{
  ^bb0(%a: {e}, %b: {e}, %c: f32):
    {ext("%a", "a32")}
    {ext("%b", "b32")}
    %m = arith.mulf %a32, %b32 : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  }} -> tensor<{hkv}x{rows}x{t}xf32>
  %sc = linalg.generic {{indexing_maps = [affine_map<(h, i, j) -> (h, i, j)>,
      affine_map<(h, i, j) -> (h, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]}}
      ins(%s : tensor<{hkv}x{rows}x{t}xf32>) outs(%es : tensor<{hkv}x{rows}x{t}xf32>) {{
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %scale : f32
    linalg.yield %y : f32
  }} -> tensor<{hkv}x{rows}x{t}xf32>{mask}
  %p = linalg.softmax dimension(2) ins({"%sm" if mask else "%sc"} : tensor<{hkv}x{rows}x{t}xf32>)
      outs(%es : tensor<{hkv}x{rows}x{t}xf32>) -> tensor<{hkv}x{rows}x{t}xf32>
  %eo = tensor.empty() : tensor<{hkv}x{rows}x{d}xf32>
  %zo = linalg.fill ins(%zero : f32) outs(%eo : tensor<{hkv}x{rows}x{d}xf32>) -> tensor<{hkv}x{rows}x{d}xf32>
  %out = linalg.generic {{indexing_maps = [{", ".join(maps["pv"])}],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}}
      ins(%p, %v : tensor<{hkv}x{rows}x{t}xf32>, tensor<{hkv}x{t}x{d}x{e}>)
      outs(%zo : tensor<{hkv}x{rows}x{d}xf32>) {{
  ^bb0(%a: f32, %b: {e}, %c: f32):
    {ext("%b", "b32")}
    %m = arith.mulf %a, %b32 : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  }} -> tensor<{hkv}x{rows}x{d}xf32>
  return %out : tensor<{hkv}x{rows}x{d}xf32>
}}
"""
    vmfb = ic.compile_str(text, target_backends=["llvm-cpu"],
                          extra_args=["--iree-llvmcpu-target-cpu=host"])
    config = rt.Config("local-task")
    ctx = rt.SystemContext(config=config)
    ctx.add_vm_module(rt.VmModule.copy_buffer(ctx.instance, vmfb))
    fn = ctx.modules.module["attn"]
    return lambda arrays: [rt.asdevicearray(config.device, a) for a in arrays], fn


# --- rows -------------------------------------------------------------------

def np_type(elt):
    return np.float32 if elt == "f32" else np.float16


def measure(args, limits):
    rng = np.random.default_rng(0)
    results = []
    threads = args.threads
    decode = DECODE[:2] if args.quick else DECODE
    prefill = PREFILL[:1] if args.quick else PREFILL
    dtypes = ["f32"] if args.quick else ["f32", "f16"]
    cases = []
    for name, hq, hkv, d, t in decode:
        for elt in dtypes:
            for buffers in (1, 2):
                cases.append((f"decode_{hq}_{hkv}_{d}_{t}_{elt}_{buffers}", hq, hkv, d,
                              t, 1, True, elt, "f32", buffers))
    for name, hq, hkv, d, s, causal, elt in prefill:
        for buffers in (1, 2):
            cases.append((f"prefill_{hq}_{hkv}_{d}_{s}_{elt}_{buffers}", hq, hkv, d, s, s,
                          causal, elt, elt, buffers))
    lib, harness = qkvtie_library(cases)
    torch, torch_fns = torch_peers(threads)
    ort, ort_gqa, ort_matmul = ort_sessions(threads)

    def row(kind, config, t, elt, mode, system, ms, work, unit, ties):
        med, best = ms
        rate = work / (med * 1e-3) / 1e9
        limit = limits["read_gbs"] if unit == "GB/s" else limits["fma_gflops"]
        r = dict(kind=kind, config=config, T=t, dtype=elt, mode=mode, system=system,
                 ties=ties, median_ms=round(med, 4), min_ms=round(best, 4),
                 rate=round(rate, 2), unit=unit, fraction_of_limit=round(rate / limit, 3))
        results.append(r)
        print(json.dumps(r), flush=True)

    for name, hq, hkv, d, t in decode:
        g = hq // hkv
        for elt in dtypes:
            et = np_type(elt)
            one = hkv * t * d * np.dtype(et).itemsize
            for mode in ("cold", "hot"):
                rot = max(1, math.ceil(ROTATE / (2 * one))) if mode == "cold" else 1
                reps = max(20, min(200, rot)) if mode == "cold" else 50
                timings = qkvtie_rows(args.repeat, (1, 2), lambda buffers: qkvtie_time(
                    lib, harness, f"decode_{hq}_{hkv}_{d}_{t}_{elt}_{buffers}", hq, hkv,
                    1, d, t, buffers, elt, "f32",
                    rot * (2 if buffers == 1 else 1) if mode == "cold" else 1, reps,
                    threads))
                for buffers, ms in timings.items():
                    row("decode", name, t, elt, mode,
                        f"QKVTie {'K=V (1 buffer)' if buffers == 1 else 'canonical (2 buffers)'}",
                        ms, buffers * one, "GB/s", buffers == 1)
                q = torch.from_numpy(rng.standard_normal((1, hq, 1, d)).astype(et))
                kv = [(torch.from_numpy(rng.standard_normal((1, hkv, t, d)).astype(et)),
                       torch.from_numpy(rng.standard_normal((1, hkv, t, d)).astype(et)))
                      for _ in range(rot)]
                for system, (f, tied) in torch_fns.items():
                    try:
                        with torch.inference_mode():
                            ms = timed(lambda i: f(q, kv[i][0], kv[i][0] if tied else kv[i][1],
                                                   False), reps, rot)
                        row("decode", name, t, elt, mode, system, ms,
                            (1 if tied else 2) * one, "GB/s", tied)
                    except Exception as e:  # noqa: BLE001 - reported as a row
                        print(f"# {system} {name} T={t} {elt}: {e}", file=sys.stderr)
                # ONNX Runtime GroupQueryAttention, past and present in one
                # buffer (the decode step writes the new row in place).
                try:
                    sess = ort_gqa(hq, hkv, d, t, elt)
                    qo = rng.standard_normal((1, 1, hq * d)).astype(et)
                    ko = rng.standard_normal((1, 1, hkv * d)).astype(et)
                    for tied in (False, True):
                        bindings = []
                        for i in range(rot):
                            pk = ort.OrtValue.ortvalue_from_numpy(kv[i][0].numpy())
                            pv = pk if tied else ort.OrtValue.ortvalue_from_numpy(kv[i][1].numpy())
                            io = sess.io_binding()
                            io.bind_cpu_input("query", qo)
                            io.bind_cpu_input("key", ko)
                            io.bind_cpu_input("value", ko)
                            io.bind_ortvalue_input("past_key", pk)
                            io.bind_ortvalue_input("past_value", pv)
                            io.bind_cpu_input("seqlens_k", np.array([t - 1], np.int32))
                            io.bind_cpu_input("total_sequence_length", np.array(t, np.int32))
                            io.bind_output("output")
                            io.bind_ortvalue_output("present_key", pk)
                            io.bind_ortvalue_output("present_value", pv)
                            bindings.append(io)
                        ms = timed(lambda i: sess.run_with_iobinding(bindings[i]), reps, rot)
                        row("decode", name, t, elt, mode,
                            "ONNX Runtime GQA" + (", K=V one buffer" if tied else ""),
                            ms, (1 if tied else 2) * one, "GB/s", tied)
                except Exception as e:  # noqa: BLE001
                    print(f"# ORT GQA {name} T={t} {elt}: {e}", file=sys.stderr)
                try:
                    sess = ort_matmul(hq, hkv, d, 1, t, elt, False)
                    qm = rng.standard_normal((hkv, g, d)).astype(et)
                    feeds = [dict(q=qm, k=kv[i][0].numpy()[0], v=kv[i][1].numpy()[0])
                             for i in range(rot)]
                    ms = timed(lambda i: sess.run(None, feeds[i]), reps, rot)
                    row("decode", name, t, elt, mode, "ONNX Runtime MatMul graph", ms,
                        2 * one, "GB/s", False)
                except Exception as e:  # noqa: BLE001
                    print(f"# ORT MatMul {name} T={t} {elt}: {e}", file=sys.stderr)
                if not args.no_iree:
                    try:
                        upload, fn = iree_module(hkv, g, d, t, 1, elt, False)
                        qi = rng.standard_normal((hkv, g, d)).astype(et)
                        dev = [upload([qi, kv[i][0].numpy()[0], kv[i][1].numpy()[0]])
                               for i in range(rot)]
                        ms = timed(lambda i: fn(*dev[i]), reps, rot)
                        row("decode", name, t, elt, mode, "IREE llvm-cpu", ms, 2 * one,
                            "GB/s", False)
                    except Exception as e:  # noqa: BLE001
                        print(f"# IREE {name} T={t} {elt}: {e}", file=sys.stderr)
                del kv

    for name, hq, hkv, d, s, causal, elt in prefill:
        g = hq // hkv
        flops = 4 * hq * d * (s * (s + 1) / 2 if causal else s * s)
        reps = 5 if s >= 2048 else 10
        timings = qkvtie_rows(args.repeat, (1, 2), lambda buffers: qkvtie_time(
            lib, harness, f"prefill_{hq}_{hkv}_{d}_{s}_{elt}_{buffers}", hq, hkv, s, d,
            s, buffers, elt, elt, 1, reps, threads))
        for buffers, ms in timings.items():
            row("prefill", name, s, elt, "hot",
                f"QKVTie {'K=V (1 buffer)' if buffers == 1 else 'canonical (2 buffers)'}",
                ms, flops, "GFLOP/s", buffers == 1)
        tt = torch.float32 if elt == "f32" else torch.bfloat16
        q = torch.from_numpy(rng.standard_normal((1, hq, s, d)).astype(np.float32)).to(tt)
        k = torch.from_numpy(rng.standard_normal((1, hkv, s, d)).astype(np.float32)).to(tt)
        v = torch.from_numpy(rng.standard_normal((1, hkv, s, d)).astype(np.float32)).to(tt)
        for system, (f, tied) in torch_fns.items():
            with torch.inference_mode():
                ms = timed(lambda i: f(q, k, k if tied else v, causal), reps)
            row("prefill", name, s, elt, "hot", system, ms, flops, "GFLOP/s", tied)
        if elt != "f32":
            # ONNX Runtime's CPU MatMul and the IREE module here take f32 and f16.
            continue
        try:
            sess = ort_matmul(hq, hkv, d, s, s, "f32", causal)
            qm = q.numpy()[0].reshape(hkv, g * s, d)
            feeds = dict(q=qm, k=k.numpy()[0], v=v.numpy()[0])
            ms = timed(lambda i: sess.run(None, feeds), reps)
            row("prefill", name, s, "f32", "hot", "ONNX Runtime MatMul graph", ms, flops,
                "GFLOP/s", False)
        except Exception as e:  # noqa: BLE001
            print(f"# ORT MatMul prefill {name}: {e}", file=sys.stderr)
        if not args.no_iree:
            try:
                upload, fn = iree_module(hkv, g * s, d, s, s, "f32", causal)
                dev = upload([q.numpy()[0].reshape(hkv, g * s, d), k.numpy()[0],
                              v.numpy()[0]])
                ms = timed(lambda i: fn(*dev), reps)
                row("prefill", name, s, "f32", "hot", "IREE llvm-cpu", ms, flops,
                    "GFLOP/s", False)
            except Exception as e:  # noqa: BLE001
                print(f"# IREE prefill {name}: {e}", file=sys.stderr)
    return results


def table(results, limits, threads):
    lines = [f"CPU: {cpu_description()}.", "",
             f"Machine: read bandwidth {limits['read_gbs']:.1f} GB/s, f32 FMA peak "
             f"{limits['fma_gflops']:.0f} GFLOP/s at {int(limits['lanes'])} lanes "
             f"({threads} threads; 1 thread: "
             f"{limits['read_gbs_1']:.1f} GB/s, {limits['fma_gflops_1']:.0f} GFLOP/s). "
             f"Cold rotation: {ROTATE >> 20} MiB.", "",
             "| kind | config | T | dtype | mode | system | median ms | min ms | rate | "
             "of limit | vs best peer |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    key = lambda r: (r["kind"], r["config"], r["T"], r["dtype"], r["mode"])
    groups = {}
    for r in results:
        groups.setdefault(key(r), []).append(r)
    for k, rows in groups.items():
        peers = [r["median_ms"] for r in rows if not r["system"].startswith("QKVTie")]
        best = min(peers) if peers else None
        for r in rows:
            ratio = f"{best / r['median_ms']:.2f}x" if best and r["system"].startswith(
                "QKVTie") else ""
            lines.append(f"| {r['kind']} | {r['config']} | {r['T']} | {r['dtype']} | "
                         f"{r['mode']} | {r['system']} | {r['median_ms']:.3f} | "
                         f"{r['min_ms']:.3f} | {r['rate']:.1f} {r['unit']} | "
                         f"{r['fraction_of_limit']:.2f} | {ratio} |")
    return "\n".join(lines) + "\n"


def plot(results):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = [r for r in results if r["kind"] == "decode" and r["mode"] == "cold"
            and r["dtype"] == "f32" and r["config"].startswith("GQA")]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for system in sorted({r["system"] for r in rows}):
        pts = sorted((r["T"], r["median_ms"]) for r in rows if r["system"] == system)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=system)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("cache length T (tokens)")
    ax.set_ylabel("decode step, median ms")
    ax.set_title("Decode, GQA 32/8 d128, f32, cold, this CPU")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(OUT / "decode.png", dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true",
                        help="two decode configs, f32, one prefill")
    parser.add_argument("--no-iree", action="store_true")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each QKVTie row (median of their medians)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    limits = probe(args.threads)
    one = probe(1)
    limits.update(read_gbs_1=one["read_gbs"], fma_gflops_1=one["fma_gflops"])
    print(json.dumps(dict(limits=limits)), flush=True)
    results = measure(args, limits)
    with open(OUT / "results.jsonl", "w") as f:
        f.write(json.dumps(dict(limits=limits, threads=args.threads, rotate_bytes=ROTATE,
                                cpu=cpu_description())) + "\n")
        for r in results:
            f.write(json.dumps(r) + "\n")
    (OUT / "table.md").write_text(table(results, limits, args.threads))
    plot(results)
    print((OUT / "table.md").read_text())


if __name__ == "__main__":
    main()
