//===- qkvtie-compile.cpp - Model IR to a shared library and a C header ---===//
//
//   qkvtie-compile model.mlir -o libmodel.so [--header model.h]
//
// Raises attention, folds proven ties, adds prefill and decode-step
// functions over an explicit KV cache, lowers to fused CPU kernels and links
// a shared library whose C ABI the generated header declares:
//
//   int <prefix>_<function>(inputs..., outputs...);        forward, prefill
//   <prefix>_cache *<prefix>_<decode function>_cache_create(void);
//   void <prefix>_cache_free(<prefix>_cache *);
//
// Tensors are dense row-major buffers of the shapes the header lists; f16
// and bf16 elements are uint16_t bit patterns; a decode step updates its
// cache in place. The library needs libomp and MLIR's C runner utilities.
//
//===----------------------------------------------------------------------===//

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

/// The C view of one argument or result of a public function.
struct CValue {
  enum Kind { Tensor, Index, Cache } kind;
  RankedTensorType tensor; // Tensor; Cache: its storage tensor
  std::string cType;       // element type in C
};

struct CFunction {
  std::string name;
  SmallVector<CValue> args, results;
};

FailureOr<std::string> cElementType(Type t) {
  if (t.isF32())
    return std::string("float");
  if (t.isF64())
    return std::string("double");
  if (t.isF16() || t.isBF16())
    return std::string("uint16_t");
  if (t.isInteger(1))
    return std::string("bool");
  if (t.isInteger(32))
    return std::string("int32_t");
  if (t.isInteger(64))
    return std::string("int64_t");
  return failure();
}

FailureOr<CValue> cValue(Type t) {
  if (isa<IndexType>(t))
    return CValue{CValue::Index, {}, "int64_t"};
  if (auto cache = dyn_cast<qkvtie::KVCacheType>(t)) {
    auto storage = RankedTensorType::get({cache.getBuffers(), cache.getBatch(),
                                          cache.getHeads(), cache.getCapacity(),
                                          cache.getHeadDim()},
                                         cache.getElementType());
    return CValue{CValue::Cache, storage,
                  *cElementType(cache.getElementType())};
  }
  auto tensor = dyn_cast<RankedTensorType>(t);
  if (!tensor || !tensor.hasStaticShape())
    return failure();
  FailureOr<std::string> elt = cElementType(tensor.getElementType());
  if (failed(elt))
    return failure();
  return CValue{CValue::Tensor, tensor, *elt};
}

std::string shapeText(RankedTensorType t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(t.getShape(), os, "x");
  os << " " << t.getElementType();
  return s;
}

std::string identifier(StringRef s) {
  std::string out;
  for (char c : s)
    out += llvm::isAlnum(c) ? c : '_';
  return out;
}

/// Public functions whose arguments and results have a C form; the others
/// are reported and left out of the header.
SmallVector<CFunction> collectFunctions(ModuleOp module) {
  SmallVector<CFunction> fns;
  module.walk([&](func::FuncOp f) {
    if (f.isPrivate() || f.isExternal())
      return;
    CFunction fn{f.getName().str(), {}, {}};
    for (Type t : f.getArgumentTypes()) {
      FailureOr<CValue> v = cValue(t);
      if (failed(v)) {
        f.emitWarning() << "not exported: argument type " << t
                        << " has no C form";
        return;
      }
      fn.args.push_back(*v);
    }
    for (Type t : f.getResultTypes()) {
      FailureOr<CValue> v = cValue(t);
      if (failed(v) || v->kind == CValue::Index) {
        f.emitWarning() << "not exported: result type " << t
                        << " has no C form";
        return;
      }
      fn.results.push_back(*v);
    }
    fns.push_back(std::move(fn));
  });
  return fns;
}

void writeHeader(raw_ostream &os, ArrayRef<CFunction> fns, StringRef p,
                 bool cuda) {
  std::string guard = StringRef(identifier(p)).upper() + "_H";
  os << "/* Generated by qkvtie-compile. Tensors are dense row-major buffers;\n"
        " * f16/bf16 elements are uint16_t bit patterns. Functions return 0.\n"
        " * A decode step past the cache capacity aborts with a message. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdbool.h>\n#include <stdint.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "/* A KV cache: create it, or get it from a prefill; free it once. */\n"
     << "typedef struct " << p << "_cache " << p << "_cache;\n"
     << "void " << p << "_cache_free(" << p << "_cache *cache);\n\n";
  if (cuda)
    os << "/* Attention runs on the GPU (libqkvtie_cuda_runtime, beside this\n"
          " * library). A function returns 1 when the GPU runtime failed "
          "during\n"
          " * the call (no driver, no GPU, a CUDA error); "
       << p
       << "_gpu_error()\n"
          " * then says why (NULL if nothing failed). */\n"
       << "int " << p << "_gpu_available(void);\n"
       << "const char *" << p << "_gpu_error(void);\n\n";
  for (const CFunction &fn : fns) {
    std::string name = p.str() + "_" + identifier(fn.name);
    os << "/* @" << fn.name << "\n";
    for (auto [i, a] : llvm::enumerate(fn.args))
      os << " *   in" << i << ": "
         << (a.kind == CValue::Index ? std::string("index")
             : a.kind == CValue::Cache
                 ? "KV cache, updated in place (" + shapeText(a.tensor) + ")"
                 : shapeText(a.tensor))
         << "\n";
    bool updates = llvm::any_of(
        fn.args, [](const CValue &a) { return a.kind == CValue::Cache; });
    for (auto [i, r] : llvm::enumerate(fn.results))
      os << " *   out" << i << ": "
         << (r.kind != CValue::Cache ? shapeText(r.tensor)
             : updates ? std::string("the updated cache, in place")
                       : "new KV cache (" + shapeText(r.tensor) +
                             "), free with " + p.str() + "_cache_free")
         << "\n";
    os << " */\nint " << name << "(";
    SmallVector<std::string> params;
    bool takesCache = false;
    for (auto [i, a] : llvm::enumerate(fn.args)) {
      if (a.kind == CValue::Index)
        params.push_back("int64_t in" + std::to_string(i));
      else if (a.kind == CValue::Cache) {
        params.push_back(p.str() + "_cache *in" + std::to_string(i));
        takesCache = true;
      } else
        params.push_back("const " + a.cType + " *in" + std::to_string(i));
    }
    for (auto [i, r] : llvm::enumerate(fn.results)) {
      if (r.kind == CValue::Cache && takesCache)
        continue; // the argument's cache is updated
      params.push_back(r.kind == CValue::Cache
                           ? p.str() + "_cache **out" + std::to_string(i)
                           : r.cType + " *out" + std::to_string(i));
    }
    os << llvm::join(params, ", ") << ");\n";
    if (takesCache)
      os << p << "_cache *" << name << "_cache_create(void);\n";
    os << "\n";
  }
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
}

/// C implementing the header over MLIR's C interface
/// (`_mlir_ciface_<fn>(results *, descriptors *...)`).
void writeShim(raw_ostream &os, ArrayRef<CFunction> fns, StringRef p,
               StringRef header, bool cuda) {
  os << "#include \"" << header << "\"\n#include <stdlib.h>\n"
     << "#include <string.h>\n\n";
  if (cuda)
    os << "int qkvtie_cuda_available(void);\n"
       << "const char *qkvtie_cuda_error(void);\n"
       << "void qkvtie_cuda_clear_error(void);\n"
       << "int " << p
       << "_gpu_available(void) { return qkvtie_cuda_available(); }\n"
       << "const char *" << p
       << "_gpu_error(void) { return qkvtie_cuda_error(); }\n\n";
  for (int r = 1; r <= 5; ++r)
    os << "typedef struct { void *allocated, *aligned; int64_t offset, sizes["
       << r << "], strides[" << r << "]; } memref" << r << ";\n";
  os << "struct " << p << "_cache { memref5 m; };\n"
     << "void " << p << "_cache_free(" << p << "_cache *c) {\n"
     << "  if (c) { free(c->m.allocated); free(c); }\n}\n"
     << "static void view(void *data, int rank, const int64_t *shape, "
        "void *desc) {\n"
     << "  memref5 *d = desc; /* the first fields of every rank agree */\n"
     << "  int64_t *sizes = &d->offset + 1, *strides = sizes + rank, s = 1;\n"
     << "  d->allocated = d->aligned = data; d->offset = 0;\n"
     << "  for (int i = rank - 1; i >= 0; --i) { sizes[i] = shape[i]; "
        "strides[i] = s; s *= shape[i]; }\n}\n\n";
  for (const CFunction &fn : fns) {
    std::string name = p.str() + "_" + identifier(fn.name);
    bool takesCache = llvm::any_of(
        fn.args, [](const CValue &a) { return a.kind == CValue::Cache; });
    // The C interface's declaration.
    os << "typedef struct { ";
    for (auto [i, r] : llvm::enumerate(fn.results))
      os << "memref" << r.tensor.getRank() << " r" << i << "; ";
    if (fn.results.empty())
      os << "int unused; ";
    os << "} " << name << "_results;\n";
    os << "void _mlir_ciface_" << fn.name << "(";
    SmallVector<std::string> decl;
    if (fn.results.size() == 1)
      decl.push_back("memref" + std::to_string(fn.results[0].tensor.getRank()) +
                     " *");
    else if (fn.results.size() > 1)
      decl.push_back(name + "_results *");
    for (const CValue &a : fn.args)
      decl.push_back(a.kind == CValue::Index
                         ? std::string("int64_t")
                         : "memref" + std::to_string(a.tensor.getRank()) +
                               " *");
    os << llvm::join(decl, ", ") << ");\n";

    if (takesCache) {
      const CValue &c = *llvm::find_if(
          fn.args, [](const CValue &a) { return a.kind == CValue::Cache; });
      os << p << "_cache *" << name << "_cache_create(void) {\n"
         << "  static const int64_t shape[5] = {"
         << llvm::join(
                llvm::map_range(c.tensor.getShape(),
                                [](int64_t d) { return std::to_string(d); }),
                ", ")
         << "};\n  " << p << "_cache *c = malloc(sizeof *c);\n"
         << "  view(calloc(" << c.tensor.getNumElements() << ", sizeof("
         << c.cType << ")), 5, shape, &c->m);\n  return c;\n}\n";
    }

    // The exported function.
    os << "int " << name << "(";
    SmallVector<std::string> params;
    for (auto [i, a] : llvm::enumerate(fn.args))
      params.push_back(a.kind == CValue::Index
                           ? "int64_t in" + std::to_string(i)
                       : a.kind == CValue::Cache
                           ? p.str() + "_cache *in" + std::to_string(i)
                           : "const " + a.cType + " *in" + std::to_string(i));
    for (auto [i, r] : llvm::enumerate(fn.results)) {
      if (r.kind == CValue::Cache && takesCache)
        continue;
      params.push_back(r.kind == CValue::Cache
                           ? p.str() + "_cache **out" + std::to_string(i)
                           : r.cType + " *out" + std::to_string(i));
    }
    os << llvm::join(params, ", ") << ") {\n  " << name << "_results res;\n";
    if (cuda)
      os << "  qkvtie_cuda_clear_error();\n";
    SmallVector<std::string> call;
    if (fn.results.size() == 1)
      call.push_back("&res.r0");
    else if (fn.results.size() > 1)
      call.push_back("&res");
    std::string cacheArg;
    for (auto [i, a] : llvm::enumerate(fn.args)) {
      std::string in = "in" + std::to_string(i);
      if (a.kind == CValue::Index) {
        call.push_back(in);
        continue;
      }
      if (a.kind == CValue::Cache) {
        call.push_back("&" + in + "->m");
        cacheArg = in;
        continue;
      }
      int64_t rank = a.tensor.getRank();
      os << "  static const int64_t s" << i << "[" << rank << "] = {"
         << llvm::join(
                llvm::map_range(a.tensor.getShape(),
                                [](int64_t d) { return std::to_string(d); }),
                ", ")
         << "};\n  memref" << rank << " a" << i << ";\n  view((void *)" << in
         << ", " << rank << ", s" << i << ", &a" << i << ");\n";
      call.push_back("&a" + std::to_string(i));
    }
    os << "  _mlir_ciface_" << fn.name << "(" << llvm::join(call, ", ")
       << ");\n";
    for (auto [i, r] : llvm::enumerate(fn.results)) {
      std::string res = "res.r" + std::to_string(i);
      if (r.kind == CValue::Cache) {
        if (!cacheArg.empty()) {
          // The step returns the updated cache; it replaces the old buffer.
          os << "  if (" << res << ".allocated != " << cacheArg
             << "->m.allocated) free(" << cacheArg << "->m.allocated);\n"
             << "  memcpy(&" << cacheArg << "->m, &" << res
             << ", sizeof(memref5));\n";
        } else {
          os << "  *out" << i << " = malloc(sizeof **out" << i << ");\n"
             << "  memcpy(&(*out" << i << ")->m, &" << res
             << ", sizeof(memref5));\n";
        }
        continue;
      }
      os << "  memcpy(out" << i << ", (char *)" << res << ".aligned + " << res
         << ".offset * sizeof(" << r.cType << "), " << r.tensor.getNumElements()
         << " * sizeof(" << r.cType << "));\n"
         << "  free(" << res << ".allocated);\n";
    }
    os << (cuda ? "  return qkvtie_cuda_error() != NULL;\n}\n\n"
                : "  return 0;\n}\n\n");
  }
}

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
                                                    "bin", cudaPath)))
      return failure();
    return pm.run(module);
  }
  std::string lowering = reference ? std::string("qkvtie-decompose")
                                   : "qkvtie-lower-cpu{vector-width=" +
                                         std::to_string(kernelLanes()) + "}";
  if (failed(qkvtie::buildLowerToLLVMPipeline(pm, lowering)))
    return failure();
  return pm.run(module);
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
  std::string p = prefix.empty() ? identifier(stem) : identifier(prefix);
  SmallString<128> header(headerFile);
  if (header.empty()) {
    header = llvm::sys::path::parent_path(outputFile);
    llvm::sys::path::append(header, p + ".h");
  }
  SmallVector<CFunction> fns = collectFunctions(*module);
  if (fns.empty())
    return fail("no public function with tensor, index or cache arguments");

  if (failed(lower(*module)))
    return fail("lowering to LLVM failed");
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, p);
  if (!llvmModule)
    return fail("translation to LLVM IR failed");

  for (StringRef file : {StringRef(outputFile), StringRef(header)}) {
    StringRef dir = llvm::sys::path::parent_path(file);
    if (!dir.empty())
      if (std::error_code ec = llvm::sys::fs::create_directories(dir))
        return fail("cannot create " + dir + ": " + ec.message());
  }
  auto headerOut = openOutputFile(header, &error);
  if (!headerOut)
    return fail(error);
  writeHeader(headerOut->os(), fns, p, cuda);
  headerOut->keep();
  headerOut->os().flush();

  SmallString<128> ll(outputFile), shim(outputFile);
  llvm::sys::path::replace_extension(ll, "ll");
  llvm::sys::path::replace_extension(shim, "abi.c");
  auto llOut = openOutputFile(ll, &error);
  auto shimOut = openOutputFile(shim, &error);
  if (!llOut || !shimOut)
    return fail(error);
  llvmModule->print(llOut->os(), nullptr);
  writeShim(shimOut->os(), fns, p, llvm::sys::path::filename(header), cuda);
  llOut->keep();
  shimOut->keep();
  llOut->os().flush();
  shimOut->os().flush();

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
                                   ll.str().str(),
                                   shim.str().str(),
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
  if (!keep) {
    llvm::sys::fs::remove(ll);
    llvm::sys::fs::remove(shim);
  }
  if (rc != 0)
    return fail("linking with " + clangPath + " failed" +
                (error.empty() ? "" : ": " + error));
  return 0;
}
