// RUN: qkvtie-opt %s -split-input-file --qkvtie-plan-buffers | FileCheck %s

// CHECK-LABEL: func.func @lifetimes
// CHECK:         %[[ARENA:.*]] = memref.alloc() {alignment = 64 : i64} : memref<128xi8>
// CHECK:         %[[O0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[A:.*]] = memref.view %[[ARENA]][%[[O0]]][] : memref<128xi8> to memref<16xf32>
// CHECK:         %[[O64:.*]] = arith.constant 64 : index
// CHECK-NEXT:    %[[B:.*]] = memref.view %[[ARENA]][%[[O64]]][] : memref<128xi8> to memref<10xf32>
// CHECK:         %[[O0B:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[C:.*]] = memref.view %[[ARENA]][%[[O0B]]][] : memref<128xi8> to memref<16xf32>
// CHECK-NOT:     memref.dealloc %[[A]]
// CHECK:         %[[R:.*]] = memref.alloc() : memref<16xf32>
// CHECK-NEXT:    memref.dealloc %[[ARENA]]
// CHECK-NEXT:    return %[[R]]
// %a dies before %c is made, so they share offset 0; %b overlaps both and
// takes the next 64-byte-aligned place (its 40 bytes round up to 64).
func.func @lifetimes(%x: memref<16xf32>, %y: memref<10xf32>) -> memref<16xf32> {
  %a = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  memref.copy %x, %a : memref<16xf32> to memref<16xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<10xf32>
  memref.copy %y, %b : memref<10xf32> to memref<10xf32>
  memref.dealloc %a : memref<16xf32>
  %c = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
  memref.copy %x, %c : memref<16xf32> to memref<16xf32>
  memref.copy %b, %y : memref<10xf32> to memref<10xf32>
  memref.dealloc %b : memref<10xf32>
  memref.copy %c, %x : memref<16xf32> to memref<16xf32>
  memref.dealloc %c : memref<16xf32>
  %r = memref.alloc() : memref<16xf32>
  return %r : memref<16xf32>
}

// -----

// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     memref.view
// CHECK-COUNT-3: memref.alloc
// CHECK-NOT:     memref.view
// A buffer freed elsewhere than its block, or of dynamic size, keeps its
// own allocation; a single plannable buffer is not worth an arena.
func.func @left_alone(%n: index, %cond: i1, %x: memref<8xf32>) {
  %d = memref.alloc(%n) : memref<?xf32>
  memref.dealloc %d : memref<?xf32>
  %e = memref.alloc() : memref<8xf32>
  scf.if %cond {
    memref.dealloc %e : memref<8xf32>
  }
  %f = memref.alloc() : memref<8xf32>
  memref.copy %x, %f : memref<8xf32> to memref<8xf32>
  memref.dealloc %f : memref<8xf32>
  return
}
