// RUN: qkvtie-opt %s --qkvtie-lower-cpu -split-input-file | FileCheck %s
// RUN: qkvtie-opt %s -split-input-file --qkvtie-lower-cpu -debug-only=qkvtie-lower-cpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEBUG
// Each kernel the lowering writes says what it is (-debug-only).
// DEBUG: [qkvtie-lower-cpu] decode kernel: heads 8/2, head_dim 16, one K=V buffer, up to 8 lanes
// DEBUG: [qkvtie-lower-cpu] GEMM kernel 8;memref<
// RUN: qkvtie-opt %s --qkvtie-lower-cpu=vector-width=16 -split-input-file | FileCheck %s --check-prefix=W16

// Decode over a one-buffer (K=V) cache: a call to a kernel on memrefs, the
// length checked first; no [S, T] score buffer anywhere. The cache streams
// in blocks of keys: the score tiles (two query rows of the group by five
// keys, over the head) read each row of the block from the cache once for
// both query rows, the first tile of rows prefetching the rows a block
// ahead (whole tiles read rows at fixed offsets, a tail tile clamps them), and P·V reads the same rows again as
// values while the block is in L1, so each cached row comes from memory
// once per step. The score tile's loop over the head is kept rolled.

!kv = !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 4096, head_dim = 16, f32>
func.func @decode_kv_tied(%q: tensor<1x8x1x16xf32>, %c: !kv, %len: index) -> tensor<1x8x1x16xf32> {
  %o = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(0.25) mask(causal) %q, %c length %len : tensor<1x8x1x16xf32>, !kv -> tensor<1x8x1x16xf32>
  return %o : tensor<1x8x1x16xf32>
}
// CHECK:       #[[NOUNROLL:.*]] = #llvm.loop_annotation<unroll = #{{.*}}>
// CHECK-LABEL: func.func @decode_kv_tied
// CHECK-NOT:     linalg.generic
// CHECK:         cf.assert
// CHECK:         %[[OUT:.*]] = memref.alloc() : memref<1x8x1x16xf32>
// CHECK:         call @[[KERNEL:__qkvtie_decode_[0-9]+]]({{.*}}, %[[OUT]])
// CHECK-NOT:     x4096xf32>
// CHECK-LABEL: func.func private @__qkvtie_decode_0
// CHECK-SAME:    %[[CACHE:[a-z0-9]+]]: memref<1x1x2x4096x16xf32>
// CHECK-SAME:    llvm.bareptr, passthrough = ["noinline"]
// CHECK-NOT:     x4096xf32>
// CHECK:         scf.parallel
// CHECK:         scf.for %[[J0:[a-z0-9]+]] = {{.*}} step %c64 {
// CHECK:           scf.for %[[R0:[a-z0-9]+]] = {{.*}} step %c2 {
// CHECK-NEXT:        scf.for {{.*}} = %c0 to %[[FULL:[0-9]+]] step %c5 {
// CHECK-NEXT:          %[[FIRST:.*]] = arith.cmpi eq, %[[R0]], %c0
// CHECK-NEXT:          scf.if %[[FIRST]] {
// CHECK-COUNT-5:         memref.prefetch %[[CACHE]][
// CHECK:               }
// CHECK-NOT:           arith.minsi
// CHECK:               scf.for {{.*}} iter_args
// CHECK-COUNT-5:         vector.load %[[CACHE]][%c0, {{.*}}] : memref<1x1x2x4096x16xf32>, vector<8xf32>
// CHECK-NOT:             vector.load %[[CACHE]]
// CHECK:               } {llvm.loop_annotation = #[[NOUNROLL]]}
// The tail tile (keys past the block's last) clamps its rows.
// CHECK:             scf.for {{.*}} = %[[FULL]] to {{.*}} step %c5 {
// CHECK:               arith.minsi
// CHECK:               scf.for {{.*}} iter_args
// CHECK:           vector.reduction <maximumf>
// CHECK-NOT:       vector.load %[[CACHE]]
// CHECK:           scf.for %[[JJ:[a-z0-9]+]] = %c0 to {{.*}} iter_args
// CHECK:             %[[ROW:.*]] = arith.addi %[[J0]], %[[JJ]]
// CHECK-NEXT:        vector.load %[[CACHE]][%c0, %{{.*}}, %{{.*}}, %[[ROW]], %c0]
// CHECK:             %[[ROW2:.*]] = arith.addi %[[J0]], %[[JJ]]
// CHECK-NEXT:        vector.load %[[CACHE]][%c0, %{{.*}}, %{{.*}}, %[[ROW2]], %c8]
// CHECK-NOT:         vector.load %[[CACHE]]
// CHECK:             scf.yield
// With 16 lanes (AVX-512), a head_dim-16 row is one vector, and the tile
// takes the whole group of four query rows (so it prefetches unguarded).
// W16-LABEL:   func.func private @__qkvtie_decode_0
// W16:         scf.for {{.*}} step %c4 {
// W16-NEXT:      scf.for {{.*}} step %c5 {
// W16-NOT:         scf.if
// W16-COUNT-5:     memref.prefetch %arg1[
// W16:             scf.for {{.*}} iter_args
// W16-COUNT-5:       vector.load %arg1[{{.*}}] : memref<1x1x2x4096x16xf32>, vector<16xf32>
// W16-NOT:           vector.load %arg1[
// W16:           scf.for {{.*}} step %c5 {
// W16:             scf.for {{.*}} iter_args
// W16-COUNT-5:       vector.load %arg1[{{.*}}] : memref<1x1x2x4096x16xf32>, vector<16xf32>
// W16-NOT:           vector.load %arg1[
// W16:         vector.reduction <maximumf>
// W16:         scf.for {{.*}} iter_args
// W16:           vector.load %arg1[{{.*}}] : memref<1x1x2x4096x16xf32>, vector<16xf32>
// W16-NOT:       vector.load %arg1[
// W16:         return
// Merge of the chunks' partial states.
// CHECK:         scf.parallel
// CHECK-NOT:     vector.load %[[CACHE]]
// CHECK:         return

// -----

// Two f16 buffers: each row of the block is read once, the key from buffer
// 0 and the value from buffer 1, into f32 buffers the tiles then read; the
// same loop prefetches each buffer's row a block ahead.

!kv2 = !qkvtie.kv_cache<batch = 1, buffers = 2, heads = 2, capacity = 4096, head_dim = 16, f16>
func.func @decode_two_buffers(%q: tensor<1x8x1x16xf32>, %c: !kv2, %len: index) -> tensor<1x8x1x16xf32> {
  %o = qkvtie.cache.attend ties <q = 0, k = 1, v = 2> heads(8, 2) scale(0.25) mask(none) %q, %c length %len : tensor<1x8x1x16xf32>, !kv2 -> tensor<1x8x1x16xf32>
  return %o : tensor<1x8x1x16xf32>
}
// CHECK-LABEL: func.func private @__qkvtie_decode_0
// CHECK-SAME:    %[[CACHE:[a-z0-9]+]]: memref<2x1x2x4096x16xf16>
// CHECK:         scf.for %[[J0:[a-z0-9]+]] = {{.*}} step %c64 {
// CHECK:           scf.for %[[JJ:[a-z0-9]+]] =
// CHECK:             %[[J:.*]] = arith.addi %[[J0]], %[[JJ]]
// CHECK:             memref.prefetch %[[CACHE]][%c0,
// CHECK-NEXT:        memref.prefetch %[[CACHE]][%c1,
// CHECK-COUNT-2:     vector.load %[[CACHE]][%c0, %{{.*}}, %{{.*}}, %[[J]], %{{.*}}] : memref<2x1x2x4096x16xf16>, vector<8xf16>
// CHECK-COUNT-2:     vector.load %[[CACHE]][%c1, %{{.*}}, %{{.*}}, %[[J]], %{{.*}}] : memref<2x1x2x4096x16xf16>, vector<8xf16>
// CHECK-NOT:     vector.load %[[CACHE]]
// CHECK:         return

// -----

// Prefill, causal GQA: projections become GEMM kernels; the attention kernel
// runs one task per (batch, KV head, query tile), stops each tile's key loop
// at its last visible key, transposes each block of keys in registers (keys
// as lanes) and computes Q·Kᵀ in a register tile (rows of broadcast queries
// by two vectors of keys); no [S, T] buffer.

func.func @prefill_causal(%x: tensor<1x40x64xf32>, %wq: tensor<64x64xf32>, %wkv: tensor<64x32xf32>) -> tensor<1x40x64xf32> {
  %o = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(4, 2) head_dim(16) scale(0.25) mask(causal)
         inputs(%x, %x : tensor<1x40x64xf32>, tensor<1x40x64xf32>)
         slots((%wq : tensor<64x64xf32>), (%wkv : tensor<64x32xf32>)) -> tensor<1x40x64xf32>
  return %o : tensor<1x40x64xf32>
}
// CHECK-LABEL: func.func @prefill_causal
// CHECK-NOT:     linalg.matmul
// CHECK:         call @__qkvtie_gemm_{{[0-9]+}}
// CHECK:         call @__qkvtie_gemm_{{[0-9]+}}
// CHECK:         call @__qkvtie_attention_{{[0-9]+}}
// CHECK-NOT:     40x40xf32
// CHECK-LABEL: func.func private @__qkvtie_attention_0
// CHECK-SAME:    %[[KV:[a-z0-9]+]]: memref<40x32xf32>
// CHECK-NOT:     40x40xf32
// CHECK:         scf.parallel
// CHECK:         arith.minsi %{{.*}}, %c40 : index
// CHECK:         %[[HI:.*]] = arith.maxsi %{{.*}}, %c0 : index
// CHECK-NEXT:    scf.for %[[KB:[a-z0-9]+]] = %c0 to %[[HI]] step %c64
// CHECK-COUNT-8:   vector.load %[[KV]][
// CHECK-COUNT-24:  vector.shuffle
// CHECK:           scf.for {{.*}} iter_args
// CHECK:             vector.broadcast
// CHECK-COUNT-2:     vector.fma
// CHECK:         return
// CHECK-LABEL: func.func private @__qkvtie_gemm
// CHECK:         scf.parallel
// CHECK:         scf.for {{.*}} iter_args
// CHECK-COUNT-8: vector.fma

// -----

// Only matmuls the kernel computes exactly are taken: an f16 accumulator
// (rounding at every step) stays a linalg.matmul.

func.func @matmul_f16_accumulator(%a: tensor<4x8xf16>, %b: tensor<8x16xf16>, %c: tensor<4x16xf16>) -> tensor<4x16xf16> {
  %r = linalg.matmul ins(%a, %b : tensor<4x8xf16>, tensor<8x16xf16>) outs(%c : tensor<4x16xf16>) -> tensor<4x16xf16>
  return %r : tensor<4x16xf16>
}
// CHECK-LABEL: func.func @matmul_f16_accumulator
// CHECK:         linalg.matmul
// CHECK-NOT:     call
