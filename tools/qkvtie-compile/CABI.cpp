//===- CABI.cpp - The C interface of a compiled QKVTie library ------------===//

#include "CABI.h"

#include "qkvtie/Dialect/QKVTie/IR/QKVTie.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace qkvtie_compile;

namespace {

FailureOr<std::string> cElementType(Type t) {
  if (t.isF32())
    return std::string("float");
  if (t.isF64())
    return std::string("double");
  if (t.isF16() || t.isBF16())
    return std::string("uint16_t");
  if (t.isInteger(1))
    return std::string("bool");
  if (t.isInteger(8))
    return std::string("int8_t");
  if (t.isInteger(16))
    return std::string("int16_t");
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
    FailureOr<std::string> elt = cElementType(cache.getElementType());
    if (failed(elt))
      return failure();
    return CValue{CValue::Cache, storage, *elt};
  }
  auto tensor = dyn_cast<RankedTensorType>(t);
  if (!tensor || !tensor.hasStaticShape() || tensor.getRank() > 5)
    return failure();
  FailureOr<std::string> elt = cElementType(tensor.getElementType());
  if (failed(elt))
    return failure();
  return CValue{CValue::Tensor, tensor, *elt};
}

std::string identifier(StringRef s) {
  std::string out;
  for (char c : s)
    out += llvm::isAlnum(c) ? c : '_';
  return out;
}

std::string dims(ArrayRef<int64_t> shape, const std::string &sep = ", ") {
  return llvm::join(
      llvm::map_range(shape, [](int64_t d) { return std::to_string(d); }), sep);
}

std::string cString(StringRef s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

int64_t elementBytes(Type t) {
  return t.isInteger(1) ? 1 : llvm::divideCeil(t.getIntOrFloatBitWidth(), 8);
}

/// Elements of `t` per token: the product of the dimensions after 1.
int64_t inner(RankedTensorType t) {
  int64_t n = 1;
  for (int64_t k = 2; k < t.getRank(); ++k)
    n *= t.getDimSize(k);
  return n;
}

std::string memref(const CValue &v) {
  return "memref" + std::to_string(v.tensor.getRank());
}

} // namespace

int64_t CValue::bytes() const {
  return tensor.getNumElements() * elementBytes(tensor.getElementType());
}

bool CFunction::takesCache() const {
  return llvm::any_of(args,
                      [](const CValue &a) { return a.kind == CValue::Cache; });
}

bool qkvtie_compile::isCIdentifier(StringRef s) {
  if (s.empty() || llvm::isDigit(s.front()))
    return false;
  return llvm::all_of(s, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

FailureOr<CInterface>
qkvtie_compile::collectInterface(ModuleOp module, StringRef prefix, bool cuda) {
  CInterface abi;
  abi.prefix = prefix.str();
  abi.cuda = cuda;
  // Sizes past 2^47 bytes cannot be allocated; checking here keeps every
  // size the shim computes far from overflow.
  constexpr int64_t kMaxBytes = int64_t(1) << 47;
  for (auto f : module.getOps<func::FuncOp>()) {
    if (f.isPrivate() || f.isExternal())
      continue;
    CFunction fn{f.getName().str(), {}, {}, {}, {}};
    for (auto [list, types, what] :
         {std::make_tuple(&fn.args, f.getArgumentTypes(), "argument"),
          std::make_tuple(&fn.results, f.getResultTypes(), "result")}) {
      for (auto [i, t] : llvm::enumerate(types)) {
        FailureOr<CValue> v = cValue(t);
        if (failed(v) || (v->kind == CValue::Index && list == &fn.results))
          return f.emitError("qkvtie-compile: ")
                 << what << " " << i << " of @" << f.getName() << " has type "
                 << t
                 << ", which has no C form: static tensors of rank 0 to 5 of "
                    "f32, f16, bf16, f64, i1, i8, i16, i32 or i64, index "
                    "arguments and KV caches";
        if (v->kind != CValue::Index) {
          ArrayRef<int64_t> shape = v->tensor.getShape();
          int64_t n = elementBytes(v->tensor.getElementType());
          for (int64_t d : shape)
            if (d != 0 && (llvm::MulOverflow(n, d, n) || n > kMaxBytes)) {
              return f.emitError("qkvtie-compile: ")
                     << what << " type " << t << " needs more than 2^47 bytes";
            }
        }
        list->push_back(*v);
      }
    }
    for (auto [list, key] :
         {std::make_pair(
              &fn.tokenInputs,
              qkvtie::QKVTieDialect::TokenInputsAttrHelper::getNameStr()),
          std::make_pair(
              &fn.inputs,
              qkvtie::QKVTieDialect::InputsAttrHelper::getNameStr())})
      if (auto attr = f->getAttrOfType<DenseI64ArrayAttr>(key))
        list->emplace(attr.asArrayRef().begin(), attr.asArrayRef().end());
    abi.functions.push_back(std::move(fn));
  }
  auto find = [&](const std::string &name) -> const CFunction * {
    for (const CFunction &fn : abi.functions)
      if (fn.name == name)
        return &fn;
    return nullptr;
  };
  for (auto f : module.getOps<func::FuncOp>()) {
    StringRef name = f.getName();
    if (!name.consume_back("_decode"))
      continue;
    const CFunction *decode = find(f.getName().str());
    const CFunction *prefill = find(name.str() + "_prefill");
    auto tokens = f->getAttrOfType<DenseI64ArrayAttr>(
        qkvtie::QKVTieDialect::TokenInputsAttrHelper::getNameStr());
    if (!decode || !prefill || !tokens || !decode->takesCache())
      continue;
    CSession s;
    s.entry = name.str();
    s.decode = decode;
    s.prefill = prefill;
    s.prepare = find(name.str() + "_prepare");
    s.tokenInputs.assign(tokens.asArrayRef().begin(),
                         tokens.asArrayRef().end());
    s.numInputs =
        llvm::find_if(decode->args,
                      [](const CValue &a) { return a.kind == CValue::Index; }) -
        decode->args.begin();
    for (unsigned i = 0; i < s.numInputs; ++i)
      if (!llvm::is_contained(s.tokenInputs, i))
        s.paramInputs.push_back(i);
    s.numCaches = llvm::count_if(
        decode->args, [](const CValue &a) { return a.kind == CValue::Cache; });
    s.numResults = decode->results.size() - s.numCaches;
    s.chunk = prefill->args[s.tokenInputs.front()].tensor.getDimSize(1);
    s.capacity = decode->args[s.numInputs + 1].tensor.getDimSize(3);
    abi.sessions.push_back(std::move(s));
  }
  return abi;
}

//===----------------------------------------------------------------------===//
// Header
//===----------------------------------------------------------------------===//

namespace {

std::string describe(const CValue &v, bool token = false) {
  if (v.kind == CValue::Index)
    return "index";
  SmallVector<std::string> d;
  for (auto [k, size] : llvm::enumerate(v.tensor.getShape()))
    d.push_back(token && k == 1 ? std::string("n") : std::to_string(size));
  std::string t;
  llvm::raw_string_ostream os(t);
  os << v.tensor.getElementType();
  return t + " [" + llvm::join(d, ", ") + "]";
}

std::string inParam(const CValue &a, unsigned i) {
  std::string in = "in" + std::to_string(i);
  return a.kind == CValue::Index ? "int64_t " + in
                                 : "const " + a.cType + " *" + in;
}

/// The session's token inputs and outputs, as C parameters.
SmallVector<std::string> sessionParams(const CSession &s) {
  SmallVector<std::string> params;
  for (int64_t i : s.tokenInputs)
    params.push_back(inParam(s.decode->args[i], i));
  for (unsigned i = 0; i < s.numResults; ++i)
    params.push_back(s.decode->results[i].cType + " *out" + std::to_string(i));
  return params;
}

bool isTokenResult(const CSession &s, unsigned i) {
  return s.prefill->results[i].tensor != s.decode->results[i].tensor;
}

} // namespace

void qkvtie_compile::writeHeader(raw_ostream &os, const CInterface &abi) {
  const std::string &p = abi.prefix;
  std::string guard = StringRef(identifier(p)).upper() + "_H";
  os << "/* Generated by qkvtie-compile.\n"
        " *\n"
        " * Every function that returns int returns 0 on success and 1 on an\n"
        " * error; "
     << p
     << "_last_error() then says why (per thread; NULL after a\n"
        " * success). Nothing here aborts the process: a failed run-time "
        "check\n"
        " * of the model (a token id outside the vocabulary, a position past\n"
        " * the cache) is an error of the call, whose outputs are then\n"
        " * undefined. Pointers must not be NULL. Tensors are dense row-major\n"
        " * buffers of the shapes listed; f16 and bf16 elements are uint16_t\n"
        " * bit patterns. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdbool.h>\n#include <stdint.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "const char *" << p << "_last_error(void);\n\n";
  if (abi.cuda)
    os << "/* Attention runs on the GPU (libqkvtie_cuda_runtime, beside this\n"
          " * library); without a driver or a GPU calls fail with the reason. "
          "*/\n"
       << "int " << p << "_gpu_available(void);\n"
       << "const char *" << p << "_gpu_error(void);\n\n";
  for (const CFunction &fn : abi.functions) {
    if (fn.takesCache())
      continue;
    std::string name = p + "_" + identifier(fn.name);
    os << "/* @" << fn.name << "\n";
    for (auto [i, a] : llvm::enumerate(fn.args))
      os << " *   in" << i << ": " << describe(a) << "\n";
    for (auto [i, r] : llvm::enumerate(fn.results))
      os << " *   out" << i << ": " << describe(r) << "\n";
    SmallVector<std::string> params;
    for (auto [i, a] : llvm::enumerate(fn.args))
      params.push_back(inParam(a, i));
    for (auto [i, r] : llvm::enumerate(fn.results))
      params.push_back(r.cType + " *out" + std::to_string(i));
    os << " */\nint " << name << "(" << llvm::join(params, ", ") << ");\n\n";
  }
  for (const CSession &s : abi.sessions) {
    std::string e = p + "_" + identifier(s.entry);
    int64_t bytes = 0;
    for (const CValue &a : s.decode->args)
      if (a.kind == CValue::Cache)
        bytes += a.bytes();
    os << "/* Generation over @" << s.entry << ": a session holds "
       << s.numCaches << " KV cache(s) (" << bytes << " bytes in all, "
       << s.capacity
       << " tokens) and\n * the position of the next token. Calls on one "
          "session must not overlap.\n"
       << " *   create: NULL on failure (see " << p << "_last_error); the\n"
       << " *     parameters, if any, are read on every call: keep them alive\n"
       << " *     and unchanged until free\n"
       << " *   free: a NULL or already freed session is ignored\n"
       << " *   position: tokens held, or -1 for a session that is not live\n"
       << " *   prefill: n >= 1 new tokens at the session's position\n"
       << " *   step: one new token (prefill with n = 1)\n";
    for (unsigned i = 0; i < s.numInputs; ++i) {
      bool token = llvm::is_contained(s.tokenInputs, i);
      os << " *   in" << i << ": " << describe(s.decode->args[i], token)
         << (token ? "" : " (a parameter, given to create)") << "\n";
    }
    for (unsigned i = 0; i < s.numResults; ++i)
      os << " *   out" << i << ": "
         << describe(s.decode->results[i], isTokenResult(s, i)) << "\n";
    SmallVector<std::string> createParams;
    for (unsigned i : s.paramInputs)
      createParams.push_back(inParam(s.decode->args[i], i));
    os << " */\ntypedef struct " << e << "_session " << e << "_session;\n"
       << e << "_session *" << e << "_session_create("
       << (createParams.empty() ? std::string("void")
                                : llvm::join(createParams, ", "))
       << ");\n"
       << "void " << e << "_session_free(" << e << "_session *s);\n"
       << "int64_t " << e << "_session_position(const " << e
       << "_session *s);\n"
       << "int64_t " << e << "_session_capacity(void);\n";
    SmallVector<std::string> params = sessionParams(s);
    os << "int " << e << "_session_prefill(" << e << "_session *s, int64_t n"
       << (params.empty() ? "" : ", ") << llvm::join(params, ", ") << ");\n"
       << "int " << e << "_session_step(" << e << "_session *s"
       << (params.empty() ? "" : ", ") << llvm::join(params, ", ") << ");\n\n";
  }
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
}

//===----------------------------------------------------------------------===//
// Shim
//===----------------------------------------------------------------------===//

namespace {

/// The declaration of `P_ciface_<fn>` and its results struct.
void writeDecl(raw_ostream &os, const CFunction &fn, StringRef p) {
  std::string name = p.str() + "_" + identifier(fn.name);
  os << "typedef struct { ";
  for (auto [i, r] : llvm::enumerate(fn.results))
    os << memref(r) << " r" << i << "; ";
  if (fn.results.empty())
    os << "int unused; ";
  os << "} " << name << "_results;\n";
  SmallVector<std::string> decl;
  if (fn.results.size() == 1)
    decl.push_back(memref(fn.results[0]) + " *");
  else if (fn.results.size() > 1)
    decl.push_back(name + "_results *");
  for (const CValue &a : fn.args)
    decl.push_back(a.kind == CValue::Index ? std::string("int64_t")
                                           : memref(a) + " *");
  os << "void " << p << "_ciface_" << fn.name << "(" << llvm::join(decl, ", ")
     << ");\n";
}

/// `P_ciface_<fn>(&res, args...)`.
std::string callText(const CFunction &fn, StringRef p, StringRef res,
                     ArrayRef<std::string> args) {
  SmallVector<std::string> call;
  if (fn.results.size() == 1)
    call.push_back(("&" + res + ".r0").str());
  else if (fn.results.size() > 1)
    call.push_back(("&" + res).str());
  call.append(args.begin(), args.end());
  return (p + "_ciface_" + fn.name + "(" + llvm::join(call, ", ") + ");").str();
}

void writeCommon(raw_ostream &os, const CInterface &abi, StringRef header) {
  const std::string &p = abi.prefix;
  os << "#include \"" << header << "\"\n#include <pthread.h>\n"
     << "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n";
  os << "typedef struct { void *allocated, *aligned; int64_t offset; } "
        "memref0;\n";
  for (int r = 1; r <= 5; ++r)
    os << "typedef struct { void *allocated, *aligned; int64_t offset, sizes["
       << r << "], strides[" << r << "]; } memref" << r << ";\n";
  os << "\nstatic _Thread_local char " << p << "_error[512];\n"
     << "static _Thread_local int32_t " << p << "_check;\n"
     << "static const char *const " << p << "_messages[] = {";
  for (const std::string &m : abi.checkMessages)
    os << cString(m) << ", ";
  os << "NULL};\n"
     << "enum { " << p << "_num_messages = " << abi.checkMessages.size()
     << " };\n\n";
  if (abi.cuda)
    os << "int qkvtie_cuda_available(void);\n"
       << "const char *qkvtie_cuda_error(void);\n"
       << "void qkvtie_cuda_clear_error(void);\n"
       << "int " << p
       << "_gpu_available(void) { return qkvtie_cuda_available(); }\n"
       << "const char *" << p
       << "_gpu_error(void) { return qkvtie_cuda_error(); }\n\n";
  os << "/* Called by the compiled code for a failed run-time check. */\n"
     << "__attribute__((visibility(\"hidden\"))) void " << p
     << "_rt_check_failed(int32_t code) {\n  if (!" << p << "_check) " << p
     << "_check = code + 1;\n}\n"
     << "static const char *" << p << "_message(int32_t c) {\n"
     << "  return c > 0 && c <= " << p << "_num_messages ? " << p
     << "_messages[c - 1] : \"run-time check failed\";\n}\n"
     << "static int " << p << "_fail(const char *fn, const char *why) {\n"
     << "  snprintf(" << p << "_error, sizeof " << p
     << "_error, \"%s: %s\", fn, why);\n  return 1;\n}\n"
     << "/* After a call into compiled code: its first failed check. */\n"
     << "static int " << p << "_finish(const char *fn) {\n"
     << "  int32_t c = " << p << "_check;\n  " << p << "_check = 0;\n"
     << "  if (c) return " << p << "_fail(fn, " << p << "_message(c));\n";
  if (abi.cuda)
    os << "  if (qkvtie_cuda_error()) return " << p
       << "_fail(fn, qkvtie_cuda_error());\n";
  os << "  return 0;\n}\n"
     << "const char *" << p << "_last_error(void) {\n  return " << p
     << "_error[0] ? " << p << "_error : NULL;\n}\n"
     << "/* For callers of the C interface (the Python package): the failed\n"
        " * check of the last call on this thread, or NULL; clears it. */\n"
     << "const char *" << p << "_take_check_failure(void) {\n"
     << "  int32_t c = " << p << "_check;\n  " << p << "_check = 0;\n"
     << "  return c ? " << p << "_message(c) : NULL;\n}\n"
     << "static void " << p
     << "_view(void *data, int rank, const int64_t *shape, void *desc) {\n"
     << "  memref5 *d = desc; /* the first fields of every rank agree */\n"
     << "  int64_t *sizes = &d->offset + 1, *strides = sizes + rank, s = 1;\n"
     << "  d->allocated = d->aligned = data; d->offset = 0;\n"
     << "  for (int i = rank - 1; i >= 0; --i) { sizes[i] = shape[i]; "
        "strides[i] = s; s *= shape[i]; }\n}\n"
     << "/* Frees a result buffer unless it is one of `keep` (the caller's or\n"
        " * the session's buffers) or was freed already: a function may "
        "return\n"
        " * its argument, or one tensor twice. */\n"
     << "static void " << p
     << "_release(void *ptr, void *const *keep, int nkeep, void **freed, "
        "int *nfreed) {\n"
     << "  if (!ptr) return;\n"
     << "  for (int i = 0; i < nkeep; ++i) if (keep[i] == ptr) return;\n"
     << "  for (int i = 0; i < *nfreed; ++i) if (freed[i] == ptr) return;\n"
     << "  free(ptr);\n  freed[(*nfreed)++] = ptr;\n}\n"
     << "/* The result's elements, for copying out. */\n"
     << "static const char *" << p << "_data(const void *desc, size_t elt) {\n"
     << "  const memref0 *d = desc;\n"
     << "  return (const char *)d->aligned + d->offset * elt;\n}\n\n";
}

void writeFunction(raw_ostream &os, const CFunction &fn,
                   const CInterface &abi) {
  const std::string &p = abi.prefix;
  std::string name = p + "_" + identifier(fn.name);
  SmallVector<std::string> params;
  for (auto [i, a] : llvm::enumerate(fn.args))
    params.push_back(inParam(a, i));
  for (auto [i, r] : llvm::enumerate(fn.results))
    params.push_back(r.cType + " *out" + std::to_string(i));
  os << "int " << name << "(" << llvm::join(params, ", ") << ") {\n"
     << "  static const char fn[] = \"" << name << "\";\n"
     << "  " << p << "_error[0] = 0;\n";
  for (auto [i, a] : llvm::enumerate(fn.args))
    if (a.kind == CValue::Tensor)
      os << "  if (!in" << i << ") return " << p << "_fail(fn, \"in" << i
         << " is NULL\");\n";
  for (auto [i, r] : llvm::enumerate(fn.results))
    os << "  if (!out" << i << ") return " << p << "_fail(fn, \"out" << i
       << " is NULL\");\n";
  if (abi.cuda)
    os << "  qkvtie_cuda_clear_error();\n";
  SmallVector<std::string> args, keep;
  for (auto [i, a] : llvm::enumerate(fn.args)) {
    std::string in = "in" + std::to_string(i);
    if (a.kind == CValue::Index) {
      args.push_back(in);
      continue;
    }
    int64_t rank = a.tensor.getRank();
    os << "  static const int64_t s" << i << "[" << std::max<int64_t>(rank, 1)
       << "] = {" << (rank ? dims(a.tensor.getShape()) : "0") << "};\n  "
       << memref(a) << " a" << i << ";\n  " << p << "_view((void *)" << in
       << ", " << rank << ", s" << i << ", &a" << i << ");\n";
    args.push_back("&a" + std::to_string(i));
    keep.push_back("(void *)" + in);
  }
  os << "  " << name << "_results res;\n  " << callText(fn, p, "res", args)
     << "\n  int bad = " << p << "_finish(fn);\n";
  os << "  void *keep[] = {" << (keep.empty() ? "NULL" : llvm::join(keep, ", "))
     << "}, *freed[" << std::max<size_t>(fn.results.size(), 1)
     << "];\n  int nfreed = 0;\n";
  // Every result is copied before any is freed: results may share a buffer.
  for (auto [i, r] : llvm::enumerate(fn.results))
    os << "  if (!bad) memcpy(out" << i << ", " << p << "_data(&res.r" << i
       << ", sizeof(" << r.cType << ")), " << r.bytes() << ");\n";
  for (unsigned i = 0; i < fn.results.size(); ++i)
    os << "  " << p << "_release(res.r" << i << ".allocated, keep, "
       << keep.size() << ", freed, &nfreed);\n";
  os << "  (void)keep; (void)freed; (void)nfreed;\n  return bad;\n}\n\n";
}

void writeSession(raw_ostream &os, const CSession &s, const CInterface &abi) {
  const std::string &p = abi.prefix;
  std::string e = p + "_" + identifier(s.entry);
  std::string S = e + "_session";
  unsigned numPrepared = s.prepare ? s.prepare->results.size() : 0;
  // Prepared values of any rank live in memref5 storage: the fields a
  // rank-r descriptor has come first in every rank.
  os << "struct " << S << " {\n  struct " << S
     << " *next;\n  int64_t position;\n  memref5 caches["
     << std::max(s.numCaches, 1u) << "];\n  memref5 prepared["
     << std::max(numPrepared, 1u) << "];\n  const void *params["
     << std::max(s.numInputs, 1u) << "];\n  void *stage["
     << std::max(s.numInputs, 1u) << "];\n};\n"
     << "static pthread_mutex_t " << S << "_lock = PTHREAD_MUTEX_INITIALIZER;\n"
     << "static " << S << " *" << S << "_live;\n"
     << "static int " << S << "_is_live(const " << S << " *s) {\n"
     << "  int found = 0;\n  pthread_mutex_lock(&" << S << "_lock);\n"
     << "  for (" << S << " *l = " << S
     << "_live; l && !found; l = l->next) found = l == s;\n"
     << "  pthread_mutex_unlock(&" << S << "_lock);\n  return s && found;\n}\n"
     << "int64_t " << S << "_capacity(void) { return " << s.capacity << "; }\n"
     << "int64_t " << S << "_position(const " << S << " *s) {\n  return " << S
     << "_is_live(s) ? s->position : -1;\n}\n";

  // Free.
  os << "static void " << S << "_destroy(" << S << " *s) {\n"
     << "  for (int i = 0; i < " << s.numCaches
     << "; ++i) free(s->caches[i].allocated);\n"
     << "  for (int i = 0; i < " << numPrepared
     << "; ++i) free(s->prepared[i].allocated);\n"
     << "  for (int i = 0; i < " << s.numInputs
     << "; ++i) free(s->stage[i]);\n  free(s);\n}\n"
     << "void " << S << "_free(" << S << " *s) {\n  int found = 0;\n"
     << "  pthread_mutex_lock(&" << S << "_lock);\n"
     << "  for (" << S << " **l = &" << S << "_live; *l; l = &(*l)->next)\n"
     << "    if (*l == s) { *l = s->next; found = 1; break; }\n"
     << "  pthread_mutex_unlock(&" << S << "_lock);\n"
     << "  if (found) " << S << "_destroy(s);\n}\n";

  // Create.
  SmallVector<std::string> createParams;
  for (unsigned i : s.paramInputs)
    createParams.push_back(inParam(s.decode->args[i], i));
  os << S << " *" << S << "_create("
     << (createParams.empty() ? std::string("void")
                              : llvm::join(createParams, ", "))
     << ") {\n"
     << "  static const char fn[] = \"" << S << "_create\";\n  " << p
     << "_error[0] = 0;\n";
  for (unsigned i : s.paramInputs)
    if (s.decode->args[i].kind == CValue::Tensor)
      os << "  if (!in" << i << ") { " << p << "_fail(fn, \"in" << i
         << " is NULL\"); return NULL; }\n";
  os << "  " << S << " *s = calloc(1, sizeof *s);\n"
     << "  if (!s) { " << p << "_fail(fn, \"out of memory\"); return NULL; }\n";
  for (unsigned i : s.paramInputs)
    os << "  s->params[" << i << "] = "
       << (s.decode->args[i].kind == CValue::Index ? "(const void *)(intptr_t)"
                                                   : "")
       << "in" << i << ";\n";
  unsigned c = 0;
  for (const CValue &a : s.decode->args) {
    if (a.kind != CValue::Cache)
      continue;
    os << "  {\n    static const int64_t shape[5] = {"
       << dims(a.tensor.getShape()) << "};\n    void *buf = calloc("
       << a.tensor.getNumElements() << ", sizeof(" << a.cType << "));\n"
       << "    if (!buf) { " << S << "_destroy(s); " << p
       << "_fail(fn, \"out of memory for a KV cache of " << a.bytes()
       << " bytes\"); return NULL; }\n    " << p
       << "_view(buf, 5, shape, &s->caches[" << c++ << "]);\n  }\n";
  }
  for (int64_t i : s.tokenInputs) {
    const CValue &a = s.prefill->args[i];
    if (a.tensor.getDimSize(0) == 1)
      continue; // a single row: chunks are views of the caller's buffer
    os << "  s->stage[" << i << "] = malloc(" << a.bytes() << ");\n"
       << "  if (!s->stage[" << i << "]) { " << S << "_destroy(s); " << p
       << "_fail(fn, \"out of memory\"); return NULL; }\n";
  }
  if (s.prepare) {
    // Computed once: RoPE tables, weights in the kernels' layout.
    SmallVector<std::string> args;
    for (auto [k, i] : llvm::enumerate(s.paramInputs)) {
      const CValue &a = s.decode->args[i];
      if (a.kind == CValue::Index) {
        args.push_back("(int64_t)(intptr_t)s->params[" + std::to_string(i) +
                       "]");
        continue;
      }
      int64_t rank = a.tensor.getRank();
      os << "  static const int64_t ps" << i << "["
         << std::max<int64_t>(rank, 1) << "] = {"
         << (rank ? dims(a.tensor.getShape()) : "0") << "};\n  " << memref(a)
         << " pa" << i << ";\n  " << p << "_view((void *)s->params[" << i
         << "], " << rank << ", ps" << i << ", &pa" << i << ");\n";
      args.push_back("&pa" + std::to_string(i));
    }
    os << "  {\n    " << p << "_" << identifier(s.prepare->name)
       << "_results r;\n    " << callText(*s.prepare, p, "r", args) << "\n";
    for (unsigned k = 0; k < numPrepared; ++k)
      os << "    memcpy(&s->prepared[" << k << "], &r.r" << k << ", sizeof("
         << memref(s.prepare->results[k]) << "));\n";
    os << "    if (" << p << "_finish(fn)) { " << S
       << "_destroy(s); return NULL; }\n  }\n";
  }
  os << "  pthread_mutex_lock(&" << S << "_lock);\n  s->next = " << S
     << "_live;\n  " << S << "_live = s;\n  pthread_mutex_unlock(&" << S
     << "_lock);\n  return s;\n}\n";

  // Run n tokens.
  SmallVector<std::string> params = sessionParams(s);
  SmallVector<std::string> names;
  for (int64_t i : s.tokenInputs)
    names.push_back("in" + std::to_string(i));
  for (unsigned i = 0; i < s.numResults; ++i)
    names.push_back("out" + std::to_string(i));
  os << "static int " << S << "_run(const char *fn, " << S << " *s, int64_t n"
     << (params.empty() ? "" : ", ") << llvm::join(params, ", ") << ") {\n  "
     << p << "_error[0] = 0;\n"
     << "  if (!" << S << "_is_live(s)) return " << p
     << "_fail(fn, \"not a live session (NULL, or freed)\");\n";
  for (int64_t i : s.tokenInputs)
    if (s.decode->args[i].kind == CValue::Tensor)
      os << "  if (!in" << i << ") return " << p << "_fail(fn, \"in" << i
         << " is NULL\");\n";
  for (unsigned i = 0; i < s.numResults; ++i)
    os << "  if (!out" << i << ") return " << p << "_fail(fn, \"out" << i
       << " is NULL\");\n";
  os << "  if (n < 1) return " << p << "_fail(fn, \"n must be at least 1\");\n"
     << "  if (n > " << s.capacity << " - s->position) {\n    char why[160];\n"
     << "    snprintf(why, sizeof why, \"%lld token(s) at position %lld do not "
        "fit in the KV cache (%d tokens)\", (long long)n, (long long)"
        "s->position, "
     << s.capacity << ");\n    return " << p << "_fail(fn, why);\n  }\n";
  if (abi.cuda)
    os << "  qkvtie_cuda_clear_error();\n";
  os << "  for (int64_t t = 0; t < n;) {\n    int64_t c = n - t >= " << s.chunk
     << " ? " << s.chunk << " : 1;\n    int bad;\n";
  // One block per step function: their descriptor types differ.
  for (const CFunction *step : {s.prefill, s.decode}) {
    bool isPrefill = step == s.prefill;
    if (s.prefill == s.decode && !isPrefill)
      continue;
    os << "    "
       << (isPrefill ? "if (c == " + std::to_string(s.chunk) + ")"
                     : std::string("else"))
       << " {\n";
    SmallVector<std::string> args, keep;
    for (unsigned i = 0; i < s.numInputs; ++i) {
      const CValue &a = step->args[i];
      bool token = llvm::is_contained(s.tokenInputs, i);
      std::string in = token ? "in" + std::to_string(i)
                             : "s->params[" + std::to_string(i) + "]";
      if (a.kind == CValue::Index) {
        args.push_back(token ? in : "(int64_t)(intptr_t)" + in);
        continue;
      }
      int64_t rank = a.tensor.getRank();
      std::string src = "(void *)" + in;
      if (llvm::is_contained(s.tokenInputs, i)) {
        int64_t rows = a.tensor.getDimSize(0), per = inner(a.tensor);
        std::string elt = "sizeof(" + a.cType + ")";
        if (rows == 1) {
          src = "(void *)((const char *)" + in + " + t * " +
                std::to_string(per) + " * " + elt + ")";
        } else {
          os << "      for (int64_t b = 0; b < " << rows
             << "; ++b) memcpy((char *)s->stage[" << i << "] + b * c * " << per
             << " * " << elt << ", (const char *)" << in << " + (b * n + t) * "
             << per << " * " << elt << ", c * " << per << " * " << elt
             << ");\n";
          src = "s->stage[" + std::to_string(i) + "]";
        }
      }
      os << "      static const int64_t s" << i << "["
         << std::max<int64_t>(rank, 1) << "] = {"
         << (rank ? dims(a.tensor.getShape()) : "0") << "};\n      "
         << memref(a) << " a" << i << ";\n      " << p << "_view(" << src
         << ", " << rank << ", s" << i << ", &a" << i << ");\n";
      args.push_back("&a" + std::to_string(i));
      keep.push_back("(void *)" + in);
    }
    args.push_back("s->position");
    for (unsigned k = 0; k < s.numCaches; ++k) {
      args.push_back("&s->caches[" + std::to_string(k) + "]");
    }
    for (unsigned k = 0; k < numPrepared; ++k)
      args.push_back("(" + memref(s.prepare->results[k]) + " *)&s->prepared[" +
                     std::to_string(k) + "]");
    os << "      " << p << "_" << identifier(step->name)
       << "_results res;\n      " << callText(*step, p, "res", args)
       << "\n      bad = " << p << "_finish(fn);\n";
    // Caches come back in place; a copy replaces the session's buffer.
    for (unsigned k = 0; k < s.numCaches; ++k) {
      std::string r = "res.r" + std::to_string(s.numResults + k);
      std::string mine = "s->caches[" + std::to_string(k) + "]";
      os << "      if (" << r << ".allocated != " << mine
         << ".allocated) { free(" << mine << ".allocated); memcpy(&" << mine
         << ", &" << r << ", sizeof(memref5)); }\n";
      keep.push_back(mine + ".allocated");
    }
    for (unsigned k = 0; k < numPrepared; ++k)
      keep.push_back("s->prepared[" + std::to_string(k) + "].allocated");
    os << "      void *keep[] = {" << llvm::join(keep, ", ") << "}, *freed["
       << std::max(s.numResults, 1u) << "];\n      int nfreed = 0;\n";
    for (unsigned i = 0; i < s.numResults; ++i) {
      const CValue &r = step->results[i];
      std::string res = "res.r" + std::to_string(i);
      std::string elt = "sizeof(" + r.cType + ")";
      if (isTokenResult(s, i)) {
        int64_t rows = r.tensor.getDimSize(0), per = inner(r.tensor);
        os << "      if (!bad) for (int64_t b = 0; b < " << rows
           << "; ++b) memcpy((char *)out" << i << " + (b * n + t) * " << per
           << " * " << elt << ", " << p << "_data(&" << res << ", " << elt
           << ") + b * c * " << per << " * " << elt << ", c * " << per << " * "
           << elt << ");\n";
      } else {
        os << "      if (!bad) memcpy(out" << i << ", " << p << "_data(&" << res
           << ", " << elt << "), " << r.bytes() << ");\n";
      }
    }
    for (unsigned i = 0; i < s.numResults; ++i)
      os << "      " << p << "_release(res.r" << i << ".allocated, keep, "
         << keep.size() << ", freed, &nfreed);\n";
    os << "      (void)freed; (void)nfreed;\n    }\n";
  }
  os << "    if (bad) return 1;\n    s->position += c;\n    t += c;\n  }\n"
     << "  return 0;\n}\n";
  std::string names0 = llvm::join(names, ", ");
  os << "int " << S << "_prefill(" << S << " *s, int64_t n"
     << (params.empty() ? "" : ", ") << llvm::join(params, ", ")
     << ") {\n  return " << S << "_run(\"" << S << "_prefill\", s, n"
     << (names.empty() ? "" : ", ") << names0 << ");\n}\n"
     << "int " << S << "_step(" << S << " *s" << (params.empty() ? "" : ", ")
     << llvm::join(params, ", ") << ") {\n  return " << S << "_run(\"" << S
     << "_step\", s, 1" << (names.empty() ? "" : ", ") << names0 << ");\n}\n\n";
}

} // namespace

void qkvtie_compile::writeShim(raw_ostream &os, const CInterface &abi,
                               StringRef headerName) {
  writeCommon(os, abi, headerName);
  for (const CFunction &fn : abi.functions)
    writeDecl(os, fn, abi.prefix);
  os << "\n";
  for (const CFunction &fn : abi.functions)
    if (!fn.takesCache())
      writeFunction(os, fn, abi);
  for (const CSession &s : abi.sessions)
    writeSession(os, s, abi);
}

void qkvtie_compile::writeDescription(raw_ostream &os, const CInterface &abi) {
  llvm::json::OStream j(os, /*IndentSize=*/1);
  auto value = [&](const CValue &v) {
    j.object([&] {
      j.attribute("kind", v.kind == CValue::Tensor  ? "tensor"
                          : v.kind == CValue::Cache ? "cache"
                                                    : "index");
      if (v.kind == CValue::Index)
        return;
      std::string elt;
      llvm::raw_string_ostream(elt) << v.tensor.getElementType();
      j.attribute("dtype", elt);
      j.attributeArray("shape", [&] {
        for (int64_t d : v.tensor.getShape())
          j.value(d);
      });
    });
  };
  j.object([&] {
    j.attribute("prefix", abi.prefix);
    j.attribute("target", abi.cuda ? "cuda" : "cpu");
    j.attributeObject("functions", [&] {
      for (const CFunction &fn : abi.functions)
        j.attributeObject(fn.name, [&] {
          j.attributeArray("args", [&] { llvm::for_each(fn.args, value); });
          j.attributeArray("results",
                           [&] { llvm::for_each(fn.results, value); });
          for (const auto &field :
               {std::make_pair(&fn.tokenInputs, "token_inputs"),
                std::make_pair(&fn.inputs, "inputs")})
            if (const std::optional<std::vector<int64_t>> &list = *field.first)
              j.attributeArray(field.second, [&] {
                for (int64_t i : *list)
                  j.value(i);
              });
        });
    });
  });
  os << "\n";
}
