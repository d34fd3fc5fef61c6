//===- CPUAttentionKernel.h - Fused CPU attention kernels -------*- C++ -*-===//
//
// The bodies of the CPU attention kernels qkvtie-lower-cpu calls: decode
// (a few query rows against a long KV cache, split across threads) and
// prefill (FlashAttention-2 blocking with register-tiled micro-kernels).
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_LIB_CONVERSION_QKVTIETOCPU_CPUATTENTIONKERNEL_H
#define QKVTIE_LIB_CONVERSION_QKVTIETOCPU_CPUATTENTIONKERNEL_H

#include "qkvtie/Conversion/AttentionCommon/KernelSupport.h"

namespace mlir::qkvtie {

/// Writes the body of the kernel for `spec`. Arguments, in order: q, k, [v],
/// [mask], [rope cos, rope sin], [q_norm, k_norm], [length (decode)], out.
/// Prefill q/k/v are projection buffers [B·L, N] read at a column offset;
/// out is [B·S, Hq·dv]. Decode q and out are [B, Hq, n, d], the cache
/// [buffers, B, Hkv, cap, d].
void buildCPUAttentionKernel(ImplicitLocOpBuilder &b, const AttentionSpec &s,
                             ValueRange args);

} // namespace mlir::qkvtie

#endif // QKVTIE_LIB_CONVERSION_QKVTIETOCPU_CPUATTENTIONKERNEL_H
