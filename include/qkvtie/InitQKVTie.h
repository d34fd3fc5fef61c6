//===- InitQKVTie.h - Register the QKVTie dialect and passes ----*- C++ -*-===//

#ifndef QKVTIE_INITQKVTIE_H
#define QKVTIE_INITQKVTIE_H

#include "mlir/Support/LLVM.h"

namespace mlir {
class DialectRegistry;
class OpPassManager;
} // namespace mlir

namespace mlir::qkvtie {
/// Adds the qkvtie dialect and the dialects its passes create.
void registerQKVTieDialects(DialectRegistry &registry);
/// Registers every qkvtie pass and pipeline with the global registry.
void registerQKVTiePasses();
/// Adds `qkvtie-lower-to-llvm` to `pm` with `qkvtieLowering` (a pass
/// pipeline element, e.g. "qkvtie-lower-cpu{vector-width=16}" or
/// "qkvtie-decompose") as the lowering of the qkvtie ops.
LogicalResult buildLowerToLLVMPipeline(OpPassManager &pm,
                                       StringRef qkvtieLowering);
/// Adds `qkvtie-lower-to-llvm-cuda` to `pm`: qkvtie-lower-gpu, then
/// qkvtie-lower-cpu{vector-width=`lanes`} for the host's projections, the
/// kernels to NVVM for `chip`, serialised as `format` ("isa": PTX the driver
/// compiles at load; "bin": a cubin made with the ptxas of `cudaPath`).
/// `checksToStatus` adds qkvtie-checks-to-status after the qkvtie lowering.
LogicalResult buildLowerToLLVMCUDAPipeline(OpPassManager &pm, int64_t lanes,
                                           StringRef chip, StringRef format,
                                           StringRef cudaPath,
                                           bool checksToStatus = false);
} // namespace mlir::qkvtie

#endif // QKVTIE_INITQKVTIE_H
