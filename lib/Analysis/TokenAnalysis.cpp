//===- TokenAnalysis.cpp - Which dimensions run over tokens ---------------===//

#include "qkvtie/Analysis/TokenAnalysis.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "qkvtie-tokens"

using namespace mlir;
using namespace mlir::qkvtie;

namespace {
std::string describe(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "'" << op->getName() << "'";
  return s;
}

bool isEmpty(Value v) { return v.getDefiningOp<tensor::EmptyOp>() != nullptr; }

/// Values an op reads: its operands and what its regions use from above.
SmallVector<Value> reads(Operation *op) {
  SmallVector<Value> deps;
  auto attention = dyn_cast<AttentionOp>(op);
  for (OpOperand &o : op->getOpOperands())
    if (!attention || o.get() != attention.getMask())
      deps.push_back(o.get());
  llvm::SetVector<Value> above;
  for (Region &r : op->getRegions())
    getUsedValuesDefinedAbove(r, above);
  deps.append(above.begin(), above.end());
  return deps;
}

/// Top-level ops of `entry` that `roots` need, and the entry arguments they
/// read.
void backwardSlice(Block *entry, ArrayRef<Value> roots,
                   llvm::SetVector<Operation *> &ops,
                   llvm::SmallDenseSet<unsigned> &args) {
  SmallVector<Value> work(roots.begin(), roots.end());
  DenseSet<Value> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!v || !seen.insert(v).second)
      continue;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() == entry)
        args.insert(arg.getArgNumber());
      continue;
    }
    Operation *def = entry->findAncestorOpInBlock(*v.getDefiningOp());
    if (!def || !ops.insert(def))
      continue;
    for (Value d : reads(def))
      work.push_back(d);
  }
}
} // namespace

unsigned TokenAnalysis::node(Value v, unsigned dim) {
  auto [it, inserted] = valueNodes.try_emplace({v, dim}, numNodes);
  if (inserted)
    classes.insert(numNodes++);
  return it->second;
}

unsigned TokenAnalysis::loopNode(Operation *op, unsigned loop) {
  auto [it, inserted] = loopNodes.try_emplace({op, loop}, numNodes);
  if (inserted)
    classes.insert(numNodes++);
  return it->second;
}

bool TokenAnalysis::inTokenClass(unsigned n) const {
  return classes.isEquivalent(n, tokenNode);
}

bool TokenAnalysis::isToken(Value v, unsigned dim) const {
  auto it = valueNodes.find({v, dim});
  return it != valueNodes.end() && inTokenClass(it->second);
}

bool TokenAnalysis::isTokenLoop(Operation *op, unsigned loop) const {
  auto it = loopNodes.find({op, loop});
  return it != loopNodes.end() && inTokenClass(it->second);
}

LogicalResult TokenAnalysis::collect(func::FuncOp f) {
  Block *entry = &f.getBody().front();
  for (Operation &op : *entry)
    if (auto a = dyn_cast<AttentionOp>(op))
      attentions.push_back(a);
  if (attentions.empty())
    return failure();
  SmallVector<Value> roots(entry->getTerminator()->getOperands());
  llvm::SetVector<Operation *> unordered;
  llvm::SmallDenseSet<unsigned> mainArgs, maskArgs;
  backwardSlice(entry, roots, unordered, mainArgs);
  for (Operation &op : *entry)
    if (unordered.contains(&op))
      ops.insert(&op);
  SmallVector<Value> masks;
  llvm::SetVector<Operation *> maskOps;
  for (AttentionOp a : attentions)
    if (a.getMask())
      masks.push_back(a.getMask());
  backwardSlice(entry, masks, maskOps, maskArgs);
  for (unsigned i = 0; i < f.getNumArguments(); ++i)
    argKinds.push_back(mainArgs.contains(i)   ? ArgKind::Param
                       : maskArgs.contains(i) ? ArgKind::Mask
                                              : ArgKind::Param);
  return success();
}

void TokenAnalysis::linkOp(Operation *op) {
  if (auto l = dyn_cast<linalg::LinalgOp>(op)) {
    for (OpOperand &o : op->getOpOperands()) {
      if (!isa<RankedTensorType>(o.get().getType()) || isEmpty(o.get()))
        continue;
      AffineMap map = l.getMatchingIndexingMap(&o);
      for (auto [k, e] : llvm::enumerate(map.getResults()))
        if (auto d = dyn_cast<AffineDimExpr>(e))
          link(node(o.get(), k), loopNode(op, d.getPosition()));
    }
    for (OpResult r : op->getResults()) {
      AffineMap map = l.getIndexingMapMatchingResult(r);
      for (auto [k, e] : llvm::enumerate(map.getResults()))
        if (auto d = dyn_cast<AffineDimExpr>(e))
          link(node(r, k), loopNode(op, d.getPosition()));
    }
    return;
  }
  auto reshape = [&](Value collapsed, Value expanded,
                     ArrayRef<ReassociationIndices> groups) {
    auto shape = cast<RankedTensorType>(expanded.getType()).getShape();
    for (auto [r, group] : llvm::enumerate(groups)) {
      SmallVector<int64_t> nonUnit;
      for (int64_t k : group)
        if (shape[k] != 1)
          nonUnit.push_back(k);
      if (nonUnit.size() == 1) {
        link(node(collapsed, r), node(expanded, nonUnit[0]));
        continue;
      }
      if (nonUnit.empty())
        continue;
      SmallVector<unsigned> nodes{node(collapsed, unsigned(r))};
      for (int64_t k : nonUnit)
        nodes.push_back(node(expanded, k));
      merged.push_back({op, nodes});
    }
  };
  if (auto e = dyn_cast<tensor::ExpandShapeOp>(op))
    return reshape(e.getSrc(), e.getResult(), e.getReassociationIndices());
  if (auto c = dyn_cast<tensor::CollapseShapeOp>(op))
    return reshape(c.getResult(), c.getSrc(), c.getReassociationIndices());
  if (auto s = dyn_cast<tensor::ExtractSliceOp>(op)) {
    llvm::SmallBitVector dropped = s.getDroppedDims();
    unsigned r = 0;
    for (unsigned k = 0; k < s.getSourceType().getRank(); ++k) {
      if (dropped.test(k))
        continue;
      bool whole = s.getStaticOffsets()[k] == 0 &&
                   s.getStaticSizes()[k] == s.getSourceType().getDimSize(k) &&
                   s.getStaticStrides()[k] == 1;
      if (whole)
        link(node(s.getSource(), k), node(s.getResult(), r));
      else {
        node(s.getSource(), k);
        node(s.getResult(), r);
      }
      ++r;
    }
    return;
  }
  if (auto c = dyn_cast<tensor::ConcatOp>(op)) {
    for (unsigned k = 0; k < c.getResultType().getRank(); ++k) {
      if (k == c.getDim())
        continue;
      for (Value in : c.getInputs())
        link(node(in, k), node(c.getResult(), k));
    }
    return;
  }
  if (auto c = dyn_cast<tensor::CastOp>(op)) {
    for (unsigned k = 0; k < c.getType().getRank(); ++k)
      link(node(c.getSource(), k), node(c.getResult(), k));
    return;
  }
  if (auto a = dyn_cast<AttentionOp>(op)) {
    unsigned seq = node(a.getQuery(), 1);
    link(seq, node(a.getKeyValue(), 1));
    link(seq, node(a.getValueInput(), 1));
    link(seq, node(a.getResult(), 1));
    link(node(a.getQuery(), 0), node(a.getResult(), 0));
    if (a.getRopeCos()) {
      link(seq, node(a.getRopeCos(), 0));
      link(seq, node(a.getRopeSin(), 0));
    }
    return;
  }
  if (isa<tensor::EmptyOp, arith::ConstantOp>(op))
    return;
  if (llvm::none_of(op->getOperandTypes(), llvm::IsaPred<ShapedType>) &&
      llvm::none_of(op->getResultTypes(), llvm::IsaPred<ShapedType>))
    return; // scalar arithmetic
  opaque.push_back(op);
}

LogicalResult TokenAnalysis::check(func::FuncOp f, std::string &why,
                                   Operation *&culprit) {
  auto reject = [&](Operation *op, const Twine &reason) {
    culprit = op;
    why = (op ? describe(op) + " " : std::string()) + reason.str();
    return failure();
  };
  auto tokenDims = [&](Value v) {
    SmallVector<unsigned> dims;
    if (auto t = dyn_cast<RankedTensorType>(v.getType()))
      for (unsigned k = 0; k < t.getRank(); ++k)
        if (isToken(v, k))
          dims.push_back(k);
    return dims;
  };
  for (Operation *op : ops) {
    if (auto l = dyn_cast<linalg::LinalgOp>(op)) {
      auto iters = l.getIteratorTypesArray();
      for (unsigned d = 0; d < l.getNumLoops(); ++d)
        if (isTokenLoop(op, d) && iters[d] != utils::IteratorType::parallel)
          return reject(op, "reduces over the tokens: it mixes them, so the "
                            "function has no decode form");
      for (OpOperand &o : op->getOpOperands()) {
        if (!isa<RankedTensorType>(o.get().getType()) || isEmpty(o.get()))
          continue;
        AffineMap map = l.getMatchingIndexingMap(&o);
        for (unsigned k : tokenDims(o.get())) {
          auto d = dyn_cast<AffineDimExpr>(map.getResult(k));
          if (!d || !isTokenLoop(op, d.getPosition()))
            return reject(op, "reads other tokens than its own (indexing "
                              "map of operand " +
                                  Twine(o.getOperandNumber()) + ")");
        }
      }
      WalkResult gather = l.getBlock()->walk([&](tensor::ExtractOp e) {
        if (!tokenDims(e.getTensor()).empty())
          return WalkResult::interrupt();
        return WalkResult::advance();
      });
      if (gather.wasInterrupted())
        return reject(op, "gathers elements of a token value: it mixes tokens");
      continue;
    }
    if (auto s = dyn_cast<tensor::ExtractSliceOp>(op)) {
      llvm::SmallBitVector dropped = s.getDroppedDims();
      unsigned r = 0;
      for (unsigned k = 0; k < s.getSourceType().getRank(); ++k) {
        bool whole = s.getStaticOffsets()[k] == 0 &&
                     s.getStaticSizes()[k] == s.getSourceType().getDimSize(k) &&
                     s.getStaticStrides()[k] == 1;
        if (isToken(s.getSource(), k) && !whole)
          return reject(op, "selects some of the tokens: the function has no "
                            "decode form");
        if (dropped.test(k))
          continue;
        if (isToken(s.getResult(), r) && !isToken(s.getSource(), k)) {
          if (ShapedType::isDynamic(s.getStaticOffsets()[k]) ||
              s.getStaticStrides()[k] != 1)
            return reject(op, "reads a table by position with a dynamic "
                              "offset or a stride");
          positionLimit =
              std::min(positionLimit, s.getSourceType().getDimSize(k) -
                                          s.getStaticOffsets()[k]);
        }
        ++r;
      }
      continue;
    }
    if (auto c = dyn_cast<tensor::ConcatOp>(op)) {
      if (isToken(c.getResult(), c.getDim()))
        return reject(op, "concatenates along the tokens");
      continue;
    }
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
      for (unsigned k : tokenDims(c.getResult()))
        if (!dense || !dense.isSplat())
          positionLimit = std::min(
              positionLimit, cast<RankedTensorType>(c.getType()).getDimSize(k));
      continue;
    }
  }
  recordPositionGathers();
  for (Operation *op : opaque) {
    for (Value v : llvm::concat<Value>(op->getOperands(), op->getResults()))
      if (!tokenDims(v).empty())
        return reject(op, "is not known to keep tokens apart");
  }
  for (auto &[op, group] : merged)
    if (llvm::any_of(group, [&](unsigned n) { return inTokenClass(n); }))
      return reject(op, "merges the tokens with another dimension");
  for (unsigned i = 0; i < argKinds.size(); ++i) {
    if (argKinds[i] == ArgKind::Mask)
      continue;
    SmallVector<unsigned> dims = tokenDims(f.getArgument(i));
    if (dims.empty())
      continue;
    if (dims != SmallVector<unsigned>{1})
      return reject(nullptr, "argument " + Twine(i) +
                                 " has its tokens along dimension " +
                                 Twine(dims[0]) + ", not 1");
    argKinds[i] = ArgKind::Token;
  }
  return success();
}

FailureOr<TokenAnalysis>
TokenAnalysis::analyze(func::FuncOp f, std::string &why, Operation *&culprit) {
  TokenAnalysis ta;
  culprit = nullptr;
  if (f.isExternal() || failed(ta.collect(f))) {
    why = "it has no attention";
    return failure();
  }
  for (Operation *op : ta.ops)
    ta.linkOp(op);
  AttentionOp first = ta.attentions.front();
  ta.tokenNode = ta.node(first.getQuery(), 1);
  ta.length = first.getQueryLength();
  if (ta.length < 2) {
    why = "it was exported for a single token, so the token axis is unknown";
    return failure();
  }
  for (AttentionOp a : ta.attentions) {
    if (!ta.ops.contains(a)) {
      culprit = a;
      why = "an attention does not contribute to the results";
      return failure();
    }
    if (!ta.isToken(a.getQuery(), 1)) {
      culprit = a;
      why = "attentions run over different token axes";
      return failure();
    }
  }
  if (failed(ta.check(f, why, culprit)))
    return failure();
  LLVM_DEBUG(llvm::dbgs() << "[" DEBUG_TYPE "] @" << f.getName() << ": "
                          << ta.ops.size() << " ops, " << ta.attentions.size()
                          << " attentions, positions up to " << ta.positionLimit
                          << "\n");
  return ta;
}

/// Strips integer casts.
static Value stripCasts(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp,
             arith::ExtUIOp, arith::TruncIOp>(def))
      break;
    v = def->getOperand(0);
  }
  return v;
}

void TokenAnalysis::recordPositionGathers() {
  // Tensors whose elements are token positions: a token loop's index, and
  // views of such tensors.
  DenseSet<Value> positions;
  for (Operation *op : ops) {
    if (auto l = dyn_cast<linalg::LinalgOp>(op)) {
      if (op->getNumResults() == 1) {
        auto yield = cast<linalg::YieldOp>(l.getBlock()->getTerminator());
        if (auto index = stripCasts(yield.getOperand(0))
                             .getDefiningOp<linalg::IndexOp>())
          if (isTokenLoop(op, index.getDim()))
            positions.insert(op->getResult(0));
      }
      // A table read at a position: the model defines that many.
      l.getBlock()->walk([&](tensor::ExtractOp e) {
        for (auto [k, i] : llvm::enumerate(e.getIndices())) {
          auto arg = dyn_cast<BlockArgument>(stripCasts(i));
          if (!arg || arg.getOwner() != l.getBlock())
            continue;
          OpOperand *operand = l.getMatchingOpOperand(arg);
          if (positions.contains(operand->get()) &&
              !e.getTensor().getType().isDynamicDim(k))
            positionLimit =
                std::min(positionLimit, e.getTensor().getType().getDimSize(k));
        }
      });
      continue;
    }
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::CastOp,
            tensor::ExtractSliceOp>(op) &&
        positions.contains(op->getOperand(0)))
      positions.insert(op->getResult(0));
  }
}

//===----------------------------------------------------------------------===//
// TokenSpecializer
//===----------------------------------------------------------------------===//

Type TokenSpecializer::retype(Value v) const {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t)
    return v.getType();
  SmallVector<int64_t> shape(t.getShape());
  for (unsigned k = 0; k < shape.size(); ++k)
    if (analysis.isToken(v, k))
      shape[k] = tokens;
  return t.clone(shape);
}

Value TokenSpecializer::lookup(Value v, Type wanted) {
  if (auto e = v.getDefiningOp<tensor::EmptyOp>()) {
    auto t = cast<RankedTensorType>(wanted);
    return tensor::EmptyOp::create(b, e.getLoc(), t.getShape(),
                                   t.getElementType());
  }
  return mapping.lookup(v);
}

LogicalResult TokenSpecializer::clone(Operation *op) {
  Location loc = op->getLoc();
  auto hasTokens = [&](Value v) { return retype(v) != v.getType(); };
  // Rows `offset + position ..` of a table of `extent` rows. A position past
  // the table is an error a cache check reports; the read stays in bounds.
  auto offsetAt = [&](int64_t offset, int64_t extent) -> OpFoldResult {
    Value o = position;
    if (offset)
      o = arith::AddIOp::create(b, loc, o,
                                arith::ConstantIndexOp::create(b, loc, offset));
    o = arith::MaxSIOp::create(b, loc, o,
                               arith::ConstantIndexOp::create(b, loc, 0));
    return arith::MinSIOp::create(
               b, loc, o,
               arith::ConstantIndexOp::create(b, loc, extent - tokens))
        .getResult();
  };
  if (isa<tensor::EmptyOp>(op))
    return success(); // made at each use, with the user's type
  if (auto c = dyn_cast<arith::ConstantOp>(op); c && hasTokens(c)) {
    auto type = cast<RankedTensorType>(retype(c));
    auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
    if (dense && dense.isSplat()) {
      mapping.map(c.getResult(), arith::ConstantOp::create(
                                     b, loc, type, dense.resizeSplat(type)));
      return success();
    }
    // A table with a row per position: the rows of these tokens.
    Value table = b.clone(*op)->getResult(0);
    auto orig = cast<RankedTensorType>(c.getType());
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (unsigned k = 0; k < orig.getRank(); ++k) {
      bool token = type.getDimSize(k) != orig.getDimSize(k) ||
                   analysis.isToken(c.getResult(), k);
      offsets.push_back(token ? offsetAt(0, orig.getDimSize(k))
                              : b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(type.getDimSize(k)));
      strides.push_back(b.getIndexAttr(1));
    }
    mapping.map(c.getResult(),
                tensor::ExtractSliceOp::create(b, loc, type, table, offsets,
                                               sizes, strides));
    return success();
  }
  if (auto s = dyn_cast<tensor::ExtractSliceOp>(op); s && hasTokens(s)) {
    llvm::SmallBitVector dropped = s.getDroppedDims();
    SmallVector<OpFoldResult> offsets = s.getMixedOffsets(),
                              sizes = s.getMixedSizes(),
                              strides = s.getMixedStrides();
    unsigned r = 0;
    for (unsigned k = 0; k < s.getSourceType().getRank(); ++k) {
      if (dropped.test(k))
        continue;
      if (analysis.isToken(s.getResult(), r)) {
        sizes[k] = b.getIndexAttr(tokens);
        if (!analysis.isToken(s.getSource(), k))
          offsets[k] = offsetAt(s.getStaticOffsets()[k],
                                s.getSourceType().getDimSize(k));
      }
      ++r;
    }
    Value src = mapping.lookup(s.getSource());
    mapping.map(s.getResult(),
                tensor::ExtractSliceOp::create(
                    b, loc, cast<RankedTensorType>(retype(s.getResult())), src,
                    offsets, sizes, strides));
    return success();
  }
  if (auto e = dyn_cast<tensor::ExpandShapeOp>(op); e && hasTokens(e)) {
    mapping.map(e.getResult(),
                tensor::ExpandShapeOp::create(b, loc, retype(e.getResult()),
                                              mapping.lookup(e.getSrc()),
                                              e.getReassociationIndices()));
    return success();
  }
  if (auto c = dyn_cast<tensor::CollapseShapeOp>(op); c && hasTokens(c)) {
    mapping.map(c.getResult(),
                tensor::CollapseShapeOp::create(b, loc, retype(c.getResult()),
                                                mapping.lookup(c.getSrc()),
                                                c.getReassociationIndices()));
    return success();
  }
  if (isa<AttentionOp>(op))
    return failure(); // the caller writes attentions as cache steps

  // Everything else keeps its attributes; only result types change. Empty
  // destinations are made with the type of the result they hold.
  SmallVector<Value> empties;
  auto l = dyn_cast<linalg::LinalgOp>(op);
  for (OpOperand &o : op->getOpOperands()) {
    if (!isEmpty(o.get()))
      continue;
    Type wanted = o.get().getType();
    if (l && l.isDpsInit(&o))
      wanted = retype(l.getTiedOpResult(&o));
    mapping.map(o.get(), lookup(o.get(), wanted));
    empties.push_back(o.get());
  }
  Operation *c = b.clone(*op, mapping);
  for (Value e : empties)
    mapping.erase(e);
  for (auto [orig, res] : llvm::zip(op->getResults(), c->getResults()))
    res.setType(retype(orig));
  if (l) {
    // A token loop's index is a position: these tokens start at `position`.
    SmallVector<linalg::IndexOp> indices;
    cast<linalg::LinalgOp>(c).getBlock()->walk(
        [&](linalg::IndexOp i) { indices.push_back(i); });
    for (linalg::IndexOp i : indices) {
      if (!analysis.isTokenLoop(op, i.getDim()))
        continue;
      OpBuilder ib(i->getContext());
      ib.setInsertionPointAfter(i);
      auto shifted = arith::AddIOp::create(ib, i.getLoc(), i, position);
      i.getResult().replaceAllUsesExcept(shifted, shifted);
    }
  }
  return success();
}
