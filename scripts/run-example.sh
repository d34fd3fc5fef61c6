#!/usr/bin/env bash
# Sets up, builds, then verifies and prints the bundled example with its
# KV-cache bytes per token.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
example=${1:-examples/tied-gqa-attention.mlir}
opt=${BUILD_DIR:-build}/bin/qkvtie-opt
report=$(mktemp)
trap 'rm -f "$report"' EXIT
"$opt" "$example" --qkvtie-report=output="$report"
python3 - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print()
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
