//===- InitQKVTie.cpp - Register the QKVTie dialect and passes ------------===//

#include "qkvtie/InitQKVTie.h"

#include "qkvtie/Conversion/Passes.h"
#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Dialect/QKVTie/Transforms/AggregatedOpInterfaceImpl.h"
#include "qkvtie/Pipelines/Pipelines.h"
#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Debug.h"

namespace {
/// gpu.launch_func reads and writes its memref operands. Upstream declares no
/// effects for it, which buffer deallocation rejects in the host functions
/// that qkvtie-lower-gpu writes.
struct LaunchFuncMemoryEffects
    : public mlir::MemoryEffectOpInterface::ExternalModel<
          LaunchFuncMemoryEffects, mlir::gpu::LaunchFuncOp> {
  void getEffects(mlir::Operation *op,
                  llvm::SmallVectorImpl<mlir::SideEffects::EffectInstance<
                      mlir::MemoryEffects::Effect>> &effects) const {
    for (mlir::OpOperand &operand : op->getOpOperands()) {
      if (!llvm::isa<mlir::MemRefType>(operand.get().getType()))
        continue;
      effects.emplace_back(mlir::MemoryEffects::Read::get(), &operand);
      effects.emplace_back(mlir::MemoryEffects::Write::get(), &operand);
    }
  }
};
} // namespace

void mlir::qkvtie::registerQKVTieDialects(DialectRegistry &registry) {
  registry.insert<QKVTieDialect, func::FuncDialect, gpu::GPUDialect,
                  tensor::TensorDialect>();
  registry.addExtension(+[](MLIRContext *ctx, gpu::GPUDialect *) {
    gpu::LaunchFuncOp::attachInterface<LaunchFuncMemoryEffects>(*ctx);
  });
  registerAggregatedOpInterfaceExternalModels(registry);
}

/// Debian's release LLVM does not register -debug-only; QKVTie's libraries
/// are built with assertions (LLVM_DEBUG) on, so they register it.
static void registerDebugOnlyOption() {
  if (llvm::cl::getRegisteredOptions().count("debug-only"))
    return;
  // Lives as long as the process, like any static cl::opt.
  static auto *debugOnly = new llvm::cl::list<std::string>(
      "debug-only",
      llvm::cl::desc("Print debug output of the given comma-separated types "
                     "(qkvtie-raise, ...)"),
      llvm::cl::CommaSeparated, llvm::cl::value_desc("types"),
      llvm::cl::callback([](const std::string &type) {
        static std::vector<std::string> types;
        static std::vector<const char *> ptrs;
        types.push_back(type);
        ptrs.clear();
        for (const std::string &t : types)
          ptrs.push_back(t.c_str());
        llvm::DebugFlag = true;
        llvm::setCurrentDebugTypes(ptrs.data(), ptrs.size());
      }));
  (void)debugOnly;
}

void mlir::qkvtie::registerQKVTiePasses() {
  registerDebugOnlyOption();
  registerQKVTieTransformsPasses();
  registerQKVTieConversionPasses();
  registerQKVTiePipelines();
}
