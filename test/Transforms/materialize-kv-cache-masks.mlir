// RUN: qkvtie-opt %s -split-input-file --qkvtie-materialize-kv-cache="capacity=64" -verify-diagnostics | FileCheck %s

// Masks computed in the graph are proven causal by what they compute: each
// decode step attends with mask(causal), and arguments read only by the
// mask (an attention_mask) are left out of the steps.

// transformers' causal mask: position iotas compared, and-ed with the
// padding read from attention_mask, then where(mask, 0, finfo.min).
// CHECK-LABEL: func.func @hf_decode(
// CHECK-SAME: %{{.*}}: tensor<1x1x8xf32>, %{{.*}}: index, %{{.*}}: !qkvtie.kv_cache
// CHECK-SAME: qkvtie.inputs = array<i64: 0, 2>
// CHECK: qkvtie.cache.attend {{.*}} mask(causal)
#m1 = affine_map<(d0) -> (d0)>
#m2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#col = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, d3)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#sc = affine_map<(d0, d1, d2, d3) -> ()>
func.func @hf(%x: tensor<1x8x8xf32>, %am: tensor<1x8xi64>, %w: tensor<8x8xf32>) -> tensor<1x8x8xf32> {
  %c0 = arith.constant 0 : i64
  %c8 = arith.constant 8 : i64
  %zero = arith.constant dense<0.0> : tensor<f32>
  %min = arith.constant dense<-3.40282347E+38> : tensor<f32>
  %e8 = tensor.empty() : tensor<8xi64>
  %iota = linalg.generic {indexing_maps = [#m1], iterator_types = ["parallel"]} outs(%e8 : tensor<8xi64>) {
  ^bb0(%out: i64):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i64
    linalg.yield %ii : i64
  } -> tensor<8xi64>
  %eb = tensor.empty() : tensor<1x8xi1>
  %pad = linalg.generic {indexing_maps = [#m2, #m2], iterator_types = ["parallel", "parallel"]}
           ins(%am : tensor<1x8xi64>) outs(%eb : tensor<1x8xi1>) {
  ^bb0(%in: i64, %out: i1):
    %ne = arith.cmpi ne, %in, %c0 : i64
    linalg.yield %ne : i1
  } -> tensor<1x8xi1>
  %rows = tensor.expand_shape %iota [[0, 1, 2, 3]] output_shape [1, 1, 8, 1] : tensor<8xi64> into tensor<1x1x8x1xi64>
  %cols = tensor.expand_shape %iota [[0, 1, 2, 3]] output_shape [1, 1, 1, 8] : tensor<8xi64> into tensor<1x1x1x8xi64>
  %e4 = tensor.empty() : tensor<1x1x8x8xi1>
  %causal = linalg.generic {indexing_maps = [#col, #row, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
              ins(%cols, %rows : tensor<1x1x1x8xi64>, tensor<1x1x8x1xi64>) outs(%e4 : tensor<1x1x8x8xi1>) {
  ^bb0(%j: i64, %i: i64, %out: i1):
    %le = arith.cmpi sle, %j, %i : i64
    linalg.yield %le : i1
  } -> tensor<1x1x8x8xi1>
  %both = linalg.generic {indexing_maps = [#id4, #col, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
            ins(%causal, %cols : tensor<1x1x8x8xi1>, tensor<1x1x1x8xi64>) outs(%e4 : tensor<1x1x8x8xi1>) {
  ^bb0(%c: i1, %j: i64, %out: i1):
    %neg = arith.cmpi slt, %j, %c0 : i64
    %wrapped = arith.addi %j, %c8 : i64
    %jj = arith.select %neg, %wrapped, %j : i64
    %ji = arith.index_cast %jj : i64 to index
    %b0 = arith.constant 0 : index
    %p = tensor.extract %pad[%b0, %ji] : tensor<1x8xi1>
    %a = arith.andi %c, %p : i1
    linalg.yield %a : i1
  } -> tensor<1x1x8x8xi1>
  %ef = tensor.empty() : tensor<1x1x8x8xf32>
  %mask = linalg.generic {indexing_maps = [#id4, #sc, #sc, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
            ins(%both, %zero, %min : tensor<1x1x8x8xi1>, tensor<f32>, tensor<f32>) outs(%ef : tensor<1x1x8x8xf32>) {
  ^bb0(%b: i1, %z: f32, %m: f32, %out: f32):
    %s = arith.select %b, %z, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x1x8x8xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(additive, %mask : tensor<1x1x8x8xf32>)
         inputs(%x, %x : tensor<1x8x8xf32>, tensor<1x8x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x8x8xf32>
  return %0 : tensor<1x8x8xf32>
}

// -----

// torch's SDPA is_causal after decomposition: (j - i) <= 0.
// CHECK-LABEL: func.func @sdpa_decode(
// CHECK: qkvtie.cache.attend {{.*}} mask(causal)
#q = affine_map<(d0, d1) -> (0, d1)>
#k = affine_map<(d0, d1) -> (d0, 0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#s2 = affine_map<(d0, d1) -> ()>
func.func @sdpa(%x: tensor<1x8x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x8x8xf32> {
  %c0 = arith.constant 0 : i64
  %zero = arith.constant dense<0.0> : tensor<f32>
  %ninf = arith.constant dense<0xFF800000> : tensor<f32>
  %e8 = tensor.empty() : tensor<8xi64>
  %iota = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%e8 : tensor<8xi64>) {
  ^bb0(%out: i64):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i64
    linalg.yield %ii : i64
  } -> tensor<8xi64>
  %r = tensor.expand_shape %iota [[0, 1]] output_shape [1, 8] : tensor<8xi64> into tensor<1x8xi64>
  %c = tensor.expand_shape %iota [[0, 1]] output_shape [8, 1] : tensor<8xi64> into tensor<8x1xi64>
  %e = tensor.empty() : tensor<8x8xi64>
  %d = linalg.generic {indexing_maps = [#q, #k, #id2], iterator_types = ["parallel", "parallel"]}
         ins(%r, %c : tensor<1x8xi64>, tensor<8x1xi64>) outs(%e : tensor<8x8xi64>) {
  ^bb0(%j: i64, %i: i64, %out: i64):
    %s = arith.subi %j, %i : i64
    linalg.yield %s : i64
  } -> tensor<8x8xi64>
  %ef = tensor.empty() : tensor<8x8xf32>
  %m = linalg.generic {indexing_maps = [#id2, #s2, #s2, #id2], iterator_types = ["parallel", "parallel"]}
         ins(%d, %zero, %ninf : tensor<8x8xi64>, tensor<f32>, tensor<f32>) outs(%ef : tensor<8x8xf32>) {
  ^bb0(%v: i64, %z: f32, %n: f32, %out: f32):
    %le = arith.cmpi sle, %v, %c0 : i64
    %s = arith.select %le, %z, %n : f32
    linalg.yield %s : f32
  } -> tensor<8x8xf32>
  %m4 = tensor.expand_shape %m [[0, 1, 2], [3]] output_shape [1, 1, 8, 8] : tensor<8x8xf32> into tensor<1x1x8x8xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(2, 2) head_dim(4) scale(0.5) mask(additive, %m4 : tensor<1x1x8x8xf32>)
         inputs(%x, %x : tensor<1x8x8xf32>, tensor<1x8x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x8x8xf32>
  return %0 : tensor<1x8x8xf32>
}

// -----

// A constant tril buffer (GPT-2's `bias`), read as booleans: causal over the
// export's positions, which is all a constant can say.
// CHECK-LABEL: func.func @tril_decode(
// CHECK: qkvtie.cache.attend {{.*}} mask(causal)
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @tril(%x: tensor<1x4x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x4x8xf32> {
  %c0 = arith.constant 0 : i8
  %t = arith.constant dense<[[[[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]]]> : tensor<1x1x4x4xi8>
  %e = tensor.empty() : tensor<1x1x4x4xi1>
  %b = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
         ins(%t : tensor<1x1x4x4xi8>) outs(%e : tensor<1x1x4x4xi1>) {
  ^bb0(%in: i8, %out: i1):
    %ne = arith.cmpi ne, %in, %c0 : i8
    linalg.yield %ne : i1
  } -> tensor<1x1x4x4xi1>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(boolean, %b : tensor<1x1x4x4xi1>)
         inputs(%x, %x : tensor<1x4x8xf32>, tensor<1x4x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}

// -----

// Near miss: a sliding window of 2 is causal only near the diagonal.
// CHECK-LABEL: func.func @window(
// CHECK-NOT: func.func @window_decode
#q = affine_map<(d0, d1) -> (0, d1)>
#k = affine_map<(d0, d1) -> (d0, 0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @window(%x: tensor<1x8x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x8x8xf32> {
  %c0 = arith.constant 0 : i64
  %cw = arith.constant -2 : i64
  %e8 = tensor.empty() : tensor<8xi64>
  %iota = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%e8 : tensor<8xi64>) {
  ^bb0(%out: i64):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i64
    linalg.yield %ii : i64
  } -> tensor<8xi64>
  %r = tensor.expand_shape %iota [[0, 1]] output_shape [1, 8] : tensor<8xi64> into tensor<1x8xi64>
  %c = tensor.expand_shape %iota [[0, 1]] output_shape [8, 1] : tensor<8xi64> into tensor<8x1xi64>
  %e = tensor.empty() : tensor<8x8xi1>
  %m = linalg.generic {indexing_maps = [#q, #k, #id2], iterator_types = ["parallel", "parallel"]}
         ins(%r, %c : tensor<1x8xi64>, tensor<8x1xi64>) outs(%e : tensor<8x8xi1>) {
  ^bb0(%j: i64, %i: i64, %out: i1):
    %s = arith.subi %j, %i : i64
    %le = arith.cmpi sle, %s, %c0 : i64
    %gt = arith.cmpi sgt, %s, %cw : i64
    %a = arith.andi %le, %gt : i1
    linalg.yield %a : i1
  } -> tensor<8x8xi1>
  %m4 = tensor.expand_shape %m [[0, 1, 2], [3]] output_shape [1, 1, 8, 8] : tensor<8x8xi1> into tensor<1x1x8x8xi1>
  // expected-remark @+1 {{no decode form for @window: its mask is not proven causal: query 2 does not see key 0, an earlier position: a window, or padding that no argument controls}}
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(boolean, %m4 : tensor<1x1x8x8xi1>)
         inputs(%x, %x : tensor<1x8x8xf32>, tensor<1x8x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x8x8xf32>
  return %0 : tensor<1x8x8xf32>
}

// -----

// Near miss: an encoder's padding mask lets every query see every key.
// CHECK-LABEL: func.func @bidirectional(
// CHECK-NOT: func.func @bidirectional_decode
#pad = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @bidirectional(%x: tensor<1x8x8xf32>, %am: tensor<1x8xi64>, %w: tensor<8x8xf32>) -> tensor<1x8x8xf32> {
  %e = tensor.empty() : tensor<1x1x8x8xf32>
  %m = linalg.generic {indexing_maps = [#pad, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
         ins(%am : tensor<1x8xi64>) outs(%e : tensor<1x1x8x8xf32>) {
  ^bb0(%a: i64, %out: f32):
    %f = arith.sitofp %a : i64 to f32
    %one = arith.constant 1.0 : f32
    %inv = arith.subf %one, %f : f32
    %min = arith.constant -3.40282347E+38 : f32
    %v = arith.mulf %inv, %min : f32
    linalg.yield %v : f32
  } -> tensor<1x1x8x8xf32>
  // expected-remark @+1 {{no decode form for @bidirectional: its mask is not proven causal: query 0 sees key 1, a later position: the attention is bidirectional}}
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(additive, %m : tensor<1x1x8x8xf32>)
         inputs(%x, %x : tensor<1x8x8xf32>, tensor<1x8x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x8x8xf32>
  return %0 : tensor<1x8x8xf32>
}

// -----

// Near miss: a mask computed from the hidden states depends on data.
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#x = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
func.func @data(%x: tensor<1x8x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x8x8xf32> {
  %e = tensor.empty() : tensor<1x1x8x8xf32>
  %m = linalg.generic {indexing_maps = [#x, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
         ins(%x : tensor<1x8x8xf32>) outs(%e : tensor<1x1x8x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  } -> tensor<1x1x8x8xf32>
  // expected-remark @+1 {{no decode form for @data: its mask is not proven causal: reads argument 0, which the rest of the function computes with: the mask depends on the data}}
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(additive, %m : tensor<1x1x8x8xf32>)
         inputs(%x, %x : tensor<1x8x8xf32>, tensor<1x8x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x8x8xf32>
  return %0 : tensor<1x8x8xf32>
}

// -----

// Near miss: a mask that reduces over positions (any row fully masked?)
// mixes them; it is not evaluated.
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#red = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#bc = affine_map<(d0, d1, d2) -> (d0, d1, d2, 0)>
#out = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @reduced(%x: tensor<1x4x8xf32>, %w: tensor<8x8xf32>) -> tensor<1x4x8xf32> {
  %z = arith.constant dense<0.0> : tensor<1x1x4x4xf32>
  %e = tensor.empty() : tensor<1x1x4xf32>
  %s = linalg.generic {indexing_maps = [#id4, #red], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
         ins(%z : tensor<1x1x4x4xf32>) outs(%e : tensor<1x1x4xf32>) {
  ^bb0(%a: f32, %out: f32):
    %v = arith.addf %a, %out : f32
    linalg.yield %v : f32
  } -> tensor<1x1x4xf32>
  %m = tensor.expand_shape %s [[0], [1], [2, 3]] output_shape [1, 1, 4, 1] : tensor<1x1x4xf32> into tensor<1x1x4x1xf32>
  // expected-remark @+1 {{no decode form for @reduced: its mask is not proven causal: 'linalg.generic' at}}
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(4) scale(0.5) mask(additive, %m : tensor<1x1x4x1xf32>)
         inputs(%x, %x : tensor<1x4x8xf32>, tensor<1x4x8xf32>)
         slots((%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>), (%w : tensor<8x8xf32>)) -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}
