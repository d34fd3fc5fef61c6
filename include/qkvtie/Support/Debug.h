//===- Debug.h - Debug output that works with release LLVM ------*- C++ -*-===//
//
// LLVM_DEBUG compiles away in release builds, and Debian's LLVM does not
// register -debug-only. QKVTie's passes print their match failures with
// QKVTIE_DEBUG instead, which honours -debug-only=TYPE in any build: the
// option is registered by registerQKVTiePasses() when LLVM lacks it.
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_SUPPORT_DEBUG_H
#define QKVTIE_SUPPORT_DEBUG_H

#include "llvm/Support/Debug.h"

// Release builds of LLVM still export these, but Debug.h hides them behind
// macros; the parentheses stop the macros from expanding.
namespace llvm {
bool(isCurrentDebugType)(const char *Type, int Level);
void(setCurrentDebugTypes)(const char **Types, unsigned Count);
} // namespace llvm

#define QKVTIE_DEBUG(X)                                                        \
  do {                                                                         \
    if (::llvm::DebugFlag && (::llvm::isCurrentDebugType)(DEBUG_TYPE, 0)) {    \
      X;                                                                       \
    }                                                                          \
  } while (false)

namespace mlir::qkvtie {
/// Registers -debug-only if the LLVM build did not.
void registerDebugOnlyOption();
} // namespace mlir::qkvtie

#endif // QKVTIE_SUPPORT_DEBUG_H
