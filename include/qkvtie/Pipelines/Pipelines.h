//===- Pipelines.h - QKVTie pass pipelines ----------------------*- C++ -*-===//
//
// The pipelines are built in C++ with typed options: the passes are created
// with their option structs, never parsed from strings.
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_PIPELINES_PIPELINES_H
#define QKVTIE_PIPELINES_PIPELINES_H

#include "qkvtie/Conversion/Passes.h"

#include "mlir/Pass/PassOptions.h"

namespace mlir::qkvtie {

/// What the qkvtie ops become.
enum class LoweringTarget {
  /// Fused, vectorised, multithreaded CPU kernels (qkvtie-lower-cpu).
  CPU,
  /// The linalg decomposition, the numerical oracle (qkvtie-decompose).
  Reference,
  /// GPU kernels for attention (qkvtie-lower-gpu), the rest on the CPU.
  CUDA,
};

/// NVVM chips the GPU kernels are compiled for.
enum class GPUChip { SM80, SM86, SM89, SM90, SM90a };

/// How the GPU kernels are embedded in the library.
enum class GPUBinaryFormat {
  /// PTX, which the driver compiles when the library loads.
  PTX,
  /// A cubin made by the toolkit's ptxas at compile time.
  Cubin,
};

/// The values of a LoweringTarget option.
inline llvm::cl::ValuesClass loweringTargetValues() {
  return llvm::cl::values(
      clEnumValN(LoweringTarget::CPU, "cpu", "fused CPU kernels"),
      clEnumValN(LoweringTarget::Reference, "reference",
                 "the linalg decomposition (numerical oracle)"),
      clEnumValN(LoweringTarget::CUDA, "cuda",
                 "GPU kernels for attention, the rest on the CPU"));
}

/// The values of a GPUChip option, spelled as NVVM names them.
inline llvm::cl::ValuesClass gpuChipValues() {
  return llvm::cl::values(
      clEnumValN(GPUChip::SM80, "sm_80", "A100"),
      clEnumValN(GPUChip::SM86, "sm_86", "RTX 30xx, A10"),
      clEnumValN(GPUChip::SM89, "sm_89", "RTX 40xx, L4"),
      clEnumValN(GPUChip::SM90, "sm_90", "H100, H200"),
      clEnumValN(GPUChip::SM90a, "sm_90a", "H100, H200 with sm_90a features"));
}

/// Options of `qkvtie-lower-to-llvm`.
struct LowerToLLVMPipelineOptions
    : public PassPipelineOptions<LowerToLLVMPipelineOptions> {
  PassOptions::Option<LoweringTarget> target{
      *this, "target", llvm::cl::desc("What the qkvtie ops become"),
      llvm::cl::init(LoweringTarget::CPU), loweringTargetValues()};
  PassOptions::Option<VectorWidth> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("Widest vector of the CPU kernels, in f32 lanes"),
      llvm::cl::init(VectorWidth::AVX2), vectorWidthValues()};
  PassOptions::Option<GPUChip> chip{
      *this, "chip", llvm::cl::desc("GPU architecture for target=cuda"),
      llvm::cl::init(GPUChip::SM90a), gpuChipValues()};
  PassOptions::Option<GPUBinaryFormat> gpuFormat{
      *this, "gpu-format",
      llvm::cl::desc("How target=cuda embeds the GPU kernels"),
      llvm::cl::init(GPUBinaryFormat::PTX),
      llvm::cl::values(
          clEnumValN(GPUBinaryFormat::PTX, "isa",
                     "PTX, compiled by the driver at load"),
          clEnumValN(GPUBinaryFormat::Cubin, "bin", "a cubin made by ptxas"))};
  PassOptions::Option<std::string> cudaPath{
      *this, "cuda-path",
      llvm::cl::desc("CUDA toolkit (ptxas, libdevice) for target=cuda; "
                     "empty: the one found when QKVTie was built")};
  PassOptions::Option<bool> checksToStatus{
      *this, "checks-to-status",
      llvm::cl::desc("Run-time checks set a status the caller reads instead "
                     "of aborting (qkvtie-checks-to-status)"),
      llvm::cl::init(false)};
};

/// Options of `qkvtie-raise-fold-materialize`.
struct RaisePipelineOptions : public PassPipelineOptions<RaisePipelineOptions> {
  PassOptions::Option<bool> tieArguments{
      *this, "tie-arguments",
      llvm::cl::desc("Fold weights passed as arguments (qkvtie-fold-ties)"),
      llvm::cl::init(false)};
  PassOptions::Option<int64_t> capacity{
      *this, "capacity", llvm::cl::desc("KV-cache capacity in tokens"),
      llvm::cl::init(4096)};
  PassOptions::Option<std::string> cacheElementType{
      *this, "cache-element-type",
      llvm::cl::desc("KV-cache storage: f32, f16 or bf16 (empty: the "
                     "model's)")};
};

/// Model IR with qkvtie ops in, the LLVM dialect out, with C wrappers for
/// every public function.
void buildLowerToLLVMPipeline(OpPassManager &pm,
                              const LowerToLLVMPipelineOptions &options);

/// qkvtie-raise-attention, qkvtie-fold-ties, qkvtie-materialize-kv-cache.
void buildRaiseFoldMaterializePipeline(OpPassManager &pm,
                                       const RaisePipelineOptions &options);

/// Registers the pipelines with the global registry.
void registerQKVTiePipelines();

} // namespace mlir::qkvtie

#endif // QKVTIE_PIPELINES_PIPELINES_H
