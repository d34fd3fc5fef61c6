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

// -----

// A decode step: cache.attend decomposes against its cache read as the
// storage tensor [buffers, B, Hkv, capacity, d]; the cache ops become that
// tensor too, and the casts between the two meet and cancel, in the body and
// at the function boundary.
// CHECK-LABEL: func.func @decode_step
// CHECK-SAME: (%{{.*}}: tensor<1x4x1x8xf32>, %[[CACHE:.*]]: tensor<1x1x2x16x8xf32>, %[[KV:.*]]: tensor<1x2x1x8xf32>, %[[POS:.*]]: index)
// CHECK-SAME: -> (tensor<1x4x1x8xf32>, tensor<1x1x2x16x8xf32>)
// CHECK-NOT: unrealized_conversion_cast
// CHECK-NOT: = qkvtie.
// CHECK: %[[APPENDED:.*]] = tensor.insert_slice %[[KV]] into %[[CACHE]]
// CHECK: tensor.extract_slice %[[APPENDED]][0, 0, 0, 0, 0] [1, 1, 2, 16, 8]
// CHECK: math.exp
// CHECK-NOT: unrealized_conversion_cast
// CHECK: return %{{.*}}, %[[APPENDED]] : tensor<1x4x1x8xf32>, tensor<1x1x2x16x8xf32>
func.func @decode_step(%q: tensor<1x4x1x8xf32>,
                       %c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 16, head_dim = 8, f32>,
                       %kv: tensor<1x2x1x8xf32>, %pos: index)
    -> (tensor<1x4x1x8xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 16, head_dim = 8, f32>) {
  %c1 = qkvtie.cache.append %c at %pos, %kv : !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 16, head_dim = 8, f32>, tensor<1x2x1x8xf32>
  %one = arith.constant 1 : index
  %len = arith.addi %pos, %one : index
  %o = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(4, 2) scale(0.35) mask(causal) %q, %c1 length %len
         : tensor<1x4x1x8xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 16, head_dim = 8, f32> -> tensor<1x4x1x8xf32>
  return %o, %c1 : tensor<1x4x1x8xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 16, head_dim = 8, f32>
}
