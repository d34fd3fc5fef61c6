func.func @half(%x: tensor<1x3x8xf16>, %w: tensor<8x8xf16>) -> tensor<1x3x8xf16> {
  // expected-error @+1 {{qkvtie-materialize-kv-cache: a 'bf16' cache cannot hold the keys of a 'f16' model; use 'f16' or f32}}
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(causal)
         inputs(%x, %x : tensor<1x3x8xf16>, tensor<1x3x8xf16>)
         slots((%w : tensor<8x8xf16>), (%w : tensor<8x8xf16>), (%w : tensor<8x8xf16>)) -> tensor<1x3x8xf16>
  return %0 : tensor<1x3x8xf16>
}
