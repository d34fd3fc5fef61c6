#!/usr/bin/env bash
# Sets up and builds, then runs the pipeline on a bundled model exported by
# torch-mlir: raise attention, report ties and KV-cache bytes per token,
# compile to a shared library, run it and compare with PyTorch's output.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
model=${1:-examples/models/mha-kv-tied.mlir}
build=${BUILD_DIR:-build}
opt=$build/bin/qkvtie-opt
report=$(mktemp)
trap 'rm -f "$report"' EXIT

echo "== $model: attention raised to qkvtie.attention"
"$opt" "$model" --qkvtie-raise-attention --qkvtie-report=output="$report" |
  grep -E "qkvtie\.(attention|cache)" | sed 's/^ *//'
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
    if "kv_cache_bytes_per_token_untied" in a:
        line += (f' (untied: {a["kv_cache_bytes_per_token_untied"]} B/token, '
                 f'{100 * a["kv_cache_saving"]:.0f}% saved)')
    print(line)
PY
echo
echo "== compiled and run against PyTorch's output"
stem=${model%.mlir}
QKVTIE_BUILD=$build PYTHONPATH=python .venv/bin/python -m qkvtie.run "$model" \
  --inputs "$stem.inputs.npz" --expected "$stem.expected.npy" \
  --passes qkvtie-raise-attention
