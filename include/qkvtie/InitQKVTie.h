//===- InitQKVTie.h - Register the QKVTie dialect and passes ----*- C++ -*-===//

#ifndef QKVTIE_INITQKVTIE_H
#define QKVTIE_INITQKVTIE_H

#include "mlir/Support/LLVM.h"

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::qkvtie {
/// Adds the qkvtie dialect and the dialects its passes create.
void registerQKVTieDialects(DialectRegistry &registry);
/// Registers every qkvtie pass and pipeline with the global registry.
void registerQKVTiePasses();
} // namespace mlir::qkvtie

#endif // QKVTIE_INITQKVTIE_H
