// The one crash the fuzzer found that is not ours (17 of 17 crash inputs in
// a 1014 s run, 2026-11-25): MLIR 22.1.8's linalg.transpose parser
// dereferences a null attribute when `permutation` is not an array; upstream
// mlir-opt crashes on this file too. Kept so that the day Debian's MLIR
// gives a diagnostic instead, this test passes unexpectedly and we drop it.
// XFAIL: *
// RUN: not qkvtie-opt %s 2>&1 | FileCheck %s
// CHECK: error: {{.*}}permutation

func.func @f(%a: tensor<2x3xf32>, %b: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %t = linalg.transpose ins(%a : tensor<2x3xf32>) outs(%b : tensor<3x2xf32>) permutation = 1
  return %t : tensor<3x2xf32>
}
