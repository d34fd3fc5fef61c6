//===- QKVTie.h - QKVTie dialect --------------------------------*- C++ -*-===//
//
// The qkvtie dialect: attention with explicit projection tying, head grouping
// and KV caches.
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_DIALECT_QKVTIE_IR_QKVTIE_H
#define QKVTIE_DIALECT_QKVTIE_IR_QKVTIE_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "qkvtie/Dialect/QKVTie/IR/QKVTieDialect.h.inc"
#include "qkvtie/Dialect/QKVTie/IR/QKVTieEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "qkvtie/Dialect/QKVTie/IR/QKVTieAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "qkvtie/Dialect/QKVTie/IR/QKVTieTypes.h.inc"

#define GET_OP_CLASSES
#include "qkvtie/Dialect/QKVTie/IR/QKVTieOps.h.inc"

namespace mlir::qkvtie {
/// Bytes of one element of a supported storage type (f16, bf16, f32, ...).
int64_t getElementByteSize(Type type);
/// Storage types the dialect's kernels accept: f16, bf16 and f32.
bool isSupportedStorageType(Type type);
} // namespace mlir::qkvtie

#endif // QKVTIE_DIALECT_QKVTIE_IR_QKVTIE_H
