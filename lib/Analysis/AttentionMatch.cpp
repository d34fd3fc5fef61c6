//===- AttentionMatch.cpp - Find attention in model IR --------------------===//

#include "qkvtie/Analysis/AttentionMatch.h"

#include "qkvtie/Analysis/Layout.h"
#include "qkvtie/Analysis/Patterns.h"
#include "llvm/Support/Debug.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

#define DEBUG_TYPE "qkvtie-raise"

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

using Dims = SmallVector<Layout::Dim>;

class Matcher {
public:
  explicit Matcher(Operation *anchor) : anchor(anchor) {}
  FailureOr<AttentionMatch> match();
  /// Why the last match failed and whether it got past the softmax.
  std::string reason;
  bool nearMiss = false;

private:
  LogicalResult fail(const Twine &why) {
    reason = why.str();
    LLVM_DEBUG(llvm::dbgs() << "[qkvtie-raise] " << anchor->getLoc()
                            << ": not raised: " << reason << "\n");
    return failure();
  }
  FailureOr<RoleSource> matchRole(const Layout &view, int64_t seq,
                                  int64_t heads, int64_t headDim,
                                  int64_t &kvHeads, StringRef role);
  /// `inputLayout`, when given, is the layout the projection's rows must
  /// read (the merged heads, for an output projection); by default the rows
  /// of whatever tensor the input traces to, row-major.
  /// With `seq`, the input may also be the sequence-major view of a
  /// [B, seq, D] tensor (RoleSource::seqFirst).
  FailureOr<RoleSource> matchProjection(Value p,
                                        const Layout *inputLayout = nullptr,
                                        int64_t seq = 0);
  void matchOutProjection(const Layout &mergedView, bool seqFirst);
  LogicalResult matchScoresChain(Value x, ArrayRef<int64_t> xShape);
  LogicalResult matchRopeTables(const Rope &rope, const Layout &x, int64_t seq,
                                StringRef role);

  Operation *anchor;
  AttentionMatch m;
  // Scores contraction and the roles of its loops.
  Contraction sc;
  int64_t scS = -1, scT = -1, scE = -1;
  Value scoresY;
  Elementwise::Operand maskOperand;
  std::optional<double> boolFill;
  SmallVector<int64_t> scoresShape;
  LogicalResult resolveMask();
  SmallVector<int64_t> maskShape;
};

/// [batch loops..., x, y] of `l`, flattened to [B·H, X, Y]: the canonical
/// role order used for comparisons.
FailureOr<Layout> canonical(const Layout &l, ArrayRef<int64_t> batch, int64_t x,
                            int64_t y, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> keep(batch);
  keep.push_back(x);
  keep.push_back(y);
  FailureOr<Layout> p = l.project(keep);
  if (failed(p))
    return failure();
  return p->reshape(shape);
}

int64_t product(ArrayRef<int64_t> loops, ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    p *= loops[d];
  return p;
}

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

//===----------------------------------------------------------------------===//
// Rewrite
//===----------------------------------------------------------------------===//

} // namespace

FailureOr<AttentionMatch> mlir::qkvtie::matchAttention(Operation *anchor,
                                                       std::string &reason,
                                                       bool &nearMiss) {
  Matcher matcher(anchor);
  FailureOr<AttentionMatch> m = matcher.match();
  reason = matcher.reason;
  nearMiss = matcher.nearMiss;
  return m;
}
