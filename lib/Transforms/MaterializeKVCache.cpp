//===- MaterializeKVCache.cpp - Prefill and decode functions --------------===//
//
// Model IR computes a whole sequence at once; a server runs a prefill over
// the prompt and then one decode step per generated token. This pass writes
// both for each attention, with the cache as a !qkvtie.kv_cache value.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Support/Debug.h"
#include "qkvtie/Transforms/Passes.h"

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/StringSwitch.h"

#define DEBUG_TYPE "qkvtie-materialize-kv-cache"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIEMATERIALIZEKVCACHE
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

/// Builds a function body that needs values of another function: constants
/// (and pure ops on constants) are cloned, anything else becomes a
/// parameter appended to `params`.
class Capture {
public:
  Capture(OpBuilder &b, Block *entry) : b(b), entry(entry) {}

  Value get(Value v) {
    if (!v)
      return {};
    if (Value m = mapping.lookupOrNull(v))
      return m;
    if (Operation *def = v.getDefiningOp(); def && isClonable(def, 0)) {
      for (Value operand : dependencies(def))
        get(operand);
      Operation *clone = b.clone(*def, mapping);
      return clone->getResult(cast<OpResult>(v).getResultNumber());
    }
    BlockArgument arg = entry->addArgument(v.getType(), v.getLoc());
    mapping.map(v, arg);
    params.push_back(v);
    return arg;
  }

  SmallVector<Value> params;

private:
  /// Operands and values a region uses from above.
  static SmallVector<Value> dependencies(Operation *op) {
    SmallVector<Value> deps(op->getOperands());
    llvm::SetVector<Value> above;
    for (Region &r : op->getRegions())
      getUsedValuesDefinedAbove(r, above);
    deps.append(above.begin(), above.end());
    return deps;
  }

  /// Pure ops whose inputs are all, transitively, such ops: constants and
  /// what is computed from them (transposed weights, slices).
  static bool isClonable(Operation *op, int depth) {
    if (depth > 16 || !isPure(op))
      return false;
    return llvm::all_of(dependencies(op), [&](Value v) {
      Operation *def = v.getDefiningOp();
      return def && isClonable(def, depth + 1);
    });
  }

  OpBuilder &b;
  Block *entry;
  IRMapping mapping;
};

struct MaterializeKVCachePass
    : public qkvtie::impl::QKVTieMaterializeKVCacheBase<
          MaterializeKVCachePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<func::FuncOp, SmallVector<AttentionOp>>> work;
    module.walk([&](func::FuncOp f) {
      SmallVector<AttentionOp> ops;
      f.walk([&](AttentionOp op) { ops.push_back(op); });
      if (!ops.empty())
        work.push_back({f, ops});
    });
    SymbolTable symbols(module);
    for (auto &[f, ops] : work)
      for (auto [i, op] : llvm::enumerate(ops))
        if (failed(materialize(f, op, i, symbols)))
          return signalPassFailure();
  }

  /// Why `op` has no cache form, or success.
  LogicalResult supported(AttentionOp op) {
    auto skip = [&](const Twine &why) {
      QKVTIE_DEBUG(llvm::dbgs() << "[" DEBUG_TYPE "] " << op.getLoc()
                                << ": skipped: " << why << "\n");
      return failure();
    };
    if (op.getQuery() != op.getKeyValue())
      return skip("cross-attention has no decode step");
    if (op.getMaskKind() != MaskKind::none &&
        op.getMaskKind() != MaskKind::causal)
      return skip("the mask is a tensor, not none or causal");
    if (op.getValueHeadDim() != static_cast<int64_t>(op.getHeadDim()))
      return skip("keys and values have different head sizes");
    return success();
  }

  LogicalResult materialize(func::FuncOp f, AttentionOp op, int64_t index,
                            SymbolTable &symbols) {
    if (failed(supported(op)))
      return success();
    if (op.getKeyLength() > capacity) {
      op.emitError("qkvtie-materialize-kv-cache: capacity (")
          << static_cast<int64_t>(capacity) << ") is smaller than the prompt ("
          << op.getKeyLength() << " tokens)";
      return failure();
    }
    TiesAttr ties = op.getTies();
    Type storage = op.getElementType();
    if (!elementType.empty()) {
      Builder builder(op.getContext());
      storage = llvm::StringSwitch<Type>(elementType)
                    .Case("f32", builder.getF32Type())
                    .Case("f16", builder.getF16Type())
                    .Case("bf16", builder.getBF16Type())
                    .Default(Type());
      if (!storage) {
        op.emitError("qkvtie-materialize-kv-cache: element-type must be f32, "
                     "f16 or bf16, got '")
            << elementType << "'";
        return failure();
      }
    }
    auto cacheType = KVCacheType::get(
        op.getContext(), op.getBatchSize(), ties.getNumCacheBuffers(),
        op.getNumKvHeads(), capacity, op.getHeadDim(), storage);
    std::string base = (f.getName() + "_attn" + Twine(index)).str();
    buildPrefill(f, op, cacheType, base + "_prefill", symbols);
    buildDecode(f, op, cacheType, base + "_decode", symbols);
    return success();
  }

  /// Sources of the cache buffers ([B, Hkv, L, d], before RoPE) for input x.
  SmallVector<Value> cacheSources(ImplicitLocOpBuilder &b, AttentionOp op,
                                  Capture &capture, Value x, Type storage) {
    TiesAttr ties = op.getTies();
    SmallVector<int64_t> slots = {ties.getK()};
    if (ties.getV() != ties.getK())
      slots.push_back(ties.getV());
    SmallVector<Value> out;
    for (int64_t slot : slots) {
      Value flat = x;
      if (slot != TiesAttr::kIdentity)
        flat = buildProjection(b, x, capture.get(op.getWeights()[slot]),
                               capture.get(op.getSlotBias(slot)),
                               op.getElementType());
      out.push_back(
          buildConvert(b,
                       buildSplitHeads(b, flat, op.getBatchSize(),
                                       op.getNumKvHeads(), op.getHeadDim()),
                       storage));
    }
    return out;
  }

  func::FuncOp newFunction(func::FuncOp after, StringRef name,
                           ArrayRef<Type> inputs, SymbolTable &symbols) {
    OpBuilder b(after);
    b.setInsertionPointAfter(after);
    auto fn = func::FuncOp::create(b, after.getLoc(), name,
                                   b.getFunctionType(inputs, {}));
    fn.addEntryBlock();
    symbols.insert(fn);
    return fn;
  }

  void finish(func::FuncOp fn, OpBuilder &b, ValueRange results) {
    func::ReturnOp::create(b, fn.getLoc(), results);
    fn.setType(FunctionType::get(fn.getContext(), fn.front().getArgumentTypes(),
                                 TypeRange(results)));
  }

  void buildPrefill(func::FuncOp f, AttentionOp op, KVCacheType cacheType,
                    StringRef name, SymbolTable &symbols) {
    func::FuncOp fn = newFunction(f, name, {op.getQuery().getType()}, symbols);
    Block *entry = &fn.front();
    OpBuilder ob = OpBuilder::atBlockEnd(entry);
    ImplicitLocOpBuilder b(op.getLoc(), ob);
    Capture capture(ob, entry);
    Value x = entry->getArgument(0);
    IRMapping mapping;
    mapping.map(op.getQuery(), x);
    for (Value operand : op->getOperands())
      if (operand != op.getQuery())
        mapping.map(operand, capture.get(operand));
    Operation *layer = ob.clone(*op, mapping);
    Value cache = CacheCreateOp::create(b, cacheType);
    Value zero = arith::ConstantIndexOp::create(b, 0);
    cache = CacheAppendOp::create(
        b, cacheType, cache, zero,
        cacheSources(b, op, capture, x, cacheType.getElementType()));
    finish(fn, ob, {layer->getResult(0), cache});
  }

  void buildDecode(func::FuncOp f, AttentionOp op, KVCacheType cacheType,
                   StringRef name, SymbolTable &symbols) {
    auto xType = cast<RankedTensorType>(op.getQuery().getType());
    auto tokenType = RankedTensorType::get(
        {xType.getDimSize(0), 1, xType.getDimSize(2)}, xType.getElementType());
    Type indexType = IndexType::get(op.getContext());
    func::FuncOp fn =
        newFunction(f, name, {tokenType, indexType, cacheType}, symbols);
    Block *entry = &fn.front();
    OpBuilder ob = OpBuilder::atBlockEnd(entry);
    ImplicitLocOpBuilder b(op.getLoc(), ob);
    Capture capture(ob, entry);
    Value x = entry->getArgument(0), pos = entry->getArgument(1);
    Value cache = entry->getArgument(2);
    Type elt = op.getElementType();
    TiesAttr ties = op.getTies();

    Value q = x;
    if (ties.getQ() != TiesAttr::kIdentity)
      q = buildProjection(b, x, capture.get(op.getWeights()[ties.getQ()]),
                          capture.get(op.getSlotBias(ties.getQ())), elt);
    q = buildSplitHeads(b, q, op.getBatchSize(), op.getNumHeads(),
                        op.getHeadDim());
    cache = CacheAppendOp::create(
        b, cacheType, cache, pos,
        cacheSources(b, op, capture, x, cacheType.getElementType()));
    Value length =
        arith::AddIOp::create(b, pos, arith::ConstantIndexOp::create(b, 1));
    Value cos, sin;
    if (op.getRopeCos()) {
      auto tableType = cast<RankedTensorType>(op.getRopeCos().getType());
      if (tableType.getDimSize(0) >= capacity) {
        cos = capture.get(op.getRopeCos());
        sin = capture.get(op.getRopeSin());
      } else {
        // The model's tables stop at its prompt length: the server passes
        // tables for every position the cache can hold.
        auto full = RankedTensorType::get(
            {capacity, static_cast<int64_t>(op.getHeadDim())},
            tableType.getElementType());
        cos = entry->addArgument(full, op.getLoc());
        sin = entry->addArgument(full, op.getLoc());
      }
    }
    auto qType = cast<RankedTensorType>(q.getType());
    Value o = CacheAttendOp::create(
        b, qType, q, cache, length, cos, sin, ties, op.getNumHeadsAttr(),
        op.getNumKvHeadsAttr(), op.getScaleAttr(), op.getMaskKindAttr());
    o = buildMergeHeads(b, o, elt);
    if (Value wo = op.getOutWeight()) {
      Value p = buildProjection(b, o, capture.get(wo),
                                capture.get(op.getOutBias()), elt);
      auto pType = cast<RankedTensorType>(p.getType());
      o = tensor::ExpandShapeOp::create(
          b,
          RankedTensorType::get({xType.getDimSize(0), 1, pType.getDimSize(1)},
                                elt),
          p, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
    }
    finish(fn, ob, {o, cache});
  }
};

} // namespace
