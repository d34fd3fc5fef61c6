// RUN: qkvtie-opt %s -split-input-file --qkvtie-decompose | FileCheck %s

// Q-K=V GQA with RoPE and a causal mask: the q slot and the one k=v slot
// read the same input, so they are packed into one GEMM of 32 + 16 columns;
// the KV heads broadcast to the query heads; scores and softmax in f32.
// CHECK-LABEL: func.func @kv_tied_gqa
// CHECK-NOT: qkvtie.attention
// CHECK: %[[W:.*]] = tensor.concat dim(1) %arg1, %arg2 : (tensor<32x32xf32>, tensor<32x16xf32>) -> tensor<32x48xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %[[W]] : tensor<6x32xf32>, tensor<32x48xf32>)
// CHECK-NOT: linalg.matmul
// CHECK: linalg.broadcast
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.cmpi ule
// CHECK: math.exp
// CHECK: tensor.collapse_shape {{.*}} into tensor<1x6x32xf32>
func.func @kv_tied_gqa(%x: tensor<1x6x32xf32>, %wq: tensor<32x32xf32>, %wkv: tensor<32x16xf32>,
                       %cos: tensor<6x8xf32>, %sin: tensor<6x8xf32>) -> tensor<1x6x32xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(4, 2) head_dim(8) scale(0.35) mask(causal)
         inputs(%x, %x : tensor<1x6x32xf32>, tensor<1x6x32xf32>)
         slots((%wq : tensor<32x32xf32>), (%wkv : tensor<32x16xf32>))
         rope(%cos, %sin : tensor<6x8xf32>, tensor<6x8xf32>) -> tensor<1x6x32xf32>
  return %0 : tensor<1x6x32xf32>
}

// -----

// Identity query and value-only tying need no matmul for identity roles;
// f16 storage computes in f32 and truncates the result.
// CHECK-LABEL: func.func @value_only_f16
// CHECK-COUNT-1: linalg.matmul
// CHECK-NOT: linalg.matmul
// CHECK: arith.extf
// CHECK: arith.truncf
func.func @value_only_f16(%x: tensor<2x4x16xf16>, %wv: tensor<16x16xf16>) -> tensor<2x4x16xf16> {
  %0 = qkvtie.attention ties <q = identity, k = identity, v = 0> heads(2, 2) head_dim(8) scale(0.35) mask(none)
         inputs(%x, %x : tensor<2x4x16xf16>, tensor<2x4x16xf16>)
         slots((%wv : tensor<16x16xf16>)) -> tensor<2x4x16xf16>
  return %0 : tensor<2x4x16xf16>
}
