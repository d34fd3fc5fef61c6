//===- ChecksToStatus.cpp - Run-time checks that report, not abort --------===//
//
// cf.assert lowers to a call of abort(): a token id outside the vocabulary
// would end the server that loaded the model. Here each failed check calls
// a runtime hook with a code, which the caller turns into an error status.
// Execution goes on after the hook, so each read that a check guards is
// clamped into bounds: the results of a failed call are garbage, never an
// out-of-bounds access.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "qkvtie-checks-to-status"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIECHECKSTOSTATUS
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kHook = "qkvtie_rt_check_failed";

struct ChecksToStatusPass
    : public qkvtie::impl::QKVTieChecksToStatusBase<ChecksToStatusPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(module.getContext());

    // Indices into [0, size - 1].
    module.walk([&](tensor::ExtractOp e) {
      auto type = e.getTensor().getType();
      b.setInsertionPoint(e);
      Location loc = e.getLoc();
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      for (unsigned k = 0; k < type.getRank(); ++k) {
        Value i = e.getIndices()[k];
        Value last;
        if (type.isDynamicDim(k))
          last = arith::SubIOp::create(
              b, loc, tensor::DimOp::create(b, loc, e.getTensor(), k),
              arith::ConstantIndexOp::create(b, loc, 1));
        else
          last = arith::ConstantIndexOp::create(b, loc, type.getDimSize(k) - 1);
        Value clamped = arith::MinSIOp::create(
            b, loc, arith::MaxSIOp::create(b, loc, i, zero), last);
        e.getIndicesMutable()[k].set(clamped);
      }
    });

    SmallVector<cf::AssertOp> asserts;
    module.walk([&](cf::AssertOp a) { asserts.push_back(a); });
    if (asserts.empty())
      return;
    // The hook's name is ours: a user symbol of another kind or type would
    // make the calls invalid.
    Operation *existing = module.lookupSymbol(kHook);
    auto hook = dyn_cast_or_null<func::FuncOp>(existing);
    FunctionType hookType = b.getFunctionType({b.getI32Type()}, {});
    if (existing && (!hook || hook.getFunctionType() != hookType)) {
      existing->emitError("qkvtie-checks-to-status: @")
          << kHook << " is the run-time check hook and must be "
          << "'func.func private @" << kHook << "(i32)'";
      return signalPassFailure();
    }
    if (!hook) {
      b.setInsertionPointToStart(module.getBody());
      hook = func::FuncOp::create(b, module.getLoc(), kHook, hookType);
      hook.setPrivate();
    }
    llvm::StringMap<int32_t> codes;
    SmallVector<Attribute> messages;
    for (cf::AssertOp a : asserts) {
      auto [it, inserted] = codes.try_emplace(a.getMsg(), messages.size());
      if (inserted)
        messages.push_back(b.getStringAttr(a.getMsg()));
      b.setInsertionPoint(a);
      Location loc = a.getLoc();
      Value failed = arith::XOrIOp::create(
          b, loc, a.getArg(),
          arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
      auto ifOp = scf::IfOp::create(b, loc, failed, /*withElseRegion=*/false);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value code =
          arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(it->second));
      func::CallOp::create(b, loc, hook, ValueRange{code});
      a.erase();
    }
    module->setAttr(
        qkvtie::QKVTieDialect::CheckMessagesAttrHelper::getNameStr(),
        b.getArrayAttr(messages));
    LLVM_DEBUG(llvm::dbgs() << "[" DEBUG_TYPE "] " << asserts.size()
                            << " check(s) set one of " << messages.size()
                            << " status code(s)\n");
  }
};

} // namespace
