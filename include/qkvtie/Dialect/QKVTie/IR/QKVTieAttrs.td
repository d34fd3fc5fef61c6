//===- QKVTieAttrs.td - QKVTie attributes ------------------*- tablegen -*-===//

#ifndef QKVTIE_ATTRS_TD
#define QKVTIE_ATTRS_TD

include "qkvtie/Dialect/QKVTie/IR/QKVTieDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def QKVTie_MaskKind : I32EnumAttr<"MaskKind", "attention mask kind", [
    I32EnumAttrCase<"none", 0>,
    I32EnumAttrCase<"causal", 1>,
    I32EnumAttrCase<"additive", 2>,
    I32EnumAttrCase<"boolean", 3>
  ]> {
  let cppNamespace = "::mlir::qkvtie";
}

def QKVTie_TiesAttr : AttrDef<QKVTie_Dialect, "Ties"> {
  let mnemonic = "ties";
  let summary = "Maps q, k and v to projection slots or to the identity.";
  let description = [{
    Each of `q`, `k` and `v` names the projection slot that produces it, or
    `identity` when it is the layer input itself split into heads. Two roles
    that name the same slot share one weight (and bias): they are tied.

    ```mlir
    #qkvtie.ties<q = 0, k = 1, v = 2>               // canonical Q-K-V
    #qkvtie.ties<q = 0, k = 1, v = 1>               // Q-K=V: one cache buffer
    #qkvtie.ties<q = 0, k = 0, v = 1>               // Q=K-V
    #qkvtie.ties<q = 0, k = 0, v = 0>               // Q=K=V
    #qkvtie.ties<q = identity, k = 0, v = 1>        // identity query
    #qkvtie.ties<q = identity, k = identity, v = 0> // value-only
    ```

    The KV cache keeps one buffer per distinct source among `k` and `v`.
  }];
  // A slot index, or kIdentity (-1) for the input itself.
  let parameters = (ins "int64_t":$q, "int64_t":$k, "int64_t":$v);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    static constexpr int64_t kIdentity = -1;

    static TiesAttr getCanonical(::mlir::MLIRContext *ctx);
    static TiesAttr getSharedKV(::mlir::MLIRContext *ctx);
    static TiesAttr getSharedQK(::mlir::MLIRContext *ctx);
    static TiesAttr getSingle(::mlir::MLIRContext *ctx);
    static TiesAttr getIdentityQuery(::mlir::MLIRContext *ctx);
    static TiesAttr getValueOnly(::mlir::MLIRContext *ctx);

    /// Number of KV-cache buffers: distinct sources among k and v.
    int64_t getNumCacheBuffers() const { return getK() == getV() ? 1 : 2; }
    /// Number of distinct projection slots named by q, k and v.
    int64_t getNumProjections() const;
    /// One past the largest slot index named, 0 if all are identity.
    int64_t getNumSlotsReferenced() const;
    bool isKVTied() const { return getK() == getV(); }
    /// The study's name for this map ("Q-K=V", ...) or "custom".
    ::llvm::StringRef getVariantName() const;
  }];
}

#endif // QKVTIE_ATTRS_TD
