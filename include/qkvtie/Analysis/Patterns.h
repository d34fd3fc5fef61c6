//===- Patterns.h - Dialect-neutral views of model IR ops -------*- C++ -*-===//
//
// The raise has to read linalg named ops, linalg.generic (from torch-mlir or
// after --linalg-generalize-named-ops) and TOSA alike. These helpers give one
// description per kind of op: a contraction, an elementwise op, a reduction,
// a softmax, a rotary embedding, whatever dialect spelled it.
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_ANALYSIS_PATTERNS_H
#define QKVTIE_ANALYSIS_PATTERNS_H

#include "qkvtie/Analysis/Layout.h"

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace mlir::qkvtie {

/// C[...] += A[...] * B[...] over a loop space: matmul, batch_matmul, a
/// contraction linalg.generic or tosa.matmul.
struct Contraction {
  Operation *op = nullptr;
  Value lhs, rhs, init, result;
  AffineMap lhsMap, rhsMap, outMap;
  SmallVector<int64_t> loops;
  /// Loop dims in all three operands, in A and C only, in B and C only,
  /// and reduced (A and B).
  SmallVector<int64_t> batch, m, n, k;
  /// The init is known to be zero (a projection may carry its bias there).
  bool zeroInit = false;
};
FailureOr<Contraction> getContraction(Value result);

/// An all-parallel op computing one scalar function per element.
struct Elementwise {
  enum Kind { Add, Sub, Mul, Div, Exp, Neg, Reciprocal, Rsqrt, Select, Other };
  struct Operand {
    Value tensor;                 // null for a scalar constant
    AffineMap map;                // tensor index for each loop index
    std::optional<double> scalar; // a constant (scalar or splat)
    /// A tensor read at the loop indices, unbroadcast.
    bool isIdentityTensor() const;
  };
  Operation *op = nullptr;
  Kind kind = Other;
  SmallVector<Operand> operands;
  SmallVector<int64_t> shape;
};
FailureOr<Elementwise> getElementwise(Value v);

/// A reduction along one axis: max or sum, with its broadcast-back map.
struct Reduction {
  enum Kind { Max, Sum };
  Kind kind;
  Value input;
  int64_t axis;
  /// The map from the input's index space to the result's index.
  AffineMap outMap;
};
FailureOr<Reduction> getReduction(Value v);

/// softmax(x) along `axis`, with the optional PyTorch fix-up that zeroes
/// rows whose scores are all -inf.
struct Softmax {
  Value input;
  int64_t axis;
};
/// On failure `why` says which step failed; `partial` is set once the
/// normalisation (a division by a reduced sum) was found.
FailureOr<Softmax> matchSoftmax(Value v, std::string &why, bool &partial);

/// x·cos + rotate_half(x)·sin on the index space of `v`, rotating `axis`.
struct Rope {
  Value x;
  Elementwise::Operand cos, sin;
  int64_t axis;
  /// Partial rotary: only the first `rotary` elements along `axis` of `x`
  /// are rotated (0: all of them).
  int64_t rotary = 0;
};
FailureOr<Rope> matchRope(Value v, std::string &why);
/// concat(rope(x[..., :r]), x[..., r:]) along the last axis (partial
/// rotary, as transformers writes it): a Rope on x with `rotary` = r.
FailureOr<Rope> matchPartialRope(Value v, std::string &why);

/// x · rsqrt(mean(x², last axis) + eps) · w with w [n] along the last axis
/// (RMSNorm, in either operand order).
struct RmsNorm {
  Value x, weight;
  double eps = 0.0;
};
FailureOr<RmsNorm> matchRmsNorm(Value v);

/// Layout of `v` through views and multiplications by constants.
struct ScaledLayout {
  Layout layout;
  double scale = 1.0;
};
ScaledLayout traceScaled(Value v);

/// Whether an additive mask value hides its key: -inf, or at most the lowest
/// finite value of the mask's element type (finfo.min).
bool isMaskedScore(double v, Type maskElt);

/// Whether `mask`, broadcast to [.., S, T], is a constant causal mask
/// (bottom-right aligned: query i sees keys j <= i + T - S). Additive: 0 where
/// visible, masked (isMaskedScore) elsewhere; boolean: true where visible.
bool isConstantCausalMask(Value mask, bool isBoolean, int64_t seqQ,
                          int64_t seqKV);

/// The constant a value holds if it is a float scalar or splat.
std::optional<double> getSplatValue(Value v);

} // namespace mlir::qkvtie

#endif // QKVTIE_ANALYSIS_PATTERNS_H
