// Inputs/ holds small modules exported by torch-mlir (examples/generate.py)
// with weights as arguments, so each is a few dozen lines.
//
// RUN: qkvtie-opt %S/Inputs/args-mha.mlir --qkvtie-raise-attention -debug-only=qkvtie-raise -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEBUG
// DEBUG: [qkvtie-raise] {{.*}}args-mha.mlir":81:11): raised, heads 2/2, head_dim 8
// RUN: qkvtie-opt %S/Inputs/args-mha.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=MHA
// RUN: qkvtie-opt %S/Inputs/args-gqa.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=GQA
// RUN: qkvtie-opt %S/Inputs/args-sdpa-causal.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=SDPA
// RUN: qkvtie-opt %S/Inputs/args-mha-tosa.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=TOSA
// RUN: qkvtie-opt %S/Inputs/args-cross.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=CROSS
// RUN: qkvtie-opt %S/Inputs/args-kv-different-inputs.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=KVIN
// RUN: qkvtie-opt %S/Inputs/torch-mha-batch-first.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=TMHA
// RUN: qkvtie-opt %S/Inputs/torch-mha-kdim-vdim.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=TKDIM
// RUN: qkvtie-opt %S/Inputs/args-mha-f16.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=F16
// RUN: qkvtie-opt %S/Inputs/args-gqa-bf16.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=BF16
// RUN: qkvtie-opt %qkvtie_src/examples/models/mha-canonical.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=OUT
// RUN: qkvtie-opt %qkvtie_src/examples/models/gqa-rope-causal.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=CAUSAL
// RUN: qkvtie-opt %qkvtie_src/examples/models/gpt2-packed-kv-tied.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=PACKED
// RUN: qkvtie-opt %S/Inputs/args-partial-rope.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=PARTIAL
// RUN: qkvtie-opt %S/Inputs/args-qk-norm.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=QKNORM
// RUN: qkvtie-opt %S/Inputs/args-interleaved-qkv.mlir --qkvtie-raise-attention | FileCheck %s --check-prefix=INTERLEAVED
//
// The same modules after upstream rewrites still raise.
// RUN: qkvtie-opt %S/Inputs/args-mha.mlir --linalg-generalize-named-ops --canonicalize --cse | qkvtie-opt --qkvtie-raise-attention | FileCheck %s --check-prefix=GEN
// RUN: qkvtie-opt %S/Inputs/args-gqa.mlir --linalg-generalize-named-ops | qkvtie-opt --qkvtie-raise-attention | FileCheck %s --check-prefix=GQA

// Manual softmax(QKᵀ · 1/sqrt(d))V, F.linear projections: one slot per role,
// the transposed weights as slots, the head merge replaced.
// MHA-LABEL: func.func @forward
// MHA-DAG: %[[WQ:.*]] = linalg.transpose ins(%arg1
// MHA-DAG: %[[WK:.*]] = linalg.transpose ins(%arg2
// MHA-DAG: %[[WV:.*]] = linalg.transpose ins(%arg3
// MHA: %[[O:.*]] = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(8) scale(0.35355339059327373) mask(none)
// MHA-SAME: inputs(%arg0, %arg0 : tensor<1x4x16xf32>, tensor<1x4x16xf32>)
// MHA-SAME: slots((%[[WQ]] : tensor<16x16xf32>), (%[[WK]] : tensor<16x16xf32>), (%[[WV]] : tensor<16x16xf32>))
// MHA-NOT: linalg.batch_matmul
// MHA-NOT: math.exp
// MHA: return %[[O]]

// Generalized: every matmul and transpose is a linalg.generic.
// GEN-LABEL: func.func @forward
// GEN: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(8)
// GEN-NOT: math.exp
// GEN-NOT: arith.maximumf

// repeat_interleave of 2 KV heads for 4 query heads is GQA.
// GQA-LABEL: func.func @forward
// GQA: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(4, 2) head_dim(4) scale(5.000000e-01)
// GQA-SAME: slots({{.*}} : tensor<16x16xf32>), ({{.*}} : tensor<16x8xf32>), ({{.*}} : tensor<16x8xf32>))

// SDPA(is_causal) decomposed by torch: scale split over Q and K, the mask
// computed in the graph from iotas, the all -inf row fix-up.
// SDPA-LABEL: func.func @forward
// SDPA: %[[M:.*]] = tensor.expand_shape {{.*}} into tensor<1x1x4x4xf32>
// SDPA: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(8) scale(0.35355339059327373) mask(additive, %[[M]] : tensor<1x1x4x4xf32>)
// SDPA-NOT: math.exp

// The TOSA form: tosa.matmul projections with [1, D, N] weights.
// TOSA-LABEL: func.func @forward
// TOSA: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(8)
// TOSA-NOT: tosa.exp

// Cross-attention: 4 queries of width 16 over 6 memory tokens of width 24.
// CROSS-LABEL: func.func @forward
// CROSS: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(8)
// CROSS-SAME: inputs(%arg0, %arg1 : tensor<1x4x16xf32>, tensor<1x6x24xf32>)
// CROSS-SAME: slots({{.*}} : tensor<16x16xf32>), ({{.*}} : tensor<24x16xf32>), ({{.*}} : tensor<24x16xf32>))

// Keys of one tensor, values of another: the op's value input.
// KVIN-LABEL: func.func @forward
// KVIN: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(8)
// KVIN-SAME: inputs(%arg0, %arg0 : tensor<1x4x16xf32>, tensor<1x4x16xf32>) value(%arg1 : tensor<1x4x16xf32>)

// torch.nn.MultiheadAttention(batch_first=True) projects the transposed
// input sequence-major with a packed in_proj_weight and in_proj_bias: the op
// reads the batch-major input itself, each slot its third of the packed
// weight and bias, and replaces the output's transpose back.
// TMHA-LABEL: func.func @forward(%arg0: tensor<2x4x16xf32>, %arg1: tensor<2x4x16xf32>, %arg2: tensor<2x4x16xf32>)
// TMHA-DAG: %[[BQ:.*]] = tensor.extract_slice %[[B:.*]][0] [16] [1] : tensor<48xf32> to tensor<16xf32>
// TMHA-DAG: %[[BK:.*]] = tensor.extract_slice %[[B]][16] [16] [1] : tensor<48xf32> to tensor<16xf32>
// TMHA-DAG: %[[BV:.*]] = tensor.extract_slice %[[B]][32] [16] [1] : tensor<48xf32> to tensor<16xf32>
// TMHA: %[[O:.*]] = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(8)
// TMHA-SAME: inputs(%arg2, %arg2 : tensor<2x4x16xf32>, tensor<2x4x16xf32>)
// TMHA-SAME: slots(({{.*}}, %[[BQ]] : tensor<16x16xf32>, tensor<16xf32>), ({{.*}}, %[[BK]] : tensor<16x16xf32>, tensor<16xf32>), ({{.*}}, %[[BV]] : tensor<16x16xf32>, tensor<16xf32>))
// TMHA-SAME: out({{.*}}) out_bias({{.*}}) -> tensor<2x4x16xf32>
// TMHA-NEXT: return %[[O]] : tensor<2x4x16xf32>

// nn.MultiheadAttention(kdim=12, vdim=8) without batch_first: [L, B, D]
// inputs are transposed once each into the op, the result back.
// TKDIM-LABEL: func.func @forward(%arg0: tensor<4x2x16xf32>, %arg1: tensor<6x2x12xf32>, %arg2: tensor<6x2x8xf32>)
// TKDIM-DAG: %[[Q:.*]] = linalg.transpose ins(%arg0 : tensor<4x2x16xf32>) {{.*}} permutation = [1, 0, 2]
// TKDIM-DAG: %[[K:.*]] = linalg.transpose ins(%arg1 : tensor<6x2x12xf32>) {{.*}} permutation = [1, 0, 2]
// TKDIM-DAG: %[[V:.*]] = linalg.transpose ins(%arg2 : tensor<6x2x8xf32>) {{.*}} permutation = [1, 0, 2]
// TKDIM: %[[O:.*]] = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(8)
// TKDIM-SAME: inputs(%[[Q]], %[[K]] : tensor<2x4x16xf32>, tensor<2x6x12xf32>) value(%[[V]] : tensor<2x6x8xf32>)
// TKDIM-SAME: slots(({{.*}} : tensor<16x16xf32>, tensor<16xf32>), ({{.*}} : tensor<12x16xf32>, tensor<16xf32>), ({{.*}} : tensor<8x16xf32>, tensor<16xf32>))
// TKDIM: %[[T:.*]] = linalg.transpose ins(%[[O]] : tensor<2x4x16xf32>) {{.*}} permutation = [1, 0, 2]
// TKDIM-NEXT: return %[[T]] : tensor<4x2x16xf32>

// f16 storage with f32 softmax: the casts are seen through.
// F16-LABEL: func.func @forward
// F16: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(8)
// F16-SAME: -> tensor<1x4x16xf16>

// nn.Linear projections with biases and the output projection o_proj are
// absorbed: constant weights transposed, biases as slot biases.
// OUT-LABEL: func.func @forward
// OUT: %[[O:.*]] = qkvtie.attention ties <q = 0, k = 1, v = 2> heads(4, 4) head_dim(16) scale(2.500000e-01) mask(none)
// OUT-SAME: slots((%{{.*}}, %{{.*}} : tensor<64x64xf32>, tensor<64xf32>), (%{{.*}}, %{{.*}} : tensor<64x64xf32>, tensor<64xf32>), (%{{.*}}, %{{.*}} : tensor<64x64xf32>, tensor<64xf32>))
// OUT-SAME: out(%{{.*}} : tensor<64x64xf32>) out_bias(%{{.*}} : tensor<64xf32>) -> tensor<1x8x64xf32>
// OUT-NEXT: return %[[O]]

// GPT-2: column slices of one packed [64, 192] weight and bias, and
// where(tril, w, finfo.min) as a boolean mask.
// PACKED-LABEL: func.func @forward
// PACKED-DAG: %[[W:.*]] = linalg.transpose ins(%{{.*}} : tensor<192x64xf32>)
// PACKED-DAG: %[[WQ:.*]] = tensor.extract_slice %[[W]][0, 0] [64, 64] [1, 1]
// PACKED-DAG: %[[WK:.*]] = tensor.extract_slice %[[W]][0, 64] [64, 64] [1, 1]
// PACKED-DAG: %[[WV:.*]] = tensor.extract_slice %[[W]][0, 128] [64, 64] [1, 1]
// PACKED: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(4, 4) head_dim(16) scale(2.500000e-01) mask(boolean, %{{.*}} : tensor<1x1x8x8xi1>)
// PACKED-SAME: slots((%[[WQ]], %{{.*}} : tensor<64x64xf32>, tensor<64xf32>), (%[[WK]], %{{.*}} : tensor<64x64xf32>, tensor<64xf32>), (%[[WV]], %{{.*}} : tensor<64x64xf32>, tensor<64xf32>))

// BF16-LABEL: func.func @forward
// BF16: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(4, 2) head_dim(4)
// BF16-SAME: -> tensor<1x4x16xbf16>

// Llama-style: RoPE tables from buffers, repeat_kv, and a constant -inf
// triangle added to the scores, recognised as the causal mask.
// CAUSAL-LABEL: func.func @forward
// CAUSAL: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(4, 2) head_dim(16) scale(2.500000e-01) mask(causal)
// CAUSAL-SAME: rope(%{{.*}}, %{{.*}} : tensor<8x16xf32>, tensor<8x16xf32>)

// Partial rotary: cat(rope(x[..., :4]), x[..., 4:]) is RoPE with [S, 4]
// tables on heads of 8.
// PARTIAL-LABEL: func.func @forward
// PARTIAL: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 1) head_dim(8)
// PARTIAL-SAME: rope(%arg4, %arg5 : tensor<4x4xf32>, tensor<4x4xf32>)
// PARTIAL-NOT: tensor.concat
// PARTIAL-NOT: math.exp

// QK-norm: an RMSNorm of each query and key head before RoPE becomes the
// op's norm weights and eps; the norms' ops are left to dead-code removal.
// QKNORM-LABEL: func.func @forward
// QKNORM: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 1) head_dim(8)
// QKNORM-SAME: rope(%arg4, %arg5 : tensor<4x8xf32>, tensor<4x8xf32>) q_norm(%arg6 : tensor<8xf32>) k_norm(%arg7 : tensor<8xf32>) norm_eps(9.9999999{{[0-9]*}}E-7)
// QKNORM-NOT: math.exp

// Heads of q, k and v interleaved in one projection ([H, 3, d] columns, as
// GPT-NeoX): each slot takes its d columns of every head's block of 3d.
// INTERLEAVED-LABEL: func.func @forward
// INTERLEAVED: %[[T:.*]] = linalg.transpose ins(%arg1
// INTERLEAVED: %[[E:.*]] = tensor.expand_shape %[[T]] {{\[\[}}0], [1, 2]] output_shape [16, 2, 24]
// INTERLEAVED: tensor.extract_slice %[[E]][0, 0, 0] [16, 2, 8] [1, 1, 1]
// INTERLEAVED: tensor.extract_slice %{{.*}}[0, 0, 8] [16, 2, 8] [1, 1, 1]
// INTERLEAVED: tensor.extract_slice %{{.*}}[0, 0, 16] [16, 2, 8] [1, 1, 1]
// INTERLEAVED: qkvtie.attention ties <q = 0, k = 1, v = 2> heads(2, 2) head_dim(8)
// INTERLEAVED-NOT: math.exp
