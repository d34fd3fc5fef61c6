// The vector width is an enum option: a width the kernels do not have is
// rejected when the pipeline is parsed, before any IR is touched.
// RUN: not qkvtie-opt %s --qkvtie-lower-cpu=vector-width=3 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: not qkvtie-opt %s --pass-pipeline='builtin.module(qkvtie-lower-cpu{vector-width=32})' 2>&1 | FileCheck %s --check-prefix=PIPELINE
// RUN: qkvtie-opt %s --qkvtie-lower-cpu=vector-width=16 | FileCheck %s

// ERR: for the --vector-width option: Cannot find option named '3'!
// PIPELINE: for the --vector-width option: Cannot find option named '32'!

// CHECK-LABEL: func.func @f
// CHECK: call @__qkvtie_gemm_0
// CHECK-LABEL: func.func private @__qkvtie_gemm_0
// CHECK: vector<16xf32>
module {
  func.func @f(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
    %r = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
    return %r : tensor<4x16xf32>
  }
}
