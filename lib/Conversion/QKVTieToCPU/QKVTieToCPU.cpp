//===- QKVTieToCPU.cpp - Fused, vectorised, multithreaded CPU kernels -----===//
//
// Each qkvtie.attention and qkvtie.cache.attend becomes a call to a kernel
// function on memrefs that this pass writes with scf, vector and memref ops:
//
//  - prefill (FlashAttention-2 style): one parallel task per (batch, KV head,
//    query tile) serves every query head of the KV head's group, streams the
//    keys once with an online softmax in f32, and stops at the last key the
//    tile's causal diagonal lets it see;
//  - decode: the cached keys are split in chunks across threads; each chunk
//    keeps a partial softmax state (max, sum, accumulator) and a merge step
//    combines them. A K=V cache row is loaded once and used for q·k and
//    for p·v; with RoPE it is rotated in registers for the score only.
//
// Static-shape matmuls accumulating in f32 (the projections) become a
// register-tiled, vectorised GEMM kernel. scf.parallel later becomes OpenMP.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Conversion/QKVTieToCPU/QKVTieToCPU.h"

#include "CPUAttentionKernel.h"
#include "qkvtie/Conversion/AttentionCommon/KernelSupport.h"
#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/Support/Debug.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>
#include <numeric>

#define DEBUG_TYPE "qkvtie-lower-cpu"

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

//===----------------------------------------------------------------------===//
// GEMM kernel
//===----------------------------------------------------------------------===//

/// C[M, N] += A[M, K] · B[K, N] with C f32, A and B any float type: register
/// tiles of 4 rows × 2 vectors accumulate over K; row and column remainders
/// use narrower tiles. Arguments: a, b, c.
class GemmKernel : KernelBuilder {
public:
  GemmKernel(ImplicitLocOpBuilder &b, ValueRange args, int64_t lanes)
      : KernelBuilder(b), a(args[0]), bm(args[1]), c(args[2]), lanes(lanes) {
    auto at = cast<MemRefType>(a.getType());
    auto bt = cast<MemRefType>(bm.getType());
    mDim = at.getDimSize(0);
    kDim = at.getDimSize(1);
    nDim = bt.getDimSize(1);
  }

  void build() {
    int64_t w = laneCount({nDim}, lanes);
    if (nDim >= lanes)
      w = lanes; // the column remainder takes narrower tiles
    int64_t nWide = nDim / (2 * w) * (2 * w);
    int64_t nOne = nWide + (nDim - nWide) / w * w;
    int64_t mFour = mDim / 4 * 4;
    // Tasks are (row tile, column tile) pairs, so that a decode step's
    // single row still spreads its weight columns over the threads.
    auto part = [&](int64_t mr, int64_t mLo, int64_t mHi, int64_t nv,
                    int64_t lanes, int64_t nLo, int64_t nHi) {
      int64_t nStep = nv * lanes;
      if (mHi <= mLo || nHi <= nLo)
        return;
      parallel({idx((mHi - mLo) / mr), idx((nHi - nLo) / nStep)},
               [&](ValueRange iv) {
                 tile(mr, nv, lanes, add(idx(mLo), mul(iv[0], idx(mr))),
                      add(idx(nLo), mul(iv[1], idx(nStep))));
               });
    };
    for (auto [mr, mLo, mHi] : {std::make_tuple(int64_t(4), int64_t(0), mFour),
                                std::make_tuple(int64_t(1), mFour, mDim)}) {
      part(mr, mLo, mHi, 2, w, 0, nWide);
      part(mr, mLo, mHi, 1, w, nWide, nOne);
      part(mr, mLo, mHi, 1, 1, nOne, nDim);
    }
  }

private:
  void tile(int64_t mr, int64_t nv, int64_t w, Value m0, Value n0) {
    SmallVector<Value> inits;
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t e = 0; e < nv; ++e)
        inits.push_back(loadF32(c, {add(m0, idx(r)), n0}, e * w, w));
    auto kLoop = scf::ForOp::create(
        b, idx(0), idx(kDim), idx(1), inits,
        [&](OpBuilder &ob, Location loc, Value kk, ValueRange it) {
          ImplicitLocOpBuilder ib(loc, ob);
          KernelBuilder kb(ib);
          SmallVector<Value> bv, next;
          for (int64_t e = 0; e < nv; ++e)
            bv.push_back(kb.loadF32(bm, {kk, n0}, e * w, w));
          for (int64_t r = 0; r < mr; ++r) {
            Value x =
                kb.splat(kb.toF32(memref::LoadOp::create(
                             ib, a, ValueRange{kb.add(m0, kb.idx(r)), kk})),
                         w);
            for (int64_t e = 0; e < nv; ++e)
              next.push_back(
                  vector::FMAOp::create(ib, x, bv[e], it[r * nv + e]));
          }
          scf::YieldOp::create(ib, next);
        });
    for (int64_t r = 0; r < mr; ++r)
      for (int64_t e = 0; e < nv; ++e)
        storeFromF32(kLoop.getResult(r * nv + e), c, {add(m0, idx(r)), n0},
                     e * w);
  }

  Value a, bm, c;
  int64_t lanes;
  int64_t mDim = 0, kDim = 0, nDim = 0;
};

//===----------------------------------------------------------------------===//
// Kernel functions and call sites
//===----------------------------------------------------------------------===//

/// linalg.matmul with static shapes, the default maps, float operands and
/// an f32 accumulator: the GEMM kernel.
struct FusedMatmul : public OpConversionPattern<linalg::MatmulOp> {
  FusedMatmul(MLIRContext *ctx, std::shared_ptr<KernelTable> kernels,
              int64_t lanes)
      : OpConversionPattern(ctx, /*benefit=*/1), kernels(std::move(kernels)),
        lanes(lanes) {}

  LogicalResult
  matchAndRewrite(linalg::MatmulOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isSupported(op))
      return rewriter.notifyMatchFailure(op, "not a static f32-accumulating "
                                             "float matmul on tensors");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value lhs = op.getInputs()[0], rhs = op.getInputs()[1],
          init = op.getOutputs()[0];
    SmallVector<Value> buffers = {readBuffer(b, lhs), readBuffer(b, rhs)};
    SmallVector<Type> argTypes = {buffers[0].getType(), buffers[1].getType(),
                                  bufferType(init)};
    std::string key;
    llvm::raw_string_ostream os(key);
    os << lanes << ';';
    for (Type t : argTypes)
      os << t << ';';
    func::FuncOp kernel = kernels->get(
        op, "__qkvtie_gemm", key, argTypes,
        [&](ImplicitLocOpBuilder &kb, ValueRange args) {
          LLVM_DEBUG(llvm::dbgs()
                     << "[" DEBUG_TYPE "] GEMM kernel " << key << "\n");
          GemmKernel(kb, args, lanes).build();
        });
    rewriter.replaceOp(op, callKernel(b, kernel, buffers,
                                      cast<RankedTensorType>(init.getType()),
                                      init));
    return success();
  }

  static bool isSupported(linalg::MatmulOp op) {
    if (!op.hasPureTensorSemantics() || op.hasUserDefinedMaps() ||
        op->getNumResults() != 1)
      return false;
    for (Value v : op->getOperands()) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t || !t.hasStaticShape() || t.getNumElements() == 0 ||
          !isa<FloatType>(t.getElementType()) ||
          t.getElementType().getIntOrFloatBitWidth() > 32)
        return false;
    }
    return getElementTypeOrSelf(op.getOutputs()[0].getType()).isF32();
  }

  std::shared_ptr<KernelTable> kernels;
  int64_t lanes;
};

/// The CPU kernels' bodies (CPUAttentionKernel.cpp).
class CPUTarget : public AttentionTarget {
public:
  explicit CPUTarget(int64_t lanes) : lanes(lanes) {}
  StringRef getKernelPrefix() const override { return "__qkvtie"; }
  int64_t getVectorWidth() const override { return lanes; }
  void buildAttentionKernel(ImplicitLocOpBuilder &b, const AttentionSpec &spec,
                            ValueRange args) const override {
    LLVM_DEBUG(llvm::dbgs()
               << "[" DEBUG_TYPE "] " << (spec.decode ? "decode" : "prefill")
               << " kernel: heads " << spec.hq << "/" << spec.hkv
               << ", head_dim " << spec.d << ", "
               << (spec.kvSame ? "one K=V buffer" : "separate K and V")
               << ", up to " << spec.lanes << " lanes\n");
    buildCPUAttentionKernel(b, spec, args);
  }

private:
  int64_t lanes;
};

} // namespace

bool mlir::qkvtie::isFusedMatmul(linalg::MatmulOp op) {
  return FusedMatmul::isSupported(op);
}

void mlir::qkvtie::populateQKVTieToCPUConversionPatterns(
    TypeConverter &converter, RewritePatternSet &patterns,
    int64_t vectorWidth) {
  // GEMM and attention kernels are numbered in one sequence.
  auto kernels = std::make_shared<KernelTable>();
  populateAttentionCallPatterns(
      converter, patterns, std::make_shared<CPUTarget>(vectorWidth), kernels);
  patterns.add<FusedMatmul>(patterns.getContext(), kernels, vectorWidth);
}
