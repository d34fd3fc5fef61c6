//===- Pipelines.cpp - QKVTie pass pipelines ------------------------------===//

#include "qkvtie/Pipelines/Pipelines.h"

#include "qkvtie/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Tosa/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::qkvtie;

static StringRef chipName(GPUChip chip) {
  switch (chip) {
  case GPUChip::SM80:
    return "sm_80";
  case GPUChip::SM86:
    return "sm_86";
  case GPUChip::SM89:
    return "sm_89";
  case GPUChip::SM90:
    return "sm_90";
  case GPUChip::SM90a:
    return "sm_90a";
  }
  llvm_unreachable("unknown GPU chip");
}

/// The qkvtie ops to kernels (or linalg), on tensors.
static void addQKVTieLowering(OpPassManager &pm,
                              const LowerToLLVMPipelineOptions &options) {
  QKVTieLowerCPUOptions cpu;
  cpu.vectorWidth = options.vectorWidth;
  switch (options.target) {
  case LoweringTarget::CPU:
    pm.addPass(createQKVTieLowerCPU(cpu));
    break;
  case LoweringTarget::Reference:
    pm.addPass(createQKVTieDecompose());
    break;
  case LoweringTarget::CUDA:
    // Attention on the GPU; the projections it leaves are matmuls for the
    // CPU kernels.
    pm.addPass(createQKVTieLowerGPU());
    pm.addPass(createQKVTieLowerCPU(cpu));
    break;
  }
  if (options.checksToStatus)
    pm.addPass(createQKVTieChecksToStatus());
}

/// The kernels of the qkvtie_gpu module to NVVM with bare pointers (their
/// memrefs are static), before the host's memrefs are lowered; the host's
/// GPU ops on one stream, as gpu-to-llvm requires.
static void addGPUKernelsToNVVM(OpPassManager &pm,
                                const LowerToLLVMPipelineOptions &options) {
  GpuNVVMAttachTargetOptions target;
  target.chip = chipName(options.chip).str();
  target.features = "+ptx80";
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createSCFToControlFlowPass());
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.useBarePtrCallConv = true;
  kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
}

void mlir::qkvtie::buildLowerToLLVMPipeline(
    OpPassManager &pm, const LowerToLLVMPipelineOptions &options) {
  bool cuda = options.target == LoweringTarget::CUDA;
  OpPassManager &tosa = pm.nest<func::FuncOp>();
  tosa.addPass(tosa::createTosaOptionalDecompositionsPass());
  tosa.addPass(tosa::createTosaMakeBroadcastablePass());
  tosa.addPass(tosa::createTosaToLinalgNamed());
  tosa.addPass(tosa::createTosaToLinalg());
  tosa.addPass(createTosaToTensorPass());
  tosa.addPass(createTosaToArithPass());
  // Before the kernels exist: they stay internal, without wrappers.
  pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  addQKVTieLowering(pm, options);
  pm.addNestedPass<func::FuncOp>(createQKVTiePrivateDestinations());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // buffer-deallocation-pipeline, freeing what a block allocates after its
  // last use rather than at the block's end.
  memref::ExpandReallocPassOptions realloc;
  realloc.emitDeallocs = false;
  pm.addPass(memref::createExpandReallocPass(realloc));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createOwnershipBasedBufferDeallocationPass());
  pm.addNestedPass<func::FuncOp>(createQKVTieFreeAtLastUse());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createBufferDeallocationSimplificationPass());
  pm.addPass(bufferization::createLowerDeallocationsPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  OpPassManager &buffers = pm.nest<func::FuncOp>();
  buffers.addPass(createQKVTieReturnArgumentsInPlace());
  buffers.addPass(createQKVTiePlanBuffers());
  pm.addPass(createConvertBufferizationToMemRefPass());
  if (cuda)
    addGPUKernelsToNVVM(pm, options);
  pm.addPass(createQKVTieOutlineLinalg());
  pm.addPass(createQKVTieOutlineSegments());
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addNestedPass<func::FuncOp>(createQKVTieSplitBlocksAtLoops());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  if (cuda) {
    GpuToLLVMConversionPassOptions host;
    host.kernelBarePtrCallConv = true;
    pm.addPass(createGpuToLLVMConversionPass(host));
  }
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createQKVTieLoopAnnotations());
  if (cuda) {
    // libdevice (exp) and ptxas come from the toolkit.
    GpuModuleToBinaryPassOptions binary;
    binary.compilationTarget =
        options.gpuFormat == GPUBinaryFormat::PTX ? "isa" : "bin";
    binary.toolkitPath = options.cudaPath.empty()
                             ? std::string(QKVTIE_CUDA_PATH)
                             : options.cudaPath.getValue();
    pm.addPass(createGpuModuleToBinaryPass(binary));
  }
}

void mlir::qkvtie::buildRaiseFoldMaterializePipeline(
    OpPassManager &pm, const RaisePipelineOptions &options) {
  pm.addPass(createQKVTieRaiseAttention());
  QKVTieFoldTiesOptions fold;
  fold.tieArguments = options.tieArguments;
  pm.addPass(createQKVTieFoldTies(fold));
  QKVTieMaterializeKVCacheOptions cache;
  cache.capacity = options.capacity;
  cache.elementType = options.cacheElementType;
  pm.addPass(createQKVTieMaterializeKVCache(cache));
}

void mlir::qkvtie::registerQKVTiePipelines() {
  PassPipelineRegistration<LowerToLLVMPipelineOptions>(
      "qkvtie-lower-to-llvm",
      "Lower qkvtie ops (by default to fused CPU kernels; target=reference, "
      "target=cuda) and upstream tensor IR to the LLVM dialect with C "
      "wrappers; link the result with libomp (and for target=cuda "
      "libqkvtie_cuda_runtime)",
      buildLowerToLLVMPipeline);
  // Presets of qkvtie-lower-to-llvm, each a target with its defaults.
  for (auto [name, summary, target] :
       {std::make_tuple("qkvtie-lower-to-llvm-reference",
                        "qkvtie-lower-to-llvm{target=reference}: qkvtie ops "
                        "by the reference decomposition",
                        LoweringTarget::Reference),
        std::make_tuple("qkvtie-lower-to-llvm-cuda",
                        "qkvtie-lower-to-llvm{target=cuda}: attention as GPU "
                        "kernels (NVVM, sm_90a, embedded as PTX), the rest as "
                        "host LLVM with C wrappers",
                        LoweringTarget::CUDA)}) {
    PassPipelineRegistration<>(name, summary,
                               [target = target](OpPassManager &pm) {
                                 LowerToLLVMPipelineOptions options;
                                 options.target = target;
                                 buildLowerToLLVMPipeline(pm, options);
                               });
  }
  PassPipelineRegistration<RaisePipelineOptions>(
      "qkvtie-raise-fold-materialize",
      "Raise attention, fold proven ties and materialise the KV cache: what "
      "qkvtie-compile runs before lowering",
      buildRaiseFoldMaterializePipeline);
}
