//===- AttentionMatch.h - Find attention in model IR ------------*- C++ -*-===//
//
// The analysis behind qkvtie-raise-attention. The match anchors on a
// contraction P·V whose P comes from a softmax, then checks every other piece
// by what it computes, not how it is spelled: each view is a mixed-radix
// Layout compared against the layout attention semantics require.
//
// Roles: b (batch), h (query head), s (query position), t (key position),
// e (head element). The scores space is [B, H, S, T]; Q reads its projection
// P at row b·S + s, column off + h·d + e; K and V read theirs at row
// b·T + t, column off + (h / g)·d + e for g query heads per KV head.
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_ANALYSIS_ATTENTIONMATCH_H
#define QKVTIE_ANALYSIS_ATTENTIONMATCH_H

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace mlir::qkvtie {

/// How one of q, k, v is produced.
struct RoleSource {
  bool identity = false;
  /// The layer input the role projects (or is, for identity), any shape
  /// with B·L·D elements.
  Value input;
  /// `input` holds its rows sequence-major, row s·B + b for token s of
  /// batch b ([L, B, D], as nn.MultiheadAttention without batch_first);
  /// otherwise batch-major, row b·L + s.
  bool seqFirst = false;
  /// Projection: weight operand of the contraction, and how to read it.
  Value weight;
  bool weightTransposed = false; // [N, D] rather than [D, N]
  Value bias; // Ntot elements from biasOffset of any shape, or null
  int64_t biasOffset = 0;
  int64_t inFeatures = 0, totalWidth = 0, colOffset = 0, width = 0;
  /// Columns from one head to the next when the heads of several roles are
  /// interleaved in one projection (GPT-NeoX's [H, 3, d] query_key_value):
  /// the role reads columns h·headStride + colOffset + e. 0: contiguous.
  int64_t headStride = 0;
};

/// Everything needed to build the op.
struct AttentionMatch {
  Operation *anchor = nullptr;
  Value replaced; // the merged-heads value the op's result replaces
  /// `replaced` is [S, B, ...] (sequence-major), not [B, S, ...].
  bool replacedSeqFirst = false;
  int64_t batch = 0, seqQ = 0, seqKV = 0, hq = 0, hkv = 0, d = 0, dv = 0;
  double scale = 1.0;
  RoleSource q, k, v;
  std::optional<RoleSource> out; // output projection, when absorbed
  MaskKind maskKind = MaskKind::none;
  Value mask; // reshaped to maskShape, which broadcasts to [B, H, S, T]
  SmallVector<int64_t> maskShape;
  Value ropeCos, ropeSin;
  /// Elements of each head RoPE rotates when fewer than d (partial rotary).
  int64_t rotaryDim = 0;
  /// QK-norm: RMSNorm weights of the heads of q and k, before RoPE.
  Value qNorm, kNorm;
  double normEps = 0.0;
  Type elt;
};

/// Matches the attention whose P·V contraction is `anchor`. On failure,
/// `reason` says which step failed and `nearMiss` whether the candidate got
/// past finding a softmax (worth a remark).
FailureOr<AttentionMatch> matchAttention(Operation *anchor, std::string &reason,
                                         bool &nearMiss);

} // namespace mlir::qkvtie

#endif // QKVTIE_ANALYSIS_ATTENTIONMATCH_H
