#!/usr/bin/env bash
# Builds QKVTie with AddressSanitizer and UndefinedBehaviorSanitizer into
# ./build-asan and runs the lit and execution suites (ctest label `suite`)
# with it. libMLIR itself is not instrumented: ASan is told to ignore the
# poisoning that LLVM's allocators do in headers compiled into our code.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${ASAN_BUILD_DIR:-build-asan}
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -B "$build" -S . -DCMAKE_C_COMPILER=clang-22 \
    -DCMAKE_CXX_COMPILER=clang++-22 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DQKVTIE_SANITIZE=address,undefined >/dev/null
fi
cmake --build "$build"
export ASAN_OPTIONS=allow_user_poisoning=0:detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$build"
ctest -L suite --output-on-failure -j2
