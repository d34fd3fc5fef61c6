// RUN: qkvtie-opt %s -split-input-file --qkvtie-outline-linalg | FileCheck %s

#id = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func.func @layers
// CHECK:         call @[[ADD:.*]](%arg0, %arg1, %arg2)
// CHECK-NEXT:    call @[[ADD]](%arg2, %arg3, %arg0)
// CHECK:         call @[[MUL:.*]](%arg0, %arg1, %arg4) : (memref<8xf32>, memref<8xf32>, f32) -> ()
// CHECK:       func.func private @[[ADD]]({{.*}}) attributes {llvm.bareptr, passthrough = ["noinline"]}
// CHECK-NEXT:    linalg.add
// CHECK-NEXT:    return
// CHECK:       func.func private @[[MUL]]({{.*}}, %[[S:.*]]: f32) attributes {llvm.bareptr, passthrough = ["noinline"]}
// CHECK-NEXT:    %[[TWO:.*]] = arith.constant 2.0
// CHECK-NEXT:    linalg.generic
// CHECK:           arith.mulf %{{.*}}, %[[TWO]]
// CHECK-NEXT:      arith.addf %{{.*}}, %[[S]]
// Two adds of different buffers share one function; a different op (with a
// constant in its body) gets its own, the constant cloned inside; a value
// from outside its body becomes an argument.
func.func @layers(%a: memref<8xf32>, %b: memref<8xf32>, %c: memref<8xf32>, %d: memref<8xf32>, %s: f32) {
  linalg.add ins(%a, %b : memref<8xf32>, memref<8xf32>) outs(%c : memref<8xf32>)
  linalg.add ins(%c, %d : memref<8xf32>, memref<8xf32>) outs(%a : memref<8xf32>)
  %two = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : memref<8xf32>) outs(%b : memref<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %two : f32
    %r = arith.addf %m, %s : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// CHECK-LABEL: func.func @dynamic
// CHECK:         call @[[COPY:.*]](%arg0, %arg1)
// CHECK:       func.func private @[[COPY]]({{.*}}) attributes {passthrough = ["noinline"]}
// A memref with a dynamic size is passed as a descriptor: no bare pointers.
func.func @dynamic(%a: memref<?xf32>, %b: memref<?xf32>) {
  linalg.copy ins(%a : memref<?xf32>) outs(%b : memref<?xf32>)
  return
}
