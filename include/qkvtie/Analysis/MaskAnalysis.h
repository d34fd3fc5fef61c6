//===- MaskAnalysis.h - Prove what an attention mask computes ---*- C++ -*-===//
//
// Frontends build causal masks in the graph: from position iotas and the
// model's attention_mask argument (transformers), from `is_causal` (torch's
// SDPA decomposition), or from a constant tril buffer. Spellings differ; what
// they compute does not. The analysis evaluates the mask expression point by
// point: a linalg op's value at an index is its body evaluated at the loop
// indices that index names, so iotas extend past the export's sequence
// length and the mask can be checked at positions the export never had.
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_ANALYSIS_MASKANALYSIS_H
#define QKVTIE_ANALYSIS_MASKANALYSIS_H

#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace mlir::qkvtie {

/// A mask proven causal: key j is visible from query i iff j <= i + T - S.
struct MaskProof {
  /// Entry-block arguments the mask reads (an attention_mask). The proof
  /// holds when every element of each is one: no padding.
  SmallVector<unsigned> arguments;
  /// Whether every read of those arguments was at the key of the point
  /// evaluated, so that they are key padding.
  bool keyPadding = true;
  /// Positions checked along each sequence axis: past the export's when the
  /// mask is computed from iotas, the export's own when it reads a constant.
  int64_t extent = 0;
  bool fromConstant = false;
};

/// Proves that `mask`, which broadcasts to [batch, heads, seqQ, seqKV] (f32
/// values added to the scores, or i1 with true = attend), is causal when
/// the entry-block arguments `padding` are all ones; the mask must read no
/// other argument. Additive masks must hold exactly 0
/// where visible and -inf or their type's lowest finite value elsewhere. On
/// failure `why` says which op or point defeated the proof.
FailureOr<MaskProof> proveCausalMask(Value mask, bool boolean, int64_t batch,
                                     int64_t heads, int64_t seqQ, int64_t seqKV,
                                     ArrayRef<unsigned> padding,
                                     std::string &why);

} // namespace mlir::qkvtie

#endif // QKVTIE_ANALYSIS_MASKANALYSIS_H
