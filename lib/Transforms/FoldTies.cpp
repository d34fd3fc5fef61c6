//===- FoldTies.cpp - Fold projection slots proven equal ------------------===//

#include "qkvtie/Analysis/TieAnalysis.h"
#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Transforms/Passes.h"
#include "llvm/Support/Debug.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/EquivalenceClasses.h"

#define DEBUG_TYPE "qkvtie-fold-ties"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIEFOLDTIES
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

/// "q=k", "k=v", ... for the roles that read slots i and j.
std::string rolesOf(TiesAttr ties, int64_t i, int64_t j) {
  std::string s;
  auto add = [&](int64_t slot, char role) {
    if (slot == i || slot == j)
      s += s.empty() ? std::string(1, role) : std::string("=") + role;
  };
  add(ties.getQ(), 'q');
  add(ties.getK(), 'k');
  add(ties.getV(), 'v');
  return s;
}

int64_t projectionBytes(AttentionOp op) {
  int64_t elems = 0;
  for (int64_t s = 0; s < op.getNumSlots(); ++s) {
    elems +=
        cast<RankedTensorType>(op.getWeights()[s].getType()).getNumElements();
    if (Value b = op.getSlotBias(s))
      elems += cast<RankedTensorType>(b.getType()).getNumElements();
  }
  return elems * getElementByteSize(op.getElementType());
}

/// A pair that differs in one element or under 1% of them: worth telling
/// the user, who may have meant them to be equal.
bool isNearMiss(const EqualityResult &r) {
  return r.difference &&
         r.difference->count <= std::max<int64_t>(1, r.difference->total / 100);
}

struct FoldTiesPass : public qkvtie::impl::QKVTieFoldTiesBase<FoldTiesPass> {
  using Base::Base;

  void runOnOperation() override {
    TieOptions options;
    options.tieArguments = tieArguments;
    options.tolerance = tolerance;
    getOperation()->walk([&](AttentionOp op) { fold(op, options); });
  }

  void fold(AttentionOp op, const TieOptions &options) {
    MLIRContext *ctx = op.getContext();
    Builder b(ctx);
    int64_t n = op.getNumSlots();
    TiesAttr ties = op.getTies();
    if (!op->hasAttr(QKVTieDialect::BeforeAttrHelper::getNameStr())) {
      op->setAttr(
          QKVTieDialect::BeforeAttrHelper::getNameStr(),
          b.getDictionaryAttr({
              b.getNamedAttr("ties", ties),
              b.getNamedAttr("projections", b.getI64IntegerAttr(n)),
              b.getNamedAttr("projection_bytes",
                             b.getI64IntegerAttr(projectionBytes(op))),
              b.getNamedAttr("kv_cache_bytes_per_token",
                             b.getI64IntegerAttr(op.getCacheBytesPerToken())),
          }));
    }

    llvm::EquivalenceClasses<int64_t> classes;
    for (int64_t i = 0; i < n; ++i)
      classes.insert(i);
    SmallVector<Attribute> proofs, nearMisses;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = i + 1; j < n; ++j) {
        if (classes.isEquivalent(i, j))
          continue;
        SlotComparison c = compareSlots(op, i, j, options);
        std::string roles = rolesOf(ties, i, j);
        if (c.tied()) {
          classes.unionSets(i, j);
          SmallVector<NamedAttribute> fields = {
              b.getNamedAttr("roles", b.getStringAttr(roles)),
              b.getNamedAttr("slots", b.getDenseI64ArrayAttr({i, j})),
              b.getNamedAttr("kind",
                             b.getStringAttr(stringifyProofKind(c.kind())))};
          if (c.kind() == ProofKind::Tolerance) {
            double abs = std::max(c.weight.maxAbsDiff, c.bias.maxAbsDiff);
            double rel = std::max(c.weight.maxRelDiff, c.bias.maxRelDiff);
            fields.push_back(
                b.getNamedAttr("max_abs_diff", b.getF64FloatAttr(abs)));
            fields.push_back(
                b.getNamedAttr("max_rel_diff", b.getF64FloatAttr(rel)));
          }
          proofs.push_back(b.getDictionaryAttr(fields));
          continue;
        }
        LLVM_DEBUG(llvm::dbgs()
                   << "[qkvtie-fold-ties] " << op.getLoc() << ": slots " << i
                   << " and " << j << " not tied: weight: "
                   << (c.weight.proof ? "equal" : c.weight.why) << "; bias: "
                   << (c.bias.proof ? "equal" : c.bias.why) << "\n");
        for (auto [what, r] :
             {std::pair<StringRef, const EqualityResult *>{"weight", &c.weight},
              {"bias", &c.bias}}) {
          if (!isNearMiss(*r))
            continue;
          const Difference &d = *r->difference;
          nearMisses.push_back(b.getDictionaryAttr({
              b.getNamedAttr("roles", b.getStringAttr(roles)),
              b.getNamedAttr("slots", b.getDenseI64ArrayAttr({i, j})),
              b.getNamedAttr("tensor", b.getStringAttr(what)),
              b.getNamedAttr("index", b.getDenseI64ArrayAttr(d.index)),
              b.getNamedAttr("values", b.getDenseF64ArrayAttr({d.lhs, d.rhs})),
              b.getNamedAttr("differing_elements",
                             b.getI64IntegerAttr(d.count)),
              b.getNamedAttr("max_abs_diff", b.getF64FloatAttr(r->maxAbsDiff)),
          }));
        }
      }
    }
    if (!nearMisses.empty())
      op->setAttr(QKVTieDialect::NearMissesAttrHelper::getNameStr(),
                  b.getArrayAttr(nearMisses));
    if (proofs.empty())
      return;
    SmallVector<Attribute> all;
    if (auto old = op->getAttrOfType<ArrayAttr>(
            QKVTieDialect::ProofsAttrHelper::getNameStr()))
      all.append(old.begin(), old.end());
    all.append(proofs);
    op->setAttr(QKVTieDialect::ProofsAttrHelper::getNameStr(),
                b.getArrayAttr(all));

    // Keep the first slot of each class, in order.
    SmallVector<int64_t> newIndex(n, -1);
    SmallVector<Value> weights, biases;
    SmallVector<bool> hasBias;
    for (int64_t s = 0; s < n; ++s) {
      int64_t leader = classes.getLeaderValue(s);
      if (leader != s) {
        newIndex[s] = newIndex[leader];
        continue;
      }
      newIndex[s] = weights.size();
      weights.push_back(op.getWeights()[s]);
      Value bias = op.getSlotBias(s);
      hasBias.push_back(static_cast<bool>(bias));
      if (bias)
        biases.push_back(bias);
    }
    auto remap = [&](int64_t slot) {
      return slot == TiesAttr::kIdentity ? slot : newIndex[slot];
    };
    op.getWeightsMutable().assign(weights);
    op.getBiasesMutable().assign(biases);
    op.setSlotHasBias(hasBias);
    op.setTiesAttr(TiesAttr::get(ctx, remap(ties.getQ()), remap(ties.getK()),
                                 remap(ties.getV())));
  }
};

} // namespace
