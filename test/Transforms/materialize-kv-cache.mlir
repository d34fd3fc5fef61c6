// RUN: qkvtie-opt %s -split-input-file --qkvtie-materialize-kv-cache="capacity=64 prefill-tokens=4" | FileCheck %s

// Q-K=V GQA layer: one cache buffer of 2 heads. The decode step takes one
// token at %pos; the prefill takes 4.
// CHECK-LABEL: func.func @layer(
// CHECK-LABEL: func.func @layer_decode(
// CHECK-SAME: %[[X:.*]]: tensor<1x1x32xf32>, %[[POS:.*]]: index, %[[C:.*]]: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 64, head_dim = 16, f32>)
// CHECK-SAME: -> (tensor<1x1x64xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 64, head_dim = 16, f32>)
// CHECK-SAME: attributes {qkvtie.inputs = array<i64: 0>, qkvtie.token_inputs = array<i64: 0>, qkvtie.token_results = array<i64: 0>}
// CHECK: %[[C1:.*]] = qkvtie.cache.append %[[C]] at %[[POS]], %{{.*}} : {{.*}}, tensor<1x2x1x16xf32>
// CHECK: %[[LEN:.*]] = arith.addi %[[POS]], %c1
// CHECK: qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(4, 2) scale(2.500000e-01) mask(causal) %{{.*}}, %[[C1]] length %[[LEN]]
// CHECK: return %{{.*}}, %[[C1]]
// CHECK-LABEL: func.func @layer_prefill(
// CHECK-SAME: %{{.*}}: tensor<1x4x32xf32>, %[[PPOS:.*]]: index, %[[PC:.*]]: !qkvtie.kv_cache
// CHECK-SAME: -> (tensor<1x4x64xf32>, !qkvtie.kv_cache
// CHECK-NOT: qkvtie.attention
// CHECK: qkvtie.cache.append %[[PC]] at %[[PPOS]], %{{.*}} : {{.*}}, tensor<1x2x4x16xf32>
// CHECK: arith.addi %[[PPOS]], %c4
// CHECK: qkvtie.cache.attend
func.func @layer(%x: tensor<1x8x32xf32>) -> tensor<1x8x64xf32> {
  %wq = arith.constant dense<0.5> : tensor<32x64xf32>
  %wkv = arith.constant dense<0.25> : tensor<32x32xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(4, 2) head_dim(16) scale(0.25) mask(causal)
         inputs(%x, %x : tensor<1x8x32xf32>, tensor<1x8x32xf32>)
         slots((%wq : tensor<32x64xf32>), (%wkv : tensor<32x32xf32>)) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

// A whole model: token-parallel ops before and after two attentions, weights
// passed as an argument. Each attention gets its own cache; the elementwise
// ops run over the new tokens only; the weight argument passes through.
// CHECK-LABEL: func.func @model_decode(
// CHECK-SAME: %[[X:.*]]: tensor<1x1x8xf32>, %[[W:.*]]: tensor<8x8xf32>, %[[POS:.*]]: index, %[[C0:.*]]: !qkvtie.kv_cache<batch = 1, buffers = 2, heads = 2, capacity = 64, head_dim = 4, f32>, %[[C1:.*]]: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 1, capacity = 64, head_dim = 4, f32>)
// CHECK: linalg.generic {{.*}} ins(%[[X]] : tensor<1x1x8xf32>) outs(%{{.*}} : tensor<1x1x8xf32>)
// CHECK: qkvtie.cache.append %[[C0]]
// CHECK: qkvtie.cache.append %[[C1]]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[X]] : tensor<1x1x8xf32>, tensor<1x1x8xf32>)
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x1x8xf32>, !qkvtie.kv_cache<{{.*}}buffers = 2{{.*}}>, !qkvtie.kv_cache<{{.*}}buffers = 1{{.*}}>
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @model(%x: tensor<1x8x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x8x8xf32> {
  %wkv = arith.constant dense<0.5> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<1x8x8xf32>
  %h = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
         ins(%x : tensor<1x8x8xf32>) outs(%e : tensor<1x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.mulf %in, %in : f32
    linalg.yield %s : f32
  } -> tensor<1x8x8xf32>
  %a = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(causal)
         inputs(%h, %h : tensor<1x8x8xf32>, tensor<1x8x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x8x8xf32>
  %b = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(2, 1) head_dim(4) scale(0.5) mask(causal)
         inputs(%a, %a : tensor<1x8x8xf32>, tensor<1x8x8xf32>)
         slots((%w : tensor<8x8xf32>), (%wkv : tensor<8x4xf32>)) -> tensor<1x8x8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
         ins(%b, %x : tensor<1x8x8xf32>, tensor<1x8x8xf32>) outs(%e : tensor<1x8x8xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  } -> tensor<1x8x8xf32>
  return %r : tensor<1x8x8xf32>
}

// -----

// RoPE tables computed from positions (an iota times inv_freq, as
// transformers does): @f_prepare recomputes them for all 64 positions, and
// the steps take them.
// CHECK-LABEL: func.func @rope_decode(
// CHECK-SAME: %[[COS:[a-z0-9]+]]: tensor<64x4xf32>, %[[SIN:[a-z0-9]+]]: tensor<64x4xf32>)
// CHECK: qkvtie.cache.attend {{.*}} rope(%[[COS]], %[[SIN]] : tensor<64x4xf32>, tensor<64x4xf32>)
// CHECK-LABEL: func.func @rope_prepare() -> (tensor<64x4xf32>, tensor<64x4xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<64xf32>)
// CHECK: linalg.index 0
// CHECK: math.cos
// CHECK: math.sin
// CHECK: return {{.*}} : tensor<64x4xf32>, tensor<64x4xf32>
#pos = affine_map<(d0) -> (d0)>
#outer0 = affine_map<(d0, d1) -> (d0)>
#outer1 = affine_map<(d0, d1) -> (d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @rope(%x: tensor<1x8x8xf32>) -> tensor<1x8x8xf32> {
  %inv = arith.constant dense<[1.0, 0.1, 1.0, 0.1]> : tensor<4xf32>
  %w = arith.constant dense<0.5> : tensor<8x8xf32>
  %wkv = arith.constant dense<0.5> : tensor<8x4xf32>
  %e1 = tensor.empty() : tensor<8xf32>
  %p = linalg.generic {indexing_maps = [#pos], iterator_types = ["parallel"]} outs(%e1 : tensor<8xf32>) {
  ^bb0(%out: f32):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i64
    %f = arith.sitofp %ii : i64 to f32
    linalg.yield %f : f32
  } -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<8x4xf32>
  %ang = linalg.generic {indexing_maps = [#outer0, #outer1, #id2], iterator_types = ["parallel", "parallel"]}
           ins(%p, %inv : tensor<8xf32>, tensor<4xf32>) outs(%e2 : tensor<8x4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<8x4xf32>
  %cos = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
           ins(%ang : tensor<8x4xf32>) outs(%e2 : tensor<8x4xf32>) {
  ^bb0(%a: f32, %out: f32):
    %c = math.cos %a : f32
    linalg.yield %c : f32
  } -> tensor<8x4xf32>
  %sin = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
           ins(%ang : tensor<8x4xf32>) outs(%e2 : tensor<8x4xf32>) {
  ^bb0(%a: f32, %out: f32):
    %c = math.sin %a : f32
    linalg.yield %c : f32
  } -> tensor<8x4xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(2, 1) head_dim(4) scale(0.5) mask(causal)
         inputs(%x, %x : tensor<1x8x8xf32>, tensor<1x8x8xf32>)
         slots((%w : tensor<8x8xf32>), (%wkv : tensor<8x4xf32>))
         rope(%cos, %sin : tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<1x8x8xf32>
  return %0 : tensor<1x8x8xf32>
}

// -----

// Canonical ties with batch 2 keep two buffers.
// CHECK-LABEL: func.func @canonical_decode(
// CHECK-SAME: !qkvtie.kv_cache<batch = 2, buffers = 2, heads = 2, capacity = 64, head_dim = 4, f32>)
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

// RUN: qkvtie-opt %s -split-input-file --qkvtie-materialize-kv-cache="capacity=8 element-type=f16" | FileCheck %s --check-prefix=F16

// An f16 cache for an f32 layer: keys and values are rounded when written.
// F16-LABEL: func.func @half_cache_decode(
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

// -----

// Token-independent work on a weight passed as an argument (its transpose)
// is done once by @f_prepare, from the parameter; the steps take the result
// and never transpose.
// CHECK-LABEL: func.func @hoist_decode(
// CHECK-SAME: %[[X:.*]]: tensor<1x1x8xf32>, %[[W:.*]]: tensor<8x8xf32>, %{{.*}}: index, %{{.*}}: !qkvtie.kv_cache{{.*}}, %[[WT:.*]]: tensor<8x8xf32>)
// CHECK-NOT: linalg.transpose ins(%[[W]]
// CHECK: qkvtie.cache.append
// CHECK-LABEL: func.func @hoist_prepare(
// CHECK-SAME: %[[P:.*]]: tensor<8x8xf32>) -> tensor<8x8xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[P]]
// CHECK: return %[[T]]
func.func @hoist(%x: tensor<1x4x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x4x8xf32> {
  %e = tensor.empty() : tensor<8x8xf32>
  %wt = linalg.transpose ins(%w : tensor<8x8xf32>) outs(%e : tensor<8x8xf32>) permutation = [1, 0]
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(causal)
         inputs(%x, %x : tensor<1x4x8xf32>, tensor<1x4x8xf32>)
         slots((%wt : tensor<8x8xf32>), (%wt : tensor<8x8xf32>), (%wt : tensor<8x8xf32>)) -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}
