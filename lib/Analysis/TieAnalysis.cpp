//===- TieAnalysis.cpp - Prove which projection slots are equal -----------===//

#include "qkvtie/Analysis/TieAnalysis.h"

#include "qkvtie/Analysis/Layout.h"
#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::qkvtie;

StringRef mlir::qkvtie::stringifyProofKind(ProofKind kind) {
  switch (kind) {
  case ProofKind::SSA:
    return "ssa";
  case ProofKind::Symbol:
    return "symbol";
  case ProofKind::ConstantBytes:
    return "constant-bytes";
  case ProofKind::PackedSlice:
    return "packed-slice";
  case ProofKind::ArgumentOptIn:
    return "argument-opt-in";
  case ProofKind::Tolerance:
    return "tolerance";
  }
  llvm_unreachable("unknown proof kind");
}

namespace {

/// The raw element bytes of a constant tensor, splats expanded lazily.
struct ConstantData {
  ArrayRef<char> bytes;
  int64_t eltBytes = 0;
  bool splat = false;
  Type eltType;
  SmallVector<int64_t> shape;
  const char *element(int64_t i) const {
    return bytes.data() + (splat ? 0 : i * eltBytes);
  }
};

std::optional<ConstantData> getConstantData(Value v) {
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.getElementType().isIntOrFloat())
    return std::nullopt;
  ConstantData d;
  d.eltType = type.getElementType();
  d.eltBytes = llvm::divideCeil(d.eltType.getIntOrFloatBitWidth(), 8);
  d.shape.assign(type.getShape().begin(), type.getShape().end());
  if (auto dense = dyn_cast<DenseIntOrFPElementsAttr>(attr)) {
    if (d.eltType.isInteger(1))
      return std::nullopt; // bit-packed
    d.bytes = dense.getRawData();
    d.splat = dense.isSplat();
    return d;
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    d.bytes = res.getData();
    if (static_cast<int64_t>(d.bytes.size()) !=
        type.getNumElements() * d.eltBytes)
      return std::nullopt;
    return d;
  }
  return std::nullopt;
}

double toDouble(Type type, const char *p) {
  unsigned bits = type.getIntOrFloatBitWidth();
  uint64_t raw = 0;
  std::memcpy(&raw, p, bits / 8);
  if (auto f = dyn_cast<FloatType>(type))
    return APFloat(f.getFloatSemantics(), APInt(bits, raw)).convertToDouble();
  return static_cast<double>(static_cast<int64_t>(raw));
}

/// Calls fn(rowMajorIndex, baseOffset) for every element of the view.
template <typename Fn> void forEachElement(const Layout &l, Fn fn) {
  SmallVector<SubDim> subs;
  for (const Layout::Dim &d : l.getDims())
    subs.append(d.begin(), d.end());
  SmallVector<int64_t> coord(subs.size(), 0);
  int64_t total = 1;
  for (const SubDim &s : subs)
    total *= s.size;
  int64_t offset = l.getOffset();
  for (int64_t i = 0; i < total; ++i) {
    fn(i, offset);
    // Odometer over sub-dims, innermost last.
    for (int64_t k = subs.size() - 1; k >= 0; --k) {
      if (++coord[k] < subs[k].size) {
        offset += subs[k].stride;
        break;
      }
      offset -= (subs[k].size - 1) * subs[k].stride;
      coord[k] = 0;
    }
  }
}

SmallVector<int64_t> delinearize(int64_t offset, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> idx(shape.size());
  for (int64_t i = shape.size() - 1; i >= 0; --i) {
    idx[i] = shape[i] ? offset % shape[i] : 0;
    offset = shape[i] ? offset / shape[i] : 0;
  }
  return idx;
}

/// The argument index a function argument is declared tied to.
std::optional<int64_t> tiedTo(BlockArgument arg) {
  auto fn = dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp());
  if (!fn || arg.getOwner() != &fn.getFunctionBody().front())
    return std::nullopt;
  if (auto attr = fn.getArgAttrOfType<IntegerAttr>(
          arg.getArgNumber(), QKVTieDialect::TiedToAttrHelper::getNameStr()))
    return attr.getInt();
  return std::nullopt;
}

/// The global `v` loads when nothing can change it between loads: a
/// constant global (ml_program.global_load_const, memref.get_global of a
/// constant memref.global) or an immutable ml_program.global. A call, a
/// load of a mutable global or any other op that names a symbol is not a
/// value the symbol determines.
std::optional<StringRef> immutableGlobal(Value v) {
  Operation *op = v.getDefiningOp();
  if (!op)
    return std::nullopt;
  if (auto l = dyn_cast<ml_program::GlobalLoadConstOp>(op))
    return l.getGlobal().getLeafReference().getValue();
  if (auto l = dyn_cast<ml_program::GlobalLoadOp>(op)) {
    auto g = SymbolTable::lookupNearestSymbolFrom<ml_program::GlobalOp>(
        op, l.getGlobalAttr());
    if (g && !g.getIsMutable())
      return l.getGlobal().getLeafReference().getValue();
    return std::nullopt;
  }
  if (auto l = dyn_cast<memref::GetGlobalOp>(op)) {
    auto g = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
        op, l.getNameAttr());
    if (g && g.getConstant())
      return l.getName();
  }
  return std::nullopt;
}

} // namespace

EqualityResult mlir::qkvtie::proveEqual(Value a, Value b,
                                        const TieOptions &options) {
  EqualityResult r;
  if (a.getType() != b.getType()) {
    r.why = "different types";
    return r;
  }
  if (a == b) {
    r.proof = ProofKind::SSA;
    return r;
  }
  Layout la = traceLayout(a), lb = traceLayout(b);
  if (!la.getBase() || !lb.getBase()) {
    r.why = "dynamic shapes";
    return r;
  }
  // The same elements of the same value.
  Layout lbSameBase(la.getBase(), SmallVector<Layout::Dim>(lb.getDims()),
                    lb.getOffset());
  bool sameView = la.isEquivalent(lbSameBase);
  if (la.getBase() == lb.getBase() && sameView) {
    r.proof = ProofKind::SSA;
    return r;
  }
  Value baseA = la.getBase(), baseB = lb.getBase();

  // Loads of one immutable global.
  std::optional<StringRef> symA = immutableGlobal(baseA),
                           symB = immutableGlobal(baseB);
  if (symA && symB && *symA == *symB && sameView &&
      baseA.getDefiningOp()->getName() == baseB.getDefiningOp()->getName()) {
    r.proof = ProofKind::Symbol;
    return r;
  }
  // Two results of one pure computation of the same operands (what CSE
  // would merge): the same value. Calls and ops with effects never are.
  if (Operation *opA = baseA.getDefiningOp(), *opB = baseB.getDefiningOp();
      opA && opB && sameView && isPure(opA) && isPure(opB) &&
      opA->getNumRegions() == 0 && !opA->hasTrait<OpTrait::ConstantLike>() &&
      cast<OpResult>(baseA).getResultNumber() ==
          cast<OpResult>(baseB).getResultNumber() &&
      OperationEquivalence::isEquivalentTo(
          opA, opB, OperationEquivalence::exactValueMatch,
          /*markEquivalent=*/nullptr, OperationEquivalence::IgnoreLocations)) {
    r.proof = ProofKind::SSA;
    return r;
  }

  // Function arguments: only on the user's word.
  auto argA = dyn_cast<BlockArgument>(baseA);
  auto argB = dyn_cast<BlockArgument>(baseB);
  if (argA || argB) {
    if (!argA || !argB || !sameView) {
      r.why = "a function argument compared with another value";
      return r;
    }
    std::optional<int64_t> ta = tiedTo(argA), tb = tiedTo(argB);
    int64_t ia = argA.getArgNumber(), ib = argB.getArgNumber();
    bool declared =
        (ta && (*ta == ib || (tb && *ta == *tb))) || (tb && *tb == ia);
    if (options.tieArguments || declared) {
      r.proof = ProofKind::ArgumentOptIn;
      return r;
    }
    r.why = "weights are function arguments: equal only if the caller "
            "passes equal tensors (opt in with qkvtie.tied_to or the "
            "tie-arguments option)";
    return r;
  }

  std::optional<ConstantData> ca = getConstantData(baseA),
                              cb = getConstantData(baseB);
  if (!ca || !cb) {
    r.why = "not constants, arguments or the same value";
    return r;
  }
  if (ca->eltType != cb->eltType) {
    r.why = "constants of different element types";
    return r;
  }
  // Compare element by element in a's row-major order.
  SmallVector<int64_t> offsetsB;
  offsetsB.reserve(cast<RankedTensorType>(b.getType()).getNumElements());
  forEachElement(lb, [&](int64_t, int64_t off) { offsetsB.push_back(off); });
  Difference diff;
  double maxAbs = 0, maxRel = 0;
  bool bitEqual = true;
  int64_t eltBytes = ca->eltBytes;
  forEachElement(la, [&](int64_t i, int64_t off) {
    const char *pa = ca->element(off), *pb = cb->element(offsetsB[i]);
    ++diff.total;
    if (std::memcmp(pa, pb, eltBytes) == 0)
      return;
    double va = toDouble(ca->eltType, pa), vb = toDouble(cb->eltType, pb);
    if (bitEqual) {
      diff.index = delinearize(off, ca->shape);
      diff.lhs = va;
      diff.rhs = vb;
    }
    bitEqual = false;
    ++diff.count;
    double abs = std::fabs(va - vb);
    maxAbs = std::max(maxAbs, abs);
    double scale = std::max(std::fabs(va), std::fabs(vb));
    if (scale > 0)
      maxRel = std::max(maxRel, abs / scale);
  });
  if (bitEqual) {
    r.proof =
        baseA == baseB ? ProofKind::PackedSlice : ProofKind::ConstantBytes;
    return r;
  }
  r.maxAbsDiff = maxAbs;
  r.maxRelDiff = maxRel;
  r.difference = diff;
  if (options.tolerance > 0 && maxAbs <= options.tolerance) {
    r.proof = ProofKind::Tolerance;
    return r;
  }
  r.why = "constants differ";
  return r;
}

ProofKind SlotComparison::kind() const {
  // Order of strength: a tolerance tie is the weakest, an SSA tie the
  // strongest; report the weaker of weight and bias.
  auto rank = [](ProofKind k) {
    switch (k) {
    case ProofKind::Tolerance:
      return 0;
    case ProofKind::ArgumentOptIn:
      return 1;
    case ProofKind::ConstantBytes:
      return 2;
    case ProofKind::PackedSlice:
      return 3;
    case ProofKind::Symbol:
      return 4;
    case ProofKind::SSA:
      return 5;
    }
    return 0;
  };
  return rank(*weight.proof) <= rank(*bias.proof) ? *weight.proof : *bias.proof;
}

SlotComparison mlir::qkvtie::compareSlots(AttentionOp op, int64_t i, int64_t j,
                                          const TieOptions &options) {
  SlotComparison c;
  c.weight = proveEqual(op.getWeights()[i], op.getWeights()[j], options);
  Value bi = op.getSlotBias(i), bj = op.getSlotBias(j);
  if (!bi && !bj) {
    c.bias.proof = ProofKind::SSA;
  } else if (!bi || !bj) {
    c.bias.why = "one slot has a bias and the other has none";
  } else {
    c.bias = proveEqual(bi, bj, options);
  }
  return c;
}
