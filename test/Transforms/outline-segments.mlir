// RUN: qkvtie-opt %s -split-input-file --qkvtie-outline-segments=ops-per-segment=3 | FileCheck %s

// CHECK-LABEL: func.func private @long_segment(%arg0: memref<8xf32>) -> (memref<8xf32>, memref<8xf32>) attributes {passthrough = ["noinline"]}
// CHECK-NEXT:    %[[A:.*]] = memref.alloc()
// CHECK-NEXT:    %[[B:.*]] = memref.alloc()
// CHECK-NEXT:    call @use(%arg0, %[[A]])
// CHECK-NEXT:    return %[[A]], %[[B]]
// CHECK-LABEL: func.func private @long_segment_0(%arg0: memref<8xf32>, %arg1: memref<8xf32>)
// CHECK-NEXT:    %[[W:.*]] = memref.get_global @w
// CHECK-NEXT:    call @use(%[[W]], %arg0)
// CHECK-NEXT:    call @use(%arg1, %arg0)
// CHECK-NEXT:    memref.dealloc %arg1
// CHECK-NEXT:    return
// CHECK-LABEL: func.func @long
// CHECK-NEXT:    %[[R:.*]]:2 = call @long_segment(%arg0)
// CHECK-NEXT:    call @long_segment_0(%[[R]]#1, %[[R]]#0)
// CHECK-NEXT:    return %[[R]]#1
// Three ops per segment: the globals stay and are read again inside; %b,
// made in the first segment and used after it, is its result.
memref.global "private" constant @w : memref<8xf32> = dense<1.0>
func.func private @use(memref<8xf32>, memref<8xf32>)
func.func @long(%x: memref<8xf32>) -> memref<8xf32> {
  %w = memref.get_global @w : memref<8xf32>
  %a = memref.alloc() : memref<8xf32>
  %b = memref.alloc() : memref<8xf32>
  call @use(%x, %a) : (memref<8xf32>, memref<8xf32>) -> ()
  call @use(%w, %b) : (memref<8xf32>, memref<8xf32>) -> ()
  call @use(%a, %b) : (memref<8xf32>, memref<8xf32>) -> ()
  memref.dealloc %a : memref<8xf32>
  return %b : memref<8xf32>
}

// -----

// CHECK-LABEL: func.func @short
// CHECK-NEXT:    call @use(%arg0)
// CHECK-NEXT:    return
// Short functions are left as they are.
func.func private @use(memref<8xf32>)
func.func @short(%x: memref<8xf32>) {
  call @use(%x) : (memref<8xf32>) -> ()
  return
}
