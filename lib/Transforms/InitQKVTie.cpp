//===- InitQKVTie.cpp - Register the QKVTie dialect and passes ------------===//

#include "qkvtie/InitQKVTie.h"

#include "qkvtie/Conversion/Passes.h"
#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Transforms/Passes.h"
#include "llvm/Support/Debug.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/CommandLine.h"

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
}

/// Model IR with qkvtie ops in, LLVM dialect out, with C wrappers for every
/// public function so the result links into a shared library callable from
/// C or Python. `%s` is the lowering of the qkvtie ops.
/// With GPU kernels, `gpu` holds the pipeline pieces that take them to NVVM
/// (before the host's memrefs are lowered; ends with a comma), the host's
/// launches to runtime calls (ends with a comma) and the kernels to a binary
/// (last; starts with a comma).
struct GPUStages {
  std::string kernels, hostCalls, binary;
};

static std::string lowerToLLVM(llvm::StringRef qkvtieLowering,
                               const GPUStages &gpu = {}) {
  return ("func.func(tosa-optional-decompositions,tosa-make-broadcastable,"
          "tosa-to-linalg-named,tosa-to-linalg,tosa-to-tensor,tosa-to-arith),"
          // Before the kernels exist: they stay internal, without wrappers.
          "func.func(llvm-request-c-wrappers)," +
          qkvtieLowering +
          ",func.func(qkvtie-private-destinations),"
          "one-shot-bufferize{bufferize-function-boundaries "
          "function-boundary-type-conversion=identity-layout-map},"
          // buffer-deallocation-pipeline, freeing what a block allocates
          // after its last use rather than at the block's end.
          "expand-realloc{emit-deallocs=false},canonicalize,"
          "ownership-based-buffer-deallocation,"
          "func.func(qkvtie-free-at-last-use),canonicalize,"
          "buffer-deallocation-simplification,"
          "bufferization-lower-deallocations,cse,canonicalize,"
          "func.func(qkvtie-return-arguments-in-place,qkvtie-plan-buffers),"
          "convert-bufferization-to-memref," +
          gpu.kernels +
          "qkvtie-outline-linalg,qkvtie-outline-segments,"
          "convert-linalg-to-loops,convert-scf-to-openmp,"
          "expand-strided-metadata,lower-affine,finalize-memref-to-llvm,"
          "func.func(qkvtie-split-blocks-at-loops),convert-scf-to-cf,"
          "convert-vector-to-llvm,convert-math-to-llvm,convert-math-to-libm,"
          "convert-openmp-to-llvm," +
          gpu.hostCalls +
          "convert-to-llvm,reconcile-unrealized-casts,qkvtie-loop-annotations" +
          gpu.binary)
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

mlir::LogicalResult
mlir::qkvtie::buildLowerToLLVMPipeline(mlir::OpPassManager &pm,
                                       llvm::StringRef qkvtieLowering) {
  return mlir::parsePassPipeline(lowerToLLVM(qkvtieLowering), pm);
}

/// The stages of `qkvtie-lower-to-llvm-cuda` around the host lowering: the
/// kernels to NVVM for `chip` with bare pointers (their memrefs are static),
/// the host's GPU ops on one stream (as gpu-to-llvm requires) to runtime
/// calls, and the kernels to a `format` binary with the toolkit at `cudaPath`
/// (ptxas, and libdevice for exp).
static GPUStages cudaStages(llvm::StringRef chip, llvm::StringRef format,
                            llvm::StringRef cudaPath) {
  return {("nvvm-attach-target{chip=" + chip +
           " features=+ptx80 O=3},gpu.module(convert-scf-to-cf,"
           "convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv},canonicalize,"
           "cse,reconcile-unrealized-casts),func.func(gpu-async-region),")
              .str(),
          "gpu-to-llvm{use-bare-pointers-for-kernels},",
          (",gpu-module-to-binary{format=" + format +
           (cudaPath.empty() ? "" : " toolkit=" + cudaPath) + "}")
              .str()};
}

static std::string cudaLowering(int64_t lanes) {
  return "qkvtie-lower-gpu,qkvtie-lower-cpu{vector-width=" +
         std::to_string(lanes) + "}";
}

mlir::LogicalResult mlir::qkvtie::buildLowerToLLVMCUDAPipeline(
    mlir::OpPassManager &pm, int64_t lanes, llvm::StringRef chip,
    llvm::StringRef format, llvm::StringRef cudaPath, bool checksToStatus) {
  return mlir::parsePassPipeline(
      lowerToLLVM(cudaLowering(lanes) +
                      (checksToStatus ? ",qkvtie-checks-to-status" : ""),
                  cudaStages(chip, format, cudaPath)),
      pm);
}

void mlir::qkvtie::registerQKVTiePasses() {
  registerDebugOnlyOption();
  registerQKVTieTransformsPasses();
  registerQKVTieConversionPasses();
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
  // PTX, linked with libdevice from the CUDA toolkit found at build time.
  std::string cuda = lowerToLLVM(cudaLowering(8),
                                 cudaStages("sm_90a", "isa", QKVTIE_CUDA_PATH));
  mlir::PassPipelineRegistration<>(
      "qkvtie-lower-to-llvm-cuda",
      "Lower qkvtie attention to GPU kernels (NVVM, sm_90a, embedded as PTX) "
      "and the rest to host LLVM with C wrappers; link the result with "
      "libqkvtie_cuda_runtime and libomp",
      [cuda](mlir::OpPassManager &pm) {
        if (mlir::failed(mlir::parsePassPipeline(cuda, pm)))
          llvm::report_fatal_error("qkvtie-lower-to-llvm-cuda: bad pipeline");
      });
}
