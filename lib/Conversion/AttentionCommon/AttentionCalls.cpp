//===- AttentionCalls.cpp - Call sites of the attention kernels ----------===//
//
// qkvtie.attention and qkvtie.cache.attend become calls of kernel functions;
// the lowering that populates these patterns writes the functions' bodies.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Conversion/AttentionCommon/KernelSupport.h"
#include "qkvtie/Conversion/AttentionCommon/LoweringUtils.h"

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

/// RoPE width and QK-norm of `op` into `spec`, and their buffers after the
/// tables into `inputs`.
template <typename Op>
void addRopeAndNorms(Op op, AttentionSpec &spec, SmallVector<Value> &inputs) {
  spec.rope = static_cast<bool>(op.getRopeCos());
  if (spec.rope) {
    spec.rotary =
        cast<RankedTensorType>(op.getRopeCos().getType()).getDimSize(1);
    inputs.push_back(op.getRopeCos());
    inputs.push_back(op.getRopeSin());
  }
  spec.qNorm = static_cast<bool>(op.getQNorm());
  spec.kNorm = static_cast<bool>(op.getKNorm());
  if (op.getNormEps())
    spec.normEps = op.getNormEps()->convertToDouble();
  if (spec.qNorm)
    inputs.push_back(op.getQNorm());
  if (spec.kNorm)
    inputs.push_back(op.getKNorm());
}

/// The target's kernel functions, shared by the call-site patterns.
struct KernelFunctions {
  std::shared_ptr<const AttentionTarget> target;
  std::shared_ptr<KernelTable> kernels;

  /// The kernel of `kind` ("attention", "decode") for `spec`.
  func::FuncOp get(Operation *op, StringRef kind,
                   const AttentionSpec &spec) const {
    std::string prefix = target->getKernelPrefix().str();
    return kernels->get(op, prefix + "_" + kind.str(), prefix + spec.key(),
                        spec.argTypes,
                        [&](ImplicitLocOpBuilder &kb, ValueRange args) {
                          target->buildAttentionKernel(kb, spec, args);
                        });
  }
  int64_t lanes() const { return target->getVectorWidth(); }
};

struct FusedAttention : public OpConversionPattern<AttentionOp> {
  FusedAttention(MLIRContext *ctx, KernelFunctions functions)
      : OpConversionPattern(ctx), functions(std::move(functions)) {}

  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Type elt = op.getElementType();
    TiesAttr ties = op.getTies();
    AttentionSpec spec;
    spec.batch = op.getBatchSize();
    spec.seqQ = op.getQueryLength();
    spec.seqKV = op.getKeyLength();
    spec.hq = op.getNumHeads();
    spec.hkv = op.getNumKvHeads();
    spec.d = op.getHeadDim();
    spec.dv = op.getValueHeadDim();
    spec.mask = op.getMaskKind();
    spec.scale = op.getScale().convertToDouble();
    spec.lanes = functions.lanes();

    // One projection per distinct (slot, input): tied roles read one buffer.
    DenseMap<std::pair<int64_t, Value>, Value> projected;
    auto source = [&](int64_t slot, Value input) -> Value {
      Value &p = projected[{slot, input}];
      if (!p)
        p = slot == TiesAttr::kIdentity
                ? flattenRows(b, input)
                : buildProjection(b, input, op.getWeights()[slot],
                                  op.getSlotBias(slot), elt);
      return p;
    };
    Value qBuf = source(ties.getQ(), op.getQuery());
    Value kBuf = source(ties.getK(), op.getKeyValue());
    Value vBuf = source(ties.getV(), op.getValueInput());
    spec.kvSame = kBuf == vBuf;
    SmallVector<Value> inputs = {qBuf, kBuf};
    if (!spec.kvSame)
      inputs.push_back(vBuf);
    if (Value mask = op.getMask())
      inputs.push_back(mask);
    addRopeAndNorms(op, spec, inputs);
    SmallVector<Value> buffers;
    for (Value in : inputs) {
      buffers.push_back(readBuffer(b, in));
      spec.argTypes.push_back(buffers.back().getType());
    }
    auto outType =
        RankedTensorType::get({spec.batch * spec.seqQ, spec.hq * spec.dv}, elt);
    spec.argTypes.push_back(MemRefType::get(outType.getShape(), elt));
    func::FuncOp kernel = functions.get(op, "attention", spec);
    Value o = callKernel(b, kernel, buffers, outType);
    if (Value wo = op.getOutWeight()) {
      auto expanded = RankedTensorType::get(
          {spec.batch, spec.seqQ, spec.hq * spec.dv}, elt);
      o = tensor::ExpandShapeOp::create(
          b, expanded, o, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
      o = buildProjection(b, o, wo, op.getOutBias(), elt);
    }
    auto resultType = cast<RankedTensorType>(op.getType());
    rewriter.replaceOp(
        op, tensor::ExpandShapeOp::create(
                b, resultType, o, ArrayRef<ReassociationIndices>{{0, 1}, {2}}));
    return success();
  }

  KernelFunctions functions;
};

struct FusedCacheAttend : public OpConversionPattern<CacheAttendOp> {
  FusedCacheAttend(TypeConverter &converter, MLIRContext *ctx,
                   KernelFunctions functions)
      : OpConversionPattern(converter, ctx), functions(std::move(functions)) {}

  LogicalResult
  matchAndRewrite(CacheAttendOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    KVCacheType type = op.getCacheType();
    auto qType = cast<RankedTensorType>(op.getQuery().getType());
    AttentionSpec spec;
    spec.decode = true;
    spec.batch = type.getBatch();
    spec.hq = op.getNumHeads();
    spec.hkv = op.getNumKvHeads();
    spec.seqQ = qType.getDimSize(2);
    spec.seqKV = type.getCapacity();
    spec.d = spec.dv = type.getHeadDim();
    spec.cacheBuffers = type.getBuffers();
    spec.kvSame = type.getBuffers() == 1;
    spec.mask = op.getMaskKind();
    spec.scale = op.getScale().convertToDouble();
    spec.lanes = functions.lanes();
    Value length =
        buildAttendLengthCheck(b, adaptor.getLength(), spec.seqQ, spec.seqKV);

    SmallVector<Value> buffers = {readBuffer(b, op.getQuery()),
                                  readBuffer(b, adaptor.getCache())};
    SmallVector<Value> extra;
    addRopeAndNorms(op, spec, extra);
    for (Value v : extra)
      buffers.push_back(readBuffer(b, v));
    buffers.push_back(length);
    for (Value v : buffers)
      spec.argTypes.push_back(v.getType());
    spec.argTypes.push_back(bufferType(op.getQuery()));
    func::FuncOp kernel = functions.get(op, "decode", spec);
    rewriter.replaceOp(op, callKernel(b, kernel, buffers, qType));
    return success();
  }

  KernelFunctions functions;
};

} // namespace

mlir::qkvtie::AttentionTarget::~AttentionTarget() = default;

void mlir::qkvtie::populateAttentionCallPatterns(
    TypeConverter &converter, RewritePatternSet &patterns,
    std::shared_ptr<const AttentionTarget> target,
    std::shared_ptr<KernelTable> kernels) {
  MLIRContext *ctx = patterns.getContext();
  KernelFunctions functions{std::move(target), std::move(kernels)};
  patterns.add<FusedAttention>(ctx, functions);
  patterns.add<FusedCacheAttend>(converter, ctx, functions);
}
