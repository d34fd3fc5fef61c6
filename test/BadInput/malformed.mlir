// Malformed IR: a parse error at the right place, exit code 1, no crash.
// RUN: not qkvtie-opt %s --qkvtie-raise-attention --qkvtie-fold-ties 2>&1 | FileCheck %s

// CHECK: malformed.mlir:[[@LINE+2]]:{{[0-9]+}}: error: {{.*}}
func.func @f(%x: tensor<1x4x16xf32>) -> tensor<1x4x16xf32> {
  %0 = qkvtie.attention ties <q = 0, k = 1 heads(2, 2)
  return %x : tensor<1x4x16xf32>
}
