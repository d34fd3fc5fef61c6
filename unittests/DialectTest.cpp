//===- DialectTest.cpp - Unit tests for the QKVTie dialect ----------------===//

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

class QKVTieTest : public ::testing::Test {
protected:
  QKVTieTest() {
    ctx.loadDialect<QKVTieDialect, func::FuncDialect, tensor::TensorDialect>();
  }
  MLIRContext ctx;
};

TEST_F(QKVTieTest, VariantHelpers) {
  struct Case {
    TiesAttr ties;
    const char *name;
    int64_t projections, buffers;
  } cases[] = {
      {TiesAttr::getCanonical(&ctx), "Q-K-V", 3, 2},
      {TiesAttr::getSharedKV(&ctx), "Q-K=V", 2, 1},
      {TiesAttr::getSharedQK(&ctx), "Q=K-V", 2, 2},
      {TiesAttr::getSingle(&ctx), "Q=K=V", 1, 1},
      {TiesAttr::getIdentityQuery(&ctx), "identity-query", 2, 2},
      {TiesAttr::getValueOnly(&ctx), "value-only", 1, 2},
      {TiesAttr::get(&ctx, -1, -1, -1), "no-projection", 0, 1},
      {TiesAttr::get(&ctx, 0, 1, 0), "custom", 2, 2},
  };
  for (const Case &c : cases) {
    EXPECT_EQ(c.ties.getVariantName(), c.name);
    EXPECT_EQ(c.ties.getNumProjections(), c.projections) << c.name;
    EXPECT_EQ(c.ties.getNumCacheBuffers(), c.buffers) << c.name;
  }
  EXPECT_EQ(TiesAttr::getCanonical(&ctx).getNumSlotsReferenced(), 3);
  EXPECT_EQ(TiesAttr::getValueOnly(&ctx).getNumSlotsReferenced(), 1);
}

TEST_F(QKVTieTest, TiesRoundTrip) {
  Attribute attr =
      parseAttribute("#qkvtie.ties<q = identity, k = 0, v = 0>", &ctx);
  auto ties = dyn_cast_or_null<TiesAttr>(attr);
  ASSERT_TRUE(ties);
  EXPECT_EQ(ties.getQ(), TiesAttr::kIdentity);
  EXPECT_TRUE(ties.isKVTied());
  std::string printed;
  llvm::raw_string_ostream os(printed);
  Attribute(ties).print(os);
  EXPECT_EQ(printed, "#qkvtie.ties<q = identity, k = 0, v = 0>");
}

TEST_F(QKVTieTest, CacheBytes) {
  auto f16 = Float16Type::get(&ctx);
  auto tied = KVCacheType::get(&ctx, 1, 1, 8, 4096, 128, f16);
  auto canonical = KVCacheType::get(&ctx, 1, 2, 8, 4096, 128, f16);
  EXPECT_EQ(tied.getBytesPerToken(), 8 * 128 * 2);
  EXPECT_EQ(canonical.getBytesPerToken(), 2 * tied.getBytesPerToken());
  EXPECT_EQ(tied.getTotalBytes(), 4096 * 8 * 128 * 2);
  EXPECT_EQ(tied.getBufferType().getShape(),
            ArrayRef<int64_t>({1, 8, 4096, 128}));
}

TEST_F(QKVTieTest, AttentionAccessors) {
  const char *src = R"mlir(
    func.func @f(%x: tensor<2x5x64xbf16>, %wq: tensor<64x64xbf16>,
                 %bq: tensor<64xbf16>, %wkv: tensor<64x16xbf16>)
        -> tensor<2x5x64xbf16> {
      %0 = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(4, 1)
             head_dim(16) scale(2.500000e-01) mask(none)
             inputs(%x, %x : tensor<2x5x64xbf16>, tensor<2x5x64xbf16>)
             slots((%wq, %bq : tensor<64x64xbf16>, tensor<64xbf16>),
                   (%wkv : tensor<64x16xbf16>))
             -> tensor<2x5x64xbf16>
      return %0 : tensor<2x5x64xbf16>
    })mlir";
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(src, &ctx);
  ASSERT_TRUE(module);
  AttentionOp op;
  module->walk([&](AttentionOp a) { op = a; });
  ASSERT_TRUE(op);
  EXPECT_EQ(op.getNumSlots(), 2);
  EXPECT_TRUE(op.getSlotBias(0));
  EXPECT_FALSE(op.getSlotBias(1));
  EXPECT_EQ(op.getValueHeadDim(), 16);
  // MQA with K=V in bf16: batch 2 x 1 head x 16 x 2 bytes, one buffer.
  EXPECT_EQ(op.getCacheBytesPerToken(), 2 * 1 * 16 * 2);
  EXPECT_EQ(op.getUntiedCacheBytesPerToken(), 2 * op.getCacheBytesPerToken());
}

} // namespace
