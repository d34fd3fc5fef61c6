//===- MaterializeKVCache.cpp - Prefill and decode steps of a function ----===//
//
// Model IR computes a whole sequence at once; a generation loop runs a
// prefill over the prompt and then one decode step per new token. This pass
// writes both for a whole function, with one !qkvtie.kv_cache per attention
// as an argument and a result. TokenAnalysis says which dimensions run over
// tokens; TokenSpecializer clones the function for n new tokens at a
// run-time position; each attention becomes a cache append and a cache
// attend, so each projection is computed once, for the new tokens only.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Analysis/MaskAnalysis.h"
#include "qkvtie/Analysis/TokenAnalysis.h"
#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Transforms/Passes.h"
#include "llvm/Support/Debug.h"

#include "qkvtie/Conversion/AttentionCommon/LoweringUtils.h"

#include "mlir/Conversion/TosaToArith/TosaToArith.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Conversion/TosaToTensor/TosaToTensor.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/Transforms/Passes.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/CSE.h"
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

/// What @f_prepare computes once and the steps take: the distinct RoPE
/// tables for every position (cos0, sin0, cos1, ...), then token-independent
/// values the steps would otherwise recompute on every call (weights
/// transposed or packed for the GEMMs).
struct Prepared {
  SmallVector<Value> tables, hoisted;
  int64_t tableIndex(Value v) const {
    auto it = llvm::find(tables, v);
    return it == tables.end() ? -1 : it - tables.begin();
  }
  bool empty() const { return tables.empty() && hoisted.empty(); }
};

/// Values an op reads: operands and what its regions use from above.
SmallVector<Value> readsOf(Operation *op) {
  SmallVector<Value> deps(op->getOperands());
  llvm::SetVector<Value> above;
  for (Region &r : op->getRegions())
    getUsedValuesDefinedAbove(r, above);
  deps.append(above.begin(), above.end());
  return deps;
}

/// A constant, an argument, or a view of one: nothing to hoist.
bool isFree(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def || isa<arith::ConstantOp, tensor::EmptyOp>(def))
    return true;
  if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::CastOp>(def))
    return isFree(def->getOperand(0));
  return false;
}

/// Results of ops that read only constants and the parameters (not tokens,
/// not positions) and that steps read: computed once by @f_prepare.
SmallVector<Value> findHoisted(func::FuncOp f, const TokenAnalysis &ta) {
  DenseSet<Value> invariant;
  for (auto [i, kind] : llvm::enumerate(ta.getArgKinds()))
    if (kind == TokenAnalysis::ArgKind::Param)
      invariant.insert(f.getArgument(i));
  DenseSet<Operation *> invariantOps;
  for (Operation *op : ta.getOps()) {
    if (isa<AttentionOp>(op) || op->getNumResults() == 0 ||
        op->getNumRegions() > 1 || !isMemoryEffectFree(op))
      continue;
    bool tokens = llvm::any_of(op->getResults(), [&](Value r) {
      auto t = dyn_cast<RankedTensorType>(r.getType());
      if (!t)
        return false;
      for (unsigned k = 0; k < t.getRank(); ++k)
        if (ta.isToken(r, k))
          return true;
      return false;
    });
    if (tokens || !llvm::all_of(readsOf(op),
                                [&](Value v) { return invariant.contains(v); }))
      continue;
    invariantOps.insert(op);
    invariant.insert(op->result_begin(), op->result_end());
  }
  llvm::SetVector<Value> hoisted;
  for (Operation *op : ta.getOps()) {
    if (invariantOps.contains(op))
      continue;
    for (Value v : readsOf(op))
      if (isa<RankedTensorType>(v.getType()) && v.getDefiningOp() &&
          invariantOps.contains(v.getDefiningOp()) && !isFree(v))
        hoisted.insert(v);
  }
  return hoisted.takeVector();
}

void eraseDeadOps(func::FuncOp fn) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (Operation &op :
         llvm::make_early_inc_range(llvm::reverse(fn.getBody().front())))
      if (isOpTriviallyDead(&op)) {
        op.erase();
        changed = true;
      }
  }
}

struct MaterializeKVCachePass
    : public qkvtie::impl::QKVTieMaterializeKVCacheBase<
          MaterializeKVCachePass> {
  using Base::Base;

  /// The token analysis reads linalg; TOSA around the attentions is lowered
  /// to it first, as the LLVM pipeline would.
  static OpPassManager tosaToLinalg() {
    OpPassManager pm(func::FuncOp::getOperationName());
    pm.addPass(tosa::createTosaOptionalDecompositionsPass());
    pm.addPass(tosa::createTosaMakeBroadcastablePass());
    pm.addPass(tosa::createTosaToLinalgNamed());
    pm.addPass(tosa::createTosaToLinalg());
    pm.addPass(createTosaToTensorPass());
    pm.addPass(createTosaToArithPass());
    return pm;
  }

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    tosaToLinalg().getDependentDialects(registry);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (capacity <= 0 || prefillTokens <= 0) {
      module.emitError("qkvtie-materialize-kv-cache: capacity and "
                       "prefill-tokens must be positive");
      return signalPassFailure();
    }
    SmallVector<func::FuncOp> work;
    for (auto f : module.getOps<func::FuncOp>())
      if (!f.isExternal() && f.isPublic() &&
          llvm::any_of(f.getBody().front(), llvm::IsaPred<AttentionOp>))
        work.push_back(f);
    OpPassManager tosa = tosaToLinalg();
    for (func::FuncOp f : work) {
      bool hasTosa =
          f.walk([](Operation *op) {
             return op->getDialect() &&
                            op->getDialect()->getNamespace() == "tosa"
                        ? WalkResult::interrupt()
                        : WalkResult::advance();
           }).wasInterrupted();
      if (hasTosa && failed(runPipeline(tosa, f)))
        return signalPassFailure();
    }
    SymbolTable symbols(module);
    for (func::FuncOp f : work)
      if (failed(materialize(f, symbols)))
        return signalPassFailure();
  }

  FailureOr<Type> storageType(AttentionOp op) {
    if (elementType.empty())
      return op.getElementType();
    Builder b(op.getContext());
    Type t = llvm::StringSwitch<Type>(elementType)
                 .Case("f32", b.getF32Type())
                 .Case("f16", b.getF16Type())
                 .Case("bf16", b.getBF16Type())
                 .Default(Type());
    if (!t)
      return op.emitError("qkvtie-materialize-kv-cache: element-type must be "
                          "f32, f16 or bf16, got '")
             << elementType << "'";
    // The model's type, f32, or a narrower type of an f32 model: f16 and
    // bf16 cannot hold each other's values.
    Type model = op.getElementType();
    if (t != model && !t.isF32() && !model.isF32())
      return op.emitError("qkvtie-materialize-kv-cache: a ")
             << t << " cache cannot hold the keys of a " << model
             << " model; use " << model << " or f32";
    return t;
  }

  /// Why attention `a` has no cache form, or success.
  LogicalResult supported(AttentionOp a, const TokenAnalysis &ta,
                          std::string &why) {
    if (a.getQuery() != a.getKeyValue() || a.getValue()) {
      why = "cross-attention has no decode step";
      return failure();
    }
    if (a.getValueHeadDim() != static_cast<int64_t>(a.getHeadDim())) {
      why = "keys and values have different head sizes";
      return failure();
    }
    if (a.getMaskKind() == MaskKind::none ||
        a.getMaskKind() == MaskKind::causal)
      return success();
    std::string reason;
    SmallVector<unsigned> padding;
    for (auto [i, kind] : llvm::enumerate(ta.getArgKinds()))
      if (kind == TokenAnalysis::ArgKind::Mask)
        padding.push_back(i);
    FailureOr<MaskProof> proof = proveCausalMask(
        a.getMask(), a.getMaskKind() == MaskKind::boolean, a.getBatchSize(),
        a.getNumHeads(), a.getQueryLength(), a.getKeyLength(), padding, reason);
    if (failed(proof)) {
      why = "its mask is not proven causal: " + reason;
      return failure();
    }
    LLVM_DEBUG(llvm::dbgs()
               << "[" DEBUG_TYPE "] " << a.getLoc() << ": causal mask over "
               << proof->extent << " positions, " << proof->arguments.size()
               << " padding argument(s)\n");
    return success();
  }

  LogicalResult materialize(func::FuncOp f, SymbolTable &symbols) {
    auto noForm = [&](Operation *at, const Twine &why) {
      (at ? at : f.getOperation())->emitRemark()
          << "no decode form for @" << f.getName() << ": " << why;
      return success();
    };
    {
      // Attentions of every layer rebuild the same RoPE tables; one set is
      // computed and passed.
      IRRewriter rewriter(f.getContext());
      DominanceInfo dom(f);
      eliminateCommonSubExpressions(rewriter, dom, f);
    }
    std::string why;
    Operation *culprit = nullptr;
    FailureOr<TokenAnalysis> ta = TokenAnalysis::analyze(f, why, culprit);
    if (failed(ta))
      return noForm(culprit, why);
    Prepared prepared;
    for (AttentionOp a : ta->getAttentions()) {
      if (failed(supported(a, *ta, why)))
        return noForm(a, why);
      if (a.getKeyLength() > capacity)
        return f.emitError("qkvtie-materialize-kv-cache: capacity (")
               << static_cast<int64_t>(capacity)
               << ") is smaller than the exported sequence ("
               << a.getKeyLength() << " tokens)";
      if (a.getRopeCos() && prepared.tableIndex(a.getRopeCos()) < 0)
        prepared.tables.append({a.getRopeCos(), a.getRopeSin()});
    }
    if (ta->getPositionLimit() < capacity)
      return noForm(nullptr, "the model defines " +
                                 Twine(ta->getPositionLimit()) +
                                 " positions, fewer than the capacity (" +
                                 Twine(static_cast<int64_t>(capacity)) + ")");
    std::string base = f.getName().str();
    for (StringRef suffix : {"_prefill", "_decode", "_prepare"})
      if (symbols.lookup(base + suffix.str()))
        return f.emitError("qkvtie-materialize-kv-cache: @")
               << base << suffix
               << " already exists; rename it so that the generated step "
                  "can have its name";

    SmallVector<Type> cacheTypes;
    for (AttentionOp a : ta->getAttentions()) {
      FailureOr<Type> storage = storageType(a);
      if (failed(storage))
        return failure();
      auto type = KVCacheType::getChecked(
          [&] { return a.emitError("qkvtie-materialize-kv-cache: "); },
          a.getContext(), a.getBatchSize(), a.getTies().getNumCacheBuffers(),
          static_cast<int64_t>(a.getNumKvHeads()),
          static_cast<int64_t>(capacity), static_cast<int64_t>(a.getHeadDim()),
          *storage);
      if (!type)
        return failure();
      cacheTypes.push_back(type);
    }
    prepared.hoisted = findHoisted(f, *ta);
    if (!prepared.empty() &&
        failed(buildPrepare(f, *ta, prepared, base + "_prepare", symbols, why)))
      return noForm(nullptr, why);
    int64_t chunk = std::min<int64_t>(prefillTokens, capacity);
    if (failed(buildStep(f, *ta, prepared, cacheTypes, chunk, base + "_prefill",
                         symbols, why)) ||
        failed(buildStep(f, *ta, prepared, cacheTypes, 1, base + "_decode",
                         symbols, why))) {
      for (StringRef suffix : {"_prefill", "_decode", "_prepare"})
        if (Operation *made = symbols.lookup(base + suffix.str())) {
          symbols.erase(made);
        }
      return noForm(nullptr, why);
    }
    return success();
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

  LogicalResult finish(func::FuncOp fn, OpBuilder &b, ValueRange results,
                       SymbolTable &symbols, std::string &why) {
    func::ReturnOp::create(b, fn.getLoc(), results);
    fn.setType(FunctionType::get(fn.getContext(), fn.front().getArgumentTypes(),
                                 TypeRange(results)));
    eraseDeadOps(fn);
    std::string message;
    LogicalResult verified = success();
    {
      // A step that does not verify is a bug here, reported as a remark
      // with the verifier's words, not an error in the user's module.
      ScopedDiagnosticHandler handler(fn.getContext(), [&](Diagnostic &d) {
        if (message.empty())
          message = d.str();
        return success();
      });
      verified = verify(fn);
    }
    if (failed(verified)) {
      why = "internal: @" + fn.getName().str() + " does not verify: " + message;
      symbols.erase(fn);
      return failure();
    }
    return success();
  }

  /// @f_prepare(params...): RoPE tables for every position below the
  /// capacity, and the hoisted values.
  LogicalResult buildPrepare(func::FuncOp f, const TokenAnalysis &ta,
                             const Prepared &prepared, StringRef name,
                             SymbolTable &symbols, std::string &why) {
    // The ops they need; the tables must not read the function's inputs.
    Block *entry = &f.getBody().front();
    llvm::SetVector<Operation *> slice;
    SmallVector<Value> work(prepared.tables);
    work.append(prepared.hoisted);
    DenseSet<Value> seen;
    DenseSet<Value> fromTables(prepared.tables.begin(), prepared.tables.end());
    while (!work.empty()) {
      Value v = work.pop_back_val();
      if (!seen.insert(v).second)
        continue;
      if (auto arg = dyn_cast<BlockArgument>(v)) {
        if (ta.getArgKinds()[arg.getArgNumber()] !=
            TokenAnalysis::ArgKind::Param) {
          why = "its RoPE tables depend on the function's inputs";
          return failure();
        }
        continue;
      }
      Operation *def = entry->findAncestorOpInBlock(*v.getDefiningOp());
      if (!slice.insert(def))
        continue;
      for (Value d : readsOf(def))
        work.push_back(d);
    }
    SmallVector<Type> params;
    for (auto [i, kind] : llvm::enumerate(ta.getArgKinds()))
      if (kind == TokenAnalysis::ArgKind::Param)
        params.push_back(f.getArgument(i).getType());
    func::FuncOp fn = newFunction(f, name, params, symbols);
    OpBuilder b = OpBuilder::atBlockEnd(&fn.front());
    IRMapping mapping;
    unsigned next = 0;
    for (auto [i, kind] : llvm::enumerate(ta.getArgKinds()))
      if (kind == TokenAnalysis::ArgKind::Param)
        mapping.map(f.getArgument(i), fn.getArgument(next++));
    Value zero = arith::ConstantIndexOp::create(b, f.getLoc(), 0);
    // Tables: every position, from 0. Hoisted values have no token
    // dimension, so the specialisation leaves them as they are.
    TokenSpecializer spec(ta, b, capacity, zero, mapping);
    for (Operation *op : ta.getOps())
      if (slice.contains(op) && failed(spec.clone(op))) {
        symbols.erase(fn);
        why = "what the steps share cannot be computed once";
        return failure();
      }
    SmallVector<Value> results;
    for (Value v : llvm::concat<const Value>(prepared.tables, prepared.hoisted))
      results.push_back(mapping.lookup(v));
    return finish(fn, b, results, symbols, why);
  }

  /// A step over `n` new tokens.
  LogicalResult buildStep(func::FuncOp f, const TokenAnalysis &ta,
                          const Prepared &prepared, ArrayRef<Type> cacheTypes,
                          int64_t n, StringRef name, SymbolTable &symbols,
                          std::string &why) {
    MLIRContext *ctx = f.getContext();
    IRMapping mapping;
    // Types need the specialiser, which needs the position argument: make
    // the function first, then its arguments.
    func::FuncOp fn = newFunction(f, name, {}, symbols);
    Block *entry = &fn.front();
    OpBuilder ob = OpBuilder::atBlockEnd(entry);
    Location loc = f.getLoc();
    SmallVector<std::pair<unsigned, BlockArgument>> inputs;
    for (auto [i, kind] : llvm::enumerate(ta.getArgKinds()))
      if (kind != TokenAnalysis::ArgKind::Mask)
        inputs.push_back(
            {unsigned(i), entry->addArgument(f.getArgument(i).getType(), loc)});
    Value pos = entry->addArgument(IndexType::get(ctx), loc);
    SmallVector<Value> caches;
    for (Type t : cacheTypes)
      caches.push_back(entry->addArgument(t, loc));
    SmallVector<Value> tableArgs;
    for (Value t : prepared.tables) {
      // [capacity, r]: r < head_dim for partial rotary.
      auto type = cast<RankedTensorType>(t.getType());
      tableArgs.push_back(entry->addArgument(
          RankedTensorType::get({capacity, type.getDimSize(1)},
                                type.getElementType()),
          loc));
    }
    // Hoisted values come in whole; the ops that make them are not cloned.
    for (Value h : prepared.hoisted)
      mapping.map(h, entry->addArgument(h.getType(), loc));
    TokenSpecializer spec(ta, ob, n, pos, mapping);
    for (auto [i, arg] : inputs) {
      arg.setType(spec.retype(f.getArgument(i)));
      mapping.map(f.getArgument(i), arg);
    }
    unsigned layer = 0;
    for (Operation *op : ta.getOps()) {
      if (op->getNumResults() && llvm::all_of(op->getResults(), [&](Value r) {
            return mapping.contains(r);
          }))
        continue;
      auto a = dyn_cast<AttentionOp>(op);
      if (!a) {
        if (failed(spec.clone(op))) {
          symbols.erase(fn);
          why = "internal: cannot specialise an op";
          return failure();
        }
        continue;
      }
      Value cos, sin;
      if (a.getRopeCos()) {
        cos = tableArgs[prepared.tableIndex(a.getRopeCos())];
        sin = tableArgs[prepared.tableIndex(a.getRopeSin())];
      }
      ImplicitLocOpBuilder b(a.getLoc(), ob);
      auto [out, cache] =
          buildAttention(b, a, mapping, caches[layer], pos, n, cos, sin);
      mapping.map(a.getResult(), out);
      caches[layer++] = cache;
    }
    SmallVector<Value> results;
    for (Value r : f.getBody().front().getTerminator()->getOperands())
      results.push_back(mapping.lookup(r));
    results.append(caches);
    // Callers split token inputs into steps and pass the others whole.
    SmallVector<int64_t> tokenInputs, forwardArgs;
    for (auto [k, input] : llvm::enumerate(inputs)) {
      forwardArgs.push_back(input.first);
      if (ta.getArgKinds()[input.first] == TokenAnalysis::ArgKind::Token)
        tokenInputs.push_back(k);
    }
    fn->setAttr(QKVTieDialect::TokenInputsAttrHelper::getNameStr(),
                DenseI64ArrayAttr::get(ctx, tokenInputs));
    fn->setAttr(QKVTieDialect::InputsAttrHelper::getNameStr(),
                DenseI64ArrayAttr::get(ctx, forwardArgs));
    SmallVector<int64_t> tokenResults;
    for (auto [k, r] :
         llvm::enumerate(f.getBody().front().getTerminator()->getOperands()))
      if (auto t = dyn_cast<RankedTensorType>(r.getType());
          t && t.getRank() >= 2 && ta.isToken(r, 1))
        tokenResults.push_back(k);
    fn->setAttr(QKVTieDialect::TokenResultsAttrHelper::getNameStr(),
                DenseI64ArrayAttr::get(ctx, tokenResults));
    return finish(fn, ob, results, symbols, why);
  }

  /// Appends the new tokens' keys and values and attends over the cache.
  std::pair<Value, Value> buildAttention(ImplicitLocOpBuilder &b, AttentionOp a,
                                         IRMapping &mapping, Value cache,
                                         Value pos, int64_t n, Value cos,
                                         Value sin) {
    auto cacheType = cast<KVCacheType>(cache.getType());
    Value x = mapping.lookup(a.getQuery());
    Type elt = a.getElementType();
    TiesAttr ties = a.getTies();
    auto get = [&](Value v) { return v ? mapping.lookup(v) : Value(); };
    auto project = [&](int64_t slot, int64_t heads) {
      Value flat = x;
      if (slot != TiesAttr::kIdentity)
        flat = buildProjection(b, x, get(a.getWeights()[slot]),
                               get(a.getSlotBias(slot)), elt);
      return buildSplitHeads(b, flat, a.getBatchSize(), heads, a.getHeadDim());
    };
    Value q = project(ties.getQ(), a.getNumHeads());
    Type storage = cacheType.getElementType();
    // A cache narrower than the model (an f16 cache for an f32 model) would
    // turn large keys or values into inf without a word: that is an error.
    auto store = [&](Value v) {
      if (storage.getIntOrFloatBitWidth() < elt.getIntOrFloatBitWidth())
        buildRangeCheck(b, v, storage);
      return buildConvert(b, v, storage);
    };
    SmallVector<Value> sources = {
        store(project(ties.getK(), a.getNumKvHeads()))};
    if (ties.getV() != ties.getK())
      sources.push_back(store(project(ties.getV(), a.getNumKvHeads())));
    cache = CacheAppendOp::create(b, cacheType, cache, pos, sources);
    Value length =
        arith::AddIOp::create(b, pos, arith::ConstantIndexOp::create(b, n));
    auto qType = cast<RankedTensorType>(q.getType());
    MaskKind mask =
        a.getMaskKind() == MaskKind::none ? MaskKind::none : MaskKind::causal;
    Value o = CacheAttendOp::create(
        b, qType, q, cache, length, cos, sin, get(a.getQNorm()),
        get(a.getKNorm()), ties, a.getNumHeadsAttr(), a.getNumKvHeadsAttr(),
        a.getScaleAttr(), MaskKindAttr::get(b.getContext(), mask),
        a.getNormEpsAttr());
    o = buildMergeHeads(b, o, elt);
    if (Value wo = a.getOutWeight()) {
      Value p = buildProjection(b, o, get(wo), get(a.getOutBias()), elt);
      auto pType = cast<RankedTensorType>(p.getType());
      o = tensor::ExpandShapeOp::create(
          b,
          RankedTensorType::get({a.getBatchSize(), n, pType.getDimSize(1)},
                                elt),
          p, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
    }
    return {o, cache};
  }
};

} // namespace
