//===- ConvertQKVTieToCPUPass.cpp - qkvtie-lower-cpu ----------------------===//

#include "qkvtie/Conversion/AttentionCommon/LoweringUtils.h"
#include "qkvtie/Conversion/Passes.h"
#include "qkvtie/Conversion/QKVTieToCPU/QKVTieToCPU.h"
#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIELOWERCPU
#include "qkvtie/Conversion/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

struct LowerCPUPass : public qkvtie::impl::QKVTieLowerCPUBase<LowerCPUPass> {
  using QKVTieLowerCPUBase::QKVTieLowerCPUBase;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    CacheStorageTypeConverter converter;
    ConversionTarget target(*ctx);
    addFusedLoweringLegalDialects(target);
    target.addDynamicallyLegalOp<linalg::MatmulOp>(
        [](linalg::MatmulOp op) { return !isFusedMatmul(op); });
    RewritePatternSet patterns(ctx);
    populateQKVTieToCPUConversionPatterns(
        converter, patterns, static_cast<int64_t>(vectorWidth.getValue()));
    configureCacheConversion(target, converter, patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      return signalPassFailure();
    // exp as an inlined polynomial (vectorised where the kernel's exp is a
    // vector) instead of a libm call per element.
    RewritePatternSet approx(ctx);
    populateMathPolynomialApproximationPatterns(approx, [](StringRef name) {
      return name == "exp" || name == "math.exp";
    });
    FrozenRewritePatternSet frozen(std::move(approx));
    for (auto fn : getOperation().getOps<func::FuncOp>())
      if (fn->hasAttr(QKVTieDialect::KernelAttrHelper::getNameStr()) &&
          failed(applyPatternsGreedily(fn, frozen)))
        return signalPassFailure();
  }
};

} // namespace
