// UNSUPPORTED: sanitizer
// Upstream mlir-opt loads the dialect and the passes from the plugin; plugin
// passes are named in --pass-pipeline, as for any mlir-opt plugin.
// RUN: mlir-opt %s --load-dialect-plugin=%qkvtie_plugin --load-pass-plugin=%qkvtie_plugin > %t.1.mlir
// RUN: mlir-opt %t.1.mlir --load-dialect-plugin=%qkvtie_plugin --load-pass-plugin=%qkvtie_plugin | FileCheck %s
// RUN: mlir-opt %t.1.mlir --load-dialect-plugin=%qkvtie_plugin --load-pass-plugin=%qkvtie_plugin > %t.2.mlir
// RUN: diff %t.1.mlir %t.2.mlir
// RUN: mlir-opt %s --load-dialect-plugin=%qkvtie_plugin --load-pass-plugin=%qkvtie_plugin --pass-pipeline="builtin.module(qkvtie-report{output=%t.json})" -o /dev/null
// RUN: FileCheck %s --input-file=%t.json --check-prefix=REPORT

// CHECK-LABEL: func.func @layer
// CHECK: qkvtie.attention ties <q = 0, k = 0, v = 0> heads(2, 2) head_dim(8)
// CHECK: qkvtie.cache.create : !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 32, head_dim = 8, bf16>
// REPORT: "variant": "Q=K=V"
func.func @layer(%x: tensor<1x5x16xbf16>, %w: tensor<16x16xbf16>) -> tensor<1x5x16xbf16> {
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(2, 2) head_dim(8) scale(0.35) mask(causal)
         inputs(%x, %x : tensor<1x5x16xbf16>, tensor<1x5x16xbf16>) slots((%w : tensor<16x16xbf16>)) -> tensor<1x5x16xbf16>
  %c = qkvtie.cache.create : !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 32, head_dim = 8, bf16>
  return %0 : tensor<1x5x16xbf16>
}

// The reference decomposition is an external model of the ops; upstream
// mlir-opt with the plugin gets it like qkvtie-opt does.
// RUN: mlir-opt %S/../Transforms/decompose.mlir -split-input-file --load-dialect-plugin=%qkvtie_plugin --load-pass-plugin=%qkvtie_plugin --pass-pipeline="builtin.module(qkvtie-decompose)" | FileCheck %s --check-prefix=DECOMPOSE
// DECOMPOSE-LABEL: func.func @kv_tied_gqa
// DECOMPOSE-NOT: qkvtie.attention
// DECOMPOSE: linalg.matmul
// DECOMPOSE-LABEL: func.func @decode_step
// DECOMPOSE-NOT: unrealized_conversion_cast
// DECOMPOSE: tensor.insert_slice
