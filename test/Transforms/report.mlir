// RUN: qkvtie-opt %s --qkvtie-report=output=%t.json | FileCheck %s --check-prefix=IR
// RUN: FileCheck %s --input-file=%t.json

// 16 query heads over one KV head of 64 in f16: a canonical cache holds K and
// V (2 x 64 x 2 = 256 B/token); with K=V it holds one row (128 B/token).
// Projection parameters: 128 x 1024 (q) + 128 x 64 (kv) + 64 (kv bias).
// CHECK:      "attentions": [
// CHECK:        "function": "mqa_kv_tied"
// CHECK:        "head_dim": 64
// CHECK:        "kv_cache_buffers": 1
// CHECK:        "kv_cache_bytes_per_token": 128
// CHECK:        "kv_cache_bytes_per_token_untied": 256
// CHECK:        "kv_cache_saving": 0.5
// CHECK:        "location": "{{.*}}report.mlir:[[@LINE+32]]:8"
// CHECK:        "mask": "causal"
// CHECK:        "num_heads": 16
// CHECK:        "num_kv_heads": 1
// CHECK:        "projection_bytes": 278656
// CHECK:        "projection_params": 139328
// CHECK:        "projections": 2
// CHECK:        "query_heads_per_kv_head": 16
// CHECK:        "ties": "#qkvtie.ties<q = 0, k = 1, v = 1>"
// CHECK:        "variant": "Q-K=V"
// CHECK:        "function": "decode"
// CHECK:        "kv_cache_bytes_per_token": 512
// CHECK:        "kv_cache_total_bytes": 32768
// CHECK:        "variant": "Q-K-V"
// Per function (each attention once, per layer) and for the whole module.
// CHECK:      "decode_forms": []
// CHECK:      "functions": {
// CHECK-NEXT:   "decode": {
// CHECK-NEXT:     "attentions": 1,
// CHECK-NEXT:     "kv_cache_bytes_per_token": 512,
// CHECK:        "mqa_kv_tied": {
// CHECK-NEXT:     "attentions": 1,
// CHECK-NEXT:     "kv_cache_bytes_per_token": 128,
// CHECK-NEXT:     "kv_cache_bytes_per_token_untied": 256
// CHECK:      "kv_cache_bytes_per_token": 640,
// CHECK-NEXT: "kv_cache_bytes_per_token_untied": 768

// The report leaves the IR unchanged.
// IR-LABEL: func.func @mqa_kv_tied
// IR: qkvtie.attention ties <q = 0, k = 1, v = 1> heads(16, 1)
func.func @mqa_kv_tied(%x: tensor<1x4x128xf16>, %wq: tensor<128x1024xf16>, %wkv: tensor<128x64xf16>,
                       %bkv: tensor<64xf16>, %wo: tensor<1024x128xf16>) -> tensor<1x4x128xf16> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(16, 1) head_dim(64) scale(0.125) mask(causal)
         inputs(%x, %x : tensor<1x4x128xf16>, tensor<1x4x128xf16>)
         slots((%wq : tensor<128x1024xf16>), (%wkv, %bkv : tensor<128x64xf16>, tensor<64xf16>))
         out(%wo : tensor<1024x128xf16>) -> tensor<1x4x128xf16>
  return %0 : tensor<1x4x128xf16>
}

// A canonical two-buffer cache of 2 KV heads x 64 in f16 over 64 tokens.
// IR-LABEL: func.func @decode
func.func @decode(%c: !qkvtie.kv_cache<batch = 1, buffers = 2, heads = 2, capacity = 64, head_dim = 64, f16>,
                  %q: tensor<1x4x1x64xf16>) -> tensor<1x4x1x64xf16> {
  %pos = arith.constant 3 : index
  %o = qkvtie.cache.attend ties <q = 0, k = 1, v = 2> heads(4, 2) scale(0.125) mask(causal) %q, %c length %pos
         : tensor<1x4x1x64xf16>, !qkvtie.kv_cache<batch = 1, buffers = 2, heads = 2, capacity = 64, head_dim = 64, f16> -> tensor<1x4x1x64xf16>
  return %o : tensor<1x4x1x64xf16>
}
