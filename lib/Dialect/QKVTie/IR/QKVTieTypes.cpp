//===- QKVTieTypes.cpp - QKVTie types -------------------------------------===//

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::qkvtie;

LogicalResult KVCacheType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t batch, int64_t buffers, int64_t heads,
                                  int64_t capacity, int64_t headDim,
                                  Type elementType) {
  if (buffers != 1 && buffers != 2)
    return emitError() << "kv_cache: buffers must be 1 (k = v) or 2, got "
                       << buffers;
  if (batch <= 0 || heads <= 0 || capacity <= 0 || headDim <= 0)
    return emitError() << "kv_cache: batch, heads, capacity and head_dim "
                          "must be positive";
  if (!isSupportedStorageType(elementType))
    return emitError() << "kv_cache: element type must be f16, bf16 or f32, "
                          "got "
                       << elementType;
  // Byte counts are int64 everywhere (sizes, allocations, offsets): the
  // whole cache must fit in 2^47 bytes, as any allocation can.
  int64_t bytes = getElementByteSize(elementType);
  for (int64_t d : {batch, buffers, heads, capacity, headDim})
    if (llvm::MulOverflow(bytes, d, bytes) || bytes > (int64_t(1) << 47))
      return emitError() << "kv_cache: " << batch << " x " << buffers << " x "
                         << heads << " x " << capacity << " x " << headDim
                         << " elements need more than 2^47 bytes";
  return success();
}

int64_t KVCacheType::getBytesPerToken() const {
  return getBatch() * getBuffers() * getHeads() * getHeadDim() *
         getElementByteSize(getElementType());
}

RankedTensorType KVCacheType::getBufferType() const {
  return RankedTensorType::get(
      {getBatch(), getHeads(), getCapacity(), getHeadDim()}, getElementType());
}
