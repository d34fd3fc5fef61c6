// RUN: qkvtie-opt %s --qkvtie-report=output=%t.json -o /dev/null
// RUN: FileCheck %s --input-file=%t.json

// k and v share one slot's weights but project different tensors (a value
// input): two cache rows per token, so the map is not Q-K=V's one buffer.
// 2 batch x 4 heads x (16 + 16) x 4 bytes = 1024 B/token.
// CHECK-LABEL: "function": "value_input"
// CHECK:      "kv_cache_buffers": 2
// CHECK:      "kv_cache_bytes_per_token": 1024
// CHECK:      "kv_cache_bytes_per_token_untied": 1024
// CHECK:      "ties": "#qkvtie.ties<q = 0, k = 1, v = 1>"
// CHECK:      "variant": "custom"
func.func @value_input(%x: tensor<2x8x64xf32>, %k: tensor<2x6x24xf32>, %v: tensor<2x6x24xf32>,
                       %wq: tensor<64x64xf32>, %wkv: tensor<24x64xf32>) -> tensor<2x8x64xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %k : tensor<2x8x64xf32>, tensor<2x6x24xf32>) value(%v : tensor<2x6x24xf32>)
         slots((%wq : tensor<64x64xf32>), (%wkv : tensor<24x64xf32>)) -> tensor<2x8x64xf32>
  return %0 : tensor<2x8x64xf32>
}
