// RUN: qkvtie-opt %s -split-input-file | FileCheck %s
// Print, parse, print must be identical, in custom and generic form.
// RUN: qkvtie-opt %s -split-input-file > %t.1.mlir
// RUN: qkvtie-opt %t.1.mlir -split-input-file > %t.2.mlir
// RUN: diff %t.1.mlir %t.2.mlir
// RUN: qkvtie-opt %s -split-input-file -mlir-print-op-generic > %t.g.mlir
// RUN: qkvtie-opt %t.g.mlir -split-input-file > %t.3.mlir
// RUN: diff %t.1.mlir %t.3.mlir

// CHECK-LABEL: func.func @canonical
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(4, 4) head_dim(16) scale(2.500000e-01) mask(none)
// CHECK-SAME: inputs(%{{.*}}, %{{.*}} : tensor<2x8x64xf32>, tensor<2x8x64xf32>)
// CHECK-SAME: slots((%{{.*}}, %{{.*}} : tensor<64x64xf32>, tensor<64xf32>), (%{{.*}}, %{{.*}} : tensor<64x64xf32>, tensor<64xf32>), (%{{.*}}, %{{.*}} : tensor<64x64xf32>, tensor<64xf32>))
// CHECK-SAME: out(%{{.*}} : tensor<64x64xf32>) out_bias(%{{.*}} : tensor<64xf32>) -> tensor<2x8x64xf32>
func.func @canonical(%x: tensor<2x8x64xf32>, %wq: tensor<64x64xf32>, %bq: tensor<64xf32>,
                     %wk: tensor<64x64xf32>, %bk: tensor<64xf32>, %wv: tensor<64x64xf32>,
                     %bv: tensor<64xf32>, %wo: tensor<64x64xf32>, %bo: tensor<64xf32>) -> tensor<2x8x64xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<2x8x64xf32>, tensor<2x8x64xf32>)
         slots((%wq, %bq : tensor<64x64xf32>, tensor<64xf32>), (%wk, %bk : tensor<64x64xf32>, tensor<64xf32>),
               (%wv, %bv : tensor<64x64xf32>, tensor<64xf32>))
         out(%wo : tensor<64x64xf32>) out_bias(%bo : tensor<64xf32>) -> tensor<2x8x64xf32>
  return %0 : tensor<2x8x64xf32>
}

// -----

// Keys and values from different tensors (nn.MultiheadAttention with kdim
// and vdim): the value input; k and v share the slot's weights but not a
// cache row.
// CHECK-LABEL: func.func @value_input
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 1> heads(4, 4) head_dim(16) scale(2.500000e-01) mask(none)
// CHECK-SAME: inputs(%{{.*}}, %[[K:.*]] : tensor<2x8x64xf32>, tensor<2x6x24xf32>) value(%[[V:.*]] : tensor<2x6x24xf32>)
func.func @value_input(%x: tensor<2x8x64xf32>, %k: tensor<2x6x24xf32>, %v: tensor<2x6x24xf32>,
                       %wq: tensor<64x64xf32>, %wkv: tensor<24x64xf32>) -> tensor<2x8x64xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %k : tensor<2x8x64xf32>, tensor<2x6x24xf32>) value(%v : tensor<2x6x24xf32>)
         slots((%wq : tensor<64x64xf32>), (%wkv : tensor<24x64xf32>)) -> tensor<2x8x64xf32>
  return %0 : tensor<2x8x64xf32>
}

// -----

// Q-K=V grouped-query attention in f16 with a causal mask and RoPE; the
// middle slot has a bias, the first does not.
// CHECK-LABEL: func.func @kv_tied_gqa
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 1> heads(8, 2) head_dim(16) scale(2.500000e-01) mask(causal)
// CHECK-SAME: slots((%{{.*}} : tensor<128x128xf16>), (%{{.*}}, %{{.*}} : tensor<128x32xf16>, tensor<32xf16>))
// CHECK-SAME: rope(%{{.*}}, %{{.*}} : tensor<16x16xf32>, tensor<16x16xf32>)
// CHECK-SAME: -> tensor<1x16x128xf16>
func.func @kv_tied_gqa(%x: tensor<1x16x128xf16>, %wq: tensor<128x128xf16>, %wkv: tensor<128x32xf16>,
                       %bkv: tensor<32xf16>, %cos: tensor<16x16xf32>, %sin: tensor<16x16xf32>) -> tensor<1x16x128xf16> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(8, 2) head_dim(16) scale(0.25) mask(causal)
         inputs(%x, %x : tensor<1x16x128xf16>, tensor<1x16x128xf16>)
         slots((%wq : tensor<128x128xf16>), (%wkv, %bkv : tensor<128x32xf16>, tensor<32xf16>))
         rope(%cos, %sin : tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<1x16x128xf16>
  return %0 : tensor<1x16x128xf16>
}

// -----

// Q=K-V, MQA, bf16, additive mask broadcast over heads.
// CHECK-LABEL: func.func @qk_tied_additive
// CHECK: ties <q = 0, k = 0, v = 1> heads(4, 4) head_dim(8)
// CHECK-SAME: mask(additive, %{{.*}} : tensor<1x1x6x6xbf16>)
func.func @qk_tied_additive(%x: tensor<1x6x32xbf16>, %w: tensor<32x32xbf16>, %wv: tensor<32x32xbf16>,
                            %m: tensor<1x1x6x6xbf16>) -> tensor<1x6x32xbf16> {
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 1> heads(4, 4) head_dim(8) scale(0.35355339059327379) mask(additive, %m : tensor<1x1x6x6xbf16>)
         inputs(%x, %x : tensor<1x6x32xbf16>, tensor<1x6x32xbf16>)
         slots((%w : tensor<32x32xbf16>), (%wv : tensor<32x32xbf16>)) -> tensor<1x6x32xbf16>
  return %0 : tensor<1x6x32xbf16>
}

// -----

// Q=K=V with a boolean mask [S, T].
// CHECK-LABEL: func.func @single_projection_boolean
// CHECK: ties <q = 0, k = 0, v = 0> heads(2, 2) head_dim(8)
// CHECK-SAME: mask(boolean, %{{.*}} : tensor<5x5xi1>)
func.func @single_projection_boolean(%x: tensor<1x5x16xf32>, %w: tensor<16x16xf32>, %m: tensor<5x5xi1>) -> tensor<1x5x16xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(2, 2) head_dim(8) scale(0.25) mask(boolean, %m : tensor<5x5xi1>)
         inputs(%x, %x : tensor<1x5x16xf32>, tensor<1x5x16xf32>)
         slots((%w : tensor<16x16xf32>)) -> tensor<1x5x16xf32>
  return %0 : tensor<1x5x16xf32>
}

// -----

// Identity query: Q is the input split into heads.
// CHECK-LABEL: func.func @identity_query
// CHECK: ties <q = identity, k = 0, v = 1> heads(4, 4) head_dim(16)
func.func @identity_query(%x: tensor<1x8x64xf32>, %wk: tensor<64x64xf32>, %wv: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  %0 = qkvtie.attention ties <q = identity, k = 0, v = 1> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>)
         slots((%wk : tensor<64x64xf32>), (%wv : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

// Value-only: K = X, one value projection.
// CHECK-LABEL: func.func @value_only
// CHECK: ties <q = identity, k = identity, v = 0> heads(4, 4) head_dim(16)
func.func @value_only(%x: tensor<1x8x64xf32>, %wv: tensor<64x64xf32>) -> tensor<1x8x64xf32> {
  %0 = qkvtie.attention ties <q = identity, k = identity, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>)
         slots((%wv : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

// Cross-attention: queries from a 48-wide input over 7 tokens of a 32-wide
// memory; V has its own head size (12).
// CHECK-LABEL: func.func @cross_attention
// CHECK: ties <q = 0, k = 1, v = 2> heads(4, 2) head_dim(8)
// CHECK-SAME: inputs(%{{.*}}, %{{.*}} : tensor<3x5x48xf32>, tensor<3x7x32xf32>)
// CHECK-SAME: -> tensor<3x5x48xf32>
func.func @cross_attention(%xq: tensor<3x5x48xf32>, %xkv: tensor<3x7x32xf32>, %wq: tensor<48x32xf32>,
                           %wk: tensor<32x16xf32>, %wv: tensor<32x24xf32>) -> tensor<3x5x48xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(4, 2) head_dim(8) scale(0.35) mask(none)
         inputs(%xq, %xkv : tensor<3x5x48xf32>, tensor<3x7x32xf32>)
         slots((%wq : tensor<48x32xf32>), (%wk : tensor<32x16xf32>), (%wv : tensor<32x24xf32>)) -> tensor<3x5x48xf32>
  return %0 : tensor<3x5x48xf32>
}

// -----

// CHECK-LABEL: func.func @cache_ops
// CHECK: %[[C:.*]] = qkvtie.cache.create : !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 4096, head_dim = 16, f16>
// CHECK: %[[C1:.*]] = qkvtie.cache.append %[[C]] at %{{.*}}, %{{.*}} : !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 4096, head_dim = 16, f16>, tensor<1x2x1x16xf16>
// CHECK: qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(2.500000e-01) mask(causal) %{{.*}}, %[[C1]] length %{{[a-z0-9_]+}}
// CHECK-SAME: rope(%{{.*}}, %{{.*}} : tensor<4096x16xf32>, tensor<4096x16xf32>)
// CHECK-SAME: : tensor<1x8x1x16xf16>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 4096, head_dim = 16, f16> -> tensor<1x8x1x16xf16>
func.func @cache_ops(%q: tensor<1x8x1x16xf16>, %kv: tensor<1x2x1x16xf16>, %cos: tensor<4096x16xf32>,
                     %sin: tensor<4096x16xf32>) -> tensor<1x8x1x16xf16> {
  %c = qkvtie.cache.create : !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 4096, head_dim = 16, f16>
  %pos = arith.constant 3 : index
  %c1 = qkvtie.cache.append %c at %pos, %kv : !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 4096, head_dim = 16, f16>, tensor<1x2x1x16xf16>
  %o = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(0.25) mask(causal) %q, %c1 length %pos
         rope(%cos, %sin : tensor<4096x16xf32>, tensor<4096x16xf32>)
         : tensor<1x8x1x16xf16>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 4096, head_dim = 16, f16> -> tensor<1x8x1x16xf16>
  return %o : tensor<1x8x1x16xf16>
}

// -----

// A canonical two-buffer cache in bf16 over a batch of 4, no mask, no RoPE.
// CHECK-LABEL: func.func @cache_two_buffers
// CHECK: qkvtie.cache.append %{{.*}} at %{{.*}}, %{{.*}}, %{{.*}} : !qkvtie.kv_cache<batch = 4, buffers = 2, heads = 1, capacity = 128, head_dim = 64, bf16>, tensor<4x1x3x64xbf16>, tensor<4x1x3x64xbf16>
// CHECK: qkvtie.cache.attend ties <q = 0, k = 1, v = 2> heads(16, 1) scale(1.250000e-01) mask(none)
func.func @cache_two_buffers(%c: !qkvtie.kv_cache<batch = 4, buffers = 2, heads = 1, capacity = 128, head_dim = 64, bf16>,
                             %q: tensor<4x16x3x64xbf16>, %k: tensor<4x1x3x64xbf16>, %v: tensor<4x1x3x64xbf16>) -> tensor<4x16x3x64xbf16> {
  %pos = arith.constant 3 : index
  %c1 = qkvtie.cache.append %c at %pos, %k, %v : !qkvtie.kv_cache<batch = 4, buffers = 2, heads = 1, capacity = 128, head_dim = 64, bf16>, tensor<4x1x3x64xbf16>, tensor<4x1x3x64xbf16>
  %o = qkvtie.cache.attend ties <q = 0, k = 1, v = 2> heads(16, 1) scale(0.125) mask(none) %q, %c1 length %pos
         : tensor<4x16x3x64xbf16>, !qkvtie.kv_cache<batch = 4, buffers = 2, heads = 1, capacity = 128, head_dim = 64, bf16> -> tensor<4x16x3x64xbf16>
  return %o : tensor<4x16x3x64xbf16>
}

// -----

// Attributes on their own, in every form, round-trip too.
// CHECK-LABEL: func.func @attribute_forms
// CHECK-SAME: qkvtie.a = #qkvtie.ties<q = 0, k = 1, v = 2>
// CHECK-SAME: qkvtie.b = #qkvtie.ties<q = identity, k = identity, v = identity>
// CHECK-SAME: qkvtie.c = #qkvtie.ties<q = 3, k = identity, v = 0>
func.func @attribute_forms() attributes {qkvtie.a = #qkvtie.ties<q = 0, k = 1, v = 2>,
    qkvtie.b = #qkvtie.ties<q = identity, k = identity, v = identity>,
    qkvtie.c = #qkvtie.ties<q = 3, k = identity, v = 0>} {
  return
}

// -----

// No projections at all (q, k and v are the inputs split into heads): the
// empty slot list prints and parses back.
// CHECK-LABEL: func.func @identity_only
// CHECK: ties <q = identity, k = identity, v = identity> heads(4, 1) head_dim(8)
// CHECK-SAME: inputs(%arg0, %arg1 : tensor<1x6x32xf16>, tensor<1x6x8xf16>) slots() -> tensor<1x6x32xf16>
func.func @identity_only(%q: tensor<1x6x32xf16>, %kv: tensor<1x6x8xf16>) -> tensor<1x6x32xf16> {
  %o = qkvtie.attention ties <q = identity, k = identity, v = identity> heads(4, 1) head_dim(8) scale(0.35) mask(causal)
         inputs(%q, %kv : tensor<1x6x32xf16>, tensor<1x6x8xf16>) slots() -> tensor<1x6x32xf16>
  return %o : tensor<1x6x32xf16>
}

// -----

// Partial rotary ([N, 8] tables on heads of 16) and QK-norm round-trip.
// CHECK-LABEL: func.func @partial_rotary_qk_norm
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 1> heads(4, 1) head_dim(16)
// CHECK-SAME: rope(%{{.*}}, %{{.*}} : tensor<8x8xf32>, tensor<8x8xf32>) q_norm(%{{.*}} : tensor<16xf32>) k_norm(%{{.*}} : tensor<16xf32>) norm_eps(9.9999999999999995E-7)
// CHECK: qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(4, 1) scale(2.500000e-01) mask(causal) %{{.*}}, %{{.*}} length %{{.*}} rope(%{{.*}}, %{{.*}} : tensor<8x8xf32>, tensor<8x8xf32>) q_norm(%{{.*}} : tensor<16xf32>) k_norm(%{{.*}} : tensor<16xf32>) norm_eps(9.9999999999999995E-7)
func.func @partial_rotary_qk_norm(%x: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wkv: tensor<64x16xf32>,
                                  %cos: tensor<8x8xf32>, %sin: tensor<8x8xf32>, %n: tensor<16xf32>,
                                  %c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 1, capacity = 8, head_dim = 16, f32>,
                                  %q: tensor<1x4x1x16xf32>, %len: index) -> (tensor<1x8x64xf32>, tensor<1x4x1x16xf32>) {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(4, 1) head_dim(16) scale(0.25) mask(causal)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>)
         slots((%wq : tensor<64x64xf32>), (%wkv : tensor<64x16xf32>))
         rope(%cos, %sin : tensor<8x8xf32>, tensor<8x8xf32>) q_norm(%n : tensor<16xf32>) k_norm(%n : tensor<16xf32>)
         norm_eps(1.0e-6) -> tensor<1x8x64xf32>
  %1 = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(4, 1) scale(0.25) mask(causal) %q, %c length %len
         rope(%cos, %sin : tensor<8x8xf32>, tensor<8x8xf32>) q_norm(%n : tensor<16xf32>) k_norm(%n : tensor<16xf32>) norm_eps(1.0e-6)
         : tensor<1x4x1x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 1, capacity = 8, head_dim = 16, f32> -> tensor<1x4x1x16xf32>
  return %0, %1 : tensor<1x8x64xf32>, tensor<1x4x1x16xf32>
}
