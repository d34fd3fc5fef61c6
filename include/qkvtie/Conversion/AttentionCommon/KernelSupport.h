//===- KernelSupport.h - Kernel functions shared by the lowerings -*- C++ -*-=//
//
// The fused lowerings (CPU and GPU) replace each qkvtie.attention and
// qkvtie.cache.attend with a call to a private kernel function on memrefs;
// they differ only in how that function's body is written. This header holds
// what they share: the shape key of a kernel, the table that deduplicates
// kernels, the builder helpers and the call-site patterns.
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_CONVERSION_ATTENTIONCOMMON_KERNELSUPPORT_H
#define QKVTIE_CONVERSION_ATTENTIONCOMMON_KERNELSUPPORT_H

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "qkvtie/Conversion/AttentionCommon/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/DialectConversion.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>
#include <memory>
#include <string>

namespace mlir::qkvtie {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

/// Widest power of two up to `maxLanes` that divides every extent in `dims`.
inline int64_t laneCount(ArrayRef<int64_t> dims, int64_t maxLanes) {
  for (int64_t w = maxLanes; w > 1; w /= 2)
    if (llvm::all_of(dims, [&](int64_t d) { return d % w == 0; }))
      return w;
  return 1;
}

/// Builder helpers shared by the kernels.
class KernelBuilder {
public:
  explicit KernelBuilder(ImplicitLocOpBuilder &b) : b(b) {}

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value f32(double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
  }
  Value add(Value x, Value y) {
    return isa<IndexType>(x.getType()) ? Value(arith::AddIOp::create(b, x, y))
                                       : Value(arith::AddFOp::create(b, x, y));
  }
  Value mul(Value x, Value y) {
    return isa<IndexType>(x.getType()) ? Value(arith::MulIOp::create(b, x, y))
                                       : Value(arith::MulFOp::create(b, x, y));
  }
  Value sub(Value x, Value y) {
    return isa<IndexType>(x.getType()) ? Value(arith::SubIOp::create(b, x, y))
                                       : Value(arith::SubFOp::create(b, x, y));
  }
  Value minI(Value x, Value y) { return arith::MinSIOp::create(b, x, y); }
  Value maxI(Value x, Value y) { return arith::MaxSIOp::create(b, x, y); }
  Value ceilDiv(Value x, int64_t y) {
    return arith::CeilDivSIOp::create(b, x, idx(y));
  }
  Value splat(Value scalar, int64_t w) {
    return vector::BroadcastOp::create(
        b, VectorType::get({w}, scalar.getType()), scalar);
  }
  Value toF32(Value v) {
    return convertFloat(b, b.getLoc(), v, b.getF32Type());
  }
  Value fromF32(Value v, Type elt) {
    return convertFloat(b, b.getLoc(), v, elt);
  }
  /// `w` lanes at `indices` (the last one advanced by `lane`) as f32.
  Value loadF32(Value memref, ArrayRef<Value> indices, int64_t lane,
                int64_t w) {
    SmallVector<Value> at(indices);
    if (lane)
      at.back() = add(at.back(), idx(lane));
    Type elt = cast<MemRefType>(memref.getType()).getElementType();
    if (w == 1)
      return splat(toF32(memref::LoadOp::create(b, memref, at)), 1);
    return toF32(
        vector::LoadOp::create(b, VectorType::get({w}, elt), memref, at));
  }
  void storeFromF32(Value v, Value memref, ArrayRef<Value> indices,
                    int64_t lane) {
    SmallVector<Value> at(indices);
    if (lane)
      at.back() = add(at.back(), idx(lane));
    Type elt = cast<MemRefType>(memref.getType()).getElementType();
    vector::StoreOp::create(b, fromF32(v, elt), memref, at);
  }
  /// The max that merging partial softmax states rescales by: `max`, or 0
  /// where no state saw a key (max -inf), so that exp stays finite.
  Value mergeBase(Value max) {
    Value ninf = f32(kNegInf);
    Value none = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, max, ninf);
    Value zero = f32(0.0);
    return arith::SelectOp::create(b, none, zero, max);
  }
  /// The weight of a partial state with max `m` in that merge:
  /// exp(m - base), and exactly 1 for a state at the max, even at +inf.
  Value mergeWeight(Value m, Value max, Value base) {
    Value atMax = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, m, max);
    Value one = f32(1.0);
    Value scaled = math::ExpOp::create(b, sub(m, base));
    return arith::SelectOp::create(b, atMax, one, scaled);
  }
  Value reduceAdd(Value v) {
    return vector::ReductionOp::create(b, vector::CombiningKind::ADD, v);
  }

  /// Runs `body` inside `scf.for lb to ub step` (no loop-carried values).
  template <typename F> void loop(Value lb, Value ub, Value step, F body) {
    auto forOp = scf::ForOp::create(b, lb, ub, step);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forOp.getBody()->getTerminator());
    body(forOp.getInductionVar());
  }
  /// Runs `body` inside `scf.parallel` over the box [0, ubs) (step 1), its
  /// stack allocations scoped to one iteration.
  template <typename F> void parallel(ArrayRef<Value> ubs, F body) {
    SmallVector<Value> lbs(ubs.size(), idx(0)), steps(ubs.size(), idx(1));
    auto par = scf::ParallelOp::create(b, lbs, ubs, steps);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(par.getBody()->getTerminator());
    auto scope = memref::AllocaScopeOp::create(b, TypeRange{});
    Block *block = b.createBlock(&scope.getBodyRegion());
    b.setInsertionPointToStart(block);
    auto yield = memref::AllocaScopeReturnOp::create(b, ValueRange{});
    b.setInsertionPoint(yield);
    body(par.getInductionVars());
  }
  template <typename F> void when(Value cond, F body) {
    auto ifOp = scf::IfOp::create(b, cond, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    body();
  }

  ImplicitLocOpBuilder &b;
};

/// Everything that shapes one attention kernel; equal specs share a kernel.
struct AttentionSpec {
  bool decode = false;
  int64_t batch = 0, hq = 0, hkv = 0;
  /// Queries per call; keys (prefill) or cache capacity (decode).
  int64_t seqQ = 0, seqKV = 0;
  int64_t d = 0, dv = 0;
  /// Prefill: column offsets of Q, K and V in their projection buffers.
  int64_t qOff = 0, kOff = 0, vOff = 0;
  /// K and V rows are one memory (K=V tie, or a one-buffer cache).
  bool kvSame = false;
  int64_t cacheBuffers = 0;
  MaskKind mask = MaskKind::none;
  double scale = 1.0;
  bool rope = false;
  /// Elements of each head RoPE rotates (d, or fewer for partial rotary).
  int64_t rotary = 0;
  /// QK-norm of queries and keys in the kernel (weights are arguments).
  bool qNorm = false, kNorm = false;
  double normEps = 0.0;
  /// Widest vector, in f32 lanes.
  int64_t lanes = 8;
  /// Types of the kernel's memref arguments, in order.
  SmallVector<Type> argTypes;

  std::string key() const {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << decode << batch << ',' << hq << ',' << hkv << ',' << seqQ << ','
       << seqKV << ',' << d << ',' << dv << ',' << qOff << ',' << kOff << ','
       << vOff << ',' << kvSame << ',' << cacheBuffers << ','
       << static_cast<int>(mask) << ',' << llvm::format("%a", scale) << ','
       << rope << ',' << rotary << ',' << qNorm << kNorm << ','
       << llvm::format("%a", normEps) << ',' << lanes;
    for (Type t : argTypes)
      os << ';' << t;
    return s;
  }
};

/// Kernel functions, created on first use in the module of the op that
/// needs them; a lowering's patterns share one table.
class KernelTable {
public:
  /// The kernel for `key` in `at`'s module, built by `body(builder, args)`
  /// if new.
  template <typename F>
  func::FuncOp get(Operation *at, StringRef prefix, const std::string &key,
                   ArrayRef<Type> argTypes, F body) {
    auto module = at->getParentOfType<ModuleOp>();
    llvm::StringMap<func::FuncOp> &kernels = tables[module];
    auto it = kernels.find(key);
    if (it != kernels.end())
      return it->second;
    Location loc = at->getLoc();
    OpBuilder ob(module.getBodyRegion());
    ob.setInsertionPointToEnd(module.getBody());
    std::string name;
    SymbolTable table(module);
    for (unsigned n = kernels.size();; ++n) {
      name = (prefix + "_" + Twine(n)).str();
      if (!table.lookup(name))
        break;
    }
    auto fn = func::FuncOp::create(ob, loc, name,
                                   ob.getFunctionType(argTypes, TypeRange{}));
    fn.setPrivate();
    // Callers hold the buffers; the kernels only read and write them.
    fn->setAttr(QKVTieDialect::KernelAttrHelper::getNameStr(),
                ob.getUnitAttr());
    markShared(fn);
    Block *entry = fn.addEntryBlock();
    ImplicitLocOpBuilder b(loc, ob);
    b.setInsertionPointToStart(entry);
    body(b, entry->getArguments());
    func::ReturnOp::create(b, ValueRange{});
    kernels[key] = fn;
    return fn;
  }

private:
  DenseMap<Operation *, llvm::StringMap<func::FuncOp>> tables;
};

inline MemRefType bufferType(Value tensor) {
  auto t = cast<RankedTensorType>(tensor.getType());
  return MemRefType::get(t.getShape(), t.getElementType());
}

inline Value readBuffer(ImplicitLocOpBuilder &b, Value tensor) {
  return bufferization::ToBufferOp::create(b, bufferType(tensor), tensor,
                                           /*read_only=*/true);
}

/// Calls `kernel` on `inputs` (read) and a new buffer of `resultType`
/// (written), returning that buffer as a tensor. With `init`, the result
/// buffer starts as a copy of it.
inline Value callKernel(ImplicitLocOpBuilder &b, func::FuncOp kernel,
                        ArrayRef<Value> inputs, RankedTensorType resultType,
                        Value init = {}) {
  auto type =
      MemRefType::get(resultType.getShape(), resultType.getElementType());
  Value buffer = memref::AllocOp::create(b, type);
  if (init)
    memref::CopyOp::create(b, readBuffer(b, init), buffer);
  SmallVector<Value> args(inputs);
  args.push_back(buffer);
  func::CallOp::create(b, kernel, args);
  return bufferization::ToTensorOp::create(b, resultType, buffer,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

/// [B·L, D] rows of `x` [B, L, D].
inline Value flattenRows(ImplicitLocOpBuilder &b, Value x) {
  auto t = cast<RankedTensorType>(x.getType());
  return tensor::CollapseShapeOp::create(
      b,
      RankedTensorType::get(
          {t.getDimSize(0) * t.getDimSize(1), t.getDimSize(2)},
          t.getElementType()),
      x, ArrayRef<ReassociationIndices>{{0, 1}, {2}});
}

/// The element of an explicit mask [.., S, T] (broadcast up to [B, Hq, S,
/// T]) for batch `bi`, query head `h`, query `i` and key `j`.
inline Value loadMask(KernelBuilder &kb, const AttentionSpec &s, Value mask,
                      Value bi, Value h, Value i, Value j) {
  auto mt = cast<MemRefType>(mask.getType());
  SmallVector<Value> full = {bi, h, i, j};
  SmallVector<int64_t> fullShape = {s.batch, s.hq, s.seqQ, s.seqKV};
  int64_t lead = 4 - mt.getRank();
  SmallVector<Value> at;
  for (int64_t a = 0; a < mt.getRank(); ++a)
    at.push_back(mt.getDimSize(a) == 1 && fullShape[lead + a] != 1
                     ? kb.idx(0)
                     : full[lead + a]);
  return memref::LoadOp::create(kb.b, mask, at);
}

/// The score a boolean mask leaves where it is false: the lowest finite value
/// of the element type, as frameworks write `where(mask, s, finfo.min)`.
inline Value maskedScore(KernelBuilder &kb, Type elt) {
  return kb.f32(lowestFinite(elt));
}

/// What a fused lowering supplies to the shared call-site patterns, in the
/// spirit of Triton's TargetInfoBase: the call sites, projections and cache
/// storage are the same for every target, the kernel functions' bodies are
/// not.
class AttentionTarget {
public:
  virtual ~AttentionTarget();
  /// Names of the kernel functions: `prefix`_attention_N, `prefix`_decode_N.
  virtual StringRef getKernelPrefix() const = 0;
  /// Widest vector of the kernels, in f32 lanes (part of a kernel's key).
  virtual int64_t getVectorWidth() const = 0;
  /// Writes the body of the kernel function for `spec`; `args` are the
  /// function's arguments as listed in AttentionSpec::argTypes, then the
  /// output buffer.
  virtual void buildAttentionKernel(ImplicitLocOpBuilder &b,
                                    const AttentionSpec &spec,
                                    ValueRange args) const = 0;
};

/// Rewrites qkvtie.attention (projections, kernel call, output projection)
/// and qkvtie.cache.attend (kernel call) into calls of `target`'s kernels,
/// kept in `kernels`.
void populateAttentionCallPatterns(
    TypeConverter &converter, RewritePatternSet &patterns,
    std::shared_ptr<const AttentionTarget> target,
    std::shared_ptr<KernelTable> kernels);

} // namespace mlir::qkvtie

#endif // QKVTIE_CONVERSION_ATTENTIONCOMMON_KERNELSUPPORT_H
