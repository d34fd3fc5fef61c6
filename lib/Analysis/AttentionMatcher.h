//===- AttentionMatcher.h - The attention matcher's state -------*- C++ -*-===//
//
// Private to lib/Analysis: the matcher behind matchAttention, whose steps are
// split over AttentionMatch.cpp (softmax, scores, mask, output) and
// AttentionRoles.cpp (projections, head splits, RoPE tables).
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_LIB_ANALYSIS_ATTENTIONMATCHER_H
#define QKVTIE_LIB_ANALYSIS_ATTENTIONMATCHER_H

#include "qkvtie/Analysis/AttentionMatch.h"
#include "qkvtie/Analysis/Layout.h"
#include "qkvtie/Analysis/Patterns.h"

#include "llvm/Support/Debug.h"

namespace mlir::qkvtie::detail {

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
    DEBUG_WITH_TYPE("qkvtie-raise", llvm::dbgs()
                                        << "[qkvtie-raise] " << anchor->getLoc()
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
inline FailureOr<Layout> canonical(const Layout &l, ArrayRef<int64_t> batch,
                                   int64_t x, int64_t y,
                                   ArrayRef<int64_t> shape) {
  SmallVector<int64_t> keep(batch);
  keep.push_back(x);
  keep.push_back(y);
  FailureOr<Layout> p = l.project(keep);
  if (failed(p))
    return failure();
  return p->reshape(shape);
}

inline int64_t product(ArrayRef<int64_t> loops, ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    p *= loops[d];
  return p;
}

} // namespace mlir::qkvtie::detail

#endif // QKVTIE_LIB_ANALYSIS_ATTENTIONMATCHER_H
