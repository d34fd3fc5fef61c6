// RUN: qkvtie-opt --help | FileCheck %s
// The driver lists QKVTie's passes beside upstream ones.
// CHECK-DAG: --qkvtie-report
// CHECK-DAG: --canonicalize
// CHECK-DAG: --convert-linalg-to-loops
