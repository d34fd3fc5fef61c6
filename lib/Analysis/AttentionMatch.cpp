//===- AttentionMatch.cpp - Find attention in model IR --------------------===//

#include "qkvtie/Analysis/AttentionMatch.h"

#include "AttentionMatcher.h"
#include "llvm/Support/Debug.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

#define DEBUG_TYPE "qkvtie-raise"

using namespace mlir;
using namespace mlir::qkvtie;
using namespace mlir::qkvtie::detail;

FailureOr<AttentionMatch> Matcher::match() {
  // 1. P·V with P from a softmax.
  FailureOr<Contraction> pv = getContraction(anchor->getResult(0));
  if (failed(pv) || pv->k.size() != 1 || !pv->zeroInit)
    return fail("not a single-reduction contraction with a zero init");
  // The softmax side has the query loop; try both operands.
  Value pOperand, vOperand;
  AffineMap pMap, vMap;
  int64_t pvS = -1, pvE = -1;
  std::string why;
  FailureOr<Softmax> sm = failure();
  for (int i = 0; i < 2 && failed(sm); ++i) {
    pOperand = i ? pv->rhs : pv->lhs;
    vOperand = i ? pv->lhs : pv->rhs;
    pMap = i ? pv->rhsMap : pv->lhsMap;
    vMap = i ? pv->lhsMap : pv->rhsMap;
    Value smOut = traceLayout(pOperand).getBase();
    std::string attempt;
    bool partial = false;
    if (smOut)
      sm = matchSoftmax(smOut, attempt, partial);
    nearMiss |= partial;
    why += (i ? "; " : "") + attempt;
    if (succeeded(sm)) {
      if ((i ? pv->n : pv->m).size() != 1 || (i ? pv->m : pv->n).size() != 1)
        return fail("P·V has more than one query or value loop");
      pvS = (i ? pv->n : pv->m)[0];
      pvE = (i ? pv->m : pv->n)[0];
    }
  }
  if (failed(sm))
    return fail("no softmax feeds the contraction: " + why);
  nearMiss = true;
  int64_t pvT = pv->k[0];

  // 2. The softmax space X; P must read it with the key axis reduced.
  SmallVector<int64_t> xShape(
      cast<RankedTensorType>(sm->input.getType()).getShape());
  int64_t bh = product(pv->loops, pv->batch);
  m.seqQ = pv->loops[pvS];
  m.seqKV = pv->loops[pvT];
  m.dv = pv->loops[pvE];
  if (xShape.empty() || xShape[sm->axis] != m.seqKV ||
      sm->axis != static_cast<int64_t>(xShape.size()) - 1)
    return fail(llvm::formatv("softmax normalises axis {0} of {1} dims, but "
                              "P·V contracts the key axis",
                              sm->axis, xShape.size()));
  Value smOut = traceLayout(pOperand).getBase();
  FailureOr<Layout> pView = traceLayout(pOperand).read(pMap, pv->loops);
  SmallVector<int64_t> canon = {bh, m.seqQ, m.seqKV};
  FailureOr<Layout> pCanon = succeeded(pView)
                                 ? canonical(*pView, pv->batch, pvS, pvT, canon)
                                 : FailureOr<Layout>(failure());
  FailureOr<Layout> xCanon = Layout::rowMajor(smOut, xShape).reshape(canon);
  if (failed(pCanon) || failed(xCanon) || !pCanon->isEquivalent(*xCanon))
    return fail("P·V does not read the softmax as [batch·heads, S, T] with "
                "the softmax axis as T");

  // 3. Scale, mask and the Q·Kᵀ contraction behind the softmax input.
  if (failed(matchScoresChain(sm->input, xShape)))
    return failure();

  // 4. Head sizes and the batch.
  m.d = sc.loops[scE];
  m.hq = 0;
  // B comes from the query's input: known after matching Q; H = BH / B.
  bool qIsLhs = sc.lhsMap.isFunctionOfDim(scS);
  AffineMap qMap = qIsLhs ? sc.lhsMap : sc.rhsMap;
  AffineMap kMap = qIsLhs ? sc.rhsMap : sc.lhsMap;

  // Each role: its view over the loops of its contraction, through scale
  // and RoPE, in canonical [B·H, L, e] order.
  struct Traced {
    Layout view;
    double scale = 1.0;
    std::optional<Rope> rope;
    Layout ropeInput;            // the rope site's input layout
    std::optional<RmsNorm> norm; // QK-norm of each head, before RoPE
  };
  auto traceRole = [&](Value operand, AffineMap map, ArrayRef<int64_t> loops,
                       ArrayRef<int64_t> batch, int64_t seqLoop,
                       int64_t elemLoop, int64_t seq,
                       int64_t elems) -> FailureOr<Traced> {
    Traced t;
    ScaledLayout sl = traceScaled(operand);
    t.scale = sl.scale;
    FailureOr<Layout> view = sl.layout.read(map, loops);
    if (failed(view))
      return failure();
    std::string ropeWhy;
    FailureOr<Rope> rope = matchRope(view->getBase(), ropeWhy);
    if (failed(rope))
      rope = matchPartialRope(view->getBase(), ropeWhy);
    if (succeeded(rope)) {
      ScaledLayout inner = traceScaled(rope->x);
      FailureOr<Layout> composed = inner.layout.compose(*view);
      if (failed(composed))
        return failure();
      view = composed;
      t.scale *= inner.scale;
      t.rope = *rope;
      t.ropeInput = inner.layout;
    }
    // QK-norm: an RMSNorm over the head's elements, before RoPE. The norm is
    // elementwise in the space of its input, so the view reads through it.
    if (FailureOr<RmsNorm> norm = matchRmsNorm(view->getBase());
        succeeded(norm) &&
        cast<RankedTensorType>(norm->x.getType()).getShape().back() == elems) {
      ScaledLayout inner = traceScaled(norm->x);
      FailureOr<Layout> composed = inner.layout.compose(*view);
      // The rope site reads the projection through the norm too.
      FailureOr<Layout> ropeInput =
          t.rope ? inner.layout.compose(t.ropeInput) : FailureOr<Layout>();
      if (succeeded(composed) && (!t.rope || succeeded(ropeInput))) {
        view = composed;
        t.scale *= inner.scale;
        t.norm = *norm;
        if (t.rope)
          t.ropeInput = *ropeInput;
      }
    }
    FailureOr<Layout> c =
        canonical(*view, batch, seqLoop, elemLoop, {bh, seq, elems});
    if (failed(c))
      return failure();
    t.view = *c;
    return t;
  };
  FailureOr<Traced> qt = traceRole(qMap == sc.lhsMap ? sc.lhs : sc.rhs, qMap,
                                   sc.loops, sc.batch, scS, scE, m.seqQ, m.d);
  FailureOr<Traced> kt = traceRole(qIsLhs ? sc.rhs : sc.lhs, kMap, sc.loops,
                                   sc.batch, scT, scE, m.seqKV, m.d);
  FailureOr<Traced> vt =
      traceRole(vOperand, vMap, pv->loops, pv->batch, pvT, pvE, m.seqKV, m.dv);
  if (failed(qt) || failed(kt) || failed(vt))
    return fail("Q, K or V is not a view of one tensor");
  if (vt->rope)
    return fail("V is rotated: RoPE applies to Q and K only");
  if (vt->norm)
    return fail("V is normalised per head: QK-norm applies to Q and K only");
  if (qt->norm && kt->norm && qt->norm->eps != kt->norm->eps)
    return fail("QK-norms of Q and K have different eps");
  if (qt->norm)
    m.qNorm = qt->norm->weight;
  if (kt->norm)
    m.kNorm = kt->norm->weight;
  if (qt->norm || kt->norm)
    m.normEps = (qt->norm ? qt->norm : kt->norm)->eps;
  if (qt->rope.has_value() != kt->rope.has_value())
    return fail("RoPE on only one of Q and K");
  m.scale *= qt->scale * kt->scale;
  if (std::abs(vt->scale - 1.0) > 0)
    return fail("V is scaled");

  // The batch: Q's source holds B·S rows of its last dimension.
  auto qSource = cast<RankedTensorType>(qt->view.getBase().getType());
  int64_t rows = qSource.getNumElements() / qSource.getShape().back();
  m.batch = rows / m.seqQ;
  if (m.batch == 0 || rows % m.seqQ != 0 || bh % m.batch != 0)
    return fail("batch does not divide batch x heads");
  m.hq = bh / m.batch;

  if (failed(resolveMask()))
    return failure();

  int64_t hkvK = 0, hkvV = 0, unused = 0;
  FailureOr<RoleSource> q = matchRole(qt->view, m.seqQ, m.hq, m.d, unused, "q");
  if (failed(q))
    return failure();
  if (unused != m.hq)
    return fail("Q reads its heads with repetition");
  FailureOr<RoleSource> k = matchRole(kt->view, m.seqKV, m.hq, m.d, hkvK, "k");
  if (failed(k))
    return failure();
  FailureOr<RoleSource> v = matchRole(vt->view, m.seqKV, m.hq, m.dv, hkvV, "v");
  if (failed(v))
    return failure();
  if (hkvK != hkvV)
    return fail(llvm::formatv("K has {0} heads but V has {1}", hkvK, hkvV));
  m.hkv = hkvK;
  m.q = *q;
  m.k = *k;
  m.v = *v;
  if (qt->rope) {
    if (m.seqQ != m.seqKV)
      return fail("RoPE with S != T: positions are ambiguous");
    if (failed(matchRopeTables(*qt->rope, qt->ropeInput, m.seqQ, "q")))
      return failure();
    Value qCos = m.ropeCos, qSin = m.ropeSin;
    if (failed(matchRopeTables(*kt->rope, kt->ropeInput, m.seqKV, "k")))
      return failure();
    if (qCos != m.ropeCos || qSin != m.ropeSin)
      return fail("Q and K use different RoPE tables");
    if (qt->rope->rotary != kt->rope->rotary)
      return fail("Q and K rotate different numbers of elements");
    m.rotaryDim = qt->rope->rotary;
  }

  // 5. The merged heads: the last view of O that is [B, S, H·dv] row-major.
  Value o = anchor->getResult(0);
  FailureOr<Layout> oLoops = Layout::identity(o).read(pv->outMap, pv->loops);
  if (failed(oLoops))
    return fail("unexpected P·V output map");
  FailureOr<Layout> oRoles =
      canonical(*oLoops, pv->batch, pvS, pvE, {m.batch, m.hq, m.seqQ, m.dv});
  if (failed(oRoles))
    return fail("P·V output is not [B, H, S, dv]");
  // Heads merge batch-major [B, S, H, dv], or sequence-major [S, B, H, dv]
  // (nn.MultiheadAttention); with B = 1 the two are one layout.
  Layout merged = oRoles->permute({0, 2, 1, 3});
  Layout mergedSeqFirst = oRoles->permute({2, 0, 1, 3});
  Value cur = o;
  while (true) {
    Layout l = traceLayout(cur);
    auto is = [&](ArrayRef<int64_t> shape, const Layout &want) {
      FailureOr<Layout> asRoles = l.reshape(shape);
      return l.getBase() == o && succeeded(asRoles) &&
             asRoles->isEquivalent(want);
    };
    if (is({m.batch, m.seqQ, m.hq, m.dv}, merged)) {
      m.replaced = cur;
      m.replacedSeqFirst = false;
    } else if (is({m.seqQ, m.batch, m.hq, m.dv}, mergedSeqFirst)) {
      m.replaced = cur;
      m.replacedSeqFirst = true;
    }
    if (!cur.hasOneUse())
      break;
    Operation *user = *cur.getUsers().begin();
    if (user->getNumResults() != 1 ||
        traceLayout(user->getResult(0)).getBase() != o)
      break;
    cur = user->getResult(0);
  }
  if (!m.replaced)
    return fail("the heads are never merged into [B, S, H·dv]");
  matchOutProjection(traceLayout(m.replaced), m.replacedSeqFirst);
  m.elt = cast<RankedTensorType>(m.replaced.getType()).getElementType();
  if (!isSupportedStorageType(m.elt)) {
    std::string name;
    llvm::raw_string_ostream os(name);
    m.elt.print(os);
    return fail("element type " + name + " is not f16, bf16 or f32");
  }
  m.maskShape = maskShape;
  m.anchor = anchor;
  return m;
}

/// Absorbs a projection of the merged heads (W_o, optional bias) when the
/// merged value feeds nothing else.
void Matcher::matchOutProjection(const Layout &mergedView, bool seqFirst) {
  Value cur = m.replaced;
  Value found;
  RoleSource out;
  for (int i = 0; i < 8 && cur.hasOneUse(); ++i) {
    Operation *user = *cur.getUsers().begin();
    if (user->getNumResults() != 1 ||
        !isa<RankedTensorType>(user->getResult(0).getType()))
      break;
    cur = user->getResult(0);
    FailureOr<RoleSource> proj = matchProjection(cur, &mergedView);
    if (succeeded(proj)) {
      found = cur;
      out = *proj;
    }
  }
  if (!found)
    return;
  // Replace the last view of the projection that is its [B, S, Dout]; rows
  // computed sequence-major may be transposed back to batch-major on the
  // way (nn.MultiheadAttention with batch_first).
  int64_t outFeatures = out.totalWidth;
  Layout batchMajor =
      seqFirst ? Layout::rowMajor(found, {m.seqQ, m.batch, outFeatures})
                     .permute({1, 0, 2})
               : Layout::rowMajor(found, {m.batch, m.seqQ, outFeatures});
  Value replaced = found;
  bool replacedSeqFirst = seqFirst;
  for (Value v = found; v.hasOneUse();) {
    Operation *user = *v.getUsers().begin();
    if (user->getNumResults() != 1)
      break;
    Value next = user->getResult(0);
    auto type = dyn_cast<RankedTensorType>(next.getType());
    if (!type || !type.hasStaticShape())
      break;
    Layout l = traceLayout(next);
    FailureOr<Layout> asBatchMajor = batchMajor.reshape(type.getShape());
    if (l.isEquivalent(Layout::rowMajor(found, type.getShape()))) {
      replaced = next;
    } else if (seqFirst && succeeded(asBatchMajor) &&
               l.isEquivalent(*asBatchMajor)) {
      replaced = next;
      replacedSeqFirst = false;
      break;
    } else {
      break;
    }
    v = next;
  }
  out.width = out.totalWidth;
  m.out = out;
  m.replaced = replaced;
  m.replacedSeqFirst = replacedSeqFirst;
}

LogicalResult Matcher::matchScoresChain(Value x, ArrayRef<int64_t> xShape) {
  // Peel scale and mask, outermost first; a scale outside the mask would
  // scale the mask too.
  bool sawMask = false;
  double outerScale = 1.0;
  Value y = x;
  for (int i = 0; i < 8; ++i) {
    FailureOr<Elementwise> ew = getElementwise(y);
    if (failed(ew))
      break;
    auto &ops = ew->operands;
    auto identityTensor = [](const Elementwise::Operand &o) {
      return o.tensor && o.map.isIdentity();
    };
    if ((ew->kind == Elementwise::Mul || ew->kind == Elementwise::Div) &&
        ops.size() == 2) {
      // A scalar scale: after the mask (inside) traceScaled takes it below;
      // before it (outside), it would scale the mask too.
      int t = ops[1].scalar && identityTensor(ops[0])   ? 0
              : ops[0].scalar && identityTensor(ops[1]) ? 1
                                                        : -1;
      if (t < 0)
        return fail("the scores are multiplied by a tensor");
      if (ew->kind == Elementwise::Div && (t != 0 || *ops[1].scalar == 0.0))
        return fail("the scores divide a scalar");
      double c = *ops[1 - t].scalar;
      outerScale *= ew->kind == Elementwise::Div ? 1.0 / c : c;
      y = ops[t].tensor;
      continue;
    }
    if (ew->kind == Elementwise::Add && ops.size() == 2 && !sawMask) {
      // The scores side leads to a contraction.
      int side = -1;
      for (int j = 0; j < 2; ++j)
        if (identityTensor(ops[j]) &&
            succeeded(
                getContraction(traceScaled(ops[j].tensor).layout.getBase())))
          side = j;
      if (side < 0)
        break;
      if (outerScale != 1.0)
        return fail("the scale is applied after the mask");
      maskOperand = ops[1 - side];
      if (!maskOperand.tensor)
        return fail("the additive mask is a scalar");
      m.maskKind = MaskKind::additive;
      sawMask = true;
      y = ops[side].tensor;
      continue;
    }
    if (ew->kind == Elementwise::Select && ops.size() == 3 && !sawMask &&
        ops[0].tensor && identityTensor(ops[1]) && ops[2].scalar) {
      if (outerScale != 1.0)
        return fail("the scale is applied after the mask");
      maskOperand = ops[0];
      boolFill = ops[2].scalar;
      m.maskKind = MaskKind::boolean;
      sawMask = true;
      y = ops[1].tensor;
      continue;
    }
    break;
  }
  ScaledLayout sl = traceScaled(y);
  m.scale = outerScale * sl.scale;
  FailureOr<Contraction> c = getContraction(sl.layout.getBase());
  if (failed(c) || c->k.size() != 1 || !c->zeroInit)
    return fail("the softmax input is not scale · Q·Kᵀ (+ mask)");
  sc = *c;
  scE = sc.k[0];
  if (sc.m.size() != 1 || sc.n.size() != 1)
    return fail("Q·Kᵀ has more than one query or key loop");
  // Which of m and n is the key axis: the one the softmax reduces.
  int64_t bh = product(sc.loops, sc.batch);
  FailureOr<Layout> cLoops =
      Layout::identity(sc.result).read(sc.outMap, sc.loops);
  if (failed(cLoops))
    return fail("unexpected Q·Kᵀ output map");
  FailureOr<Layout> xRoles =
      sl.layout.reshape({bh, xShape[xShape.size() - 2], xShape.back()});
  for (int order = 0; order < 2; ++order) {
    int64_t s = order ? sc.n[0] : sc.m[0], t = order ? sc.m[0] : sc.n[0];
    FailureOr<Layout> want =
        canonical(*cLoops, sc.batch, s, t, {bh, sc.loops[s], sc.loops[t]});
    if (succeeded(xRoles) && succeeded(want) && xRoles->isEquivalent(*want)) {
      scS = s;
      scT = t;
    }
  }
  if (scS < 0)
    return fail("the softmax input is not Q·Kᵀ laid out as [batch·heads, S, "
                "T]");
  if (sc.loops[scS] != m.seqQ || sc.loops[scT] != m.seqKV)
    return fail("Q·Kᵀ and P·V disagree on S or T");

  scoresShape.assign(xShape.begin(), xShape.end());
  scoresY = y;
  return success();
}

/// The mask, read over the scores space, must be some [b|1, h|1, s|1, t|1]
/// tensor broadcast to [B, H, S, T]: that is what the op takes.
LogicalResult Matcher::resolveMask() {
  if (m.maskKind == MaskKind::none)
    return success();
  Value mt = maskOperand.tensor;
  SmallVector<int64_t> roles = {m.batch, m.hq, m.seqQ, m.seqKV};
  FailureOr<Layout> read =
      Layout::identity(mt).read(maskOperand.map, scoresShape);
  FailureOr<Layout> byRole =
      succeeded(read) ? read->reshape(roles) : FailureOr<Layout>(failure());
  if (failed(byRole))
    return fail("the mask is not a broadcast of [B, H, S, T] dims");
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> results;
  MLIRContext *ctx = mt.getContext();
  Layout normalizedRoles = byRole->normalized();
  for (auto [i, dim] : llvm::enumerate(normalizedRoles.getDims())) {
    bool broadcast = dim.empty() || (dim.size() == 1 && dim[0].stride == 0);
    shape.push_back(broadcast ? 1 : roles[i]);
    results.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                : getAffineDimExpr(i, ctx));
  }
  FailureOr<Layout> want = Layout::rowMajor(mt, shape).read(
      AffineMap::get(4, 0, results, ctx), roles);
  if (failed(want) || !byRole->isEquivalent(*want))
    return fail("the mask is not a broadcast of [B, H, S, T] dims");
  if (m.maskKind == MaskKind::boolean) {
    if (!cast<RankedTensorType>(mt.getType()).getElementType().isInteger(1))
      return fail("the select condition is not a boolean tensor");
    // where(mask, s, fill) is the op's boolean mask only if fill is the
    // element type's lowest finite value.
    double lowest =
        APFloat::getLargest(
            cast<FloatType>(
                cast<RankedTensorType>(sc.result.getType()).getElementType())
                .getFloatSemantics(),
            /*Negative=*/true)
            .convertToDouble();
    if (!boolFill || *boolFill != lowest)
      return fail("where(mask, scores, fill) with a fill other than the "
                  "lowest finite value");
  }
  m.mask = mt;
  maskShape = shape;
  return success();
}

FailureOr<AttentionMatch> mlir::qkvtie::matchAttention(Operation *anchor,
                                                       std::string &reason,
                                                       bool &nearMiss) {
  Matcher matcher(anchor);
  FailureOr<AttentionMatch> m = matcher.match();
  reason = matcher.reason;
  nearMiss = matcher.nearMiss;
  return m;
}
