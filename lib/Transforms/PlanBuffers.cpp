//===- PlanBuffers.cpp - One arena for a block's short-lived buffers ------===//
//
// A whole model allocates each intermediate on the heap and frees it after
// its last use. Buffers allocated and freed in one block get offsets in one
// arena instead, planned from their lifetimes (first fit, lowest offset):
// one malloc per call instead of one per intermediate, and glue code that
// does not grow with an allocator call per tensor.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/Support/Debug.h"
#include "llvm/Support/MathExtras.h"

#include <map>

#define DEBUG_TYPE "qkvtie-plan-buffers"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIEPLANBUFFERS
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;

namespace {

constexpr int64_t kAlignment = 64;

struct Planned {
  memref::AllocOp alloc;
  memref::DeallocOp dealloc;
  int64_t bytes = 0, start = 0, end = 0, offset = 0;
};

/// Bytes of a statically shaped, identity-layout memref of a type with a
/// whole number of bytes, or nothing.
std::optional<int64_t> staticBytes(MemRefType t) {
  if (!t.hasStaticShape() || !t.getLayout().isIdentity() ||
      t.getMemorySpace() || !t.getElementType().isIntOrFloat() ||
      t.getElementTypeBitWidth() % 8 != 0)
    return std::nullopt;
  int64_t bytes = t.getElementTypeBitWidth() / 8;
  for (int64_t d : t.getShape())
    if (llvm::MulOverflow(bytes, d, bytes))
      return std::nullopt;
  return bytes;
}

/// The single memref.dealloc of `alloc`'s buffer, in `block`, after every
/// use of the buffer and of its views; null otherwise.
memref::DeallocOp freeInBlock(memref::AllocOp alloc, Block *block) {
  memref::DeallocOp dealloc;
  SmallVector<Operation *> users;
  SmallVector<Value> aliases = {alloc.getResult()};
  while (!aliases.empty()) {
    Value v = aliases.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (auto d = dyn_cast<memref::DeallocOp>(user)) {
        if (dealloc || v != alloc.getResult() || d->getBlock() != block)
          return {};
        dealloc = d;
        continue;
      }
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == v)
        llvm::append_range(aliases, user->getResults());
      users.push_back(user);
    }
  }
  if (!dealloc)
    return {};
  for (Operation *user : users) {
    Operation *at = block->findAncestorOpInBlock(*user);
    if (!at || !at->isBeforeInBlock(dealloc))
      return {};
  }
  return dealloc;
}

struct PlanBuffersPass
    : public qkvtie::impl::QKVTiePlanBuffersBase<PlanBuffersPass> {
  void runOnOperation() override {
    getOperation().walk([&](Block *block) { plan(block); });
  }

  void plan(Block *block) {
    // Positions of the block's ops, for lifetimes.
    DenseMap<Operation *, int64_t> position;
    int64_t n = 0;
    for (Operation &op : *block)
      position[&op] = n++;
    SmallVector<Planned> buffers;
    for (Operation &op : *block) {
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (!alloc || !alloc.getDynamicSizes().empty() ||
          !alloc.getSymbolOperands().empty())
        continue;
      std::optional<int64_t> bytes = staticBytes(alloc.getType());
      if (!bytes || (alloc.getAlignment() &&
                     kAlignment % static_cast<int64_t>(*alloc.getAlignment())))
        continue;
      memref::DeallocOp dealloc = freeInBlock(alloc, block);
      if (!dealloc)
        continue;
      int64_t aligned;
      if (llvm::AddOverflow(*bytes, kAlignment - 1, aligned))
        continue;
      aligned -= aligned % kAlignment;
      buffers.push_back(
          {alloc, dealloc, aligned, position[alloc], position[dealloc], 0});
    }
    if (buffers.size() < 2)
      return;

    // Linear scan in order of allocation: each buffer takes the lowest
    // offset where it fits between the buffers still alive.
    std::multimap<int64_t, const Planned *> liveByEnd;
    std::map<int64_t, int64_t> liveRanges; // offset -> end offset
    int64_t total = 0;
    for (Planned &p : buffers) {
      while (!liveByEnd.empty() && liveByEnd.begin()->first < p.start) {
        liveRanges.erase(liveByEnd.begin()->second->offset);
        liveByEnd.erase(liveByEnd.begin());
      }
      int64_t offset = 0;
      for (auto [from, to] : liveRanges) {
        if (from - offset >= p.bytes)
          break;
        offset = std::max(offset, to);
      }
      int64_t end;
      if (llvm::AddOverflow(offset, p.bytes, end))
        return; // more than the address space: leave the heap to say so
      p.offset = offset;
      liveRanges[offset] = end;
      liveByEnd.emplace(p.end, &p);
      total = std::max(total, end);
    }

    OpBuilder b(&getContext());
    b.setInsertionPoint(buffers.front().alloc);
    Location loc = buffers.front().alloc.getLoc();
    auto arenaType = MemRefType::get({total}, b.getI8Type());
    Value arena = memref::AllocOp::create(b, loc, arenaType, ValueRange{},
                                          b.getI64IntegerAttr(kAlignment));
    for (Planned &p : buffers) {
      b.setInsertionPoint(p.alloc);
      Value offset =
          arith::ConstantIndexOp::create(b, p.alloc.getLoc(), p.offset);
      Value view = memref::ViewOp::create(
          b, p.alloc.getLoc(), p.alloc.getType(), arena, offset, ValueRange{});
      p.alloc.replaceAllUsesWith(view);
      p.alloc.erase();
      p.dealloc.erase();
    }
    b.setInsertionPoint(block->getTerminator());
    memref::DeallocOp::create(b, loc, arena);
    int64_t sum = 0;
    for (const Planned &p : buffers)
      sum += p.bytes;
    LLVM_DEBUG(llvm::dbgs()
               << "[" DEBUG_TYPE "] " << buffers.size() << " buffer(s) of "
               << sum << " bytes in an arena of " << total << " bytes\n");
  }
};

} // namespace
