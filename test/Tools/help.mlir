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
// CHECK-DAG: --qkvtie-private-destinations
// CHECK-DAG: --qkvtie-split-blocks-at-loops
// CHECK-DAG: --qkvtie-free-at-last-use
// CHECK-DAG: --qkvtie-outline-linalg
// CHECK-DAG: --qkvtie-plan-buffers
// CHECK-DAG: --qkvtie-outline-segments
// CHECK-DAG: --qkvtie-loop-annotations
// CHECK-DAG: --canonicalize
