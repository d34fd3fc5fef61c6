//===- Passes.h - QKVTie passes ---------------------------------*- C++ -*-===//

#ifndef QKVTIE_TRANSFORMS_PASSES_H
#define QKVTIE_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qkvtie {

#define GEN_PASS_DECL
#include "qkvtie/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qkvtie/Transforms/Passes.h.inc"

} // namespace mlir::qkvtie

#endif // QKVTIE_TRANSFORMS_PASSES_H
