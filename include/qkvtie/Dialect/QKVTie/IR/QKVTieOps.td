//===- QKVTieOps.td - QKVTie operations --------------------*- tablegen -*-===//

#ifndef QKVTIE_OPS_TD
#define QKVTIE_OPS_TD

include "qkvtie/Dialect/QKVTie/IR/QKVTieDialect.td"
include "qkvtie/Dialect/QKVTie/IR/QKVTieAttrs.td"
include "qkvtie/Dialect/QKVTie/IR/QKVTieTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def QKVTie_Tensor : RankedTensorOf<[AnyType]>;

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

def QKVTie_AttentionOp : QKVTie_Op<"attention",
    [AttrSizedOperandSegments, Pure]> {
  let summary = "Multi-head attention with explicit projection tying.";
  let description = [{
    Computes one attention layer, projections included:

    ```
    P_i = X_i · W_i + b_i                 for each slot i
    Q   = heads(ties.q == identity ? query     : P_{ties.q})   [B, Hq,  S, d]
    K   = heads(ties.k == identity ? key_value : P_{ties.k})   [B, Hkv, T, d]
    V   = heads(ties.v == identity ? value     : P_{ties.v})   [B, Hkv, T, dv]
    Q, K = norm(Q, q_norm), norm(K, k_norm)  if norm weights are given
    Q, K = rope(Q), rope(K)               if rope tables are given
    S   = scale · Q·Kᵀ + mask             query head h reads KV head h/(Hq/Hkv)
    O   = merge_heads(softmax_T(S) · V) · W_o + b_o                [B, S, Dout]
    ```

    A slot named by `q` projects `query`; a slot named by `k` projects
    `key_value` (the same value for self-attention), and a slot named by `v`
    projects `value` when the op has one (cross-attention whose keys and
    values come from different tensors, as `nn.MultiheadAttention(kdim=...,
    vdim=...)`), else `key_value` too. K and V share a cache row only when
    they name one slot (or both identity) and read one tensor. Each slot has
    a weight
    `[D_in, H·d]` and an optional bias `[H·d]`, written `(%w)` or
    `(%w, %b)`. Roles naming the same slot are tied: `ties<q = 0, k = 1,
    v = 1>` is Q-K=V, whose KV cache keeps one buffer.

    Masks: `none`; `causal` (query `i` sees keys `j <= i + T - S`, i.e.
    aligned to the bottom right, so it is the usual triangle for `S == T` and
    a decode step for `S < T`); `additive` (a float tensor added to the
    scores); `boolean` (an `i1` tensor, `true` = attend). Mask tensors are
    broadcast to `[B, Hq, S, T]` by numpy rules.

    Rotary embedding (`rope`) rotates Q and K, never V, with the
    rotate-half convention: `x·cos + rotate_half(x)·sin` with tables
    `[N, r]`, keys at positions `0..T-1` and queries at `T-S..T-1`. With
    `r < d` (partial rotary) only the first `r` elements of each head are
    rotated, as a vector of their own; the rest pass unchanged.

    QK-norm (`qk_norm`): each head of Q and of K is an RMSNorm of itself
    before RoPE, `x · rsqrt(mean(x²) + eps) · w` over its `d` elements with
    a weight `w: [d]` per role, in f32. V is never normalised: under K=V the
    cache holds the projection once and keys are normalised on read.

    Softmax runs along T in f32 whatever the storage type.

    Example (Q-K=V grouped-query attention, 8 query heads over 2 KV heads):

    ```mlir
    %o = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(8, 2) head_dim(16)
           scale(2.500000e-01) mask(causal)
           inputs(%x, %x : tensor<1x16x128xf32>, tensor<1x16x128xf32>)
           slots((%wq, %bq : tensor<128x128xf32>, tensor<128xf32>),
                 (%wkv : tensor<128x32xf32>))
           out(%wo : tensor<128x128xf32>) -> tensor<1x16x128xf32>
    ```
  }];

  let arguments = (ins
    QKVTie_Tensor:$query,
    QKVTie_Tensor:$key_value,
    Optional<QKVTie_Tensor>:$value,
    Variadic<QKVTie_Tensor>:$weights,
    Variadic<QKVTie_Tensor>:$biases,
    Optional<QKVTie_Tensor>:$mask,
    Optional<QKVTie_Tensor>:$rope_cos,
    Optional<QKVTie_Tensor>:$rope_sin,
    Optional<QKVTie_Tensor>:$q_norm,
    Optional<QKVTie_Tensor>:$k_norm,
    Optional<QKVTie_Tensor>:$out_weight,
    Optional<QKVTie_Tensor>:$out_bias,
    QKVTie_TiesAttr:$ties,
    I64Attr:$num_heads,
    I64Attr:$num_kv_heads,
    I64Attr:$head_dim,
    F64Attr:$scale,
    QKVTie_MaskKind:$mask_kind,
    DenseBoolArrayAttr:$slot_has_bias,
    OptionalAttr<F64Attr>:$norm_eps
  );
  let results = (outs QKVTie_Tensor:$result);

  let assemblyFormat = [{
    `ties` $ties `heads` `(` $num_heads `,` $num_kv_heads `)`
    `head_dim` `(` $head_dim `)` `scale` `(` $scale `)`
    `mask` `(` $mask_kind (`,` $mask^ `:` type($mask))? `)`
    `inputs` `(` $query `,` $key_value `:` type($query) `,` type($key_value) `)`
    (`value` `(` $value^ `:` type($value) `)`)?
    `slots` `(` custom<Slots>($weights, type($weights), $biases, type($biases),
                              $slot_has_bias) `)`
    (`rope` `(` $rope_cos^ `,` $rope_sin `:` type($rope_cos) `,`
                type($rope_sin) `)`)?
    (`q_norm` `(` $q_norm^ `:` type($q_norm) `)`)?
    (`k_norm` `(` $k_norm^ `:` type($k_norm) `)`)?
    (`norm_eps` `(` $norm_eps^ `)`)?
    (`out` `(` $out_weight^ `:` type($out_weight) `)`)?
    (`out_bias` `(` $out_bias^ `:` type($out_bias) `)`)?
    attr-dict `->` type($result)
  }];
  let hasVerifier = 1;

  let extraClassDeclaration = [{
    int64_t getNumSlots() { return getWeights().size(); }
    /// The tensor `v` reads: `value` when given, else `key_value`.
    ::mlir::Value getValueInput() {
      return getValue() ? getValue() : getKeyValue();
    }
    /// K and V are one tensor (one slot or both identity, one input): a K=V
    /// cache of one buffer.
    bool isKVShared() {
      return getTies().isKVTied() && getValueInput() == getKeyValue();
    }
    /// Bias of slot `i`, or null when the slot has none.
    ::mlir::Value getSlotBias(int64_t i);
    /// Head size of V (d unless v has its own slot or is the identity).
    int64_t getValueHeadDim();
    /// Elements of each head that RoPE rotates (the tables' width), 0 without
    /// RoPE.
    int64_t getRotaryDim();
    /// KV-cache bytes per token for this op's ties.
    int64_t getCacheBytesPerToken();
    /// KV-cache bytes per token if k and v were not tied.
    int64_t getUntiedCacheBytesPerToken();
    int64_t getBatchSize() {
      return ::llvm::cast<::mlir::RankedTensorType>(getQuery().getType())
          .getDimSize(0);
    }
    int64_t getQueryLength() {
      return ::llvm::cast<::mlir::RankedTensorType>(getQuery().getType())
          .getDimSize(1);
    }
    int64_t getKeyLength() {
      return ::llvm::cast<::mlir::RankedTensorType>(getKeyValue().getType())
          .getDimSize(1);
    }
    ::mlir::Type getElementType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getQuery().getType())
          .getElementType();
    }
  }];
}

//===----------------------------------------------------------------------===//
// KV cache ops
//===----------------------------------------------------------------------===//

def QKVTie_CacheCreateOp : QKVTie_Op<"cache.create", [Pure]> {
  let summary = "Creates an empty KV cache.";
  let description = [{
    Returns a cache with no valid tokens. Its buffers, heads, capacity, head
    size and element type come from the result type.

    ```mlir
    %c = qkvtie.cache.create : !qkvtie.kv_cache<batch = 1, buffers = 1,
                                 heads = 2, capacity = 4096, head_dim = 16, f16>
    ```
  }];
  let results = (outs QKVTie_KVCacheType:$cache);
  let assemblyFormat = "attr-dict `:` qualified(type($cache))";
}

def QKVTie_CacheAppendOp : QKVTie_Op<"cache.append",
    [Pure, AllTypesMatch<["cache", "result"]>]> {
  let summary = "Writes tokens into every buffer of a KV cache.";
  let description = [{
    Writes `n` tokens at positions `position .. position+n-1`: one
    `[batch, heads, n, head_dim]` tensor per buffer (keys then values; a
    single tensor for a K=V cache). The tensors hold projections before any
    rotary embedding. The server tracks positions (it needs them for RoPE
    anyway), so the cache type is pure storage; writing past `capacity` is a
    run-time error.

    ```mlir
    %c1 = qkvtie.cache.append %c at %pos, %kv : !qkvtie.kv_cache<batch = 1,
            buffers = 1, heads = 2, capacity = 4096, head_dim = 16, f16>,
            tensor<1x2x1x16xf16>
    ```
  }];
  let arguments = (ins QKVTie_KVCacheType:$cache, Index:$position,
                       Variadic<QKVTie_Tensor>:$values);
  let results = (outs QKVTie_KVCacheType:$result);
  let assemblyFormat = [{
    $cache `at` $position `,` $values attr-dict `:` qualified(type($cache)) `,`
    type($values)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::qkvtie::KVCacheType getCacheType() {
      return ::llvm::cast<::mlir::qkvtie::KVCacheType>(getCache().getType());
    }
  }];
}

def QKVTie_CacheAttendOp : QKVTie_Op<"cache.attend",
    [AttrSizedOperandSegments, Pure]> {
  let summary = "Attends the newest query tokens over a KV cache.";
  let description = [{
    One decode step: `query` holds projected queries `[B, Hq, n, d]` (before
    rotary embedding) for the `n` tokens most recently appended; the cache
    holds `length` valid tokens, so the queries sit at positions
    `length-n .. length-1`. Keys at positions `length` and beyond are not
    read. The result is `[B, Hq, n, d]`.

    `ties` says where keys and values come from: with `k == v` the cache has
    one buffer and each cached row serves both `q·k` and `p·v` (rotated on
    the fly for the score when `rope` is given, accumulated unrotated). The
    number of buffers of the cache type must equal the number of distinct
    sources among k and v. Masks: `none` or `causal`. RoPE tables `[N, r]`
    with `r < d` rotate the first `r` elements only. `q_norm` and `k_norm`
    (QK-norm, weights `[d]`, `norm_eps`) normalise each query and each
    cached key before RoPE, as in `qkvtie.attention`; values never.

    ```mlir
    %o = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2)
           scale(2.500000e-01) mask(causal) %q, %c length %len
           : tensor<1x8x1x16xf16>, !qkvtie.kv_cache<batch = 1, buffers = 1,
             heads = 2, capacity = 4096, head_dim = 16, f16>
           -> tensor<1x8x1x16xf16>
    ```
  }];
  let arguments = (ins QKVTie_Tensor:$query, QKVTie_KVCacheType:$cache,
                       Index:$length,
                       Optional<QKVTie_Tensor>:$rope_cos,
                       Optional<QKVTie_Tensor>:$rope_sin,
                       Optional<QKVTie_Tensor>:$q_norm,
                       Optional<QKVTie_Tensor>:$k_norm,
                       QKVTie_TiesAttr:$ties, I64Attr:$num_heads,
                       I64Attr:$num_kv_heads, F64Attr:$scale,
                       QKVTie_MaskKind:$mask_kind,
                       OptionalAttr<F64Attr>:$norm_eps);
  let results = (outs QKVTie_Tensor:$result);
  let assemblyFormat = [{
    `ties` $ties `heads` `(` $num_heads `,` $num_kv_heads `)`
    `scale` `(` $scale `)` `mask` `(` $mask_kind `)` $query `,` $cache
    `length` $length (`rope` `(` $rope_cos^ `,` $rope_sin `:` type($rope_cos) `,`
                type($rope_sin) `)`)?
    (`q_norm` `(` $q_norm^ `:` type($q_norm) `)`)?
    (`k_norm` `(` $k_norm^ `:` type($k_norm) `)`)?
    (`norm_eps` `(` $norm_eps^ `)`)?
    attr-dict `:` type($query) `,` qualified(type($cache)) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::qkvtie::KVCacheType getCacheType() {
      return ::llvm::cast<::mlir::qkvtie::KVCacheType>(getCache().getType());
    }
  }];
}

#endif // QKVTIE_OPS_TD
