// The pipelines are built in C++ from typed options; each option reaches the
// pass it configures, and a value outside an enum option's list is an error
// when the pipeline is parsed.

// RUN: qkvtie-opt %s --pass-pipeline='builtin.module(qkvtie-lower-to-llvm)' --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=CPU
// CPU: func.func(
// CPU: tosa-optional-decompositions,
// CPU: llvm-request-c-wrappers
// CPU: qkvtie-lower-cpu{vector-width=8},
// CPU-NOT: qkvtie-checks-to-status
// CPU: one-shot-bufferize{{.*}}bufferize-function-boundaries=true{{.*}}function-boundary-type-conversion=identity-layout-map
// CPU: expand-realloc{emit-deallocs=false}
// CPU: qkvtie-free-at-last-use
// CPU: qkvtie-plan-buffers
// CPU-NOT: nvvm-attach-target
// CPU: qkvtie-outline-segments
// CPU: convert-scf-to-openmp
// CPU-NOT: gpu-to-llvm
// CPU: convert-to-llvm
// CPU: qkvtie-loop-annotations
// CPU-NOT: gpu-module-to-binary

// RUN: qkvtie-opt %s --pass-pipeline='builtin.module(qkvtie-lower-to-llvm{target=reference checks-to-status=true})' --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=REF
// RUN: qkvtie-opt %s --qkvtie-lower-to-llvm-reference --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=REF-ALIAS
// REF-NOT: qkvtie-lower-cpu
// REF: qkvtie-decompose,
// REF-NEXT: qkvtie-checks-to-status
// REF-ALIAS-NOT: qkvtie-lower-cpu
// REF-ALIAS: qkvtie-decompose,
// REF-ALIAS-NOT: qkvtie-checks-to-status

// RUN: qkvtie-opt %s --pass-pipeline='builtin.module(qkvtie-lower-to-llvm{target=cuda chip=sm_80 gpu-format=bin vector-width=16 cuda-path=%S})' --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=CUDA -DDIR=%S
// CUDA: qkvtie-lower-gpu,
// CUDA-NEXT: qkvtie-lower-cpu{vector-width=16},
// CUDA: nvvm-attach-target{O=3 chip=sm_80 {{.*}}features=+ptx80
// CUDA-NEXT: gpu.module(
// CUDA-NEXT: convert-scf-to-cf
// CUDA-NEXT: convert-gpu-to-nvvm{{.*}}use-bare-ptr-memref-call-conv=true
// CUDA: gpu-async-region
// CUDA: gpu-to-llvm{{.*}}use-bare-pointers-for-kernels=true
// CUDA: gpu-module-to-binary{format=bin {{.*}}toolkit=[[DIR]]}

// RUN: qkvtie-opt %s --qkvtie-lower-to-llvm-cuda --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=CUDA-ALIAS
// CUDA-ALIAS: qkvtie-lower-cpu{vector-width=8},
// CUDA-ALIAS: nvvm-attach-target{O=3 chip=sm_90a
// CUDA-ALIAS: gpu-module-to-binary{format=isa

// RUN: qkvtie-opt %s --pass-pipeline='builtin.module(qkvtie-raise-fold-materialize{capacity=64 tie-arguments=true cache-element-type=bf16})' --dump-pass-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=RAISE
// RAISE: qkvtie-raise-attention
// RAISE-NEXT: qkvtie-fold-ties{tie-arguments=true
// RAISE-NEXT: qkvtie-materialize-kv-cache{capacity=64 element-type=bf16

// RUN: not qkvtie-opt %s --pass-pipeline='builtin.module(qkvtie-lower-to-llvm{chip=sm_10})' 2>&1 | FileCheck %s --check-prefix=BAD-CHIP
// BAD-CHIP: for the --chip option: Cannot find option named 'sm_10'!
// RUN: not qkvtie-opt %s --pass-pipeline='builtin.module(qkvtie-lower-to-llvm{target=tpu})' 2>&1 | FileCheck %s --check-prefix=BAD-TARGET
// BAD-TARGET: for the --target option: Cannot find option named 'tpu'!
// RUN: not qkvtie-opt %s --pass-pipeline='builtin.module(qkvtie-lower-to-llvm{vector-width=12})' 2>&1 | FileCheck %s --check-prefix=BAD-WIDTH
// BAD-WIDTH: for the --vector-width option: Cannot find option named '12'!

// The default pipeline runs end to end: a function comes out as LLVM with its
// C wrapper.
// RUN: qkvtie-opt %s --qkvtie-lower-to-llvm | FileCheck %s
// CHECK-LABEL: llvm.func @identity
// CHECK-LABEL: llvm.func @_mlir_ciface_identity
func.func @identity(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
