// RUN: qkvtie-opt %s -split-input-file --qkvtie-materialize-kv-cache="capacity=8 element-type=i8" -verify-diagnostics -o /dev/null
// RUN: qkvtie-opt %S/Inputs/empty-module.mlir --qkvtie-materialize-kv-cache="capacity=0" -verify-diagnostics -o /dev/null

func.func @bad_type(%x: tensor<1x3x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x3x8xf32> {
  // expected-error @+1 {{qkvtie-materialize-kv-cache: element-type must be f32, f16 or bf16, got 'i8'}}
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(none)
         inputs(%x, %x : tensor<1x3x8xf32>, tensor<1x3x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x3x8xf32>
  return %0 : tensor<1x3x8xf32>
}

// -----

// 2^60 tokens of cache do not fit in memory: an error, not an allocation of
// a wrapped-around size.
// RUN: qkvtie-opt %S/Inputs/huge-capacity.mlir --qkvtie-materialize-kv-cache="capacity=1152921504606846976" -verify-diagnostics -o /dev/null
// RUN: qkvtie-opt %S/Inputs/half-model.mlir --qkvtie-materialize-kv-cache="capacity=8 element-type=bf16" -verify-diagnostics -o /dev/null
