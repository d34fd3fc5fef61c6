// RUN: qkvtie-opt --help | FileCheck %s
// The driver lists every QKVTie pass and pipeline, beside upstream ones.
// CHECK-DAG: --qkvtie-raise-attention
// CHECK-DAG: --qkvtie-fold-ties
// CHECK-DAG: --qkvtie-materialize-kv-cache
// CHECK-DAG: --qkvtie-checks-to-status
// CHECK-DAG: --qkvtie-decompose
// CHECK-DAG: --qkvtie-lower-cpu
// CHECK-DAG: --qkvtie-lower-gpu
// CHECK-DAG: --qkvtie-report
// CHECK-DAG: --qkvtie-return-arguments-in-place
// CHECK-DAG: --qkvtie-lower-to-llvm
// CHECK-DAG: --qkvtie-lower-to-llvm-reference
// CHECK-DAG: --qkvtie-lower-to-llvm-cuda
// CHECK-DAG: --canonicalize
