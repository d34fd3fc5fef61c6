//===- SplitBlocksAtLoops.cpp - A block per structured control-flow op ----===//
//
// SCF-to-CF splits a block after each loop it lowers, moving the rest of the
// block; in a long block that is quadratic. Splitting from the back first
// moves each op once.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "qkvtie-split-blocks-at-loops"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIESPLITBLOCKSATLOOPS
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;

namespace {

struct SplitBlocksAtLoopsPass
    : public qkvtie::impl::QKVTieSplitBlocksAtLoopsBase<
          SplitBlocksAtLoopsPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    OpBuilder b(&getContext());
    int64_t splits = 0;
    // Blocks made here come after `block` and need no visit: they start
    // where a split was made and hold no further loop.
    SmallVector<Block *> blocks =
        llvm::map_to_vector(fn.getBody(), [](Block &block) { return &block; });
    for (Block *block : blocks) {
      if (block->empty())
        continue;
      Operation *next = &block->back();
      for (Operation *op = next->getPrevNode(); op;) {
        Operation *prev = op->getPrevNode();
        bool lowersToCFG = op->getDialect() &&
                           isa<scf::SCFDialect>(op->getDialect()) &&
                           op->getNumRegions() > 0;
        // A loop right before the terminator is already where the lowering
        // wants it.
        if (lowersToCFG && op->getNextNode() != &block->back()) {
          Block *rest = block->splitBlock(op->getNextNode());
          b.setInsertionPointToEnd(block);
          cf::BranchOp::create(b, op->getLoc(), rest);
          ++splits;
        }
        op = prev;
      }
    }
    LLVM_DEBUG(llvm::dbgs() << "[" DEBUG_TYPE "] " << fn.getName() << ": "
                            << splits << " block(s) split\n");
  }
};

} // namespace
