//===- AttentionRoles.cpp - Where attention's Q, K and V come from --------===//
//
// The matcher's steps for the roles: a projection (matmul plus bias) of a
// [B·L, D] input, its split into heads, and the RoPE tables applied to it.
//
//===----------------------------------------------------------------------===//

#include "AttentionMatcher.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/FormatVariadic.h"

#define DEBUG_TYPE "qkvtie-raise"

using namespace mlir;
using namespace mlir::qkvtie;
using namespace mlir::qkvtie::detail;

FailureOr<RoleSource>
Matcher::matchProjection(Value p, const Layout *inputLayout, int64_t seq) {
  RoleSource r;
  Value mm = p;
  // A bias added after the product.
  FailureOr<Elementwise> add = getElementwise(p);
  if (succeeded(add) && add->kind == Elementwise::Add &&
      add->operands.size() == 2) {
    for (int i = 0; i < 2; ++i) {
      const auto &a = add->operands[i], &b = add->operands[1 - i];
      if (!a.tensor || !a.map.isIdentity() || !b.tensor)
        continue;
      // The product, possibly reshaped (TOSA adds the bias to a 2-D view).
      Layout al = traceLayout(a.tensor);
      if (!al.getBase() || failed(getContraction(al.getBase())) ||
          !al.isEquivalent(Layout::rowMajor(al.getBase(), add->shape)))
        continue;
      // The bias varies along the last (feature) dim only: n consecutive
      // elements of what the operand traces to, from an offset when that is
      // a packed bias (nn.MultiheadAttention's in_proj_bias).
      int64_t rank = add->shape.size(), n = add->shape.back();
      Layout bl = traceLayout(b.tensor);
      FailureOr<Layout> read = bl.read(b.map, add->shape);
      FailureOr<Layout> biasView =
          Layout(bl.getBase(), {Layout::Dim{{n, 1}}}, bl.getOffset())
              .read(AffineMap::get(rank, 0,
                                   {getAffineDimExpr(rank - 1, p.getContext())},
                                   p.getContext()),
                    add->shape);
      auto baseType = cast<RankedTensorType>(bl.getBase().getType());
      if (succeeded(read) && succeeded(biasView) &&
          baseType.getNumElements() >= bl.getOffset() + n &&
          read->isEquivalent(*biasView)) {
        r.bias = bl.getBase();
        r.biasOffset = bl.getOffset();
        mm = al.getBase();
      }
      if (r.bias)
        break;
    }
  }
  FailureOr<Contraction> c = getContraction(mm);
  if (failed(c) || c->k.size() != 1 || c->n.size() != 1 || c->m.empty())
    return failure();
  // Rows: batch loops (outermost) and row loops. A batch loop of more than
  // one is a row loop too when the weight is the same along it: torch's
  // linear on a 3-D input exports as a batch_matmul with a broadcast weight.
  SmallVector<int64_t> rowLoops;
  for (int64_t b : c->batch)
    if (c->loops[b] != 1)
      rowLoops.push_back(b);
  bool broadcastWeight = !rowLoops.empty();
  rowLoops.append(c->m.begin(), c->m.end());
  if (!c->zeroInit) {
    // The bias may be the init: broadcast along rows.
    if (r.bias)
      return failure();
    Layout il = traceLayout(c->init);
    auto baseType = cast<RankedTensorType>(il.getBase().getType());
    int64_t n = c->loops[c->n[0]];
    FailureOr<Layout> outView = il.read(c->outMap, c->loops);
    FailureOr<Layout> want =
        Layout::rowMajor(il.getBase(), {n})
            .read(AffineMap::get(c->loops.size(), 0,
                                 {getAffineDimExpr(c->n[0], p.getContext())},
                                 p.getContext()),
                  c->loops);
    if (baseType.getNumElements() != n || failed(outView) || failed(want) ||
        !outView->isEquivalent(*want))
      return failure();
    r.bias = il.getBase();
  }
  // The row operand is the one without the column loop.
  bool lhsIsX = !c->lhsMap.isFunctionOfDim(c->n[0]);
  Value x = lhsIsX ? c->lhs : c->rhs, w = lhsIsX ? c->rhs : c->lhs;
  AffineMap xMap = lhsIsX ? c->lhsMap : c->rhsMap;
  AffineMap wMap = lhsIsX ? c->rhsMap : c->lhsMap;
  int64_t kLoop = c->k[0], nLoop = c->n[0];
  r.inFeatures = c->loops[kLoop];
  r.totalWidth = c->loops[nLoop];
  // X read row-major as [rows..., D].
  FailureOr<Layout> xv = traceLayout(x).read(xMap, c->loops);
  if (failed(xv))
    return failure();
  SmallVector<int64_t> keep(rowLoops);
  keep.push_back(kLoop);
  FailureOr<Layout> xp = xv->project(keep);
  int64_t rows = product(c->loops, rowLoops);
  FailureOr<Layout> xRows = succeeded(xp) ? xp->reshape({rows, r.inFeatures})
                                          : FailureOr<Layout>(failure());
  FailureOr<Layout> want =
      inputLayout ? inputLayout->reshape({rows, r.inFeatures})
                  : Layout::rowMajor(xv->getBase(), {rows, r.inFeatures});
  if (failed(xRows) || failed(want))
    return failure();
  if (!xRows->isEquivalent(*want)) {
    // The rows of a [B, seq, D] tensor read sequence-major: a transposed
    // layer input.
    if (inputLayout || !seq || rows % seq != 0)
      return failure();
    FailureOr<Layout> seqMajor =
        Layout::rowMajor(xv->getBase(), {rows / seq, seq, r.inFeatures})
            .permute({1, 0, 2})
            .reshape({rows, r.inFeatures});
    if (failed(seqMajor) || !xRows->isEquivalent(*seqMajor))
      return failure();
    r.seqFirst = true;
  }
  r.input = xv->getBase();
  if (broadcastWeight) {
    // The [D, N] or [N, D] tensor the broadcast weight reads.
    FailureOr<Layout> wl = traceLayout(w).read(wMap, c->loops);
    FailureOr<Layout> wp =
        succeeded(wl) ? wl->project({kLoop, nLoop}) : FailureOr<Layout>();
    if (failed(wl) || failed(wp))
      return failure();
    Value base = wp->getBase();
    int64_t d = r.inFeatures, n = r.totalWidth;
    if (cast<RankedTensorType>(base.getType()).getNumElements() != d * n)
      return failure();
    if (wp->isEquivalent(Layout::rowMajor(base, {d, n})))
      r.weightTransposed = false;
    else if (wp->isEquivalent(Layout::rowMajor(base, {n, d}).permute({1, 0})))
      r.weightTransposed = true;
    else
      return failure();
    r.weight = base;
    auto pType = cast<RankedTensorType>(p.getType());
    if (pType.getNumElements() != rows * n || pType.getShape().back() != n)
      return failure();
    return r;
  }
  // W is [D, N] or [N, D] (possibly with unit batch dims).
  auto wType = cast<RankedTensorType>(w.getType());
  SmallVector<int64_t> wDims;
  for (AffineExpr e : wMap.getResults())
    if (auto d = dyn_cast<AffineDimExpr>(e))
      if (c->loops[d.getPosition()] != 1 || d.getPosition() == kLoop ||
          d.getPosition() == nLoop)
        wDims.push_back(d.getPosition());
  if (wDims.size() != 2 ||
      wType.getNumElements() != r.inFeatures * r.totalWidth)
    return failure();
  if (wDims[0] == kLoop && wDims[1] == nLoop)
    r.weightTransposed = false;
  else if (wDims[0] == nLoop && wDims[1] == kLoop)
    r.weightTransposed = true;
  else
    return failure();
  r.weight = w;
  // Rows of P must be the input's rows: P is [rows, N] row-major.
  auto pType = cast<RankedTensorType>(p.getType());
  if (pType.getNumElements() != rows * r.totalWidth ||
      pType.getShape().back() != r.totalWidth)
    return failure();
  return r;
}

FailureOr<RoleSource> Matcher::matchRole(const Layout &view, int64_t seq,
                                         int64_t heads, int64_t headDim,
                                         int64_t &kvHeads, StringRef role) {
  Value p = view.getBase();
  auto pType = cast<RankedTensorType>(p.getType());
  int64_t width = pType.getShape().back();
  int64_t rowsNeeded = m.batch * seq;
  if (pType.getNumElements() != rowsNeeded * width)
    return fail(llvm::formatv("{0}: its source has {1} elements, not B·L·N",
                              role, pType.getNumElements()));
  // Try every grouping g of query heads per source head, with heads
  // contiguous or interleaved with other roles' in blocks of width/heads,
  // and rows batch-major (b·L + s) or sequence-major (s·B + b).
  for (int64_t g = 1; g <= heads; ++g) {
    if (heads % g != 0)
      continue;
    int64_t srcHeads = heads / g;
    int64_t off = view.getOffset();
    SmallVector<int64_t> strides = {headDim};
    if (width % srcHeads == 0 && width / srcHeads > headDim)
      strides.push_back(width / srcHeads);
    int64_t stride = 0;
    bool rowsSeqFirst = false;
    for (int64_t s : strides) {
      if (off % width + (srcHeads - 1) * s + headDim > width)
        continue;
      for (bool seqFirst : {false, true}) {
        int64_t batchStride = seqFirst ? width : seq * width;
        int64_t seqStride = seqFirst ? m.batch * width : width;
        Layout want(p,
                    Dims{{{m.batch, batchStride}, {srcHeads, s}, {g, 0}},
                         {{seq, seqStride}},
                         {{headDim, 1}}},
                    off);
        FailureOr<Layout> wantFlat =
            want.reshape({m.batch * heads, seq, headDim});
        if (succeeded(wantFlat) && view.isEquivalent(*wantFlat)) {
          stride = s;
          rowsSeqFirst = seqFirst;
          break;
        }
      }
      if (stride)
        break;
    }
    if (!stride)
      continue;
    kvHeads = srcHeads;
    FailureOr<RoleSource> proj = matchProjection(p, nullptr, seq);
    if (succeeded(proj) && proj->seqFirst && !rowsSeqFirst)
      return fail(llvm::formatv("{0}: batch-major rows of a sequence-major "
                                "input",
                                role));
    RoleSource r;
    if (succeeded(proj)) {
      r = *proj;
    } else {
      // The input itself, split into heads.
      if (off != 0 || width != srcHeads * headDim || stride != headDim)
        return fail(llvm::formatv("{0}: a slice of a value that is not a "
                                  "projection",
                                  role));
      r.identity = true;
      r.input = p;
    }
    // Sequence-major rows of a sequence-major input are batch-major rows of
    // the tensor it views.
    r.seqFirst = r.seqFirst != rowsSeqFirst;
    r.colOffset = off % width;
    r.width = srcHeads * headDim;
    if (stride != headDim)
      r.headStride = stride;
    return r;
  }
  LLVM_DEBUG(llvm::dbgs() << "[qkvtie-raise] " << role
                          << " view: " << view.str() << "\n");
  return fail(
      llvm::formatv("{0} is not a head split of one [B·L, N] tensor", role));
}

LogicalResult Matcher::matchRopeTables(const Rope &rope, const Layout &x,
                                       int64_t seq, StringRef role) {
  // In the rope site's space: the rotated axis must be e (stride 1 in the
  // projection) and the tables may vary along s and e only.
  Layout xn = x.normalized();
  Layout::Dim axisView = xn.getDims()[rope.axis];
  if (axisView.size() != 1 || axisView[0].stride != 1)
    return fail(role + Twine(": RoPE does not rotate the head dimension"));
  auto pType = cast<RankedTensorType>(x.getBase().getType());
  int64_t width = pType.getShape().back();
  int64_t seqDim = -1;
  for (int64_t i = 0; i < x.getRank(); ++i) {
    const Layout::Dim &dv = xn.getDims()[i];
    if (dv.size() == 1 && dv[0].stride == width && dv[0].size == seq)
      seqDim = i;
  }
  if (seqDim < 0 && seq != 1)
    return fail(role + Twine(": cannot find the position axis under RoPE"));
  Value tables[2];
  for (int t = 0; t < 2; ++t) {
    const Elementwise::Operand &o = t ? rope.sin : rope.cos;
    auto type = cast<RankedTensorType>(o.tensor.getType());
    SmallVector<int64_t> used;
    // Unit dims of the table (batch, heads) select nothing.
    for (auto [i, e] : llvm::enumerate(o.map.getResults())) {
      if (type.getDimSize(i) == 1)
        continue;
      auto d = dyn_cast<AffineDimExpr>(e);
      if (!d)
        return fail(role + Twine(": RoPE table read at a constant index"));
      used.push_back(d.getPosition());
    }
    SmallVector<int64_t> want = {seqDim, rope.axis};
    if (used != ArrayRef<int64_t>(want))
      return fail(role + Twine(": RoPE tables are not indexed by (position, "
                               "head element)"));
    tables[t] = o.tensor;
  }
  m.ropeCos = tables[0];
  m.ropeSin = tables[1];
  return success();
}
