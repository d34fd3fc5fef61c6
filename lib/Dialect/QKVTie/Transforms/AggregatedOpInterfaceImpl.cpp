//===- AggregatedOpInterfaceImpl.cpp - Decompositions of qkvtie ops -------===//
//
// qkvtie.attention and qkvtie.cache.attend decompose (linalg's
// AggregatedOpInterface) into linalg-on-tensors that computes exactly the
// ops' documented semantics. Clarity over speed: this is the oracle the fused
// kernels are checked against.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Dialect/QKVTie/Transforms/AggregatedOpInterfaceImpl.h"

#include "qkvtie/Conversion/AttentionCommon/LoweringUtils.h"
#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include "llvm/ADT/MapVector.h"

#include <limits>

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

using utils::IteratorType;
constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

void yield(OpBuilder &ob, Location loc, Value v) {
  linalg::YieldOp::create(ob, loc, ValueRange{v});
}

template <typename Op>
void applyNorms(ImplicitLocOpBuilder &b, Op op, Value &q, Value &k) {
  if (!op.getNormEps())
    return;
  double eps = op.getNormEps()->convertToDouble();
  if (op.getQNorm())
    q = buildHeadNorm(b, q, op.getQNorm(), eps,
                      cast<RankedTensorType>(q.getType()).getElementType());
  if (op.getKNorm())
    k = buildHeadNorm(b, k, op.getKNorm(), eps,
                      cast<RankedTensorType>(k.getType()).getElementType());
}

/// Builds the linalg form of one attention op.
class AttentionLowering {
public:
  AttentionLowering(AttentionOp op, OpBuilder &builder)
      : op(op), b(op.getLoc(), builder), elt(op.getElementType()),
        f32(b.getF32Type()) {}
  AttentionLowering(CacheAttendOp attend, OpBuilder &builder)
      : b(attend.getLoc(), builder),
        elt(attend.getCacheType().getElementType()), f32(b.getF32Type()) {}

  Value lower();
  /// One decode step over `cache`, the cache lowered to a tensor
  /// [buffers, B, Hkv, capacity, d].
  Value lowerCacheAttend(CacheAttendOp attend, Value cache, Value length);

private:
  RankedTensorType tensorOf(ArrayRef<int64_t> shape, Type type) {
    return RankedTensorType::get(shape, type);
  }
  Value empty(ArrayRef<int64_t> shape, Type type) {
    return tensor::EmptyOp::create(b, shape, type);
  }
  Value constF32(double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
  }
  Value filled(ArrayRef<int64_t> shape, double v) {
    return linalg::FillOp::create(b, constF32(v), empty(shape, f32))
        .getResult(0);
  }
  static Value toF32(OpBuilder &ob, Location loc, Value v) {
    return convertFloat(ob, loc, v, ob.getF32Type());
  }
  AffineMap map(unsigned dims, ArrayRef<AffineExpr> results) {
    return AffineMap::get(dims, 0, results, b.getContext());
  }
  SmallVector<AffineExpr> dims(unsigned n) {
    SmallVector<AffineExpr> d;
    for (unsigned i = 0; i < n; ++i)
      d.push_back(b.getAffineDimExpr(i));
    return d;
  }

  Value project(Value x, Value weight, Value bias);
  void packProjections(DenseMap<std::pair<int64_t, Value>, Value> &projected);
  Value splitHeads(Value flat, int64_t heads, int64_t headDim);
  Value repeatHeads(Value x);
  Value contract(Value lhs, Value rhs, AffineMap lhsMap, AffineMap rhsMap,
                 ArrayRef<int64_t> outShape);
  Value scores(Value q, Value k);
  Value maskAndScale(Value s);
  Value softmax(Value s);
  Value applyValues(Value p, Value v);
  Value mergeHeads(Value o);

  AttentionOp op;
  ImplicitLocOpBuilder b;
  Type elt, f32;
  int64_t batch = 0, seqQ = 0, seqKV = 0, hq = 0, hkv = 0, d = 0, dv = 0;
};

Value AttentionLowering::project(Value x, Value weight, Value bias) {
  return buildProjection(b, x, weight, bias, elt);
}

Value AttentionLowering::splitHeads(Value flat, int64_t heads,
                                    int64_t headDim) {
  return buildSplitHeads(b, flat, batch, heads, headDim);
}

/// [B, Hkv, T, x] -> [B, Hq, T, x]: query head h reads KV head h / (Hq/Hkv).
Value AttentionLowering::repeatHeads(Value x) {
  int64_t group = hq / hkv;
  if (group == 1)
    return x;
  auto t = cast<RankedTensorType>(x.getType());
  int64_t len = t.getDimSize(2), w = t.getDimSize(3);
  Value wide =
      linalg::BroadcastOp::create(b, x, empty({batch, hkv, group, len, w}, elt),
                                  ArrayRef<int64_t>{2})
          .getResult()[0];
  return tensor::CollapseShapeOp::create(
      b, tensorOf({batch, hq, len, w}, elt), wide,
      ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
}

/// out[b, h, i, j] = Σ_r lhs · rhs over a 5-d loop space (b, h, i, j, r),
/// accumulated in f32.
Value AttentionLowering::contract(Value lhs, Value rhs, AffineMap lhsMap,
                                  AffineMap rhsMap,
                                  ArrayRef<int64_t> outShape) {
  SmallVector<AffineExpr> e = dims(5);
  SmallVector<AffineMap> maps = {lhsMap, rhsMap,
                                 map(5, {e[0], e[1], e[2], e[3]})};
  return linalg::GenericOp::create(
             b, tensorOf(outShape, f32), ValueRange{lhs, rhs},
             filled(outShape, 0.0), maps, {kPar, kPar, kPar, kPar, kRed},
             [&](OpBuilder &ob, Location loc, ValueRange args) {
               Value m = arith::MulFOp::create(ob, loc, toF32(ob, loc, args[0]),
                                               toF32(ob, loc, args[1]));
               yield(ob, loc, arith::AddFOp::create(ob, loc, args[2], m));
             })
      .getResult(0);
}

/// q·scale in f32: the fused kernels scale queries before the dot product,
/// so scores overflow f32 where theirs do, not sooner.
Value scaleQueries(ImplicitLocOpBuilder &b, Value q, double scale) {
  auto t = cast<RankedTensorType>(q.getType());
  AffineMap id = AffineMap::getMultiDimIdentityMap(4, b.getContext());
  Type f32 = b.getF32Type();
  return linalg::GenericOp::create(
             b, RankedTensorType::get(t.getShape(), f32), ValueRange{q},
             tensor::EmptyOp::create(b, t.getShape(), f32).getResult(),
             ArrayRef<AffineMap>{id, id}, {kPar, kPar, kPar, kPar},
             [&](OpBuilder &ob, Location loc, ValueRange args) {
               Value v = convertFloat(ob, loc, args[0], f32);
               yield(ob, loc,
                     arith::MulFOp::create(
                         ob, loc, v,
                         arith::ConstantOp::create(ob, loc,
                                                   ob.getF32FloatAttr(scale))));
             })
      .getResult(0);
}

/// q: [B, H, S, d], k: [B, H, T, d] -> q·kᵀ: [B, H, S, T] in f32.
Value AttentionLowering::scores(Value q, Value k) {
  SmallVector<AffineExpr> e = dims(5);
  return contract(q, k, map(5, {e[0], e[1], e[2], e[4]}),
                  map(5, {e[0], e[1], e[3], e[4]}), {batch, hq, seqQ, seqKV});
}

/// The scores (of scaled queries) with the mask applied.
Value AttentionLowering::maskAndScale(Value s) {
  SmallVector<int64_t> full = {batch, hq, seqQ, seqKV};
  SmallVector<AffineExpr> e = dims(4);
  SmallVector<Value> ins = {s};
  SmallVector<AffineMap> maps = {map(4, e)};
  Value mask = op.getMask();
  if (mask) {
    // Right-aligned numpy broadcast: size-1 dims read index 0.
    auto mt = cast<RankedTensorType>(mask.getType());
    SmallVector<AffineExpr> res;
    int64_t lead = 4 - mt.getRank();
    for (int64_t i = 0; i < mt.getRank(); ++i)
      res.push_back(mt.getDimSize(i) == 1 && full[lead + i] != 1
                        ? b.getAffineConstantExpr(0)
                        : e[lead + i]);
    ins.push_back(mask);
    maps.push_back(map(4, res));
  }
  maps.push_back(map(4, e));
  MaskKind kind = op.getMaskKind();
  // A boolean mask replaces scores by the element type's lowest finite
  // value, as `where(mask, s, finfo.min)` does in the frameworks.
  double lowest = lowestFinite(elt);
  int64_t diagonal = seqKV - seqQ;
  return linalg::GenericOp::create(
             b, tensorOf(full, f32), ins, empty(full, f32), maps,
             {kPar, kPar, kPar, kPar},
             [&](OpBuilder &ob, Location loc, ValueRange args) {
               Value v = args[0];
               switch (kind) {
               case MaskKind::none:
                 break;
               case MaskKind::additive:
                 v = arith::AddFOp::create(ob, loc, v, toF32(ob, loc, args[1]));
                 break;
               case MaskKind::boolean: {
                 Value low = arith::ConstantOp::create(
                     ob, loc, ob.getF32FloatAttr(lowest));
                 v = arith::SelectOp::create(ob, loc, args[1], v, low);
                 break;
               }
               case MaskKind::causal: {
                 // Query i sees keys j <= i + (T - S).
                 Value i = linalg::IndexOp::create(ob, loc, 2);
                 Value j = linalg::IndexOp::create(ob, loc, 3);
                 Value lim = arith::AddIOp::create(
                     ob, loc, i,
                     arith::ConstantIndexOp::create(ob, loc, diagonal));
                 Value ok = arith::CmpIOp::create(
                     ob, loc, arith::CmpIPredicate::ule, j, lim);
                 Value ninf = arith::ConstantOp::create(
                     ob, loc,
                     ob.getF32FloatAttr(
                         -std::numeric_limits<float>::infinity()));
                 v = arith::SelectOp::create(ob, loc, ok, v, ninf);
                 break;
               }
               }
               yield(ob, loc, v);
             })
      .getResult(0);
}

/// Softmax along T in f32; a row that is -inf everywhere gives zeros.
Value AttentionLowering::softmax(Value s) {
  SmallVector<int64_t> full = {batch, hq, seqQ, seqKV};
  SmallVector<int64_t> rows = {batch, hq, seqQ};
  SmallVector<AffineExpr> e = dims(4);
  AffineMap id = map(4, e), row = map(4, {e[0], e[1], e[2]});
  double ninf = -std::numeric_limits<float>::infinity();
  Value max = linalg::GenericOp::create(
                  b, tensorOf(rows, f32), ValueRange{s}, filled(rows, ninf),
                  ArrayRef<AffineMap>{id, row}, {kPar, kPar, kPar, kRed},
                  [&](OpBuilder &ob, Location loc, ValueRange args) {
                    yield(ob, loc,
                          arith::MaximumFOp::create(ob, loc, args[0], args[1]));
                  })
                  .getResult(0);
  Value exp =
      linalg::GenericOp::create(
          b, tensorOf(full, f32), ValueRange{s, max}, empty(full, f32),
          ArrayRef<AffineMap>{id, row, id}, {kPar, kPar, kPar, kPar},
          [&](OpBuilder &ob, Location loc, ValueRange args) {
            Value ninfC =
                arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(ninf));
            Value zero =
                arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(0.0));
            // Safe max subtraction: a row whose keys are all masked (max
            // -inf) weighs nothing; a score equal to the max weighs 1 even
            // when both are +inf (inf - inf would be NaN). NaN propagates.
            Value dead = arith::CmpFOp::create(
                ob, loc, arith::CmpFPredicate::OEQ, args[1], ninfC);
            Value atMax = arith::CmpFOp::create(
                ob, loc, arith::CmpFPredicate::OEQ, args[0], args[1]);
            Value x = arith::SelectOp::create(
                ob, loc, atMax, zero,
                arith::SubFOp::create(ob, loc, args[0], args[1]));
            x = arith::SelectOp::create(ob, loc, dead, ninfC, x);
            yield(ob, loc, math::ExpOp::create(ob, loc, x));
          })
          .getResult(0);
  Value sum =
      linalg::GenericOp::create(
          b, tensorOf(rows, f32), ValueRange{exp}, filled(rows, 0.0),
          ArrayRef<AffineMap>{id, row}, {kPar, kPar, kPar, kRed},
          [&](OpBuilder &ob, Location loc, ValueRange args) {
            yield(ob, loc, arith::AddFOp::create(ob, loc, args[0], args[1]));
          })
          .getResult(0);
  return linalg::GenericOp::create(
             b, tensorOf(full, f32), ValueRange{exp, sum}, empty(full, f32),
             ArrayRef<AffineMap>{id, row, id}, {kPar, kPar, kPar, kPar},
             [&](OpBuilder &ob, Location loc, ValueRange args) {
               Value zero =
                   arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(0.0));
               // A row that saw no key is 0; a NaN sum stays NaN.
               Value empty = arith::CmpFOp::create(
                   ob, loc, arith::CmpFPredicate::OEQ, args[1], zero);
               Value p = arith::DivFOp::create(ob, loc, args[0], args[1]);
               yield(ob, loc, arith::SelectOp::create(ob, loc, empty, zero, p));
             })
      .getResult(0);
}

/// p: [B, H, S, T] f32, v: [B, H, T, dv] -> [B, H, S, dv] f32.
Value AttentionLowering::applyValues(Value p, Value v) {
  SmallVector<AffineExpr> e = dims(5);
  return contract(p, v, map(5, {e[0], e[1], e[2], e[4]}),
                  map(5, {e[0], e[1], e[4], e[3]}), {batch, hq, seqQ, dv});
}

Value AttentionLowering::mergeHeads(Value o) {
  return buildMergeHeads(b, o, elt);
}

void AttentionLowering::packProjections(
    DenseMap<std::pair<int64_t, Value>, Value> &projected) {
  TiesAttr ties = op.getTies();
  const std::pair<int64_t, Value> uses[] = {{ties.getQ(), op.getQuery()},
                                            {ties.getK(), op.getKeyValue()},
                                            {ties.getV(), op.getValueInput()}};
  llvm::MapVector<Value, SmallVector<int64_t>> byInput;
  for (auto [slot, input] : uses)
    if (slot != TiesAttr::kIdentity &&
        !llvm::is_contained(byInput[input], slot))
      byInput[input].push_back(slot);
  for (auto &[input, slots] : byInput) {
    if (slots.size() < 2)
      continue;
    SmallVector<Value> weights, biases;
    bool anyBias = llvm::any_of(
        slots, [&](int64_t s) { return static_cast<bool>(op.getSlotBias(s)); });
    for (int64_t s : slots) {
      Value w = op.getWeights()[s];
      int64_t n = cast<RankedTensorType>(w.getType()).getDimSize(1);
      weights.push_back(w);
      if (anyBias) {
        Value bias = op.getSlotBias(s);
        if (!bias) {
          Value zero = arith::ConstantOp::create(b, b.getZeroAttr(elt));
          bias = linalg::FillOp::create(b, zero, empty({n}, elt)).getResult(0);
        }
        biases.push_back(bias);
      }
    }
    Value w = tensor::ConcatOp::create(b, 1, weights);
    Value bias =
        anyBias ? Value(tensor::ConcatOp::create(b, 0, biases)) : Value();
    Value packed = project(input, w, bias);
    int64_t rows = cast<RankedTensorType>(packed.getType()).getDimSize(0);
    int64_t offset = 0;
    for (int64_t s : slots) {
      int64_t n =
          cast<RankedTensorType>(op.getWeights()[s].getType()).getDimSize(1);
      projected[{s, input}] = tensor::ExtractSliceOp::create(
          b, tensorOf({rows, n}, elt), packed, ValueRange{}, ValueRange{},
          ValueRange{}, b.getDenseI64ArrayAttr({0, offset}),
          b.getDenseI64ArrayAttr({rows, n}), b.getDenseI64ArrayAttr({1, 1}));
      offset += n;
    }
  }
}

Value AttentionLowering::lower() {
  batch = op.getBatchSize();
  seqQ = op.getQueryLength();
  seqKV = op.getKeyLength();
  hq = op.getNumHeads();
  hkv = op.getNumKvHeads();
  d = op.getHeadDim();
  dv = op.getValueHeadDim();
  TiesAttr ties = op.getTies();

  // One projection per (slot, input): tied roles share it, and the distinct
  // slots that read one input are packed into one GEMM (one pass over it).
  DenseMap<std::pair<int64_t, Value>, Value> projected;
  packProjections(projected);
  auto source = [&](int64_t slot, Value input, int64_t heads,
                    int64_t headDim) -> Value {
    if (slot == TiesAttr::kIdentity)
      return splitHeads(input, heads, headDim);
    Value &p = projected[{slot, input}];
    if (!p)
      p = project(input, op.getWeights()[slot], op.getSlotBias(slot));
    return splitHeads(p, heads, headDim);
  };
  Value q = source(ties.getQ(), op.getQuery(), hq, d);
  Value k = source(ties.getK(), op.getKeyValue(), hkv, d);
  Value v = source(ties.getV(), op.getValueInput(), hkv, dv);
  applyNorms(b, op, q, k);
  if (op.getRopeCos()) {
    q = buildRope(b, q, op.getRopeCos(), op.getRopeSin(),
                  arith::ConstantIndexOp::create(b, seqKV - seqQ), elt);
    k = buildRope(b, k, op.getRopeCos(), op.getRopeSin(),
                  arith::ConstantIndexOp::create(b, 0), elt);
  }
  Value s = maskAndScale(scores(
      scaleQueries(b, q, op.getScale().convertToDouble()), repeatHeads(k)));
  Value o = mergeHeads(applyValues(softmax(s), repeatHeads(v)));
  if (Value wo = op.getOutWeight()) {
    Value p = project(o, wo, op.getOutBias());
    auto pt = cast<RankedTensorType>(p.getType());
    o = tensor::ExpandShapeOp::create(
        b, tensorOf({batch, seqQ, pt.getDimSize(1)}, elt), p,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}});
  }
  return o;
}

Value AttentionLowering::lowerCacheAttend(CacheAttendOp attend, Value cache,
                                          Value length) {
  KVCacheType type = attend.getCacheType();
  auto qType = cast<RankedTensorType>(attend.getQuery().getType());
  batch = type.getBatch();
  hq = attend.getNumHeads();
  hkv = attend.getNumKvHeads();
  d = dv = type.getHeadDim();
  seqQ = qType.getDimSize(2);
  seqKV = type.getCapacity();
  Value n = arith::ConstantIndexOp::create(b, seqQ);
  length = buildAttendLengthCheck(b, length, seqQ, seqKV);
  auto buffer = [&](int64_t i) -> Value {
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(i), b.getIndexAttr(0),
                                         b.getIndexAttr(0), b.getIndexAttr(0),
                                         b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {
        b.getIndexAttr(1), b.getIndexAttr(batch), b.getIndexAttr(hkv),
        b.getIndexAttr(seqKV), b.getIndexAttr(d)};
    SmallVector<OpFoldResult> strides(5, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(b,
                                          tensorOf({batch, hkv, seqKV, d}, elt),
                                          cache, offsets, sizes, strides);
  };
  Value k = buffer(0);
  Value v = type.getBuffers() == 1 ? k : buffer(1);
  Value q = attend.getQuery();
  applyNorms(b, attend, q, k);
  if (attend.getRopeCos()) {
    Value first = arith::SubIOp::create(b, length, n);
    q = buildRope(b, q, attend.getRopeCos(), attend.getRopeSin(), first,
                  qType.getElementType());
    k = buildRope(b, k, attend.getRopeCos(), attend.getRopeSin(),
                  arith::ConstantIndexOp::create(b, 0), elt);
  }
  double scale = attend.getScale().convertToDouble();
  Value s = scores(scaleQueries(b, q, scale), repeatHeads(k));
  // Hide keys at positions >= length and, for a causal mask,
  // keys after each query's position (length - n + i).
  SmallVector<int64_t> full = {batch, hq, seqQ, seqKV};
  AffineMap id = AffineMap::getMultiDimIdentityMap(4, b.getContext());
  bool causal = attend.getMaskKind() == MaskKind::causal;
  s = linalg::GenericOp::create(
          b, tensorOf(full, f32), ValueRange{s}, empty(full, f32),
          ArrayRef<AffineMap>{id, id}, {kPar, kPar, kPar, kPar},
          [&](OpBuilder &ob, Location loc, ValueRange args) {
            Value i = linalg::IndexOp::create(ob, loc, 2);
            Value j = linalg::IndexOp::create(ob, loc, 3);
            Value limit = length;
            if (causal)
              limit = arith::AddIOp::create(
                  ob, loc, arith::SubIOp::create(ob, loc, length, n), i);
            Value ok = arith::CmpIOp::create(ob, loc,
                                             causal ? arith::CmpIPredicate::ule
                                                    : arith::CmpIPredicate::ult,
                                             j, limit);
            Value scaled = args[0];
            Value ninf = arith::ConstantOp::create(
                ob, loc,
                ob.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
            yield(ob, loc, arith::SelectOp::create(ob, loc, ok, scaled, ninf));
          })
          .getResult(0);
  Value o = applyValues(softmax(s), repeatHeads(v));
  Type qElt = qType.getElementType();
  return linalg::GenericOp::create(
             b, qType, ValueRange{o}, empty(qType.getShape(), qElt),
             ArrayRef<AffineMap>{id, id}, {kPar, kPar, kPar, kPar},
             [&](OpBuilder &ob, Location loc, ValueRange args) {
               yield(ob, loc, convertFloat(ob, loc, args[0], qElt));
             })
      .getResult(0);
}

struct AttentionDecomposition
    : public linalg::AggregatedOpInterface::ExternalModel<
          AttentionDecomposition, AttentionOp> {
  FailureOr<SmallVector<Value>> decomposeOperation(Operation *op,
                                                   OpBuilder &b) const {
    return SmallVector<Value>{
        AttentionLowering(cast<AttentionOp>(op), b).lower()};
  }
};

struct CacheAttendDecomposition
    : public linalg::AggregatedOpInterface::ExternalModel<
          CacheAttendDecomposition, CacheAttendOp> {
  FailureOr<SmallVector<Value>> decomposeOperation(Operation *op,
                                                   OpBuilder &b) const {
    auto attend = cast<CacheAttendOp>(op);
    // The cache read as its storage tensor: once the cache ops are storage
    // too (configureCacheConversion), the cast folds away.
    Type storage =
        CacheStorageTypeConverter().convertType(attend.getCacheType());
    Value cache = UnrealizedConversionCastOp::create(b, op->getLoc(), storage,
                                                     attend.getCache())
                      .getResult(0);
    AttentionLowering lowering(attend, b);
    return SmallVector<Value>{
        lowering.lowerCacheAttend(attend, cache, attend.getLength())};
  }
};

} // namespace

void mlir::qkvtie::registerAggregatedOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, QKVTieDialect *) {
    AttentionOp::attachInterface<AttentionDecomposition>(*ctx);
    CacheAttendOp::attachInterface<CacheAttendDecomposition>(*ctx);
  });
}
