#!/usr/bin/env bash
# Refreshes docs/reference/ from the TableGen-generated docs of a build.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake --build "$build" --target mlir-doc
mkdir -p docs/reference
cp "$build/docs/Dialects/QKVTieDialect.md" "$build/docs/Passes/QKVTiePasses.md" \
   "$build/docs/Passes/QKVTieConversionPasses.md" docs/reference/
