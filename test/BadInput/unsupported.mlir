// Model IR the raise cannot express is left unchanged, with the reason.
// RUN: qkvtie-opt %s -split-input-file --qkvtie-raise-attention=remarks -verify-diagnostics | FileCheck %s
// RUN: qkvtie-opt %S/../Transforms/Inputs/args-mha-f64.mlir --qkvtie-raise-attention=remarks -o /dev/null 2>&1 | FileCheck %s --check-prefix=F64

// f64 attention: matched, but qkvtie.attention stores f16, bf16 or f32.
// F64: remark: qkvtie-raise: not raised: element type f64 is not f16, bf16 or f32

// Dynamic batch·heads: shapes are compile-time facts of the op, so the
// candidate is not raised (and nothing crashes).
// CHECK-LABEL: func.func @dynamic
// CHECK-NOT: qkvtie.attention
// CHECK: linalg.softmax
func.func @dynamic(%q: tensor<?x4x8xf32>, %kt: tensor<?x8x4xf32>, %v: tensor<?x4x8xf32>) -> tensor<?x4x8xf32> {
  %c0 = arith.constant 0 : index
  %cst = arith.constant 0.000000e+00 : f32
  %n = tensor.dim %q, %c0 : tensor<?x4x8xf32>
  %s0 = tensor.empty(%n) : tensor<?x4x4xf32>
  %z = linalg.fill ins(%cst : f32) outs(%s0 : tensor<?x4x4xf32>) -> tensor<?x4x4xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<?x4x8xf32>, tensor<?x8x4xf32>) outs(%z : tensor<?x4x4xf32>) -> tensor<?x4x4xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<?x4x4xf32>) outs(%s0 : tensor<?x4x4xf32>) -> tensor<?x4x4xf32>
  %o0 = tensor.empty(%n) : tensor<?x4x8xf32>
  %z2 = linalg.fill ins(%cst : f32) outs(%o0 : tensor<?x4x8xf32>) -> tensor<?x4x8xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<?x4x4xf32>, tensor<?x4x8xf32>) outs(%z2 : tensor<?x4x8xf32>) -> tensor<?x4x8xf32>
  return %o : tensor<?x4x8xf32>
}
