// RUN: qkvtie-opt %s -split-input-file --qkvtie-materialize-kv-cache=capacity=64 | FileCheck %s
// A prompt longer than the capacity is an error at the attention:
// RUN: qkvtie-opt %s -split-input-file --qkvtie-materialize-kv-cache=capacity=4 -verify-diagnostics -o /dev/null

// Q-K=V GQA with RoPE: one cache buffer of 2 heads; the model's tables stop
// at 8 positions, so the decode step takes [64, 16] tables.
// CHECK-LABEL: func.func @layer(
// CHECK-LABEL: func.func @layer_attn0_decode(
// CHECK-SAME: %[[X:.*]]: tensor<1x1x32xf32>, %[[POS:.*]]: index, %[[C:.*]]: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 64, head_dim = 16, f32>
// CHECK-SAME: %[[WQ:.*]]: tensor<32x64xf32>, %[[WKV:.*]]: tensor<32x32xf32>, %[[COS:.*]]: tensor<64x16xf32>, %[[SIN:.*]]: tensor<64x16xf32>)
// CHECK-SAME: -> (tensor<1x1x64xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 64, head_dim = 16, f32>)
// CHECK: %[[C1:.*]] = qkvtie.cache.append %[[C]] at %[[POS]], %{{.*}} : {{.*}}, tensor<1x2x1x16xf32>
// CHECK: %[[LEN:.*]] = arith.addi %[[POS]]
// CHECK: qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(4, 2) scale(2.500000e-01) mask(causal) %{{.*}}, %[[C1]] length %[[LEN]] rope(%[[COS]], %[[SIN]]
// CHECK: return %{{.*}}, %[[C1]]
// CHECK-LABEL: func.func @layer_attn0_prefill(
// CHECK-SAME: -> (tensor<1x8x64xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 64, head_dim = 16, f32>)
// CHECK: %[[O:.*]] = qkvtie.attention ties <q = 0, k = 1, v = 1>
// CHECK: %[[E:.*]] = qkvtie.cache.create
// CHECK: %[[F:.*]] = qkvtie.cache.append %[[E]] at %{{.*}}, %{{.*}} : {{.*}}, tensor<1x2x8x16xf32>
// CHECK: return %[[O]], %[[F]]
func.func @layer(%x: tensor<1x8x32xf32>, %wq: tensor<32x64xf32>, %wkv: tensor<32x32xf32>,
                 %cos: tensor<8x16xf32>, %sin: tensor<8x16xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{qkvtie-materialize-kv-cache: capacity (4) is smaller than the prompt (8 tokens)}}
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(4, 2) head_dim(16) scale(0.25) mask(causal)
         inputs(%x, %x : tensor<1x8x32xf32>, tensor<1x8x32xf32>)
         slots((%wq : tensor<32x64xf32>), (%wkv : tensor<32x32xf32>))
         rope(%cos, %sin : tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

// Canonical ties keep two buffers; constant weights are cloned, not passed.
// CHECK-LABEL: func.func @canonical_attn0_decode(
// CHECK-SAME: !qkvtie.kv_cache<batch = 2, buffers = 2, heads = 2, capacity = 64, head_dim = 4, f32>)
// CHECK: arith.constant dense<1.000000e+00> : tensor<8x8xf32>
// CHECK: qkvtie.cache.append {{.*}}, %{{.*}}, %{{.*}} : {{.*}}, tensor<2x2x1x4xf32>, tensor<2x2x1x4xf32>
// CHECK: qkvtie.cache.attend ties <q = 0, k = 1, v = 2> heads(2, 2) scale(5.000000e-01) mask(none)
func.func @canonical(%x: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  %w = arith.constant dense<1.0> : tensor<8x8xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(none)
         inputs(%x, %x : tensor<2x3x8xf32>, tensor<2x3x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<2x3x8xf32>
  return %0 : tensor<2x3x8xf32>
}

// -----

// Cross-attention and tensor masks have no decode step: left alone.
// CHECK-LABEL: func.func @cross(
// CHECK-NOT: func.func @cross_attn0
func.func @cross(%x: tensor<1x3x8xf32>, %m: tensor<1x5x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x3x8xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(none)
         inputs(%x, %m : tensor<1x3x8xf32>, tensor<1x5x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x3x8xf32>
  return %0 : tensor<1x3x8xf32>
}

// -----

// RUN: qkvtie-opt %s -split-input-file --qkvtie-materialize-kv-cache="capacity=8 element-type=f16" | FileCheck %s --check-prefix=F16

// An f16 cache for an f32 layer: keys and values are rounded when written.
// F16-LABEL: func.func @half_cache_attn0_decode(
// F16-SAME: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 1, capacity = 8, head_dim = 4, f16>
// F16: arith.truncf {{.*}} : f32 to f16
// F16: qkvtie.cache.append {{.*}} tensor<1x1x1x4xf16>
// F16: qkvtie.cache.attend {{.*}} : tensor<1x2x1x4xf32>, !qkvtie.kv_cache<{{.*}}f16> -> tensor<1x2x1x4xf32>
func.func @half_cache(%x: tensor<1x3x8xf32>, %wq: tensor<8x8xf32>, %wkv: tensor<8x4xf32>) -> tensor<1x3x8xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(2, 1) head_dim(4) scale(0.5) mask(causal)
         inputs(%x, %x : tensor<1x3x8xf32>, tensor<1x3x8xf32>)
         slots((%wq : tensor<8x8xf32>), (%wkv : tensor<8x4xf32>)) -> tensor<1x3x8xf32>
  return %0 : tensor<1x3x8xf32>
}
