//===- QKVTieToCPU.h - qkvtie ops to fused CPU kernels ----------*- C++ -*-===//

#ifndef QKVTIE_CONVERSION_QKVTIETOCPU_QKVTIETOCPU_H
#define QKVTIE_CONVERSION_QKVTIETOCPU_QKVTIETOCPU_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::qkvtie {

/// Patterns that replace qkvtie.attention and qkvtie.cache.attend with calls
/// of fused CPU kernels, and static linalg.matmul accumulating in f32 with a
/// call of a GEMM kernel; the kernels are private functions of the module,
/// vectorised up to `vectorWidth` f32 lanes. The cache ops and types are
/// configureCacheConversion's.
void populateQKVTieToCPUConversionPatterns(TypeConverter &converter,
                                           RewritePatternSet &patterns,
                                           int64_t vectorWidth);

/// Whether those patterns turn `op` into a GEMM kernel call (a static,
/// default-map float matmul accumulating in f32).
bool isFusedMatmul(linalg::MatmulOp op);

} // namespace mlir::qkvtie

#endif // QKVTIE_CONVERSION_QKVTIETOCPU_QKVTIETOCPU_H
