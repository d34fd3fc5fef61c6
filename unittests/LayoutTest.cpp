//===- LayoutTest.cpp - Unit tests for mixed-radix layouts ----------------===//

#include "qkvtie/Analysis/Layout.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

class LayoutTest : public ::testing::Test {
protected:
  LayoutTest() {
    ctx.loadDialect<func::FuncDialect, linalg::LinalgDialect,
                    tensor::TensorDialect>();
  }
  /// Parses a function and returns the value returned by it.
  Value parseReturned(const char *body) {
    module = parseSourceString<ModuleOp>(body, &ctx);
    EXPECT_TRUE(module);
    Value ret;
    module->walk([&](func::ReturnOp r) { ret = r.getOperand(0); });
    return ret;
  }
  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

using Dims = SmallVector<Layout::Dim>;

TEST_F(LayoutTest, HeadSplitOfProjection) {
  // [8 tokens, 4 heads x 16] -> [1, 4, 8, 16]: head h, token s, element e
  // read row s, column 16 h + e.
  Value v = parseReturned(R"mlir(
    func.func @f(%p: tensor<8x64xf32>) -> tensor<1x4x8x16xf32> {
      %e = tensor.expand_shape %p [[0, 1], [2, 3]] output_shape [1, 8, 4, 16]
          : tensor<8x64xf32> into tensor<1x8x4x16xf32>
      %i = tensor.empty() : tensor<1x4x8x16xf32>
      %t = linalg.transpose ins(%e : tensor<1x8x4x16xf32>)
          outs(%i : tensor<1x4x8x16xf32>) permutation = [0, 2, 1, 3]
      return %t : tensor<1x4x8x16xf32>
    })mlir");
  Layout l = traceLayout(v);
  ASSERT_TRUE(l.getBase());
  EXPECT_TRUE(isa<BlockArgument>(l.getBase()));
  Layout expected(l.getBase(), Dims{{}, {{4, 16}}, {{8, 64}}, {{16, 1}}});
  EXPECT_TRUE(l.isEquivalent(expected)) << l.str();
}

TEST_F(LayoutTest, RepeatKVIsABroadcastWithinHeads) {
  // [1, 2, 5, 8] -> broadcast to [1, 2, 4, 5, 8] -> [1, 8, 5, 8]: query
  // head h reads KV head h / 4.
  Value v = parseReturned(R"mlir(
    func.func @f(%k: tensor<1x2x5x8xf32>) -> tensor<1x8x5x8xf32> {
      %i = tensor.empty() : tensor<1x2x4x5x8xf32>
      %b = linalg.broadcast ins(%k : tensor<1x2x5x8xf32>)
          outs(%i : tensor<1x2x4x5x8xf32>) dimensions = [2]
      %c = tensor.collapse_shape %b [[0], [1, 2], [3], [4]]
          : tensor<1x2x4x5x8xf32> into tensor<1x8x5x8xf32>
      return %c : tensor<1x8x5x8xf32>
    })mlir");
  Layout l = traceLayout(v);
  Layout expected(l.getBase(), Dims{{}, {{2, 40}, {4, 0}}, {{5, 8}}, {{8, 1}}});
  EXPECT_TRUE(l.isEquivalent(expected)) << l.str();
}

TEST_F(LayoutTest, PackedSliceHasAnOffset) {
  Value v = parseReturned(R"mlir(
    func.func @f(%p: tensor<8x192xf32>) -> tensor<8x64xf32> {
      %s = tensor.extract_slice %p[0, 128] [8, 64] [1, 1]
          : tensor<8x192xf32> to tensor<8x64xf32>
      return %s : tensor<8x64xf32>
    })mlir");
  Layout l = traceLayout(v);
  EXPECT_EQ(l.getOffset(), 128);
  EXPECT_TRUE(
      l.isEquivalent(Layout(l.getBase(), Dims{{{8, 192}}, {{64, 1}}}, 128)));
}

TEST_F(LayoutTest, ReshapeRejectsIncompatibleSplits) {
  Layout l = Layout::rowMajor(Value(), {6, 4});
  // [6, 4] -> [4, 6] reads the same row-major elements: fine.
  EXPECT_TRUE(succeeded(l.reshape({4, 6})));
  // A transposed [4, 6] cannot be split into [3, 8] by strides.
  EXPECT_TRUE(failed(l.permute({1, 0}).reshape({3, 8})));
}

TEST_F(LayoutTest, ReadThroughMapBroadcastsUnusedDims) {
  MLIRContext *c = &ctx;
  // A [5, 8] tensor read at (d0, d2) in a [5, 3, 8] iteration space.
  AffineMap map =
      AffineMap::get(3, 0, {getAffineDimExpr(0, c), getAffineDimExpr(2, c)}, c);
  FailureOr<Layout> l = Layout::rowMajor(Value(), {5, 8}).read(map, {5, 3, 8});
  ASSERT_TRUE(succeeded(l));
  EXPECT_TRUE(
      l->isEquivalent(Layout(Value(), Dims{{{5, 8}}, {{3, 0}}, {{8, 1}}})));
}

TEST_F(LayoutTest, ComposeFollowsAnIntermediateRowMajorSpace) {
  // Outer: a [4, 8] space that is the transpose of a [8, 4] base.
  Layout outer = Layout::rowMajor(Value(), {8, 4}).permute({1, 0});
  // Inner: a [2, 16] view of outer's row-major index.
  Layout inner = Layout::rowMajor(Value(), {2, 16});
  FailureOr<Layout> c = outer.compose(inner);
  ASSERT_TRUE(succeeded(c));
  // Index (i, j) -> outer row-major 16 i + j -> outer (2 i + j / 8, j % 8)
  // -> base (j % 8) * 4 + 2 i + j / 8.
  EXPECT_TRUE(
      c->isEquivalent(Layout(Value(), Dims{{{2, 2}}, {{2, 1}, {8, 4}}})))
      << c->str();
}

} // namespace
