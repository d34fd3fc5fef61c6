//===- FreeAtLastUse.cpp - Free block-local buffers after their last use --===//
//
// Ownership-based deallocation frees at the end of the allocating block; in
// a function that is one long block (a whole model) that keeps every
// activation alive to the end and makes one dealloc op with every buffer of
// the model, which the simplification compares pairwise. Buffers whose
// aliases never leave the block are freed after their last use instead.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "qkvtie-free-at-last-use"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIEFREEATLASTUSE
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;

namespace {

/// The allocation `v` is the base buffer of (through extract_strided_metadata,
/// as ownership-based deallocation names it), or null.
memref::AllocOp allocationOf(Value v) {
  if (auto meta = v.getDefiningOp<memref::ExtractStridedMetadataOp>())
    v = meta.getSource();
  return v.getDefiningOp<memref::AllocOp>();
}

/// The op of `block` after which nothing uses `alloc` or a view of it, or
/// null when an alias may outlive the block (returned, yielded, retained,
/// freed, or passed to an op that may make a new alias of it).
Operation *lastUseInBlock(memref::AllocOp alloc, Block *block,
                          bufferization::DeallocOp dealloc) {
  Operation *last = alloc;
  SmallVector<Value> aliases = {alloc.getResult()};
  DenseSet<Value> retained(dealloc.getRetained().begin(),
                           dealloc.getRetained().end());
  while (!aliases.empty()) {
    Value v = aliases.pop_back_val();
    if (retained.contains(v))
      return nullptr;
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (user == dealloc)
        continue;
      // The metadata's base buffer serves the dealloc op only.
      if (auto meta = dyn_cast<memref::ExtractStridedMetadataOp>(user)) {
        if (!llvm::all_of(meta.getBaseBuffer().getUsers(),
                          [&](Operation *u) { return u == dealloc; }))
          return nullptr;
        continue;
      }
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == v) {
        llvm::append_range(aliases, user->getResults());
      } else if (user->hasTrait<OpTrait::IsTerminator>() ||
                 llvm::any_of(user->getResultTypes(),
                              llvm::IsaPred<BaseMemRefType>)) {
        // Returned, yielded or branched to another block, or possibly
        // aliased by a result.
        return nullptr;
      } else if (auto effects = dyn_cast<MemoryEffectOpInterface>(user)) {
        if (effects.getEffectOnValue<MemoryEffects::Free>(v))
          return nullptr;
      }
      Operation *at = block->findAncestorOpInBlock(*user);
      if (!at)
        return nullptr;
      if (last->isBeforeInBlock(at))
        last = at;
    }
  }
  return last->isBeforeInBlock(dealloc) ? last : nullptr;
}

struct FreeAtLastUsePass
    : public qkvtie::impl::QKVTieFreeAtLastUseBase<FreeAtLastUsePass> {
  void runOnOperation() override {
    SmallVector<bufferization::DeallocOp> deallocs;
    getOperation().walk(
        [&](bufferization::DeallocOp op) { deallocs.push_back(op); });
    OpBuilder b(&getContext());
    int64_t moved = 0;
    for (bufferization::DeallocOp dealloc : deallocs) {
      Block *block = dealloc->getBlock();
      SmallVector<Value> memrefs, conditions;
      for (auto [memref, cond] :
           llvm::zip_equal(dealloc.getMemrefs(), dealloc.getConditions())) {
        memref::AllocOp alloc = allocationOf(memref);
        Operation *last = nullptr;
        if (alloc && alloc->getBlock() == block && matchPattern(cond, m_One()))
          last = lastUseInBlock(alloc, block, dealloc);
        if (!last) {
          memrefs.push_back(memref);
          conditions.push_back(cond);
          continue;
        }
        b.setInsertionPointAfter(last);
        memref::DeallocOp::create(b, alloc.getLoc(), alloc.getResult());
        ++moved;
      }
      if (memrefs.size() == dealloc.getMemrefs().size())
        continue;
      dealloc.getMemrefsMutable().assign(memrefs);
      dealloc.getConditionsMutable().assign(conditions);
    }
    LLVM_DEBUG(llvm::dbgs()
               << "[" DEBUG_TYPE "] " << getOperation().getName() << ": "
               << moved << " buffer(s) freed at their last use\n");
  }
};

} // namespace
