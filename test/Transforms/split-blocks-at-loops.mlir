// RUN: qkvtie-opt %s -split-input-file --qkvtie-split-blocks-at-loops | FileCheck %s
// The lowering to a CFG gives the same program with and without the splits.
// RUN: qkvtie-opt %s -split-input-file --qkvtie-split-blocks-at-loops --convert-scf-to-cf --canonicalize > %t.split.mlir
// RUN: qkvtie-opt %s -split-input-file --convert-scf-to-cf --canonicalize > %t.plain.mlir
// RUN: diff %t.split.mlir %t.plain.mlir

// CHECK-LABEL: func.func @two_loops
// CHECK:         scf.for
// CHECK:         }
// CHECK-NEXT:    cf.br ^[[NEXT:.*]]
// CHECK-NEXT:  ^[[NEXT]]:
// CHECK-NEXT:    memref.load
// CHECK-NEXT:    scf.for
// CHECK:         }
// CHECK-NEXT:    return
// Two loops with work between them: a block ends after each loop but the
// last, which is already right before the return.
func.func @two_loops(%m: memref<8xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %f, %m[%i] : memref<8xf32>
  }
  %x = memref.load %m[%c0] : memref<8xf32>
  scf.for %i = %c0 to %n step %c1 {
    memref.store %x, %m[%i] : memref<8xf32>
  }
  return %x : f32
}

// -----

// CHECK-LABEL: func.func @nested
// CHECK-NOT:     cf.br
// CHECK:         return
// Loops nested in a loop's body are not split: scf regions keep one block.
func.func @nested(%m: memref<8x8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %n step %c1 {
      memref.store %f, %m[%i, %j] : memref<8x8xf32>
    }
    memref.store %f, %m[%i, %c0] : memref<8x8xf32>
  }
  return
}
