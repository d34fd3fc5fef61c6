//===- QKVTieToGPU.h - qkvtie attention to fused GPU kernels ----*- C++ -*-===//

#ifndef QKVTIE_CONVERSION_QKVTIETOGPU_QKVTIETOGPU_H
#define QKVTIE_CONVERSION_QKVTIETOGPU_QKVTIETOGPU_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::qkvtie {

/// Patterns that replace qkvtie.attention and qkvtie.cache.attend with calls
/// of kernel functions that copy their operands to the device and launch
/// kernels of the module's `qkvtie_gpu` gpu.module. Projections stay
/// linalg.matmul. The cache ops and types are configureCacheConversion's.
void populateQKVTieToGPUConversionPatterns(TypeConverter &converter,
                                           RewritePatternSet &patterns);

/// Emits an error at `op` and fails if it is a qkvtie attention the GPU
/// kernels cannot run (QK-norm, partial rotary, head dimensions their lane
/// layout cannot split).
LogicalResult checkQKVTieToGPUSupport(Operation *op);

} // namespace mlir::qkvtie

#endif // QKVTIE_CONVERSION_QKVTIETOGPU_QKVTIETOGPU_H
