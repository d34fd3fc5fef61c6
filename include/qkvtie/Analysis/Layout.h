//===- Layout.h - Mixed-radix views of tensors ------------------*- C++ -*-===//
//
// Model IR splits heads, transposes, repeats KV heads and slices packed
// projections with many different op sequences (expand_shape + transpose,
// reshape, generic copies, broadcast + collapse, extract_slice, TOSA
// equivalents). A Layout abstracts all of them: it says which element of a
// base tensor each index of a view reads. Two op sequences that read the
// same elements in the same order have equal normalized Layouts, whatever
// ops they use; that is what makes the raise match structure, not spelling.
//
// A Layout maps an index space of rank r to the row-major linear index of a
// base tensor. Each dimension is a list of sub-dimensions (size, stride),
// outermost first, in mixed radix: a dimension of size 8 made of (2, 16)
// and (4, 0) reads base offset 16 * (i / 4) for index i (a repeated head).
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_ANALYSIS_LAYOUT_H
#define QKVTIE_ANALYSIS_LAYOUT_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace mlir::qkvtie {

struct SubDim {
  int64_t size;
  int64_t stride;
  bool operator==(const SubDim &o) const {
    return size == o.size && stride == o.stride;
  }
};

class Layout {
public:
  using Dim = SmallVector<SubDim, 2>;

  Layout() = default;
  Layout(Value base, SmallVector<Dim> dims, int64_t offset = 0)
      : base(base), dims(std::move(dims)), offset(offset) {}

  /// Row-major layout of a statically shaped tensor over itself.
  static Layout identity(Value v);
  /// Row-major layout of `shape` over a base of that shape.
  static Layout rowMajor(Value base, ArrayRef<int64_t> shape);

  Value getBase() const { return base; }
  int64_t getOffset() const { return offset; }
  ArrayRef<Dim> getDims() const { return dims; }
  int64_t getRank() const { return dims.size(); }
  int64_t getDimSize(int64_t i) const;
  SmallVector<int64_t> getShape() const;

  /// The same elements seen with another row-major shape (expand/collapse).
  FailureOr<Layout> reshape(ArrayRef<int64_t> shape) const;
  /// Result dim i is this layout's dim perm[i] (linalg.transpose).
  Layout permute(ArrayRef<int64_t> perm) const;
  /// The layout of an iteration space of `iterShape` that reads this tensor
  /// at `map` (a projected permutation; constant 0 results for unit dims).
  /// Iteration dims the map does not use read with stride 0 (broadcast).
  FailureOr<Layout> read(AffineMap map, ArrayRef<int64_t> iterShape) const;
  /// tensor.extract_slice with static offsets, sizes and strides.
  FailureOr<Layout> slice(ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes,
                          ArrayRef<int64_t> strides) const;
  /// This layout viewed through `inner`, an index space whose strides
  /// address this layout's row-major linear index: the composition
  /// this(inner(i)).
  FailureOr<Layout> compose(const Layout &inner) const;
  /// Selects dims (in order) and drops the rest, which must be stride 0.
  FailureOr<Layout> project(ArrayRef<int64_t> keep) const;

  /// Unit sub-dims dropped and contiguous neighbours merged, so that equal
  /// element mappings compare equal.
  Layout normalized() const;
  /// Same base, offset and element mapping.
  bool isEquivalent(const Layout &other) const;

  std::string str() const;

private:
  Value base;
  SmallVector<Dim> dims;
  int64_t offset = 0;
};

/// Walks back from `v` through ops that only move elements (reshapes,
/// transposes, broadcasts, copies, slices, casts) and returns v's layout
/// over the first value that is not such a view. Never fails: in the worst
/// case the layout of `v` over itself.
Layout traceLayout(Value v);

} // namespace mlir::qkvtie

#endif // QKVTIE_ANALYSIS_LAYOUT_H
