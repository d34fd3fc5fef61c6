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
// Softmax
//===----------------------------------------------------------------------===//

/// `value`, read at `read` over an index space of `shape`, is the result of
/// reduction `r` (over the same space) broadcast back along its axis; the
/// read may go through reshapes such as a keepdims expand_shape.
static bool readsReductionBack(Value value, AffineMap read,
                               ArrayRef<int64_t> shape, Value reduced,
                               const Reduction &r) {
  Layout l = traceLayout(value);
  if (l.getBase() != reduced)
    return false;
  FailureOr<Layout> got = l.read(read, shape);
  FailureOr<Layout> want = Layout::identity(reduced).read(r.outMap, shape);
  return succeeded(got) && succeeded(want) && got->isEquivalent(*want);
}

static bool isIdentityTensor(const Elementwise::Operand &o) {
  return o.tensor && o.map && o.map.isIdentity();
}

FailureOr<Softmax> mlir::qkvtie::matchSoftmax(Value v, std::string &why,
                                              bool &partial) {
  if (auto sm = v.getDefiningOp<linalg::SoftmaxOp>())
    return Softmax{sm.getInput(), static_cast<int64_t>(sm.getDimension())};

  FailureOr<Elementwise> norm = getElementwise(v);
  if (failed(norm))
    return why = "not an elementwise op", failure();
  // PyTorch's SDPA decomposition zeroes rows whose scores are all -inf;
  // qkvtie.attention defines such rows as zeros too.
  Value fixupCond;
  if (norm->kind == Elementwise::Select && norm->operands.size() == 3 &&
      norm->operands[0].tensor && norm->operands[1].scalar &&
      *norm->operands[1].scalar == 0.0 && isIdentityTensor(norm->operands[2])) {
    fixupCond = norm->operands[0].tensor;
    norm = getElementwise(norm->operands[2].tensor);
    if (failed(norm))
      return why = "select fix-up over a non-elementwise value", failure();
  }

  Value e, sum;
  AffineMap sumRead;
  if (norm->kind == Elementwise::Div && isIdentityTensor(norm->operands[0]) &&
      norm->operands[1].tensor) {
    e = norm->operands[0].tensor;
    sum = norm->operands[1].tensor;
    sumRead = norm->operands[1].map;
  } else if (norm->kind == Elementwise::Mul && norm->operands.size() == 2 &&
             norm->operands[0].tensor && norm->operands[1].tensor) {
    // exp · reciprocal(sum), in either order.
    for (int i = 0; i < 2 && !e; ++i) {
      const auto &a = norm->operands[i], &r = norm->operands[1 - i];
      if (!isIdentityTensor(a))
        continue;
      FailureOr<Elementwise> recip = getElementwise(r.tensor);
      if (failed(recip))
        continue;
      bool isRecip = recip->kind == Elementwise::Reciprocal &&
                     isIdentityTensor(recip->operands[0]);
      bool isOneOver = recip->kind == Elementwise::Div &&
                       recip->operands[0].scalar &&
                       *recip->operands[0].scalar == 1.0 &&
                       isIdentityTensor(recip->operands[1]);
      if (!isRecip && !isOneOver)
        continue;
      e = a.tensor;
      sum = recip->operands[isRecip ? 0 : 1].tensor;
      sumRead = r.map;
    }
  }
  if (!e)
    return why = "no exp(x - max) / sum normalisation", failure();
  partial = true;

  Value sumBase = traceLayout(sum).getBase();
  FailureOr<Reduction> total = getReduction(sumBase);
  if (failed(total) || total->kind != Reduction::Sum || total->input != e ||
      !readsReductionBack(sum, sumRead, norm->shape, sumBase, *total))
    return why = "the divisor is not the sum of the exponentials along one "
                 "axis",
           failure();

  FailureOr<Elementwise> exp = getElementwise(e);
  if (failed(exp) || exp->kind != Elementwise::Exp ||
      !isIdentityTensor(exp->operands[0]))
    return why = "the numerator is not an exponential", failure();
  FailureOr<Elementwise> shifted = getElementwise(exp->operands[0].tensor);
  if (failed(shifted) || shifted->kind != Elementwise::Sub ||
      !isIdentityTensor(shifted->operands[0]) || !shifted->operands[1].tensor)
    return why = "the exponential's argument is not x - max(x)", failure();
  Value x = shifted->operands[0].tensor;
  Value maxRead = shifted->operands[1].tensor;
  Value maxBase = traceLayout(maxRead).getBase();
  FailureOr<Reduction> max = getReduction(maxBase);
  if (failed(max) || max->kind != Reduction::Max || max->input != x ||
      !readsReductionBack(maxRead, shifted->operands[1].map, shifted->shape,
                          maxBase, *max))
    return why = "the subtracted value is not max(x) along one axis", failure();
  if (max->axis != total->axis)
    return why = "max and sum reduce different axes", failure();

  if (fixupCond) {
    // The condition must be "every score of the row is -inf".
    // linalg: and-reduce, along the softmax axis with init true, of an
    // elementwise (x == -inf) on the softmax input itself.
    bool ok = false;
    auto g = fixupCond.getDefiningOp<linalg::GenericOp>();
    if (g && g.getNumDpsInputs() == 1 && g.getNumReductionLoops() == 1) {
      auto iters = g.getIteratorTypesArray();
      int64_t axis =
          llvm::find(iters, utils::IteratorType::reduction) - iters.begin();
      Block &red = g.getRegion().front();
      auto andOp =
          red.getTerminator()->getOperand(0).getDefiningOp<arith::AndIOp>();
      // The init: a constant or a fill of `true`.
      auto isTrue = [](Value v) {
        if (auto fill = v.getDefiningOp<linalg::FillOp>())
          v = fill.getInputs()[0];
        else if (auto g = v.getDefiningOp<linalg::GenericOp>())
          if (std::optional<Value> filled = linalg::isaFillOpInterface(g))
            v = *filled; // a fill after --linalg-generalize-named-ops
        Attribute a;
        if (!matchPattern(v, m_Constant(&a)))
          return false;
        if (auto b = dyn_cast<BoolAttr>(a))
          return b.getValue();
        if (auto i = dyn_cast<IntegerAttr>(a))
          return i.getValue().isAllOnes();
        auto d = dyn_cast<DenseIntElementsAttr>(a);
        return d && d.isSplat() && d.getSplatValue<bool>();
      };
      bool reducesAnd =
          axis == max->axis && andOp &&
          llvm::is_contained(andOp->getOperands(), red.getArgument(0)) &&
          llvm::is_contained(andOp->getOperands(), red.getArgument(1)) &&
          isTrue(g.getDpsInits()[0]);
      auto cmp = g.getDpsInputs()[0].getDefiningOp<linalg::GenericOp>();
      if (reducesAnd && cmp && cmp.getNumDpsInputs() == 1 &&
          cmp.getDpsInputs()[0] == x && cmp.getNumReductionLoops() == 0 &&
          llvm::all_of(cmp.getIndexingMapsArray(),
                       [](AffineMap m) { return m.isIdentity(); })) {
        Block &body = cmp.getRegion().front();
        auto c =
            body.getTerminator()->getOperand(0).getDefiningOp<arith::CmpFOp>();
        std::optional<double> rhs =
            c ? getSplatValue(c.getRhs()) : std::nullopt;
        Value lhs = c ? c.getLhs() : Value();
        if (auto ext = lhs ? lhs.getDefiningOp<arith::ExtFOp>() : nullptr)
          lhs = ext.getIn(); // compared in f64, as torch writes it
        ok = c && c.getPredicate() == arith::CmpFPredicate::OEQ &&
             lhs == body.getArgument(0) && rhs && std::isinf(*rhs) && *rhs < 0;
      }
    }
    if (auto all = fixupCond.getDefiningOp<tosa::ReduceAllOp>()) {
      auto eq = all.getInput().getDefiningOp<tosa::EqualOp>();
      if (eq && static_cast<int64_t>(all.getAxis()) == max->axis) {
        Value lhs = eq.getInput1(), rhs = eq.getInput2();
        if (auto c = lhs.getDefiningOp<tosa::CastOp>())
          lhs = c.getInput();
        std::optional<double> inf = getSplatValue(rhs);
        ok = lhs == x && inf && std::isinf(*inf) && *inf < 0;
      }
    }
    if (!ok)
      return why = "the select after softmax is not the all -inf row fix-up",
             failure();
  }
  return Softmax{x, max->axis};
}

//===----------------------------------------------------------------------===//
// Rotary embedding
//===----------------------------------------------------------------------===//

/// -x: negf, or multiplication by -1.
static Value matchNegation(Value v) {
  FailureOr<Elementwise> ew = getElementwise(v);
  if (failed(ew))
    return {};
  if (ew->kind == Elementwise::Neg && isIdentityTensor(ew->operands[0]))
    return ew->operands[0].tensor;
  if (ew->kind == Elementwise::Mul && ew->operands.size() == 2)
    for (int i = 0; i < 2; ++i)
      if (ew->operands[i].scalar && *ew->operands[i].scalar == -1.0 &&
          isIdentityTensor(ew->operands[1 - i]))
        return ew->operands[1 - i].tensor;
  return {};
}

/// A slice of `src` along `axis` from `start` of `size`, whole elsewhere.
static Value matchHalf(Value v, int64_t axis, int64_t start, int64_t size) {
  if (auto ts = v.getDefiningOp<tosa::SliceOp>()) {
    SmallVector<int64_t> starts, sizes;
    auto srcType = cast<RankedTensorType>(ts.getInput1().getType());
    if (!tosa::getConstShapeValues(ts.getStart().getDefiningOp(), starts) ||
        !tosa::getConstShapeValues(ts.getSize().getDefiningOp(), sizes))
      return {};
    for (int64_t i = 0, e = srcType.getRank(); i < e; ++i)
      if (i == axis ? (starts[i] != start || sizes[i] != size)
                    : (starts[i] != 0 || sizes[i] != srcType.getDimSize(i)))
        return {};
    return ts.getInput1();
  }
  auto s = v.getDefiningOp<tensor::ExtractSliceOp>();
  if (!s || !s.hasUnitStride() ||
      s.getSourceType().getRank() != s.getResultType().getRank())
    return {};
  for (int64_t i = 0, e = s.getSourceType().getRank(); i < e; ++i) {
    int64_t off = s.getStaticOffsets()[i], sz = s.getStaticSizes()[i];
    if (i == axis ? (off != start || sz != size)
                  : (off != 0 || sz != s.getSourceType().getDimSize(i)))
      return {};
  }
  return s.getSource();
}

/// concat(-x[..., d/2:], x[..., :d/2]) along the last axis: returns x.
static Value matchRotateHalf(Value v, int64_t &axis) {
  SmallVector<Value> inputs;
  if (auto cat = v.getDefiningOp<tensor::ConcatOp>()) {
    axis = cat.getDim();
    inputs.append(cat.getInputs().begin(), cat.getInputs().end());
  } else if (auto cat = v.getDefiningOp<tosa::ConcatOp>()) {
    axis = cat.getAxis();
    inputs.append(cat.getInput1().begin(), cat.getInput1().end());
  }
  if (inputs.size() != 2)
    return {};
  int64_t d = cast<RankedTensorType>(v.getType()).getDimSize(axis);
  if (d % 2 != 0)
    return {};
  Value neg = matchNegation(inputs[0]);
  if (!neg)
    return {};
  Value upper = matchHalf(neg, axis, d / 2, d / 2);
  Value lower = matchHalf(inputs[1], axis, 0, d / 2);
  if (!upper || upper != lower)
    return {};
  return upper;
}

FailureOr<Rope> mlir::qkvtie::matchRope(Value v, std::string &why) {
  FailureOr<Elementwise> add = getElementwise(v);
  if (failed(add) || add->kind != Elementwise::Add ||
      !isIdentityTensor(add->operands[0]) ||
      !isIdentityTensor(add->operands[1]))
    return why = "not x·cos + rotate_half(x)·sin", failure();
  for (int order = 0; order < 2; ++order) {
    FailureOr<Elementwise> a = getElementwise(add->operands[order].tensor);
    FailureOr<Elementwise> b = getElementwise(add->operands[1 - order].tensor);
    if (failed(a) || failed(b) || a->kind != Elementwise::Mul ||
        b->kind != Elementwise::Mul)
      continue;
    // b = rotate_half(x) · sin, in either operand order.
    for (int bi = 0; bi < 2; ++bi) {
      const auto &rotOperand = b->operands[bi], &sin = b->operands[1 - bi];
      if (!isIdentityTensor(rotOperand) || !sin.tensor)
        continue;
      int64_t axis;
      Value x = matchRotateHalf(rotOperand.tensor, axis);
      if (!x)
        continue;
      // a = x · cos, in either order.
      for (int ai = 0; ai < 2; ++ai) {
        const auto &xOperand = a->operands[ai], &cos = a->operands[1 - ai];
        if (!isIdentityTensor(xOperand) || xOperand.tensor != x || !cos.tensor)
          continue;
        return Rope{x, cos, sin, axis};
      }
    }
  }
  return why = "the sum is not x·cos + rotate_half(x)·sin", failure();
}

FailureOr<Rope> mlir::qkvtie::matchPartialRope(Value v, std::string &why) {
  auto cat = v.getDefiningOp<tensor::ConcatOp>();
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!cat || !type || cat.getInputs().size() != 2 ||
      static_cast<int64_t>(cat.getDim()) != type.getRank() - 1)
    return why = "not concat(rope(x[..., :r]), x[..., r:])", failure();
  FailureOr<Rope> rope = matchRope(cat.getInputs()[0], why);
  if (failed(rope) || rope->axis != type.getRank() - 1)
    return failure();
  auto lo = rope->x.getDefiningOp<tensor::ExtractSliceOp>();
  auto hi = cat.getInputs()[1].getDefiningOp<tensor::ExtractSliceOp>();
  if (!lo || !hi || lo.getSource() != hi.getSource() || !lo.hasUnitStride() ||
      !hi.hasUnitStride() || lo.getSourceType() != type)
    return why = "the rotated and passed parts are not slices of one tensor",
           failure();
  int64_t last = type.getRank() - 1, d = type.getDimSize(last);
  int64_t r = lo.getStaticSizes()[last];
  for (int64_t k = 0; k < type.getRank(); ++k) {
    bool axis = k == last;
    int64_t full = type.getDimSize(k);
    if (lo.getStaticOffsets()[k] != 0 ||
        lo.getStaticSizes()[k] != (axis ? r : full) ||
        hi.getStaticOffsets()[k] != (axis ? r : 0) ||
        hi.getStaticSizes()[k] != (axis ? d - r : full))
      return why = "the rotated and passed parts do not split the last axis",
             failure();
  }
  rope->x = lo.getSource();
  rope->rotary = r;
  return rope;
}

/// x² as fpowi(x, 2) or x·x, elementwise; returns x.
static Value matchSquare(Value v) {
  auto g = v.getDefiningOp<linalg::GenericOp>();
  if (!g || g.getNumDpsInputs() != 1 || g.getNumReductionLoops() != 0 ||
      !llvm::all_of(g.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return {};
  Block &body = g.getRegion().front();
  Operation *op = body.getTerminator()->getOperand(0).getDefiningOp();
  if (!op || op->getBlock() != &body || body.getOperations().size() != 2)
    return {};
  Value in = body.getArgument(0);
  if (auto p = dyn_cast<math::FPowIOp>(op)) {
    APInt two;
    if (p.getLhs() == in && matchPattern(p.getRhs(), m_ConstantInt(&two)) &&
        two == 2)
      return g.getDpsInputs()[0];
  }
  if (auto m = dyn_cast<arith::MulFOp>(op))
    if (m.getLhs() == in && m.getRhs() == in)
      return g.getDpsInputs()[0];
  return {};
}

FailureOr<RmsNorm> mlir::qkvtie::matchRmsNorm(Value v) {
  FailureOr<Elementwise> outer = getElementwise(v);
  if (failed(outer) || outer->kind != Elementwise::Mul ||
      outer->operands.size() != 2)
    return failure();
  int64_t rank = outer->shape.size();
  if (rank == 0)
    return failure();
  MLIRContext *ctx = v.getContext();
  AffineMap lastOnly = AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx));
  for (int wi = 0; wi < 2; ++wi) {
    const auto &w = outer->operands[wi], &n = outer->operands[1 - wi];
    if (!w.tensor || w.map != lastOnly || !isIdentityTensor(n))
      continue;
    FailureOr<Elementwise> inner = getElementwise(n.tensor);
    if (failed(inner) || inner->kind != Elementwise::Mul)
      continue;
    for (int xi = 0; xi < 2; ++xi) {
      const auto &x = inner->operands[xi], &r = inner->operands[1 - xi];
      if (!isIdentityTensor(x) || !r.tensor)
        continue;
      // r is [..., 1], read along every axis but the last.
      auto rType = cast<RankedTensorType>(r.tensor.getType());
      if (rType.getRank() != rank || rType.getShape().back() != 1 ||
          r.map.getNumResults() != rank)
        continue;
      FailureOr<Elementwise> rsqrt = getElementwise(r.tensor);
      if (failed(rsqrt) || rsqrt->kind != Elementwise::Rsqrt ||
          !isIdentityTensor(rsqrt->operands[0]))
        continue;
      FailureOr<Elementwise> plus = getElementwise(rsqrt->operands[0].tensor);
      if (failed(plus) || plus->kind != Elementwise::Add)
        continue;
      int ti = plus->operands[0].scalar ? 1 : 0;
      if (!plus->operands[1 - ti].scalar ||
          !isIdentityTensor(plus->operands[ti]))
        continue;
      double eps = *plus->operands[1 - ti].scalar;
      // mean = sum / n or sum · (1/n), n the last axis of x.
      FailureOr<Elementwise> mean = getElementwise(plus->operands[ti].tensor);
      double n = static_cast<double>(
          cast<RankedTensorType>(x.tensor.getType()).getShape().back());
      if (failed(mean) || !isIdentityTensor(mean->operands[0]) ||
          mean->operands.size() != 2 || !mean->operands[1].scalar ||
          !((mean->kind == Elementwise::Div &&
             *mean->operands[1].scalar == n) ||
            (mean->kind == Elementwise::Mul &&
             std::abs(*mean->operands[1].scalar * n - 1.0) < 1e-6)))
        continue;
      FailureOr<Reduction> sum = getReduction(mean->operands[0].tensor);
      if (failed(sum) || sum->kind != Reduction::Sum || sum->axis != rank - 1 ||
          matchSquare(sum->input) != x.tensor)
        continue;
      return RmsNorm{x.tensor, w.tensor, eps};
    }
  }
  return failure();
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
    if (ew->kind == Elementwise::Mul && isIdentityTensor(a) && b.scalar) {
      t = a.tensor;
      c = *b.scalar;
    } else if (ew->kind == Elementwise::Mul && isIdentityTensor(b) &&
               a.scalar) {
      t = b.tensor;
      c = *a.scalar;
    } else if (ew->kind == Elementwise::Div && isIdentityTensor(a) &&
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
