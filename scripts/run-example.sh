#!/usr/bin/env bash
# Sets up and builds, then runs the pipeline on a bundled model exported by
# torch-mlir: raise attention, prove and fold tied projections, report the
# ties and KV-cache bytes per token, compile to a shared library, run it and
# compare with PyTorch's output.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
model=${1:-examples/models/mha-kv-tied.mlir}
build=${BUILD_DIR:-build}
opt=$build/bin/qkvtie-opt
report=$(mktemp)
trap 'rm -f "$report"' EXIT

passes=(--qkvtie-raise-attention --qkvtie-fold-ties)
echo "== $model: attention raised to qkvtie.attention, ties folded"
"$opt" "$model" "${passes[@]}" --qkvtie-report=output="$report" |
  grep -E "qkvtie\.(attention|cache)" | sed 's/^ *//' | cut -c1-400
echo
echo "== report"
python3 - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for a in r["attentions"]:
    line = (f'{a["op"]} @{a["function"]} ({a["location"]}): {a["variant"]}, '
            f'{a["num_heads"]} query heads / {a["num_kv_heads"]} KV heads, '
            f'{a["kv_cache_buffers"]} cache buffer(s), '
            f'{a["kv_cache_bytes_per_token"]} B/token')
    if "before" in a:
        before = a["before"]["kv_cache_bytes_per_token"]
        line += (f' (before folding: {before} B/token, '
                 f'{100 * (1 - a["kv_cache_bytes_per_token"] / before):.0f}% saved)')
    print(line)
    for p in a.get("proofs", []):
        print(f'  tie {p["roles"]}: proven by {p["kind"]}')
    for m in a.get("near_misses", []):
        print(f'  near miss {m["roles"]}: {m["tensor"]} differs at {m["index"]}: '
              f'{m["values"][0]!r} vs {m["values"][1]!r}')
PY
echo
echo "== compiled and run against PyTorch's output"
stem=${model%.mlir}
QKVTIE_BUILD=$build PYTHONPATH=python .venv/bin/python -m qkvtie.run "$model" \
  --inputs "$stem.inputs.npz" --expected "$stem.expected.npy" \
  --passes qkvtie-raise-attention qkvtie-fold-ties
