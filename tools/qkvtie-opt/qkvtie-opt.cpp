//===- qkvtie-opt.cpp - QKVTie optimizer driver ---------------------------===//
//
// Upstream dialects and passes plus QKVTie's, in mlir-opt's driver.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/InitQKVTie.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::qkvtie::registerQKVTiePasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary (qkvtie-lower-to-llvm-cuda) translates the kernels.
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::qkvtie::registerQKVTieDialects(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "QKVTie optimizer driver\n", registry));
}
