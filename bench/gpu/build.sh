#!/usr/bin/env bash
# Builds, on this (CPU-only) machine, what bench/gpu/run.sh runs on a GPU
# machine: QKVTie's decode and prefill functions as a --target=cuda library
# (sm_90a cubins; with its runtime and libomp beside it) in bench/gpu/out.
#   bash bench/gpu/build.sh
# Then carry bench/gpu/out to the GPU machine and run bench/gpu/run.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup.sh >/dev/null
exec .venv/bin/python bench/gpu/bench_gpu.py build "$@"
