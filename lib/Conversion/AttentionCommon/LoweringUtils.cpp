//===- LoweringUtils.cpp - IR builders shared by QKVTie lowerings ---------===//

#include "qkvtie/Conversion/AttentionCommon/LoweringUtils.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::qkvtie;

static Value empty(ImplicitLocOpBuilder &b, ArrayRef<int64_t> shape,
                   Type type) {
  return tensor::EmptyOp::create(b, shape, type);
}

Value mlir::qkvtie::convertFloat(OpBuilder &b, Location loc, Value v,
                                 Type elt) {
  auto vt = dyn_cast<VectorType>(v.getType());
  if (!vt)
    return convertScalarToDtype(b, loc, v, elt, /*isUnsignedCast=*/false);
  Type from = vt.getElementType();
  if (from == elt)
    return v;
  auto to = VectorType::get(vt.getShape(), elt);
  if (from.getIntOrFloatBitWidth() < elt.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, to, v);
  return arith::TruncFOp::create(b, loc, to, v);
}

double mlir::qkvtie::lowestFinite(Type elt) {
  return APFloat::getLargest(cast<FloatType>(elt).getFloatSemantics(),
                             /*Negative=*/true)
      .convertToDouble();
}

/// x·cos + partner·sin, fused as the kernels' vectors or scalars are.
static Value rotateWith(OpBuilder &b, Location loc, Value x, Value partner,
                        RopeTables tables) {
  auto [cos, sin] = tables();
  Value xc = arith::MulFOp::create(b, loc, x, cos);
  if (isa<VectorType>(x.getType()))
    return vector::FMAOp::create(b, loc, partner, sin, xc);
  return math::FmaOp::create(b, loc, partner, sin, xc);
}

Value mlir::qkvtie::buildRotateHalf(OpBuilder &b, Location loc, Value x,
                                    Value other, bool low, RopeTables tables) {
  Value partner = low ? Value(arith::NegFOp::create(b, loc, other)) : other;
  return rotateWith(b, loc, x, partner, tables);
}

Value mlir::qkvtie::buildRotateHalf(OpBuilder &b, Location loc, Value x,
                                    Value other, Value low, RopeTables tables) {
  Value partner = arith::SelectOp::create(
      b, loc, low, arith::NegFOp::create(b, loc, other), other);
  return rotateWith(b, loc, x, partner, tables);
}

Value mlir::qkvtie::buildRope(ImplicitLocOpBuilder &b, Value x, Value cos,
                              Value sin, Value first, Type elt) {
  auto t = cast<RankedTensorType>(x.getType());
  int64_t r = cast<RankedTensorType>(cos.getType()).getDimSize(1);
  int64_t half = r / 2;
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
  Type f32 = b.getF32Type();
  return linalg::GenericOp::create(
             b, t, ValueRange{x}, empty(b, t.getShape(), elt),
             ArrayRef<AffineMap>{id, id},
             SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
             [&](OpBuilder &ob, Location loc, ValueRange args) {
               Value i0 = linalg::IndexOp::create(ob, loc, 0);
               Value i1 = linalg::IndexOp::create(ob, loc, 1);
               Value i2 = linalg::IndexOp::create(ob, loc, 2);
               Value i3 = linalg::IndexOp::create(ob, loc, 3);
               auto cst = [&](int64_t v) {
                 return arith::ConstantIndexOp::create(ob, loc, v);
               };
               Value pos = arith::AddIOp::create(ob, loc, first, i2);
               // Elements past r are not rotated; their reads stay in the
               // rotated part, whose results are then dropped.
               Value rotated = arith::CmpIOp::create(
                   ob, loc, arith::CmpIPredicate::ult, i3, cst(r));
               Value e = arith::SelectOp::create(ob, loc, rotated, i3, cst(0));
               Value lower = arith::CmpIOp::create(
                   ob, loc, arith::CmpIPredicate::ult, e, cst(half));
               Value partner = arith::SelectOp::create(
                   ob, loc, lower, arith::AddIOp::create(ob, loc, e, cst(half)),
                   arith::SubIOp::create(ob, loc, e, cst(half)));
               auto read = [&](Value table, ValueRange at) {
                 return convertFloat(
                     ob, loc, tensor::ExtractOp::create(ob, loc, table, at),
                     f32);
               };
               Value xv = convertFloat(ob, loc, args[0], f32);
               Value v = buildRotateHalf(
                   ob, loc, xv, read(x, {i0, i1, i2, partner}), lower, [&] {
                     Value cs = read(cos, {pos, e});
                     return std::make_pair(cs, read(sin, {pos, e}));
                   });
               v = arith::SelectOp::create(ob, loc, rotated, v, xv);
               linalg::YieldOp::create(
                   ob, loc, ValueRange{convertFloat(ob, loc, v, elt)});
             })
      .getResult(0);
}

Value mlir::qkvtie::buildHeadNorm(ImplicitLocOpBuilder &b, Value x,
                                  Value weight, double eps, Type elt) {
  auto t = cast<RankedTensorType>(x.getType());
  ArrayRef<int64_t> shape = t.getShape();
  int64_t d = shape[3];
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  AffineMap id = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap row = AffineMap::get(
      4, 0,
      {b.getAffineDimExpr(0), b.getAffineDimExpr(1), b.getAffineDimExpr(2)},
      ctx);
  AffineMap elem = AffineMap::get(4, 0, {b.getAffineDimExpr(3)}, ctx);
  auto ext = [&](OpBuilder &ob, Location loc, Value v) {
    return convertFloat(ob, loc, v, f32);
  };
  Value zero = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0));
  Value acc =
      linalg::FillOp::create(
          b, zero,
          tensor::EmptyOp::create(b, shape.take_front(3), f32).getResult())
          .getResult(0);
  Value ss =
      linalg::GenericOp::create(
          b, acc.getType(), ValueRange{x}, acc, ArrayRef<AffineMap>{id, row},
          {utils::IteratorType::parallel, utils::IteratorType::parallel,
           utils::IteratorType::parallel, utils::IteratorType::reduction},
          [&](OpBuilder &ob, Location loc, ValueRange args) {
            Value v = ext(ob, loc, args[0]);
            linalg::YieldOp::create(
                ob, loc,
                ValueRange{arith::AddFOp::create(
                    ob, loc, args[1], arith::MulFOp::create(ob, loc, v, v))});
          })
          .getResult(0);
  return linalg::GenericOp::create(
             b, t, ValueRange{x, ss, weight},
             tensor::EmptyOp::create(b, shape, elt).getResult(),
             ArrayRef<AffineMap>{id, row, elem, id},
             SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
             [&](OpBuilder &ob, Location loc, ValueRange args) {
               Value mean = arith::DivFOp::create(
                   ob, loc, args[1],
                   arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(d)));
               Value inv = math::RsqrtOp::create(
                   ob, loc,
                   arith::AddFOp::create(
                       ob, loc, mean,
                       arith::ConstantOp::create(ob, loc,
                                                 ob.getF32FloatAttr(eps))));
               Value v = arith::MulFOp::create(
                   ob, loc,
                   arith::MulFOp::create(ob, loc, ext(ob, loc, args[0]), inv),
                   ext(ob, loc, args[2]));
               linalg::YieldOp::create(
                   ob, loc, ValueRange{convertFloat(ob, loc, v, elt)});
             })
      .getResult(0);
}

Value mlir::qkvtie::buildProjection(ImplicitLocOpBuilder &b, Value x,
                                    Value weight, Value bias, Type elt) {
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(weight.getType());
  int64_t rows = xt.getDimSize(0) * xt.getDimSize(1);
  int64_t n = wt.getDimSize(1);
  Type f32 = b.getF32Type();
  Value flat = tensor::CollapseShapeOp::create(
      b, RankedTensorType::get({rows, xt.getDimSize(2)}, elt), x,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}});
  Value zero = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0));
  Value acc =
      linalg::FillOp::create(b, zero, empty(b, {rows, n}, f32)).getResult(0);
  acc = linalg::MatmulOp::create(b, ValueRange{flat, weight}, ValueRange{acc})
            .getResult(0);
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  SmallVector<Value> ins = {acc};
  SmallVector<AffineMap> maps = {id};
  if (bias) {
    ins.push_back(bias);
    maps.push_back(AffineMap::get(2, 0, {b.getAffineDimExpr(1)}, ctx));
  }
  maps.push_back(id);
  bool hasBias = static_cast<bool>(bias);
  return linalg::GenericOp::create(
             b, RankedTensorType::get({rows, n}, elt), ins,
             empty(b, {rows, n}, elt), maps,
             {utils::IteratorType::parallel, utils::IteratorType::parallel},
             [&](OpBuilder &ob, Location loc, ValueRange args) {
               Value v = args[0];
               if (hasBias)
                 v = arith::AddFOp::create(ob, loc, v,
                                           convertFloat(ob, loc, args[1], f32));
               linalg::YieldOp::create(
                   ob, loc, ValueRange{convertFloat(ob, loc, v, elt)});
             })
      .getResult(0);
}

Value mlir::qkvtie::buildSplitHeads(ImplicitLocOpBuilder &b, Value flat,
                                    int64_t batch, int64_t heads,
                                    int64_t headDim) {
  auto t = cast<RankedTensorType>(flat.getType());
  Type elt = t.getElementType();
  int64_t len = t.getNumElements() / (batch * heads * headDim);
  Value x = flat;
  if (t.getRank() == 3)
    x = tensor::CollapseShapeOp::create(
        b, RankedTensorType::get({batch * len, heads * headDim}, elt), x,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}});
  x = tensor::ExpandShapeOp::create(
      b, RankedTensorType::get({batch, len, heads, headDim}, elt), x,
      ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
  return linalg::TransposeOp::create(
             b, x, empty(b, {batch, heads, len, headDim}, elt),
             ArrayRef<int64_t>{0, 2, 1, 3})
      .getResult()[0];
}

Value mlir::qkvtie::buildMergeHeads(ImplicitLocOpBuilder &b, Value o,
                                    Type elt) {
  auto t = cast<RankedTensorType>(o.getType());
  int64_t batch = t.getDimSize(0), heads = t.getDimSize(1),
          len = t.getDimSize(2), d = t.getDimSize(3);
  MLIRContext *ctx = b.getContext();
  AffineExpr d0 = b.getAffineDimExpr(0), d1 = b.getAffineDimExpr(1),
             d2 = b.getAffineDimExpr(2), d3 = b.getAffineDimExpr(3);
  SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {d0, d2, d1, d3}, ctx),
                                 AffineMap::getMultiDimIdentityMap(4, ctx)};
  SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
  Value merged =
      linalg::GenericOp::create(
          b, RankedTensorType::get({batch, len, heads, d}, elt), ValueRange{o},
          empty(b, {batch, len, heads, d}, elt), maps, iters,
          [&](OpBuilder &ob, Location loc, ValueRange args) {
            linalg::YieldOp::create(
                ob, loc, ValueRange{convertFloat(ob, loc, args[0], elt)});
          })
          .getResult(0);
  return tensor::CollapseShapeOp::create(
      b, RankedTensorType::get({batch, len, heads * d}, elt), merged,
      ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
}

Value mlir::qkvtie::buildConvert(ImplicitLocOpBuilder &b, Value v, Type elt) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getElementType() == elt)
    return v;
  AffineMap id = AffineMap::getMultiDimIdentityMap(t.getRank(), b.getContext());
  SmallVector<utils::IteratorType> iters(t.getRank(),
                                         utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, RankedTensorType::get(t.getShape(), elt), ValueRange{v},
             empty(b, t.getShape(), elt), ArrayRef<AffineMap>{id, id}, iters,
             [&](OpBuilder &ob, Location loc, ValueRange args) {
               linalg::YieldOp::create(
                   ob, loc, ValueRange{convertFloat(ob, loc, args[0], elt)});
             })
      .getResult(0);
}

void mlir::qkvtie::buildRangeCheck(ImplicitLocOpBuilder &b, Value v,
                                   Type storage) {
  auto t = cast<RankedTensorType>(v.getType());
  double max = APFloat::getLargest(cast<FloatType>(storage).getFloatSemantics())
                   .convertToDouble();
  // The largest value that still rounds to a finite storage value.
  double limit = max + 0.5 * (max - std::nextafter(max, 0.0));
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(t.getRank(), b.getContext()),
      AffineMap::get(t.getRank(), 0, b.getContext())};
  SmallVector<utils::IteratorType> iters(t.getRank(),
                                         utils::IteratorType::reduction);
  Value ok0 = arith::ConstantOp::create(b, b.getBoolAttr(true));
  Value init = linalg::FillOp::create(b, ok0,
                                      tensor::EmptyOp::create(
                                          b, ArrayRef<int64_t>{}, b.getI1Type())
                                          .getResult())
                   .getResult(0);
  Value all =
      linalg::GenericOp::create(
          b, init.getType(), ValueRange{v}, init, maps, iters,
          [&](OpBuilder &ob, Location loc, ValueRange args) {
            Value x = convertFloat(ob, loc, args[0], ob.getF32Type());
            Value a = math::AbsFOp::create(ob, loc, x);
            // Fits, or was not finite to begin with.
            Value fits = arith::CmpFOp::create(
                ob, loc, arith::CmpFPredicate::ULT, a,
                arith::ConstantOp::create(ob, loc,
                                          ob.getF32FloatAttr(float(limit))));
            Value inf = arith::CmpFOp::create(
                ob, loc, arith::CmpFPredicate::OEQ, a,
                arith::ConstantOp::create(
                    ob, loc,
                    ob.getF32FloatAttr(
                        std::numeric_limits<float>::infinity())));
            Value good = arith::OrIOp::create(ob, loc, fits, inf);
            linalg::YieldOp::create(
                ob, loc,
                ValueRange{arith::AndIOp::create(ob, loc, args[1], good)});
          })
          .getResult(0);
  std::string name;
  llvm::raw_string_ostream os(name);
  storage.print(os);
  cf::AssertOp::create(b, tensor::ExtractOp::create(b, all, ValueRange{}),
                       "qkvtie.cache.append: a key or value overflows the " +
                           name + " cache (|x| > " +
                           std::to_string(static_cast<int64_t>(max)) +
                           "); compile with an f32 cache");
}

/// `v` clamped to [lo, hi] (signed).
static Value clamp(ImplicitLocOpBuilder &b, Value v, int64_t lo, int64_t hi) {
  Value l = arith::ConstantIndexOp::create(b, lo);
  Value h = arith::ConstantIndexOp::create(b, hi);
  return arith::MinSIOp::create(b, arith::MaxSIOp::create(b, v, l), h);
}

Value mlir::qkvtie::buildAttendLengthCheck(ImplicitLocOpBuilder &b,
                                           Value length, int64_t queries,
                                           int64_t capacity) {
  Value n = arith::ConstantIndexOp::create(b, queries);
  Value cap = arith::ConstantIndexOp::create(b, capacity);
  // Signed: a length from C may be negative.
  Value fits = arith::AndIOp::create(
      b, arith::CmpIOp::create(b, arith::CmpIPredicate::sle, length, cap),
      arith::CmpIOp::create(b, arith::CmpIPredicate::sge, length, n));
  cf::AssertOp::create(b, fits,
                       "qkvtie.cache.attend: length must be within [query "
                       "tokens, capacity]");
  return clamp(b, length, queries, capacity);
}

namespace {
/// The cache is storage: [buffers, B, Hkv, capacity, d] of its element type.
} // namespace

CacheStorageTypeConverter::CacheStorageTypeConverter() {
  addConversion([](Type t) { return t; });
  addConversion([](KVCacheType t) -> Type {
    return RankedTensorType::get({t.getBuffers(), t.getBatch(), t.getHeads(),
                                  t.getCapacity(), t.getHeadDim()},
                                 t.getElementType());
  });
}

namespace {

struct DecomposeCacheCreate : public OpConversionPattern<CacheCreateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CacheCreateOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type =
        cast<RankedTensorType>(getTypeConverter()->convertType(op.getType()));
    Location loc = op.getLoc();
    // Zeros, not garbage: masked keys get weight 0, and 0 · NaN is NaN.
    Value zero = arith::ConstantOp::create(
        rewriter, loc, rewriter.getZeroAttr(type.getElementType()));
    Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                          type.getElementType());
    rewriter.replaceOp(
        op, linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0));
    return success();
  }
};

struct DecomposeCacheAppend : public OpConversionPattern<CacheAppendOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CacheAppendOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    KVCacheType type = op.getCacheType();
    Location loc = op.getLoc();
    int64_t n =
        cast<RankedTensorType>(op.getValues()[0].getType()).getDimSize(2);
    ImplicitLocOpBuilder b(loc, rewriter);
    Value pos = adaptor.getPosition();
    Value end =
        arith::AddIOp::create(b, pos, arith::ConstantIndexOp::create(b, n));
    // Signed: a position from C may be negative.
    Value fits = arith::AndIOp::create(
        b,
        arith::CmpIOp::create(b, arith::CmpIPredicate::sge, pos,
                              arith::ConstantIndexOp::create(b, 0)),
        arith::CmpIOp::create(
            b, arith::CmpIPredicate::sle, end,
            arith::ConstantIndexOp::create(b, type.getCapacity())));
    cf::AssertOp::create(b, fits,
                         "qkvtie.cache.append: position outside the cache "
                         "capacity");
    // Where checks report instead of aborting, the write stays in bounds.
    pos = clamp(b, pos, 0, type.getCapacity() - n);
    Value cache = adaptor.getCache();
    for (auto [i, v] : llvm::enumerate(adaptor.getValues())) {
      SmallVector<OpFoldResult> offsets = {
          rewriter.getIndexAttr(i), rewriter.getIndexAttr(0),
          rewriter.getIndexAttr(0), pos, rewriter.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes = {
          rewriter.getIndexAttr(1), rewriter.getIndexAttr(type.getBatch()),
          rewriter.getIndexAttr(type.getHeads()), rewriter.getIndexAttr(n),
          rewriter.getIndexAttr(type.getHeadDim())};
      SmallVector<OpFoldResult> strides(5, rewriter.getIndexAttr(1));
      cache = tensor::InsertSliceOp::create(rewriter, loc, v, cache, offsets,
                                            sizes, strides);
    }
    rewriter.replaceOp(op, cache);
    return success();
  }
};

} // namespace

void mlir::qkvtie::populateCacheStoragePatterns(TypeConverter &converter,
                                                RewritePatternSet &patterns) {
  patterns.add<DecomposeCacheCreate, DecomposeCacheAppend>(
      converter, patterns.getContext());
}

void mlir::qkvtie::addFusedLoweringLegalDialects(ConversionTarget &target) {
  target.addLegalDialect<
      arith::ArithDialect, bufferization::BufferizationDialect,
      cf::ControlFlowDialect, linalg::LinalgDialect, math::MathDialect,
      memref::MemRefDialect, scf::SCFDialect, tensor::TensorDialect,
      vector::VectorDialect>();
}

void mlir::qkvtie::configureCacheConversion(ConversionTarget &target,
                                            TypeConverter &converter,
                                            RewritePatternSet &patterns) {
  target.addIllegalDialect<QKVTieDialect>();
  target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp f) {
    return converter.isSignatureLegal(f.getFunctionType()) &&
           converter.isLegal(&f.getBody());
  });
  target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
      [&](Operation *op) { return converter.isLegal(op); });
  populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                 converter);
  populateReturnOpTypeConversionPattern(patterns, converter);
  populateCallOpTypeConversionPattern(patterns, converter);
  populateCacheStoragePatterns(converter, patterns);
}

void mlir::qkvtie::markShared(func::FuncOp fn) {
  Builder b(fn.getContext());
  fn->setAttr("passthrough", b.getArrayAttr({b.getStringAttr("noinline")}));
  bool bare = llvm::all_of(fn.getArgumentTypes(), [](Type t) {
    auto m = dyn_cast<BaseMemRefType>(t);
    return !m || LLVMTypeConverter::canConvertToBarePtr(m);
  });
  if (bare && fn.getNumResults() == 0)
    fn->setAttr("llvm.bareptr", b.getUnitAttr());
}
