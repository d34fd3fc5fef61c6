//===- Report.cpp - JSON report of ties and KV-cache sizes ----------------===//
//
// The report is how a user sees what the compiler proved: it is computed
// from the IR alone, so running it after any pass shows that pass's effect.
//
//===----------------------------------------------------------------------===//

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"
#include "qkvtie/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"

#define DEBUG_TYPE "qkvtie-report"

namespace mlir::qkvtie {
#define GEN_PASS_DEF_QKVTIEREPORT
#include "qkvtie/Transforms/Passes.h.inc"
} // namespace mlir::qkvtie

using namespace mlir;
using namespace mlir::qkvtie;

namespace {

/// "file:line:col" of the first file location inside `loc`, so that names
/// and fused locations from frontends still point at the source.
std::string locationString(Location loc) {
  std::string s;
  loc->walk([&](Location inner) {
    if (auto file = dyn_cast<FileLineColLoc>(inner)) {
      s = llvm::formatv("{0}:{1}:{2}", file.getFilename().getValue(),
                        file.getLine(), file.getColumn());
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (s.empty()) {
    llvm::raw_string_ostream os(s);
    loc.print(os);
  }
  return s;
}

std::string attrString(Attribute attr) {
  std::string s;
  llvm::raw_string_ostream os(s);
  attr.print(os);
  return s;
}

std::string enclosingFunction(Operation *op) {
  if (auto fn = op->getParentOfType<FunctionOpInterface>())
    return fn.getName().str();
  return "";
}

/// JSON for the annotations qkvtie-fold-ties leaves on an op.
llvm::json::Value toJson(Attribute attr) {
  if (auto d = dyn_cast<DictionaryAttr>(attr)) {
    llvm::json::Object o;
    for (NamedAttribute n : d)
      o[n.getName().strref()] = toJson(n.getValue());
    return o;
  }
  if (auto a = dyn_cast<ArrayAttr>(attr)) {
    llvm::json::Array arr;
    for (Attribute e : a)
      arr.push_back(toJson(e));
    return arr;
  }
  if (auto i = dyn_cast<IntegerAttr>(attr))
    return i.getInt();
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValueAsDouble();
  if (auto s = dyn_cast<StringAttr>(attr))
    return s.str();
  if (auto a = dyn_cast<DenseI64ArrayAttr>(attr))
    return llvm::json::Array(a.asArrayRef());
  if (auto a = dyn_cast<DenseF64ArrayAttr>(attr))
    return llvm::json::Array(a.asArrayRef());
  return attrString(attr);
}

int64_t numElements(Value v) {
  return v ? cast<RankedTensorType>(v.getType()).getNumElements() : 0;
}

/// Fields every attention-like op reports.
/// `buffers`: distinct sources among k and v; fewer than the ties name
/// when k and v read different tensors.
void addCommon(llvm::json::Object &obj, Operation *op, TiesAttr ties,
               int64_t buffers, int64_t heads, int64_t kvHeads) {
  obj["op"] = op->getName().getStringRef().str();
  obj["location"] = locationString(op->getLoc());
  obj["function"] = enclosingFunction(op);
  obj["ties"] = attrString(ties);
  obj["variant"] = buffers == ties.getNumCacheBuffers()
                       ? ties.getVariantName().str()
                       : std::string("custom");
  obj["kv_cache_buffers"] = buffers;
  obj["num_heads"] = heads;
  obj["num_kv_heads"] = kvHeads;
  obj["query_heads_per_kv_head"] = heads / kvHeads;
}

llvm::json::Object reportAttention(AttentionOp op) {
  llvm::json::Object obj;
  addCommon(obj, op, op.getTies(), op.isKVShared() ? 1 : 2, op.getNumHeads(),
            op.getNumKvHeads());
  obj["head_dim"] = op.getHeadDim();
  obj["value_head_dim"] = op.getValueHeadDim();
  obj["mask"] = stringifyMaskKind(op.getMaskKind()).str();
  obj["rope"] = static_cast<bool>(op.getRopeCos());
  obj["element_type"] = attrString(TypeAttr::get(op.getElementType()));

  int64_t eltBytes = getElementByteSize(op.getElementType());
  int64_t params = 0;
  for (int64_t s = 0; s < op.getNumSlots(); ++s)
    params += numElements(op.getWeights()[s]) + numElements(op.getSlotBias(s));
  obj["projections"] = op.getNumSlots();
  obj["projection_params"] = params;
  obj["projection_bytes"] = params * eltBytes;
  obj["out_projection"] = static_cast<bool>(op.getOutWeight());
  // What qkvtie-fold-ties proved, and the op before it folded.
  for (StringRef name : {QKVTieDialect::ProofsAttrHelper::getNameStr(),
                         QKVTieDialect::BeforeAttrHelper::getNameStr(),
                         QKVTieDialect::NearMissesAttrHelper::getNameStr()})
    if (Attribute a = op->getAttr(name))
      obj[name.drop_front(QKVTieDialect::getDialectNamespace().size() + 1)] =
          toJson(a);
  if (!obj.get("proofs"))
    obj["proofs"] = llvm::json::Array();
  int64_t perToken = op.getCacheBytesPerToken();
  int64_t untied = op.getUntiedCacheBytesPerToken();
  obj["kv_cache_bytes_per_token"] = perToken;
  obj["kv_cache_bytes_per_token_untied"] = untied;
  obj["kv_cache_saving"] = untied ? 1.0 - double(perToken) / untied : 0.0;
  return obj;
}

llvm::json::Object reportCacheAttend(CacheAttendOp op) {
  llvm::json::Object obj;
  KVCacheType cache = op.getCacheType();
  addCommon(obj, op, op.getTies(), op.getTies().getNumCacheBuffers(),
            op.getNumHeads(), op.getNumKvHeads());
  obj["head_dim"] = cache.getHeadDim();
  obj["kv_cache_type"] = attrString(TypeAttr::get(cache));
  obj["kv_cache_bytes_per_token"] = cache.getBytesPerToken();
  obj["kv_cache_total_bytes"] = cache.getTotalBytes();
  return obj;
}

struct ReportPass : public qkvtie::impl::QKVTieReportBase<ReportPass> {
  using Base::Base;

  void runOnOperation() override {
    llvm::json::Array entries, decodeForms;
    int64_t perToken = 0, untied = 0;
    // Per function: attentions (layers) and their cache bytes per token.
    llvm::MapVector<StringRef, std::array<int64_t, 3>> functions;
    getOperation()->walk([&](func::FuncOp fn) {
      // A generated step's cache ops are the attentions of its function,
      // counted there: the step is summed up as a decode form.
      if (fn->hasAttr(QKVTieDialect::TokenInputsAttrHelper::getNameStr())) {
        if (!fn.getName().ends_with("_decode"))
          return;
        llvm::json::Object form;
        int64_t bytes = 0, total = 0, caches = 0, capacity = 0;
        for (Type t : fn.getArgumentTypes())
          if (auto c = dyn_cast<KVCacheType>(t)) {
            bytes += c.getBytesPerToken();
            total += c.getTotalBytes();
            capacity = c.getCapacity();
            ++caches;
          }
        StringRef base = fn.getName().drop_back(strlen("_decode"));
        form["function"] = base.str();
        form["decode"] = fn.getName().str();
        form["prefill"] = (base + "_prefill").str();
        form["caches"] = caches;
        form["capacity"] = capacity;
        form["kv_cache_bytes_per_token"] = bytes;
        form["kv_cache_bytes"] = total;
        decodeForms.push_back(std::move(form));
        return;
      }
      int64_t layer = 0;
      fn.walk([&](Operation *op) {
        auto &f = functions[fn.getName()];
        if (auto attn = dyn_cast<AttentionOp>(op)) {
          llvm::json::Object e = reportAttention(attn);
          e["layer"] = layer++;
          f[0] += 1;
          f[1] += attn.getCacheBytesPerToken();
          f[2] += attn.getUntiedCacheBytesPerToken();
          entries.push_back(std::move(e));
        } else if (auto attend = dyn_cast<CacheAttendOp>(op)) {
          llvm::json::Object e = reportCacheAttend(attend);
          e["layer"] = layer++;
          f[0] += 1;
          f[1] += attend.getCacheType().getBytesPerToken();
          f[2] += attend.getCacheType().getBytesPerToken();
          entries.push_back(std::move(e));
        }
      });
    });
    llvm::json::Object perFunction;
    for (auto &[name, f] : functions) {
      if (!f[0])
        continue;
      perToken += f[1];
      untied += f[2];
      perFunction[name] =
          llvm::json::Object{{"attentions", f[0]},
                             {"kv_cache_bytes_per_token", f[1]},
                             {"kv_cache_bytes_per_token_untied", f[2]}};
    }
    llvm::json::Object root;
    LLVM_DEBUG(llvm::dbgs()
               << "[" DEBUG_TYPE "] " << entries.size() << " attention(s), "
               << decodeForms.size() << " decode form(s)\n");
    root["attentions"] = std::move(entries);
    root["functions"] = std::move(perFunction);
    root["decode_forms"] = std::move(decodeForms);
    root["kv_cache_bytes_per_token"] = perToken;
    root["kv_cache_bytes_per_token_untied"] = untied;

    std::string error;
    std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(output, &error);
    if (!file) {
      getOperation().emitError("qkvtie-report: cannot open '")
          << output << "': " << error;
      return signalPassFailure();
    }
    file->os() << llvm::formatv("{0:2}", llvm::json::Value(std::move(root)))
               << "\n";
    file->keep();
    markAllAnalysesPreserved();
  }
};

} // namespace
