//===- OutlineLinalg.cpp - One function per distinct linalg op ------------===//
//
// LLVM optimises a function with thousands of loop nests in time that grows
// faster than the function. A model's elementwise ops repeat per layer with
// other buffers; outlined, they become one small function each, called once
// per layer.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Transforms/Passes.h"

#include "qkvtie/Conversion/AttentionCommon/LoweringUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/raw_ostream.h"

#define DEBUG_TYPE "qkvtie-outline-linalg"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIEOUTLINELINALG
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;

namespace {

/// The op's text with its operands as the function's arguments: ops that
/// compute the same thing on other buffers print the same.
std::string bodyKey(func::FuncOp fn) {
  std::string key;
  llvm::raw_string_ostream os(key);
  os << fn.getFunctionType();
  OpPrintingFlags flags;
  flags.printGenericOpForm().useLocalScope().elideLargeElementsAttrs(0);
  for (Operation &op : fn.getBody().front())
    op.print(os, flags);
  return key;
}

struct OutlineLinalgPass
    : public qkvtie::impl::QKVTieOutlineLinalgBase<OutlineLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> ops;
    for (auto fn : module.getOps<func::FuncOp>()) {
      // Kernels hold no linalg ops; outlined functions are not revisited.
      if (fn.isExternal() ||
          fn->hasAttr(qkvtie::QKVTieDialect::KernelAttrHelper::getNameStr()))
        continue;
      fn.walk([&](linalg::LinalgOp op) {
        if (op.hasPureBufferSemantics())
          ops.push_back(op);
      });
    }
    SymbolTable symbols(module);
    OpBuilder b(&getContext());
    llvm::StringMap<func::FuncOp> byKey;
    int64_t made = 0;
    for (Operation *op : ops) {
      // Arguments: the op's operands, then values its body reads from
      // outside that are not constants (constants are cloned inside).
      SmallVector<Value> args(op->getOperands());
      SetVector<Value> above;
      getUsedValuesDefinedAbove(op->getRegions(), above);
      SmallVector<Operation *> constants;
      for (Value v : above) {
        Operation *def = v.getDefiningOp();
        if (def && def->getNumResults() == 1 && def->getNumOperands() == 0 &&
            matchPattern(v, m_Constant()))
          constants.push_back(def);
        else if (!llvm::is_contained(args, v))
          args.push_back(v);
      }
      SmallVector<Type> types =
          llvm::map_to_vector(args, [](Value v) { return v.getType(); });

      b.setInsertionPointToEnd(module.getBody());
      auto fn = func::FuncOp::create(b, op->getLoc(), "__qkvtie_linalg",
                                     b.getFunctionType(types, {}));
      fn.setPrivate();
      Block *entry = fn.addEntryBlock();
      b.setInsertionPointToStart(entry);
      IRMapping map;
      for (auto [v, arg] : llvm::zip_equal(args, entry->getArguments()))
        map.map(v, arg);
      for (Operation *c : constants)
        b.clone(*c, map);
      b.clone(*op, map);
      func::ReturnOp::create(b, op->getLoc());

      std::string key = bodyKey(fn);
      auto [it, isNew] = byKey.try_emplace(key, fn);
      if (isNew) {
        qkvtie::markShared(fn);
        symbols.insert(fn);
        ++made;
      } else {
        fn.erase();
      }
      b.setInsertionPoint(op);
      func::CallOp::create(b, op->getLoc(), it->second, args);
      op->erase();
    }
    LLVM_DEBUG(llvm::dbgs()
               << "[" DEBUG_TYPE "] " << ops.size()
               << " linalg op(s) outlined into " << made << " function(s)\n");
  }
};

} // namespace
