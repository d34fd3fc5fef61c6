// RUN: qkvtie-opt %s -split-input-file --qkvtie-fold-ties | FileCheck %s
// RUN: qkvtie-opt %s -split-input-file --qkvtie-fold-ties=tie-arguments=true | FileCheck %s --check-prefix=ARGS
// RUN: qkvtie-opt %s -split-input-file --qkvtie-fold-ties=tolerance=1e-3 | FileCheck %s --check-prefix=TOL

// The same value in two slots: an SSA tie; Q-K=V keeps one cache buffer.
// CHECK-LABEL: func.func @ssa
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 1>
// CHECK-SAME: slots((%arg1 : tensor<16x16xf32>), (%arg2 : tensor<16x16xf32>))
// CHECK-SAME: qkvtie.before = {kv_cache_bytes_per_token = 128 : i64, projection_bytes = 3072 : i64, projections = 3 : i64, ties = #qkvtie.ties<q = 0, k = 1, v = 2>}
// CHECK-SAME: qkvtie.proofs = [{kind = "ssa", roles = "k=v", slots = array<i64: 1, 2>}]
func.func @ssa(%x: tensor<1x4x16xf32>, %wq: tensor<16x16xf32>, %wk: tensor<16x16xf32>) -> tensor<1x4x16xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(8) scale(0.35) mask(none)
         inputs(%x, %x : tensor<1x4x16xf32>, tensor<1x4x16xf32>)
         slots((%wq : tensor<16x16xf32>), (%wk : tensor<16x16xf32>), (%wk : tensor<16x16xf32>)) -> tensor<1x4x16xf32>
  return %0 : tensor<1x4x16xf32>
}

// -----

// Bit-equal constants under two names, seen through transposes: weight AND
// bias equal, so k and v fold.
// CHECK-LABEL: func.func @equal_constants
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 1>
// CHECK-SAME: qkvtie.proofs = [{kind = "constant-bytes", roles = "k=v", slots = array<i64: 1, 2>}]
func.func @equal_constants(%x: tensor<1x2x4xf32>, %wq: tensor<4x4xf32>) -> tensor<1x2x4xf32> {
  %wk = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0], [13.0, 14.0, 15.0, 16.0]]> : tensor<4x4xf32>
  %wv = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0], [13.0, 14.0, 15.0, 16.0]]> : tensor<4x4xf32>
  %bk = arith.constant dense<0.5> : tensor<4xf32>
  %bv = arith.constant dense<[0.5, 0.5, 0.5, 0.5]> : tensor<4xf32>
  %e = tensor.empty() : tensor<4x4xf32>
  %tk = linalg.transpose ins(%wk : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) permutation = [1, 0]
  %tv = linalg.transpose ins(%wv : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) permutation = [1, 0]
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(2) scale(0.7) mask(none)
         inputs(%x, %x : tensor<1x2x4xf32>, tensor<1x2x4xf32>)
         slots((%wq : tensor<4x4xf32>), (%tk, %bk : tensor<4x4xf32>, tensor<4xf32>), (%tv, %bv : tensor<4x4xf32>, tensor<4xf32>)) -> tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}

// -----

// dense_resource blobs with different names and equal bytes are equal.
// CHECK-LABEL: func.func @equal_blobs
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 1>
// CHECK-SAME: kind = "constant-bytes"
func.func @equal_blobs(%x: tensor<1x2x2xf32>, %wq: tensor<2x2xf32>) -> tensor<1x2x2xf32> {
  %wk = arith.constant dense_resource<blob_k> : tensor<2x2xf32>
  %wv = arith.constant dense_resource<blob_v> : tensor<2x2xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(1, 1) head_dim(2) scale(0.7) mask(none)
         inputs(%x, %x : tensor<1x2x2xf32>, tensor<1x2x2xf32>)
         slots((%wq : tensor<2x2xf32>), (%wk : tensor<2x2xf32>), (%wv : tensor<2x2xf32>)) -> tensor<1x2x2xf32>
  return %0 : tensor<1x2x2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      blob_k: "0x040000000000803F0000004000004040000080C0",
      blob_v: "0x040000000000803F0000004000004040000080C0"
    }
  }
#-}

// -----

// One element one ulp apart: not a tie, and a near miss naming element
// [1, 0] of the constant with both values. A tolerance ties it, with the
// difference measured.
// CHECK-LABEL: func.func @one_ulp
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 2>
// CHECK-SAME: qkvtie.near_misses = [{differing_elements = 1 : i64, index = array<i64: 1, 0>, max_abs_diff = 2.384185791015625E-7 : f64, roles = "k=v", slots = array<i64: 1, 2>, tensor = "weight", values = array<f64: 3.000000e+00, 3.0000002384185791>}]
// CHECK-NOT: qkvtie.proofs
// TOL-LABEL: func.func @one_ulp
// TOL: qkvtie.attention ties <q = 0, k = 1, v = 1>
// TOL-SAME: qkvtie.proofs = [{kind = "tolerance", max_abs_diff = 2.384185791015625E-7 : f64, max_rel_diff = 7.9472853384585909E-8 : f64, roles = "k=v", slots = array<i64: 1, 2>}]
func.func @one_ulp(%x: tensor<1x2x2xf32>, %wq: tensor<2x2xf32>) -> tensor<1x2x2xf32> {
  %wk = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %wv = arith.constant dense<[[1.0, 2.0], [3.00000024, 4.0]]> : tensor<2x2xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(1, 1) head_dim(2) scale(0.7) mask(none)
         inputs(%x, %x : tensor<1x2x2xf32>, tensor<1x2x2xf32>)
         slots((%wq : tensor<2x2xf32>), (%wk : tensor<2x2xf32>), (%wv : tensor<2x2xf32>)) -> tensor<1x2x2xf32>
  return %0 : tensor<1x2x2xf32>
}

// -----

// Equal weights, different biases: not a tie.
// CHECK-LABEL: func.func @bias_differs
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 2>
// CHECK-NOT: qkvtie.proofs
func.func @bias_differs(%x: tensor<1x2x2xf32>, %wq: tensor<2x2xf32>, %w: tensor<2x2xf32>) -> tensor<1x2x2xf32> {
  %bk = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %bv = arith.constant dense<[1.0, 3.0]> : tensor<2xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(1, 1) head_dim(2) scale(0.7) mask(none)
         inputs(%x, %x : tensor<1x2x2xf32>, tensor<1x2x2xf32>)
         slots((%wq : tensor<2x2xf32>), (%w, %bk : tensor<2x2xf32>, tensor<2xf32>), (%w, %bv : tensor<2x2xf32>, tensor<2xf32>)) -> tensor<1x2x2xf32>
  return %0 : tensor<1x2x2xf32>
}

// -----

// Column slices of one packed constant: [0, 2) and [2, 4) are equal, the
// query's [4, 6) is not.
// CHECK-LABEL: func.func @packed
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 1>
// CHECK-SAME: kind = "packed-slice", roles = "k=v"
func.func @packed(%x: tensor<1x2x2xf32>) -> tensor<1x2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 1.0, 2.0, 5.0, 6.0], [3.0, 4.0, 3.0, 4.0, 7.0, 8.0]]> : tensor<2x6xf32>
  %wk = tensor.extract_slice %w[0, 0] [2, 2] [1, 1] : tensor<2x6xf32> to tensor<2x2xf32>
  %wv = tensor.extract_slice %w[0, 2] [2, 2] [1, 1] : tensor<2x6xf32> to tensor<2x2xf32>
  %wq = tensor.extract_slice %w[0, 4] [2, 2] [1, 1] : tensor<2x6xf32> to tensor<2x2xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(1, 1) head_dim(2) scale(0.7) mask(none)
         inputs(%x, %x : tensor<1x2x2xf32>, tensor<1x2x2xf32>)
         slots((%wq : tensor<2x2xf32>), (%wk : tensor<2x2xf32>), (%wv : tensor<2x2xf32>)) -> tensor<1x2x2xf32>
  return %0 : tensor<1x2x2xf32>
}

// -----

// Distinct weight arguments: unknowable at compile time, so no tie unless
// the user opts in, with the option (ARGS) or an argument attribute (next).
// CHECK-LABEL: func.func @arguments
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 2>
// ARGS-LABEL: func.func @arguments
// ARGS: qkvtie.attention ties <q = 0, k = 0, v = 0>
// ARGS-SAME: kind = "argument-opt-in"
func.func @arguments(%x: tensor<1x2x2xf32>, %wq: tensor<2x2xf32>, %wk: tensor<2x2xf32>, %wv: tensor<2x2xf32>) -> tensor<1x2x2xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(1, 1) head_dim(2) scale(0.7) mask(none)
         inputs(%x, %x : tensor<1x2x2xf32>, tensor<1x2x2xf32>)
         slots((%wq : tensor<2x2xf32>), (%wk : tensor<2x2xf32>), (%wv : tensor<2x2xf32>)) -> tensor<1x2x2xf32>
  return %0 : tensor<1x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @argument_attribute
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 1>
// CHECK-SAME: kind = "argument-opt-in", roles = "k=v"
func.func @argument_attribute(%x: tensor<1x2x2xf32>, %wq: tensor<2x2xf32>, %wk: tensor<2x2xf32>,
                              %wv: tensor<2x2xf32> {qkvtie.tied_to = 2 : i64}) -> tensor<1x2x2xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(1, 1) head_dim(2) scale(0.7) mask(none)
         inputs(%x, %x : tensor<1x2x2xf32>, tensor<1x2x2xf32>)
         slots((%wq : tensor<2x2xf32>), (%wk : tensor<2x2xf32>), (%wv : tensor<2x2xf32>)) -> tensor<1x2x2xf32>
  return %0 : tensor<1x2x2xf32>
}

// -----

// Near misses of the symbol proof: what a symbol names does not fix a value
// unless the global is immutable. Two calls of @init may return different
// weights; two loads of a mutable global may see a store between them.
// CHECK-LABEL: func.func @calls
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 2>
// CHECK-NOT: qkvtie.proofs
func.func private @init() -> tensor<4x4xf32>
func.func @calls(%x: tensor<1x2x4xf32>, %wq: tensor<4x4xf32>) -> tensor<1x2x4xf32> {
  %wk = func.call @init() : () -> tensor<4x4xf32>
  %wv = func.call @init() : () -> tensor<4x4xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(2) scale(0.7) mask(none)
         inputs(%x, %x : tensor<1x2x4xf32>, tensor<1x2x4xf32>)
         slots((%wq : tensor<4x4xf32>), (%wk : tensor<4x4xf32>), (%wv : tensor<4x4xf32>)) -> tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}

// -----

// CHECK-LABEL: func.func @mutable_global
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 2>
// CHECK-NOT: qkvtie.proofs
ml_program.global private mutable @w(dense<1.0> : tensor<4x4xf32>) : tensor<4x4xf32>
func.func @mutable_global(%x: tensor<1x2x4xf32>, %wq: tensor<4x4xf32>) -> tensor<1x2x4xf32> {
  %wk = ml_program.global_load @w : tensor<4x4xf32>
  %wv = ml_program.global_load @w : tensor<4x4xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(2) scale(0.7) mask(none)
         inputs(%x, %x : tensor<1x2x4xf32>, tensor<1x2x4xf32>)
         slots((%wq : tensor<4x4xf32>), (%wk : tensor<4x4xf32>), (%wv : tensor<4x4xf32>)) -> tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}

// -----

// An immutable global, loaded twice: the same weights.
// CHECK-LABEL: func.func @immutable_global
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 1>
// CHECK-SAME: qkvtie.proofs = [{kind = "symbol", roles = "k=v", slots = array<i64: 1, 2>}]
ml_program.global private @c(dense<1.0> : tensor<4x4xf32>) : tensor<4x4xf32>
func.func @immutable_global(%x: tensor<1x2x4xf32>, %wq: tensor<4x4xf32>) -> tensor<1x2x4xf32> {
  %wk = ml_program.global_load @c : tensor<4x4xf32>
  %wv = ml_program.global_load @c : tensor<4x4xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(2) scale(0.7) mask(none)
         inputs(%x, %x : tensor<1x2x4xf32>, tensor<1x2x4xf32>)
         slots((%wq : tensor<4x4xf32>), (%wk : tensor<4x4xf32>), (%wv : tensor<4x4xf32>)) -> tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}

// -----

// Side effects: two random draws of one shape are two values; two pure
// computations of the same operands are one.
// CHECK-LABEL: func.func @effects
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 2>
// CHECK-NOT: qkvtie.proofs
func.func @effects(%x: tensor<1x2x4xf32>, %wq: tensor<4x4xf32>) -> tensor<1x2x4xf32> {
  %a = bufferization.alloc_tensor() : tensor<4x4xf32>
  %b = bufferization.alloc_tensor() : tensor<4x4xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(2) scale(0.7) mask(none)
         inputs(%x, %x : tensor<1x2x4xf32>, tensor<1x2x4xf32>)
         slots((%wq : tensor<4x4xf32>), (%a : tensor<4x4xf32>), (%b : tensor<4x4xf32>)) -> tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}

// -----

// CHECK-LABEL: func.func @pure_twice
// CHECK: qkvtie.attention ties <q = 0, k = 1, v = 1>
// CHECK-SAME: qkvtie.proofs = [{kind = "ssa", roles = "k=v", slots = array<i64: 1, 2>}]
func.func @pure_twice(%x: tensor<1x2x4xf32>, %wq: tensor<4x4xf32>, %w: tensor<4x4xf32>) -> tensor<1x2x4xf32> {
  %e = tensor.empty() : tensor<4x4xf32>
  %a = linalg.transpose ins(%w : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) permutation = [1, 0]
  %ea = arith.negf %w : tensor<4x4xf32>
  %eb = arith.negf %w : tensor<4x4xf32>
  %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(2) scale(0.7) mask(none)
         inputs(%x, %x : tensor<1x2x4xf32>, tensor<1x2x4xf32>)
         slots((%wq : tensor<4x4xf32>), (%ea : tensor<4x4xf32>), (%eb : tensor<4x4xf32>)) -> tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}
