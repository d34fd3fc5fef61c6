//===- TieAnalysisTest.cpp - Unit tests for the tie analysis --------------===//

#include "qkvtie/Analysis/TieAnalysis.h"
#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

class TieAnalysisTest : public ::testing::Test {
protected:
  TieAnalysisTest() {
    ctx.loadDialect<arith::ArithDialect, func::FuncDialect,
                    linalg::LinalgDialect, ml_program::MLProgramDialect,
                    tensor::TensorDialect, QKVTieDialect>();
  }
  /// Parses `body` and returns the two operands of its func.return.
  std::pair<Value, Value> parsePair(const std::string &body) {
    module = parseSourceString<ModuleOp>(body, &ctx);
    EXPECT_TRUE(module);
    std::pair<Value, Value> r;
    module->walk([&](func::ReturnOp ret) {
      r = {ret.getOperand(0), ret.getOperand(1)};
    });
    return r;
  }
  EqualityResult prove(const std::string &body, TieOptions options = {}) {
    auto [a, b] = parsePair(body);
    return proveEqual(a, b, options);
  }
  MLIRContext ctx;
  OwningOpRef<ModuleOp> module;
};

constexpr const char *kTwoArgs = R"mlir(
  func.func @f(%a: tensor<2x2xf32>, %b: tensor<2x2xf32>)
      -> (tensor<2x2xf32>, tensor<2x2xf32>) {
    return %a, %b : tensor<2x2xf32>, tensor<2x2xf32>
  })mlir";

TEST_F(TieAnalysisTest, SameValueAndSameView) {
  EqualityResult r = prove(R"mlir(
    func.func @f(%w: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
      %e = tensor.empty() : tensor<3x2xf32>
      %t1 = linalg.transpose ins(%w : tensor<2x3xf32>) outs(%e : tensor<3x2xf32>) permutation = [1, 0]
      %t2 = linalg.transpose ins(%w : tensor<2x3xf32>) outs(%e : tensor<3x2xf32>) permutation = [1, 0]
      return %t1, %t2 : tensor<3x2xf32>, tensor<3x2xf32>
    })mlir");
  ASSERT_TRUE(r.proof);
  EXPECT_EQ(*r.proof, ProofKind::SSA);
}

TEST_F(TieAnalysisTest, ArgumentsNeedTheUsersWord) {
  EqualityResult r = prove(kTwoArgs);
  EXPECT_FALSE(r.proof);
  EXPECT_NE(r.why.find("function arguments"), std::string::npos);
  TieOptions optIn;
  optIn.tieArguments = true;
  r = prove(kTwoArgs, optIn);
  ASSERT_TRUE(r.proof);
  EXPECT_EQ(*r.proof, ProofKind::ArgumentOptIn);
  r = prove(R"mlir(
    func.func @f(%a: tensor<2x2xf32>, %b: tensor<2x2xf32> {qkvtie.tied_to = 0 : i64})
        -> (tensor<2x2xf32>, tensor<2x2xf32>) {
      return %a, %b : tensor<2x2xf32>, tensor<2x2xf32>
    })mlir");
  ASSERT_TRUE(r.proof);
  EXPECT_EQ(*r.proof, ProofKind::ArgumentOptIn);
}

TEST_F(TieAnalysisTest, ConstantsCompareBytesNotSpelling) {
  // A splat and a dense literal with the same elements.
  EqualityResult r = prove(R"mlir(
    func.func @f() -> (tensor<2xf32>, tensor<2xf32>) {
      %a = arith.constant dense<1.5> : tensor<2xf32>
      %b = arith.constant dense<[1.5, 1.5]> : tensor<2xf32>
      return %a, %b : tensor<2xf32>, tensor<2xf32>
    })mlir");
  ASSERT_TRUE(r.proof);
  EXPECT_EQ(*r.proof, ProofKind::ConstantBytes);
  // Blobs with different names and the same bytes.
  r = prove(R"mlir(
    func.func @f() -> (tensor<2xf32>, tensor<2xf32>) {
      %a = arith.constant dense_resource<x> : tensor<2xf32>
      %b = arith.constant dense_resource<y> : tensor<2xf32>
      return %a, %b : tensor<2xf32>, tensor<2xf32>
    }
    {-#
      dialect_resources: { builtin: {
        x: "0x040000000000C03F0000C03F",
        y: "0x040000000000C03F0000C03F"
      } }
    #-})mlir");
  ASSERT_TRUE(r.proof);
  EXPECT_EQ(*r.proof, ProofKind::ConstantBytes);
}

TEST_F(TieAnalysisTest, FirstDifferenceIsInConstantCoordinates) {
  // Transposed views of [[1, 2], [3, 4]] and [[1, 2], [3, 5]]: the first
  // difference in view order is view (1, 1), constant element [1, 1].
  EqualityResult r = prove(R"mlir(
    func.func @f() -> (tensor<2x2xf32>, tensor<2x2xf32>) {
      %a = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
      %b = arith.constant dense<[[1.0, 2.0], [3.0, 5.0]]> : tensor<2x2xf32>
      %e = tensor.empty() : tensor<2x2xf32>
      %ta = linalg.transpose ins(%a : tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) permutation = [1, 0]
      %tb = linalg.transpose ins(%b : tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) permutation = [1, 0]
      return %ta, %tb : tensor<2x2xf32>, tensor<2x2xf32>
    })mlir");
  EXPECT_FALSE(r.proof);
  ASSERT_TRUE(r.difference);
  EXPECT_EQ(r.difference->index, SmallVector<int64_t>({1, 1}));
  EXPECT_EQ(r.difference->lhs, 4.0);
  EXPECT_EQ(r.difference->rhs, 5.0);
  EXPECT_EQ(r.difference->count, 1);
  EXPECT_EQ(r.difference->total, 4);
  EXPECT_DOUBLE_EQ(r.maxAbsDiff, 1.0);
}

TEST_F(TieAnalysisTest, ToleranceIsOptInAndMeasured) {
  const char *body = R"mlir(
    func.func @f() -> (tensor<2xf32>, tensor<2xf32>) {
      %a = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
      %b = arith.constant dense<[1.0, 2.001]> : tensor<2xf32>
      return %a, %b : tensor<2xf32>, tensor<2xf32>
    })mlir";
  EXPECT_FALSE(prove(body).proof);
  TieOptions tol;
  tol.tolerance = 0.01;
  EqualityResult r = prove(body, tol);
  ASSERT_TRUE(r.proof);
  EXPECT_EQ(*r.proof, ProofKind::Tolerance);
  EXPECT_NEAR(r.maxAbsDiff, 0.001, 1e-6);
  EXPECT_NEAR(r.maxRelDiff, 0.001 / 2.001, 1e-6);
}

TEST_F(TieAnalysisTest, SlicesOfOnePackedConstant) {
  EqualityResult r = prove(R"mlir(
    func.func @f() -> (tensor<2x1xf32>, tensor<2x1xf32>) {
      %w = arith.constant dense<[[7.0, 7.0, 1.0], [8.0, 8.0, 2.0]]> : tensor<2x3xf32>
      %a = tensor.extract_slice %w[0, 0] [2, 1] [1, 1] : tensor<2x3xf32> to tensor<2x1xf32>
      %b = tensor.extract_slice %w[0, 1] [2, 1] [1, 1] : tensor<2x3xf32> to tensor<2x1xf32>
      return %a, %b : tensor<2x1xf32>, tensor<2x1xf32>
    })mlir");
  ASSERT_TRUE(r.proof);
  EXPECT_EQ(*r.proof, ProofKind::PackedSlice);
}

TEST_F(TieAnalysisTest, LoadsOfOneGlobal) {
  EqualityResult r = prove(R"mlir(
    ml_program.global private @w(dense<1.0> : tensor<2xf32>) : tensor<2xf32>
    func.func @f() -> (tensor<2xf32>, tensor<2xf32>) {
      %a = ml_program.global_load_const @w : tensor<2xf32>
      %b = ml_program.global_load_const @w : tensor<2xf32>
      return %a, %b : tensor<2xf32>, tensor<2xf32>
    })mlir");
  ASSERT_TRUE(r.proof);
  EXPECT_EQ(*r.proof, ProofKind::Symbol);
}

TEST_F(TieAnalysisTest, SlotsNeedWeightAndBias) {
  module = parseSourceString<ModuleOp>(R"mlir(
    func.func @f(%x: tensor<1x2x2xf32>, %w: tensor<2x2xf32>) -> tensor<1x2x2xf32> {
      %b1 = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
      %b2 = arith.constant dense<[1.0, 3.0]> : tensor<2xf32>
      %0 = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(1, 1) head_dim(2)
             scale(0.5) mask(none) inputs(%x, %x : tensor<1x2x2xf32>, tensor<1x2x2xf32>)
             slots((%w : tensor<2x2xf32>), (%w, %b1 : tensor<2x2xf32>, tensor<2xf32>),
                   (%w, %b2 : tensor<2x2xf32>, tensor<2xf32>)) -> tensor<1x2x2xf32>
      return %0 : tensor<1x2x2xf32>
    })mlir",
                                       &ctx);
  ASSERT_TRUE(module);
  AttentionOp op;
  module->walk([&](AttentionOp a) { op = a; });
  SlotComparison kv = compareSlots(op, 1, 2, {});
  EXPECT_TRUE(kv.weight.proof);
  EXPECT_FALSE(kv.bias.proof);
  EXPECT_FALSE(kv.tied());
  SlotComparison qk = compareSlots(op, 0, 1, {});
  EXPECT_FALSE(qk.tied());
  EXPECT_NE(qk.bias.why.find("one slot has a bias"), std::string::npos);
}

} // namespace
