// RUN: qkvtie-opt %s -split-input-file --qkvtie-raise-attention | FileCheck %s

// linalg.softmax, no projections (Q = K = V = the input split into heads),
// no scale: the identity tying map.
// CHECK-LABEL: func.func @named_softmax_identity
// CHECK: %[[O:.*]] = qkvtie.attention ties <q = identity, k = identity, v = identity> heads(2, 2) head_dim(8) scale(1.000000e+00) mask(none)
// CHECK-SAME: inputs(%arg0, %arg0 : tensor<1x4x16xf32>, tensor<1x4x16xf32>)
// CHECK-NOT: linalg.softmax
// CHECK: return %[[O]]
func.func @named_softmax_identity(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %e = tensor.expand_shape %x [[0], [1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<1x4x16xf32> into tensor<1x4x2x8xf32>
  %t0 = tensor.empty() : tensor<1x2x4x8xf32>
  %q = linalg.transpose ins(%e : tensor<1x4x2x8xf32>) outs(%t0 : tensor<1x2x4x8xf32>) permutation = [0, 2, 1, 3]
  %t1 = tensor.empty() : tensor<1x2x8x4xf32>
  %kt = linalg.transpose ins(%e : tensor<1x4x2x8xf32>) outs(%t1 : tensor<1x2x8x4xf32>) permutation = [0, 2, 3, 1]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
  %kc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x2x8x4xf32> into tensor<2x8x4xf32>
  %s0 = tensor.empty() : tensor<2x4x4xf32>
  %z = linalg.fill ins(%cst : f32) outs(%s0 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %kc : tensor<2x4x8xf32>, tensor<2x8x4xf32>) outs(%z : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<2x4x4xf32>) outs(%s0 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %o0 = tensor.empty() : tensor<2x4x8xf32>
  %z2 = linalg.fill ins(%cst : f32) outs(%o0 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %o = linalg.batch_matmul ins(%p, %qc : tensor<2x4x4xf32>, tensor<2x4x8xf32>) outs(%z2 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
  %t2 = tensor.empty() : tensor<1x4x2x8xf32>
  %ot = linalg.transpose ins(%oe : tensor<1x2x4x8xf32>) outs(%t2 : tensor<1x4x2x8xf32>) permutation = [0, 2, 1, 3]
  %r = tensor.collapse_shape %ot [[0], [1], [2, 3]] : tensor<1x4x2x8xf32> into tensor<1x4x16xf32>
  return %r : tensor<1x4x16xf32>
}

// -----

// The same with softmax over the query axis (dimension 1): not attention,
// left alone.
// CHECK-LABEL: func.func @named_softmax_wrong_axis
// CHECK-NOT: qkvtie.attention
// CHECK: linalg.softmax dimension(1)
func.func @named_softmax_wrong_axis(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %e = tensor.expand_shape %x [[0], [1], [2, 3]] output_shape [1, 4, 2, 8] : tensor<1x4x16xf32> into tensor<1x4x2x8xf32>
  %t0 = tensor.empty() : tensor<1x2x4x8xf32>
  %q = linalg.transpose ins(%e : tensor<1x4x2x8xf32>) outs(%t0 : tensor<1x2x4x8xf32>) permutation = [0, 2, 1, 3]
  %t1 = tensor.empty() : tensor<1x2x8x4xf32>
  %kt = linalg.transpose ins(%e : tensor<1x4x2x8xf32>) outs(%t1 : tensor<1x2x8x4xf32>) permutation = [0, 2, 3, 1]
  %qc = tensor.collapse_shape %q [[0, 1], [2], [3]] : tensor<1x2x4x8xf32> into tensor<2x4x8xf32>
  %kc = tensor.collapse_shape %kt [[0, 1], [2], [3]] : tensor<1x2x8x4xf32> into tensor<2x8x4xf32>
  %s0 = tensor.empty() : tensor<2x4x4xf32>
  %z = linalg.fill ins(%cst : f32) outs(%s0 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %s = linalg.batch_matmul ins(%qc, %kc : tensor<2x4x8xf32>, tensor<2x8x4xf32>) outs(%z : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %p = linalg.softmax dimension(1) ins(%s : tensor<2x4x4xf32>) outs(%s0 : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %o0 = tensor.empty() : tensor<2x4x8xf32>
  %z2 = linalg.fill ins(%cst : f32) outs(%o0 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %o = linalg.batch_matmul ins(%p, %qc : tensor<2x4x4xf32>, tensor<2x4x8xf32>) outs(%z2 : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %oe = tensor.expand_shape %o [[0, 1], [2], [3]] output_shape [1, 2, 4, 8] : tensor<2x4x8xf32> into tensor<1x2x4x8xf32>
  %t2 = tensor.empty() : tensor<1x4x2x8xf32>
  %ot = linalg.transpose ins(%oe : tensor<1x2x4x8xf32>) outs(%t2 : tensor<1x4x2x8xf32>) permutation = [0, 2, 1, 3]
  %r = tensor.collapse_shape %ot [[0], [1], [2, 3]] : tensor<1x4x2x8xf32> into tensor<1x4x16xf32>
  return %r : tensor<1x4x16xf32>
}
