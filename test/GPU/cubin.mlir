// REQUIRES: ptxas
// RUN: qkvtie-opt %s --qkvtie-lower-to-llvm-cuda -o %t.mlir
// RUN: %python %S/Inputs/extract-ptx.py %t.mlir %t.ptx
// RUN: %ptxas -arch=sm_90a -v %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: llvm-readelf --sections --symbols %t.cubin | FileCheck %s --check-prefix=ELF

// A Llama-3-8B-like decode step (GQA 32/8, head_dim 128) on a one-buffer f16
// cache with RoPE, and an f16 causal prefill: lowered to NVVM, the PTX the
// pipeline embeds assembles for sm_90a. The decode kernel keeps its per-row
// state in registers: no spills.

!kv = !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 8, capacity = 8192, head_dim = 128, f16>
func.func @decode(%q: tensor<1x32x1x128xf16>, %c: !kv, %len: index, %cos: tensor<8192x128xf32>, %sin: tensor<8192x128xf32>) -> tensor<1x32x1x128xf16> {
  %o = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(32, 8) scale(0.088) mask(causal) %q, %c length %len rope(%cos, %sin : tensor<8192x128xf32>, tensor<8192x128xf32>) : tensor<1x32x1x128xf16>, !kv -> tensor<1x32x1x128xf16>
  return %o : tensor<1x32x1x128xf16>
}

func.func @prefill(%x: tensor<1x33x64xf16>, %wq: tensor<64x64xf16>, %wkv: tensor<64x32xf16>) -> tensor<1x33x64xf16> {
  %o = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(4, 2) head_dim(16) scale(0.25) mask(causal)
         inputs(%x, %x : tensor<1x33x64xf16>, tensor<1x33x64xf16>)
         slots((%wq : tensor<64x64xf16>), (%wkv : tensor<64x32xf16>)) -> tensor<1x33x64xf16>
  return %o : tensor<1x33x64xf16>
}

// PTXAS-DAG: Compiling entry function 'k0_decode' for 'sm_90a'
// PTXAS-DAG: Compiling entry function 'k0_merge' for 'sm_90a'
// PTXAS-DAG: Compiling entry function 'k1_prefill' for 'sm_90a'
// PTXAS:     Function properties for k0_decode
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// ELF-DAG: .text.k0_decode
// ELF-DAG: .text.k0_merge
// ELF-DAG: .text.k1_prefill
// ELF-DAG: FUNC {{.*}} k0_decode
