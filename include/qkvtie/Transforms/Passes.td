//===- Passes.td - QKVTie passes ---------------------------*- tablegen -*-===//

#ifndef QKVTIE_TRANSFORMS_PASSES_TD
#define QKVTIE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def QKVTieReport : Pass<"qkvtie-report", "ModuleOp"> {
  let summary = "Writes a JSON report of every attention's ties and cache";
  let description = [{
    For each `qkvtie.attention` and `qkvtie.cache.attend`, records its
    location, tying map and the study's variant name, head grouping,
    projections and weight bytes, and KV-cache bytes per token with and
    without the ties. The IR is not changed.

    ```
    qkvtie-opt model.mlir --qkvtie-report=output=report.json -o /dev/null
    ```

    With `output=-` (the default) the JSON goes to standard output.
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "Where to write the JSON report ('-' for stdout)">
  ];
}

def QKVTieDecompose : Pass<"qkvtie-decompose", "ModuleOp"> {
  let summary = "Lowers qkvtie.attention to linalg, arith, math and tensor";
  let description = [{
    The reference lowering: every `qkvtie.attention` becomes plain
    linalg-on-tensors that upstream passes take to LLVM. It is written for
    clarity, not speed, and is the semantic oracle for the fused kernels:
    projections accumulate in f32 and are stored in the element type, as
    frameworks do; scores, softmax and `P·V` run in f32; a row whose every
    score is masked to -inf yields zeros (PyTorch's convention).

    ```mlir
    // before
    %o = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(8, 2) ...
    // after: linalg.matmul for each projection, linalg.generic for the
    // scores, softmax and P·V, tensor.expand_shape/collapse_shape for heads.
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::cf::ControlFlowDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}



def QKVTieReturnArgumentsInPlace : Pass<"qkvtie-return-arguments-in-place",
                                         "::mlir::func::FuncOp"> {
  let summary = "Returns a buffer argument updated in place instead of a "
                "clone of it";
  let description = [{
    After one-shot bufferization and buffer deallocation, a public function
    that updates an argument in place (a decode step writing its KV cache)
    returns `bufferization.clone %arg`, a copy of the whole cache per step.
    This pass returns `%arg` itself when nothing writes memory between the
    clone and the return. The caller then owns the result only if it is not
    one of its arguments; the Python runtime and `qkvtie-compile`'s C ABI
    check the pointer.

    ```mlir
    // before
    %c = bufferization.clone %cache : memref<...> to memref<...>
    return %out, %c : ...
    // after
    return %out, %cache : ...
    ```
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

def QKVTiePrivateDestinations : Pass<"qkvtie-private-destinations",
                                      "::mlir::func::FuncOp"> {
  let summary = "Gives each destination use its own tensor.empty or fill";
  let description = [{
    Frontends share one `tensor.empty` (and one `linalg.fill` of it) among
    every op of a shape that writes into it: torch-mlir's CSE leaves a whole
    model's elementwise ops with a handful of destinations. One-Shot
    Bufferize then checks each of those writes for conflicts against every
    other use of the same buffer, which grows with the square of the model
    (a 32-layer Llama: 3.2 s, against 0.2 s for 12 layers). This pass, run
    before bufferization, clones the destination for each further use, right
    before it: each write reads a tensor nobody else reads, the analysis
    stays linear, and the code is what the analysis would have produced (an
    empty tensor needs no copy; a shared fill would have been copied).

    ```mlir
    // before
    %e = tensor.empty() : tensor<8x64xf32>
    %a = linalg.generic ... outs(%e : tensor<8x64xf32>)
    %b = linalg.generic ... outs(%e : tensor<8x64xf32>)
    // after
    %e = tensor.empty() : tensor<8x64xf32>
    %a = linalg.generic ... outs(%e : tensor<8x64xf32>)
    %e1 = tensor.empty() : tensor<8x64xf32>
    %b = linalg.generic ... outs(%e1 : tensor<8x64xf32>)
    ```

    Only `tensor.empty` with static shapes, and `linalg.fill` of a scalar
    into one of them, are cloned; anything else is left as it is.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def QKVTieSplitBlocksAtLoops : Pass<"qkvtie-split-blocks-at-loops",
                                     "::mlir::func::FuncOp"> {
  let summary = "Ends a function's blocks after each structured control-flow "
                "op, so that lowering it to a CFG is linear";
  let description = [{
    `convert-scf-to-cf` lowers each `scf.for` (or `scf.if`, `scf.while`,
    ...) by splitting its block after it, which moves every later op of the
    block: a function whose one block holds a whole model's loops (one per
    elementwise op) costs the square of its size, 3.4 s for a 32-layer Llama.
    This pass makes the same splits first, from the last loop backwards, so
    that each op moves once; the lowering then finds each loop already at
    the end of its block.

    ```mlir
    // before
    scf.for ... { ... }
    %x = ...
    scf.for ... { ... }
    return
    // after
    scf.for ... { ... }
    cf.br ^bb1
  ^bb1:
    %x = ...
    scf.for ... { ... }
    cf.br ^bb2
  ^bb2:
    return
    ```

    Only the function body's own blocks are split; regions of other ops
    keep their single blocks.
  }];
  let dependentDialects = ["::mlir::cf::ControlFlowDialect"];
}

def QKVTieFreeAtLastUse : Pass<"qkvtie-free-at-last-use",
                                "::mlir::func::FuncOp"> {
  let summary = "Frees each buffer of a block right after its last use "
                "instead of at the end of the block";
  let description = [{
    Ownership-based buffer deallocation frees a buffer at the end of the
    block that allocated it. A whole model is one block: every activation
    of every layer would stay allocated until the function returns (a
    prefill's peak memory the sum of all of them), and the block's one
    `bufferization.dealloc` lists every buffer of the model, which
    `buffer-deallocation-simplification` compares pairwise (1.1 s for a
    32-layer Llama, the square of the layers).

    Run right after `ownership-based-buffer-deallocation`, this pass takes
    out of each `bufferization.dealloc` the buffers that are certainly owned
    (condition `true`), allocated in its block, and whose every alias (views
    of it) is used only inside that block, never returned, yielded, retained
    or freed: each is freed with `memref.dealloc` after the op of the block
    that last uses it. Anything else stays with the `bufferization.dealloc`.

    ```mlir
    // before
    %a = memref.alloc() : memref<8xf32>
    linalg.generic ... outs(%a : memref<8xf32>)
    %b = memref.alloc() : memref<8xf32>
    linalg.generic ins(%a : memref<8xf32>) outs(%b : memref<8xf32>)
    %c = memref.alloc() : memref<8xf32>
    linalg.generic ins(%b : memref<8xf32>) outs(%c : memref<8xf32>)
    %base, ... = memref.extract_strided_metadata %a
    %base_0, ... = memref.extract_strided_metadata %b
    %base_1, ... = memref.extract_strided_metadata %c
    %r = bufferization.dealloc (%base, %base_0, %base_1 : ...)
           if (%true, %true, %true) retain (%c : memref<8xf32>)
    return %c : memref<8xf32>
    // after
    ...
    linalg.generic ins(%a : memref<8xf32>) outs(%b : memref<8xf32>)
    memref.dealloc %a : memref<8xf32>
    ...
    linalg.generic ins(%b : memref<8xf32>) outs(%c : memref<8xf32>)
    memref.dealloc %b : memref<8xf32>
    %r = bufferization.dealloc (%base_1 : ...) if (%true) retain (%c : ...)
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def QKVTieOutlineLinalg : Pass<"qkvtie-outline-linalg", "ModuleOp"> {
  let summary = "Moves each linalg op on buffers into a function shared by "
                "the ops that compute the same thing";
  let description = [{
    A whole model exported as one function keeps every elementwise op, norm
    and activation of every layer in that function; lowered to loops, it is
    one function with thousands of loop nests, which LLVM's loop and
    scheduling passes optimise in time that grows faster than the model
    (86 s of `clang -O3` for a 12-layer Llama, 470 s for 32). This pass
    replaces each `linalg` op on memrefs with a call to a private function
    holding that op alone, and the ops of different layers that differ only
    in their buffers (the same norm, the same residual add) share one
    function: the code LLVM sees grows with the number of distinct ops, not
    with the layers, and each loop nest is optimised in a small function.

    ```mlir
    // before
    linalg.generic {...} ins(%a, %w0 : ...) outs(%b : ...) { ... }
    ...
    linalg.generic {...} ins(%c, %w1 : ...) outs(%d : ...) { ... }
    // after
    func.call @__qkvtie_linalg_0(%a, %w0, %b) : (...) -> ()
    ...
    func.call @__qkvtie_linalg_0(%c, %w1, %d) : (...) -> ()
    func.func private @__qkvtie_linalg_0(...) attributes {passthrough = ["noinline"]}
    ```

    Constants the op's body reads are cloned into the function; other values
    from outside become arguments. The functions are `noinline`: inlining
    them back would rebuild the large function.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def QKVTiePlanBuffers : Pass<"qkvtie-plan-buffers", "::mlir::func::FuncOp"> {
  let summary = "Places a block's short-lived buffers in one arena at offsets "
                "planned from their lifetimes";
  let description = [{
    After bufferization and deallocation, a model's function allocates and
    frees every intermediate tensor on the heap: a 32-layer model's decode
    step calls `malloc` and `free` about 1,200 times each, and the code that
    does it is most of what LLVM compiles. This pass gives each buffer that
    is allocated and freed in one block (static shape, every use in the
    block before its `memref.dealloc`) an offset in one arena allocated once
    at the start of the block: buffers whose lifetimes do not overlap share
    bytes, offsets are 64-byte aligned, and each buffer becomes a
    `memref.view` of the arena. Buffers that live past the block, or whose
    size is not static, keep their own allocation.

    ```mlir
    // before
    %a = memref.alloc() {alignment = 64 : i64} : memref<8x64xf32>
    ... uses of %a ...
    memref.dealloc %a : memref<8x64xf32>
    %b = memref.alloc() {alignment = 64 : i64} : memref<8x64xf32>
    ... uses of %b ...
    memref.dealloc %b : memref<8x64xf32>
    // after
    %arena = memref.alloc() {alignment = 64 : i64} : memref<2048xi8>
    %a = memref.view %arena[%c0][] : memref<2048xi8> to memref<8x64xf32>
    ... uses of %a ...
    %b = memref.view %arena[%c0][] : memref<2048xi8> to memref<8x64xf32>
    ... uses of %b ...
    memref.dealloc %arena : memref<2048xi8>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def QKVTieOutlineSegments : Pass<"qkvtie-outline-segments", "ModuleOp"> {
  let summary = "Cuts long blocks into calls of functions of bounded size";
  let description = [{
    After `qkvtie-outline-linalg` and `qkvtie-plan-buffers`, a whole model's
    function is one block of calls and views, a few hundred ops per layer.
    Several LLVM passes (constraint elimination, called-value propagation,
    instruction selection and scheduling) take time that grows faster than
    such a block: the decode step of an 80-layer model alone took 11 s of
    `opt` and `llc`. This pass moves each run of `ops-per-segment`
    consecutive ops of a longer block into a private, `noinline` function
    and calls it in their place: the values the run reads from before it
    become arguments (constants and globals are cloned in), and the values
    it defines that are used after it become results. The program does the
    same, in the same order, and LLVM sees functions of bounded size.

    ```mlir
    // before (ops-per-segment = 2)
    func.func @f(%a: memref<8xf32>) -> memref<8xf32> {
      %b = memref.alloc() : memref<8xf32>
      call @g(%a, %b) : (memref<8xf32>, memref<8xf32>) -> ()
      call @h(%b) : (memref<8xf32>) -> ()
      return %b : memref<8xf32>
    }
    // after
    func.func @f(%a: memref<8xf32>) -> memref<8xf32> {
      %b = call @f_segment_0(%a) : (memref<8xf32>) -> memref<8xf32>
      call @f_segment_1(%b) : (memref<8xf32>) -> ()
      return %b : memref<8xf32>
    }
    ```

    Kernels (`qkvtie.kernel`) and functions already within the bound are
    left alone.
  }];
  let options = [
    Option<"opsPerSegment", "ops-per-segment", "int64_t", /*default=*/"64",
           "Ops of a block per outlined function">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def QKVTieLoopAnnotations : Pass<"qkvtie-loop-annotations", "ModuleOp"> {
  let summary = "Turns the loop annotations of lowered scf.for loops into "
                "LLVM loop metadata";
  let description = [{
    `convert-scf-to-cf` carries an `scf.for`'s `llvm.loop_annotation`
    attribute to the loop's back edge, and `convert-cf-to-llvm` keeps it on
    `llvm.br` as a discardable attribute, which translation to LLVM IR
    ignores. This pass moves it into the branch's `loop_annotation`, so
    that it becomes `!llvm.loop` metadata. The kernels use it to keep LLVM
    from unrolling a micro-kernel's loop, which would cluster the loads of
    neighbouring chunks of a row and spill them.

    ```mlir
    // before
    llvm.br ^bb1(%i : i64) {llvm.loop_annotation = #llvm.loop_annotation<...>}
    // after
    llvm.br ^bb1(%i : i64) {loop_annotation = #llvm.loop_annotation<...>}
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def QKVTieRaiseAttention : Pass<"qkvtie-raise-attention", "ModuleOp"> {
  let summary = "Finds attention in model IR and rewrites it to qkvtie.attention";
  let description = [{
    Anchors on each contraction `P·V` whose `P` is a softmax, then follows
    the dataflow back: the softmax input to scale, mask and the `Q·Kᵀ`
    contraction; Q, K and V through head splits, transposes, KV-head
    repeats, scalings and rotary embeddings to their projections (matmul,
    batch_matmul, contraction generics, tosa.matmul; bias adds; packed
    projections sliced by column), or to the layer input itself. Views are
    compared as mixed-radix layouts (`qkvtie/Analysis/Layout.h`), so any op
    sequence that reads the right elements matches. The merged heads are
    replaced by the op's result; an output projection that follows is kept.

    The raised op uses one slot per projected role (the canonical tying
    map); `qkvtie-fold-ties` proves and folds ties. A candidate that does
    not match leaves the IR unchanged; `-debug-only=qkvtie-raise` prints the
    step that failed, and `remarks=true` reports it as a remark at the
    candidate's location.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark for each softmax-fed contraction that is not raised">
  ];
  let dependentDialects = [
    "::mlir::qkvtie::QKVTieDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def QKVTieFoldTies : Pass<"qkvtie-fold-ties", "ModuleOp"> {
  let summary = "Proves which projection slots are equal and folds them";
  let description = [{
    For each `qkvtie.attention`, compares every pair of projection slots
    (weight and bias) with the tie analysis (`qkvtie/Analysis/TieAnalysis.h`)
    and merges the slots it proves equal: the tying map is rewritten, the
    duplicate slots dropped, and with `k` and `v` in one slot the KV cache
    needs one buffer. RoPE semantics are unchanged: the op rotates K, not V,
    so with K=V one unrotated projection serves both.

    Proofs: same value (`ssa`), same global (`symbol`), bit-equal constants
    including `dense_resource` blobs (`constant-bytes`), bit-equal slices
    of one packed constant (`packed-slice`). Opt-ins: function arguments
    the user declares equal, with `qkvtie.tied_to = N` on the argument or
    `tie-arguments=true` (`argument-opt-in`); `tolerance=T` ties constants
    within T and records the largest absolute and relative difference.

    The op is annotated for `--qkvtie-report`: `qkvtie.proofs` (each tie and
    its proof), `qkvtie.before` (projections, their bytes and KV-cache bytes
    per token before folding) and `qkvtie.near_misses` (slot pairs that differ
    in few elements, with the first differing element in the coordinates of
    the underlying constant).

    ```mlir
    // before: v's weight is a bit-equal copy of k's
    qkvtie.attention ties <q = 0, k = 1, v = 2> ... slots((%wq), (%wk), (%wk_copy))
    // after
    qkvtie.attention ties <q = 0, k = 1, v = 1> ... slots((%wq), (%wk))
        {qkvtie.proofs = [ {kind = "constant-bytes", roles = "k=v", ...} ]}
    ```
  }];
  let options = [
    Option<"tieArguments", "tie-arguments", "bool", /*default=*/"false",
           "Treat weights that are views of function arguments as equal "
           "(the caller promises to pass equal tensors)">,
    Option<"tolerance", "tolerance", "double", /*default=*/"0.0",
           "Tie constants whose elements differ by at most this much">
  ];
  let dependentDialects = ["::mlir::qkvtie::QKVTieDialect"];
}

def QKVTieChecksToStatus : Pass<"qkvtie-checks-to-status", "ModuleOp"> {
  let summary = "Makes run-time checks report to the caller instead of "
                "aborting, and keeps reads in bounds after a failed check";
  let description = [{
    A library must not abort its host process. Each `cf.assert %ok, "msg"`
    becomes a call to `@qkvtie_rt_check_failed(code)` when `%ok` is false,
    and execution goes on; the caller (qkvtie-compile's C ABI) keeps the
    first failed check of a call and returns its message as an error
    status. The messages, in code order, are the module's
    `qkvtie.check_messages` attribute.

    Going on must stay memory-safe: every `tensor.extract` index is clamped
    to its dimension (a gather whose index check failed reads a valid
    element), as the cache lowerings clamp positions and lengths.

    ```mlir
    // before
    cf.assert %ok, "index must be smaller than dim size"
    %e = tensor.extract %table[%i, %j] : tensor<256x128xf32>
    // after
    scf.if %failed { func.call @qkvtie_rt_check_failed(%c0_i32) : (i32) -> () }
    %e = tensor.extract %table[%i_clamped, %j_clamped] : tensor<256x128xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
}

def QKVTieMaterializeKVCache : Pass<"qkvtie-materialize-kv-cache",
                                    "ModuleOp"> {
  let summary = "Writes a prefill and a decode step of a whole function over "
                "one explicit KV cache per attention";
  let description = [{
    A model's function computes all S tokens of a sequence at once. For each
    public function `@f` with self-attentions, this pass adds what a
    generation loop runs, and leaves `@f` as it is:

    - `@f_prefill(tokens[B, P, ...], params..., %pos : index, caches...,
      tables...) -> (results[B, P, ...], caches...)`: `P` (`prefill-tokens`)
      new tokens at positions `%pos .. %pos+P-1`;
    - `@f_decode(...)`: the same for one token;
    - `@f_tables() -> tables...`, when attentions rotate by RoPE tables:
      the tables for every position below `capacity`, computed once by the
      caller and passed to every step.

    Every op outside attention is computed for the new tokens only; values
    computed from positions (RoPE tables from `inv_freq`, learned position
    tables indexed by an iota) are recomputed at the run-time position. Each
    attention becomes a `qkvtie.cache.append` of its new keys and values and
    a `qkvtie.cache.attend` over the cache: one `!qkvtie.kv_cache` per
    attention, with one buffer per distinct source among k and v (one with
    K=V), holding the projections before RoPE.

    The function must be token-parallel outside attention
    (`qkvtie/Analysis/TokenAnalysis.h`): an op that mixes tokens (a cumsum or
    a mean over the sequence) means there is no decode form. A mask tensor
    must be proven causal (`qkvtie/Analysis/MaskAnalysis.h`); arguments read
    only by masks (an `attention_mask`) are left out of the steps, which
    compute what `@f` computes when they are all ones (no padding). Where
    there is no decode form, a remark on the function says why and nothing
    is added. A cache narrower than the model (`element-type=f16` for an
    f32 model) checks at run time that no key or value overflows it: the
    step fails rather than fill the cache with infinities.

    ```mlir
    func.func @forward_decode(%ids: tensor<1x1xi64>, %pos: index,
        %c0: !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2,
                              capacity = 4096, head_dim = 16, f32>,
        %c1: !qkvtie.kv_cache<...>, %cos: tensor<4096x16xf32>,
        %sin: tensor<4096x16xf32>)
        -> (tensor<1x1x256xf32>, !qkvtie.kv_cache<...>, !qkvtie.kv_cache<...>)
    ```
  }];
  let options = [
    Option<"capacity", "capacity", "int64_t", /*default=*/"4096",
           "Tokens each cache holds">,
    Option<"elementType", "element-type", "std::string", /*default=*/"\"\"",
           "Cache storage type: f32, f16 or bf16 (default: the model's)">,
    Option<"prefillTokens", "prefill-tokens", "int64_t", /*default=*/"32",
           "Tokens one prefill call takes (at most the capacity)">
  ];
  let dependentDialects = [
    "::mlir::qkvtie::QKVTieDialect", "::mlir::arith::ArithDialect",
    "::mlir::cf::ControlFlowDialect", "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // QKVTIE_TRANSFORMS_PASSES_TD
