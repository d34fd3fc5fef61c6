//===- PrivateDestinations.cpp - One destination tensor per use -----------===//
//
// One-Shot Bufferize's conflict analysis compares each write into a buffer
// with the other uses of that buffer. A frontend that shares one
// tensor.empty among all the ops of a model that write a tensor of its shape
// makes that quadratic in the model's size. Cloning the destination per use
// keeps the analysis linear and changes nothing the program computes: an
// empty tensor has no contents, and a fill of one is a constant.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "qkvtie-private-destinations"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIEPRIVATEDESTINATIONS
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;

namespace {

/// A value with no contents of its own: an empty tensor, or a fill of one
/// with a scalar.
bool isClonable(Operation *op) {
  if (auto empty = dyn_cast<tensor::EmptyOp>(op))
    return empty.getType().hasStaticShape();
  if (auto fill = dyn_cast<linalg::FillOp>(op))
    return fill.hasPureTensorSemantics() && fill->getNumResults() == 1 &&
           !isa<ShapedType>(fill.getInputs()[0].getType()) &&
           fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>() &&
           isClonable(fill.getOutputs()[0].getDefiningOp());
  return false;
}

/// A copy of `op` (and of the empty tensor a fill writes) before `at`.
Value cloneBefore(OpBuilder &b, Operation *op, Operation *at) {
  b.setInsertionPoint(at);
  if (auto fill = dyn_cast<linalg::FillOp>(op)) {
    Operation *empty = fill.getOutputs()[0].getDefiningOp();
    IRMapping map;
    map.map(empty->getResult(0), b.clone(*empty)->getResult(0));
    return b.clone(*op, map)->getResult(0);
  }
  return b.clone(*op)->getResult(0);
}

struct PrivateDestinationsPass
    : public qkvtie::impl::QKVTiePrivateDestinationsBase<
          PrivateDestinationsPass> {
  void runOnOperation() override {
    // Fills first: their clones bring their own empty tensors, which leaves
    // fewer uses of the shared one to split.
    SmallVector<Operation *> fills, empties;
    getOperation().walk([&](Operation *op) {
      if (isa<linalg::FillOp>(op) && isClonable(op))
        fills.push_back(op);
      else if (isa<tensor::EmptyOp>(op) && isClonable(op))
        empties.push_back(op);
    });
    OpBuilder b(&getContext());
    int64_t cloned = 0;
    for (ArrayRef<Operation *> ops : {ArrayRef(fills), ArrayRef(empties)}) {
      for (Operation *op : ops) {
        Value result = op->getResult(0);
        // One use keeps the original; each other one gets a clone.
        SmallVector<OpOperand *> uses;
        for (OpOperand &use : result.getUses())
          uses.push_back(&use);
        for (OpOperand *use : llvm::drop_begin(uses)) {
          use->set(cloneBefore(b, op, use->getOwner()));
          ++cloned;
        }
      }
    }
    LLVM_DEBUG(llvm::dbgs()
               << "[" DEBUG_TYPE "] " << cloned << " destination(s) cloned\n");
  }
};

} // namespace
