//===- AggregatedOpInterfaceImpl.h - Decompositions of qkvtie ops -*- C++
//-*-===//

#ifndef QKVTIE_DIALECT_QKVTIE_TRANSFORMS_AGGREGATEDOPINTERFACEIMPL_H
#define QKVTIE_DIALECT_QKVTIE_TRANSFORMS_AGGREGATEDOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::qkvtie {
/// Attaches linalg's AggregatedOpInterface to qkvtie.attention and
/// qkvtie.cache.attend: their decomposition into linalg on tensors (a
/// cache.attend reads its cache through a cast to the storage tensor).
void registerAggregatedOpInterfaceExternalModels(DialectRegistry &registry);
} // namespace mlir::qkvtie

#endif // QKVTIE_DIALECT_QKVTIE_TRANSFORMS_AGGREGATEDOPINTERFACEIMPL_H
