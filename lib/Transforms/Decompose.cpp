//===- Decompose.cpp - Reference lowering of qkvtie ops to linalg ---------===//
//
// Each qkvtie op that implements linalg's AggregatedOpInterface (attention,
// cache.attend) decomposes itself into linalg on tensors
// (qkvtie/Dialect/QKVTie/Transforms/AggregatedOpInterfaceImpl.h); the cache
// ops and the cache type then become storage tensors.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Conversion/AttentionCommon/LoweringUtils.h"
#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Dialect/QKVTie/Transforms/AggregatedOpInterfaceImpl.h"
#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "qkvtie-decompose"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIEDECOMPOSE
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

/// The decompositions read a cache through a cast to its storage tensor;
/// once the cache is that tensor, the cast is its operand.
struct FoldCacheStorageCast
    : public OpConversionPattern<UnrealizedConversionCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(UnrealizedConversionCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op->getNumOperands() != 1 || op->getNumResults() != 1 ||
        adaptor.getInputs()[0].getType() != op.getResult(0).getType())
      return rewriter.notifyMatchFailure(op, "not a cast of a cache to its "
                                             "storage");
    rewriter.replaceOp(op, adaptor.getInputs()[0]);
    return success();
  }
};

struct DecomposePass : public qkvtie::impl::QKVTieDecomposeBase<DecomposePass> {
  // The decompositions are external models: any context this pass runs in
  // gets them, whoever built it.
  void getDependentDialects(DialectRegistry &registry) const override {
    QKVTieDecomposeBase::getDependentDialects(registry);
    registerAggregatedOpInterfaceExternalModels(registry);
  }

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    SmallVector<linalg::AggregatedOpInterface> aggregated;
    getOperation().walk([&](Operation *op) {
      if (isa<AttentionOp, CacheAttendOp>(op))
        aggregated.push_back(cast<linalg::AggregatedOpInterface>(op));
    });
    IRRewriter rewriter(ctx);
    for (linalg::AggregatedOpInterface op : aggregated) {
      rewriter.setInsertionPoint(op);
      FailureOr<SmallVector<Value>> results = op.decomposeOperation(rewriter);
      // qkvtie's decompositions do not fail (AggregatedOpInterfaceImpl.cpp).
      if (failed(results))
        return signalPassFailure();
      LLVM_DEBUG(llvm::dbgs() << "[" DEBUG_TYPE "] " << op->getName() << " at "
                              << op->getLoc() << " decomposed\n");
      rewriter.replaceOp(op, *results);
    }

    CacheStorageTypeConverter converter;
    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, cf::ControlFlowDialect,
                           linalg::LinalgDialect, math::MathDialect,
                           tensor::TensorDialect>();
    target.addDynamicallyLegalOp<UnrealizedConversionCastOp>(
        [](UnrealizedConversionCastOp op) {
          return !llvm::any_of(op->getOperandTypes(),
                               llvm::IsaPred<KVCacheType>);
        });
    RewritePatternSet patterns(ctx);
    patterns.add<FoldCacheStorageCast>(converter, ctx);
    configureCacheConversion(target, converter, patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
