// RUN: qkvtie-opt %s -split-input-file -verify-diagnostics --qkvtie-checks-to-status | FileCheck %s

// A failed check calls the hook with its message's code and goes on; the
// gather it guarded reads a clamped, in-bounds element.

// CHECK:       module attributes {qkvtie.check_messages = ["index must be smaller than dim size"]}
// CHECK:       func.func private @qkvtie_rt_check_failed(i32)
// CHECK-LABEL: func.func @gather
// CHECK-SAME:    (%[[T:.*]]: tensor<256x?xf32>, %[[I:.*]]: index, %[[J:.*]]: index)
// CHECK-NOT:     cf.assert
// CHECK:         %[[OK:.*]] = arith.cmpi ult, %[[I]]
// CHECK:         %[[FAILED:.*]] = arith.xori %[[OK]], %true
// CHECK:         scf.if %[[FAILED]] {
// CHECK-NEXT:      %[[CODE:.*]] = arith.constant 0 : i32
// CHECK-NEXT:      func.call @qkvtie_rt_check_failed(%[[CODE]]) : (i32) -> ()
// CHECK-NEXT:    }
// CHECK:         %[[I0:.*]] = arith.maxsi %[[I]], %c0
// CHECK:         %[[IC:.*]] = arith.minsi %[[I0]], %c255
// CHECK:         %[[DIM:.*]] = tensor.dim %[[T]], %c1
// CHECK:         %[[LAST:.*]] = arith.subi %[[DIM]], %c1
// CHECK:         %[[J0:.*]] = arith.maxsi %[[J]], %c0
// CHECK:         %[[JC:.*]] = arith.minsi %[[J0]], %[[LAST]]
// CHECK:         tensor.extract %[[T]][%[[IC]], %[[JC]]]
func.func @gather(%t: tensor<256x?xf32>, %i: index, %j: index) -> f32 {
  %c256 = arith.constant 256 : index
  %ok = arith.cmpi ult, %i, %c256 : index
  cf.assert %ok, "index must be smaller than dim size"
  %e = tensor.extract %t[%i, %j] : tensor<256x?xf32>
  return %e : f32
}

// -----

// One code per distinct message, in the order of first use; a declared
// hook of the right type is reused.

// CHECK:       module attributes {qkvtie.check_messages = ["first", "second"]}
// CHECK-COUNT-1: func.func private @qkvtie_rt_check_failed(i32)
// CHECK-LABEL: func.func @codes
// CHECK:         arith.constant 0 : i32
// CHECK:         arith.constant 1 : i32
// CHECK:         arith.constant 0 : i32
// CHECK-NOT:     cf.assert
// CHECK:         return
func.func private @qkvtie_rt_check_failed(i32)
func.func @codes(%a: i1, %b: i1) {
  cf.assert %a, "first"
  cf.assert %b, "second"
  cf.assert %a, "first"
  return
}

// -----

// Without checks nothing is added.

// CHECK-NOT:   qkvtie.check_messages
// CHECK-NOT:   @qkvtie_rt_check_failed
// CHECK-LABEL: func.func @no_checks
func.func @no_checks(%x: f32) -> f32 {
  return %x : f32
}

// -----

// expected-error @+1 {{qkvtie-checks-to-status: @qkvtie_rt_check_failed is the run-time check hook and must be 'func.func private @qkvtie_rt_check_failed(i32)'}}
func.func private @qkvtie_rt_check_failed(i64)
func.func @clash(%a: i1) {
  cf.assert %a, "first"
  return
}
