//===- ConvertQKVTieToGPUPass.cpp - qkvtie-lower-gpu ----------------------===//

#include "qkvtie/Conversion/AttentionCommon/LoweringUtils.h"
#include "qkvtie/Conversion/Passes.h"
#include "qkvtie/Conversion/QKVTieToGPU/QKVTieToGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIELOWERGPU
#include "qkvtie/Conversion/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

struct LowerGPUPass : public qkvtie::impl::QKVTieLowerGPUBase<LowerGPUPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ModuleOp module = getOperation();
    WalkResult supported = module.walk([](Operation *op) {
      return failed(checkQKVTieToGPUSupport(op)) ? WalkResult::interrupt()
                                                 : WalkResult::advance();
    });
    if (supported.wasInterrupted())
      return signalPassFailure();
    CacheStorageTypeConverter converter;
    ConversionTarget target(*ctx);
    addFusedLoweringLegalDialects(target);
    target.addLegalDialect<gpu::GPUDialect>();
    RewritePatternSet patterns(ctx);
    populateQKVTieToGPUConversionPatterns(converter, patterns);
    configureCacheConversion(target, converter, patterns);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
