// RUN: qkvtie-opt %s -split-input-file --ownership-based-buffer-deallocation --qkvtie-free-at-last-use --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @chain
// CHECK:         %[[A:.*]] = memref.alloc()
// CHECK-NEXT:    memref.copy %arg0, %[[A]]
// CHECK-NEXT:    %[[B:.*]] = memref.alloc()
// CHECK-NEXT:    memref.copy %[[A]], %[[B]]
// CHECK-NEXT:    memref.dealloc %[[A]]
// CHECK-NEXT:    %[[C:.*]] = memref.alloc()
// CHECK-NEXT:    memref.copy %[[B]], %[[C]]
// CHECK-NEXT:    memref.dealloc %[[B]]
// CHECK-NEXT:    bufferization.dealloc (%[[C]] : {{.*}}) if ({{.*}}) retain (%[[C]] : {{.*}})
// CHECK-NEXT:    return %[[C]]
// A chain of buffers: each is freed right after the op that last reads it;
// the returned one is not freed.
func.func @chain(%x: memref<8xf32>) -> memref<8xf32> {
  %a = memref.alloc() : memref<8xf32>
  memref.copy %x, %a : memref<8xf32> to memref<8xf32>
  %b = memref.alloc() : memref<8xf32>
  memref.copy %a, %b : memref<8xf32> to memref<8xf32>
  %c = memref.alloc() : memref<8xf32>
  memref.copy %b, %c : memref<8xf32> to memref<8xf32>
  return %c : memref<8xf32>
}

// -----

// CHECK-LABEL: func.func @views
// CHECK:         %[[A:.*]] = memref.alloc() : memref<2x4xf32>
// CHECK:         scf.for
// CHECK:         }
// CHECK-NEXT:    memref.dealloc %[[A]]
// Uses through views and inside a loop count: %a is freed after the loop.
func.func @views(%x: memref<2x4xf32>, %n: index) -> memref<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc() : memref<2x4xf32>
  memref.copy %x, %a : memref<2x4xf32> to memref<2x4xf32>
  %flat = memref.collapse_shape %a [[0, 1]] : memref<2x4xf32> into memref<8xf32>
  %b = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %flat[%i] : memref<8xf32>
    memref.store %v, %b[%i] : memref<8xf32>
  }
  %d = memref.alloc() : memref<8xf32>
  memref.copy %b, %d : memref<8xf32> to memref<8xf32>
  return %d : memref<8xf32>
}

// -----

// CHECK-LABEL: func.func @escapes
// CHECK:         %[[A:.*]] = memref.alloc()
// CHECK-NOT:     memref.dealloc
// CHECK:         bufferization.dealloc (%[[A]] : {{.*}}) if ({{.*}}) retain (
// A view of the buffer is returned: it stays with the dealloc op, which
// keeps it alive.
func.func @escapes(%x: memref<2x4xf32>) -> memref<8xf32> {
  %a = memref.alloc() : memref<2x4xf32>
  memref.copy %x, %a : memref<2x4xf32> to memref<2x4xf32>
  %flat = memref.collapse_shape %a [[0, 1]] : memref<2x4xf32> into memref<8xf32>
  return %flat : memref<8xf32>
}
