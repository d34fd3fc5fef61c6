//===- QKVTieTypes.td - QKVTie types -----------------------*- tablegen -*-===//

#ifndef QKVTIE_TYPES_TD
#define QKVTIE_TYPES_TD

include "qkvtie/Dialect/QKVTie/IR/QKVTieDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

def QKVTie_KVCacheType : TypeDef<QKVTie_Dialect, "KVCache"> {
  let mnemonic = "kv_cache";
  let summary = "A KV cache holding only the distinct key/value buffers.";
  let description = [{
    A cache of `buffers` tensors, each `[batch, heads, capacity, head_dim]` of
    `elementType`, plus the number of valid tokens (a run-time value). With
    K=V tying one buffer serves both keys and values. Buffers hold the
    projections before any rotary embedding; consumers rotate on read.

    ```mlir
    !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 8, capacity = 4096,
                     head_dim = 128, f16>
    ```

    Bytes per token: `batch * buffers * heads * head_dim * sizeof(elementType)`.
  }];
  let parameters = (ins "int64_t":$batch, "int64_t":$buffers, "int64_t":$heads,
                        "int64_t":$capacity, "int64_t":$headDim,
                        "::mlir::Type":$elementType);
  let assemblyFormat = [{
    `<` `batch` `=` $batch `,` `buffers` `=` $buffers `,` `heads` `=` $heads `,`
    `capacity` `=` $capacity `,` `head_dim` `=` $headDim `,` $elementType `>`
  }];
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Bytes the cache grows by per token, all buffers and batch rows.
    int64_t getBytesPerToken() const;
    /// Bytes of the whole cache at full capacity.
    int64_t getTotalBytes() const { return getBytesPerToken() * getCapacity(); }
    /// The tensor type of one buffer.
    ::mlir::RankedTensorType getBufferType() const;
  }];
}

#endif // QKVTIE_TYPES_TD
