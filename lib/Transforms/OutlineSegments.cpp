//===- OutlineSegments.cpp - Long blocks into functions of bounded size ---===//
//
// Some LLVM passes are superlinear in the length of a block. A model's
// function is one block whose length grows with the layers; cutting it
// into calls of bounded functions keeps the compile linear in the model.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "qkvtie-outline-segments"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIEOUTLINESEGMENTS
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;

namespace {

/// Ops a segment makes itself rather than take their results as arguments:
/// constants, globals and views, all without effects. They stay in the
/// long block too, for whatever else uses them.
bool isCheap(Operation *op) {
  if (op->getNumRegions() != 0 || op->getNumResults() != 1 ||
      !isMemoryEffectFree(op))
    return false;
  if (op->getNumOperands() == 0)
    return isa<memref::GetGlobalOp>(op) ||
           matchPattern(op->getResult(0), m_Constant());
  return isa<ViewLikeOpInterface>(op);
}

struct OutlineSegmentsPass
    : public qkvtie::impl::QKVTieOutlineSegmentsBase<OutlineSegmentsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (opsPerSegment < 1) {
      getOperation().emitError()
          << "qkvtie-outline-segments: ops-per-segment must be positive, "
             "not "
          << static_cast<int64_t>(opsPerSegment);
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> fns;
    for (auto fn : module.getOps<func::FuncOp>())
      if (!fn.isExternal() &&
          !fn->hasAttr(qkvtie::QKVTieDialect::KernelAttrHelper::getNameStr()))
        fns.push_back(fn);
    int64_t made = 0;
    for (func::FuncOp fn : fns)
      for (Block &block : fn.getBody())
        made += cut(fn, block, symbols);
    LLVM_DEBUG(llvm::dbgs()
               << "[" DEBUG_TYPE "] " << made << " segment function(s)\n");
  }

  /// Cuts `block` of `fn` into segments; returns how many.
  int64_t cut(func::FuncOp fn, Block &block, SymbolTable &symbols) {
    SmallVector<Operation *> work;
    for (Operation &op : block.without_terminator())
      if (!isCheap(&op))
        work.push_back(&op);
    if (static_cast<int64_t>(work.size()) <= opsPerSegment)
      return 0;
    OpBuilder b(&getContext());
    int64_t count = 0;
    for (size_t i = 0; i < work.size(); i += opsPerSegment) {
      ArrayRef<Operation *> ops = ArrayRef(work).slice(
          i, std::min<size_t>(opsPerSegment, work.size() - i));
      outline(fn, ops, symbols, b);
      ++count;
    }
    // Cheap ops whose every user moved into a segment.
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
      if (isCheap(&op) && op.use_empty())
        op.erase();
    return count;
  }

  void outline(func::FuncOp fn, ArrayRef<Operation *> ops, SymbolTable &symbols,
               OpBuilder &b) {
    DenseSet<Operation *> inSegment(ops.begin(), ops.end());
    auto inside = [&](Operation *op) {
      for (; op; op = op->getParentOp())
        if (inSegment.contains(op))
          return true;
      return false;
    };
    // Arguments: values from before the segment; cheap ops are cloned in
    // instead, with what they read, in order.
    SetVector<Value> inputs;
    SetVector<Operation *> cloned;
    std::function<void(Value)> take = [&](Value v) {
      Operation *def = v.getDefiningOp();
      if (def && inside(def))
        return;
      if (auto arg = dyn_cast<BlockArgument>(v);
          arg && inside(arg.getOwner()->getParentOp()))
        return;
      if (def && isCheap(def)) {
        if (cloned.contains(def))
          return;
        for (Value operand : def->getOperands())
          take(operand);
        cloned.insert(def);
        return;
      }
      inputs.insert(v);
    };
    for (Operation *op : ops)
      op->walk([&](Operation *nested) {
        for (Value v : nested->getOperands())
          take(v);
      });
    // Results: values of the segment used after it.
    SmallVector<Value> outputs;
    for (Operation *op : ops)
      for (Value r : op->getResults())
        if (llvm::any_of(r.getUsers(),
                         [&](Operation *user) { return !inside(user); }))
          outputs.push_back(r);

    auto types = [](auto values) {
      return llvm::map_to_vector(values, [](Value v) { return v.getType(); });
    };
    b.setInsertionPoint(fn);
    Location loc = ops.front()->getLoc();
    auto segment = func::FuncOp::create(
        b, loc, (fn.getName() + "_segment").str(),
        b.getFunctionType(types(inputs.getArrayRef()), types(outputs)));
    segment.setPrivate();
    // Inlined back, the segments would rebuild the long block.
    segment->setAttr("passthrough",
                     b.getArrayAttr({b.getStringAttr("noinline")}));
    symbols.insert(segment);
    Block *entry = segment.addEntryBlock();
    b.setInsertionPointToStart(entry);
    IRMapping map;
    for (auto [v, arg] : llvm::zip_equal(inputs, entry->getArguments()))
      map.map(v, arg);
    // Cheap ops go in right before their first user: one may read what an
    // earlier op of the segment made (a view of a buffer it allocates).
    std::function<void(Value)> materialize = [&](Value v) {
      Operation *def = v.getDefiningOp();
      if (!def || !cloned.contains(def) || map.contains(v))
        return;
      for (Value operand : def->getOperands())
        materialize(operand);
      b.clone(*def, map);
    };
    for (Operation *op : ops) {
      op->walk([&](Operation *nested) {
        for (Value v : nested->getOperands())
          materialize(v);
      });
      b.clone(*op, map);
    }
    func::ReturnOp::create(b, loc, llvm::map_to_vector(outputs, [&](Value v) {
                             return map.lookup(v);
                           }));

    b.setInsertionPoint(ops.front());
    auto call = func::CallOp::create(b, loc, segment, inputs.getArrayRef());
    for (auto [v, r] : llvm::zip_equal(outputs, call.getResults()))
      v.replaceUsesWithIf(
          r, [&](OpOperand &use) { return !inside(use.getOwner()); });
    for (Operation *op : llvm::reverse(ops))
      op->erase();
  }
};

} // namespace
