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
// Every entry point returns a status (CABI.h). Every symbol of the library
// carries the prefix; only the C ABI and the C interface the Python package
// calls are visible. The library needs libomp and MLIR's C runner
// utilities.
//
//===----------------------------------------------------------------------===//

#include "CABI.h"

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/InitQKVTie.h"

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
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/StringExtras.h"
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

#include <string>

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
static cl::opt<int64_t> vectorWidth(
    "vector-width",
    cl::desc("Widest vector of the kernels in f32 lanes (default: 16 where "
             "--cpu=native has AVX-512F, else 8)"),
    cl::init(0));
static cl::opt<std::string>
    target("target",
           cl::desc("Where attention runs: cpu (fused CPU kernels) or cuda "
                    "(GPU kernels for --gpu-chip; projections on the CPU)"),
           cl::init("cpu"));
static cl::opt<std::string> gpuChip("gpu-chip",
                                    cl::desc("GPU architecture for "
                                             "--target=cuda"),
                                    cl::init("sm_90a"));
static cl::opt<std::string> cudaPath("cuda-path",
                                     cl::desc("CUDA toolkit whose ptxas and "
                                              "libdevice --target=cuda uses"),
                                     cl::init(QKVTIE_CUDA_PATH));
static cl::opt<bool> keep("keep", cl::desc("Keep the LLVM IR and C shim "
                                           "beside the library"));

namespace {

LogicalResult runPipeline(ModuleOp module) {
  PassManager pm(module.getContext());
  if (!noRaise) {
    std::string pipeline =
        "qkvtie-raise-attention,qkvtie-fold-ties{tie-arguments=" +
        std::string(tieArguments ? "true" : "false") +
        "},qkvtie-materialize-kv-cache{capacity=" + std::to_string(capacity) +
        (cacheType.empty() ? std::string() : " element-type=" + cacheType) +
        "}";
    if (failed(parsePassPipeline(pipeline, pm)))
      return failure();
  }
  return pm.run(module);
}

int64_t kernelLanes() {
  if (vectorWidth)
    return vectorWidth;
  if (cpu == "native") {
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    if (features.lookup("avx512f"))
      return 16;
  }
  return 8;
}

LogicalResult lower(ModuleOp module) {
  PassManager pm(module.getContext());
  if (target == "cuda") {
    // A cubin made by ptxas: nothing to compile when the library loads.
    if (failed(qkvtie::buildLowerToLLVMCUDAPipeline(pm, kernelLanes(), gpuChip,
                                                    "bin", cudaPath,
                                                    /*checksToStatus=*/true)))
      return failure();
    return pm.run(module);
  }
  // Checks report to the caller: a library never aborts its host.
  std::string lowering = (reference ? std::string("qkvtie-decompose")
                                    : "qkvtie-lower-cpu{vector-width=" +
                                          std::to_string(kernelLanes()) + "}") +
                         ",qkvtie-checks-to-status";
  if (failed(qkvtie::buildLowerToLLVMPipeline(pm, lowering)))
    return failure();
  return pm.run(module);
}

/// Gives every symbol the library defines the prefix, so that two libraries
/// in one process never bind to each other's functions, and hides all but
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
    g.setName(p + "__" + name);
    g.setVisibility(llvm::GlobalValue::HiddenVisibility);
  }
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

  if (target != "cpu" && target != "cuda")
    return fail("--target must be cpu or cuda, not '" + target + "'");
  if (target == "cuda" && reference)
    return fail("--reference runs on the CPU; it cannot be combined with "
                "--target=cuda");
  bool cuda = target == "cuda";
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
  if (same(outputFile, inputFile) || same(header, inputFile))
    return fail("an output would overwrite the input " + inputFile);
  if (same(outputFile, header))
    return fail("the header and the library are the same file: " + header);

  FailureOr<qkvtie_compile::CInterface> abi =
      qkvtie_compile::collectInterface(*module, p, cuda);
  if (failed(abi))
    return fail("sizes out of range");
  if (abi->functions.empty())
    return fail("no public function with tensor, index or cache arguments");

  if (failed(lower(*module)))
    return fail("lowering to LLVM failed");
  if (auto messages =
          (*module)->getAttrOfType<ArrayAttr>("qkvtie.check_messages")) {
    for (Attribute m : messages)
      abi->checkMessages.push_back(cast<StringAttr>(m).str());
    (*module)->removeAttr("qkvtie.check_messages");
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
  // the outputs.
  std::string ll = outputFile + ".qkvtie.ll", shim = outputFile + ".qkvtie.c";
  auto cleanup = [&](bool all) {
    if (!keep || all) {
      llvm::sys::fs::remove(ll);
      llvm::sys::fs::remove(shim);
    }
    if (all) {
      llvm::sys::fs::remove(outputFile);
      llvm::sys::fs::remove(header);
    }
  };
  {
    auto headerOut = openOutputFile(header, &error);
    auto llOut = openOutputFile(ll, &error);
    auto shimOut = openOutputFile(shim, &error);
    if (!headerOut || !llOut || !shimOut)
      return fail(error);
    qkvtie_compile::writeHeader(headerOut->os(), *abi);
    llvmModule->print(llOut->os(), nullptr);
    qkvtie_compile::writeShim(shimOut->os(), *abi,
                              llvm::sys::path::filename(header));
    for (auto *out : {headerOut.get(), llOut.get(), shimOut.get()}) {
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
  SmallVector<std::string> args = {std::string(clangPath),
                                   "-O3",
                                   "-march=" + cpu,
                                   "-shared",
                                   "-fPIC",
                                   "-Wno-override-module",
                                   "-I",
                                   includeDir.empty() ? "." : includeDir,
                                   "-x",
                                   "ir",
                                   ll,
                                   "-x",
                                   "c",
                                   "-std=c11",
                                   shim,
                                   "-o",
                                   outputFile,
                                   "-lm"};
  if (cuda) {
    // The GPU runtime (which also has memrefCopy) and libomp beside the
    // library, found through $ORIGIN: the directory runs on a machine with
    // only the NVIDIA driver.
    std::string outDir = llvm::sys::path::parent_path(outputFile).str();
    if (outDir.empty())
      outDir = ".";
    for (auto [from, to] :
         {std::pair<std::string, std::string>{
              QKVTIE_RUNTIME_DIR "/libqkvtie_cuda_runtime.so",
              outDir + "/libqkvtie_cuda_runtime.so"},
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
  SmallVector<StringRef> argRefs(args.begin(), args.end());
  int rc = llvm::sys::ExecuteAndWait(clangPath, argRefs, std::nullopt, {}, 0, 0,
                                     &error);
  if (rc != 0) {
    // No partial outputs: a library without its header, or the reverse.
    cleanup(/*all=*/true);
    return fail("linking with " + clangPath + " failed" +
                (error.empty() ? "" : ": " + error));
  }
  cleanup(/*all=*/false);
  return 0;
}
