// RUN: qkvtie-opt %s -split-input-file -verify-diagnostics

func.func @query_rank(%x: tensor<8x64xf32>, %y: tensor<1x8x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{query must be [B, S, D], got [8, 64]}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %y : tensor<8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @kv_rank(%x: tensor<1x8x64xf32>, %y: tensor<8x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{key_value must be [B, T, D], got [8, 64]}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %y : tensor<1x8x64xf32>, tensor<8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @value_rank(%x: tensor<1x8x64xf32>, %v: tensor<8x32xf32>, %w: tensor<64x64xf32>, %wv: tensor<32x64xf32>) {
  // expected-error @+1 {{value must be [B, T, D_v], got [8, 32]}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 1> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) value(%v : tensor<8x32xf32>)
         slots((%w : tensor<64x64xf32>), (%wv : tensor<32x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @value_length(%x: tensor<1x8x64xf32>, %v: tensor<1x6x32xf32>, %w: tensor<64x64xf32>, %wv: tensor<32x64xf32>) {
  // expected-error @+1 {{value must have the keys' batch and length [1, 8], got [1, 6, 32]}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 1> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) value(%v : tensor<1x6x32xf32>)
         slots((%w : tensor<64x64xf32>), (%wv : tensor<32x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @value_width(%x: tensor<1x8x64xf32>, %v: tensor<1x8x32xf32>, %w: tensor<64x64xf32>) {
  // v and k name one slot, but the slot's weight takes 64 features and v
  // projects a 32-wide value.
  // expected-error @+1 {{weight of slot 0 has D_in = 64 but v projects value with 32 features}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) value(%v : tensor<1x8x32xf32>)
         slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @dynamic_operand(%x: tensor<1x?x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{requires static shapes; operand #0 has type 'tensor<1x?x64xf32>'}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x?x64xf32>, tensor<1x?x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @dynamic_result(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{requires static shapes; result has type 'tensor<1x?x64xf32>'}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x?x64xf32>
  return
}

// -----

func.func @unsupported_element(%x: tensor<1x8x64xf64>, %w: tensor<64x64xf64>) {
  // expected-error @+1 {{element type must be f16, bf16 or f32, got 'f64'}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf64>, tensor<1x8x64xf64>) slots((%w : tensor<64x64xf64>)) -> tensor<1x8x64xf64>
  return
}

// -----

func.func @mixed_elements(%x: tensor<1x8x64xf32>, %y: tensor<1x8x64xf16>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{element type of key_value ('f16') does not match the query's ('f32')}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %y : tensor<1x8x64xf32>, tensor<1x8x64xf16>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @mixed_weight(%x: tensor<1x8x64xf32>, %w: tensor<64x64xbf16>) {
  // expected-error @+1 {{element type of a slot weight ('bf16') does not match the query's ('f32')}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xbf16>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @mixed_result(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{element type of the result ('f16') does not match the query's ('f32')}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf16>
  return
}

// -----

func.func @batch_mismatch(%x: tensor<1x8x64xf32>, %y: tensor<2x8x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{key_value batch (2) does not match query batch (1)}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %y : tensor<1x8x64xf32>, tensor<2x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @zero_heads(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{num_heads, num_kv_heads and head_dim must be positive}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(0, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @heads_do_not_divide(%x: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wkv: tensor<64x48xf32>) {
  // expected-error @+1 {{num_heads (4) must be a multiple of num_kv_heads (3)}}
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(4, 3) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>)
         slots((%wq : tensor<64x64xf32>), (%wkv : tensor<64x48xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @infinite_scale(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{scale must be finite}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0x7FF0000000000000) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @bias_flags_count(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{slot_has_bias has 2 entries for 1 slots}}
  %0 = "qkvtie.attention"(%x, %x, %w) <{head_dim = 16 : i64, mask_kind = 0 : i32, num_heads = 4 : i64,
         num_kv_heads = 4 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0>, scale = 2.500000e-01 : f64,
         slot_has_bias = array<i1: false, false>, ties = #qkvtie.ties<q = 0, k = 0, v = 0>}>
       : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @bias_count(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{passes 1 bias(es) but slot_has_bias marks 0}}
  %0 = "qkvtie.attention"(%x, %x, %w, %b) <{head_dim = 16 : i64, mask_kind = 0 : i32, num_heads = 4 : i64,
         num_kv_heads = 4 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0>, scale = 2.500000e-01 : f64,
         slot_has_bias = array<i1: false>, ties = #qkvtie.ties<q = 0, k = 0, v = 0>}>
       : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @slot_out_of_range(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{ties.v names slot 1 but the op has 1 slot(s)}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 1> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @unused_slot(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{slot 1 is not used by q, k or v}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>)
         slots((%w : tensor<64x64xf32>), (%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @weight_rank(%x: tensor<1x8x64xf32>, %w: tensor<1x64x64xf32>) {
  // expected-error @+1 {{weight of slot 0 must be [D_in, N], got [1, 64, 64]}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<1x64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @bias_shape(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{bias of slot 0 must be [64], got [32]}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>)
         slots((%w, %b : tensor<64x64xf32>, tensor<32xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @bias_element(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %b: tensor<64xf16>) {
  // expected-error @+1 {{element type of a slot bias ('f16') does not match the query's ('f32')}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>)
         slots((%w, %b : tensor<64x64xf32>, tensor<64xf16>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @value_width(%x: tensor<1x8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>, %wv: tensor<64x30xf32>) {
  // expected-error @+1 {{v source width (30) is not divisible by num_kv_heads (4)}}
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>)
         slots((%wq : tensor<64x64xf32>), (%wk : tensor<64x64xf32>), (%wv : tensor<64x30xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @identity_width(%x: tensor<1x8x48xf32>, %w: tensor<48x64xf32>) {
  // expected-error @+1 {{identity q needs query features (48) to equal heads x head size (4 x 16)}}
  %0 = qkvtie.attention ties <q = identity, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x48xf32>, tensor<1x8x48xf32>) slots((%w : tensor<48x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @weight_input_width(%x: tensor<1x8x64xf32>, %w: tensor<32x64xf32>) {
  // expected-error @+1 {{weight of slot 0 has D_in = 32 but q projects query with 64 features}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<32x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

// Q=K tying needs Hq == Hkv: one slot cannot be 4 and 2 heads wide at once.
func.func @weight_output_width(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %wv: tensor<64x32xf32>) {
  // expected-error @+1 {{weight of slot 0 has 64 outputs but k needs heads x head size = 2 x 16}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 1> heads(4, 2) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>)
         slots((%w : tensor<64x64xf32>), (%wv : tensor<64x32xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @causal_with_tensor(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %m: tensor<8x8xf32>) {
  // expected-error @+1 {{mask kind 'causal' takes no mask tensor}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(causal, %m : tensor<8x8xf32>)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @additive_without_tensor(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{mask kind 'additive' requires a mask tensor}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(additive)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @additive_int(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %m: tensor<8x8xi32>) {
  // expected-error @+1 {{additive mask must have a float element type, got 'i32'}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(additive, %m : tensor<8x8xi32>)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @boolean_float(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %m: tensor<8x8xf32>) {
  // expected-error @+1 {{boolean mask must have element type i1, got 'f32'}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(boolean, %m : tensor<8x8xf32>)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @mask_broadcast(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %m: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{mask of shape [1, 3, 8, 8] does not broadcast to [B, Hq, S, T] = [1, 4, 8, 8]}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(additive, %m : tensor<1x3x8x8xf32>)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @causal_longer_query(%x: tensor<1x8x64xf32>, %y: tensor<1x4x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{causal mask needs S <= T, got S = 8, T = 4}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(causal)
         inputs(%x, %y : tensor<1x8x64xf32>, tensor<1x4x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @rope_missing_sin(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %c: tensor<8x16xf32>) {
  // expected-error @+1 {{rope needs both cos and sin tables}}
  %0 = "qkvtie.attention"(%x, %x, %w, %c) <{head_dim = 16 : i64, mask_kind = 0 : i32, num_heads = 4 : i64,
         num_kv_heads = 4 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0>, scale = 2.500000e-01 : f64,
         slot_has_bias = array<i1: false>, ties = #qkvtie.ties<q = 0, k = 0, v = 0>}>
       : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<64x64xf32>, tensor<8x16xf32>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @rope_odd_head_dim(%x: tensor<1x8x60xf32>, %w: tensor<60x60xf32>, %c: tensor<8x15xf32>) {
  // expected-error @+1 {{rope tables must be [N, r] with N >= 8 and r even, at most head_dim (15), got [8, 15]}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(15) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x60xf32>, tensor<1x8x60xf32>) slots((%w : tensor<60x60xf32>))
         rope(%c, %c : tensor<8x15xf32>, tensor<8x15xf32>) -> tensor<1x8x60xf32>
  return
}

// -----

func.func @rope_int_table(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %c: tensor<8x16xi32>) {
  // expected-error @+1 {{rope tables must have a float element type, got 'i32'}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>))
         rope(%c, %c : tensor<8x16xi32>, tensor<8x16xi32>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @rope_short_table(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %c: tensor<4x16xf32>) {
  // expected-error @+1 {{rope tables must be [N, r] with N >= 8 and r even, at most head_dim (16), got [4, 16]}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>))
         rope(%c, %c : tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @out_bias_alone(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{out_bias requires an out weight}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>))
         out_bias(%b : tensor<64xf32>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @out_weight_shape(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %wo: tensor<32x64xf32>) {
  // expected-error @+1 {{out weight must be [Hq x dv = 64, D_out], got [32, 64]}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>))
         out(%wo : tensor<32x64xf32>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @out_weight_element(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %wo: tensor<64x64xf16>) {
  // expected-error @+1 {{element type of out weight ('f16') does not match the query's ('f32')}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>))
         out(%wo : tensor<64x64xf16>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @out_bias_shape(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %wo: tensor<64x32xf32>, %bo: tensor<64xf32>) {
  // expected-error @+1 {{out bias must be [32], got [64]}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>))
         out(%wo : tensor<64x32xf32>) out_bias(%bo : tensor<64xf32>) -> tensor<1x8x32xf32>
  return
}

// -----

func.func @result_shape(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{result must be [B, S, D_out] = [1, 8, 64], got [1, 8, 32]}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x32xf32>
  return
}

// -----

// expected-error @+1 {{ties: slot index must be >= 0 or 'identity', got -2}}
func.func @negative_slot() attributes {qkvtie.t = #qkvtie.ties<q = -2, k = 0, v = 0>} {
  return
}

// -----

// expected-error @+1 {{kv_cache: buffers must be 1 (k = v) or 2, got 3}}
func.func @three_buffers(%c: !qkvtie.kv_cache<batch = 1, buffers = 3, heads = 2, capacity = 8, head_dim = 16, f32>) {
  return
}

// -----

// expected-error @+1 {{kv_cache: batch, heads, capacity and head_dim must be positive}}
func.func @zero_capacity(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 0, head_dim = 16, f32>) {
  return
}

// -----

// expected-error @+1 {{kv_cache: element type must be f16, bf16 or f32, got 'i8'}}
func.func @int8_cache(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, i8>) {
  return
}

// -----

func.func @append_count(%c: !qkvtie.kv_cache<batch = 1, buffers = 2, heads = 2, capacity = 8, head_dim = 16, f32>,
                        %k: tensor<1x2x1x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{expects 2 tensor(s), one per cache buffer, got 1}}
  %0 = qkvtie.cache.append %c at %pos, %k : !qkvtie.kv_cache<batch = 1, buffers = 2, heads = 2, capacity = 8, head_dim = 16, f32>, tensor<1x2x1x16xf32>
  return
}

// -----

func.func @append_element(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                          %k: tensor<1x2x1x16xf16>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{value #0 has element type 'f16' but the cache holds 'f32'}}
  %0 = qkvtie.cache.append %c at %pos, %k : !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>, tensor<1x2x1x16xf16>
  return
}

// -----

func.func @append_shape(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                        %k: tensor<1x4x1x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{value #0 must be [batch, heads, n, head_dim] = [1, 2, n, 16], got [1, 4, 1, 16]}}
  %0 = qkvtie.cache.append %c at %pos, %k : !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>, tensor<1x4x1x16xf32>
  return
}

// -----

func.func @append_ragged(%c: !qkvtie.kv_cache<batch = 1, buffers = 2, heads = 2, capacity = 8, head_dim = 16, f32>,
                         %k: tensor<1x2x1x16xf32>, %v: tensor<1x2x2x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{all values must append the same number of tokens}}
  %0 = qkvtie.cache.append %c at %pos, %k, %v : !qkvtie.kv_cache<batch = 1, buffers = 2, heads = 2, capacity = 8, head_dim = 16, f32>, tensor<1x2x1x16xf32>, tensor<1x2x2x16xf32>
  return
}

// -----

func.func @append_past_capacity(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                                %k: tensor<1x2x9x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{appends 9 tokens, more than the capacity (8)}}
  %0 = qkvtie.cache.append %c at %pos, %k : !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>, tensor<1x2x9x16xf32>
  return
}

// -----

func.func @append_result_type(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                              %k: tensor<1x2x1x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{failed to verify that all of {cache, result} have same type}}
  %0 = "qkvtie.cache.append"(%c, %pos, %k) : (!qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>, index, tensor<1x2x1x16xf32>) -> !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 16, head_dim = 16, f32>
  return
}

// -----

func.func @attend_rank(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                       %q: tensor<8x1x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{query must be a static [B, Hq, n, d] tensor, got 'tensor<8x1x16xf32>'}}
  %0 = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(0.25) mask(none) %q, %c length %pos
         : tensor<8x1x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32> -> tensor<8x1x16xf32>
  return
}

// -----

func.func @attend_heads(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                        %q: tensor<1x7x1x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{num_heads (7) must be a positive multiple of num_kv_heads (2)}}
  %0 = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(7, 2) scale(0.25) mask(none) %q, %c length %pos
         : tensor<1x7x1x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32> -> tensor<1x7x1x16xf32>
  return
}

// -----

func.func @attend_kv_heads(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                           %q: tensor<1x8x1x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{num_kv_heads (4) does not match the cache's heads (2)}}
  %0 = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 4) scale(0.25) mask(none) %q, %c length %pos
         : tensor<1x8x1x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32> -> tensor<1x8x1x16xf32>
  return
}

// -----

func.func @attend_query_shape(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                              %q: tensor<1x8x1x32xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{query must be [B, Hq, n, d] = [1, 8, n, 16], got [1, 8, 1, 32]}}
  %0 = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(0.25) mask(none) %q, %c length %pos
         : tensor<1x8x1x32xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32> -> tensor<1x8x1x32xf32>
  return
}

// -----

func.func @attend_too_many(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                           %q: tensor<1x8x9x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{attends 9 query tokens, more than the capacity (8)}}
  %0 = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(0.25) mask(none) %q, %c length %pos
         : tensor<1x8x9x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32> -> tensor<1x8x9x16xf32>
  return
}

// -----

func.func @attend_element(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                          %q: tensor<1x8x1x16xf64>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{query element type must be f16, bf16 or f32, got 'f64'}}
  %0 = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(0.25) mask(none) %q, %c length %pos
         : tensor<1x8x1x16xf64>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32> -> tensor<1x8x1x16xf64>
  return
}

// -----

func.func @attend_result(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                         %q: tensor<1x8x1x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{result type 'tensor<1x8x2x16xf32>' must equal the query type 'tensor<1x8x1x16xf32>'}}
  %0 = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(0.25) mask(none) %q, %c length %pos
         : tensor<1x8x1x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32> -> tensor<1x8x2x16xf32>
  return
}

// -----

// A canonical map has two distinct sources among k and v: a one-buffer cache
// cannot hold them.
func.func @attend_buffers(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                          %q: tensor<1x8x1x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{cache has 1 buffer(s) but ties #qkvtie.ties<q = 0, k = 1, v = 2> has 2 distinct source(s) among k and v}}
  %0 = qkvtie.cache.attend ties <q = 0, k = 1, v = 2> heads(8, 2) scale(0.25) mask(none) %q, %c length %pos
         : tensor<1x8x1x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32> -> tensor<1x8x1x16xf32>
  return
}

// -----

func.func @attend_mask(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                       %q: tensor<1x8x1x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{supports mask kinds none and causal, got additive}}
  %0 = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(0.25) mask(additive) %q, %c length %pos
         : tensor<1x8x1x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32> -> tensor<1x8x1x16xf32>
  return
}

// -----

func.func @attend_scale(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                        %q: tensor<1x8x1x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{scale must be finite}}
  %0 = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(0x7FF8000000000000) mask(none) %q, %c length %pos
         : tensor<1x8x1x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32> -> tensor<1x8x1x16xf32>
  return
}

// -----

// Decode tables must cover every position the cache can hold.
func.func @attend_rope(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                       %q: tensor<1x8x1x16xf32>, %t: tensor<4x16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{rope tables must be [N, r] with N >= 8 and r even, at most head_dim (16), got [4, 16]}}
  %0 = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(0.25) mask(none) %q, %c length %pos
         rope(%t, %t : tensor<4x16xf32>, tensor<4x16xf32>)
         : tensor<1x8x1x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32> -> tensor<1x8x1x16xf32>
  return
}

// -----

func.func @empty_sequence(%x: tensor<1x0x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{batch, query and key sequences must be non-empty, got B = 1, S = 0, T = 0}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x0x64xf32>, tensor<1x0x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x0x64xf32>
  return
}

// -----

func.func @rope_odd_partial(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %c: tensor<8x5xf32>) {
  // expected-error @+1 {{rope tables must be [N, r] with N >= 8 and r even, at most head_dim (16), got [8, 5]}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>))
         rope(%c, %c : tensor<8x5xf32>, tensor<8x5xf32>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @rope_mismatched(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %c: tensor<8x8xf32>, %s: tensor<8x16xf32>) {
  // expected-error @+1 {{rope tables must have one type, got 'tensor<8x8xf32>' and 'tensor<8x16xf32>'}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>))
         rope(%c, %s : tensor<8x8xf32>, tensor<8x16xf32>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @norm_shape(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %n: tensor<8xf32>) {
  // expected-error @+1 {{QK-norm weights must be float [head_dim] = [16], got 'tensor<8xf32>'}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>))
         q_norm(%n : tensor<8xf32>) norm_eps(1.0e-06) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @norm_without_eps(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %n: tensor<16xf32>) {
  // expected-error @+1 {{norm_eps must be given exactly when QK-norm weights are}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>))
         k_norm(%n : tensor<16xf32>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @norm_eps_zero(%c: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32>,
                         %q: tensor<1x8x1x16xf32>, %n: tensor<16xf32>) {
  %pos = arith.constant 3 : index
  // expected-error @+1 {{norm_eps must be positive and finite}}
  %0 = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(0.25) mask(none) %q, %c length %pos
         k_norm(%n : tensor<16xf32>) norm_eps(0.0)
         : tensor<1x8x1x16xf32>, !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 8, head_dim = 16, f32> -> tensor<1x8x1x16xf32>
  return
}

// -----

// expected-error @+1 {{kv_cache: 1 x 2 x 8 x 1152921504606846976 x 64 elements need more than 2^47 bytes}}
func.func @huge_cache(%c: !qkvtie.kv_cache<batch = 1, buffers = 2, heads = 8, capacity = 1152921504606846976, head_dim = 64, f16>) {
  return
}

// -----

func.func @rope_f64(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %c: tensor<8x16xf64>) {
  // expected-error @+1 {{RoPE tables and masks must be f16, bf16 or f32, got 'f64'}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>))
         rope(%c, %c : tensor<8x16xf64>, tensor<8x16xf64>) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @mask_f64(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>, %m: tensor<8x8xf64>) {
  // expected-error @+1 {{RoPE tables and masks must be f16, bf16 or f32, got 'f64'}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(16) scale(0.25) mask(additive, %m : tensor<8x8xf64>)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

func.func @huge_heads(%x: tensor<1x8x64xf32>, %w: tensor<64x64xf32>) {
  // expected-error @+1 {{num_heads x head_dim (4 x 4611686018427387904) is too large}}
  %0 = qkvtie.attention ties <q = 0, k = 0, v = 0> heads(4, 4) head_dim(4611686018427387904) scale(0.25) mask(none)
         inputs(%x, %x : tensor<1x8x64xf32>, tensor<1x8x64xf32>) slots((%w : tensor<64x64xf32>)) -> tensor<1x8x64xf32>
  return
}

// -----

// The passes' discardable attributes are declared in the dialect and their
// types checked wherever they appear.
// expected-error@+1 {{'qkvtie.kernel' must be a unit attribute}}
func.func private @kernel_not_unit() attributes {qkvtie.kernel = 1 : i64}

// -----

// expected-error@+1 {{'qkvtie.token_inputs' must be an array<i64>}}
func.func private @token_inputs_not_i64_array() attributes {qkvtie.token_inputs = [0, 1]}

// -----

// expected-error@+1 {{'qkvtie.check_messages' must be an array}}
module attributes {qkvtie.check_messages = "x"} {
}

// -----

// expected-error@+1 {{'qkvtie.before' must be a dictionary}}
func.func private @before_not_dictionary() attributes {qkvtie.before = []}

// -----

// expected-error@+1 {{'qkvtie.tied_to' belongs on a function argument}}
func.func private @tied_to_on_function() attributes {qkvtie.tied_to = 0 : i64}

// -----

// expected-error@+1 {{'qkvtie.tied_to' of argument 1 must be the index of another argument, in [0, 2)}}
func.func private @tied_to_out_of_range(tensor<4xf32>, tensor<4xf32> {qkvtie.tied_to = 2 : i64})

// -----

// expected-error@+1 {{'qkvtie.tied_to' of argument 0 must be the index of another argument, in [0, 2)}}
func.func @tied_to_itself(%a: tensor<4xf32> {qkvtie.tied_to = 0 : i64}, %b: tensor<4xf32>) {
  return
}
