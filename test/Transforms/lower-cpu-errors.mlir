// RUN: qkvtie-opt %s --qkvtie-lower-cpu=vector-width=3 -verify-diagnostics

// expected-error@+1 {{qkvtie-lower-cpu: vector-width must be 1, 2, 4, 8 or 16, not 3}}
module {
  func.func @f(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
    %r = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
    return %r : tensor<4x16xf32>
  }
}
