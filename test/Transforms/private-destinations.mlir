// RUN: qkvtie-opt %s -split-input-file --qkvtie-private-destinations | FileCheck %s

// CHECK-LABEL: func.func @shared_empty
// CHECK-DAG:   %[[E0:.*]] = tensor.empty() : tensor<8xf32>
// CHECK-DAG:   %[[E1:.*]] = tensor.empty() : tensor<8xf32>
// CHECK:       linalg.add {{.*}} outs(%[[E1]] : tensor<8xf32>)
// CHECK:       linalg.mul {{.*}} outs(%[[E0]] : tensor<8xf32>)
// One empty tensor written by two ops: each gets its own.
func.func @shared_empty(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %x = linalg.add ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %y = linalg.mul ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  return %x, %y : tensor<8xf32>, tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @shared_fill
// CHECK:       %[[E0:.*]] = tensor.empty() : tensor<4xf32>
// CHECK:       %[[F0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E0]] : tensor<4xf32>)
// CHECK:       %[[E1:.*]] = tensor.empty() : tensor<4xf32>
// CHECK:       %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<4xf32>)
// CHECK:       linalg.reduce ins(%arg0 {{.*}} outs(%[[F1]]
// CHECK:       linalg.reduce ins(%arg1 {{.*}} outs(%[[F0]]
// A fill of an empty tensor, shared as an accumulator: cloned with its own
// empty tensor.
func.func @shared_fill(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %x = linalg.reduce ins(%a : tensor<4x8xf32>) outs(%z : tensor<4xf32>) dimensions = [1]
    (%in: f32, %acc: f32) { %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32 }
  %y = linalg.reduce ins(%b : tensor<4x8xf32>) outs(%z : tensor<4xf32>) dimensions = [1]
    (%in: f32, %acc: f32) { %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32 }
  return %x, %y : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-1: tensor.empty
// CHECK-COUNT-1: linalg.fill
// CHECK-NOT:   tensor.empty
// CHECK-NOT:   linalg.fill
// Dynamic shapes and fills of real data are left alone.
func.func @left_alone(%a: tensor<?xf32>, %n: index, %t: tensor<8xf32>) -> (tensor<?xf32>, tensor<?xf32>, tensor<8xf32>, tensor<8xf32>) {
  %cst = arith.constant 1.0 : f32
  %e = tensor.empty(%n) : tensor<?xf32>
  %x = linalg.exp ins(%a : tensor<?xf32>) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %y = linalg.abs ins(%a : tensor<?xf32>) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %f = linalg.fill ins(%cst : f32) outs(%t : tensor<8xf32>) -> tensor<8xf32>
  %p = linalg.exp ins(%t : tensor<8xf32>) outs(%f : tensor<8xf32>) -> tensor<8xf32>
  %q = linalg.abs ins(%t : tensor<8xf32>) outs(%f : tensor<8xf32>) -> tensor<8xf32>
  return %x, %y, %p, %q : tensor<?xf32>, tensor<?xf32>, tensor<8xf32>, tensor<8xf32>
}
