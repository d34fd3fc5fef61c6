//===- LoopAnnotations.cpp - Loop annotations into LLVM loop metadata -----===//
//
// The lowering from scf to LLVM keeps an scf.for's loop annotation as a
// discardable attribute of the back edge, which translation drops; this
// pass makes it the branch's own.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIELOOPANNOTATIONS
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;

namespace {

struct LoopAnnotationsPass
    : public qkvtie::impl::QKVTieLoopAnnotationsBase<LoopAnnotationsPass> {
  void runOnOperation() override {
    StringRef name = LLVM::LoopAnnotationAttr::name;
    getOperation().walk([&](LLVM::BrOp br) {
      auto annotation = br->getAttrOfType<LLVM::LoopAnnotationAttr>(name);
      if (!annotation)
        return;
      br.setLoopAnnotationAttr(annotation);
      br->removeAttr(name);
    });
  }
};

} // namespace
