//===- GPUKernels.h - Device kernels of the GPU lowering --------*- C++ -*-===//
//
// Private to lib/Conversion/QKVTieToGPU: the gpu.func bodies (GPUKernels.cpp)
// and what the host side that launches them shares with them.
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_LIB_CONVERSION_QKVTIETOGPU_GPUKERNELS_H
#define QKVTIE_LIB_CONVERSION_QKVTIETOGPU_GPUKERNELS_H

#include "qkvtie/Conversion/AttentionCommon/KernelSupport.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"

namespace mlir::qkvtie::gpu_kernels {

/// Keys per warp in decode: a run's partial state is written once.
constexpr int64_t kSplit = 64;
/// Warps per decode block and threads per prefill block.
constexpr int64_t kWarps = 4;
constexpr int64_t kWarp = 32;
constexpr int64_t kPrefillThreads = 64;
/// Query rows (head, token) one decode warp serves: its state stays in
/// registers.
constexpr int64_t kRowsPerWarp = 16;
/// Widest head dimension a prefill thread keeps in registers.
constexpr int64_t kMaxPrefillHeadDim = 256;

/// Device-side helpers on top of the shared builder helpers.
class GPUBuilder : public KernelBuilder {
public:
  using KernelBuilder::KernelBuilder;

  Value threadId() { return gpu::ThreadIdOp::create(b, gpu::Dimension::x); }
  Value blockId(gpu::Dimension d) { return gpu::BlockIdOp::create(b, d); }
  Value divU(Value x, int64_t y) {
    return arith::DivUIOp::create(b, x, idx(y));
  }
  Value remU(Value x, int64_t y) {
    return arith::RemUIOp::create(b, x, idx(y));
  }
  Value ult(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, c, x, y);
  }
  Value loadF32(Value memref, ArrayRef<Value> at) {
    return toF32(memref::LoadOp::create(b, memref, at));
  }
  void storeFromF32(Value v, Value memref, ArrayRef<Value> at) {
    Type elt = cast<MemRefType>(memref.getType()).getElementType();
    memref::StoreOp::create(b, fromF32(v, elt), memref, at);
  }
  /// `x` of the lane `lane ^ mask`.
  Value shuffleXor(Value x, int64_t mask) {
    return gpu::ShuffleOp::create(b, x, static_cast<int32_t>(mask),
                                  static_cast<int32_t>(kWarp),
                                  gpu::ShuffleMode::XOR)
        .getShuffleResult();
  }
  /// The sum over the warp, in every lane.
  Value warpSum(Value x) {
    for (int64_t m = kWarp / 2; m >= 1; m /= 2)
      x = add(x, shuffleXor(x, m));
    return x;
  }

  /// One online-softmax step: state (m, l, acc) takes score `s` with
  /// value `v`. A step whose running max is still -inf changes nothing
  /// but keeps NaN, as the reference does.
  void onlineStep(Value &m, Value &l, MutableArrayRef<Value> acc, Value s,
                  ArrayRef<Value> v) {
    Value mNew = arith::MaximumFOp::create(b, m, s);
    Value dead =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, mNew, f32(kNegInf));
    Value corr = select(dead, f32(1.0), math::ExpOp::create(b, sub(m, mNew)));
    Value p = select(dead, f32(0.0), math::ExpOp::create(b, sub(s, mNew)));
    l = add(mul(l, corr), p);
    for (auto [a, x] : llvm::zip(acc, v))
      a = math::FmaOp::create(b, p, x, mul(a, corr));
    m = mNew;
  }
};

/// Decode geometry shared by the host code and the kernels.
struct DecodeShape {
  int64_t group, rows, rowsPerWarp, rowTiles, maxSplits, perLane;
  explicit DecodeShape(const AttentionSpec &s) {
    group = s.hq / s.hkv;
    rows = group * s.seqQ;
    rowsPerWarp = std::min(rows, kRowsPerWarp);
    rowTiles = (rows + rowsPerWarp - 1) / rowsPerWarp;
    maxSplits = (s.seqKV + kSplit - 1) / kSplit;
    perLane = std::max<int64_t>(1, s.d / kWarp);
  }
  /// Partial states: [B, Hkv·rowTiles, maxSplits, rowsPerWarp, d + 2].
  MemRefType partialType(const AttentionSpec &s, MLIRContext *ctx) const {
    return MemRefType::get(
        {s.batch, s.hkv * rowTiles, maxSplits, rowsPerWarp, s.d + 2},
        Float32Type::get(ctx));
  }
};

/// Arguments: q [B, Hq, n, d], cache [buffers, B, Hkv, cap, d], [cos, sin],
/// length, partial.
void buildDecodeKernel(ImplicitLocOpBuilder &b, const AttentionSpec &s,
                       ValueRange args);

/// Arguments: partial, length, out [B, Hq, n, d]. Block (tile, row k, batch),
/// threads over the row's columns.
void buildMergeKernel(ImplicitLocOpBuilder &b, const AttentionSpec &s,
                      ValueRange args);

/// Arguments: q, k, [v], [mask], [cos, sin], out; q/k/v [B·L, N] projection
/// buffers, out [B·S, Hq·dv]. One thread per (query, head) row.
void buildPrefillKernel(ImplicitLocOpBuilder &b, const AttentionSpec &s,
                        ValueRange args);

} // namespace mlir::qkvtie::gpu_kernels

#endif // QKVTIE_LIB_CONVERSION_QKVTIETOGPU_GPUKERNELS_H
