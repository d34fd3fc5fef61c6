//===- LoopAnnotations.cpp - Loop annotations into LLVM loop metadata -----===//
//
// The lowering from scf to LLVM keeps an scf.for's loop annotation as a
// discardable attribute of the back edge, which translation drops; this
// pass makes it the branch's own.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "qkvtie-loop-annotations"

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
    int64_t moved = 0;
    getOperation().walk([&](LLVM::BrOp br) {
      auto annotation = br->getAttrOfType<LLVM::LoopAnnotationAttr>(name);
      if (!annotation)
        return;
      br.setLoopAnnotationAttr(annotation);
      br->removeAttr(name);
      ++moved;
    });
    LLVM_DEBUG(llvm::dbgs() << "[" DEBUG_TYPE "] " << moved
                            << " loop annotation(s) onto their branches\n");
    (void)moved;
  }
};

} // namespace
