//===- Patterns.cpp - Dialect-neutral views of model IR ops ---------------===//

#include "qkvtie/Analysis/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Tosa/Utils/ConversionUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

using namespace mlir;
using namespace mlir::qkvtie;

std::optional<double> mlir::qkvtie::getSplatValue(Value v) {
  if (!v)
    return std::nullopt;
  // A cast of a constant is that constant (in the wider of the two types;
  // the raise compares values, not bits).
  if (auto t = v.getDefiningOp<arith::TruncFOp>())
    return getSplatValue(t.getIn());
  if (auto e = v.getDefiningOp<arith::ExtFOp>())
    return getSplatValue(e.getIn());
  Attribute attr;
  if (!matchPattern(v, m_Constant(&attr))) {
    if (auto fill = v.getDefiningOp<linalg::FillOp>())
      return getSplatValue(fill.getInputs()[0]);
    // A fill written generically (--linalg-generalize-named-ops).
    if (auto g = v.getDefiningOp<linalg::GenericOp>()) {
      Block &body = g.getRegion().front();
      auto arg = dyn_cast<BlockArgument>(body.getTerminator()->getOperand(
          cast<OpResult>(v).getResultNumber()));
      if (body.getOperations().size() == 1 && arg &&
          arg.getArgNumber() < g.getNumDpsInputs())
        return getSplatValue(g.getDpsInputs()[arg.getArgNumber()]);
    }
    return std::nullopt;
  }
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValueAsDouble();
  if (auto s = dyn_cast<SplatElementsAttr>(attr))
    if (isa<FloatType>(s.getElementType()))
      return s.getSplatValue<APFloat>().convertToDouble();
  if (auto d = dyn_cast<DenseElementsAttr>(attr))
    if (d.isSplat() && isa<FloatType>(d.getElementType()))
      return d.getSplatValue<APFloat>().convertToDouble();
  return std::nullopt;
}

static SmallVector<int64_t> staticShape(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || !t.hasStaticShape())
    return {};
  return SmallVector<int64_t>(t.getShape());
}

/// Map of a TOSA operand broadcast to `shape` (size-1 dims read index 0).
static AffineMap broadcastMap(Value operand, ArrayRef<int64_t> shape,
                              MLIRContext *ctx) {
  SmallVector<int64_t> s = staticShape(operand);
  if (s.size() != shape.size())
    return {};
  SmallVector<AffineExpr> results;
  for (auto [i, d] : llvm::enumerate(s))
    results.push_back(d == shape[i] ? getAffineDimExpr(i, ctx)
                                    : getAffineConstantExpr(0, ctx));
  return AffineMap::get(shape.size(), 0, results, ctx);
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

static void classifyLoops(Contraction &c) {
  for (int64_t i = 0, e = c.loops.size(); i < e; ++i) {
    auto uses = [&](AffineMap m) {
      return m.isFunctionOfDim(static_cast<unsigned>(i));
    };
    bool a = uses(c.lhsMap), b = uses(c.rhsMap), o = uses(c.outMap);
    if (a && b && o)
      c.batch.push_back(i);
    else if (a && o)
      c.m.push_back(i);
    else if (b && o)
      c.n.push_back(i);
    else if (a && b)
      c.k.push_back(i);
  }
}

FailureOr<Contraction> mlir::qkvtie::getContraction(Value result) {
  Operation *op = result.getDefiningOp();
  if (!op)
    return failure();
  Contraction c;
  c.op = op;
  c.result = result;
  if (auto lop = dyn_cast<linalg::LinalgOp>(op)) {
    if (!linalg::isaContractionOpInterface(lop) || lop.getNumDpsInputs() != 2 ||
        lop.getNumDpsInits() != 1 || !lop.hasPureTensorSemantics())
      return failure();
    SmallVector<AffineMap> maps = lop.getIndexingMapsArray();
    if (!llvm::all_of(maps,
                      [](AffineMap m) { return m.isProjectedPermutation(); }))
      return failure();
    c.loops = lop.getStaticLoopRanges();
    if (ShapedType::isDynamicShape(c.loops))
      return failure();
    c.lhs = lop.getDpsInputOperand(0)->get();
    c.rhs = lop.getDpsInputOperand(1)->get();
    c.init = lop.getDpsInitOperand(0)->get();
    c.lhsMap = maps[0];
    c.rhsMap = maps[1];
    c.outMap = maps[2];
    std::optional<double> init = getSplatValue(c.init);
    c.zeroInit = init && *init == 0.0;
  } else if (auto mm = dyn_cast<tosa::MatMulOp>(op)) {
    SmallVector<int64_t> a = staticShape(mm.getA()), b = staticShape(mm.getB());
    if (a.size() != 3 || b.size() != 3)
      return failure();
    MLIRContext *ctx = op->getContext();
    // Loops (n, h, c, w): A[n, h, w] · B[n, w, c] -> C[n, h, c].
    c.loops = {a[0], a[1], b[2], a[2]};
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    c.lhs = mm.getA();
    c.rhs = mm.getB();
    c.lhsMap = AffineMap::get(4, 0, {d(0), d(1), d(3)}, ctx);
    c.rhsMap = AffineMap::get(4, 0, {d(0), d(3), d(2)}, ctx);
    c.outMap = AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx);
    c.zeroInit = true;
  } else {
    return failure();
  }
  classifyLoops(c);
  return c;
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

static Elementwise::Kind kindOf(Operation *op) {
  if (isa<arith::AddFOp, tosa::AddOp>(op))
    return Elementwise::Add;
  if (isa<arith::SubFOp, tosa::SubOp>(op))
    return Elementwise::Sub;
  if (isa<arith::MulFOp, tosa::MulOp>(op))
    return Elementwise::Mul;
  if (isa<arith::DivFOp>(op))
    return Elementwise::Div;
  if (isa<math::ExpOp, tosa::ExpOp>(op))
    return Elementwise::Exp;
  if (isa<arith::NegFOp, tosa::NegateOp>(op))
    return Elementwise::Neg;
  if (isa<tosa::ReciprocalOp>(op))
    return Elementwise::Reciprocal;
  if (isa<math::RsqrtOp, tosa::RsqrtOp>(op))
    return Elementwise::Rsqrt;
  if (isa<arith::SelectOp, tosa::SelectOp>(op))
    return Elementwise::Select;
  return Elementwise::Other;
}

bool Elementwise::Operand::isIdentityTensor() const {
  return tensor && map && map.isIdentity();
}

FailureOr<Elementwise> mlir::qkvtie::getElementwise(Value v) {
  Operation *op = v.getDefiningOp();
  if (!op)
    return failure();
  Elementwise ew;
  ew.op = op;
  ew.shape = staticShape(v);
  if (ew.shape.empty() && cast<ShapedType>(v.getType()).getRank() != 0)
    return failure();
  MLIRContext *ctx = op->getContext();

  if (auto g = dyn_cast<linalg::GenericOp>(op)) {
    if (g.getNumResults() != 1 || g.getNumReductionLoops() != 0 ||
        !g.getIndexingMapsArray().back().isIdentity())
      return failure();
    Block &body = g.getRegion().front();
    Operation *innerOp = body.getTerminator()->getOperand(0).getDefiningOp();
    if (!innerOp || innerOp->getBlock() != &body)
      return failure();
    Operation &inner = *innerOp;
    ew.kind = kindOf(&inner);
    if (ew.kind == Elementwise::Other)
      return failure();
    // Besides the op, the body may only cast constants (torch-mlir writes
    // `truncf %cst : f64 to f32` for a Python float).
    unsigned constantCasts = 0;
    for (Value operand : inner.getOperands())
      if (Operation *def = operand.getDefiningOp())
        if (def->getBlock() == &body && getSplatValue(operand))
          ++constantCasts;
    if (body.getOperations().size() != 2 + constantCasts)
      return failure();
    SmallVector<AffineMap> maps = g.getIndexingMapsArray();
    for (Value operand : inner.getOperands()) {
      Elementwise::Operand o;
      if (auto arg = dyn_cast<BlockArgument>(operand)) {
        if (arg.getOwner() != &body ||
            arg.getArgNumber() >= g.getNumDpsInputs())
          return failure();
        Value t = g.getDpsInputs()[arg.getArgNumber()];
        o.scalar = getSplatValue(t);
        if (!o.scalar) {
          o.tensor = t;
          o.map = maps[arg.getArgNumber()];
        }
      } else {
        o.scalar = getSplatValue(operand);
        // Integer conditions of a select read from outside are not scalars
        // we understand.
        if (!o.scalar)
          return failure();
      }
      ew.operands.push_back(o);
    }
    return ew;
  }

  ew.kind = kindOf(op);
  if (ew.kind == Elementwise::Other ||
      op->getDialect()->getNamespace() != "tosa")
    return failure();
  unsigned numData = isa<tosa::MulOp>(op)      ? 2
                     : isa<tosa::NegateOp>(op) ? 1
                                               : op->getNumOperands();
  for (Value operand : op->getOperands().take_front(numData)) {
    Elementwise::Operand o;
    o.scalar = getSplatValue(operand);
    if (!o.scalar) {
      o.tensor = operand;
      o.map = broadcastMap(operand, ew.shape, ctx);
      if (!o.map)
        return failure();
    }
    ew.operands.push_back(o);
  }
  if (auto mul = dyn_cast<tosa::MulOp>(op)) {
    std::optional<double> shift = getSplatValue(mul.getShift());
    Attribute attr;
    if (!shift && matchPattern(mul.getShift(), m_Constant(&attr)))
      if (auto d = dyn_cast<DenseIntElementsAttr>(attr))
        if (d.isSplat() && d.getSplatValue<APInt>().isZero())
          shift = 0.0;
    if (!shift || *shift != 0.0)
      return failure();
  }
  return ew;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

FailureOr<Reduction> mlir::qkvtie::getReduction(Value v) {
  Operation *op = v.getDefiningOp();
  if (!op)
    return failure();
  MLIRContext *ctx = op->getContext();
  if (auto g = dyn_cast<linalg::GenericOp>(op)) {
    auto result = cast<OpResult>(v);
    if (result.getResultNumber() != 0 || g.getNumDpsInputs() != 1 ||
        g.getNumReductionLoops() != 1)
      return failure();
    SmallVector<AffineMap> maps = g.getIndexingMapsArray();
    if (!maps[0].isIdentity())
      return failure();
    Block &body = g.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    Operation *combine = yield.getOperand(0).getDefiningOp();
    if (!combine || combine->getBlock() != &body ||
        combine->getNumOperands() != 2)
      return failure();
    Value in = body.getArgument(0), acc = body.getArgument(1);
    auto operands = combine->getOperands();
    if (!((operands[0] == in && operands[1] == acc) ||
          (operands[0] == acc && operands[1] == in)))
      return failure();
    std::optional<double> init = getSplatValue(g.getDpsInits()[0]);
    Reduction r;
    if (isa<arith::MaximumFOp, arith::MaxNumFOp>(combine)) {
      // The init must not exceed any element.
      if (!init || !(std::isinf(*init) && *init < 0))
        return failure();
      r.kind = Reduction::Max;
    } else if (isa<arith::AddFOp>(combine)) {
      if (!init || *init != 0.0)
        return failure();
      r.kind = Reduction::Sum;
    } else {
      return failure();
    }
    r.input = g.getDpsInputs()[0];
    r.outMap = maps[1];
    SmallVector<utils::IteratorType> iters = g.getIteratorTypesArray();
    r.axis = llvm::find(iters, utils::IteratorType::reduction) - iters.begin();
    return r;
  }
  Reduction r;
  if (auto m = dyn_cast<tosa::ReduceMaxOp>(op)) {
    r.kind = Reduction::Max;
    r.input = m.getInput();
    r.axis = m.getAxis();
  } else if (auto s = dyn_cast<tosa::ReduceSumOp>(op)) {
    r.kind = Reduction::Sum;
    r.input = s.getInput();
    r.axis = s.getAxis();
  } else {
    return failure();
  }
  SmallVector<int64_t> shape = staticShape(r.input);
  if (shape.empty())
    return failure();
  SmallVector<AffineExpr> results;
  for (int64_t i = 0, e = shape.size(); i < e; ++i)
    results.push_back(i == r.axis ? getAffineConstantExpr(0, ctx)
                                  : getAffineDimExpr(i, ctx));
  r.outMap = AffineMap::get(shape.size(), 0, results, ctx);
  return r;
}

//===----------------------------------------------------------------------===//
// Scaled layouts
//===----------------------------------------------------------------------===//

ScaledLayout mlir::qkvtie::traceScaled(Value v) {
  ScaledLayout r{traceLayout(v), 1.0};
  for (int i = 0; i < 16 && r.layout.getBase(); ++i) {
    FailureOr<Elementwise> ew = getElementwise(r.layout.getBase());
    if (failed(ew) || ew->operands.size() != 2)
      break;
    const auto &a = ew->operands[0], &b = ew->operands[1];
    Value t;
    double c;
    if (ew->kind == Elementwise::Mul && a.isIdentityTensor() && b.scalar) {
      t = a.tensor;
      c = *b.scalar;
    } else if (ew->kind == Elementwise::Mul && b.isIdentityTensor() &&
               a.scalar) {
      t = b.tensor;
      c = *a.scalar;
    } else if (ew->kind == Elementwise::Div && a.isIdentityTensor() &&
               b.scalar && *b.scalar != 0.0) {
      t = a.tensor;
      c = 1.0 / *b.scalar;
    } else {
      break;
    }
    FailureOr<Layout> composed = traceLayout(t).compose(r.layout);
    if (failed(composed))
      break;
    r.layout = *composed;
    r.scale *= c;
  }
  return r;
}

//===----------------------------------------------------------------------===//
// Causal masks
//===----------------------------------------------------------------------===//

bool mlir::qkvtie::isMaskedScore(double v, Type maskElt) {
  // Masked: -inf, or the lowest finite value of the mask's type (what
  // frameworks write as finfo.min); anything else is a bias.
  auto ft = dyn_cast<FloatType>(maskElt);
  double lowest =
      ft ? APFloat::getLargest(ft.getFloatSemantics(), /*Negative=*/true)
               .convertToDouble()
         : -std::numeric_limits<double>::infinity();
  return v <= lowest;
}

bool mlir::qkvtie::isConstantCausalMask(Value mask, bool isBoolean,
                                        int64_t seqQ, int64_t seqKV) {
  auto type = dyn_cast<RankedTensorType>(mask.getType());
  if (!type || type.getRank() < 2 || type.getShape().back() != seqKV ||
      type.getShape()[type.getRank() - 2] != seqQ ||
      type.getNumElements() != seqQ * seqKV)
    return false;
  Type maskElt = type.getElementType();
  Layout l = traceLayout(mask);
  Attribute attr;
  if (!l.getBase() || !matchPattern(l.getBase(), m_Constant(&attr)))
    return false;
  // Read element k (row-major in the mask) of the constant.
  std::function<std::optional<double>(int64_t)> read;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (isBoolean && dense.getElementType().isInteger(1)) {
      auto values = dense.getValues<bool>();
      read = [=](int64_t off) -> std::optional<double> {
        return values[dense.isSplat() ? 0 : off] ? 1.0 : 0.0;
      };
    } else if (!isBoolean && isa<FloatType>(dense.getElementType())) {
      auto values = dense.getValues<APFloat>();
      read = [=](int64_t off) -> std::optional<double> {
        return values[dense.isSplat() ? 0 : off].convertToDouble();
      };
    }
  } else if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    ArrayRef<char> data = res.getData();
    if (!isBoolean && res.getType().getElementType().isF32() &&
        static_cast<int64_t>(data.size()) == res.getType().getNumElements() * 4)
      read = [=](int64_t off) -> std::optional<double> {
        float f;
        std::memcpy(&f, data.data() + off * 4, 4);
        return f;
      };
  }
  if (!read)
    return false;
  // Enumerate the mask's elements through the layout.
  SmallVector<SubDim> subs;
  for (const Layout::Dim &d : l.getDims())
    subs.append(d.begin(), d.end());
  for (int64_t idx = 0; idx < seqQ * seqKV; ++idx) {
    int64_t i = idx / seqKV, j = idx % seqKV;
    int64_t off = l.getOffset(), rest = idx;
    for (int64_t k = subs.size() - 1; k >= 0; --k) {
      off += (rest % subs[k].size) * subs[k].stride;
      rest /= subs[k].size;
    }
    std::optional<double> v = read(off);
    if (!v)
      return false;
    bool visible = j <= i + seqKV - seqQ;
    if (isBoolean ? (*v != 0.0) != visible
                  : (visible ? *v != 0.0 : !isMaskedScore(*v, maskElt)))
      return false;
  }
  return true;
}
