//===- CABI.h - The C interface of a compiled QKVTie library ----*- C++ -*-===//
//
// qkvtie-compile writes a header and a C shim over MLIR's C interface
// (`_mlir_ciface_<f>(results *, descriptors *...)`). Every entry point
// returns a status, checks its pointers, and reports failed run-time checks
// of the model (qkvtie-checks-to-status) instead of aborting. Functions with
// KV caches (the steps of qkvtie-materialize-kv-cache) are exposed through a
// session that owns the caches and what @f_prepare computes once (RoPE
// tables, weights in the layout the kernels read).
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_TOOLS_QKVTIE_COMPILE_CABI_H
#define QKVTIE_TOOLS_QKVTIE_COMPILE_CABI_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>
#include <vector>

namespace qkvtie_compile {

/// The C view of one argument or result of a public function.
struct CValue {
  enum Kind { Tensor, Index, Cache } kind;
  mlir::RankedTensorType tensor; // Tensor; Cache: its storage tensor
  std::string cType;             // element type in C
  int64_t bytes() const;
};

struct CFunction {
  std::string name;
  llvm::SmallVector<CValue> args, results;
  /// Of a generated step: which of its inputs run over tokens, and which
  /// input of the entry each of its inputs is.
  std::optional<std::vector<int64_t>> tokenInputs, inputs;
  bool takesCache() const;
};

/// The steps of @entry: @entry_prefill (`chunk` tokens), @entry_decode and
/// optionally @entry_prepare.
struct CSession {
  std::string entry;
  const CFunction *prefill = nullptr, *decode = nullptr, *prepare = nullptr;
  llvm::SmallVector<int64_t> tokenInputs; // of the step's inputs
  /// The other inputs: parameters given once, to create.
  llvm::SmallVector<unsigned> paramInputs;
  unsigned numInputs = 0, numResults = 0, numCaches = 0;
  int64_t chunk = 1, capacity = 0;
};

struct CInterface {
  llvm::SmallVector<CFunction> functions;
  llvm::SmallVector<CSession> sessions;
  llvm::SmallVector<std::string> checkMessages;
  std::string prefix;
  bool cuda = false;
};

/// Public functions with a C form and their sessions; the others are
/// warned about. Fails (with an error on the module) for sizes that do not
/// fit in memory.
mlir::FailureOr<CInterface> collectInterface(mlir::ModuleOp module,
                                             llvm::StringRef prefix, bool cuda);

void writeHeader(llvm::raw_ostream &os, const CInterface &abi);
/// The interface as JSON, for bindings (the Python package) that call the
/// library without parsing IR: per function its arguments and results
/// (kind, element type, shape; a cache as its storage [buffers, batch,
/// heads, capacity, head_dim]) and, for steps, their token inputs.
void writeDescription(llvm::raw_ostream &os, const CInterface &abi);
void writeShim(llvm::raw_ostream &os, const CInterface &abi,
               llvm::StringRef headerName);

/// Whether `s` is a C identifier.
bool isCIdentifier(llvm::StringRef s);

} // namespace qkvtie_compile

#endif // QKVTIE_TOOLS_QKVTIE_COMPILE_CABI_H
