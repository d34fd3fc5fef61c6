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

/// `v`, a float or a vector of floats, with its elements converted to `elt`
/// (extf or truncf), or `v` when they already are.
Value convertFloat(OpBuilder &b, Location loc, Value v, Type elt);

/// The lowest finite value of the float type `elt`: the score a boolean mask
/// leaves where it is false, as frameworks write `where(mask, s, finfo.min)`.
double lowestFinite(Type elt);

/// The RoPE tables' entries (cos, sin) for one element; read only once the
/// rotation needs them.
using RopeTables = llvm::function_ref<std::pair<Value, Value>()>;

/// x, one element (or vector of elements) of a head, rotated by RoPE:
/// x·cos + rotate_half(x)·sin. `other` is the element d/2 away, which
/// rotate_half negates where x is in the first half (`low`, known when the
/// IR is built or an i1).
Value buildRotateHalf(OpBuilder &b, Location loc, Value x, Value other,
                      bool low, RopeTables tables);
Value buildRotateHalf(OpBuilder &b, Location loc, Value x, Value other,
                      Value low, RopeTables tables);

/// x [B, H, n, d] rotated by RoPE with table rows `first + i` (`first` an
/// index value), in `elt`. Tables [N, r] with r < d rotate the first r
/// elements as a vector of their own (partial rotary); the others pass.
Value buildRope(ImplicitLocOpBuilder &b, Value x, Value cos, Value sin,
                Value first, Type elt);

/// Each head of x [B, H, n, d] as an RMSNorm of itself, in f32:
/// x · rsqrt(mean(x²) + eps) · weight, in `elt`.
Value buildHeadNorm(ImplicitLocOpBuilder &b, Value x, Value weight, double eps,
                    Type elt);

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

/// Marks legal what the fused lowerings write: kernel functions on memrefs
/// (scf, vector, memref, math) and their call sites on tensors.
void addFusedLoweringLegalDialects(ConversionTarget &target);

/// Conversion target and signature patterns for a pass that replaces every
/// qkvtie op and the cache type with `legalDialects`.
void configureCacheConversion(ConversionTarget &target,
                              TypeConverter &converter,
                              RewritePatternSet &patterns);

} // namespace mlir::qkvtie

#endif // QKVTIE_CONVERSION_ATTENTIONCOMMON_LOWERINGUTILS_H
