//===- Passes.td - QKVTie conversion passes ----------------*- tablegen -*-===//
//
// The lowerings of the qkvtie ops to fused kernels; their patterns are in
// lib/Conversion/QKVTieTo*/ behind populate functions.
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_CONVERSION_PASSES
#define QKVTIE_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def QKVTieLowerCPU : Pass<"qkvtie-lower-cpu", "ModuleOp"> {
  let summary = "Lowers qkvtie ops and f32-accumulating matmuls to fused, "
                "vectorised, multithreaded CPU kernels";
  let description = [{
    Each `qkvtie.attention` becomes its projections and a call to an
    attention kernel; each `qkvtie.cache.attend` a call to a decode kernel;
    `qkvtie.cache.create` and `qkvtie.cache.append` become tensor storage as
    in `qkvtie-decompose`. The kernels are private functions on memrefs,
    written with `scf`, `vector` and `memref` ops and shared by attentions of
    one shape:

    - prefill (FlashAttention-2 style): one `scf.parallel` task per (batch,
      KV head, query tile) serves every query head of the group, streams
      keys once with an online softmax in f32 and, under a causal mask, stops
      at the tile's last visible key; no `[S, T]` score tensor exists;
    - decode: the cached keys split in chunks of 256 across tasks, each with
      a partial softmax state (max, sum, accumulator), merged at the end. A
      one-buffer (K=V) cache row is loaded once per step and serves `q·k` and
      `p·v`; with RoPE it is rotated in registers for the score only.

    Vectors are as wide as the head dimension allows (8, 4, 2 or 1 f32
    lanes); f16 and bf16 are widened on load and accumulate in f32.
    `linalg.matmul` on static tensors with an f32 accumulator (the
    projections, and any such matmul in the model) becomes a GEMM kernel
    with 4×16 register tiles. `scf.parallel` becomes OpenMP in
    `qkvtie-lower-to-llvm`.

    `vector-width` is the widest vector the kernels use, in f32 lanes: 8
    (AVX2) by default; `qkvtie-compile` sets 16 when the target has
    AVX-512F.

    ```mlir
    // before
    %o = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(8, 2) ...
    // after
    %qp = call @__qkvtie_gemm_0(...)   // projections
    call @__qkvtie_attention_1(%qp, %kv, %out) : (memref<...>, ...) -> ()
    ```
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "::mlir::qkvtie::VectorWidth",
           /*default=*/"::mlir::qkvtie::VectorWidth::AVX2",
           "Widest vector in f32 lanes",
           "::mlir::qkvtie::vectorWidthValues()">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::cf::ControlFlowDialect", "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect", "::mlir::vector::VectorDialect"
  ];
}

def QKVTieLowerGPU : Pass<"qkvtie-lower-gpu", "ModuleOp"> {
  let summary = "Lowers qkvtie attention to fused GPU kernels in a gpu.module";
  let description = [{
    The call sites are those of `qkvtie-lower-cpu`: projections stay
    `linalg.matmul` (for `qkvtie-lower-cpu` or any other lowering), and each
    attention shape gets a kernel function, here one that copies its operands
    to the device with `gpu.alloc` and `gpu.memcpy`, runs `gpu.launch_func`
    on kernels in the module's `qkvtie_gpu` `gpu.module` and copies the
    result back:

    - decode (`qkvtie.cache.attend`): the cache split in runs of 64 keys,
      one warp per run. Lane `l` holds elements `l·d/32 ...` of a cached row,
      so a row is read once, coalesced, and serves every query row of the KV
      head's group (up to 16 per warp): `q·k` by a warp shuffle reduction,
      rotated in registers under RoPE (the partner element comes from lane
      `l ^ 16`), and with a one-buffer (K=V) cache `p·v` from the same
      registers. A second kernel merges the runs' softmax states;
    - prefill (`qkvtie.attention`): one thread per (query, head) row with an
      online softmax in registers, stopping at its causal diagonal.

    Scores, softmax and accumulators are f32; f16 and bf16 are widened on
    load; `exp` comes from libdevice. The `qkvtie-lower-to-llvm-cuda`
    pipeline adds `qkvtie-lower-cpu` for the projections, NVVM for the
    kernels (sm_90a) and the host's GPU runtime calls, which
    `libqkvtie_cuda_runtime` implements on the CUDA driver API.

    Head dimensions the decode kernel's lane layout cannot split (not a
    multiple of 32 and not a power of two up to 32), and prefill head
    dimensions above 256, are errors at the op.

    ```mlir
    // before
    %o = qkvtie.cache.attend %cache[%len], %q heads(8, 2) ...
    // after
    %o = call @__qkvtie_gpu_decode_0(%qb, %cb, %len, %ob) ...
    func.func private @__qkvtie_gpu_decode_0(...) {
      %dq = gpu.alloc() : memref<1x8x1x64xf32>
      gpu.memcpy %dq, %q : ...
      gpu.launch_func @qkvtie_gpu::@k0_decode blocks in (...) threads in (128, 1, 1) ...
      gpu.launch_func @qkvtie_gpu::@k0_merge ...
    }
    gpu.module @qkvtie_gpu { gpu.func @k0_decode(...) kernel { ... } ... }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::cf::ControlFlowDialect", "::mlir::func::FuncDialect",
    "::mlir::gpu::GPUDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

#endif // QKVTIE_CONVERSION_PASSES
