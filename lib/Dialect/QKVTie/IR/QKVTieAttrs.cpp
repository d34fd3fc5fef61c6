//===- QKVTieAttrs.cpp - QKVTie attributes --------------------------------===//

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mlir::qkvtie;

static constexpr int64_t kId = TiesAttr::kIdentity;

TiesAttr TiesAttr::getCanonical(MLIRContext *ctx) { return get(ctx, 0, 1, 2); }
TiesAttr TiesAttr::getSharedKV(MLIRContext *ctx) { return get(ctx, 0, 1, 1); }
TiesAttr TiesAttr::getSharedQK(MLIRContext *ctx) { return get(ctx, 0, 0, 1); }
TiesAttr TiesAttr::getSingle(MLIRContext *ctx) { return get(ctx, 0, 0, 0); }
TiesAttr TiesAttr::getIdentityQuery(MLIRContext *ctx) {
  return get(ctx, kId, 0, 1);
}
TiesAttr TiesAttr::getValueOnly(MLIRContext *ctx) {
  return get(ctx, kId, kId, 0);
}

int64_t TiesAttr::getNumProjections() const {
  llvm::SmallSet<int64_t, 3> slots;
  for (int64_t s : {getQ(), getK(), getV()})
    if (s != kId)
      slots.insert(s);
  return slots.size();
}

int64_t TiesAttr::getNumSlotsReferenced() const {
  return std::max({getQ(), getK(), getV(), kId}) + 1;
}

StringRef TiesAttr::getVariantName() const {
  int64_t q = getQ(), k = getK(), v = getV();
  bool distinct3 = q != k && k != v && q != v;
  if (q != kId && k != kId && v != kId) {
    if (distinct3)
      return "Q-K-V";
    if (q != k && k == v)
      return "Q-K=V";
    if (q == k && k != v)
      return "Q=K-V";
    if (q == k && k == v)
      return "Q=K=V";
    return "custom";
  }
  if (q == kId && k != kId && v != kId && k != v)
    return "identity-query";
  if (q == kId && k == kId && v != kId)
    return "value-only";
  if (q == kId && k == kId && v == kId)
    return "no-projection";
  return "custom";
}

LogicalResult TiesAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               int64_t q, int64_t k, int64_t v) {
  for (int64_t s : {q, k, v})
    if (s < kId)
      return emitError() << "ties: slot index must be >= 0 or 'identity', got "
                         << s;
  return success();
}

static ParseResult parseSource(AsmParser &parser, StringRef role,
                               int64_t &slot) {
  if (parser.parseKeyword(role) || parser.parseEqual())
    return failure();
  if (succeeded(parser.parseOptionalKeyword("identity"))) {
    slot = kId;
    return success();
  }
  return parser.parseInteger(slot);
}

Attribute TiesAttr::parse(AsmParser &parser, Type) {
  int64_t q, k, v;
  if (parser.parseLess() || parseSource(parser, "q", q) ||
      parser.parseComma() || parseSource(parser, "k", k) ||
      parser.parseComma() || parseSource(parser, "v", v) ||
      parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                    parser.getContext(), q, k, v);
}

static void printSource(AsmPrinter &printer, StringRef role, int64_t slot) {
  printer << role << " = ";
  if (slot == kId)
    printer << "identity";
  else
    printer << slot;
}

void TiesAttr::print(AsmPrinter &printer) const {
  printer << "<";
  printSource(printer, "q", getQ());
  printer << ", ";
  printSource(printer, "k", getK());
  printer << ", ";
  printSource(printer, "v", getV());
  printer << ">";
}
