//===- TokenAnalysis.h - Which dimensions run over tokens -------*- C++ -*-===//
//
// A model's function computes all S tokens of a sequence at once. To write
// a prefill and a decode step for it, the compiler must know which dimension
// of every value runs over the tokens, and that nothing outside attention
// mixes tokens. The analysis links dimensions that must be equal (a linalg
// op's operands through its loops, reshapes, slices, concatenations, an
// attention's query, keys and RoPE tables) and takes the class of the
// attentions' sequence dimension as the token axis. Then it checks:
//
//  - no loop over tokens is a reduction, and every access along tokens is
//    the identity (no shifted, reversed or broadcast reads of other tokens);
//  - reshapes keep the token axis apart from every other dimension;
//  - slices along tokens read whole sequences, or read a table indexed by
//    position (a constant, not a token value);
//  - every op the analysis does not know is independent of the tokens.
//
// Values that depend on the position (linalg.index of a token loop,
// constants and slices with a token dimension) are recorded, so that a
// specialisation can recompute them at any position.
//
// The mask operands of attentions are left out: masks over [S, T] depend on
// positions of both queries and keys, and are proven separately
// (MaskAnalysis.h). Arguments used only by masks are reported as such.
//
//===----------------------------------------------------------------------===//

#ifndef QKVTIE_ANALYSIS_TOKENANALYSIS_H
#define QKVTIE_ANALYSIS_TOKENANALYSIS_H

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/SetVector.h"

#include <string>

namespace mlir::qkvtie {

class TokenAnalysis {
public:
  enum class ArgKind { Token, Param, Mask };

  /// Analyses `f`, which must hold at least one qkvtie.attention. On failure
  /// `why` says why the function is not token-parallel and `culprit` is the
  /// op to blame (or null).
  static FailureOr<TokenAnalysis> analyze(func::FuncOp f, std::string &why,
                                          Operation *&culprit);

  /// Tokens of the export: the attentions' sequence length.
  int64_t getLength() const { return length; }
  bool isToken(Value v, unsigned dim) const;
  bool isTokenLoop(Operation *op, unsigned loop) const;
  /// The ops the function's results need, attention masks excluded, in
  /// block order.
  ArrayRef<Operation *> getOps() const { return ops.getArrayRef(); }
  bool isNeeded(Operation *op) const { return ops.contains(op); }
  ArrayRef<ArgKind> getArgKinds() const { return argKinds; }
  ArrayRef<AttentionOp> getAttentions() const { return attentions; }
  /// Fewest positions a table read by position holds (INT64_MAX if none):
  /// the largest capacity the model defines.
  int64_t getPositionLimit() const { return positionLimit; }

private:
  unsigned node(Value v, unsigned dim);
  unsigned loopNode(Operation *op, unsigned loop);
  void link(unsigned a, unsigned b) { classes.unionSets(a, b); }
  bool inTokenClass(unsigned n) const;
  LogicalResult collect(func::FuncOp f);
  void linkOp(Operation *op);
  LogicalResult check(func::FuncOp f, std::string &why, Operation *&culprit);
  /// Lowers positionLimit to the rows of tables gathered at positions.
  void recordPositionGathers();

  int64_t length = 0;
  llvm::SetVector<Operation *> ops;
  SmallVector<AttentionOp> attentions;
  SmallVector<ArgKind> argKinds;
  llvm::DenseMap<std::pair<Value, unsigned>, unsigned> valueNodes;
  llvm::DenseMap<std::pair<Operation *, unsigned>, unsigned> loopNodes;
  llvm::EquivalenceClasses<unsigned> classes;
  unsigned tokenNode = 0;
  unsigned numNodes = 0;
  /// Ops whose links were not understood: they must not touch tokens.
  SmallVector<Operation *> opaque;
  /// Reshape groups that merge several non-unit dimensions.
  SmallVector<std::pair<Operation *, SmallVector<unsigned>>> merged;
  int64_t positionLimit = INT64_MAX;
};

/// Clones the ops of a token-parallel function for `tokens` tokens at
/// positions `position`, `position`+1, ...: token dimensions get the new
/// length, linalg.index of a token loop adds `position`, and tables read by
/// position are sliced there. Attentions are left to the caller.
class TokenSpecializer {
public:
  TokenSpecializer(const TokenAnalysis &analysis, OpBuilder &builder,
                   int64_t tokens, Value position, IRMapping &mapping)
      : analysis(analysis), b(builder), tokens(tokens), position(position),
        mapping(mapping) {}

  /// The type of `v` in the specialisation.
  Type retype(Value v) const;
  /// Clones `op` (operands already mapped). Fails for an op that cannot be
  /// specialised (the analysis should have rejected it).
  LogicalResult clone(Operation *op);

private:
  Value lookup(Value v, Type wanted);
  const TokenAnalysis &analysis;
  OpBuilder &b;
  int64_t tokens;
  Value position;
  IRMapping &mapping;
};

} // namespace mlir::qkvtie

#endif // QKVTIE_ANALYSIS_TOKENANALYSIS_H
