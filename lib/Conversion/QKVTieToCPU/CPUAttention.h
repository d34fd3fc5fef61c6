//===- CPUAttention.h - Builder of the fused CPU attention kernels -*- C++
//-*-===//
//
// The state and helpers the decode and prefill kernels share; their bodies
// are in CPUDecodeKernel.cpp and CPUPrefillKernel.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_LIB_CONVERSION_QKVTIETOCPU_CPUATTENTION_H
#define QKVTIE_LIB_CONVERSION_QKVTIETOCPU_CPUATTENTION_H

#include "qkvtie/Conversion/AttentionCommon/KernelSupport.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <utility>

namespace mlir::qkvtie::cpu {

/// Queries per call from which a cache is attended blocked, as in prefill.
constexpr int64_t kBlockedQueries = 16;

/// Vector registers of the target the lanes imply: AVX2 has 16 of 8 f32
/// lanes, AVX-512 32 of 16.
inline int64_t vectorRegisters(int64_t lanes) { return lanes >= 16 ? 32 : 16; }

/// Divisors of `n`, ascending.
SmallVector<int64_t> divisors(int64_t n);

/// 1, 2, ..., n.
SmallVector<int64_t> upTo(int64_t n);

/// A register tile of rows × cols accumulators. A step of the contraction
/// holds one side in registers (`holdRows`: a vector or broadcast per row;
/// else one per column) while the other streams through one register. Of
/// the candidates that fit `registers` (with the held side twice: LLVM
/// unrolls these loops by two and loads both steps' operands first, and an
/// accumulator that does not fit is spilled and bounds the loop with its
/// store and reload), the one with the most independent accumulators up to
/// ten (an FMA's latency times the FMAs issued per cycle: fewer chains
/// leave the FMA units idle), then the most FMAs per load, then the larger.
std::pair<int64_t, int64_t> registerTile(ArrayRef<int64_t> rowChoices,
                                         ArrayRef<int64_t> colChoices,
                                         bool holdRows, int64_t registers);

class CPUAttention : public KernelBuilder {
public:
  CPUAttention(ImplicitLocOpBuilder &b, const AttentionSpec &spec,
               ValueRange args);

  void build() {
    // A few queries (a decode step) stream the cache split across threads;
    // many (prefill, or a chunk of a prompt through the cache) are blocked
    // FlashAttention-2 style, in parallel over query tiles.
    if (s.decode && s.seqQ < kBlockedQueries)
      buildDecode();
    else
      buildBlocked();
  }

private:
  //===--------------------------------------------------------------------===//
  // Layouts
  //===--------------------------------------------------------------------===//

  SmallVector<Value> qAt(Value bi, Value i, Value h) {
    if (s.decode)
      return {bi, h, i, idx(0)};
    return {add(mul(bi, idx(s.seqQ)), i), add(idx(s.qOff), mul(h, idx(s.d)))};
  }
  SmallVector<Value> rowAt(Value bi, Value g, Value j, bool value) {
    if (s.decode)
      return {idx(value && s.cacheBuffers == 2 ? 1 : 0), bi, g, j, idx(0)};
    int64_t off = value ? s.vOff : s.kOff, width = value ? s.dv : s.d;
    return {add(mul(bi, idx(s.seqKV)), j), add(idx(off), mul(g, idx(width)))};
  }
  SmallVector<Value> outAt(Value bi, Value i, Value h) {
    if (s.decode)
      return {bi, h, i, idx(0)};
    return {add(mul(bi, idx(s.seqQ)), i), mul(h, idx(s.dv))};
  }
  Value keyMemref(bool value) { return value ? v : k; }
  Type storageType() { return cast<MemRefType>(k.getType()).getElementType(); }

  //===--------------------------------------------------------------------===//
  // Helpers
  //===--------------------------------------------------------------------===//

  /// scf.for with loop-carried `inits`; `body(iv, args)` returns the next
  /// values.
  /// With `noUnroll`, LLVM keeps the loop rolled (see unrollDisabled).
  template <typename F>
  SmallVector<Value> forCarry(Value lb, Value ub, Value step, ValueRange inits,
                              F body, bool noUnroll = false) {
    auto forOp = scf::ForOp::create(b, lb, ub, step, inits);
    if (noUnroll)
      forOp->setAttr(LLVM::LoopAnnotationAttr::name, unrollDisabled());
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToEnd(forOp.getBody());
      SmallVector<Value> next =
          body(forOp.getInductionVar(), forOp.getRegionIterArgs());
      scf::YieldOp::create(b, next);
    }
    return SmallVector<Value>(forOp.getResults());
  }
  /// A micro-kernel's loop over a head, unrolled, has its rows' neighbouring
  /// vectors loaded together (LLVM clusters loads from one base) and
  /// spilled; rolled, each step holds one vector per row.
  LLVM::LoopAnnotationAttr unrollDisabled() {
    MLIRContext *ctx = b.getContext();
    return LLVM::LoopAnnotationAttr::get(
        ctx, {}, {}, {},
        LLVM::LoopUnrollAttr::get(ctx, b.getBoolAttr(true), {}, {}, {}, {}, {},
                                  {}),
        {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {});
  }
  Value zeros(int64_t n) {
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(VectorType::get({n}, f32Type), 0.0f));
  }
  Value vsplat(float x, int64_t n) {
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(VectorType::get({n}, f32Type), x));
  }
  Value fma(Value x, Value y, Value acc) {
    return vector::FMAOp::create(b, x, y, acc);
  }
  Value loadVec(Value memref, ValueRange at, int64_t n = 0) {
    return vector::LoadOp::create(b, VectorType::get({n ? n : w}, f32Type),
                                  memref, at);
  }
  Value broadcastAt(Value memref, ValueRange at) {
    return splat(memref::LoadOp::create(b, memref, at), w);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, cond, x, y);
  }
  Value cmpf(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, p, x, y);
  }

  /// x rotated by the RoPE tables' row `pos`: x·cos + rotate_half(x)·sin
  /// on the first `rotary` elements; the rest pass (partial rotary).
  SmallVector<Value> rotate(ArrayRef<Value> x, Value pos);
  /// QK-norm of one head held as vectors: x · rsqrt(mean(x²) + eps) · w.
  SmallVector<Value> normalise(ArrayRef<Value> x, Value weight);
  /// The key row `j` (of KV head `g`) as f32 vectors, normalised and rotated
  /// when the op says so.
  SmallVector<Value> keyRow(Value bi, Value g, Value j);

  /// [Σ v0, Σ v1, ...] of n w-lane vectors: pairs of vectors fold their
  /// halves into one vector level by level, then adjacent lanes add, so
  /// that n sums cost about n shuffles and adds instead of n reductions.
  Value reduceMany(ArrayRef<Value> in, bool pad = false);

  /// The transpose of w vectors of w lanes: log2(w) steps of interleaving
  /// blocks of s lanes between vectors s apart, w·log2(w) shuffles.
  SmallVector<Value> transposeSquare(ArrayRef<Value> in);

  //===--------------------------------------------------------------------===//
  // Query tile state
  //===--------------------------------------------------------------------===//

  /// Row r of a tile is query row i0 + r / group of head g·group + r % group.
  std::pair<Value, Value> rowQuery(Value g, Value i0, Value r) {
    Value grp = idx(group);
    return {add(i0, arith::DivUIOp::create(b, r, grp)),
            add(mul(g, grp), arith::RemUIOp::create(b, r, grp))};
  }

  /// Queries (normalised, rotated, scaled, f32) into qs; max -inf, sum 0,
  /// accumulator 0.
  void initTile(Value bi, Value g, Value i0, Value rowsValid);

  /// exp(x) of softmax arguments x <= 0, w lanes: 2^n · p(f) with
  /// n = round(x·log2 e), f = x - n·ln 2 (in two parts) and p Cephes'
  /// degree-5 polynomial (under 2 ulp); x < -88 gives 0 (so -inf does), and
  /// NaN stays NaN. About half the instructions of the general
  /// approximation, which must also handle overflow.
  Value softmaxExp(Value x);

  /// An infinite score of finite queries and keys is a dot product that
  /// overflowed f32 (the FMA chain keeps the sign of its first overflow,
  /// so nothing else would notice): it becomes NaN, so that the row says
  /// it cannot be trusted instead of returning a finite wrong value.
  Value poison(Value sc) {
    int64_t n = cast<VectorType>(sc.getType()).getNumElements();
    return select(cmpf(arith::CmpFPredicate::OEQ, math::AbsFOp::create(b, sc),
                       vsplat(std::numeric_limits<float>::infinity(), n)),
                  vsplat(std::numeric_limits<float>::quiet_NaN(), n), sc);
  }

  /// The online softmax of a block of `n` scores per row in sbuf[r][0, n),
  /// w lanes at a time: keys from `live(r)` on are masked to -inf, the
  /// row's max moves, the scores become exp(s - max) (a score equal to the
  /// max weighs 1, so +inf - +inf never happens; -inf weighs 0; NaN
  /// propagates), the sum and the accumulator's correction exp(old max -
  /// new max) are updated. With `poisonScores`, overflowed scores first
  /// become NaN.
  void softmaxBlock(Value sbuf, int64_t n, Value rowsValid,
                    const std::function<Value(Value r)> &live,
                    bool poisonScores);

  /// body(r0, tile) over rows [0, rows) in tiles of `tile` rows, then
  /// body(r, 1) for each row left (none with `exact`: tile divides rows).
  template <typename F>
  void rowTiles(Value rows, int64_t tile, bool exact, F body) {
    Value full = mul(arith::DivUIOp::create(b, rows, idx(tile)), idx(tile));
    loop(idx(0), full, idx(tile), [&](Value r0) { body(r0, tile); });
    if (tile > 1 && !exact)
      loop(full, rows, idx(1), [&](Value r) { body(r, 1); });
  }
  /// acc[r] = acc[r]·corr[r] + Σ_j p[r][j]·V[j] over keys [0, n) for rows
  /// [0, rowsValid): Gp rows × Ec vectors of accumulators, a step per key
  /// loading Ec value vectors and broadcasting Gp probabilities.
  /// With `exact`, gp divides the rows and no single-row tile is written.
  void accumulate(Value sbuf, Value n, Value rowsValid, int64_t gp, int64_t ec,
                  const std::function<Value(Value jj, int64_t c)> &value,
                  bool exact = false);

  /// acc / sum (0 for a row that saw no key, NaN stays NaN) into out.
  void normaliseTile(Value bi, Value g, Value i0, Value rowsValid);

  //===--------------------------------------------------------------------===//
  // Decode
  //===--------------------------------------------------------------------===//

  /// Softmax state of the tile over keys [jLo, jHi), in blocks of `jb`.
  void streamCache(Value bi, Value g, Value i0, Value valid, Value jLo,
                   Value jHi);
  void buildDecode();

  //===--------------------------------------------------------------------===//
  // Prefill
  //===--------------------------------------------------------------------===//

  void buildBlocked();
  /// The tile's rows against key block [kb, kb + nk), `nk` <= the block
  /// size `nb`.
  void prefillBlock(Value bi, Value g, Value i0, Value rowsValid, Value kb,
                    Value nk, int64_t nb, Value kT, Value vb, Value sbuf);
  /// Rotated or converted keys of a block, row-major, before the transpose.
  Value kRow;
  /// Register tiles of the blocked kernel: S = Q·Kᵀ in mr rows × nr key
  /// vectors, O += P·V in mp rows × ec value vectors.
  int64_t mr = 1, nr = 1, mp = 1, ec = 1;

  const AttentionSpec &s;
  Value q, k, v, mask, cos, sin, qNormWeight, kNormWeight, length, out;
  Value qs, m, l, corr, acc, diagonal;
  int64_t group = 1, w = 1, dc = 1, dvc = 1, regs = 16, tileRows = 1, rows = 1;
  Type f32Type;
  VectorType laneType;
};

} // namespace mlir::qkvtie::cpu

#endif // QKVTIE_LIB_CONVERSION_QKVTIETOCPU_CPUATTENTION_H
