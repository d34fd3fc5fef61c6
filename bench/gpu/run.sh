#!/usr/bin/env bash
# Runs the GPU benchmark (needs an NVIDIA GPU, its driver, and PyTorch with
# CUDA; no LLVM or MLIR): torch SDPA on each backend and QKVTie's library
# from bench/gpu/build.sh, beside the GPU's measured copy bandwidth and bf16
# matmul peak. Writes bench/gpu/out/{table.md,results.jsonl}.
#   bash bench/gpu/run.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 bench/gpu/bench_gpu.py run "$@"
