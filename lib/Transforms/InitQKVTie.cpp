//===- InitQKVTie.cpp - Register the QKVTie dialect and passes ------------===//

#include "qkvtie/InitQKVTie.h"

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"

void mlir::qkvtie::registerQKVTieDialects(DialectRegistry &registry) {
  registry.insert<QKVTieDialect, func::FuncDialect, tensor::TensorDialect>();
}

void mlir::qkvtie::registerQKVTiePasses() { registerQKVTieTransformsPasses(); }
