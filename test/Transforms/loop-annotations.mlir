// RUN: qkvtie-opt %s -split-input-file --qkvtie-loop-annotations | FileCheck %s
// The annotation reaches LLVM IR only through the pass.
// RUN: qkvtie-opt %s --qkvtie-loop-annotations | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=IR
// RUN: mlir-translate --mlir-to-llvmir %s | FileCheck %s --check-prefix=NOPASS

// What convert-scf-to-cf and convert-cf-to-llvm make of an annotated
// scf.for: the annotation rides on the back edge as a discardable attribute.

#unroll = #llvm.loop_unroll<disable = true>
#annotation = #llvm.loop_annotation<unroll = #unroll>

// CHECK-LABEL: llvm.func @annotated
// CHECK:         llvm.br ^bb1({{.*}}) {loop_annotation = #{{.*}}}
// CHECK-NOT:     llvm.loop_annotation
// IR-LABEL:    define void @annotated
// IR:            br label %{{.*}}, !llvm.loop ![[LOOP:[0-9]+]]
// IR:          ![[LOOP]] = distinct !{![[LOOP]], ![[UNROLL:[0-9]+]]}
// IR:          ![[UNROLL]] = !{!"llvm.loop.unroll.disable"}
// NOPASS-LABEL: define void @annotated
// NOPASS-NOT:   !llvm.loop
llvm.func @annotated(%n: i64) {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  llvm.br ^bb1(%c0 : i64)
^bb1(%i: i64):
  %lt = llvm.icmp "slt" %i, %n : i64
  llvm.cond_br %lt, ^bb2, ^bb3
^bb2:
  %next = llvm.add %i, %c1 : i64
  llvm.br ^bb1(%next : i64) {llvm.loop_annotation = #annotation}
^bb3:
  llvm.return
}

// -----

// A branch without an annotation is left as it is.

// CHECK-LABEL: llvm.func @plain
// CHECK:         llvm.br ^bb1(%{{.*}} : i64){{$}}
// CHECK:         llvm.br ^bb1(%{{.*}} : i64){{$}}
llvm.func @plain(%n: i64) {
  %c0 = llvm.mlir.constant(0 : i64) : i64
  %c1 = llvm.mlir.constant(1 : i64) : i64
  llvm.br ^bb1(%c0 : i64)
^bb1(%i: i64):
  %lt = llvm.icmp "slt" %i, %n : i64
  llvm.cond_br %lt, ^bb2, ^bb3
^bb2:
  %next = llvm.add %i, %c1 : i64
  llvm.br ^bb1(%next : i64)
^bb3:
  llvm.return
}
