#!/usr/bin/env bash
# Sets up the peers (pinned, into bench/.venv), builds QKVTie, and runs the
# benchmark: bench/out/{table.md,results.jsonl,decode.png}.
#   bash bench/run.sh [--quick] [--threads N] [--no-iree]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
if [ ! -x bench/.venv/bin/python ] || ! bench/.venv/bin/python -c \
    "import torch, onnxruntime, iree.compiler, iree.runtime, matplotlib" 2>/dev/null; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q -r bench/requirements.txt
fi
exec bench/.venv/bin/python bench/bench.py "$@"
