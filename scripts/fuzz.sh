#!/usr/bin/env bash
# Builds the libFuzzer harness (ASan + UBSan) into ./build-fuzz and fuzzes
# parse, verify, raise, fold, materialize and decompose for SECONDS (default
# 600), seeded with every lit test chunk and bundled example.
#   bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
build=build-fuzz
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -B "$build" -S . -DCMAKE_C_COMPILER=clang-22 \
    -DCMAKE_CXX_COMPILER=clang++-22 -DCMAKE_BUILD_TYPE=Release \
    -DQKVTIE_SANITIZE=address,undefined -DQKVTIE_FUZZ=ON >/dev/null
fi
cmake --build "$build" --target qkvtie-fuzz
work=${FUZZ_DIR:-$build/fuzz}
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"
python3 - "$work/seeds" <<'PY'
import pathlib, sys
out = pathlib.Path(sys.argv[1])
files = list(pathlib.Path("test").rglob("*.mlir")) + list(pathlib.Path("examples").glob("*.mlir"))
for p in files:
    for i, chunk in enumerate(p.read_text().split("// -----")):
        if len(chunk) < 20000:
            (out / f"{p.stem}-{i}.mlir").write_text(chunk)
PY
# Crashes inside upstream MLIR's parsers are recorded and skipped
# (-fork with -ignore_crashes) so that the run keeps looking for ours.
ASAN_OPTIONS=allow_user_poisoning=0:detect_leaks=0 \
  "$build/bin/qkvtie-fuzz" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
  -ignore_ooms=1 -dict=tools/qkvtie-fuzz/mlir.dict -max_len=20000 -timeout=20 \
  -rss_limit_mb=6000 -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$work/seeds"
