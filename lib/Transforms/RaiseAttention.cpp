//===- RaiseAttention.cpp - Raise model IR attention to qkvtie.attention --===//
//
// The matching is an analysis (qkvtie/Analysis/AttentionMatch.h); this file
// builds the op from a match.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Analysis/AttentionMatch.h"
#include "qkvtie/Analysis/Patterns.h"
#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/RegionUtils.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

#define DEBUG_TYPE "qkvtie-raise"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIERAISEATTENTION
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

/// `v` with the same elements in `shape` (row-major).
Value reshapeTo(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getShape() == shape)
    return v;
  auto target = RankedTensorType::get(shape, t.getElementType());
  // One collapse or expand when the shapes nest, else through 1-D.
  if (t.getRank() > target.getRank())
    if (auto re = getReassociationIndicesForReshape(t, target))
      return tensor::CollapseShapeOp::create(b, loc, target, v, *re);
  if (t.getRank() < target.getRank())
    if (auto re = getReassociationIndicesForReshape(target, t))
      return tensor::ExpandShapeOp::create(b, loc, target, v, *re);
  if (t.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < t.getRank(); ++i)
      all.push_back(i);
    v = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({t.getNumElements()}, t.getElementType()),
        v, ArrayRef<ReassociationIndices>{all});
  }
  if (shape.size() == 1)
    return v;
  ReassociationIndices all;
  for (int64_t i = 0, e = shape.size(); i < e; ++i)
    all.push_back(i);
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, t.getElementType()), v,
      ArrayRef<ReassociationIndices>{all});
}

/// [X, Y, Z] -> [Y, X, Z].
Value swapLeadingDims(OpBuilder &b, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape = {t.getDimSize(1), t.getDimSize(0),
                                t.getDimSize(2)};
  Value init =
      tensor::EmptyOp::create(b, loc, shape, t.getElementType()).getResult();
  return linalg::TransposeOp::create(b, loc, v, init,
                                     ArrayRef<int64_t>{1, 0, 2})
      .getResult()[0];
}

/// Columns [off, off + width) of a [D, Ntot] weight (or [Ntot] bias).
Value sliceColumns(OpBuilder &b, Location loc, Value v, int64_t off,
                   int64_t width) {
  auto t = cast<RankedTensorType>(v.getType());
  int64_t n = t.getShape().back();
  if (off == 0 && width == n)
    return v;
  SmallVector<int64_t> offsets(t.getRank(), 0), sizes(t.getShape()),
      strides(t.getRank(), 1);
  offsets.back() = off;
  sizes.back() = width;
  MLIRContext *ctx = b.getContext();
  return tensor::ExtractSliceOp::create(
      b, loc, v, getAsIndexOpFoldResult(ctx, offsets),
      getAsIndexOpFoldResult(ctx, sizes), getAsIndexOpFoldResult(ctx, strides));
}

/// The role's columns of a [D, Ntot] weight (or [Ntot] bias): a contiguous
/// range, or per head `width / heads` columns from `off` of each head's
/// block of `stride` when the roles' heads are interleaved.
Value roleColumns(OpBuilder &b, Location loc, Value v, const RoleSource &r,
                  int64_t heads) {
  if (!r.headStride)
    return sliceColumns(b, loc, v, r.colOffset, r.width);
  auto t = cast<RankedTensorType>(v.getType());
  int64_t headDim = r.width / heads;
  SmallVector<int64_t> blocks(t.getShape().drop_back());
  blocks.append({heads, r.headStride});
  int64_t rank = t.getRank();
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0; i + 1 < rank; ++i)
    groups.push_back({i});
  groups.push_back({rank - 1, rank});
  Value split = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(blocks, t.getElementType()), v, groups);
  SmallVector<int64_t> offsets(rank + 1, 0), sizes(blocks),
      strides(rank + 1, 1);
  offsets.back() = r.colOffset;
  sizes.back() = headDim;
  MLIRContext *ctx = b.getContext();
  Value sliced = tensor::ExtractSliceOp::create(
      b, loc, split, getAsIndexOpFoldResult(ctx, offsets),
      getAsIndexOpFoldResult(ctx, sizes), getAsIndexOpFoldResult(ctx, strides));
  SmallVector<int64_t> flat(t.getShape().drop_back());
  flat.push_back(r.width);
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(flat, t.getElementType()), sliced, groups);
}

/// On failure `why` holds the verifier's message.
LogicalResult rewrite(const AttentionMatch &m, RewriterBase &rewriter,
                      std::string &why) {
  Operation *at = m.replaced.getDefiningOp();
  rewriter.setInsertionPoint(at);
  Location loc = m.anchor->getLoc();
  // One [B, L, D] view per source: a [L, D] layer input (no batch) is
  // reshaped once, and a sequence-major [L, B, D] one transposed once, so
  // that roles reading it see one value.
  DenseMap<std::pair<Value, unsigned>, Value> views;
  auto input = [&](const RoleSource &r, int64_t seq) {
    int64_t features = r.identity ? r.width : r.inFeatures;
    Value &v = views[{r.input, r.seqFirst ? 1u : 0u}];
    if (!v)
      v = r.seqFirst
              ? swapLeadingDims(
                    rewriter, loc,
                    reshapeTo(rewriter, loc, r.input, {seq, m.batch, features}))
              : reshapeTo(rewriter, loc, r.input, {m.batch, seq, features});
    return v;
  };
  Value xq = input(m.q, m.seqQ);
  Value xkv = input(m.k, m.seqKV);
  Value xv = input(m.v, m.seqKV);
  // Keys and values from different tensors: the op's value input.
  Value value = xv != xkv ? xv : Value();

  SmallVector<Value> weights, biases;
  SmallVector<bool> hasBias;
  auto slot = [&](const RoleSource &r, int64_t heads) -> int64_t {
    if (r.identity)
      return TiesAttr::kIdentity;
    Value w = r.weight;
    if (r.weightTransposed) {
      Value wt = reshapeTo(rewriter, loc, w, {r.totalWidth, r.inFeatures});
      auto type = RankedTensorType::get({r.inFeatures, r.totalWidth}, m.elt);
      Value init =
          tensor::EmptyOp::create(rewriter, loc, type.getShape(), m.elt);
      w = linalg::TransposeOp::create(rewriter, loc, wt, init,
                                      ArrayRef<int64_t>{1, 0})
              .getResult()[0];
    } else {
      w = reshapeTo(rewriter, loc, w, {r.inFeatures, r.totalWidth});
    }
    weights.push_back(roleColumns(rewriter, loc, w, r, heads));
    hasBias.push_back(static_cast<bool>(r.bias));
    if (r.bias) {
      auto bt = cast<RankedTensorType>(r.bias.getType());
      Value b = r.bias;
      if (r.biasOffset || bt.getNumElements() != r.totalWidth)
        b = sliceColumns(rewriter, loc,
                         reshapeTo(rewriter, loc, b, {bt.getNumElements()}),
                         r.biasOffset, r.totalWidth);
      b = reshapeTo(rewriter, loc, b, {r.totalWidth});
      biases.push_back(roleColumns(rewriter, loc, b, r, heads));
    }
    return weights.size() - 1;
  };
  int64_t qs = slot(m.q, m.hq), ks = slot(m.k, m.hkv), vs = slot(m.v, m.hkv);
  Value outWeight, outBias;
  if (m.out) {
    slot(*m.out, 1);
    outWeight = weights.pop_back_val();
    if (hasBias.pop_back_val())
      outBias = biases.pop_back_val();
  }
  MLIRContext *ctx = rewriter.getContext();
  Value cos, sin;
  if (m.ropeCos) {
    int64_t r = m.rotaryDim ? m.rotaryDim : m.d;
    int64_t rows =
        cast<RankedTensorType>(m.ropeCos.getType()).getNumElements() / r;
    cos = reshapeTo(rewriter, loc, m.ropeCos, {rows, r});
    sin = reshapeTo(rewriter, loc, m.ropeSin, {rows, r});
  }
  Value qNorm, kNorm;
  if (m.qNorm)
    qNorm = reshapeTo(rewriter, loc, m.qNorm, {m.d});
  if (m.kNorm)
    kNorm = reshapeTo(rewriter, loc, m.kNorm, {m.d});
  Value mask;
  MaskKind maskKind = m.maskKind;
  // A constant triangle is the causal mask: say so, so that kernels skip
  // masked blocks and decode steps know the rule.
  if (m.mask && isConstantCausalMask(m.mask, maskKind == MaskKind::boolean,
                                     m.seqQ, m.seqKV))
    maskKind = MaskKind::causal;
  else if (m.mask)
    mask = reshapeTo(rewriter, loc, m.mask, m.maskShape);
  int64_t features = m.out ? m.out->totalWidth : m.hq * m.dv;
  auto resultType = RankedTensorType::get({m.batch, m.seqQ, features}, m.elt);
  auto op = AttentionOp::create(
      rewriter, loc, resultType, xq, xkv, value, weights, biases, mask, cos,
      sin, qNorm, kNorm, outWeight, outBias, TiesAttr::get(ctx, qs, ks, vs),
      rewriter.getI64IntegerAttr(m.hq), rewriter.getI64IntegerAttr(m.hkv),
      rewriter.getI64IntegerAttr(m.d), rewriter.getF64FloatAttr(m.scale),
      MaskKindAttr::get(ctx, maskKind), rewriter.getDenseBoolArrayAttr(hasBias),
      (qNorm || kNorm) ? rewriter.getF64FloatAttr(m.normEps) : FloatAttr());
  // A match the op cannot express is a bug of the matcher, not of the
  // input: leave the IR as it was and say so without failing the pass.
  LogicalResult verified = success();
  {
    ScopedDiagnosticHandler capture(ctx, [&](Diagnostic &d) {
      why = d.str();
      return success();
    });
    verified = mlir::verify(op);
  }
  if (failed(verified)) {
    rewriter.eraseOp(op);
    return failure();
  }
  auto replacedType = cast<RankedTensorType>(m.replaced.getType());
  Value result = m.replacedSeqFirst ? swapLeadingDims(rewriter, loc, op) : op;
  rewriter.replaceAllUsesWith(
      m.replaced, reshapeTo(rewriter, loc, result, replacedType.getShape()));
  return success();
}

/// Raises the attention whose P·V contraction is the matched op: the new
/// qkvtie.attention takes over the uses of the merged heads. A walk pattern
/// may erase only the op it matched, so the ops that fed the merged heads go
/// into `dead`, and the pass erases them after the walk.
struct RaiseAttentionPattern : public RewritePattern {
  RaiseAttentionPattern(MLIRContext *ctx, bool remarks,
                        llvm::SetVector<Operation *> &dead)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx),
        remarks(remarks), dead(dead) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1 ||
        !isa<RankedTensorType>(op->getResult(0).getType()) ||
        failed(getContraction(op->getResult(0))))
      return rewriter.notifyMatchFailure(op, "not a tensor contraction");
    if (dead.contains(op))
      return rewriter.notifyMatchFailure(op, "part of an attention raised "
                                             "already");
    std::string reason;
    bool nearMiss = false;
    FailureOr<AttentionMatch> m = matchAttention(op, reason, nearMiss);
    if (failed(m)) {
      if (remarks && nearMiss)
        op->emitRemark("qkvtie-raise: not raised: ") << reason;
      return rewriter.notifyMatchFailure(op, reason);
    }
    Operation *replacedOp = m->replaced.getDefiningOp();
    // What a failed rewrite made (reshapes, slices) goes again: a pattern
    // that does not apply leaves the IR as it was.
    struct Recorder : public RewriterBase::ForwardingListener {
      using ForwardingListener::ForwardingListener;
      SmallVector<Operation *> made;
      void notifyOperationInserted(Operation *op,
                                   OpBuilder::InsertPoint previous) override {
        made.push_back(op);
        ForwardingListener::notifyOperationInserted(op, previous);
      }
      void notifyOperationErased(Operation *op) override {
        llvm::erase(made, op);
        ForwardingListener::notifyOperationErased(op);
      }
    };
    OpBuilder::Listener *outer = rewriter.getListener();
    Recorder recorder(outer);
    rewriter.setListener(&recorder);
    std::string why;
    LogicalResult rewritten = rewrite(*m, rewriter, why);
    rewriter.setListener(outer);
    if (failed(rewritten)) {
      // Ops built inside a made op (a linalg body) go with it.
      DenseSet<Operation *> all(recorder.made.begin(), recorder.made.end());
      SmallVector<Operation *> outermost;
      for (Operation *made : recorder.made) {
        Operation *parent = made->getParentOp();
        while (parent && !all.contains(parent))
          parent = parent->getParentOp();
        if (!parent)
          outermost.push_back(made);
      }
      for (Operation *made : llvm::reverse(outermost))
        if (made->use_empty())
          rewriter.eraseOp(made);
      if (remarks)
        op->emitRemark("qkvtie-raise: matched but the op would not verify: ")
            << why;
      return rewriter.notifyMatchFailure(op, "the op would not verify: " + why);
    }
    LLVM_DEBUG(llvm::dbgs()
               << "[" DEBUG_TYPE "] " << op->getLoc() << ": raised, heads "
               << m->hq << "/" << m->hkv << ", head_dim " << m->d << "\n");
    // What only fed the merged heads is dead: every user of an op is marked
    // before the op, so `dead` is in an order that can be erased.
    SmallVector<Operation *> worklist = {replacedOp};
    while (!worklist.empty()) {
      Operation *candidate = worklist.pop_back_val();
      if (dead.contains(candidate) || !wouldOpBeTriviallyDead(candidate) ||
          llvm::any_of(candidate->getUsers(),
                       [&](Operation *user) { return !dead.contains(user); }))
        continue;
      dead.insert(candidate);
      for (Value operand : candidate->getOperands())
        if (Operation *def = operand.getDefiningOp())
          worklist.push_back(def);
    }
    return success();
  }

  bool remarks;
  llvm::SetVector<Operation *> &dead;
};

struct RaiseAttentionPass
    : public qkvtie::impl::QKVTieRaiseAttentionBase<RaiseAttentionPass> {
  using Base::Base;

  void runOnOperation() override {
    llvm::SetVector<Operation *> dead;
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseAttentionPattern>(&getContext(), remarks, dead);
    // Not a greedy driver: it would fold and erase unrelated dead code, and
    // a module without attention must come out unchanged.
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    IRRewriter rewriter(&getContext());
    for (Operation *op : dead)
      rewriter.eraseOp(op);
  }
};

} // namespace
