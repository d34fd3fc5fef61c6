#!/usr/bin/env bash
# Sets up, builds and runs every test; ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests cover the PyTorch frontend too.
QKVTIE_WITH_TORCH=1 bash scripts/setup.sh
# The lit and execution suites again under ASan + UBSan (build-asan/).
bash scripts/test-sanitizers.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j2
