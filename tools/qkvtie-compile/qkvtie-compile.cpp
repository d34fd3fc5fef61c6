//===- qkvtie-compile.cpp - Model IR to a shared library and a C header ---===//
//
//   qkvtie-compile model.mlir -o libmodel.so [--header model.h]
//
// Raises attention, folds proven ties, adds prefill and decode-step
// functions over an explicit KV cache, lowers to fused CPU kernels and links
// a shared library whose C ABI the generated header declares:
//
//   int <prefix>_<function>(inputs..., outputs...);
//   <prefix>_<f>_session *<prefix>_<f>_session_create(void);  (generation)
//   int <prefix>_<f>_session_prefill(session, n, tokens..., outputs...);
//   int <prefix>_<f>_session_step(session, token..., outputs...);
//   const char *<prefix>_last_error(void);
//
// Every entry point returns a status (CABI.h). Beside the header,
// <header stem>.json describes the interface for bindings (the Python
// package reads it instead of the IR). Every symbol of the library
// carries the prefix; only the C ABI and the C interface the Python package
// calls are visible. The library needs libomp and MLIR's C runner
// utilities.
//
//===----------------------------------------------------------------------===//

#include "CABI.h"

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/InitQKVTie.h"
#include "qkvtie/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <algorithm>
#include <string>
#include <thread>

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                                      cl::Required);
static cl::opt<std::string> outputFile("o", cl::desc("Shared library to write"),
                                       cl::value_desc("lib.so"), cl::Required);
static cl::opt<std::string>
    headerFile("header", cl::desc("C header to write (default: beside -o, "
                                  "named after the prefix)"));
static cl::opt<std::string>
    prefix("prefix", cl::desc("Prefix of the C symbols (default: the "
                              "library's name without lib and .so)"));
static cl::opt<bool> noRaise("no-raise",
                             cl::desc("Take the input as it is: no raise, "
                                      "fold or cache materialisation"));
static cl::opt<int64_t> capacity("capacity",
                                 cl::desc("KV-cache capacity in tokens"),
                                 cl::init(4096));
static cl::opt<std::string>
    cacheType("cache-element-type",
              cl::desc("KV-cache storage: f32, f16 or bf16 (default: the "
                       "model's)"));
static cl::opt<bool> tieArguments(
    "tie-arguments",
    cl::desc("Fold weights passed as arguments (the caller passes equal "
             "tensors for tied roles)"));
static cl::opt<std::string> cpu("cpu",
                                cl::desc("Target CPU, as clang's -march "
                                         "(default: this machine's)"),
                                cl::init("native"));
static cl::opt<std::string> clangPath("clang", cl::desc("clang to link with"),
                                      cl::init(QKVTIE_CLANG));
static cl::opt<bool>
    reference("reference",
              cl::desc("Lower attention by the reference decomposition "
                       "(the numerical oracle) instead of fused kernels"));
static cl::opt<qkvtie::VectorWidth> vectorWidth(
    "vector-width",
    cl::desc("Widest vector of the kernels in f32 lanes (default: 16 where "
             "--cpu=native has AVX-512F, else 8)"),
    cl::init(qkvtie::VectorWidth::AVX2), qkvtie::vectorWidthValues());
static cl::opt<qkvtie::LoweringTarget> target(
    "target",
    cl::desc("Where attention runs (--reference: the decomposition on the "
             "CPU)"),
    cl::init(qkvtie::LoweringTarget::CPU),
    cl::values(clEnumValN(qkvtie::LoweringTarget::CPU, "cpu",
                          "fused CPU kernels"),
               clEnumValN(qkvtie::LoweringTarget::CUDA, "cuda",
                          "GPU kernels for --gpu-chip; projections on the "
                          "CPU")));
static cl::opt<qkvtie::GPUChip>
    gpuChip("gpu-chip", cl::desc("GPU architecture for --target=cuda"),
            cl::init(qkvtie::GPUChip::SM90a), qkvtie::gpuChipValues());
static cl::opt<std::string> cudaPath("cuda-path",
                                     cl::desc("CUDA toolkit whose ptxas and "
                                              "libdevice --target=cuda uses"),
                                     cl::init(QKVTIE_CUDA_PATH));
static cl::opt<bool> keep("keep", cl::desc("Keep the LLVM IR and C shim "
                                           "beside the library"));

namespace {

LogicalResult runPipeline(ModuleOp module) {
  PassManager pm(module.getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  applyDefaultTimingPassManagerCLOptions(pm);
  if (!noRaise) {
    qkvtie::RaisePipelineOptions options;
    options.tieArguments = tieArguments;
    options.capacity = capacity;
    options.cacheElementType = cacheType;
    qkvtie::buildRaiseFoldMaterializePipeline(pm, options);
  }
  return pm.run(module);
}

qkvtie::VectorWidth kernelWidth() {
  if (vectorWidth.getNumOccurrences())
    return vectorWidth;
  if (cpu == "native") {
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    if (features.lookup("avx512f"))
      return qkvtie::VectorWidth::AVX512;
  }
  return qkvtie::VectorWidth::AVX2;
}

LogicalResult lower(ModuleOp module) {
  PassManager pm(module.getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  applyDefaultTimingPassManagerCLOptions(pm);
  qkvtie::LowerToLLVMPipelineOptions options;
  options.target = reference ? qkvtie::LoweringTarget::Reference : target;
  options.vectorWidth = kernelWidth();
  options.chip = gpuChip;
  // A cubin made by ptxas: nothing to compile when the library loads.
  options.gpuFormat = qkvtie::GPUBinaryFormat::Cubin;
  options.cudaPath = cudaPath;
  // Checks report to the caller: a library never aborts its host.
  options.checksToStatus = true;
  qkvtie::buildLowerToLLVMPipeline(pm, options);
  return pm.run(module);
}

/// Gives every symbol the library defines the prefix, so that two libraries
/// in one process never bind to each other's functions, and makes internal
/// all but
/// the C interface that the Python package calls (`_mlir_ciface_<f>`
/// becomes `<p>_ciface_<f>`); the rest becomes `<p>__<name>`. The compiled
/// code's runtime hooks (`qkvtie_rt_*`) become the shim's `<p>_rt_*`.
void prefixSymbols(llvm::Module &m, StringRef p) {
  for (llvm::GlobalValue &g : m.global_values()) {
    if (g.hasLocalLinkage() || g.getName().starts_with("llvm."))
      continue;
    StringRef name = g.getName();
    if (g.isDeclaration()) {
      if (name.consume_front("qkvtie_rt_"))
        g.setName(p + "_rt_" + name);
      continue;
    }
    if (name.consume_front("_mlir_ciface_")) {
      g.setName(p + "_ciface_" + name);
      continue;
    }
    // Internal: nothing outside the module calls it, so LLVM may drop the
    // unused fields of the memref descriptors passed to it and the
    // descriptor code that built them.
    g.setName(p + "__" + name);
    g.setLinkage(llvm::GlobalValue::InternalLinkage);
  }
}

/// The GPU runtime beside this tool: lib/ next to its bin/ in the build tree
/// and under an install prefix alike; the build's lib/ otherwise.
std::string cudaRuntimePath(const char *argv0) {
  std::string self = llvm::sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&cudaRuntimePath));
  SmallString<256> path(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(self)));
  llvm::sys::path::append(path, "lib", "libqkvtie_cuda_runtime.so");
  if (!self.empty() && llvm::sys::fs::exists(path))
    return std::string(path);
  return QKVTIE_RUNTIME_DIR "/libqkvtie_cuda_runtime.so";
}

int fail(const Twine &message) {
  llvm::errs() << "qkvtie-compile: " << message << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAllPasses();
  qkvtie::registerQKVTiePasses();
  // -mlir-timing and the other pass manager options, for compile-time
  // measurements.
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::ParseCommandLineOptions(argc, argv,
                              "QKVTie: model IR to a shared library and a C "
                              "header\n");

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  qkvtie::registerQKVTieDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  bool cuda = target == qkvtie::LoweringTarget::CUDA;
  if (cuda && reference)
    return fail("--reference runs on the CPU; it cannot be combined with "
                "--target=cuda");
  if (cuda && !llvm::sys::fs::exists(cudaPath + "/bin/ptxas"))
    return fail("--target=cuda needs the CUDA toolkit's ptxas: " + cudaPath +
                "/bin/ptxas does not exist (set --cuda-path)");

  std::string error;
  auto input = openInputFile(inputFile, &error);
  if (!input)
    return fail(error);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return fail("cannot parse " + inputFile);
  if (failed(runPipeline(*module)))
    return fail("raising or folding failed");

  StringRef stem = llvm::sys::path::stem(outputFile);
  stem.consume_front("lib");
  std::string p = prefix.empty() ? stem.str() : prefix.getValue();
  if (!qkvtie_compile::isCIdentifier(p))
    return fail("the prefix '" + p + "' is not a C identifier" +
                (prefix.empty() ? " (it comes from the name of -o; pass "
                                  "--prefix)"
                                : ""));
  SmallString<128> header(headerFile);
  if (header.empty()) {
    header = llvm::sys::path::parent_path(outputFile);
    llvm::sys::path::append(header, p + ".h");
  }
  // Outputs must not overwrite the input or each other.
  auto same = [](StringRef a, StringRef b) {
    if (a == b)
      return true;
    llvm::sys::fs::UniqueID ia, ib;
    return !llvm::sys::fs::getUniqueID(a, ia) &&
           !llvm::sys::fs::getUniqueID(b, ib) && ia == ib;
  };
  // The interface for bindings, beside the header with its stem.
  SmallString<128> description(header);
  llvm::sys::path::replace_extension(description, "json");
  if (same(outputFile, inputFile) || same(header, inputFile) ||
      same(description, inputFile))
    return fail("an output would overwrite the input " + inputFile);
  if (same(outputFile, header))
    return fail("the header and the library are the same file: " + header);
  if (same(outputFile, description) || same(header, description))
    return fail("the interface description " + description +
                " would overwrite another output (give the header a name "
                "that does not end in .json)");

  FailureOr<qkvtie_compile::CInterface> abi =
      qkvtie_compile::collectInterface(*module, p, cuda);
  if (failed(abi))
    return fail("sizes out of range");
  if (abi->functions.empty())
    return fail("no public function with tensor, index or cache arguments");

  if (failed(lower(*module)))
    return fail("lowering to LLVM failed");
  if (auto messages = (*module)->getAttrOfType<ArrayAttr>(
          qkvtie::QKVTieDialect::CheckMessagesAttrHelper::getNameStr())) {
    for (Attribute m : messages)
      abi->checkMessages.push_back(cast<StringAttr>(m).str());
    (*module)->removeAttr(
        qkvtie::QKVTieDialect::CheckMessagesAttrHelper::getNameStr());
  }
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, p);
  if (!llvmModule)
    return fail("translation to LLVM IR failed");
  prefixSymbols(*llvmModule, p);

  for (StringRef file : {StringRef(outputFile), StringRef(header)}) {
    StringRef dir = llvm::sys::path::parent_path(file);
    if (!dir.empty())
      if (std::error_code ec = llvm::sys::fs::create_directories(dir))
        return fail("cannot create " + dir + ": " + ec.message());
  }
  // Intermediate files are the library's name with a suffix, never one of
  // the outputs. The model is split in parts compiled in parallel, as
  // bitcode (a model's weights print and parse slowly as text).
  // A part per 20,000 instructions, at most one per core: small models
  // stay one compile.
  uint64_t instructions = 0;
  for (const llvm::Function &f : *llvmModule)
    instructions += f.getInstructionCount();
  unsigned parts = static_cast<unsigned>(std::clamp<uint64_t>(
      1 + instructions / 20000, 1,
      std::clamp(std::thread::hardware_concurrency(), 1u, 8u)));
  std::string shim = outputFile + ".qkvtie.c", shimObj = outputFile + ".shim.o";
  SmallVector<std::string> bitcode, objects;
  for (unsigned i = 0; i < parts; ++i) {
    bitcode.push_back(outputFile + ".qkvtie" + std::to_string(i) + ".bc");
    objects.push_back(outputFile + ".qkvtie" + std::to_string(i) + ".o");
  }
  auto cleanup = [&](bool all) {
    llvm::sys::fs::remove(shimObj);
    for (const std::string &o : objects)
      llvm::sys::fs::remove(o);
    if (!keep || all) {
      for (const std::string &bc : bitcode)
        llvm::sys::fs::remove(bc);
      llvm::sys::fs::remove(shim);
    }
    if (all) {
      llvm::sys::fs::remove(outputFile);
      llvm::sys::fs::remove(header);
      llvm::sys::fs::remove(description);
    }
  };
  {
    auto headerOut = openOutputFile(header, &error);
    auto descriptionOut = openOutputFile(description, &error);
    auto shimOut = openOutputFile(shim, &error);
    if (!headerOut || !descriptionOut || !shimOut)
      return fail(error);
    qkvtie_compile::writeHeader(headerOut->os(), *abi);
    qkvtie_compile::writeDescription(descriptionOut->os(), *abi);
    qkvtie_compile::writeShim(shimOut->os(), *abi,
                              llvm::sys::path::filename(header));
    SmallVector<std::unique_ptr<llvm::ToolOutputFile>> partOuts;
    // Symbols one part defines and another uses become hidden, not
    // exported: the library still exports only its C interface.
    llvm::SplitModule(
        *llvmModule, parts,
        [&](std::unique_ptr<llvm::Module> part) {
          auto out = openOutputFile(bitcode[partOuts.size()], &error);
          if (out)
            llvm::WriteBitcodeToFile(*part, out->os());
          partOuts.push_back(std::move(out));
        },
        /*PreserveLocals=*/false, /*RoundRobin=*/true);
    for (auto &out : partOuts)
      if (!out)
        return fail(error);
    bitcode.resize(partOuts.size());
    objects.resize(partOuts.size());
    partOuts.push_back(std::move(headerOut));
    partOuts.push_back(std::move(descriptionOut));
    partOuts.push_back(std::move(shimOut));
    for (auto &out : partOuts) {
      out->os().flush();
      if (out->os().has_error()) {
        cleanup(true);
        return fail("cannot write " + out->getFilename());
      }
      out->keep();
    }
  }

  // The lowered code calls MLIR's C runner utilities (memrefCopy) and the
  // OpenMP runtime; both live in LLVM's library directory.
  std::string libDir = QKVTIE_LLVM_LIBDIR;
  std::string includeDir = llvm::sys::path::parent_path(header).str();
  // The C shim only moves pointers and checks arguments, in functions as
  // long as the model's parameter list: -O0 compiles it 15x faster than
  // -O1 (0.5 s against 8 s for a 32-layer model with weights as arguments).
  SmallVector<SmallVector<std::string>> compiles = {
      {std::string(clangPath), "-O0", "-fPIC", "-std=c11", "-I",
       includeDir.empty() ? "." : includeDir, "-c", shim, "-o", shimObj}};
  // LLVM's instruction schedulers (before and after register allocation)
  // are superlinear in a block's length, and a whole model's functions are
  // long blocks of calls: they were most of a 32-layer model's compile
  // (4 s post-RA, 3.4 s of 12 in a part before). Out-of-order x86 cores
  // gain little from either.
  for (auto [bc, obj] : llvm::zip_equal(bitcode, objects))
    compiles.push_back(
        {std::string(clangPath), "-O3", "-mllvm", "-post-RA-scheduler=false",
         "-mllvm", "-enable-misched=false", "-march=" + cpu, "-fPIC",
         "-Wno-override-module", "-c", "-x", "ir", bc, "-o", obj});
  SmallVector<std::string> args = {std::string(clangPath), "-shared"};
  llvm::append_range(args, objects);
  args.append({shimObj, "-o", outputFile, "-lm"});
  if (cuda) {
    // The GPU runtime (which also has memrefCopy) and libomp beside the
    // library, found through $ORIGIN: the directory runs on a machine with
    // only the NVIDIA driver.
    std::string outDir = llvm::sys::path::parent_path(outputFile).str();
    if (outDir.empty())
      outDir = ".";
    for (auto [from, to] :
         {std::pair<std::string, std::string>{
              cudaRuntimePath(argv[0]), outDir + "/libqkvtie_cuda_runtime.so"},
          {libDir + "/libomp.so.5", outDir + "/libomp.so.5"}}) {
      SmallString<256> real;
      if (llvm::sys::fs::real_path(from, real) ||
          llvm::sys::fs::copy_file(real, to))
        return fail("cannot copy " + from + " to " + to);
    }
    // Conversions such as __truncsfbf2 from compiler-rt's builtins, linked
    // in, instead of MLIR's runner utilities (which need libMLIR).
    args.append({"-L" + outDir, "-Wl,-rpath,$ORIGIN", "-l:libomp.so.5",
                 "-lqkvtie_cuda_runtime", "--rtlib=compiler-rt"});
  } else {
    args.append({"-L" + libDir, "-Wl,-rpath," + libDir, "-lmlir_c_runner_utils",
                 "-lomp"});
  }
  auto refs = [](ArrayRef<std::string> a) {
    return SmallVector<StringRef>(a.begin(), a.end());
  };
  // At most `parts` compiles at once (one per core).
  int rc = 0;
  SmallVector<llvm::sys::ProcessInfo> running;
  auto waitOne = [&] {
    std::string waitError;
    llvm::sys::ProcessInfo done =
        llvm::sys::Wait(running.front(), std::nullopt, &waitError);
    running.erase(running.begin());
    if (rc == 0 && done.ReturnCode != 0) {
      rc = done.ReturnCode;
      error = waitError;
    }
  };
  for (const SmallVector<std::string> &c : compiles) {
    if (running.size() >= parts)
      waitOne();
    bool failedToStart = false;
    llvm::sys::ProcessInfo pi = llvm::sys::ExecuteNoWait(
        clangPath, refs(c), std::nullopt, {}, 0, &error, &failedToStart);
    if (failedToStart) {
      rc = -1;
      break;
    }
    running.push_back(pi);
  }
  while (!running.empty())
    waitOne();
  if (rc == 0)
    rc = llvm::sys::ExecuteAndWait(clangPath, refs(args), std::nullopt, {}, 0,
                                   0, &error);
  if (rc != 0) {
    // No partial outputs: a library without its header, or the reverse.
    cleanup(/*all=*/true);
    return fail("linking with " + clangPath + " failed" +
                (error.empty() ? "" : ": " + error));
  }
  cleanup(/*all=*/false);
  return 0;
}
