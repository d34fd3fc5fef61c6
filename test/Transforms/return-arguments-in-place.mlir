// RUN: qkvtie-opt %s --pass-pipeline='builtin.module(func.func(qkvtie-return-arguments-in-place))' -split-input-file | FileCheck %s

// A decode step wrote its cache in place; the clone buffer deallocation adds
// for the caller's ownership is a copy of the whole cache: return the
// argument instead.
func.func @step(%x: memref<4xf32>, %cache: memref<8x4xf32>) -> (memref<4xf32>, memref<8x4xf32>) {
  %c0 = arith.constant 0 : index
  %v = memref.load %x[%c0] : memref<4xf32>
  memref.store %v, %cache[%c0, %c0] : memref<8x4xf32>
  %out = memref.alloc() : memref<4xf32>
  %c = bufferization.clone %cache : memref<8x4xf32> to memref<8x4xf32>
  return %out, %c : memref<4xf32>, memref<8x4xf32>
}
// CHECK-LABEL: func.func @step
// CHECK-SAME:    %[[CACHE:[a-z0-9]+]]: memref<8x4xf32>
// CHECK-NOT:     bufferization.clone
// CHECK:         return %{{.*}}, %[[CACHE]]

// -----

// A write after the clone: the clone holds the value at the clone; keep it.
func.func @written_after(%cache: memref<8x4xf32>, %v: f32) -> memref<8x4xf32> {
  %c0 = arith.constant 0 : index
  %c = bufferization.clone %cache : memref<8x4xf32> to memref<8x4xf32>
  memref.store %v, %cache[%c0, %c0] : memref<8x4xf32>
  return %c : memref<8x4xf32>
}
// CHECK-LABEL: func.func @written_after
// CHECK:         %[[C:.*]] = bufferization.clone
// CHECK:         return %[[C]]

// -----

// Private functions keep MLIR's ownership convention.
func.func private @private_step(%cache: memref<8x4xf32>) -> memref<8x4xf32> {
  %c = bufferization.clone %cache : memref<8x4xf32> to memref<8x4xf32>
  return %c : memref<8x4xf32>
}
// CHECK-LABEL: func.func private @private_step
// CHECK:         bufferization.clone

// -----

// A clone of something other than an argument stays.
func.func @not_an_argument() -> memref<4xf32> {
  %a = memref.alloc() : memref<4xf32>
  %c = bufferization.clone %a : memref<4xf32> to memref<4xf32>
  memref.dealloc %a : memref<4xf32>
  return %c : memref<4xf32>
}
// CHECK-LABEL: func.func @not_an_argument
// CHECK:         bufferization.clone
