//===- CPUPrefillKernel.cpp - CPU prefill attention kernel ----------------===//
//
// FlashAttention-2 blocking: a task owns a tile of query rows (every head
// of a KV group), stages each key block transposed (keys as lanes) and
// computes S = Q·Kᵀ and O += P·V in register tiles; causal blocks past the
// tile's diagonal are skipped.
//
//===----------------------------------------------------------------------===//

#include "CPUAttention.h"

using namespace mlir;
using namespace mlir::qkvtie;
using namespace mlir::qkvtie::cpu;

void CPUAttention::prefillBlock(Value bi, Value g, Value i0, Value rowsValid,
                                Value kb, Value nk, int64_t nb, Value kT,
                                Value vb, Value sbuf) {
  // Keys as lanes: kT[e][n] is element e of key kb + n, rotated and
  // normalised. Keys that must change go through kRow (row-major) first;
  // w × w squares are then transposed in registers. Rows of values are
  // converted to f32 when their type needs it.
  bool direct = storageType().isF32() && !s.rope && !s.kNorm;
  loop(idx(0), nk, idx(1), [&](Value n) {
    Value j = add(kb, n);
    if (!direct) {
      SmallVector<Value> key = keyRow(bi, g, j);
      for (int64_t c = 0; c < dc; ++c)
        vector::StoreOp::create(b, key[c], kRow, ValueRange{n, idx(c * w)});
    }
    if (vb) {
      SmallVector<Value> at = rowAt(bi, g, j, /*value=*/true);
      for (int64_t c = 0; c < dvc; ++c)
        vector::StoreOp::create(b, loadF32(v, at, c * w, w), vb,
                                ValueRange{n, idx(c * w)});
    }
  });
  Value lastKey = sub(add(kb, nk), idx(1));
  loop(idx(0), nk, idx(w), [&](Value n0) {
    loop(idx(0), idx(s.d), idx(w), [&](Value col) {
      SmallVector<Value> square;
      for (int64_t t = 0; t < w; ++t) {
        Value n = add(n0, idx(t));
        if (direct) {
          // Keys past the block repeat its last (their scores are masked).
          SmallVector<Value> at =
              rowAt(bi, g, minI(add(kb, n), lastKey), /*value=*/false);
          at.back() = add(at.back(), col);
          square.push_back(loadF32(k, at, 0, w));
        } else {
          square.push_back(loadVec(kRow, {n, col}));
        }
      }
      square = transposeSquare(square);
      for (int64_t t = 0; t < w; ++t)
        vector::StoreOp::create(b, square[t], kT,
                                ValueRange{add(col, idx(t)), n0});
    });
  });

  // S = Q·Kᵀ: Mr rows × Nr vectors of keys per tile; a step of the head
  // loads Nr key vectors and broadcasts Mr query elements.
  int64_t keyVecs = nb / w;
  auto scoreTile = [&](Value r0, int64_t tr) {
    for (int64_t n0 = 0; n0 < keyVecs; n0 += nr) {
      SmallVector<Value> inits(tr * nr, zeros(w));
      SmallVector<Value> res = forCarry(
          idx(0), idx(s.d), idx(1), inits, [&](Value e, ValueRange it) {
            SmallVector<Value> kv, next(it.begin(), it.end());
            for (int64_t u = 0; u < nr; ++u)
              kv.push_back(loadVec(kT, {e, idx((n0 + u) * w)}));
            for (int64_t t = 0; t < tr; ++t) {
              Value qv = broadcastAt(qs, {add(r0, idx(t)), e});
              for (int64_t u = 0; u < nr; ++u)
                next[t * nr + u] = fma(qv, kv[u], next[t * nr + u]);
            }
            return next;
          });
      for (int64_t t = 0; t < tr; ++t)
        for (int64_t u = 0; u < nr; ++u)
          vector::StoreOp::create(
              b, res[t * nr + u], sbuf,
              ValueRange{add(r0, idx(t)), idx((n0 + u) * w)});
    }
  };
  rowTiles(rowsValid, mr, /*exact=*/false, scoreTile);

  // Keys in the block, under the causal diagonal; an explicit mask
  // tensor's values join the scores first (after overflowed scores became
  // NaN, so that a -inf of the mask stays -inf).
  bool maskTensor = s.mask == MaskKind::additive || s.mask == MaskKind::boolean;
  if (maskTensor) {
    Value lowest;
    if (s.mask == MaskKind::boolean)
      lowest =
          maskedScore(*this, cast<MemRefType>(q.getType()).getElementType());
    loop(idx(0), rowsValid, idx(1), [&](Value r) {
      Value i, h;
      std::tie(i, h) = rowQuery(g, i0, r);
      for (int64_t c = 0; c < nb / w; ++c) {
        SmallVector<Value> values;
        for (int64_t n = c * w; n < (c + 1) * w; ++n)
          values.push_back(loadMask(*this, s, mask, bi, h, i,
                                    minI(add(kb, idx(n)), idx(s.seqKV - 1))));
        Value mv = vector::FromElementsOp::create(
            b, VectorType::get({w}, values[0].getType()), values);
        Value sc = poison(loadVec(sbuf, {r, idx(c * w)}));
        sc = s.mask == MaskKind::additive ? add(sc, toF32(mv))
                                          : select(mv, sc, splat(lowest, w));
        vector::StoreOp::create(b, sc, sbuf, ValueRange{r, idx(c * w)});
      }
    });
  }
  softmaxBlock(
      sbuf, nb, rowsValid,
      [&](Value r) -> Value {
        if (s.mask != MaskKind::causal)
          return nk;
        Value i = add(i0, arith::DivUIOp::create(b, r, idx(group)));
        return minI(nk, sub(add(add(i, diagonal), idx(1)), kb));
      },
      /*poisonScores=*/!maskTensor);

  // O += P·V: Mp rows × Ec vectors of values.
  accumulate(sbuf, nk, rowsValid, mp, ec, [&](Value n, int64_t c) -> Value {
    if (vb)
      return loadVec(vb, {n, idx(c * w)});
    return loadF32(v, rowAt(bi, g, add(kb, n), true), c * w, w);
  });
}

void CPUAttention::buildBlocked() {
  // Query i sees keys j <= i + (T - S); RoPE rotates it at that position.
  // From a cache, T is its length.
  Value keys = s.decode ? length : idx(s.seqKV);
  diagonal = sub(keys, idx(s.seqQ));
  // Keys per block: 64 (at least two vectors of them).
  int64_t nb = std::max<int64_t>(64, 2 * w);
  std::tie(mr, nr) = registerTile(upTo(16), divisors(nb / w),
                                  /*holdRows=*/false, regs);
  std::tie(mp, ec) = registerTile(upTo(16), upTo(dvc), /*holdRows=*/true, regs);
  // About 128 rows per query tile (every head of the KV group): a staged
  // key block serves that many, and the tile's rows are a multiple of both
  // register tiles so that none runs a row at a time.
  int64_t unit = std::lcm(mr, mp) / std::gcd(std::lcm(mr, mp), group);
  tileRows = std::max<int64_t>(unit, 128 / group / unit * unit);
  tileRows = std::min(tileRows, s.seqQ);
  rows = tileRows * group;
  int64_t tiles = (s.seqQ + tileRows - 1) / tileRows;
  bool stageValues = !storageType().isF32();
  parallel({idx(s.batch), idx(s.hkv), idx(tiles)}, [&](ValueRange iv) {
    Value bi = iv[0], g = iv[1];
    Value i0 = mul(iv[2], idx(tileRows));
    Value valid = minI(idx(tileRows), sub(idx(s.seqQ), i0));
    Value rowsValid = mul(valid, idx(group));
    initTile(bi, g, i0, rowsValid);
    Value kT = memref::AllocaOp::create(b, MemRefType::get({s.d, nb}, f32Type));
    kRow = memref::AllocaOp::create(b, MemRefType::get({nb, s.d}, f32Type));
    // Rows past a short last block are transposed too; they start finite.
    loop(idx(0), idx(nb), idx(1), [&](Value n) {
      for (int64_t c = 0; c < dc; ++c)
        vector::StoreOp::create(b, zeros(w), kRow, ValueRange{n, idx(c * w)});
    });
    Value vb;
    if (stageValues)
      vb = memref::AllocaOp::create(b, MemRefType::get({nb, s.dv}, f32Type));
    Value sbuf =
        memref::AllocaOp::create(b, MemRefType::get({rows, nb}, f32Type));
    // Columns of a short last block are never live, but start finite.
    loop(idx(0), idx(s.d), idx(1), [&](Value e) {
      for (int64_t n = 0; n < nb; n += w)
        vector::StoreOp::create(b, zeros(w), kT, ValueRange{e, idx(n)});
    });
    Value jHi = keys;
    if (s.mask == MaskKind::causal)
      // Keys past the tile's last diagonal are masked for every row: skip.
      jHi = maxI(idx(0), minI(jHi, add(add(i0, valid), diagonal)));
    loop(idx(0), jHi, idx(nb), [&](Value kb) {
      prefillBlock(bi, g, i0, rowsValid, kb, minI(idx(nb), sub(jHi, kb)), nb,
                   kT, vb, sbuf);
    });
    normaliseTile(bi, g, i0, rowsValid);
  });
}
