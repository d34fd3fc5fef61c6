//===- CompositePatterns.cpp - Softmax, RoPE and RMSNorm in model IR ------===//
//
// The composite patterns attention is made of, matched on the dialect-neutral
// views of Patterns.cpp (elementwise ops, reductions, layouts).
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Analysis/Layout.h"
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
      *norm->operands[1].scalar == 0.0 &&
      norm->operands[2].isIdentityTensor()) {
    fixupCond = norm->operands[0].tensor;
    norm = getElementwise(norm->operands[2].tensor);
    if (failed(norm))
      return why = "select fix-up over a non-elementwise value", failure();
  }

  Value e, sum;
  AffineMap sumRead;
  if (norm->kind == Elementwise::Div && norm->operands[0].isIdentityTensor() &&
      norm->operands[1].tensor) {
    e = norm->operands[0].tensor;
    sum = norm->operands[1].tensor;
    sumRead = norm->operands[1].map;
  } else if (norm->kind == Elementwise::Mul && norm->operands.size() == 2 &&
             norm->operands[0].tensor && norm->operands[1].tensor) {
    // exp · reciprocal(sum), in either order.
    for (int i = 0; i < 2 && !e; ++i) {
      const auto &a = norm->operands[i], &r = norm->operands[1 - i];
      if (!a.isIdentityTensor())
        continue;
      FailureOr<Elementwise> recip = getElementwise(r.tensor);
      if (failed(recip))
        continue;
      bool isRecip = recip->kind == Elementwise::Reciprocal &&
                     recip->operands[0].isIdentityTensor();
      bool isOneOver = recip->kind == Elementwise::Div &&
                       recip->operands[0].scalar &&
                       *recip->operands[0].scalar == 1.0 &&
                       recip->operands[1].isIdentityTensor();
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
      !exp->operands[0].isIdentityTensor())
    return why = "the numerator is not an exponential", failure();
  FailureOr<Elementwise> shifted = getElementwise(exp->operands[0].tensor);
  if (failed(shifted) || shifted->kind != Elementwise::Sub ||
      !shifted->operands[0].isIdentityTensor() || !shifted->operands[1].tensor)
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
  if (ew->kind == Elementwise::Neg && ew->operands[0].isIdentityTensor())
    return ew->operands[0].tensor;
  if (ew->kind == Elementwise::Mul && ew->operands.size() == 2)
    for (int i = 0; i < 2; ++i)
      if (ew->operands[i].scalar && *ew->operands[i].scalar == -1.0 &&
          ew->operands[1 - i].isIdentityTensor())
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
      !add->operands[0].isIdentityTensor() ||
      !add->operands[1].isIdentityTensor())
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
      if (!rotOperand.isIdentityTensor() || !sin.tensor)
        continue;
      int64_t axis;
      Value x = matchRotateHalf(rotOperand.tensor, axis);
      if (!x)
        continue;
      // a = x · cos, in either order.
      for (int ai = 0; ai < 2; ++ai) {
        const auto &xOperand = a->operands[ai], &cos = a->operands[1 - ai];
        if (!xOperand.isIdentityTensor() || xOperand.tensor != x || !cos.tensor)
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
    if (!w.tensor || w.map != lastOnly || !n.isIdentityTensor())
      continue;
    FailureOr<Elementwise> inner = getElementwise(n.tensor);
    if (failed(inner) || inner->kind != Elementwise::Mul)
      continue;
    for (int xi = 0; xi < 2; ++xi) {
      const auto &x = inner->operands[xi], &r = inner->operands[1 - xi];
      if (!x.isIdentityTensor() || !r.tensor)
        continue;
      // r is [..., 1], read along every axis but the last.
      auto rType = cast<RankedTensorType>(r.tensor.getType());
      if (rType.getRank() != rank || rType.getShape().back() != 1 ||
          r.map.getNumResults() != rank)
        continue;
      FailureOr<Elementwise> rsqrt = getElementwise(r.tensor);
      if (failed(rsqrt) || rsqrt->kind != Elementwise::Rsqrt ||
          !rsqrt->operands[0].isIdentityTensor())
        continue;
      FailureOr<Elementwise> plus = getElementwise(rsqrt->operands[0].tensor);
      if (failed(plus) || plus->kind != Elementwise::Add)
        continue;
      int ti = plus->operands[0].scalar ? 1 : 0;
      if (!plus->operands[1 - ti].scalar ||
          !plus->operands[ti].isIdentityTensor())
        continue;
      double eps = *plus->operands[1 - ti].scalar;
      // mean = sum / n or sum · (1/n), n the last axis of x.
      FailureOr<Elementwise> mean = getElementwise(plus->operands[ti].tensor);
      double n = static_cast<double>(
          cast<RankedTensorType>(x.tensor.getType()).getShape().back());
      if (failed(mean) || !mean->operands[0].isIdentityTensor() ||
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
