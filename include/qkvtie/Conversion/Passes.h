//===- Passes.h - QKVTie conversion passes ----------------------*- C++ -*-===//

#ifndef QKVTIE_CONVERSION_PASSES_H
#define QKVTIE_CONVERSION_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/CommandLine.h"

namespace mlir::qkvtie {

/// Widest vector of the CPU kernels, in f32 lanes.
enum class VectorWidth : int64_t {
  Scalar = 1,
  Two = 2,
  SSE = 4,
  AVX2 = 8,
  AVX512 = 16
};

/// The values of a VectorWidth option, spelled as their lane counts.
inline llvm::cl::ValuesClass vectorWidthValues() {
  return llvm::cl::values(
      clEnumValN(VectorWidth::Scalar, "1", "scalar"),
      clEnumValN(VectorWidth::Two, "2", "2 f32 lanes"),
      clEnumValN(VectorWidth::SSE, "4", "4 f32 lanes (SSE, NEON)"),
      clEnumValN(VectorWidth::AVX2, "8", "8 f32 lanes (AVX2)"),
      clEnumValN(VectorWidth::AVX512, "16", "16 f32 lanes (AVX-512)"));
}

#define GEN_PASS_DECL
#include "qkvtie/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qkvtie/Conversion/Passes.h.inc"

} // namespace mlir::qkvtie

#endif // QKVTIE_CONVERSION_PASSES_H
