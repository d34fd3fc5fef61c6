#!/usr/bin/env bash
# Sets up and builds, then runs the tutorial's core on a bundled model
# exported by torch-mlir (v_proj = k_proj): raise attention, prove and fold
# the tie, report the KV-cache saving, compile to fused CPU kernels, check the
# output against PyTorch's, decode token by token with the one-buffer cache
# and time the steps, then the same for the layer without the tie.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
model=${1:-examples/models/mha-kv-tied.mlir}
export QKVTIE_BUILD=${BUILD_DIR:-build}
qkvtie=.venv/bin/qkvtie

echo "== $model: attention raised to qkvtie.attention, ties folded"
"$QKVTIE_BUILD/bin/qkvtie-opt" "$model" --qkvtie-raise-attention --qkvtie-fold-ties |
  grep -E "qkvtie\.(attention|cache)" | sed 's/^ *//' | cut -c1-400
echo
echo "== report"
"$qkvtie" report "$model"
echo
run() {
  local m=$1 stem=${1%.mlir}
  "$qkvtie" run "$m" --inputs "$stem.inputs.npz" --expected "$stem.expected.npy" \
    --decode 2>/dev/null
}
echo "== compiled, run against PyTorch's output, decoded token by token"
run "$model"
canonical=${model/-kv-tied/-canonical}
if [ "$canonical" != "$model" ] && [ -f "$canonical" ]; then
  echo
  echo "== the same layer without the tie ($canonical)"
  "$qkvtie" report "$canonical" | head -1
  run "$canonical"
fi
lm=examples/models/llama-tiny-kv-tied.mlir
echo
echo "== a whole causal LM ($lm, exported from transformers, v_proj = k_proj):"
echo "   prefill and decode steps over one cache buffer per layer, greedy"
"$qkvtie" report "$lm" | tail -1
read -r prompt want < <(.venv/bin/python -c "
import numpy as np
g = np.load('${lm%.mlir}.generate.npz')
print(','.join(map(str, g['prompt'])), ','.join(map(str, g['new_ids'])))")
got=$("$qkvtie" generate "$lm" --prompt-ids "$prompt" --max-new-tokens 16 2>/dev/null)
echo "$got"
echo "transformers.generate(): $want"
[ "$(echo "$got" | head -1)" = "$want" ] && echo "same tokens" || { echo "MISMATCH"; exit 1; }
