//===- Passes.h - QKVTie conversion passes ----------------------*- C++ -*-===//

#ifndef QKVTIE_CONVERSION_PASSES_H
#define QKVTIE_CONVERSION_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qkvtie {

/// Widest vector of the CPU kernels, in f32 lanes.
enum class VectorWidth : int64_t {
  Scalar = 1,
  Two = 2,
  SSE = 4,
  AVX2 = 8,
  AVX512 = 16
};

#define GEN_PASS_DECL
#include "qkvtie/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qkvtie/Conversion/Passes.h.inc"

} // namespace mlir::qkvtie

#endif // QKVTIE_CONVERSION_PASSES_H
