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
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

class QKVTie_Op<string mnemonic, list<Trait> traits = []>
    : Op<QKVTie_Dialect, mnemonic, traits>;

#endif // QKVTIE_DIALECT_TD
