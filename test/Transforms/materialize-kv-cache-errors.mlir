// RUN: qkvtie-opt %s -split-input-file --qkvtie-materialize-kv-cache="capacity=16" -verify-diagnostics -o /dev/null
// expected-error @+1 {{qkvtie-materialize-kv-cache: capacity (16) is smaller than the exported sequence (32 tokens)}}
func.func @long(%x: tensor<1x32x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x32x8xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(causal)
         inputs(%x, %x : tensor<1x32x8xf32>, tensor<1x32x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x32x8xf32>
  return %0 : tensor<1x32x8xf32>
}

// -----

// expected-error @+1 {{qkvtie-materialize-kv-cache: @taken_decode already exists; rename it so that the generated step can have its name}}
func.func @taken(%x: tensor<1x3x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x3x8xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(causal)
         inputs(%x, %x : tensor<1x3x8xf32>, tensor<1x3x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x3x8xf32>
  return %0 : tensor<1x3x8xf32>
}
func.func @taken_decode() {
  return
}

// -----

func.func @cross(%x: tensor<1x3x8xf32>, %m: tensor<1x5x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x3x8xf32> {
  // expected-remark @+1 {{no decode form for @cross: cross-attention has no decode step}}
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(none)
         inputs(%x, %m : tensor<1x3x8xf32>, tensor<1x5x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x3x8xf32>
  return %0 : tensor<1x3x8xf32>
}

// -----

// A mean over the sequence mixes tokens: no decode form, and the remark
// names the op.
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#seq = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
func.func @mean(%x: tensor<1x4x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x1x8xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(causal)
         inputs(%x, %x : tensor<1x4x8xf32>, tensor<1x4x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x4x8xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1x8xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x1x8xf32>) -> tensor<1x1x8xf32>
  // expected-remark @+1 {{no decode form for @mean: 'linalg.generic' reduces over the tokens: it mixes them, so the function has no decode form}}
  %s = linalg.generic {indexing_maps = [#id, #seq], iterator_types = ["parallel", "reduction", "parallel"]}
         ins(%0 : tensor<1x4x8xf32>) outs(%f : tensor<1x1x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %in, %out : f32
    linalg.yield %a : f32
  } -> tensor<1x1x8xf32>
  return %s : tensor<1x1x8xf32>
}

// -----

// The last token alone: selecting tokens has no decode form.
func.func @last(%x: tensor<1x4x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x1x8xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(causal)
         inputs(%x, %x : tensor<1x4x8xf32>, tensor<1x4x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x4x8xf32>
  // expected-remark @+1 {{no decode form for @last: 'tensor.extract_slice' selects some of the tokens: the function has no decode form}}
  %s = tensor.extract_slice %0[0, 3, 0] [1, 1, 8] [1, 1, 1] : tensor<1x4x8xf32> to tensor<1x1x8xf32>
  return %s : tensor<1x1x8xf32>
}

// -----

// RoPE tables passed by the caller cover only the export's positions.
// expected-remark @+1 {{no decode form for @tables_from_args: argument 3 has its tokens along dimension 0, not 1}}
func.func @tables_from_args(%x: tensor<1x4x8xf32>, %wq: tensor<8x8xf32>, %wkv: tensor<8x4xf32>,
                            %cos: tensor<4x4xf32>, %sin: tensor<4x4xf32>) -> tensor<1x4x8xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(2, 1) head_dim(4) scale(0.5) mask(causal)
         inputs(%x, %x : tensor<1x4x8xf32>, tensor<1x4x8xf32>)
         slots((%wq : tensor<8x8xf32>), (%wkv : tensor<8x4xf32>))
         rope(%cos, %sin : tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}

// -----

// A learned position table of 8 rows, added per token: the model defines 8
// positions, fewer than the 16 the cache would hold.
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#table = affine_map<(d0, d1, d2) -> (d1, d2)>
// expected-remark @+1 {{no decode form for @learned: the model defines 8 positions, fewer than the capacity (16)}}
func.func @learned(%x: tensor<1x8x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x8x8xf32> {
  %pos = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
                               [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
                               [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
                               [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.5]]> : tensor<8x8xf32>
  %e = tensor.empty() : tensor<1x8x8xf32>
  %h = linalg.generic {indexing_maps = [#id, #table, #id], iterator_types = ["parallel", "parallel", "parallel"]}
         ins(%x, %pos : tensor<1x8x8xf32>, tensor<8x8xf32>) outs(%e : tensor<1x8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x8x8xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(causal)
         inputs(%h, %h : tensor<1x8x8xf32>, tensor<1x8x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x8x8xf32>
  return %0 : tensor<1x8x8xf32>
}
