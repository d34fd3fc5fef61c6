//===- LoweringUtils.h - IR builders shared by QKVTie lowerings -*- C++ -*-===//

#ifndef QKVTIE_CONVERSION_ATTENTIONCOMMON_LOWERINGUTILS_H
#define QKVTIE_CONVERSION_ATTENTIONCOMMON_LOWERINGUTILS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::qkvtie {

/// Marks `fn`, a function that one lowering made for code that many call
/// sites share (a kernel, an outlined op): `noinline`, because inlined at
/// every call it would grow the caller with the model's layers; and, when
/// every memref argument has a static shape and layout, called with bare
/// pointers instead of memref descriptors. Its body must not free or return
/// its arguments (a bare pointer is the aligned one, not the allocated one).
void markShared(func::FuncOp fn);

/// x [B, L, D] · weight [D, N] + bias [N]: [B·L, N] in `elt`, accumulated in
/// f32 as frameworks do.
Value buildProjection(ImplicitLocOpBuilder &b, Value x, Value weight,
                      Value bias, Type elt);

/// [B·L, H·d] or [B, L, H·d] -> [B, H, L, d].
Value buildSplitHeads(ImplicitLocOpBuilder &b, Value flat, int64_t batch,
                      int64_t heads, int64_t headDim);

/// [B, H, L, d] -> [B, L, H·d], converting elements to `elt`.
Value buildMergeHeads(ImplicitLocOpBuilder &b, Value heads, Type elt);

/// `v` with its elements converted to `elt` (extf or truncf), or `v`.
Value buildConvert(ImplicitLocOpBuilder &b, Value v, Type elt);

/// Asserts at run time that every finite element of `v` fits in `storage`
/// (f16 or bf16) without overflowing to infinity.
void buildRangeCheck(ImplicitLocOpBuilder &b, Value v, Type storage);

/// Asserts at run time that a decode step over `length` cached tokens with
/// `queries` new ones stays within [queries, capacity]; returns the length
/// clamped there, so that code goes on in bounds where the check reports
/// instead of aborting (qkvtie-checks-to-status).
Value buildAttendLengthCheck(ImplicitLocOpBuilder &b, Value length,
                             int64_t queries, int64_t capacity);

/// The cache as storage: a tensor [buffers, B, Hkv, capacity, d] of its
/// element type.
struct CacheStorageTypeConverter : public TypeConverter {
  CacheStorageTypeConverter();
};

/// `qkvtie.cache.create` (zeros) and `qkvtie.cache.append` (insert_slice with
/// a capacity check) on the storage tensor; both lowerings share them.
void populateCacheStoragePatterns(TypeConverter &converter,
                                  RewritePatternSet &patterns);

/// Conversion target and signature patterns for a pass that replaces every
/// qkvtie op and the cache type with `legalDialects`.
void configureCacheConversion(ConversionTarget &target,
                              TypeConverter &converter,
                              RewritePatternSet &patterns);

} // namespace mlir::qkvtie

#endif // QKVTIE_CONVERSION_ATTENTIONCOMMON_LOWERINGUTILS_H
