//===- QKVTieOps.cpp - QKVTie operations ----------------------------------===//

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "llvm/Support/MathExtras.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qkvtie;

//===----------------------------------------------------------------------===//
// Slots directive: `(%w : T), (%w, %b : T, T), ...`
//===----------------------------------------------------------------------===//

static ParseResult
parseSlots(OpAsmParser &parser,
           SmallVectorImpl<OpAsmParser::UnresolvedOperand> &weights,
           SmallVectorImpl<Type> &weightTypes,
           SmallVectorImpl<OpAsmParser::UnresolvedOperand> &biases,
           SmallVectorImpl<Type> &biasTypes, DenseBoolArrayAttr &hasBias) {
  SmallVector<bool> flags;
  // One `(weight[, bias] : types)` after its '('.
  auto parseOne = [&]() -> ParseResult {
    OpAsmParser::UnresolvedOperand w, b;
    Type wt, bt;
    if (parser.parseOperand(w))
      return failure();
    bool withBias = succeeded(parser.parseOptionalComma());
    if (withBias && parser.parseOperand(b))
      return failure();
    if (parser.parseColon() || parser.parseType(wt))
      return failure();
    if (withBias && (parser.parseComma() || parser.parseType(bt)))
      return failure();
    if (parser.parseRParen())
      return failure();
    weights.push_back(w);
    weightTypes.push_back(wt);
    if (withBias) {
      biases.push_back(b);
      biasTypes.push_back(bt);
    }
    flags.push_back(withBias);
    return success();
  };
  // `slots()`: every role is the identity.
  if (succeeded(parser.parseOptionalLParen())) {
    if (parseOne())
      return failure();
    while (succeeded(parser.parseOptionalComma()))
      if (parser.parseLParen() || parseOne())
        return failure();
  }
  hasBias = DenseBoolArrayAttr::get(parser.getContext(), flags);
  return success();
}

static void printSlots(OpAsmPrinter &p, Operation *, OperandRange weights,
                       TypeRange weightTypes, OperandRange biases,
                       TypeRange biasTypes, DenseBoolArrayAttr hasBias) {
  unsigned b = 0;
  for (auto [i, w] : llvm::enumerate(weights)) {
    if (i)
      p << ", ";
    bool withBias = static_cast<int64_t>(i) < hasBias.size() && hasBias[i] &&
                    b < biases.size();
    p << "(" << w;
    if (withBias)
      p << ", " << biases[b];
    p << " : " << weightTypes[i];
    if (withBias)
      p << ", " << biasTypes[b++];
    p << ")";
  }
}

#define GET_OP_CLASSES
#include "qkvtie/Dialect/QKVTie/IR/QKVTieOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
  }
  return s + "]";
}

static RankedTensorType tensorType(Value v) {
  return v ? cast<RankedTensorType>(v.getType()) : RankedTensorType();
}

/// Numpy-style broadcast of `shape` to `target` (right aligned).
static bool broadcastsTo(ArrayRef<int64_t> shape, ArrayRef<int64_t> target) {
  if (shape.size() > target.size())
    return false;
  size_t off = target.size() - shape.size();
  for (auto [i, d] : llvm::enumerate(shape))
    if (d != 1 && d != target[off + i])
      return false;
  return true;
}

/// Checks rotary tables: both present, [N, d] with N >= `positions`.
static LogicalResult verifyRope(Operation *op, Value cos, Value sin,
                                int64_t headDim, int64_t positions) {
  if (!cos && !sin)
    return success();
  if (!cos || !sin)
    return op->emitOpError("rope needs both cos and sin tables");
  if (tensorType(cos) != tensorType(sin))
    return op->emitOpError("rope tables must have one type, got ")
           << tensorType(cos) << " and " << tensorType(sin);
  RankedTensorType type = tensorType(cos);
  if (!isa<FloatType>(type.getElementType()))
    return op->emitOpError("rope tables must have a float element type, got ")
           << type.getElementType();
  // [N, r]: r < head_dim rotates the first r elements (partial rotary).
  int64_t r = type.getRank() == 2 ? type.getDimSize(1) : 0;
  if (type.getRank() != 2 || r <= 0 || r > headDim || r % 2 != 0 ||
      type.getDimSize(0) < positions)
    return op->emitOpError("rope tables must be [N, r] with N >= ")
           << positions << " and r even, at most head_dim (" << headDim
           << "), got " << shapeStr(type.getShape());
  return success();
}

/// QK-norm weights: [d] floats, with a positive eps exactly when either is
/// given.
static LogicalResult verifyNorms(Operation *op, Value qNorm, Value kNorm,
                                 std::optional<APFloat> eps, int64_t headDim) {
  for (Value w : {qNorm, kNorm}) {
    if (!w)
      continue;
    RankedTensorType type = tensorType(w);
    if (type.getRank() != 1 || type.getDimSize(0) != headDim ||
        !isa<FloatType>(type.getElementType()))
      return op->emitOpError("QK-norm weights must be float [head_dim] = [")
             << headDim << "], got " << type;
  }
  if ((qNorm || kNorm) != eps.has_value())
    return op->emitOpError(
        "norm_eps must be given exactly when QK-norm weights are");
  if (eps &&
      !(eps->convertToDouble() > 0.0 && std::isfinite(eps->convertToDouble())))
    return op->emitOpError("norm_eps must be positive and finite");
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

int64_t AttentionOp::getRotaryDim() {
  return getRopeCos() ? tensorType(getRopeCos()).getDimSize(1) : 0;
}

Value AttentionOp::getSlotBias(int64_t i) {
  ArrayRef<bool> flags = getSlotHasBias();
  if (!flags[i])
    return {};
  int64_t idx = llvm::count(flags.take_front(i), true);
  return getBiases()[idx];
}

/// Feature width produced for a role: its slot's output width, or the input
/// width for identity.
static int64_t sourceWidth(Value input, ValueRange weights, int64_t slot) {
  if (slot == TiesAttr::kIdentity)
    return tensorType(input).getDimSize(2);
  return tensorType(weights[slot]).getDimSize(1);
}

int64_t AttentionOp::getValueHeadDim() {
  TiesAttr ties = getTies();
  if (isKVShared())
    return getHeadDim();
  return sourceWidth(getValueInput(), getWeights(), ties.getV()) /
         getNumKvHeads();
}

int64_t AttentionOp::getCacheBytesPerToken() {
  int64_t perHead =
      isKVShared() ? getHeadDim() : getHeadDim() + getValueHeadDim();
  return getBatchSize() * getNumKvHeads() * perHead *
         getElementByteSize(getElementType());
}

int64_t AttentionOp::getUntiedCacheBytesPerToken() {
  return getBatchSize() * getNumKvHeads() * (getHeadDim() + getValueHeadDim()) *
         getElementByteSize(getElementType());
}

LogicalResult AttentionOp::verify() {
  RankedTensorType qType = tensorType(getQuery());
  RankedTensorType kvType = tensorType(getKeyValue());
  if (qType.getRank() != 3)
    return emitOpError("query must be [B, S, D], got ")
           << shapeStr(qType.getShape());
  if (kvType.getRank() != 3)
    return emitOpError("key_value must be [B, T, D], got ")
           << shapeStr(kvType.getShape());
  RankedTensorType vType = tensorType(getValueInput());
  if (vType.getRank() != 3)
    return emitOpError("value must be [B, T, D_v], got ")
           << shapeStr(vType.getShape());

  // Every operand and the result must have static shapes: head counts and
  // cache sizes are compile-time facts of this op.
  for (OpOperand &operand : getOperation()->getOpOperands()) {
    RankedTensorType t = tensorType(operand.get());
    if (!t.hasStaticShape())
      return emitOpError("requires static shapes; operand #")
             << operand.getOperandNumber() << " has type " << t;
  }
  if (!getType().hasStaticShape())
    return emitOpError("requires static shapes; result has type ") << getType();

  Type elt = qType.getElementType();
  if (!isSupportedStorageType(elt))
    return emitOpError("element type must be f16, bf16 or f32, got ") << elt;
  auto checkElt = [&](Value v, StringRef what) -> LogicalResult {
    if (v && tensorType(v).getElementType() != elt)
      return emitOpError("element type of ")
             << what << " (" << tensorType(v).getElementType()
             << ") does not match the query's (" << elt << ")";
    return success();
  };
  if (failed(checkElt(getKeyValue(), "key_value")) ||
      failed(checkElt(getValue(), "value")) ||
      failed(checkElt(getOutWeight(), "out weight")) ||
      failed(checkElt(getOutBias(), "out bias")))
    return failure();
  for (Value w : getWeights())
    if (failed(checkElt(w, "a slot weight")))
      return failure();
  for (Value b : getBiases())
    if (failed(checkElt(b, "a slot bias")))
      return failure();
  if (getType().getElementType() != elt)
    return emitOpError("element type of the result (")
           << getType().getElementType() << ") does not match the query's ("
           << elt << ")";

  int64_t batch = qType.getDimSize(0), seqQ = qType.getDimSize(1);
  int64_t seqKV = kvType.getDimSize(1);
  if (batch == 0 || seqQ == 0 || seqKV == 0)
    return emitOpError("batch, query and key sequences must be non-empty, got "
                       "B = ")
           << batch << ", S = " << seqQ << ", T = " << seqKV;
  if (kvType.getDimSize(0) != batch)
    return emitOpError("key_value batch (")
           << kvType.getDimSize(0) << ") does not match query batch (" << batch
           << ")";
  if (vType.getDimSize(0) != batch || vType.getDimSize(1) != seqKV)
    return emitOpError("value must have the keys' batch and length [")
           << batch << ", " << seqKV << "], got " << shapeStr(vType.getShape());

  int64_t hq = getNumHeads(), hkv = getNumKvHeads(), d = getHeadDim();
  if (hq <= 0 || hkv <= 0 || d <= 0)
    return emitOpError("num_heads, num_kv_heads and head_dim must be positive");
  // Byte counts (weights, cache per token) are int64: keep them far from
  // overflow.
  int64_t headsWidth;
  if (llvm::MulOverflow(hq, d, headsWidth) || headsWidth > (int64_t(1) << 40))
    return emitOpError("num_heads x head_dim (")
           << hq << " x " << d << ") is too large";
  // RoPE tables and masks are read as f32 by the kernels: f64 ones would
  // be rounded silently, so they must be written in a storage type.
  for (Value v : {getRopeCos(), getRopeSin(), getMask()})
    if (v && isa<FloatType>(tensorType(v).getElementType()) &&
        !isSupportedStorageType(tensorType(v).getElementType()))
      return emitOpError("RoPE tables and masks must be f16, bf16 or f32, got ")
             << tensorType(v).getElementType();
  if (hq % hkv != 0)
    return emitOpError("num_heads (")
           << hq << ") must be a multiple of num_kv_heads (" << hkv << ")";
  if (!std::isfinite(getScale().convertToDouble()))
    return emitOpError("scale must be finite");

  // Slots and the tying map.
  int64_t numSlots = getNumSlots();
  ArrayRef<bool> hasBias = getSlotHasBias();
  if (static_cast<int64_t>(hasBias.size()) != numSlots)
    return emitOpError("slot_has_bias has ")
           << hasBias.size() << " entries for " << numSlots << " slots";
  if (static_cast<int64_t>(getBiases().size()) != llvm::count(hasBias, true))
    return emitOpError("passes ")
           << getBiases().size() << " bias(es) but slot_has_bias marks "
           << llvm::count(hasBias, true);

  TiesAttr ties = getTies();
  const std::pair<StringRef, int64_t> roles[] = {
      {"q", ties.getQ()}, {"k", ties.getK()}, {"v", ties.getV()}};
  for (auto [role, slot] : roles)
    if (slot >= numSlots)
      return emitOpError("ties.")
             << role << " names slot " << slot << " but the op has " << numSlots
             << " slot(s)";
  for (int64_t s = 0; s < numSlots; ++s)
    if (llvm::none_of(roles, [&](auto r) { return r.second == s; }))
      return emitOpError("slot ") << s << " is not used by q, k or v";

  for (int64_t s = 0; s < numSlots; ++s) {
    RankedTensorType w = tensorType(getWeights()[s]);
    if (w.getRank() != 2)
      return emitOpError("weight of slot ")
             << s << " must be [D_in, N], got " << shapeStr(w.getShape());
    if (Value b = getSlotBias(s)) {
      RankedTensorType bt = tensorType(b);
      if (bt.getRank() != 1 || bt.getDimSize(0) != w.getDimSize(1))
        return emitOpError("bias of slot ")
               << s << " must be [" << w.getDimSize(1) << "], got "
               << shapeStr(bt.getShape());
    }
  }

  // Each role's source must yield H heads of its head size from its input.
  int64_t width = sourceWidth(getValueInput(), getWeights(), ties.getV());
  if (!isKVShared() && width % hkv != 0)
    return emitOpError("v source width (")
           << width << ") is not divisible by num_kv_heads (" << hkv << ")";
  int64_t dv = getValueHeadDim();
  struct Role {
    StringRef name;
    int64_t slot, heads, headDim;
    RankedTensorType input;
    StringRef inputName;
  };
  Role roleInfo[] = {
      {"q", ties.getQ(), hq, d, qType, "query"},
      {"k", ties.getK(), hkv, d, kvType, "key_value"},
      {"v", ties.getV(), hkv, dv, vType, getValue() ? "value" : "key_value"}};
  for (const Role &r : roleInfo) {
    int64_t features = r.input.getDimSize(2);
    int64_t need = r.heads * r.headDim;
    if (r.slot == TiesAttr::kIdentity) {
      if (features != need)
        return emitOpError("identity ")
               << r.name << " needs " << r.inputName << " features ("
               << features << ") to equal heads x head size (" << r.heads
               << " x " << r.headDim << ")";
      continue;
    }
    RankedTensorType w = tensorType(getWeights()[r.slot]);
    if (w.getDimSize(0) != features)
      return emitOpError("weight of slot ")
             << r.slot << " has D_in = " << w.getDimSize(0) << " but " << r.name
             << " projects " << r.inputName << " with " << features
             << " features";
    if (w.getDimSize(1) != need)
      return emitOpError("weight of slot ")
             << r.slot << " has " << w.getDimSize(1) << " outputs but "
             << r.name << " needs heads x head size = " << r.heads << " x "
             << r.headDim;
  }

  // Mask.
  MaskKind kind = getMaskKind();
  Value mask = getMask();
  bool needsTensor = kind == MaskKind::additive || kind == MaskKind::boolean;
  if (!needsTensor && mask)
    return emitOpError("mask kind '")
           << stringifyMaskKind(kind) << "' takes no mask tensor";
  if (needsTensor && !mask)
    return emitOpError("mask kind '")
           << stringifyMaskKind(kind) << "' requires a mask tensor";
  if (mask) {
    RankedTensorType mt = tensorType(mask);
    if (kind == MaskKind::additive && !isa<FloatType>(mt.getElementType()))
      return emitOpError("additive mask must have a float element type, got ")
             << mt.getElementType();
    if (kind == MaskKind::boolean && !mt.getElementType().isInteger(1))
      return emitOpError("boolean mask must have element type i1, got ")
             << mt.getElementType();
    SmallVector<int64_t> full = {batch, hq, seqQ, seqKV};
    if (!broadcastsTo(mt.getShape(), full))
      return emitOpError("mask of shape ")
             << shapeStr(mt.getShape()) << " does not broadcast to [B, Hq, S, "
             << "T] = " << shapeStr(full);
  }
  if (kind == MaskKind::causal && seqQ > seqKV)
    return emitOpError("causal mask needs S <= T, got S = ")
           << seqQ << ", T = " << seqKV;

  if (failed(verifyRope(*this, getRopeCos(), getRopeSin(), d,
                        std::max(seqQ, seqKV))))
    return failure();
  if (failed(verifyNorms(*this, getQNorm(), getKNorm(), getNormEps(), d)))
    return failure();

  // Output projection and result.
  int64_t merged = hq * dv;
  int64_t outFeatures = merged;
  if (getOutBias() && !getOutWeight())
    return emitOpError("out_bias requires an out weight");
  if (Value wo = getOutWeight()) {
    RankedTensorType wt = tensorType(wo);
    if (wt.getRank() != 2 || wt.getDimSize(0) != merged)
      return emitOpError("out weight must be [Hq x dv = ")
             << merged << ", D_out], got " << shapeStr(wt.getShape());
    outFeatures = wt.getDimSize(1);
    if (Value bo = getOutBias()) {
      RankedTensorType bt = tensorType(bo);
      if (bt.getRank() != 1 || bt.getDimSize(0) != outFeatures)
        return emitOpError("out bias must be [")
               << outFeatures << "], got " << shapeStr(bt.getShape());
    }
  }
  SmallVector<int64_t> expected = {batch, seqQ, outFeatures};
  if (getType().getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("result must be [B, S, D_out] = ")
           << shapeStr(expected) << ", got " << shapeStr(getType().getShape());
  return success();
}

//===----------------------------------------------------------------------===//
// Cache ops
//===----------------------------------------------------------------------===//

LogicalResult CacheAppendOp::verify() {
  KVCacheType cache = getCacheType();
  if (static_cast<int64_t>(getValues().size()) != cache.getBuffers())
    return emitOpError("expects ")
           << cache.getBuffers() << " tensor(s), one per cache buffer, got "
           << getValues().size();
  int64_t tokens = -1;
  for (auto [i, v] : llvm::enumerate(getValues())) {
    RankedTensorType t = tensorType(v);
    if (t.getElementType() != cache.getElementType())
      return emitOpError("value #")
             << i << " has element type " << t.getElementType()
             << " but the cache holds " << cache.getElementType();
    if (t.getRank() != 4 || t.getDimSize(0) != cache.getBatch() ||
        t.getDimSize(1) != cache.getHeads() ||
        t.getDimSize(3) != cache.getHeadDim() ||
        ShapedType::isDynamic(t.getDimSize(2)))
      return emitOpError("value #")
             << i << " must be [batch, heads, n, head_dim] = ["
             << cache.getBatch() << ", " << cache.getHeads() << ", n, "
             << cache.getHeadDim() << "], got " << shapeStr(t.getShape());
    if (tokens >= 0 && t.getDimSize(2) != tokens)
      return emitOpError("all values must append the same number of tokens");
    tokens = t.getDimSize(2);
  }
  if (tokens > cache.getCapacity())
    return emitOpError("appends ")
           << tokens << " tokens, more than the capacity ("
           << cache.getCapacity() << ")";
  return success();
}

LogicalResult CacheAttendOp::verify() {
  KVCacheType cache = getCacheType();
  RankedTensorType q = tensorType(getQuery());
  if (q.getRank() != 4 || !q.hasStaticShape())
    return emitOpError("query must be a static [B, Hq, n, d] tensor, got ")
           << q;
  int64_t hq = getNumHeads(), hkv = getNumKvHeads();
  if (hq <= 0 || hkv <= 0 || hq % hkv != 0)
    return emitOpError("num_heads (")
           << hq << ") must be a positive multiple of num_kv_heads (" << hkv
           << ")";
  if (hkv != cache.getHeads())
    return emitOpError("num_kv_heads (")
           << hkv << ") does not match the cache's heads (" << cache.getHeads()
           << ")";
  SmallVector<int64_t> expected = {cache.getBatch(), hq, q.getDimSize(2),
                                   cache.getHeadDim()};
  if (q.getShape() != ArrayRef<int64_t>(expected))
    return emitOpError("query must be [B, Hq, n, d] = [")
           << cache.getBatch() << ", " << hq << ", n, " << cache.getHeadDim()
           << "], got " << shapeStr(q.getShape());
  if (q.getDimSize(2) > cache.getCapacity())
    return emitOpError("attends ")
           << q.getDimSize(2) << " query tokens, more than the capacity ("
           << cache.getCapacity() << ")";
  // The cache may store fewer bits than the model computes with (an f16
  // cache for an f32 model): the query keeps the model's type.
  if (!isSupportedStorageType(q.getElementType()))
    return emitOpError("query element type must be f16, bf16 or f32, got ")
           << q.getElementType();
  if (getType() != q)
    return emitOpError("result type ")
           << getType() << " must equal the query type " << q;
  TiesAttr ties = getTies();
  if (ties.getNumCacheBuffers() != cache.getBuffers())
    return emitOpError("cache has ")
           << cache.getBuffers() << " buffer(s) but ties " << ties << " has "
           << ties.getNumCacheBuffers() << " distinct source(s) among k and v";
  if (getMaskKind() != MaskKind::none && getMaskKind() != MaskKind::causal)
    return emitOpError("supports mask kinds none and causal, got ")
           << stringifyMaskKind(getMaskKind());
  if (!std::isfinite(getScale().convertToDouble()))
    return emitOpError("scale must be finite");
  if (failed(verifyNorms(*this, getQNorm(), getKNorm(), getNormEps(),
                         cache.getHeadDim())))
    return failure();
  return verifyRope(*this, getRopeCos(), getRopeSin(), cache.getHeadDim(),
                    cache.getCapacity());
}
