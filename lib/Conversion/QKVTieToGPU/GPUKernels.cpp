//===- GPUKernels.cpp - Device kernels of the GPU lowering ----------------===//
//
//  - decode: the cache is split in runs of kSplit keys, one warp per run;
//    each lane holds d/32 elements of a cached row, so a row is read once,
//    coalesced, by one warp and serves every query row of the KV head's
//    group. A merge kernel combines the runs' softmax states;
//  - prefill: one thread per (query, head) row streams its visible keys with
//    an online softmax in registers and stops at its causal diagonal.
//
//===----------------------------------------------------------------------===//

#include "GPUKernels.h"

using namespace mlir;
using namespace mlir::qkvtie;
using namespace mlir::qkvtie::gpu_kernels;

namespace {

/// A score with the explicit mask (additive or boolean) applied.
Value applyMask(GPUBuilder &g, const AttentionSpec &s, Value mask, Value lowest,
                Value score, Value bi, Value h, Value i, Value j) {
  if (s.mask != MaskKind::additive && s.mask != MaskKind::boolean)
    return score;
  Value mv = loadMask(g, s, mask, bi, h, i, j);
  if (s.mask == MaskKind::additive)
    return g.add(score, g.toF32(mv));
  return g.select(mv, score, lowest);
}

} // namespace

/// Arguments: q [B, Hq, n, d], cache [buffers, B, Hkv, cap, d], [cos, sin],
/// length, partial.
void gpu_kernels::buildDecodeKernel(ImplicitLocOpBuilder &b,
                                    const AttentionSpec &s, ValueRange args) {
  GPUBuilder g(b);
  DecodeShape ds(s);
  unsigned a = 0;
  Value q = args[a++], cache = args[a++], cos, sin;
  if (s.rope) {
    cos = args[a++];
    sin = args[a++];
  }
  Value length = args[a++], partial = args[a++];

  Value tid = g.threadId();
  Value lane = g.remU(tid, kWarp);
  Value split = g.add(g.mul(g.blockId(gpu::Dimension::x), g.idx(kWarps)),
                      g.divU(tid, kWarp));
  Value tile = g.blockId(gpu::Dimension::y);
  Value bi = g.blockId(gpu::Dimension::z);
  Value kvHead = g.divU(tile, ds.rowTiles);
  Value rowTile = g.remU(tile, ds.rowTiles);
  Value splits = g.maxI(g.idx(1), g.ceilDiv(length, kSplit));
  Value diagonal = g.sub(length, g.idx(s.seqQ));

  g.when(g.ult(split, splits), [&] {
    // Lane `lane` holds columns lane·perLane + e; with d < 32 lanes past d
    // hold nothing (clamped loads, zeroed values).
    Value active = g.ult(lane, g.idx(std::min(s.d, kWarp)));
    SmallVector<Value> cols;
    for (int64_t e = 0; e < ds.perLane; ++e)
      cols.push_back(g.select(
          active, g.add(g.mul(lane, g.idx(ds.perLane)), g.idx(e)), g.idx(0)));
    // Partner of column c under rotate_half is c ± d/2: the same e of lane
    // lane ^ (d/2 / perLane).
    int64_t partnerMask = s.d / 2 / ds.perLane;
    Value zero = g.f32(0.0);
    auto rotate = [&](ArrayRef<Value> x, Value pos) {
      SmallVector<Value> r;
      for (int64_t e = 0; e < ds.perLane; ++e) {
        Value other = g.shuffleXor(x[e], partnerMask);
        Value low = g.ult(cols[e], g.idx(s.d / 2));
        r.push_back(buildRotateHalf(b, b.getLoc(), x[e], other, low, [&] {
          Value cs = g.loadF32(cos, {pos, cols[e]});
          Value sn = g.loadF32(sin, {pos, cols[e]});
          return std::make_pair(cs, sn);
        }));
      }
      return r;
    };

    // Query rows r = i·group + h' (token i, head g·group + h'), clamped
    // to the last real row in a partial tile.
    SmallVector<Value> rowI;
    SmallVector<SmallVector<Value>> qv;
    for (int64_t k = 0; k < ds.rowsPerWarp; ++k) {
      Value r = g.minI(g.add(g.mul(rowTile, g.idx(ds.rowsPerWarp)), g.idx(k)),
                       g.idx(ds.rows - 1));
      Value i = g.divU(r, ds.group);
      Value h = g.add(g.mul(kvHead, g.idx(ds.group)), g.remU(r, ds.group));
      rowI.push_back(i);
      SmallVector<Value> x;
      for (int64_t e = 0; e < ds.perLane; ++e)
        x.push_back(g.select(active, g.loadF32(q, {bi, h, i, cols[e]}), zero));
      if (s.rope)
        x = rotate(x, g.add(i, diagonal));
      for (Value &v : x)
        v = g.mul(v, g.f32(s.scale));
      qv.push_back(x);
    }

    Value jLo = g.mul(split, g.idx(kSplit));
    Value jHi = g.minI(length, g.add(jLo, g.idx(kSplit)));
    // State per row: m, l, then perLane accumulator elements.
    int64_t stride = 2 + ds.perLane;
    SmallVector<Value> init;
    for (int64_t k = 0; k < ds.rowsPerWarp; ++k) {
      init.push_back(g.f32(kNegInf));
      init.push_back(zero);
      init.append(ds.perLane, zero);
    }
    auto keys = scf::ForOp::create(
        b, jLo, jHi, g.idx(1), init,
        [&](OpBuilder &ob, Location loc, Value j, ValueRange it) {
          ImplicitLocOpBuilder ib(loc, ob);
          GPUBuilder kb(ib);
          // The row, read once: key (rotated for the score) and, with one
          // buffer, value.
          SmallVector<Value> row, key, val;
          for (int64_t e = 0; e < ds.perLane; ++e)
            row.push_back(kb.select(
                active, kb.loadF32(cache, {kb.idx(0), bi, kvHead, j, cols[e]}),
                kb.f32(0.0)));
          key = s.rope ? rotate(row, j) : row;
          if (s.cacheBuffers == 1) {
            val = row;
          } else {
            for (int64_t e = 0; e < ds.perLane; ++e)
              val.push_back(kb.select(
                  active,
                  kb.loadF32(cache, {kb.idx(1), bi, kvHead, j, cols[e]}),
                  kb.f32(0.0)));
          }
          SmallVector<Value> next(it.begin(), it.end());
          for (int64_t k = 0; k < ds.rowsPerWarp; ++k) {
            Value part = kb.f32(0.0);
            for (int64_t e = 0; e < ds.perLane; ++e)
              part = math::FmaOp::create(ib, qv[k][e], key[e], part);
            Value score = kb.warpSum(part);
            if (s.mask == MaskKind::causal)
              score =
                  kb.select(arith::CmpIOp::create(ib, arith::CmpIPredicate::ule,
                                                  j, kb.add(rowI[k], diagonal)),
                            score, kb.f32(kNegInf));
            Value *st = next.data() + k * stride;
            Value m = st[0], l = st[1];
            kb.onlineStep(m, l, MutableArrayRef<Value>(st + 2, ds.perLane),
                          score, val);
            st[0] = m;
            st[1] = l;
          }
          scf::YieldOp::create(ib, next);
        });

    for (int64_t k = 0; k < ds.rowsPerWarp; ++k) {
      Value kk = g.idx(k);
      Value real = g.ult(g.add(g.mul(rowTile, g.idx(ds.rowsPerWarp)), kk),
                         g.idx(ds.rows));
      g.when(real, [&] {
        ValueRange st = keys.getResults().slice(k * stride, stride);
        g.when(active, [&] {
          for (int64_t e = 0; e < ds.perLane; ++e)
            memref::StoreOp::create(b, st[2 + e], partial,
                                    ValueRange{bi, tile, split, kk, cols[e]});
        });
        g.when(
            arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, g.idx(0)),
            [&] {
              memref::StoreOp::create(
                  b, st[0], partial,
                  ValueRange{bi, tile, split, kk, g.idx(s.d)});
              memref::StoreOp::create(
                  b, st[1], partial,
                  ValueRange{bi, tile, split, kk, g.idx(s.d + 1)});
            });
      });
    }
  });
}

/// Arguments: partial, length, out [B, Hq, n, d]. Block (tile, row k, batch),
/// threads over the row's columns.
void gpu_kernels::buildMergeKernel(ImplicitLocOpBuilder &b,
                                   const AttentionSpec &s, ValueRange args) {
  GPUBuilder g(b);
  DecodeShape ds(s);
  Value partial = args[0], length = args[1], out = args[2];
  Value tile = g.blockId(gpu::Dimension::x);
  Value k = g.blockId(gpu::Dimension::y);
  Value bi = g.blockId(gpu::Dimension::z);
  Value r = g.add(g.mul(g.remU(tile, ds.rowTiles), g.idx(ds.rowsPerWarp)), k);
  g.when(g.ult(r, g.idx(ds.rows)), [&] {
    Value i = g.divU(r, ds.group);
    Value h = g.add(g.mul(g.divU(tile, ds.rowTiles), g.idx(ds.group)),
                    g.remU(r, ds.group));
    Value splits = g.maxI(g.idx(1), g.ceilDiv(length, kSplit));
    auto maxLoop = scf::ForOp::create(
        b, g.idx(0), splits, g.idx(1), ValueRange{g.f32(kNegInf)},
        [&](OpBuilder &ob, Location loc, Value c, ValueRange it) {
          Value mc = memref::LoadOp::create(
              ob, loc, partial,
              ValueRange{bi, tile, c, k,
                         arith::ConstantIndexOp::create(ob, loc, s.d)});
          scf::YieldOp::create(
              ob, loc,
              ValueRange{arith::MaximumFOp::create(ob, loc, it[0], mc)});
        });
    Value mAll = maxLoop.getResult(0);
    Value mSafe = g.mergeBase(mAll);
    Value threads = g.idx(kWarps * kWarp);
    g.loop(g.threadId(), g.idx(s.d), threads, [&](Value e) {
      auto sumLoop = scf::ForOp::create(
          b, g.idx(0), splits, g.idx(1), ValueRange{g.f32(0.0), g.f32(0.0)},
          [&](OpBuilder &ob, Location loc, Value c, ValueRange it) {
            ImplicitLocOpBuilder ib(loc, ob);
            GPUBuilder kb(ib);
            Value mc = memref::LoadOp::create(
                ib, partial, ValueRange{bi, tile, c, k, kb.idx(s.d)});
            Value lc = memref::LoadOp::create(
                ib, partial, ValueRange{bi, tile, c, k, kb.idx(s.d + 1)});
            Value ac = memref::LoadOp::create(ib, partial,
                                              ValueRange{bi, tile, c, k, e});
            Value wgt = kb.mergeWeight(mc, mAll, mSafe);
            scf::YieldOp::create(
                ib, ValueRange{math::FmaOp::create(ib, ac, wgt, it[0]),
                               math::FmaOp::create(ib, lc, wgt, it[1])});
          });
      Value sum = sumLoop.getResult(1);
      Value seen =
          arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, sum, g.f32(0.0));
      Value o =
          g.select(seen, arith::DivFOp::create(b, sumLoop.getResult(0), sum),
                   g.f32(0.0));
      g.storeFromF32(o, out, {bi, h, i, e});
    });
  });
}

/// Arguments: q, k, [v], [mask], [cos, sin], out; q/k/v [B·L, N] projection
/// buffers, out [B·S, Hq·dv]. One thread per (query, head) row.
void gpu_kernels::buildPrefillKernel(ImplicitLocOpBuilder &b,
                                     const AttentionSpec &s, ValueRange args) {
  GPUBuilder g(b);
  unsigned a = 0;
  Value q = args[a++], k = args[a++];
  Value v = s.kvSame ? k : args[a++];
  Value mask, cos, sin;
  if (s.mask == MaskKind::additive || s.mask == MaskKind::boolean)
    mask = args[a++];
  if (s.rope) {
    cos = args[a++];
    sin = args[a++];
  }
  Value out = args[a++];
  int64_t group = s.hq / s.hkv;
  Value r = g.add(g.mul(g.blockId(gpu::Dimension::x), g.idx(kPrefillThreads)),
                  g.threadId());
  Value kvHead = g.blockId(gpu::Dimension::y);
  Value bi = g.blockId(gpu::Dimension::z);
  int64_t diagonal = s.seqKV - s.seqQ;
  g.when(g.ult(r, g.idx(s.seqQ * group)), [&] {
    Value i = g.divU(r, group);
    Value h = g.add(g.mul(kvHead, g.idx(group)), g.remU(r, group));
    auto rotate = [&](GPUBuilder &kb, ArrayRef<Value> x, Value pos) {
      SmallVector<Value> out;
      int64_t half = s.d / 2;
      for (int64_t c = 0; c < s.d; ++c) {
        bool low = c < half;
        out.push_back(
            buildRotateHalf(kb.b, kb.b.getLoc(), x[c],
                            low ? x[c + half] : x[c - half], low, [&] {
                              Value cs = kb.loadF32(cos, {pos, kb.idx(c)});
                              Value sn = kb.loadF32(sin, {pos, kb.idx(c)});
                              return std::make_pair(cs, sn);
                            }));
      }
      return out;
    };
    Value qRow = g.add(g.mul(bi, g.idx(s.seqQ)), i);
    Value qCol = g.add(g.idx(s.qOff), g.mul(h, g.idx(s.d)));
    SmallVector<Value> qv;
    for (int64_t c = 0; c < s.d; ++c)
      qv.push_back(g.loadF32(q, {qRow, g.add(qCol, g.idx(c))}));
    if (s.rope)
      qv = rotate(g, qv, g.add(i, g.idx(diagonal)));
    for (Value &x : qv)
      x = g.mul(x, g.f32(s.scale));

    Value jHi = g.idx(s.seqKV);
    if (s.mask == MaskKind::causal)
      jHi = g.minI(jHi, g.add(i, g.idx(diagonal + 1)));
    Value lowest;
    if (s.mask == MaskKind::boolean)
      lowest = maskedScore(g, cast<MemRefType>(q.getType()).getElementType());
    SmallVector<Value> init = {g.f32(kNegInf), g.f32(0.0)};
    init.append(s.dv, g.f32(0.0));
    auto keys = scf::ForOp::create(
        b, g.idx(0), jHi, g.idx(1), init,
        [&](OpBuilder &ob, Location loc, Value j, ValueRange it) {
          ImplicitLocOpBuilder ib(loc, ob);
          GPUBuilder kb(ib);
          Value kRow = kb.add(kb.mul(bi, kb.idx(s.seqKV)), j);
          Value kCol = kb.add(kb.idx(s.kOff), kb.mul(kvHead, kb.idx(s.d)));
          SmallVector<Value> row, key, val;
          for (int64_t c = 0; c < s.d; ++c)
            row.push_back(kb.loadF32(k, {kRow, kb.add(kCol, kb.idx(c))}));
          key = s.rope ? rotate(kb, row, j) : row;
          if (s.kvSame && s.d == s.dv && s.kOff == s.vOff) {
            val = row;
          } else {
            Value vCol = kb.add(kb.idx(s.vOff), kb.mul(kvHead, kb.idx(s.dv)));
            for (int64_t c = 0; c < s.dv; ++c)
              val.push_back(kb.loadF32(v, {kRow, kb.add(vCol, kb.idx(c))}));
          }
          Value score = kb.f32(0.0);
          for (int64_t c = 0; c < s.d; ++c)
            score = math::FmaOp::create(ib, qv[c], key[c], score);
          score = applyMask(kb, s, mask, lowest, score, bi, h, i, j);
          SmallVector<Value> next(it.begin(), it.end());
          kb.onlineStep(next[0], next[1],
                        MutableArrayRef<Value>(next).drop_front(2), score, val);
          scf::YieldOp::create(ib, next);
        });
    Value sum = keys.getResult(1);
    Value seen =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, sum, g.f32(0.0));
    Value inv =
        g.select(seen, arith::DivFOp::create(b, g.f32(1.0), sum), g.f32(0.0));
    Value oRow = g.add(g.mul(bi, g.idx(s.seqQ)), i);
    Value oCol = g.mul(h, g.idx(s.dv));
    for (int64_t c = 0; c < s.dv; ++c)
      g.storeFromF32(g.mul(keys.getResult(2 + c), inv), out,
                     {oRow, g.add(oCol, g.idx(c))});
  });
}
