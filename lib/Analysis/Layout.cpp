//===- Layout.cpp - Mixed-radix views of tensors --------------------------===//

#include "qkvtie/Analysis/Layout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Tosa/Utils/ConversionUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::qkvtie;

static int64_t product(ArrayRef<SubDim> subs) {
  int64_t p = 1;
  for (const SubDim &s : subs)
    p *= s.size;
  return p;
}

Layout Layout::rowMajor(Value base, ArrayRef<int64_t> shape) {
  SmallVector<Dim> dims(shape.size());
  int64_t stride = 1;
  for (int64_t i = shape.size() - 1; i >= 0; --i) {
    dims[i] = {SubDim{shape[i], stride}};
    stride *= shape[i];
  }
  return Layout(base, std::move(dims));
}

Layout Layout::identity(Value v) {
  return rowMajor(v, cast<RankedTensorType>(v.getType()).getShape());
}

int64_t Layout::getDimSize(int64_t i) const { return product(dims[i]); }

SmallVector<int64_t> Layout::getShape() const {
  SmallVector<int64_t> shape;
  for (int64_t i = 0, e = getRank(); i < e; ++i)
    shape.push_back(getDimSize(i));
  return shape;
}

static Layout::Dim normalizeDim(ArrayRef<SubDim> dim) {
  Layout::Dim out;
  for (const SubDim &s : dim) {
    if (s.size == 1)
      continue;
    if (!out.empty() && out.back().stride == s.size * s.stride) {
      out.back() = SubDim{out.back().size * s.size, s.stride};
      continue;
    }
    out.push_back(s);
  }
  return out;
}

FailureOr<Layout> Layout::reshape(ArrayRef<int64_t> shape) const {
  // Contiguous neighbours merged first, so any split of them is expressible.
  SmallVector<SubDim> all;
  for (const Dim &d : dims)
    all.append(d.begin(), d.end());
  SmallVector<SubDim> flat(normalizeDim(all));
  SmallVector<Dim> out(shape.size());
  for (int64_t i = shape.size() - 1; i >= 0; --i) {
    int64_t need = shape[i];
    while (need > 1) {
      if (flat.empty())
        return failure();
      SubDim last = flat.back();
      if (need % last.size == 0) {
        out[i].insert(out[i].begin(), last);
        flat.pop_back();
        need /= last.size;
      } else if (last.size % need == 0) {
        out[i].insert(out[i].begin(), SubDim{need, last.stride});
        flat.back() = SubDim{last.size / need, last.stride * need};
        need = 1;
      } else {
        return failure();
      }
    }
  }
  if (!flat.empty())
    return failure();
  return Layout(base, std::move(out), offset);
}

Layout Layout::permute(ArrayRef<int64_t> perm) const {
  SmallVector<Dim> out;
  for (int64_t p : perm)
    out.push_back(dims[p]);
  return Layout(base, std::move(out), offset);
}

FailureOr<Layout> Layout::read(AffineMap map,
                               ArrayRef<int64_t> iterShape) const {
  if (map.getNumResults() != static_cast<unsigned>(getRank()) ||
      map.getNumDims() != iterShape.size())
    return failure();
  SmallVector<Dim> out(iterShape.size());
  SmallVector<bool> used(iterShape.size(), false);
  for (auto [k, expr] : llvm::enumerate(map.getResults())) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
      unsigned j = dim.getPosition();
      if (used[j] || getDimSize(k) != iterShape[j])
        return failure();
      used[j] = true;
      out[j] = dims[k];
      continue;
    }
    // Index 0 of a dimension: contributes no offset.
    auto cst = dyn_cast<AffineConstantExpr>(expr);
    if (!cst || cst.getValue() != 0)
      return failure();
  }
  for (auto [j, size] : llvm::enumerate(iterShape))
    if (!used[j])
      out[j] = {SubDim{size, 0}};
  return Layout(base, std::move(out), offset);
}

FailureOr<Layout> Layout::slice(ArrayRef<int64_t> offsets,
                                ArrayRef<int64_t> sizes,
                                ArrayRef<int64_t> strides) const {
  SmallVector<Dim> out;
  int64_t off = offset;
  for (int64_t i = 0, e = getRank(); i < e; ++i) {
    if (offsets[i] == 0 && sizes[i] == getDimSize(i) && strides[i] == 1) {
      out.push_back(dims[i]);
      continue;
    }
    Dim d = normalizeDim(dims[i]);
    if (d.empty()) { // a unit dimension
      out.push_back({});
      continue;
    }
    if (d.size() != 1)
      return failure();
    off += offsets[i] * d[0].stride;
    out.push_back({SubDim{sizes[i], d[0].stride * strides[i]}});
  }
  return Layout(base, std::move(out), off);
}

namespace {
struct FlatElement {
  int64_t size, rowStride, stride;
};
} // namespace

FailureOr<Layout> Layout::compose(const Layout &inner) const {
  // This layout's sub-dims, each with its stride in our own row-major
  // linear index (the space `inner` addresses).
  SmallVector<FlatElement> flat;
  int64_t rowStride = 1;
  for (int64_t i = getRank() - 1; i >= 0; --i) {
    int64_t r = rowStride;
    for (const SubDim &s : llvm::reverse(dims[i])) {
      if (s.size != 1)
        flat.push_back({s.size, r, s.stride});
      r *= s.size;
    }
    rowStride *= getDimSize(i);
  }
  int64_t numElements = rowStride;
  llvm::sort(flat, [](const FlatElement &a, const FlatElement &b) {
    return a.rowStride < b.rowStride;
  });
  SmallVector<int64_t> reach(flat.size(), 0);

  auto findElement = [&](int64_t s) -> int64_t {
    for (auto [idx, e] : llvm::enumerate(flat))
      if (e.rowStride <= s && s < e.rowStride * e.size && s % e.rowStride == 0)
        return idx;
    return -1;
  };

  SmallVector<Dim> out;
  for (const Dim &dim : inner.getDims()) {
    Dim result;
    for (const SubDim &sub : dim) {
      if (sub.size == 1)
        continue;
      if (sub.stride == 0) {
        result.push_back(sub);
        continue;
      }
      // Pieces come out innermost first.
      SmallVector<SubDim> pieces;
      int64_t remaining = sub.size, cur = sub.stride;
      while (remaining > 1) {
        int64_t idx = findElement(cur);
        if (idx < 0)
          return failure();
        const FlatElement &e = flat[idx];
        int64_t step = cur / e.rowStride;
        if (remaining * step <= e.size) {
          pieces.push_back({remaining, step * e.stride});
          reach[idx] += (remaining - 1) * step;
          remaining = 1;
          break;
        }
        if (e.size % step != 0)
          return failure();
        int64_t count = e.size / step;
        if (remaining % count != 0)
          return failure();
        pieces.push_back({count, step * e.stride});
        reach[idx] += (count - 1) * step;
        remaining /= count;
        cur = e.rowStride * e.size;
      }
      result.append(pieces.rbegin(), pieces.rend());
    }
    out.push_back(std::move(result));
  }

  // The inner offset, decomposed in our mixed radix; no progression may
  // carry past an element, which the mixed radix could not express.
  int64_t o = inner.getOffset();
  if (o < 0 || o >= numElements)
    return failure();
  int64_t off = offset;
  for (auto [idx, e] : llvm::enumerate(flat)) {
    int64_t c = (o / e.rowStride) % e.size;
    if (c + reach[idx] >= e.size)
      return failure();
    off += c * e.stride;
  }
  return Layout(base, std::move(out), off);
}

FailureOr<Layout> Layout::project(ArrayRef<int64_t> keep) const {
  SmallVector<Dim> out;
  for (int64_t i = 0, e = getRank(); i < e; ++i) {
    if (llvm::is_contained(keep, i))
      continue;
    for (const SubDim &s : dims[i])
      if (s.size != 1 && s.stride != 0)
        return failure();
  }
  for (int64_t k : keep)
    out.push_back(dims[k]);
  return Layout(base, std::move(out), offset);
}

Layout Layout::normalized() const {
  SmallVector<Dim> out;
  for (const Dim &d : dims)
    out.push_back(normalizeDim(d));
  return Layout(base, std::move(out), offset);
}

bool Layout::isEquivalent(const Layout &other) const {
  if (base != other.base || offset != other.offset ||
      getRank() != other.getRank())
    return false;
  for (int64_t i = 0, e = getRank(); i < e; ++i)
    if (getDimSize(i) != other.getDimSize(i) ||
        normalizeDim(dims[i]) != normalizeDim(other.dims[i]))
      return false;
  return true;
}

std::string Layout::str() const {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (i)
      os << ", ";
    os << "(";
    for (auto [j, sub] : llvm::enumerate(d))
      os << (j ? " " : "") << sub.size << ":" << sub.stride;
    os << ")";
  }
  os << "] + " << offset;
  return s;
}

//===----------------------------------------------------------------------===//
// traceLayout
//===----------------------------------------------------------------------===//

static bool hasStaticShape(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.hasStaticShape();
}

/// A linalg.generic that only copies its single input (a transpose or a
/// broadcast written generically): returns the map from the result's index
/// space to the input.
static FailureOr<AffineMap> copyMap(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 0)
    return failure();
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Value yielded = yield.getOperand(0);
  // A float cast moves no element: frameworks store f16 results of f32
  // accumulations and widen f16 scores for softmax. The op computes in f32
  // throughout, so seeing through casts only drops intermediate roundings.
  if (auto cast = yielded.getDefiningOp<arith::TruncFOp>())
    yielded = cast.getIn();
  else if (auto cast = yielded.getDefiningOp<arith::ExtFOp>())
    yielded = cast.getIn();
  if (body.getOperations().size() > 2 || yielded != body.getArgument(0))
    return failure();
  AffineMap out = op.getIndexingMapsArray()[1];
  if (!out.isPermutation())
    return failure();
  return op.getIndexingMapsArray()[0].compose(inversePermutation(out));
}

static Layout traceLayoutImpl(Value v, int depth) {
  Layout self = Layout::identity(v);
  Operation *op = v.getDefiningOp();
  if (!op || depth > 64)
    return self;
  auto resultShape = cast<RankedTensorType>(v.getType()).getShape();
  auto viaReshape = [&](Value src) -> Layout {
    if (!hasStaticShape(src))
      return self;
    FailureOr<Layout> l = traceLayoutImpl(src, depth + 1).reshape(resultShape);
    return succeeded(l) ? *l : self;
  };
  auto viaRead = [&](Value src, AffineMap map) -> Layout {
    if (!hasStaticShape(src))
      return self;
    FailureOr<Layout> l =
        traceLayoutImpl(src, depth + 1).read(map, resultShape);
    return succeeded(l) ? *l : self;
  };

  if (auto e = dyn_cast<tensor::ExpandShapeOp>(op))
    return viaReshape(e.getSrc());
  if (auto c = dyn_cast<tensor::CollapseShapeOp>(op))
    return viaReshape(c.getSrc());
  if (auto r = dyn_cast<tensor::ReshapeOp>(op))
    return viaReshape(r.getSource());
  if (auto r = dyn_cast<tosa::ReshapeOp>(op))
    return viaReshape(r.getInput1());
  if (auto c = dyn_cast<tensor::CastOp>(op))
    return viaReshape(c.getSource());
  if (auto t = dyn_cast<linalg::TransposeOp>(op)) {
    if (!hasStaticShape(t.getInput()))
      return self;
    return traceLayoutImpl(t.getInput(), depth + 1).permute(t.getPermutation());
  }
  if (auto t = dyn_cast<tosa::TransposeOp>(op)) {
    if (!hasStaticShape(t.getInput1()))
      return self;
    SmallVector<int64_t> perm(t.getPerms().begin(), t.getPerms().end());
    return traceLayoutImpl(t.getInput1(), depth + 1).permute(perm);
  }
  if (auto b = dyn_cast<linalg::BroadcastOp>(op)) {
    SmallVector<AffineExpr> results;
    for (int64_t i = 0, e = resultShape.size(); i < e; ++i)
      if (!llvm::is_contained(b.getDimensions(), i))
        results.push_back(getAffineDimExpr(i, op->getContext()));
    return viaRead(b.getInput(), AffineMap::get(resultShape.size(), 0, results,
                                                op->getContext()));
  }
  if (auto g = dyn_cast<linalg::GenericOp>(op)) {
    FailureOr<AffineMap> map = copyMap(g);
    if (failed(map))
      return self;
    return viaRead(g.getDpsInputs()[0], *map);
  }
  if (auto t = dyn_cast<tosa::TileOp>(op)) {
    // Each repeat is an outer sub-dim of stride 0.
    SmallVector<int64_t> multiples;
    if (!hasStaticShape(t.getInput1()) ||
        !tosa::getConstShapeValues(t.getMultiples().getDefiningOp(), multiples))
      return self;
    Layout in = traceLayoutImpl(t.getInput1(), depth + 1);
    SmallVector<Layout::Dim> dims;
    for (auto [i, d] : llvm::enumerate(in.getDims())) {
      Layout::Dim dim = {SubDim{multiples[i], 0}};
      dim.append(d.begin(), d.end());
      dims.push_back(dim);
    }
    return Layout(in.getBase(), std::move(dims), in.getOffset());
  }
  if (auto s = dyn_cast<tosa::SliceOp>(op)) {
    SmallVector<int64_t> start, size;
    if (!hasStaticShape(s.getInput1()) ||
        !tosa::getConstShapeValues(s.getStart().getDefiningOp(), start) ||
        !tosa::getConstShapeValues(s.getSize().getDefiningOp(), size))
      return self;
    FailureOr<Layout> l =
        traceLayoutImpl(s.getInput1(), depth + 1)
            .slice(start, size, SmallVector<int64_t>(start.size(), 1));
    return succeeded(l) ? *l : self;
  }
  if (auto s = dyn_cast<tensor::ExtractSliceOp>(op)) {
    if (!hasStaticShape(s.getSource()) || s.getSourceType().getRank() == 0 ||
        ShapedType::isDynamicShape(s.getStaticOffsets()) ||
        ShapedType::isDynamicShape(s.getStaticSizes()) ||
        ShapedType::isDynamicShape(s.getStaticStrides()))
      return self;
    FailureOr<Layout> l = traceLayoutImpl(s.getSource(), depth + 1)
                              .slice(s.getStaticOffsets(), s.getStaticSizes(),
                                     s.getStaticStrides());
    if (failed(l))
      return self;
    // Rank-reducing slices drop unit dims: a reshape.
    FailureOr<Layout> r = l->reshape(resultShape);
    return succeeded(r) ? *r : self;
  }
  return self;
}

Layout mlir::qkvtie::traceLayout(Value v) {
  if (!hasStaticShape(v))
    return Layout();
  return traceLayoutImpl(v, 0);
}
