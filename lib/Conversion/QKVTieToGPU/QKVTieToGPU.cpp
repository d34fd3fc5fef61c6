//===- QKVTieToGPU.cpp - Fused attention kernels for NVIDIA GPUs ----------===//
//
// The same call sites as qkvtie-lower-cpu (projections on the host, then a
// kernel function per attention shape), but each kernel function copies its
// operands to the device, launches gpu.func kernels in the module's
// `qkvtie_gpu` gpu.module and copies the result back:
//
//  - decode: the cache is split in runs of kSplit keys, one warp per run;
//    each lane holds d/32 elements of a cached row, so a row is read once,
//    coalesced, by one warp and serves every query row of the KV head's
//    group: q·k (rotated in registers under RoPE, the rotation's partner
//    element fetched by a shuffle) and, with K=V, p·v from the same
//    registers. A merge kernel combines the runs' softmax states;
//  - prefill: one thread per (query, head) row streams its visible keys with
//    an online softmax in registers and stops at its causal diagonal.
//
// Everything accumulates in f32; f16/bf16 are widened on load.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Conversion/QKVTieToGPU/QKVTieToGPU.h"

#include "GPUKernels.h"
#include "qkvtie/Conversion/AttentionCommon/KernelSupport.h"
#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "qkvtie-lower-gpu"

using namespace mlir;
using namespace mlir::qkvtie;
using namespace mlir::qkvtie::gpu_kernels;

namespace {

/// Creates `name` in `module` with `argTypes`, its body written by `body`.
template <typename F>
gpu::GPUFuncOp makeKernel(gpu::GPUModuleOp module, StringRef name,
                          ArrayRef<Type> argTypes, Location loc, F body) {
  OpBuilder ob(module.getBodyRegion());
  ob.setInsertionPointToEnd(module.getBody());
  ImplicitLocOpBuilder b(loc, ob);
  auto fn =
      gpu::GPUFuncOp::create(b, name, b.getFunctionType(argTypes, TypeRange{}));
  fn->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  b.setInsertionPointToStart(&fn.getBody().front());
  body(b, fn.getArguments());
  gpu::ReturnOp::create(b);
  return fn;
}

//===----------------------------------------------------------------------===//
// Host side: the kernel function copies in, launches and copies out
//===----------------------------------------------------------------------===//

/// The kernel functions' bodies: copy in, launch the device kernels of the
/// module's gpu.module, copy out.
class GPUTarget : public AttentionTarget {
public:
  StringRef getKernelPrefix() const override { return "__qkvtie_gpu"; }
  int64_t getVectorWidth() const override { return 1; }

  void buildAttentionKernel(ImplicitLocOpBuilder &b, const AttentionSpec &s,
                            ValueRange args) const override {
    GPUBuilder g(b);
    ModuleState &state =
        modules[b.getBlock()->getParentOp()->getParentOfType<ModuleOp>()];
    // Device copies of every argument but the decode length.
    SmallVector<Value> dev;
    Value length;
    for (auto [n, arg] : llvm::enumerate(args)) {
      if (isa<IndexType>(arg.getType())) {
        length = arg;
        dev.push_back(arg);
        continue;
      }
      auto type = cast<MemRefType>(arg.getType());
      Value d = alloc(b, type);
      if (n + 1 != args.size())
        gpu::MemcpyOp::create(b, Type(), ValueRange{}, d, arg);
      dev.push_back(d);
    }
    Value out = dev.back();
    std::string base = ("k" + Twine(state.counter++)).str();
    if (s.decode) {
      DecodeShape ds(s);
      MemRefType partialType = ds.partialType(s, b.getContext());
      Value partial = alloc(b, partialType);
      SmallVector<Value> kernelArgs(dev.begin(), dev.end() - 1);
      kernelArgs.push_back(partial);
      SmallVector<Type> types = llvm::to_vector(
          llvm::map_range(kernelArgs, [](Value v) { return v.getType(); }));
      auto attend =
          makeKernel(gpuModule(b), base + "_decode", types, b.getLoc(),
                     [&](ImplicitLocOpBuilder &kb, ValueRange a) {
                       buildDecodeKernel(kb, s, a);
                     });
      LLVM_DEBUG(llvm::dbgs()
                 << "decode kernel " << base << ": " << ds.rows
                 << " query rows per KV head in " << ds.rowTiles
                 << " tile(s) of " << ds.rowsPerWarp << ", " << ds.perLane
                 << " element(s) per lane, up to " << ds.maxSplits
                 << " runs of " << kSplit << " keys\n");
      Value splits = g.maxI(g.idx(1), g.ceilDiv(length, kSplit));
      gpu::LaunchFuncOp::create(b, attend,
                                {g.ceilDiv(splits, kWarps),
                                 g.idx(s.hkv * ds.rowTiles), g.idx(s.batch)},
                                {g.idx(kWarps * kWarp), g.idx(1), g.idx(1)},
                                Value(), kernelArgs);
      auto merge =
          makeKernel(gpuModule(b), base + "_merge",
                     {partialType, b.getIndexType(), out.getType()}, b.getLoc(),
                     [&](ImplicitLocOpBuilder &kb, ValueRange a) {
                       buildMergeKernel(kb, s, a);
                     });
      gpu::LaunchFuncOp::create(
          b, merge,
          {g.idx(s.hkv * ds.rowTiles), g.idx(ds.rowsPerWarp), g.idx(s.batch)},
          {g.idx(kWarps * kWarp), g.idx(1), g.idx(1)}, Value(),
          ValueRange{partial, length, out});
      dealloc(b, partial);
    } else {
      SmallVector<Type> types = llvm::to_vector(
          llvm::map_range(dev, [](Value v) { return v.getType(); }));
      auto attend =
          makeKernel(gpuModule(b), base + "_prefill", types, b.getLoc(),
                     [&](ImplicitLocOpBuilder &kb, ValueRange a) {
                       buildPrefillKernel(kb, s, a);
                     });
      int64_t rows = s.seqQ * (s.hq / s.hkv);
      LLVM_DEBUG(llvm::dbgs() << "prefill kernel " << base << ": " << rows
                              << " query rows per KV head, one thread each\n");
      gpu::LaunchFuncOp::create(
          b, attend,
          {g.idx((rows + kPrefillThreads - 1) / kPrefillThreads), g.idx(s.hkv),
           g.idx(s.batch)},
          {g.idx(kPrefillThreads), g.idx(1), g.idx(1)}, Value(), dev);
    }
    gpu::MemcpyOp::create(b, Type(), ValueRange{}, args.back(), out);
    for (Value d : dev)
      if (isa<MemRefType>(d.getType()))
        dealloc(b, d);
  }

private:
  // Device buffers are freed here with gpu.dealloc, not by buffer
  // deallocation: both ops carry the manual-deallocation marker.
  static Value alloc(ImplicitLocOpBuilder &b, MemRefType type) {
    auto op = gpu::AllocOp::create(b, type, Type(), ValueRange{}, ValueRange{},
                                   ValueRange{}, /*hostShared=*/false);
    op->setAttr(bufferization::BufferizationDialect::kManualDeallocation,
                b.getUnitAttr());
    return op.getMemref();
  }
  static void dealloc(ImplicitLocOpBuilder &b, Value memref) {
    auto op = gpu::DeallocOp::create(b, Type(), ValueRange{}, memref);
    op->setAttr(bufferization::BufferizationDialect::kManualDeallocation,
                b.getUnitAttr());
  }
  /// Device kernels and the number of kernel functions made so far, per
  /// module.
  struct ModuleState {
    gpu::GPUModuleOp gpuMod;
    unsigned counter = 0;
  };

  /// The gpu.module of the module `b` builds in, made on first use.
  gpu::GPUModuleOp gpuModule(ImplicitLocOpBuilder &b) const {
    auto module = b.getBlock()->getParentOp()->getParentOfType<ModuleOp>();
    gpu::GPUModuleOp &gpuMod = modules[module].gpuMod;
    if (gpuMod)
      return gpuMod;
    Location loc = b.getLoc();
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    UnitAttr::get(module.getContext()));
    OpBuilder ob(module.getBodyRegion());
    ob.setInsertionPointToEnd(module.getBody());
    std::string name = "qkvtie_gpu";
    SymbolTable table(module);
    for (unsigned n = 1; table.lookup(name); ++n)
      name = ("qkvtie_gpu_" + Twine(n)).str();
    gpuMod = gpu::GPUModuleOp::create(ob, loc, name);
    return gpuMod;
  }

  mutable DenseMap<Operation *, ModuleState> modules;
};

} // namespace

LogicalResult mlir::qkvtie::checkQKVTieToGPUSupport(Operation *op) {
  // The GPU kernels rotate whole heads and have no QK-norm.
  auto features = [&](auto attn, int64_t d) -> LogicalResult {
    if (attn.getQNorm() || attn.getKNorm())
      return op->emitOpError() << "QK-norm is not supported by the GPU kernels";
    if (attn.getRopeCos() &&
        cast<RankedTensorType>(attn.getRopeCos().getType()).getDimSize(1) != d)
      return op->emitOpError()
             << "partial rotary (RoPE on part of each head) is not supported "
                "by the GPU kernels";
    return success();
  };
  if (auto attend = dyn_cast<CacheAttendOp>(op);
      attend && failed(features(attend, attend.getCacheType().getHeadDim())))
    return failure();
  if (auto attention = dyn_cast<AttentionOp>(op);
      attention && failed(features(attention, attention.getHeadDim())))
    return failure();
  auto laneFriendly = [](int64_t d) {
    return d % kWarp == 0 || (d <= kWarp && llvm::isPowerOf2_64(d));
  };
  if (auto attend = dyn_cast<CacheAttendOp>(op)) {
    int64_t d = attend.getCacheType().getHeadDim();
    if (!laneFriendly(d))
      return op->emitOpError()
             << "head_dim " << d
             << " is not supported by the GPU decode kernel (a multiple of "
                "32, or a power of two up to 32)";
  }
  if (auto attention = dyn_cast<AttentionOp>(op)) {
    int64_t d =
        std::max<int64_t>(attention.getHeadDim(), attention.getValueHeadDim());
    if (d > kMaxPrefillHeadDim)
      return op->emitOpError()
             << "head_dim " << d << " is wider than the GPU prefill kernel's "
             << kMaxPrefillHeadDim;
  }
  return success();
}

void mlir::qkvtie::populateQKVTieToGPUConversionPatterns(
    TypeConverter &converter, RewritePatternSet &patterns) {
  populateAttentionCallPatterns(converter, patterns,
                                std::make_shared<GPUTarget>(),
                                std::make_shared<KernelTable>());
}
