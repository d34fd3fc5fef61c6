//===- QKVTieDialect.cpp - QKVTie dialect ---------------------------------===//

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
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

LogicalResult QKVTieDialect::verifyOperationAttribute(Operation *op,
                                                      NamedAttribute attr) {
  StringRef name = attr.getName().strref();
  Attribute value = attr.getValue();
  auto expect = [&](bool ok, StringRef what) -> LogicalResult {
    if (ok)
      return success();
    return op->emitError() << "'" << name << "' must be " << what;
  };
  if (name == BeforeAttrHelper::getNameStr())
    return expect(isa<DictionaryAttr>(value), "a dictionary");
  if (name == ProofsAttrHelper::getNameStr() ||
      name == NearMissesAttrHelper::getNameStr() ||
      name == CheckMessagesAttrHelper::getNameStr())
    return expect(isa<ArrayAttr>(value), "an array");
  if (name == KernelAttrHelper::getNameStr())
    return expect(isa<UnitAttr>(value), "a unit attribute");
  if (name == InputsAttrHelper::getNameStr() ||
      name == TokenInputsAttrHelper::getNameStr() ||
      name == TokenResultsAttrHelper::getNameStr())
    return expect(isa<DenseI64ArrayAttr>(value), "an array<i64>");
  if (name == TiedToAttrHelper::getNameStr())
    return op->emitError() << "'" << name << "' belongs on a function argument";
  // Other names in the namespace are the user's to use.
  return success();
}

LogicalResult QKVTieDialect::verifyRegionArgAttribute(Operation *op,
                                                      unsigned region,
                                                      unsigned argIndex,
                                                      NamedAttribute attr) {
  if (attr.getName() != TiedToAttrHelper::getNameStr())
    return success();
  auto fn = dyn_cast<FunctionOpInterface>(op);
  Region &body = op->getRegion(region);
  int64_t args = fn             ? fn.getNumArguments()
                 : body.empty() ? 0
                                : body.front().getNumArguments();
  auto to = dyn_cast<IntegerAttr>(attr.getValue());
  if (!to || to.getInt() < 0 || to.getInt() >= args ||
      to.getInt() == static_cast<int64_t>(argIndex))
    return op->emitError() << "'" << attr.getName().strref() << "' of argument "
                           << argIndex
                           << " must be the index of another argument, in [0, "
                           << args << ")";
  return success();
}
