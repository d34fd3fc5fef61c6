// A Llama-style layer with Q-K=V tying: 8 query heads share 2 KV heads, and
// one projection slot produces both keys and values, so the KV cache keeps a
// single buffer. Run `scripts/run-example.sh` to verify it and print the
// cache bytes per token.
func.func @layer(%x: tensor<1x16x128xf32>, %wq: tensor<128x128xf32>,
                 %wkv: tensor<128x32xf32>, %wo: tensor<128x128xf32>,
                 %cos: tensor<64x16xf32>, %sin: tensor<64x16xf32>)
    -> tensor<1x16x128xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(8, 2) head_dim(16)
         scale(2.500000e-01) mask(causal)
         inputs(%x, %x : tensor<1x16x128xf32>, tensor<1x16x128xf32>)
         slots((%wq : tensor<128x128xf32>), (%wkv : tensor<128x32xf32>))
         rope(%cos, %sin : tensor<64x16xf32>, tensor<64x16xf32>)
         out(%wo : tensor<128x128xf32>) -> tensor<1x16x128xf32>
  return %0 : tensor<1x16x128xf32>
}

// The decode step a server runs for the same layer: append the new token's
// shared projection to the one-buffer cache, then attend over it.
func.func @decode_step(%cache: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 64, head_dim = 16, f32>,
                       %q: tensor<1x8x1x16xf32>, %kv: tensor<1x2x1x16xf32>,
                       %cos: tensor<64x16xf32>, %sin: tensor<64x16xf32>)
    -> (tensor<1x8x1x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 64, head_dim = 16, f32>) {
  %pos = arith.constant 3 : index
  %c = qkvtie.cache.append %cache at %pos, %kv : !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 64, head_dim = 16, f32>, tensor<1x2x1x16xf32>
  %o = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(2.500000e-01) mask(causal) %q, %c length %pos
         rope(%cos, %sin : tensor<64x16xf32>, tensor<64x16xf32>)
         : tensor<1x8x1x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 64, head_dim = 16, f32> -> tensor<1x8x1x16xf32>
  return %o, %c : tensor<1x8x1x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 64, head_dim = 16, f32>
}
