//===- ReturnArgumentsInPlace.cpp - Return updated arguments, not clones --===//
//
// A decode step updates its KV-cache argument in place (one-shot
// bufferization writes into writable arguments) and returns it. Buffer
// deallocation then returns a clone, so that the caller owns the result: a
// copy of the whole cache every step, which would read every cached row
// twice more. This pass returns the argument itself; callers must not free
// a result whose buffer is one of their arguments (the Python runtime and
// qkvtie-compile's C ABI check this).
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "qkvtie-return-arguments-in-place"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIERETURNARGUMENTSINPLACE
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;

namespace {

/// Whether nothing between `from` and `to` (one block) may write memory.
bool noWritesBetween(Operation *from, Operation *to) {
  for (Operation *op = from->getNextNode(); op && op != to;
       op = op->getNextNode()) {
    if (isa<bufferization::CloneOp>(op) || isMemoryEffectFree(op))
      continue;
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects || effects.hasEffect<MemoryEffects::Write>()) {
      // Deallocations of other buffers are fine; anything else is not.
      if (isa<bufferization::DeallocOp>(op))
        continue;
      LLVM_DEBUG(llvm::dbgs() << "write before return: " << *op << "\n");
      return false;
    }
  }
  return true;
}

struct ReturnArgumentsInPlacePass
    : public qkvtie::impl::QKVTieReturnArgumentsInPlaceBase<
          ReturnArgumentsInPlacePass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (fn.isExternal() || fn.isPrivate())
      return;
    fn.walk([&](func::ReturnOp ret) {
      for (OpOperand &operand : ret->getOpOperands()) {
        auto clone = operand.get().getDefiningOp<bufferization::CloneOp>();
        if (!clone || !clone->hasOneUse() ||
            clone->getBlock() != ret->getBlock())
          continue;
        auto arg = dyn_cast<BlockArgument>(clone.getInput());
        if (!arg || arg.getOwner() != &fn.getBody().front() ||
            clone.getInput().getType() != clone.getType() ||
            !noWritesBetween(clone, ret))
          continue;
        operand.set(arg);
        clone->erase();
      }
    });
  }
};

} // namespace
