//===- CPUDecodeKernel.cpp - CPU decode attention kernel ------------------===//
//
// A few query rows against a long KV cache: the cache streams in blocks of
// keys, prefetched ahead, each row read from memory once for the scores
// and, with K=V, again from L1 as a value; chunks of the cache go to
// separate tasks whose partial softmax states a second loop merges.
//
//===----------------------------------------------------------------------===//

#include "CPUAttention.h"

using namespace mlir;
using namespace mlir::qkvtie;
using namespace mlir::qkvtie::cpu;

void CPUAttention::streamCache(Value bi, Value g, Value i0, Value valid,
                               Value jLo, Value jHi) {
  Value rowsValid = mul(valid, idx(group));
  initTile(bi, g, i0, rowsValid);
  // Keys per block: about 16 KB of f32 rows (half of L1, for the second
  // pass over them in P·V), 16 to 64 of them.
  int64_t jb = std::clamp<int64_t>(int64_t(4096) / s.d, 16, 64);
  jb = std::max<int64_t>(jb, w);
  Type elt = storageType();
  bool f32Cache = elt.isF32();
  // Keys go through an f32 buffer when they must change (type, norm,
  // rotation); values when their type must, unless the keys' buffer holds
  // them already (K=V, converted only).
  bool stageKeys = !f32Cache || s.rope || s.kNorm;
  bool valuesInKeys = s.kvSame && stageKeys && !s.rope && !s.kNorm;
  bool stageValues = !f32Cache && !valuesInKeys;
  // Register tiles: scores Gt rows × Jt keys (q vectors held across keys),
  // P·V Gp rows × Ec vectors (probabilities broadcast).
  // Tiles cover the group's rows exactly (gt, gp divide it); key and value
  // tiles need not divide the block or the head (a last, shorter tile).
  int64_t gt, jt;
  std::tie(gt, jt) = registerTile(
      divisors(group), upTo(std::min<int64_t>(8, w)), /*holdRows=*/true, regs);
  int64_t gp, ec;
  std::tie(gp, ec) =
      registerTile(divisors(group), upTo(dvc), /*holdRows=*/true, regs);
  // Room for a last key tile's vector of sums past the block's end.
  Value sbuf =
      memref::AllocaOp::create(b, MemRefType::get({rows, jb + w}, f32Type));

  Value kbuf, vbuf;
  if (stageKeys)
    kbuf =
        memref::AllocaOp::create(b, MemRefType::get({jb + jt, s.d}, f32Type));
  if (stageValues)
    vbuf = memref::AllocaOp::create(b, MemRefType::get({jb, s.dv}, f32Type));
  // Rows past a short last block (and a last key tile past the block) are
  // scored and masked; they start finite.
  for (Value buf : {kbuf, vbuf})
    if (buf)
      loop(idx(0), idx(buf == kbuf ? jb + jt : jb), idx(1), [&](Value jj) {
        int64_t width = buf == kbuf ? s.d : s.dv;
        for (int64_t c = 0; c < width / w; ++c)
          vector::StoreOp::create(b, zeros(w), buf, {jj, idx(c * w)});
      });
  // Prefetch at least a block and about 8 KB ahead, one row at a time as
  // the block's rows are first read (staged, or scored by the first row
  // tile), one prefetch per cache line, clamped to the cache. A block's
  // prefetches issued at once fill the core's miss buffers and stall it;
  // spread out, they overlap the compute (K=V, T=8192 cold: MHA d64 1.66
  // ms instead of 2.03, GQA d128 2.74 instead of 2.97).
  int64_t rowBytes = s.d * elt.getIntOrFloatBitWidth() / 8;
  int64_t lineElems =
      std::max<int64_t>(1, 64 * 8 / elt.getIntOrFloatBitWidth());
  int64_t aheadRows =
      jb * std::max<int64_t>(1, llvm::divideCeil(8192, jb * rowBytes));
  Value lastRow = idx(s.seqKV - 1);
  auto prefetchRow = [&](Value j) {
    j = minI(add(j, idx(aheadRows)), lastRow);
    for (bool value : {false, true}) {
      if (value && s.cacheBuffers != 2)
        continue;
      SmallVector<Value> at = rowAt(bi, g, j, value);
      for (int64_t c = 0; c < s.d; c += lineElems) {
        at.back() = idx(c);
        memref::PrefetchOp::create(b, k, at, /*isWrite=*/false,
                                   /*localityHint=*/3, /*isDataCache=*/true);
      }
    }
  };
  // The score tiles read each row once per tile of gt query rows.
  bool oneRowTile = group == gt && s.seqQ == 1;

  loop(jLo, jHi, idx(jb), [&](Value j0) {
    Value nb = minI(idx(jb), sub(jHi, j0));
    // The block's rows: read once from memory, into the f32 buffers when
    // they must change; a row index past the block's keys is clamped.
    if (stageKeys || stageValues)
      loop(idx(0), nb, idx(1), [&](Value jj) {
        Value j = add(j0, jj);
        prefetchRow(j);
        if (stageKeys) {
          SmallVector<Value> key = keyRow(bi, g, j);
          for (int64_t c = 0; c < dc; ++c)
            vector::StoreOp::create(b, key[c], kbuf, {jj, idx(c * w)});
        }
        if (stageValues) {
          SmallVector<Value> at = rowAt(bi, g, j, /*value=*/true);
          for (int64_t c = 0; c < dvc; ++c)
            vector::StoreOp::create(b, loadF32(v, at, c * w, w), vbuf,
                                    {jj, idx(c * w)});
        }
      });
    Value lastKey = sub(add(j0, nb), idx(1));
    // The index of key jj of the block in what the score tile reads: the
    // f32 buffer, or the cache (clamped to the block's last key in a tail
    // tile, which reads past it).
    auto keyRowIndex = [&](Value jj, bool clamp) -> Value {
      if (stageKeys)
        return jj;
      return clamp ? minI(add(j0, jj), lastKey) : add(j0, jj);
    };
    auto keyVec = [&](Value row, Value col) -> Value {
      if (stageKeys)
        return loadVec(kbuf, {row, col});
      SmallVector<Value> at = rowAt(bi, g, row, false);
      at.back() = col;
      return loadF32(k, at, 0, w);
    };
    auto valueVec = [&](Value jj, int64_t c) -> Value {
      if (valuesInKeys)
        return loadVec(kbuf, {jj, idx(c * w)});
      if (stageValues)
        return loadVec(vbuf, {jj, idx(c * w)});
      return loadF32(v, rowAt(bi, g, add(j0, jj), true), c * w, w);
    };

    // Scores: tiles of gt rows × jt keys, reduced together (gt divides the
    // group, so the tiles cover the rows).
    Value rowsValid = mul(valid, idx(group));
    // Full tiles read rows j0 + jj0 + u, which LLVM folds into one address
    // and constant offsets; a clamp (only the tail tile needs one) would be
    // recomputed at every step of the loop over the head, five scalar ops
    // per key vector, more than the FMAs hide.
    Value fullTiles = mul(arith::DivUIOp::create(b, nb, idx(jt)), idx(jt));
    auto scoreTile = [&](Value r0, Value jj0, bool clamp) {
      if (!stageKeys && !stageValues) {
        auto prefetchTile = [&] {
          for (int64_t u = 0; u < jt; ++u)
            prefetchRow(add(j0, add(jj0, idx(u))));
        };
        if (oneRowTile)
          prefetchTile();
        else
          when(arith::CmpIOp::create(b, arith::CmpIPredicate::eq, r0, idx(0)),
               prefetchTile);
      }
      SmallVector<Value> keyRows;
      for (int64_t u = 0; u < jt; ++u)
        keyRows.push_back(keyRowIndex(add(jj0, idx(u)), clamp));
      // A loop over the head's vectors (not unrolled here: LLVM would
      // hoist every load and spill).
      SmallVector<Value> dots = forCarry(
          idx(0), idx(s.d), idx(w), SmallVector<Value>(gt * jt, zeros(w)),
          [&](Value col, ValueRange it) {
            SmallVector<Value> qv, next(it.begin(), it.end());
            for (int64_t t = 0; t < gt; ++t)
              qv.push_back(loadVec(qs, {add(r0, idx(t)), col}));
            for (int64_t u = 0; u < jt; ++u) {
              Value kv = keyVec(keyRows[u], col);
              for (int64_t t = 0; t < gt; ++t)
                next[t * jt + u] = fma(qv[t], kv, next[t * jt + u]);
            }
            return next;
          },
          /*noUnroll=*/true);
      // Each row's jt sums in one vector (padded to a power of two), stored
      // whole: lanes past the tile hold garbage the next tile overwrites,
      // or lie past the block and are masked.
      for (int64_t t = 0; t < gt; ++t)
        vector::StoreOp::create(
            b, reduceMany(ArrayRef(dots).slice(t * jt, jt), /*pad=*/true), sbuf,
            ValueRange{add(r0, idx(t)), jj0});
    };
    loop(idx(0), rowsValid, idx(gt), [&](Value r0) {
      loop(idx(0), fullTiles, idx(jt),
           [&](Value jj0) { scoreTile(r0, jj0, /*clamp=*/false); });
      loop(fullTiles, nb, idx(jt),
           [&](Value jj0) { scoreTile(r0, jj0, /*clamp=*/true); });
    });

    // Live keys: in the block, and under a causal mask at or before the
    // row's query (query i sits at i + diagonal).
    softmaxBlock(
        sbuf, jb, rowsValid,
        [&](Value r) -> Value {
          if (s.mask != MaskKind::causal || s.seqQ == 1)
            return nb;
          Value i = add(i0, arith::DivUIOp::create(b, r, idx(group)));
          return minI(nb, sub(add(add(i, diagonal), idx(1)), j0));
        },
        /*poisonScores=*/true);
    accumulate(sbuf, nb, rowsValid, gp, ec, valueVec, /*exact=*/true);
  });
}

void CPUAttention::buildDecode() {
  // The n new queries are the last cached tokens: query i is at position
  // length - n + i.
  diagonal = sub(length, idx(s.seqQ));
  int64_t tiles = (s.seqQ + tileRows - 1) / tileRows;
  // Enough chunks of the cache that every thread has work even with one KV
  // head (MQA) or a short cache: about 32 tasks, chunks of whole blocks.
  constexpr int64_t kTasks = 32;
  int64_t perSlot = std::max<int64_t>(1, kTasks / (s.batch * s.hkv * tiles));
  constexpr int64_t kMinChunk = 64;
  Value chunkLen =
      maxI(idx(kMinChunk),
           mul(ceilDiv(ceilDiv(maxI(length, idx(1)), perSlot), kMinChunk),
               idx(kMinChunk)));
  Value chunks = maxI(idx(1), arith::CeilDivSIOp::create(b, length, chunkLen));
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
    Value jLo = mul(c, chunkLen);
    Value jHi = minI(length, add(jLo, chunkLen));
    if (s.mask == MaskKind::causal)
      jHi = minI(jHi, add(add(i0, valid), diagonal));
    streamCache(bi, g, i0, valid, jLo, maxI(jLo, jHi));
    Value slot = add(mul(tileSlot(bi, g, qt), chunks), c);
    loop(idx(0), mul(valid, idx(group)), idx(1), [&](Value r) {
      for (int64_t e = 0; e < dvc; ++e)
        vector::StoreOp::create(b, loadVec(acc, {r, idx(e * w)}), partial,
                                ValueRange{slot, r, idx(e * w)});
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
    loop(idx(0), mul(valid, idx(group)), idx(1), [&](Value r) {
      Value i, h;
      std::tie(i, h) = rowQuery(g, i0, r);
      Value mAll = forCarry(
          idx(0), chunks, idx(1), ValueRange{f32(kNegInf)},
          [&](Value c, ValueRange it) {
            Value mc = memref::LoadOp::create(
                b, partial, ValueRange{add(base, c), r, idx(s.dv)});
            return SmallVector<Value>{arith::MaximumFOp::create(b, it[0], mc)};
          })[0];
      Value mSafe = mergeBase(mAll);
      SmallVector<Value> inits(dvc, zeros(w));
      inits.push_back(f32(0.0));
      SmallVector<Value> sums =
          forCarry(idx(0), chunks, idx(1), inits, [&](Value c, ValueRange it) {
            Value at = add(base, c);
            Value mc = memref::LoadOp::create(b, partial,
                                              ValueRange{at, r, idx(s.dv)});
            Value lc = memref::LoadOp::create(b, partial,
                                              ValueRange{at, r, idx(s.dv + 1)});
            Value wgt = mergeWeight(mc, mAll, mSafe);
            Value wV = splat(wgt, w);
            SmallVector<Value> next;
            for (int64_t e = 0; e < dvc; ++e)
              next.push_back(
                  fma(loadVec(partial, {at, r, idx(e * w)}), wV, it[e]));
            next.push_back(add(it.back(), mul(lc, wgt)));
            return next;
          });
      Value sum = sums.back();
      Value inv =
          splat(select(cmpf(arith::CmpFPredicate::OEQ, sum, f32(0.0)), f32(0.0),
                       arith::DivFOp::create(b, f32(1.0), sum)),
                w);
      SmallVector<Value> at = outAt(bi, i, h);
      for (int64_t e = 0; e < dvc; ++e)
        storeFromF32(mul(sums[e], inv), out, at, e * w);
    });
  });
}
