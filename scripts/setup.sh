#!/usr/bin/env bash
# Installs what QKVTie needs on Debian 12 (as root, or with sudo) and builds
# it into ./build. Safe to re-run: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build python3 python3-venv git clang-format
          clang-22 libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools
          libomp-22-dev libclang-rt-22-dev libgtest-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python packages go into a project-local virtual environment.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import numpy, pytest" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r python/requirements.txt
fi
# The qkvtie package itself, editable (the `qkvtie` command and `import qkvtie`).
if [ ! -x .venv/bin/qkvtie ]; then
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -e python
fi
# PyTorch and torch-mlir for qkvtie.from_torch and its tests (~3 GB).
if [ "${QKVTIE_WITH_TORCH:-0}" = 1 ] && ! .venv/bin/python -c "import torch_mlir, transformers" 2>/dev/null; then
  echo "setup: installing torch, torch-mlir and transformers into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -r python/requirements-torch.txt
fi

build=${BUILD_DIR:-build}
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -B "$build" -S . \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build"
