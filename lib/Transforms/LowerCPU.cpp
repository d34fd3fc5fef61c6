//===- LowerCPU.cpp - Fused, vectorised, multithreaded CPU kernels --------===//
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

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Transforms/Passes.h"

#include "KernelSupport.h"
#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
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

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIELOWERCPU
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

/// Keys per block of the online softmax: one max, one rescale and one
/// vector of exponentials per block and query row.
constexpr int64_t kBlock = 16;

//===----------------------------------------------------------------------===//
// Attention kernels
//===----------------------------------------------------------------------===//

/// Writes the body of an attention kernel. Arguments, in order: q, k, [v],
/// [mask], [rope cos, rope sin], [length (decode)], out. Prefill q/k/v are
/// projection buffers [B·L, N] read at a column offset; out is [B·S, Hq·dv].
/// Decode q and out are [B, Hq, n, d], the cache [buffers, B, Hkv, cap, d].
class AttentionKernel : KernelBuilder {
public:
  AttentionKernel(ImplicitLocOpBuilder &b, const AttentionSpec &spec,
                  ValueRange args)
      : KernelBuilder(b), s(spec) {
    unsigned i = 0;
    q = args[i++];
    k = args[i++];
    v = (s.kvSame || s.decode) ? k : args[i++];
    if (s.mask == MaskKind::additive || s.mask == MaskKind::boolean)
      mask = args[i++];
    if (s.rope) {
      cos = args[i++];
      sin = args[i++];
    }
    if (s.qNorm)
      qNormWeight = args[i++];
    if (s.kNorm)
      kNormWeight = args[i++];
    if (s.decode)
      length = args[i++];
    out = args[i++];
    group = s.hq / s.hkv;
    // Vectors never straddle the halves of the rotated part.
    w = laneCount(s.rope ? ArrayRef<int64_t>{s.rotary / 2, s.d, s.dv}
                         : ArrayRef<int64_t>{s.d, s.dv},
                  s.lanes);
    // A query tile is at most 64 (query head, row) pairs: its state stays
    // in L1 and its stack allocations small.
    tileRows = std::min(std::max<int64_t>(1, 64 / group), s.seqQ);
    rows = tileRows * group;
  }

  void build();

private:
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
  /// x rotated by the RoPE tables' row `pos`: x·cos + rotate_half(x)·sin
  /// on the first `rotary` elements; the rest pass (partial rotary).
  SmallVector<Value> rotate(ArrayRef<Value> x, Value pos) {
    int64_t chunks = s.rotary / w, half = chunks / 2;
    SmallVector<Value> r;
    for (int64_t c = 0; c < static_cast<int64_t>(x.size()); ++c) {
      if (c >= chunks) {
        r.push_back(x[c]);
        continue;
      }
      Value partner =
          c < half ? arith::NegFOp::create(b, x[c + half]) : x[c - half];
      Value cs = loadF32(cos, {pos, idx(0)}, c * w, w);
      Value sn = loadF32(sin, {pos, idx(0)}, c * w, w);
      r.push_back(vector::FMAOp::create(b, partner, sn, mul(x[c], cs)));
    }
    return r;
  }
  /// QK-norm of one head held as vectors: x · rsqrt(mean(x²) + eps) · w.
  SmallVector<Value> normalise(ArrayRef<Value> x, Value weight) {
    Value ss = mul(x[0], x[0]);
    for (size_t c = 1; c < x.size(); ++c)
      ss = vector::FMAOp::create(b, x[c], x[c], ss);
    Value mean = arith::DivFOp::create(b, reduceAdd(ss), f32(s.d));
    Value inv = splat(math::RsqrtOp::create(b, add(mean, f32(s.normEps))), w);
    SmallVector<Value> r;
    for (auto [c, v] : llvm::enumerate(x))
      r.push_back(mul(mul(v, inv), loadF32(weight, {idx(0)}, c * w, w)));
    return r;
  }
  /// [Σ v0, Σ v1, Σ v2, Σ v3] of four w-lane vectors: a shuffle tree that
  /// halves the lanes per level, cheaper than four horizontal sums.
  Value reduceFour(ArrayRef<Value> v) {
    if (w < 4) {
      SmallVector<Value> sums;
      for (Value x : v)
        sums.push_back(reduceAdd(x));
      return vector::FromElementsOp::create(
          b, VectorType::get({4}, b.getF32Type()), sums);
    }
    // Adds the two halves of each of x and y: [x_lo + x_hi, y_lo + y_hi],
    // where lo/hi are the first/second `part` lanes of each block of 2·part.
    auto fold = [&](Value x, Value y, int64_t part) {
      int64_t n = cast<VectorType>(x.getType()).getNumElements();
      SmallVector<int64_t> lo, hi;
      for (int64_t base = 0; base < 2 * n; base += 2 * part)
        for (int64_t k = 0; k < part; ++k) {
          lo.push_back(base + k);
          hi.push_back(base + part + k);
        }
      return add(vector::ShuffleOp::create(b, x, y, lo),
                 vector::ShuffleOp::create(b, x, y, hi));
    };
    // Level 1 and 2 merge the vectors: lanes become [v0 | v1 | v2 | v3].
    Value ab = fold(v[0], v[1], w / 2), cd = fold(v[2], v[3], w / 2);
    Value x = fold(ab, cd, w / 4);
    // Then adjacent lanes within each quarter until one lane per vector.
    for (int64_t n = w; n > 4; n /= 2) {
      SmallVector<int64_t> even, odd;
      for (int64_t k = 0; k < n; k += 2) {
        even.push_back(k);
        odd.push_back(k + 1);
      }
      x = add(vector::ShuffleOp::create(b, x, x, even),
              vector::ShuffleOp::create(b, x, x, odd));
    }
    return x;
  }
  Value maskAt(Value bi, Value h, Value i, Value j) {
    return loadMask(*this, s, mask, bi, h, i, j);
  }

  /// Online softmax over keys [jLo, jHi) for the tile's `valid` rows (row
  /// r = query row r / group, head g·group + r % group); leaves max, sum and
  /// the unnormalised accumulator in `m`, `l`, `acc`.
  void attendTile(Value bi, Value g, Value i0, Value valid, Value jLo,
                  Value jHi);
  /// acc / sum (0 for a row that saw no key) into out.
  void normaliseTile(Value bi, Value g, Value i0, Value valid);
  void buildPrefill();
  void buildDecode();

  const AttentionSpec &s;
  Value q, k, v, mask, cos, sin, qNormWeight, kNormWeight, length, out;
  Value qs, m, l, acc, diagonal;
  int64_t group = 1, w = 1, tileRows = 1, rows = 1;
};

void AttentionKernel::attendTile(Value bi, Value g, Value i0, Value valid,
                                 Value jLo, Value jHi) {
  Type f32Type = b.getF32Type();
  qs = memref::AllocaOp::create(b, MemRefType::get({rows, s.d}, f32Type));
  m = memref::AllocaOp::create(b, MemRefType::get({rows}, f32Type));
  l = memref::AllocaOp::create(b, MemRefType::get({rows}, f32Type));
  acc = memref::AllocaOp::create(b, MemRefType::get({rows, s.dv}, f32Type));
  Value zeroV = splat(f32(0.0), w);
  int64_t dChunks = s.d / w, vChunks = s.dv / w;
  Value grp = idx(group);
  Value rowsValid = mul(valid, grp);

  // Queries: rotated, scaled, f32; state: max -inf, sum 0, acc 0.
  loop(idx(0), rowsValid, idx(1), [&](Value r) {
    Value i = add(i0, arith::DivUIOp::create(b, r, grp));
    Value h = add(mul(g, grp), arith::RemUIOp::create(b, r, grp));
    SmallVector<Value> at = qAt(bi, i, h), x;
    for (int64_t c = 0; c < dChunks; ++c)
      x.push_back(loadF32(q, at, c * w, w));
    if (s.qNorm)
      x = normalise(x, qNormWeight);
    if (s.rope)
      x = rotate(x, add(i, diagonal));
    Value scale = splat(f32(s.scale), w);
    for (int64_t c = 0; c < dChunks; ++c)
      vector::StoreOp::create(b, mul(x[c], scale), qs, {r, idx(c * w)});
    memref::StoreOp::create(b, f32(kNegInf), m, r);
    memref::StoreOp::create(b, f32(0.0), l, r);
    for (int64_t c = 0; c < vChunks; ++c)
      vector::StoreOp::create(b, zeroV, acc, {r, idx(c * w)});
  });

  Value lowest;
  if (s.mask == MaskKind::boolean)
    lowest = maskedScore(*this, cast<MemRefType>(q.getType()).getElementType());

  // Keys are taken kBlock at a time. Each cached row is loaded from memory
  // once, into the block's key buffer (rotated) and value buffer (as is);
  // with K=V the same loaded vectors fill both. Zeroed once so that unused
  // rows of a short last block hold no NaN.
  auto kbuf =
      memref::AllocaOp::create(b, MemRefType::get({kBlock, s.d}, f32Type));
  auto vbuf =
      memref::AllocaOp::create(b, MemRefType::get({kBlock, s.dv}, f32Type));
  // Unrotated, unnormalised K=V rows serve as values straight from the key
  // buffer.
  Value valueBuf =
      s.kvSame && s.d == s.dv && !s.rope && !s.kNorm ? Value(kbuf) : vbuf;
  auto sbuf = memref::AllocaOp::create(b, MemRefType::get({kBlock}, f32Type));
  loop(idx(0), idx(kBlock), idx(1), [&](Value jj) {
    for (int64_t c = 0; c < dChunks; ++c)
      vector::StoreOp::create(b, zeroV, kbuf, {jj, idx(c * w)});
    for (int64_t c = 0; c < vChunks; ++c)
      vector::StoreOp::create(b, zeroV, vbuf, {jj, idx(c * w)});
  });
  VectorType blockType = VectorType::get({kBlock}, f32Type);
  VectorType laneType = VectorType::get({w}, f32Type);

  loop(jLo, jHi, idx(kBlock), [&](Value jb) {
    Value nb = minI(idx(kBlock), sub(jHi, jb));
    loop(idx(0), nb, idx(1), [&](Value jj) {
      Value j = add(jb, jj);
      SmallVector<Value> keyAt = rowAt(bi, g, j, /*value=*/false), key, val;
      for (int64_t c = 0; c < dChunks; ++c)
        key.push_back(loadF32(k, keyAt, c * w, w));
      if (s.kvSame && s.d == s.dv) {
        val = key;
      } else {
        SmallVector<Value> valAt = rowAt(bi, g, j, /*value=*/true);
        for (int64_t c = 0; c < vChunks; ++c)
          val.push_back(loadF32(v, valAt, c * w, w));
      }
      if (s.kNorm)
        key = normalise(key, kNormWeight);
      if (s.rope)
        key = rotate(key, j);
      for (int64_t c = 0; c < dChunks; ++c)
        vector::StoreOp::create(b, key[c], kbuf, {jj, idx(c * w)});
      if (valueBuf != kbuf)
        for (int64_t c = 0; c < vChunks; ++c)
          vector::StoreOp::create(b, val[c], vbuf, {jj, idx(c * w)});
    });

    loop(idx(0), rowsValid, idx(1), [&](Value r) {
      Value i = add(i0, arith::DivUIOp::create(b, r, grp));
      Value h = add(mul(g, grp), arith::RemUIOp::create(b, r, grp));
      // Scores of the block's keys, four at a time so that each query
      // vector is loaded once per four keys; two partial sums per key (even
      // and odd chunks) give eight independent FMA chains.
      for (int64_t j0 = 0; j0 < kBlock; j0 += 4) {
        SmallVector<Value> dots(8, zeroV);
        for (int64_t c = 0; c < dChunks; ++c) {
          Value qv = vector::LoadOp::create(b, laneType, qs,
                                            ValueRange{r, idx(c * w)});
          for (int64_t t = 0; t < 4; ++t)
            dots[2 * t + c % 2] = vector::FMAOp::create(
                b, qv,
                vector::LoadOp::create(b, laneType, kbuf,
                                       ValueRange{idx(j0 + t), idx(c * w)}),
                dots[2 * t + c % 2]);
        }
        SmallVector<Value> sums;
        for (int64_t t = 0; t < 4; ++t)
          sums.push_back(add(dots[2 * t], dots[2 * t + 1]));
        Value score4 = reduceFour(sums);
        // Key jj of the block is live if it exists (jj < nb) and, under a
        // causal mask, if jb + jj <= i + diagonal.
        VectorType i64x4 = VectorType::get({4}, b.getI64Type());
        auto toI64 = [&](Value v) {
          return arith::IndexCastOp::create(b, b.getI64Type(), v);
        };
        Value lanes = arith::ConstantOp::create(
            b, DenseElementsAttr::get(
                   i64x4, ArrayRef<int64_t>{j0, j0 + 1, j0 + 2, j0 + 3}));
        Value live = arith::CmpIOp::create(
            b, arith::CmpIPredicate::slt, lanes,
            vector::BroadcastOp::create(b, i64x4, toI64(nb)));
        if (s.mask == MaskKind::causal && !(s.decode && s.seqQ == 1))
          live = arith::AndIOp::create(
              b, live,
              arith::CmpIOp::create(
                  b, arith::CmpIPredicate::sle, lanes,
                  vector::BroadcastOp::create(
                      b, i64x4, toI64(sub(add(i, diagonal), jb)))));
        if (s.mask == MaskKind::additive || s.mask == MaskKind::boolean) {
          // Mask tensors are read at a clamped key; dead lanes are dropped.
          SmallVector<Value> values;
          for (int64_t t = 0; t < 4; ++t)
            values.push_back(
                maskAt(bi, h, i, minI(add(jb, idx(j0 + t)), idx(s.seqKV - 1))));
          Value mv = vector::FromElementsOp::create(
              b, VectorType::get({4}, values[0].getType()), values);
          score4 = s.mask == MaskKind::additive
                       ? add(score4, toF32(mv))
                       : Value(arith::SelectOp::create(
                             b, mv, score4,
                             vector::BroadcastOp::create(
                                 b, VectorType::get({4}, f32Type), lowest)));
        }
        score4 = arith::SelectOp::create(
            b, live, score4,
            vector::BroadcastOp::create(b, VectorType::get({4}, f32Type),
                                        f32(kNegInf)));
        vector::StoreOp::create(b, score4, sbuf, idx(j0));
      }
      Value scores = vector::LoadOp::create(b, blockType, sbuf, idx(0));
      Value mOld = memref::LoadOp::create(b, m, r);
      Value mNew = arith::MaximumFOp::create(
          b, mOld,
          vector::ReductionOp::create(b, vector::CombiningKind::MAXIMUMF,
                                      scores));
      // A block masked out for this row changes nothing; NaN propagates as
      // in the reference.
      Value any = arith::CmpFOp::create(b, arith::CmpFPredicate::UNE, mNew,
                                        f32(kNegInf));
      when(any, [&] {
        // Safe max subtraction, as the reference: a score (or the old max)
        // equal to the new max weighs 1 even when both are +inf.
        Value corr = math::ExpOp::create(
            b,
            arith::SelectOp::create(
                b,
                arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, mOld, mNew),
                f32(0.0), sub(mOld, mNew)));
        Value mNewV = vector::BroadcastOp::create(b, blockType, mNew);
        Value probs = math::ExpOp::create(
            b, arith::SelectOp::create(
                   b,
                   arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, scores,
                                         mNewV),
                   vector::BroadcastOp::create(b, blockType, f32(0.0)),
                   sub(scores, mNewV)));
        vector::StoreOp::create(b, probs, sbuf, idx(0));
        Value lOld = memref::LoadOp::create(b, l, r);
        memref::StoreOp::create(b, add(mul(lOld, corr), reduceAdd(probs)), l,
                                r);
        memref::StoreOp::create(b, mNew, m, r);
        // acc = acc·corr + Σ p_j·v_j, eight accumulator vectors at a time
        // so that they stay in registers.
        Value corrV = splat(corr, w);
        for (int64_t e0 = 0; e0 < vChunks; e0 += 8) {
          int64_t e1 = std::min(vChunks, e0 + 8);
          SmallVector<Value> inits;
          for (int64_t e = e0; e < e1; ++e)
            inits.push_back(
                mul(vector::LoadOp::create(b, laneType, acc,
                                           ValueRange{r, idx(e * w)}),
                    corrV));
          auto pv = scf::ForOp::create(
              b, idx(0), nb, idx(1), inits,
              [&](OpBuilder &ob, Location loc, Value jj, ValueRange it) {
                ImplicitLocOpBuilder ib(loc, ob);
                KernelBuilder kb(ib);
                Value pj = kb.splat(memref::LoadOp::create(ib, sbuf, jj), w);
                SmallVector<Value> next;
                for (int64_t e = e0; e < e1; ++e)
                  next.push_back(vector::FMAOp::create(
                      ib, pj,
                      vector::LoadOp::create(ib, laneType, valueBuf,
                                             ValueRange{jj, kb.idx(e * w)}),
                      it[e - e0]));
                scf::YieldOp::create(ib, next);
              });
          for (int64_t e = e0; e < e1; ++e)
            vector::StoreOp::create(b, pv.getResult(e - e0), acc,
                                    ValueRange{r, idx(e * w)});
        }
      });
    });
  });
}

void AttentionKernel::normaliseTile(Value bi, Value g, Value i0, Value valid) {
  Value grp = idx(group);
  loop(idx(0), mul(valid, grp), idx(1), [&](Value r) {
    Value i = add(i0, arith::DivUIOp::create(b, r, grp));
    Value h = add(mul(g, grp), arith::RemUIOp::create(b, r, grp));
    Value sum = memref::LoadOp::create(b, l, r);
    // A row that saw no key is 0; a NaN sum stays NaN, as in the reference.
    Value empty =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, sum, f32(0.0));
    Value inv = arith::SelectOp::create(
        b, empty, f32(0.0), arith::DivFOp::create(b, f32(1.0), sum));
    Value invV = splat(inv, w);
    SmallVector<Value> at = outAt(bi, i, h);
    for (int64_t c = 0; c < s.dv / w; ++c) {
      Value a = vector::LoadOp::create(b, VectorType::get({w}, b.getF32Type()),
                                       acc, {r, idx(c * w)});
      storeFromF32(mul(a, invV), out, at, c * w);
    }
  });
}

void AttentionKernel::buildPrefill() {
  // Query i sees keys j <= i + (T - S); RoPE rotates it at that position.
  diagonal = idx(s.seqKV - s.seqQ);
  int64_t tiles = (s.seqQ + tileRows - 1) / tileRows;
  parallel({idx(s.batch), idx(s.hkv), idx(tiles)}, [&](ValueRange iv) {
    Value bi = iv[0], g = iv[1];
    Value i0 = mul(iv[2], idx(tileRows));
    Value valid = minI(idx(tileRows), sub(idx(s.seqQ), i0));
    Value jHi = idx(s.seqKV);
    if (s.mask == MaskKind::causal)
      // Keys past the tile's last diagonal are masked for every row: skip.
      jHi = maxI(idx(0), minI(jHi, add(add(i0, valid), diagonal)));
    attendTile(bi, g, i0, valid, idx(0), jHi);
    normaliseTile(bi, g, i0, valid);
  });
}

void AttentionKernel::buildDecode() {
  // The n new queries are the last cached tokens: query i is at position
  // length - n + i.
  constexpr int64_t kChunk = 256;
  diagonal = sub(length, idx(s.seqQ));
  Value chunks = maxI(idx(1), ceilDiv(length, kChunk));
  int64_t tiles = (s.seqQ + tileRows - 1) / tileRows;
  Type f32Type = b.getF32Type();
  int64_t stride = s.dv + 2;
  // Partial states per (batch, KV head, query tile, chunk, row): the
  // accumulator, then max and sum.
  Value tileSlots = idx(s.batch * s.hkv * tiles);
  Value partial = memref::AllocOp::create(
      b, MemRefType::get({ShapedType::kDynamic, rows, stride}, f32Type),
      ValueRange{mul(tileSlots, chunks)});
  auto tileSlot = [&](Value bi, Value g, Value qt) {
    return add(mul(add(mul(bi, idx(s.hkv)), g), idx(tiles)), qt);
  };
  auto tileStart = [&](Value qt) {
    Value i0 = mul(qt, idx(tileRows));
    return std::make_pair(i0, minI(idx(tileRows), sub(idx(s.seqQ), i0)));
  };
  parallel({idx(s.batch), idx(s.hkv), idx(tiles), chunks}, [&](ValueRange iv) {
    Value bi = iv[0], g = iv[1], qt = iv[2], c = iv[3];
    Value i0, valid;
    std::tie(i0, valid) = tileStart(qt);
    Value jLo = mul(c, idx(kChunk));
    Value jHi = minI(length, add(jLo, idx(kChunk)));
    if (s.mask == MaskKind::causal)
      jHi = minI(jHi, add(add(i0, valid), diagonal));
    attendTile(bi, g, i0, valid, jLo, maxI(jLo, jHi));
    Value slot = add(mul(tileSlot(bi, g, qt), chunks), c);
    loop(idx(0), mul(valid, idx(group)), idx(1), [&](Value r) {
      for (int64_t e = 0; e < s.dv / w; ++e)
        vector::StoreOp::create(
            b,
            vector::LoadOp::create(b, VectorType::get({w}, f32Type), acc,
                                   ValueRange{r, idx(e * w)}),
            partial, ValueRange{slot, r, idx(e * w)});
      memref::StoreOp::create(b, memref::LoadOp::create(b, m, r), partial,
                              ValueRange{slot, r, idx(s.dv)});
      memref::StoreOp::create(b, memref::LoadOp::create(b, l, r), partial,
                              ValueRange{slot, r, idx(s.dv + 1)});
    });
  });
  // Merge: weights exp(m_c - M) rescale each chunk's sum and accumulator.
  parallel({idx(s.batch), idx(s.hkv), idx(tiles)}, [&](ValueRange iv) {
    Value bi = iv[0], g = iv[1], qt = iv[2];
    Value i0, valid;
    std::tie(i0, valid) = tileStart(qt);
    Value base = mul(tileSlot(bi, g, qt), chunks);
    Value grp = idx(group);
    loop(idx(0), mul(valid, grp), idx(1), [&](Value r) {
      Value i = add(i0, arith::DivUIOp::create(b, r, grp));
      Value h = add(mul(g, grp), arith::RemUIOp::create(b, r, grp));
      auto maxLoop = scf::ForOp::create(
          b, idx(0), chunks, idx(1), ValueRange{f32(kNegInf)},
          [&](OpBuilder &ob, Location loc, Value c, ValueRange it) {
            Value mc = memref::LoadOp::create(
                ob, loc, partial, ValueRange{add(base, c), r, idx(s.dv)});
            scf::YieldOp::create(
                ob, loc,
                ValueRange{arith::MaximumFOp::create(ob, loc, it[0], mc)});
          });
      Value mAll = maxLoop.getResult(0);
      Value mSafe = arith::SelectOp::create(
          b,
          arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, mAll,
                                f32(kNegInf)),
          f32(0.0), mAll);
      SmallVector<Value> inits(s.dv / w, splat(f32(0.0), w));
      inits.push_back(f32(0.0));
      auto sumLoop = scf::ForOp::create(
          b, idx(0), chunks, idx(1), inits,
          [&](OpBuilder &ob, Location loc, Value c, ValueRange it) {
            ImplicitLocOpBuilder ib(loc, ob);
            KernelBuilder kb(ib);
            Value at = kb.add(base, c);
            Value mc = memref::LoadOp::create(ib, partial,
                                              ValueRange{at, r, kb.idx(s.dv)});
            Value lc = memref::LoadOp::create(
                ib, partial, ValueRange{at, r, kb.idx(s.dv + 1)});
            // A chunk at the overall max weighs 1, even at +inf.
            Value wgt = arith::SelectOp::create(
                ib,
                arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ, mc, mAll),
                kb.f32(1.0), math::ExpOp::create(ib, kb.sub(mc, mSafe)));
            SmallVector<Value> next;
            Value wV = kb.splat(wgt, w);
            for (int64_t e = 0; e < s.dv / w; ++e) {
              Value a = vector::LoadOp::create(
                  ib, VectorType::get({w}, ib.getF32Type()), partial,
                  ValueRange{at, r, kb.idx(e * w)});
              next.push_back(vector::FMAOp::create(ib, a, wV, it[e]));
            }
            next.push_back(kb.add(it.back(), kb.mul(lc, wgt)));
            scf::YieldOp::create(ib, next);
          });
      Value sum = sumLoop.getResults().back();
      Value empty =
          arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, sum, f32(0.0));
      Value inv = splat(
          arith::SelectOp::create(b, empty, f32(0.0),
                                  arith::DivFOp::create(b, f32(1.0), sum)),
          w);
      SmallVector<Value> at = outAt(bi, i, h);
      for (int64_t e = 0; e < s.dv / w; ++e)
        storeFromF32(mul(sumLoop.getResult(e), inv), out, at, e * w);
    });
  });
}

void AttentionKernel::build() {
  if (s.decode)
    buildDecode();
  else
    buildPrefill();
}

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
  FusedMatmul(MLIRContext *ctx, KernelTable &kernels, int64_t lanes)
      : OpConversionPattern(ctx, /*benefit=*/1), kernels(kernels),
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
    func::FuncOp kernel =
        kernels.get("__qkvtie_gemm", key, argTypes, op.getLoc(),
                    [&](ImplicitLocOpBuilder &kb, ValueRange args) {
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

  KernelTable &kernels;
  int64_t lanes;
};

struct LowerCPUPass : public qkvtie::impl::QKVTieLowerCPUBase<LowerCPUPass> {
  using QKVTieLowerCPUBase::QKVTieLowerCPUBase;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    KernelTable kernels(getOperation());
    CacheStorageTypeConverter converter;
    ConversionTarget target(*ctx);
    target.addLegalDialect<
        arith::ArithDialect, bufferization::BufferizationDialect,
        cf::ControlFlowDialect, linalg::LinalgDialect, math::MathDialect,
        memref::MemRefDialect, scf::SCFDialect, tensor::TensorDialect,
        vector::VectorDialect>();
    target.addDynamicallyLegalOp<linalg::MatmulOp>(
        [](linalg::MatmulOp op) { return !FusedMatmul::isSupported(op); });
    RewritePatternSet patterns(ctx);
    if (vectorWidth != 1 && vectorWidth != 2 && vectorWidth != 4 &&
        vectorWidth != 8 && vectorWidth != 16) {
      getOperation().emitError()
          << "qkvtie-lower-cpu: vector-width must be 1, 2, 4, 8 or 16, not "
          << static_cast<int64_t>(vectorWidth);
      return signalPassFailure();
    }
    KernelMaker maker{
        kernels, vectorWidth, "__qkvtie",
        [](ImplicitLocOpBuilder &b, const AttentionSpec &spec,
           ValueRange args) { AttentionKernel(b, spec, args).build(); }};
    populateAttentionCallPatterns(converter, patterns, maker);
    patterns.add<FusedMatmul>(ctx, kernels, vectorWidth);
    configureCacheConversion(target, converter, patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      return signalPassFailure();
    // exp as an inlined polynomial (vectorised where the kernel's exp is a
    // vector) instead of a libm call per element.
    RewritePatternSet approx(ctx);
    populateMathPolynomialApproximationPatterns(approx, [](StringRef name) {
      return name == "exp" || name == "math.exp";
    });
    FrozenRewritePatternSet frozen(std::move(approx));
    for (auto fn : getOperation().getOps<func::FuncOp>())
      if (fn->hasAttr("qkvtie.kernel") &&
          failed(applyPatternsGreedily(fn, frozen)))
        return signalPassFailure();
  }
};

} // namespace
