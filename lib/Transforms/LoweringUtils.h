//===- LoweringUtils.h - IR builders shared by QKVTie lowerings -*- C++ -*-===//

#ifndef QKVTIE_LIB_TRANSFORMS_LOWERINGUTILS_H
#define QKVTIE_LIB_TRANSFORMS_LOWERINGUTILS_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::qkvtie {

/// x [B, L, D] · weight [D, N] + bias [N]: [B·L, N] in `elt`, accumulated in
/// f32 as frameworks do.
Value buildProjection(ImplicitLocOpBuilder &b, Value x, Value weight,
                      Value bias, Type elt);

/// [B·L, H·d] or [B, L, H·d] -> [B, H, L, d].
Value buildSplitHeads(ImplicitLocOpBuilder &b, Value flat, int64_t batch,
                      int64_t heads, int64_t headDim);

/// [B, H, L, d] -> [B, L, H·d], converting elements to `elt`.
Value buildMergeHeads(ImplicitLocOpBuilder &b, Value heads, Type elt);

/// `v` with its elements converted to `elt` (extf or truncf), or `v`.
Value buildConvert(ImplicitLocOpBuilder &b, Value v, Type elt);

} // namespace mlir::qkvtie

#endif // QKVTIE_LIB_TRANSFORMS_LOWERINGUTILS_H
