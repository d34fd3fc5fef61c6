#!/usr/bin/env bash
# Fails if any tracked C++ file is not clang-formatted (LLVM style).
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=${1:-clang-format}
files=$(git ls-files '*.cpp' '*.h' 2>/dev/null || find include lib tools unittests -name '*.cpp' -o -name '*.h')
"$fmt" --dry-run -Werror $files
echo "$(echo "$files" | wc -w) files clang-format clean"
