//===- InitQKVTie.cpp - Register the QKVTie dialect and passes ------------===//

#include "qkvtie/InitQKVTie.h"

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Support/Debug.h"
#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/CommandLine.h"

void mlir::qkvtie::registerQKVTieDialects(DialectRegistry &registry) {
  registry.insert<QKVTieDialect, func::FuncDialect, tensor::TensorDialect>();
}

/// Model IR with qkvtie ops in, LLVM dialect out, with C wrappers for every
/// public function so the result links into a shared library callable from
/// C or Python. `%s` is the lowering of the qkvtie ops.
static std::string lowerToLLVM(llvm::StringRef qkvtieLowering) {
  return ("func.func(tosa-optional-decompositions,tosa-make-broadcastable,"
          "tosa-to-linalg-named,tosa-to-linalg,tosa-to-tensor,tosa-to-arith),"
          // Before the kernels exist: they stay internal, without wrappers.
          "func.func(llvm-request-c-wrappers)," +
          qkvtieLowering +
          ",one-shot-bufferize{bufferize-function-boundaries "
          "function-boundary-type-conversion=identity-layout-map},"
          "buffer-deallocation-pipeline,"
          "func.func(qkvtie-return-arguments-in-place),"
          "convert-bufferization-to-memref,"
          "convert-linalg-to-loops,convert-scf-to-openmp,"
          "expand-strided-metadata,lower-affine,finalize-memref-to-llvm,"
          "convert-scf-to-cf,"
          "convert-vector-to-llvm,convert-math-to-llvm,convert-math-to-libm,"
          "convert-openmp-to-llvm,convert-to-llvm,reconcile-unrealized-casts")
      .str();
}

static void registerLoweringPipeline(llvm::StringRef name,
                                     llvm::StringRef summary,
                                     llvm::StringRef qkvtieLowering) {
  std::string pipeline = lowerToLLVM(qkvtieLowering);
  mlir::PassPipelineRegistration<>(
      name, summary, [pipeline, name](mlir::OpPassManager &pm) {
        if (mlir::failed(mlir::parsePassPipeline(pipeline, pm)))
          llvm::report_fatal_error(llvm::Twine(name) + ": bad pipeline");
      });
}

void mlir::qkvtie::registerDebugOnlyOption() {
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
        (llvm::setCurrentDebugTypes)(ptrs.data(), ptrs.size());
      }));
  (void)debugOnly;
}

mlir::LogicalResult
mlir::qkvtie::buildLowerToLLVMPipeline(mlir::OpPassManager &pm,
                                       llvm::StringRef qkvtieLowering) {
  return mlir::parsePassPipeline(lowerToLLVM(qkvtieLowering), pm);
}

void mlir::qkvtie::registerQKVTiePasses() {
  registerDebugOnlyOption();
  registerQKVTieTransformsPasses();
  registerLoweringPipeline(
      "qkvtie-lower-to-llvm",
      "Lower qkvtie ops (fused CPU kernels) and upstream tensor IR to the LLVM "
      "dialect with C wrappers; link the result with libomp",
      "qkvtie-lower-cpu");
  registerLoweringPipeline(
      "qkvtie-lower-to-llvm-reference",
      "Lower qkvtie ops by the reference decomposition and upstream tensor IR "
      "to the LLVM dialect with C wrappers",
      "qkvtie-decompose");
}
