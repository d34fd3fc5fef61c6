func.func @huge(%x: tensor<1x3x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x3x8xf32> {
  // expected-error @+1 {{qkvtie-materialize-kv-cache: kv_cache: 1 x 2 x 2 x 1152921504606846976 x 4 elements need more than 2^47 bytes}}
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(none)
         inputs(%x, %x : tensor<1x3x8xf32>, tensor<1x3x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x3x8xf32>
  return %0 : tensor<1x3x8xf32>
}
