//===- QKVTieDialect.td - QKVTie dialect definition --------*- tablegen -*-===//

#ifndef QKVTIE_DIALECT_TD
#define QKVTIE_DIALECT_TD

include "mlir/IR/OpBase.td"

def QKVTie_Dialect : Dialect {
  let name = "qkvtie";
  let cppNamespace = "::mlir::qkvtie";
  let summary = "Attention with explicit projection tying and KV caches.";
  let description = [{
    The `qkvtie` dialect represents transformer attention whose query, key and
    value projections may share weights (arXiv 2606.04032). One op,
    `qkvtie.attention`, carries everything a reader needs to know about an
    attention layer: which projections are tied (the `ties` map), how many
    query heads read each KV head (`heads(Hq, Hkv)`), and therefore how many
    KV-cache buffers a server keeps. The `!qkvtie.kv_cache` type and the
    `qkvtie.cache.*` ops make the cache an explicit value whose byte count can
    be read off its type.
  }];
  // Attributes the passes leave on ops of other dialects (functions, the
  // module) or on qkvtie ops beside their own properties.
  let discardableAttrs = (ins
    // qkvtie-fold-ties: the op before folding, the proofs of its ties and
    // the pairs that nearly tied.
    "::mlir::DictionaryAttr":$before,
    "::mlir::ArrayAttr":$proofs,
    "::mlir::ArrayAttr":$near_misses,
    // A kernel function a lowering wrote (not a model function).
    "::mlir::UnitAttr":$kernel,
    // qkvtie-checks-to-status: the message of each status code.
    "::mlir::ArrayAttr":$check_messages,
    // qkvtie-materialize-kv-cache: which arguments of a step are the model's
    // inputs, which of them and of the results hold one row per token.
    "::mlir::DenseI64ArrayAttr":$inputs,
    "::mlir::DenseI64ArrayAttr":$token_inputs,
    "::mlir::DenseI64ArrayAttr":$token_results,
    // On a function argument: the caller passes a tensor equal to argument
    // N's (qkvtie-fold-ties{tie-arguments}).
    "::mlir::IntegerAttr":$tied_to
  );
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

class QKVTie_Op<string mnemonic, list<Trait> traits = []>
    : Op<QKVTie_Dialect, mnemonic, traits>;

#endif // QKVTIE_DIALECT_TD
