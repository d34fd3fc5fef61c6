// Near misses come out unchanged, and remarks=true says which step failed.
//
// RUN: for f in args-wrong-axis near-miss-scores-times-tensor near-miss-no-max-subtraction near-miss-v-normalised near-miss-scale-after-mask; do \
// RUN:   qkvtie-opt %S/Inputs/$f.mlir > %t.$f.before.mlir && \
// RUN:   qkvtie-opt %S/Inputs/$f.mlir --qkvtie-raise-attention > %t.$f.after.mlir && \
// RUN:   diff %t.$f.before.mlir %t.$f.after.mlir || exit 1; done
//
// RUN: qkvtie-opt %S/Inputs/args-wrong-axis.mlir --qkvtie-raise-attention=remarks -o /dev/null 2>&1 | FileCheck %s --check-prefix=AXIS
// RUN: qkvtie-opt %S/Inputs/near-miss-scores-times-tensor.mlir --qkvtie-raise-attention=remarks -o /dev/null 2>&1 | FileCheck %s --check-prefix=TENSOR
// RUN: qkvtie-opt %S/Inputs/near-miss-no-max-subtraction.mlir --qkvtie-raise-attention=remarks -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOMAX
// RUN: qkvtie-opt %S/Inputs/near-miss-v-normalised.mlir --qkvtie-raise-attention=remarks -o /dev/null 2>&1 | FileCheck %s --check-prefix=VNORM
// RUN: qkvtie-opt %S/Inputs/near-miss-scale-after-mask.mlir --qkvtie-raise-attention=remarks -o /dev/null 2>&1 | FileCheck %s --check-prefix=OUTER
// A match the op cannot express (QK-norm with eps 0) comes out unchanged,
// the reshapes, slices and transposes built for it removed again.
// RUN: sed 's/9.9999999999999995E-7 : f64/0.0 : f64/' %S/Inputs/args-qk-norm.mlir > %t.eps0.mlir
// RUN: qkvtie-opt %t.eps0.mlir > %t.eps0.before.mlir
// RUN: qkvtie-opt %t.eps0.mlir --qkvtie-raise-attention=remarks > %t.eps0.after.mlir 2> %t.eps0.remarks
// RUN: diff %t.eps0.before.mlir %t.eps0.after.mlir
// RUN: FileCheck %s --check-prefix=EPS0 --input-file=%t.eps0.remarks
// -debug-only=qkvtie-raise prints every candidate's failure, in any build.
// RUN: qkvtie-opt %S/Inputs/args-wrong-axis.mlir --qkvtie-raise-attention --debug-only=qkvtie-raise -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEBUG
// Without the option, no remark.
// RUN: qkvtie-opt %S/Inputs/args-wrong-axis.mlir --qkvtie-raise-attention -o /dev/null 2>&1 | count 0

// softmax(dim=-2) normalises over queries: not attention.
// AXIS: args-wrong-axis.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: qkvtie-raise: not raised: softmax normalises axis 2 of 4 dims, but P·V contracts the key axis
// TENSOR: remark: qkvtie-raise: not raised: the scores are multiplied by a tensor
// NOMAX: remark: qkvtie-raise: not raised: no softmax feeds the contraction: the exponential's argument is not x - max(x)
// An RMSNorm of each value head is not QK-norm.
// (scores + mask) · c scales the mask too: not scale · scores + mask.
// OUTER: remark: qkvtie-raise: not raised: the scale is applied after the mask
// VNORM: remark: qkvtie-raise: not raised: V is normalised per head: QK-norm applies to Q and K only
// DEBUG: [qkvtie-raise] loc({{.*}}args-wrong-axis.mlir":{{[0-9]+}}:{{[0-9]+}}): not raised: no softmax feeds the contraction
// DEBUG: [qkvtie-raise] loc({{.*}}): not raised: softmax normalises axis 2 of 4 dims
// EPS0: remark: qkvtie-raise: matched but the op would not verify: 'qkvtie.attention' op norm_eps must be positive and finite
