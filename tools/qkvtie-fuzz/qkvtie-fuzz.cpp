//===- qkvtie-fuzz.cpp - libFuzzer harness for the QKVTie pipeline --------===//
//
// Feeds mutated modules through parse, verify, raise, fold, materialize and
// decompose. Any crash or sanitizer report is a bug, and so is a pass that
// succeeds but leaves IR the verifier rejects. A pass that fails with a
// diagnostic is fine: that is how bad input is supposed to end.
//
//   build-fuzz/bin/qkvtie-fuzz -dict=tools/qkvtie-fuzz/mlir.dict CORPUS_DIR
//
//===----------------------------------------------------------------------===//

#include "qkvtie/InitQKVTie.h"
#include "qkvtie/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdio>
#include <cstdlib>

using namespace mlir;

static MLIRContext &context() {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerAllExtensions(registry);
    qkvtie::registerQKVTieDialects(registry);
    auto *c = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    return c;
  }();
  return *ctx;
}

static void addPass(OpPassManager &pm, int stage) {
  switch (stage) {
  case 0:
    pm.addPass(qkvtie::createQKVTieRaiseAttention());
    break;
  case 1:
    pm.addPass(qkvtie::createQKVTieFoldTies());
    break;
  case 2: {
    qkvtie::QKVTieMaterializeKVCacheOptions options;
    options.capacity = 64;
    pm.addPass(qkvtie::createQKVTieMaterializeKVCache(options));
    break;
  }
  default:
    pm.addPass(qkvtie::createQKVTieDecompose());
    break;
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext &ctx = context();
  // Diagnostics are expected on bad input; keep the fuzzer's output quiet.
  ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
  llvm::SourceMgr sm;
  sm.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          StringRef(reinterpret_cast<const char *>(data), size), "fuzz"),
      llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sm, &ctx);
  if (!module || failed(verify(*module)))
    return 0;
  for (int stage = 0; stage < 4; ++stage) {
    PassManager pm(&ctx);
    pm.enableVerifier(false);
    addPass(pm, stage);
    if (failed(pm.run(*module)))
      return 0;
    if (failed(verify(*module))) {
      std::fprintf(stderr,
                   "qkvtie-fuzz: stage %d left IR that does not "
                   "verify\n",
                   stage);
      std::abort();
    }
  }
  return 0;
}
