//===- CPUAttentionKernel.cpp - Fused CPU attention kernels ---------------===//
//
// Both kernels keep an online softmax (max, sum, unnormalised accumulator)
// per query row in f32 and compute with register-tiled micro-kernels whose
// tile shapes come from the target's vector registers (16 of 8 lanes with
// AVX2, 32 of 16 with AVX-512):
//
//  - decode streams the cache in blocks of keys. A block is prefetched a
//    few kilobytes ahead, converted or rotated into an f32 buffer only when
//    it must be (f16/bf16, RoPE, QK-norm), scored against every query row of
//    the KV head's group (Gt rows × Jt keys of accumulators over the head),
//    and accumulated into P·V (Gp rows × Ec vectors, the probabilities
//    broadcast). A K=V row is read from memory once and serves both
//    products. Chunks of the cache go to separate tasks, whose partial
//    states a second loop merges;
//  - prefill is FlashAttention-2: a task owns a tile of query rows (every
//    head of a KV group), stages each key block transposed (keys as lanes)
//    and computes S = Q·Kᵀ and O += P·V with Mr × Nr register tiles; causal
//    blocks past the tile's diagonal are skipped.
//
//===----------------------------------------------------------------------===//

#include "CPUAttentionKernel.h"
#include "CPUAttention.h"

#include <functional>
#include <numeric>

using namespace mlir;
using namespace mlir::qkvtie;
using namespace mlir::qkvtie::cpu;

SmallVector<int64_t> cpu::divisors(int64_t n) {
  SmallVector<int64_t> out;
  for (int64_t i = 1; i <= n; ++i)
    if (n % i == 0)
      out.push_back(i);
  return out;
}

/// 1, 2, ..., n.
SmallVector<int64_t> cpu::upTo(int64_t n) {
  SmallVector<int64_t> out;
  for (int64_t i = 1; i <= n; ++i)
    out.push_back(i);
  return out;
}

std::pair<int64_t, int64_t> cpu::registerTile(ArrayRef<int64_t> rowChoices,
                                              ArrayRef<int64_t> colChoices,
                                              bool holdRows,
                                              int64_t registers) {
  constexpr int64_t kChains = 10;
  std::pair<int64_t, int64_t> best = {1, 1};
  std::tuple<int64_t, double, int64_t> bestKey = {0, 0.0, 0};
  for (int64_t r : rowChoices)
    for (int64_t c : colChoices) {
      if (r * c + 2 * (holdRows ? r : c) + 1 > registers)
        continue;
      std::tuple<int64_t, double, int64_t> key = {
          std::min(r * c, kChains), double(r * c) / double(r + c), r * c};
      if (key > bestKey) {
        best = {r, c};
        bestKey = key;
      }
    }
  return best;
}

CPUAttention::CPUAttention(ImplicitLocOpBuilder &b, const AttentionSpec &spec,
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
  dc = s.d / w;
  dvc = s.dv / w;
  regs = vectorRegisters(s.lanes);
  // A query tile is at most 64 (query head, row) pairs: its state stays
  // in L1 and its stack allocations small.
  tileRows = std::min(std::max<int64_t>(1, 64 / group), s.seqQ);
  rows = tileRows * group;
  f32Type = b.getF32Type();
  laneType = VectorType::get({w}, f32Type);
}

SmallVector<Value> CPUAttention::rotate(ArrayRef<Value> x, Value pos) {
  int64_t chunks = s.rotary / w, half = chunks / 2;
  SmallVector<Value> r;
  for (int64_t c = 0; c < static_cast<int64_t>(x.size()); ++c) {
    if (c >= chunks) {
      r.push_back(x[c]);
      continue;
    }
    bool low = c < half;
    r.push_back(buildRotateHalf(
        b, b.getLoc(), x[c], low ? x[c + half] : x[c - half], low, [&] {
          Value cs = loadF32(cos, {pos, idx(0)}, c * w, w);
          Value sn = loadF32(sin, {pos, idx(0)}, c * w, w);
          return std::make_pair(cs, sn);
        }));
  }
  return r;
}

SmallVector<Value> CPUAttention::normalise(ArrayRef<Value> x, Value weight) {
  Value ss = mul(x[0], x[0]);
  for (size_t c = 1; c < x.size(); ++c)
    ss = fma(x[c], x[c], ss);
  Value mean = arith::DivFOp::create(b, reduceAdd(ss), f32(s.d));
  Value inv = splat(math::RsqrtOp::create(b, add(mean, f32(s.normEps))), w);
  SmallVector<Value> r;
  for (auto [c, xc] : llvm::enumerate(x))
    r.push_back(mul(mul(xc, inv), loadF32(weight, {idx(0)}, c * w, w)));
  return r;
}

SmallVector<Value> CPUAttention::keyRow(Value bi, Value g, Value j) {
  SmallVector<Value> at = rowAt(bi, g, j, /*value=*/false), x;
  for (int64_t c = 0; c < dc; ++c)
    x.push_back(loadF32(k, at, c * w, w));
  if (s.kNorm)
    x = normalise(x, kNormWeight);
  if (s.rope)
    x = rotate(x, j);
  return x;
}

Value CPUAttention::reduceMany(ArrayRef<Value> in, bool pad) {
  int64_t n = 1;
  while (n < static_cast<int64_t>(in.size()))
    n *= 2;
  assert((!pad || n <= w) && "padded sums must fit one vector");
  if (n > w) {
    // More sums than lanes: reduce lane-sized groups and join them.
    SmallVector<Value> parts;
    for (int64_t i = 0; i < static_cast<int64_t>(in.size()); i += w)
      parts.push_back(
          reduceMany(in.slice(i, std::min<int64_t>(w, in.size() - i))));
    SmallVector<Value> scalars;
    for (auto [i, p] : llvm::enumerate(parts)) {
      int64_t count = std::min<int64_t>(w, in.size() - i * w);
      for (int64_t j = 0; j < count; ++j)
        scalars.push_back(vector::ExtractOp::create(b, p, j));
    }
    return vector::FromElementsOp::create(
        b, VectorType::get({static_cast<int64_t>(in.size())}, f32Type),
        scalars);
  }
  SmallVector<Value> x(in.begin(), in.end());
  while (static_cast<int64_t>(x.size()) < n)
    x.push_back(zeros(w));
  // [x_lo + x_hi, y_lo + y_hi], lo/hi the first/second `part` lanes of
  // each block of 2·part.
  auto fold = [&](Value a, Value c, int64_t part) {
    int64_t lanes = cast<VectorType>(a.getType()).getNumElements();
    SmallVector<int64_t> lo, hi;
    for (int64_t base = 0; base < 2 * lanes; base += 2 * part)
      for (int64_t t = 0; t < part; ++t) {
        lo.push_back(base + t);
        hi.push_back(base + part + t);
      }
    return add(vector::ShuffleOp::create(b, a, c, lo),
               vector::ShuffleOp::create(b, a, c, hi));
  };
  for (int64_t part = w / 2; x.size() > 1; part /= 2) {
    SmallVector<Value> next;
    for (size_t i = 0; i < x.size(); i += 2)
      next.push_back(fold(x[i], x[i + 1], part));
    x = next;
  }
  // Lanes now hold n groups of w / n partial sums, in order.
  Value r = x[0];
  for (int64_t lanes = w; lanes > n; lanes /= 2) {
    SmallVector<int64_t> even, odd;
    for (int64_t t = 0; t < lanes; t += 2) {
      even.push_back(t);
      odd.push_back(t + 1);
    }
    r = add(vector::ShuffleOp::create(b, r, r, even),
            vector::ShuffleOp::create(b, r, r, odd));
  }
  if (!pad && n != static_cast<int64_t>(in.size()))
    r = vector::ExtractStridedSliceOp::create(
        b, r, ArrayRef<int64_t>{0},
        ArrayRef<int64_t>{static_cast<int64_t>(in.size())},
        ArrayRef<int64_t>{1});
  return r;
}

SmallVector<Value> CPUAttention::transposeSquare(ArrayRef<Value> in) {
  SmallVector<Value> x(in.begin(), in.end());
  for (int64_t span = w / 2; span >= 1; span /= 2) {
    SmallVector<int64_t> loMask, hiMask;
    for (int64_t blk = 0; blk < w; blk += 2 * span) {
      for (int64_t t = 0; t < span; ++t)
        loMask.push_back(blk + t);
      for (int64_t t = 0; t < span; ++t)
        loMask.push_back(w + blk + t);
      for (int64_t t = 0; t < span; ++t)
        hiMask.push_back(blk + span + t);
      for (int64_t t = 0; t < span; ++t)
        hiMask.push_back(w + blk + span + t);
    }
    SmallVector<Value> y(x);
    for (int64_t i = 0; i < w; ++i)
      if ((i / span) % 2 == 0) {
        y[i] = vector::ShuffleOp::create(b, x[i], x[i + span], loMask);
        y[i + span] = vector::ShuffleOp::create(b, x[i], x[i + span], hiMask);
      }
    x = y;
  }
  return x;
}

void CPUAttention::initTile(Value bi, Value g, Value i0, Value rowsValid) {
  qs = memref::AllocaOp::create(b, MemRefType::get({rows, s.d}, f32Type));
  m = memref::AllocaOp::create(b, MemRefType::get({rows}, f32Type));
  l = memref::AllocaOp::create(b, MemRefType::get({rows}, f32Type));
  corr = memref::AllocaOp::create(b, MemRefType::get({rows}, f32Type));
  acc = memref::AllocaOp::create(b, MemRefType::get({rows, s.dv}, f32Type));
  Value zeroV = zeros(w), scale = splat(f32(s.scale), w);
  loop(idx(0), rowsValid, idx(1), [&](Value r) {
    Value i, h;
    std::tie(i, h) = rowQuery(g, i0, r);
    SmallVector<Value> at = qAt(bi, i, h), x;
    for (int64_t c = 0; c < dc; ++c)
      x.push_back(loadF32(q, at, c * w, w));
    if (s.qNorm)
      x = normalise(x, qNormWeight);
    if (s.rope)
      x = rotate(x, add(i, diagonal));
    for (int64_t c = 0; c < dc; ++c)
      vector::StoreOp::create(b, mul(x[c], scale), qs, {r, idx(c * w)});
    memref::StoreOp::create(b, f32(kNegInf), m, r);
    memref::StoreOp::create(b, f32(0.0), l, r);
    for (int64_t c = 0; c < dvc; ++c)
      vector::StoreOp::create(b, zeroV, acc, {r, idx(c * w)});
  });
}

Value CPUAttention::softmaxExp(Value x) {
  int64_t n = cast<VectorType>(x.getType()).getNumElements();
  auto c = [&](float v) { return vsplat(v, n); };
  Value t = math::RoundEvenOp::create(b, mul(x, c(1.44269504088896341f)));
  Value f = fma(t, c(-0.693359375f), x);
  f = fma(t, c(2.12194440e-4f), f);
  Value p = c(1.9875691500e-4f);
  for (float coef : {1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f,
                     1.6666665459e-1f, 5.0000001201e-1f})
    p = fma(p, f, c(coef));
  p = fma(mul(p, f), f, add(f, c(1.0f)));
  VectorType ints = VectorType::get({n}, b.getI32Type());
  Value e = arith::FPToSIOp::create(b, ints, t);
  e = arith::ShLIOp::create(
      b,
      arith::AddIOp::create(b, e,
                            arith::ConstantOp::create(
                                b, DenseElementsAttr::get(ints, int32_t(127)))),
      arith::ConstantOp::create(b, DenseElementsAttr::get(ints, int32_t(23))));
  Value r = mul(p, arith::BitcastOp::create(b, x.getType(), e));
  return select(cmpf(arith::CmpFPredicate::OLT, x, c(-88.0f)), c(0.0f), r);
}

void CPUAttention::softmaxBlock(Value sbuf, int64_t n, Value rowsValid,
                                const std::function<Value(Value r)> &live,
                                bool poisonScores) {
  VectorType i64s = VectorType::get({w}, b.getI64Type());
  Value negInf = vsplat(kNegInf, w), zero = vsplat(0.0f, w),
        one = vsplat(1.0f, w);
  loop(idx(0), rowsValid, idx(1), [&](Value r) {
    Value bound = vector::BroadcastOp::create(
        b, i64s, arith::IndexCastOp::create(b, b.getI64Type(), live(r)));
    Value mx = negInf;
    for (int64_t c = 0; c < n / w; ++c) {
      SmallVector<int64_t> offsets(w);
      std::iota(offsets.begin(), offsets.end(), c * w);
      Value lanes = arith::ConstantOp::create(
          b, DenseElementsAttr::get(i64s, ArrayRef<int64_t>(offsets)));
      Value sc = loadVec(sbuf, {r, idx(c * w)});
      if (poisonScores)
        sc = poison(sc);
      sc = select(
          arith::CmpIOp::create(b, arith::CmpIPredicate::slt, lanes, bound), sc,
          negInf);
      vector::StoreOp::create(b, sc, sbuf, ValueRange{r, idx(c * w)});
      mx = arith::MaximumFOp::create(b, mx, sc);
    }
    Value mOld = memref::LoadOp::create(b, m, r);
    Value mNew = arith::MaximumFOp::create(
        b, mOld,
        vector::ReductionOp::create(b, vector::CombiningKind::MAXIMUMF, mx));
    Value mNewV = splat(mNew, w);
    Value sum = zero;
    for (int64_t c = 0; c < n / w; ++c) {
      Value sc = loadVec(sbuf, {r, idx(c * w)});
      // A masked key weighs 0, also in a row with no live key yet (whose
      // max is -inf, which the key equals).
      Value p = select(cmpf(arith::CmpFPredicate::OEQ, sc, mNewV), one,
                       softmaxExp(sub(sc, mNewV)));
      p = select(cmpf(arith::CmpFPredicate::OEQ, sc, negInf), zero, p);
      vector::StoreOp::create(b, p, sbuf, ValueRange{r, idx(c * w)});
      sum = add(sum, p);
    }
    Value c = select(cmpf(arith::CmpFPredicate::OEQ, mOld, mNew), f32(1.0),
                     math::ExpOp::create(b, sub(mOld, mNew)));
    memref::StoreOp::create(
        b, add(mul(memref::LoadOp::create(b, l, r), c), reduceAdd(sum)), l, r);
    memref::StoreOp::create(b, mNew, m, r);
    memref::StoreOp::create(b, c, corr, r);
  });
}

void CPUAttention::accumulate(
    Value sbuf, Value n, Value rowsValid, int64_t gp, int64_t ec,
    const std::function<Value(Value jj, int64_t c)> &value, bool exact) {
  auto tile = [&](Value r0, int64_t tr) {
    for (int64_t e0 = 0; e0 < dvc; e0 += ec) {
      int64_t ecHere = std::min(ec, dvc - e0);
      SmallVector<Value> inits;
      for (int64_t t = 0; t < tr; ++t) {
        Value r = add(r0, idx(t));
        Value c = splat(memref::LoadOp::create(b, corr, r), w);
        for (int64_t e = 0; e < ecHere; ++e)
          inits.push_back(mul(loadVec(acc, {r, idx((e0 + e) * w)}), c));
      }
      SmallVector<Value> res =
          forCarry(idx(0), n, idx(1), inits, [&](Value jj, ValueRange it) {
            SmallVector<Value> p, next(it.begin(), it.end());
            for (int64_t t = 0; t < tr; ++t)
              p.push_back(broadcastAt(sbuf, {add(r0, idx(t)), jj}));
            for (int64_t e = 0; e < ecHere; ++e) {
              Value val = value(jj, e0 + e);
              for (int64_t t = 0; t < tr; ++t)
                next[t * ecHere + e] = fma(p[t], val, next[t * ecHere + e]);
            }
            return next;
          });
      for (int64_t t = 0; t < tr; ++t)
        for (int64_t e = 0; e < ecHere; ++e)
          vector::StoreOp::create(
              b, res[t * ecHere + e], acc,
              ValueRange{add(r0, idx(t)), idx((e0 + e) * w)});
    }
  };
  rowTiles(rowsValid, gp, exact, tile);
}

void CPUAttention::normaliseTile(Value bi, Value g, Value i0, Value rowsValid) {
  loop(idx(0), rowsValid, idx(1), [&](Value r) {
    Value i, h;
    std::tie(i, h) = rowQuery(g, i0, r);
    Value sum = memref::LoadOp::create(b, l, r);
    Value inv = select(cmpf(arith::CmpFPredicate::OEQ, sum, f32(0.0)), f32(0.0),
                       arith::DivFOp::create(b, f32(1.0), sum));
    Value invV = splat(inv, w);
    SmallVector<Value> at = outAt(bi, i, h);
    for (int64_t c = 0; c < dvc; ++c)
      storeFromF32(mul(loadVec(acc, {r, idx(c * w)}), invV), out, at, c * w);
  });
}

void mlir::qkvtie::buildCPUAttentionKernel(ImplicitLocOpBuilder &b,
                                           const AttentionSpec &s,
                                           ValueRange args) {
  CPUAttention(b, s, args).build();
}
