//===- QKVTiePlugin.cpp - Dialect and pass plugin for mlir-opt ------------===//
//
//   mlir-opt --load-dialect-plugin=QKVTiePlugin.so \
//            --load-pass-plugin=QKVTiePlugin.so --qkvtie-report model.mlir
//
//===----------------------------------------------------------------------===//

#include "qkvtie/InitQKVTie.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "QKVTie", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            mlir::qkvtie::registerQKVTieDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "QKVTie", LLVM_VERSION_STRING,
          []() { mlir::qkvtie::registerQKVTiePasses(); }};
}
