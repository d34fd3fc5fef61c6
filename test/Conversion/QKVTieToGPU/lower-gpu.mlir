// RUN: qkvtie-opt %s --qkvtie-lower-gpu -split-input-file | FileCheck %s

// Decode over a one-buffer (K=V) cache: the call site is that of the CPU
// lowering; the kernel function copies to the device, launches the decode
// kernel (4 warps, one 64-key run each) and the merge, and copies back. No
// [S, T] score buffer exists; in the key loop the cached row is loaded once
// (one element per lane for head_dim 16), reduced across the warp by
// shuffles, and serves q·k and p·v.

!kv = !qkvtie.kv_cache<batch = 1, buffers = 1, heads = 2, capacity = 4096, head_dim = 16, f32>
func.func @decode_kv_tied(%q: tensor<1x8x1x16xf32>, %c: !kv, %len: index) -> tensor<1x8x1x16xf32> {
  %o = qkvtie.cache.attend ties <q = 0, k = 1, v = 1> heads(8, 2) scale(0.25) mask(causal) %q, %c length %len : tensor<1x8x1x16xf32>, !kv -> tensor<1x8x1x16xf32>
  return %o : tensor<1x8x1x16xf32>
}
// CHECK:       module attributes {gpu.container_module}
// CHECK-LABEL: func.func @decode_kv_tied
// CHECK:         cf.assert
// CHECK:         call @[[KERNEL:__qkvtie_gpu_decode_[0-9]+]]
// CHECK-NOT:     x4096xf32>
// CHECK-LABEL: func.func private @__qkvtie_gpu_decode_0
// CHECK:         %[[DQ:.*]] = gpu.alloc () {bufferization.manual_deallocation} : memref<1x8x1x16xf32>
// CHECK:         gpu.memcpy %[[DQ]], %arg0
// CHECK:         %[[DC:.*]] = gpu.alloc () {bufferization.manual_deallocation} : memref<1x1x2x4096x16xf32>
// CHECK:         gpu.memcpy %[[DC]], %arg1
// CHECK:         %[[DO:.*]] = gpu.alloc () {{.*}} : memref<1x8x1x16xf32>
// Partial states: [batch, KV heads x row tiles, 64 runs, 4 rows, d + 2].
// CHECK:         %[[P:.*]] = gpu.alloc () {{.*}} : memref<1x2x64x4x18xf32>
// CHECK:         %[[RUNS:.*]] = arith.ceildivsi %arg2, %c64
// CHECK:         gpu.launch_func @qkvtie_gpu::@k0_decode blocks in ({{.*}}) threads in (%c128{{.*}}) args(%[[DQ]] : {{.*}}, %[[DC]] : {{.*}}, %arg2 : index, %[[P]] : {{.*}})
// CHECK:         gpu.launch_func @qkvtie_gpu::@k0_merge {{.*}} args(%[[P]] : {{.*}}, %arg2 : index, %[[DO]] : {{.*}})
// CHECK:         gpu.memcpy %arg3, %[[DO]]
// CHECK:         gpu.dealloc
// CHECK:       gpu.module @qkvtie_gpu
// CHECK-LABEL: gpu.func @k0_decode
// CHECK-SAME:    %[[CACHE:[a-z0-9]+]]: memref<1x1x2x4096x16xf32>
// CHECK-SAME:    kernel
// CHECK-NOT:     x4096xf32>
// CHECK:         scf.for %[[J:.*]] = {{.*}} iter_args
// CHECK-COUNT-1: memref.load %[[CACHE]][%c0{{(_[0-9]+)?}}, %{{.*}}, %{{.*}}, %[[J]], %{{.*}}]
// CHECK-NOT:     memref.load %[[CACHE]]
// CHECK:         gpu.shuffle xor {{.*}}, %c16_i32{{(_[0-9]+)?}}, %c32_i32
// CHECK:         math.exp
// CHECK-NOT:     memref.load %[[CACHE]]
// CHECK:         scf.yield
// CHECK-LABEL: gpu.func @k0_merge
// CHECK:         scf.for
// CHECK:         arith.maximumf
// CHECK:         scf.for
// A run at the overall max weighs exactly 1, as on the CPU (+inf scores).
// CHECK:         %[[AT_MAX:.*]] = arith.cmpf oeq
// CHECK:         %[[E:.*]] = math.exp
// CHECK:         arith.select %[[AT_MAX]], %{{.*}}, %[[E]]

// -----

// Two buffers in f16: the key from buffer 0 and the value from buffer 1,
// each loaded once per key and widened to f32. With head_dim 128 each lane
// holds 4 elements of a row; under RoPE the partner of an element (d/2
// away) is in lane ^ 16.

!kv2 = !qkvtie.kv_cache<batch = 1, buffers = 2, heads = 1, capacity = 512, head_dim = 128, f16>
func.func @decode_two_buffers_rope(%q: tensor<1x4x1x128xf16>, %c: !kv2, %len: index, %cos: tensor<512x128xf32>, %sin: tensor<512x128xf32>) -> tensor<1x4x1x128xf16> {
  %o = qkvtie.cache.attend ties <q = 0, k = 1, v = 2> heads(4, 1) scale(0.08) mask(none) %q, %c length %len rope(%cos, %sin : tensor<512x128xf32>, tensor<512x128xf32>) : tensor<1x4x1x128xf16>, !kv2 -> tensor<1x4x1x128xf16>
  return %o : tensor<1x4x1x128xf16>
}
// CHECK-LABEL: gpu.func @k0_decode
// CHECK-SAME:    %[[CACHE:[a-z0-9]+]]: memref<2x1x1x512x128xf16>
// CHECK:         scf.for %[[J:.*]] = {{.*}} iter_args
// CHECK-COUNT-4: memref.load %[[CACHE]][%c0{{(_[0-9]+)?}}, %{{.*}}, %{{.*}}, %[[J]], %{{.*}}]
// CHECK:         arith.extf
// CHECK:         gpu.shuffle xor {{.*}}, %c16_i32{{(_[0-9]+)?}}, %c32_i32
// CHECK:         arith.negf
// CHECK-COUNT-4: memref.load %[[CACHE]][%c1{{(_[0-9]+)?}}, %{{.*}}, %{{.*}}, %[[J]], %{{.*}}]
// CHECK-NOT:     memref.load %[[CACHE]]
// CHECK:         scf.yield
// CHECK:         arith.truncf {{.*}} : f32 to f16

// -----

// Prefill, causal GQA: projections stay linalg.matmul (for qkvtie-lower-cpu);
// one thread per (query, head) row stops its key loop at its diagonal.

func.func @prefill_causal(%x: tensor<1x40x64xf32>, %wq: tensor<64x64xf32>, %wkv: tensor<64x32xf32>) -> tensor<1x40x64xf32> {
  %o = qkvtie.attention ties <q = 0, k = 1, v = 1> heads(4, 2) head_dim(16) scale(0.25) mask(causal)
         inputs(%x, %x : tensor<1x40x64xf32>, tensor<1x40x64xf32>)
         slots((%wq : tensor<64x64xf32>), (%wkv : tensor<64x32xf32>)) -> tensor<1x40x64xf32>
  return %o : tensor<1x40x64xf32>
}
// CHECK-LABEL: func.func @prefill_causal
// CHECK:         linalg.matmul
// CHECK:         linalg.matmul
// CHECK:         call @__qkvtie_gpu_attention_0
// CHECK-NOT:     40x40xf32
// CHECK-LABEL: func.func private @__qkvtie_gpu_attention_0
// 40 queries x 2 heads per KV head: 2 blocks of 64 threads per KV head.
// CHECK:         gpu.launch_func @qkvtie_gpu::@k0_prefill blocks in (%c2, %c2{{(_[0-9]+)?}}, %c1) threads in (%c64, %c1{{(_[0-9]+)?}}, %c1{{(_[0-9]+)?}})
// CHECK-LABEL: gpu.func @k0_prefill
// CHECK-SAME:    %[[KV:[a-z0-9]+]]: memref<40x32xf32>
// CHECK:         %[[I:.*]] = arith.divui
// CHECK:         %[[END:.*]] = arith.addi %[[I]], %c1{{(_[0-9]+)?}}
// CHECK:         %[[HI:.*]] = arith.minsi %c40{{(_[0-9]+)?}}, %[[END]]
// CHECK:         scf.for %[[J:.*]] = %c0{{(_[0-9]+)?}} to %[[HI]] step %c1{{(_[0-9]+)?}} iter_args
// K=V: sixteen loads of the row, used for the score and the value.
// CHECK-COUNT-16: memref.load %[[KV]][
// CHECK-NOT:     memref.load %[[KV]]
// CHECK:         scf.yield

// -----

// -debug-only=qkvtie-lower-gpu says how each kernel splits its work.
// RUN: qkvtie-opt %s --qkvtie-lower-gpu -split-input-file --debug-only=qkvtie-lower-gpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEBUG
// DEBUG: decode kernel k0: 4 query rows per KV head in 1 tile(s) of 4, 1 element(s) per lane, up to 64 runs of 64 keys
// DEBUG: decode kernel k0: 4 query rows per KV head in 1 tile(s) of 4, 4 element(s) per lane, up to 8 runs of 64 keys
// DEBUG: prefill kernel k0: 80 query rows per KV head, one thread each
