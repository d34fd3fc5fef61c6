//===- MaskAnalysis.cpp - Prove what an attention mask computes -----------===//

#include "qkvtie/Analysis/MaskAnalysis.h"
#include "qkvtie/Analysis/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>

#define DEBUG_TYPE "qkvtie-mask"

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

/// One element: integers (i1 as 0/1, others sign-extended) or floats.
struct Scalar {
  bool isFloat = false;
  int64_t i = 0;
  double f = 0;
  static Scalar ofInt(int64_t v) { return {false, v, 0}; }
  static Scalar ofFloat(double v) { return {true, 0, v}; }
  bool truthy() const { return isFloat ? f != 0 : i != 0; }
};

int64_t normalize(int64_t v, Type t) {
  unsigned w = t.isIndex() ? 64 : t.getIntOrFloatBitWidth();
  if (w == 1)
    return v & 1;
  if (w >= 64)
    return v;
  uint64_t m = (uint64_t(1) << w) - 1, sign = uint64_t(1) << (w - 1);
  uint64_t u = uint64_t(v) & m;
  return int64_t((u ^ sign) - sign);
}

double roundTo(double v, Type t) {
  if (t.isF64())
    return v;
  if (t.isF32())
    return static_cast<float>(v);
  auto ft = dyn_cast<FloatType>(t);
  if (!ft)
    return v;
  APFloat a(v);
  bool lost;
  a.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
  a.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
  return a.convertToDouble();
}

/// Evaluates tensors at indices and scalars, on demand. Reads of entry-block
/// arguments return one (no padding) and are recorded.
class PointEvaluator {
public:
  PointEvaluator(Block *entry, ArrayRef<unsigned> padding)
      : entry(entry), padding(padding) {}

  FailureOr<Scalar> at(Value v, ArrayRef<int64_t> idx);

  std::string error;
  SmallVector<std::pair<unsigned, SmallVector<int64_t>>> argReads;
  bool readConstantTable = false;
  int64_t maxConstant = 0;

private:
  FailureOr<Scalar> fail(Operation *op, const Twine &why) {
    if (error.empty()) {
      std::string s;
      llvm::raw_string_ostream os(s);
      if (op)
        os << "'" << op->getName() << "' at " << op->getLoc() << ": ";
      os << why;
      error = s;
    }
    return failure();
  }
  FailureOr<Scalar> constantAt(arith::ConstantOp op, ArrayRef<int64_t> idx);
  FailureOr<Scalar> linalgAt(linalg::LinalgOp op, unsigned result,
                             ArrayRef<int64_t> idx);
  FailureOr<Scalar> inBody(Value v, linalg::LinalgOp op,
                           ArrayRef<int64_t> loops,
                           DenseMap<Value, Scalar> &env);
  FailureOr<Scalar> apply(Operation *op, ArrayRef<Scalar> in);

  Block *entry;
  ArrayRef<unsigned> padding;
};

FailureOr<int64_t> evalAffine(AffineExpr e, ArrayRef<int64_t> dims) {
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return dims[d.getPosition()];
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    return c.getValue();
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return failure();
  FailureOr<int64_t> l = evalAffine(bin.getLHS(), dims),
                     r = evalAffine(bin.getRHS(), dims);
  if (failed(l) || failed(r))
    return failure();
  switch (e.getKind()) {
  case AffineExprKind::Add:
    return *l + *r;
  case AffineExprKind::Mul:
    return *l * *r;
  case AffineExprKind::Mod:
    return *r > 0 ? ((*l % *r) + *r) % *r : FailureOr<int64_t>(failure());
  case AffineExprKind::FloorDiv:
    return *r > 0 ? int64_t(std::floor(double(*l) / double(*r)))
                  : FailureOr<int64_t>(failure());
  case AffineExprKind::CeilDiv:
    return *r > 0 ? int64_t(std::ceil(double(*l) / double(*r)))
                  : FailureOr<int64_t>(failure());
  default:
    return failure();
  }
}

FailureOr<Scalar> PointEvaluator::constantAt(arith::ConstantOp op,
                                             ArrayRef<int64_t> idx) {
  Attribute attr = op.getValue();
  auto type = dyn_cast<RankedTensorType>(op.getType());
  if (!type) {
    if (auto i = dyn_cast<IntegerAttr>(attr)) {
      int64_t v = normalize(i.getValue().getSExtValue(), i.getType());
      if (!i.getType().isInteger(1))
        maxConstant = std::max(maxConstant, v < 0 ? -v : v);
      return Scalar::ofInt(v);
    }
    if (auto f = dyn_cast<FloatAttr>(attr))
      return Scalar::ofFloat(f.getValueAsDouble());
    return fail(op, "constant of unknown kind");
  }
  Type elt = type.getElementType();
  int64_t flat = 0;
  for (auto [k, i] : llvm::enumerate(idx)) {
    int64_t size = type.getDimSize(k);
    if (i < 0 || i >= size) {
      if (auto dense = dyn_cast<DenseElementsAttr>(attr);
          dense && dense.isSplat())
        break; // a splat has the same value everywhere
      return fail(op, "reads a constant out of its bounds (index " + Twine(i) +
                          " of " + Twine(size) + ")");
    }
    flat = flat * size + i;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (!dense.isSplat())
      readConstantTable = true;
    int64_t at = dense.isSplat() ? 0 : flat;
    if (isa<FloatType>(elt))
      return Scalar::ofFloat(
          (*(dense.value_begin<APFloat>() + at)).convertToDouble());
    if (elt.isInteger(1))
      return Scalar::ofInt(*(dense.value_begin<bool>() + at) ? 1 : 0);
    if (elt.isIntOrIndex())
      return Scalar::ofInt(
          normalize((*(dense.value_begin<APInt>() + at)).getSExtValue(), elt));
    return fail(op, "constant of unknown element type");
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    ArrayRef<char> data = res.getData();
    unsigned bits = elt.getIntOrFloatBitWidth();
    unsigned bytes = bits == 1 ? 1 : bits / 8;
    if (bits % 8 != 0 && bits != 1)
      return fail(op, "constant of unknown element type");
    if (static_cast<int64_t>(data.size()) != type.getNumElements() * bytes)
      return fail(op, "resource constant of unexpected size");
    readConstantTable = true;
    uint64_t raw = 0;
    std::memcpy(&raw, data.data() + flat * bytes, bytes);
    if (auto ft = dyn_cast<FloatType>(elt))
      return Scalar::ofFloat(
          APFloat(ft.getFloatSemantics(), APInt(bits, raw)).convertToDouble());
    return Scalar::ofInt(normalize(int64_t(raw), elt));
  }
  return fail(op, "constant of unknown kind");
}

FailureOr<Scalar> PointEvaluator::at(Value v, ArrayRef<int64_t> idx) {
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (arg.getOwner() != entry)
      return fail(nullptr, "reads a block argument of an inner region");
    if (!llvm::is_contained(padding, arg.getArgNumber()))
      return fail(nullptr, "reads argument " + Twine(arg.getArgNumber()) +
                               ", which the rest of the function computes "
                               "with: the mask depends on the data");
    argReads.push_back({arg.getArgNumber(), SmallVector<int64_t>(idx)});
    Type elt = getElementTypeOrSelf(arg.getType());
    return isa<FloatType>(elt) ? Scalar::ofFloat(1.0) : Scalar::ofInt(1);
  }
  Operation *def = v.getDefiningOp();
  unsigned result = cast<OpResult>(v).getResultNumber();
  if (auto c = dyn_cast<arith::ConstantOp>(def))
    return constantAt(c, idx);
  if (auto l = dyn_cast<linalg::LinalgOp>(def))
    return linalgAt(l, result, idx);
  if (auto e = dyn_cast<tensor::ExpandShapeOp>(def)) {
    ArrayRef<int64_t> sizes = e.getResultType().getShape();
    SmallVector<int64_t> src;
    for (const ReassociationIndices &group : e.getReassociationIndices()) {
      int64_t lin = 0;
      for (int64_t k : group)
        lin = lin * sizes[k] + idx[k];
      src.push_back(lin);
    }
    return at(e.getSrc(), src);
  }
  if (auto c = dyn_cast<tensor::CollapseShapeOp>(def)) {
    ArrayRef<int64_t> sizes = c.getSrcType().getShape();
    SmallVector<int64_t> src(sizes.size(), 0);
    for (auto [r, group] : llvm::enumerate(c.getReassociationIndices())) {
      int nonUnit =
          llvm::count_if(group, [&](int64_t k) { return sizes[k] != 1; });
      if (nonUnit <= 1) {
        for (int64_t k : group)
          if (sizes[k] != 1 || nonUnit == 0)
            src[k] = idx[r];
        continue;
      }
      int64_t rest = idx[r];
      for (int64_t k : llvm::reverse(group)) {
        src[k] = rest % sizes[k];
        rest /= sizes[k];
      }
    }
    return at(c.getSrc(), src);
  }
  if (auto s = dyn_cast<tensor::ExtractSliceOp>(def)) {
    if (!s.hasUnitStride() && llvm::any_of(s.getStaticStrides(), [](int64_t x) {
          return ShapedType::isDynamic(x);
        }))
      return fail(def, "slice with dynamic strides");
    if (llvm::any_of(s.getStaticOffsets(),
                     [](int64_t x) { return ShapedType::isDynamic(x); }))
      return fail(def, "slice with dynamic offsets");
    llvm::SmallBitVector dropped = s.getDroppedDims();
    SmallVector<int64_t> src;
    unsigned r = 0;
    for (unsigned k = 0; k < s.getSourceType().getRank(); ++k) {
      int64_t i = dropped.test(k) ? 0 : idx[r++];
      src.push_back(s.getStaticOffsets()[k] + i * s.getStaticStrides()[k]);
    }
    return at(s.getSource(), src);
  }
  if (auto c = dyn_cast<tensor::CastOp>(def))
    return at(c.getSource(), idx);
  return fail(def, "is not understood by the mask evaluation");
}

FailureOr<Scalar> PointEvaluator::linalgAt(linalg::LinalgOp op, unsigned result,
                                           ArrayRef<int64_t> idx) {
  AffineMap out = op.getIndexingMapMatchingResult(op->getResult(result));
  SmallVector<int64_t> loops(op.getNumLoops(), 0);
  SmallVector<bool> known(op.getNumLoops(), false);
  for (auto [k, e] : llvm::enumerate(out.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(e)) {
      loops[d.getPosition()] = idx[k];
      known[d.getPosition()] = true;
    }
  if (llvm::is_contained(known, false))
    return fail(op, "reduces over a dimension: the mask mixes positions");
  DenseMap<Value, Scalar> env;
  auto yield = cast<linalg::YieldOp>(op.getBlock()->getTerminator());
  return inBody(yield.getOperand(result), op, loops, env);
}

FailureOr<Scalar> PointEvaluator::inBody(Value v, linalg::LinalgOp op,
                                         ArrayRef<int64_t> loops,
                                         DenseMap<Value, Scalar> &env) {
  if (auto it = env.find(v); it != env.end())
    return it->second;
  Block *body = op.getBlock();
  FailureOr<Scalar> r = failure();
  // An op on scalars, its operands evaluated first.
  auto applyToOperands = [&](Operation *def) -> FailureOr<Scalar> {
    SmallVector<Scalar> in;
    for (Value operand : def->getOperands()) {
      FailureOr<Scalar> s = inBody(operand, op, loops, env);
      if (failed(s))
        return failure();
      in.push_back(*s);
    }
    return apply(def, in);
  };
  if (auto arg = dyn_cast<BlockArgument>(v); arg && arg.getOwner() == body) {
    OpOperand *operand = op.getMatchingOpOperand(arg);
    if (!isa<RankedTensorType>(operand->get().getType())) {
      r = inBody(operand->get(), op, loops, env);
    } else {
      SmallVector<int64_t> idx;
      for (AffineExpr e : op.getMatchingIndexingMap(operand).getResults()) {
        FailureOr<int64_t> i = evalAffine(e, loops);
        if (failed(i))
          return fail(op, "indexing map is not affine arithmetic");
        idx.push_back(*i);
      }
      r = at(operand->get(), idx);
    }
  } else if (Operation *def = v.getDefiningOp();
             def && def->getBlock() == body) {
    if (auto index = dyn_cast<linalg::IndexOp>(def)) {
      r = Scalar::ofInt(loops[index.getDim()]);
    } else if (auto extract = dyn_cast<tensor::ExtractOp>(def)) {
      SmallVector<int64_t> idx;
      for (Value i : extract.getIndices()) {
        FailureOr<Scalar> s = inBody(i, op, loops, env);
        if (failed(s))
          return failure();
        idx.push_back(s->i);
      }
      r = at(extract.getTensor(), idx);
    } else if (auto sel = dyn_cast<arith::SelectOp>(def)) {
      // Only the taken side: the other may index out of bounds.
      FailureOr<Scalar> c = inBody(sel.getCondition(), op, loops, env);
      if (failed(c))
        return failure();
      r = inBody(c->truthy() ? sel.getTrueValue() : sel.getFalseValue(), op,
                 loops, env);
    } else {
      r = applyToOperands(def);
    }
  } else if (Operation *def = v.getDefiningOp()) {
    // A scalar from above: a constant or arithmetic on constants.
    if (auto c = dyn_cast<arith::ConstantOp>(def)) {
      r = constantAt(c, {});
    } else if (def->getNumRegions() == 0 && def->getNumResults() == 1 &&
               !isa<ShapedType>(v.getType())) {
      r = applyToOperands(def);
    } else {
      return fail(def, "is not understood by the mask evaluation");
    }
  } else {
    return fail(op, "uses a value the mask evaluation cannot see");
  }
  if (succeeded(r))
    env[v] = *r;
  return r;
}

FailureOr<Scalar> PointEvaluator::apply(Operation *op, ArrayRef<Scalar> in) {
  Type rt = op->getNumResults() ? op->getResult(0).getType() : Type();
  auto ints = [&](auto fn) -> FailureOr<Scalar> {
    return Scalar::ofInt(normalize(fn(in[0].i, in[1].i), rt));
  };
  auto floats = [&](auto fn) -> FailureOr<Scalar> {
    return Scalar::ofFloat(roundTo(fn(in[0].f, in[1].f), rt));
  };
  if (auto c = dyn_cast<arith::ConstantOp>(op))
    return constantAt(c, {});
  if (isa<arith::AddIOp>(op))
    return ints([](int64_t a, int64_t b) { return a + b; });
  if (isa<arith::SubIOp>(op))
    return ints([](int64_t a, int64_t b) { return a - b; });
  if (isa<arith::MulIOp>(op))
    return ints([](int64_t a, int64_t b) { return a * b; });
  if (isa<arith::AndIOp>(op))
    return ints([](int64_t a, int64_t b) { return a & b; });
  if (isa<arith::OrIOp>(op))
    return ints([](int64_t a, int64_t b) { return a | b; });
  if (isa<arith::XOrIOp>(op))
    return ints([](int64_t a, int64_t b) { return a ^ b; });
  if (isa<arith::MaxSIOp>(op))
    return ints([](int64_t a, int64_t b) { return std::max(a, b); });
  if (isa<arith::MinSIOp>(op))
    return ints([](int64_t a, int64_t b) { return std::min(a, b); });
  if (auto cmp = dyn_cast<arith::CmpIOp>(op)) {
    Type t = op->getOperand(0).getType();
    unsigned w = t.isIndex() ? 64 : t.getIntOrFloatBitWidth();
    // i1 is held as 0/1, wider integers sign-extended.
    APInt a(w, uint64_t(in[0].i), /*isSigned=*/w > 1),
        b(w, uint64_t(in[1].i), /*isSigned=*/w > 1);
    return Scalar::ofInt(arith::applyCmpPredicate(cmp.getPredicate(), a, b));
  }
  if (isa<arith::IndexCastOp, arith::ExtSIOp, arith::TruncIOp>(op)) {
    Type from = op->getOperand(0).getType();
    int64_t v = in[0].i;
    if (from.isInteger(1) && isa<arith::ExtSIOp, arith::IndexCastOp>(op))
      v = v ? -1 : 0;
    return Scalar::ofInt(normalize(v, rt));
  }
  if (isa<arith::ExtUIOp, arith::IndexCastUIOp>(op)) {
    unsigned w = op->getOperand(0).getType().isIndex()
                     ? 64
                     : op->getOperand(0).getType().getIntOrFloatBitWidth();
    uint64_t v = in[0].i;
    if (w < 64)
      v &= (uint64_t(1) << w) - 1;
    return Scalar::ofInt(normalize(int64_t(v), rt));
  }
  if (isa<arith::SIToFPOp>(op))
    return Scalar::ofFloat(roundTo(double(in[0].i), rt));
  if (isa<arith::UIToFPOp>(op))
    return Scalar::ofFloat(roundTo(double(uint64_t(in[0].i)), rt));
  if (isa<arith::FPToSIOp>(op))
    return std::isfinite(in[0].f)
               ? FailureOr<Scalar>(
                     Scalar::ofInt(normalize(int64_t(in[0].f), rt)))
               : fail(op, "converts a non-finite value to an integer");
  if (isa<arith::ExtFOp, arith::TruncFOp>(op))
    return Scalar::ofFloat(roundTo(in[0].f, rt));
  if (isa<arith::NegFOp>(op))
    return Scalar::ofFloat(-in[0].f);
  if (isa<arith::AddFOp>(op))
    return floats([](double a, double b) { return a + b; });
  if (isa<arith::SubFOp>(op))
    return floats([](double a, double b) { return a - b; });
  if (isa<arith::MulFOp>(op))
    return floats([](double a, double b) { return a * b; });
  if (isa<arith::DivFOp>(op))
    return floats([](double a, double b) { return a / b; });
  if (isa<arith::MaximumFOp, arith::MaxNumFOp>(op))
    return floats([](double a, double b) { return std::fmax(a, b); });
  if (isa<arith::MinimumFOp, arith::MinNumFOp>(op))
    return floats([](double a, double b) { return std::fmin(a, b); });
  if (auto cmp = dyn_cast<arith::CmpFOp>(op))
    return Scalar::ofInt(arith::applyCmpPredicate(
        cmp.getPredicate(), APFloat(in[0].f), APFloat(in[1].f)));
  return fail(op, "is not understood by the mask evaluation");
}

} // namespace

FailureOr<MaskProof> mlir::qkvtie::proveCausalMask(Value mask, bool boolean,
                                                   int64_t batch, int64_t heads,
                                                   int64_t seqQ, int64_t seqKV,
                                                   ArrayRef<unsigned> padding,
                                                   std::string &why) {
  auto type = dyn_cast<RankedTensorType>(mask.getType());
  if (!type || type.getRank() > 4 || !type.hasStaticShape()) {
    why = "the mask is not a static tensor of rank 4 or less";
    return failure();
  }
  Region *region = mask.getParentRegion();
  Block *entry = region ? &region->front() : nullptr;
  int64_t rank = type.getRank();
  ArrayRef<int64_t> shape = type.getShape();
  auto dimOf = [&](int64_t full) { return full - (4 - rank); };
  // Broadcast dimensions read index 0; the two sequence axes read the point.
  auto indexFor = [&](int64_t b, int64_t h, int64_t i, int64_t j) {
    SmallVector<int64_t> idx;
    int64_t full[4] = {b, h, i, j};
    for (int64_t k = 4 - rank; k < 4; ++k)
      idx.push_back(shape[dimOf(k)] == 1 ? 0 : full[k]);
    return idx;
  };
  if ((rank >= 2 && shape[dimOf(2)] != 1 && shape[dimOf(2)] != seqQ) ||
      (rank >= 1 && shape[dimOf(3)] != 1 && shape[dimOf(3)] != seqKV)) {
    why = "the mask does not broadcast to the scores";
    return failure();
  }

  auto check = [&](PointEvaluator &ev, int64_t extentQ,
                   int64_t extentKV) -> LogicalResult {
    int64_t offset = seqKV - seqQ;
    for (int64_t b = 0; b < (rank == 4 ? batch : 1); ++b)
      for (int64_t h = 0; h < (rank >= 3 ? heads : 1); ++h)
        for (int64_t i = 0; i < extentQ; ++i)
          for (int64_t j = 0; j < extentKV; ++j) {
            FailureOr<Scalar> v = ev.at(mask, indexFor(b, h, i, j));
            if (failed(v)) {
              why = ev.error;
              return failure();
            }
            bool visible = j <= i + offset;
            bool seen = boolean ? v->truthy() : v->isFloat && v->f == 0.0;
            bool hidden =
                boolean
                    ? !v->truthy()
                    : v->isFloat && isMaskedScore(v->f, type.getElementType());
            if (!boolean && !seen && !hidden) {
              why = llvm::formatv("the mask adds {0} at query {1}, key {2}: "
                                  "a bias, not a causal mask",
                                  v->isFloat ? v->f : double(v->i), i, j)
                        .str();
              return failure();
            }
            if (seen != visible) {
              why =
                  (visible
                       ? llvm::formatv("query {0} does not see key {1}, an "
                                       "earlier position: a window, or padding "
                                       "that no argument controls",
                                       i, j)
                       : llvm::formatv("query {0} sees key {1}, a later "
                                       "position: the attention is "
                                       "bidirectional",
                                       i, j))
                      .str();
              return failure();
            }
          }
    return success();
  };

  // The export's own positions first: every mask must pass there.
  PointEvaluator first(entry, padding);
  if (failed(check(first, seqQ, seqKV)))
    return failure();
  MaskProof proof;
  proof.fromConstant = first.readConstantTable;
  proof.extent = std::max(seqQ, seqKV);
  PointEvaluator *ev = &first;
  PointEvaluator wide(entry, padding);
  if (!first.readConstantTable) {
    // Integer arithmetic on iotas with constants up to C changes its value
    // only at thresholds within C of the axes and the diagonal: a grid that
    // reaches well past them covers every region the mask can distinguish.
    int64_t extent = std::max(seqQ, seqKV) + 2 * first.maxConstant + 8;
    if (extent > 2048) {
      why = "the mask compares positions with the constant " +
            std::to_string(first.maxConstant) +
            ", too far from the export's positions to prove it causal";
      return failure();
    }
    if (failed(check(wide, extent - (seqKV - seqQ > 0 ? seqKV - seqQ : 0),
                     extent)))
      return failure();
    if (wide.readConstantTable) {
      why = "the mask reads a constant table";
      return failure();
    }
    proof.extent = extent;
    ev = &wide;
  }
  for (auto &[arg, idx] : ev->argReads) {
    if (!llvm::is_contained(proof.arguments, arg))
      proof.arguments.push_back(arg);
  }
  // Key padding: each read of an argument names the key of its point. The
  // evaluation order is fixed, so rerun one point and compare.
  for (int64_t j = 0; j < seqKV && proof.keyPadding; ++j) {
    PointEvaluator probe(entry, padding);
    if (failed(probe.at(mask, indexFor(0, 0, seqQ - 1, j))))
      break;
    for (auto &[arg, idx] : probe.argReads)
      if (idx.empty() || idx.back() != j)
        proof.keyPadding = false;
  }
  return proof;
}
