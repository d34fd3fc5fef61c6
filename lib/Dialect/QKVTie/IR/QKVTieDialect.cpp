//===- QKVTieDialect.cpp - QKVTie dialect ---------------------------------===//

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::qkvtie;

#include "qkvtie/Dialect/QKVTie/IR/QKVTieDialect.cpp.inc"
#include "qkvtie/Dialect/QKVTie/IR/QKVTieEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "qkvtie/Dialect/QKVTie/IR/QKVTieAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "qkvtie/Dialect/QKVTie/IR/QKVTieTypes.cpp.inc"

void QKVTieDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "qkvtie/Dialect/QKVTie/IR/QKVTieAttrs.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "qkvtie/Dialect/QKVTie/IR/QKVTieTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "qkvtie/Dialect/QKVTie/IR/QKVTieOps.cpp.inc"
      >();
}

bool mlir::qkvtie::isSupportedStorageType(Type type) {
  return type.isF16() || type.isBF16() || type.isF32();
}

int64_t mlir::qkvtie::getElementByteSize(Type type) {
  return llvm::divideCeil(type.getIntOrFloatBitWidth(), 8);
}
