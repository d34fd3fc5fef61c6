// RUN: qkvtie-opt %s --qkvtie-lower-gpu -split-input-file -verify-diagnostics

// A head_dim-48 row does not split evenly over the 32 lanes of a warp.

!kv = !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 64, head_dim = 48, f32>
func.func @decode_head_dim(%q: tensor<1x4x1x48xf32>, %c: !kv, %len: index) -> tensor<1x4x1x48xf32> {
  // expected-error@+1 {{'qkvtie.cache.attend' op head_dim 48 is not supported by the GPU decode kernel (a multiple of 32, or a power of two up to 32)}}
  %o = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(4, 2) scale(0.25) mask(none) %q, %c length %len : tensor<1x4x1x48xf32>, !kv -> tensor<1x4x1x48xf32>
  return %o : tensor<1x4x1x48xf32>
}

// -----

// A prefill thread keeps its query and accumulator rows in registers.

func.func @prefill_head_dim(%x: tensor<1x4x512xf32>, %w: tensor<512x512xf32>) -> tensor<1x4x512xf32> {
  // expected-error@+1 {{'qkvtie.attention' op head_dim 512 is wider than the GPU prefill kernel's 256}}
  %o = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(1, 1) head_dim(512) scale(0.04) mask(none)
         inputs(%x, %x : tensor<1x4x512xf32>, tensor<1x4x512xf32>)
         slots((%w : tensor<512x512xf32>)) -> tensor<1x4x512xf32>
  return %o : tensor<1x4x512xf32>
}

// -----

// Partial rotary and QK-norm are CPU-only.

func.func @partial_rotary(%x: tensor<1x4x32xf32>, %w: tensor<32x32xf32>, %cos: tensor<4x8xf32>, %sin: tensor<4x8xf32>) -> tensor<1x4x32xf32> {
  // expected-error@+1 {{'qkvtie.attention' op partial rotary (RoPE on part of each head) is not supported by the GPU kernels}}
  %o = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(2, 2) head_dim(16) scale(0.25) mask(causal)
         inputs(%x, %x : tensor<1x4x32xf32>, tensor<1x4x32xf32>)
         slots((%w : tensor<32x32xf32>)) rope(%cos, %sin : tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<1x4x32xf32>
  return %o : tensor<1x4x32xf32>
}

// -----

!kv = !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 64, head_dim = 32, f32>
func.func @qk_norm(%q: tensor<1x4x1x32xf32>, %c: !kv, %len: index, %n: tensor<32xf32>) -> tensor<1x4x1x32xf32> {
  // expected-error@+1 {{'qkvtie.cache.attend' op QK-norm is not supported by the GPU kernels}}
  %o = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(4, 2) scale(0.25) mask(none) %q, %c length %len
         q_norm(%n : tensor<32xf32>) k_norm(%n : tensor<32xf32>) norm_eps(1.0e-06) : tensor<1x4x1x32xf32>, !kv -> tensor<1x4x1x32xf32>
  return %o : tensor<1x4x1x32xf32>
}
