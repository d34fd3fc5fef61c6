//===- TieAnalysis.h - Prove which projection slots are equal ---*- C++ -*-===//
//
// Folding two projections changes what a program computes unless they are
// equal. This analysis decides equality by proof only:
//   - ssa:             the same value, or the same view of the same value;
//   - symbol:          loads of the same global symbol;
//   - constant-bytes:  constants (dense, dense_resource, splat) whose viewed
//                      elements are bit-equal, whatever their names;
//   - packed-slice:    bit-equal slices of one packed constant;
//   - argument-opt-in: function arguments the user declared equal
//                      (`qkvtie.tied_to = N` on the argument, or an option);
//   - tolerance:       opt-in, elements within a given absolute tolerance,
//                      with the measured differences.
// A slot is its weight and its bias: both must be proven equal.
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_ANALYSIS_TIEANALYSIS_H
#define QKVTIE_ANALYSIS_TIEANALYSIS_H

#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace mlir::qkvtie {

class AttentionOp;

enum class ProofKind {
  SSA,
  Symbol,
  ConstantBytes,
  PackedSlice,
  ArgumentOptIn,
  Tolerance
};
StringRef stringifyProofKind(ProofKind kind);

struct TieOptions {
  /// Weights passed as function arguments tie when they are views of the
  /// same argument position pattern (the user asserts equal arguments).
  bool tieArguments = false;
  /// Ties constants whose elements differ by at most this much (0: exact).
  double tolerance = 0.0;
};

/// Where two tensors first differ, in the coordinates of the first one's
/// underlying constant (for a weight from nn.Linear: [out, in]).
struct Difference {
  SmallVector<int64_t> index;
  double lhs = 0, rhs = 0;
  /// Elements that differ, of `total`.
  int64_t count = 0, total = 0;
};

struct EqualityResult {
  std::optional<ProofKind> proof; // set when proven equal
  double maxAbsDiff = 0, maxRelDiff = 0;
  std::optional<Difference> difference; // constants that are not equal
  std::string why;                      // why equality is unknown
};

/// Proves `a` and `b` (tensors of the same type) equal, or says why not.
EqualityResult proveEqual(Value a, Value b, const TieOptions &options);

/// Compares slots `i` and `j` of `op`: weights and biases.
struct SlotComparison {
  EqualityResult weight, bias;
  bool tied() const { return weight.proof && bias.proof; }
  /// The kind to report for the tie: the weaker of the two proofs.
  ProofKind kind() const;
};
SlotComparison compareSlots(AttentionOp op, int64_t i, int64_t j,
                            const TieOptions &options);

} // namespace mlir::qkvtie

#endif // QKVTIE_ANALYSIS_TIEANALYSIS_H
