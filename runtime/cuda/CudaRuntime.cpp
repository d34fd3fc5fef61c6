//===- CudaRuntime.cpp - The GPU runtime calls of compiled models ---------===//
//
// Code lowered by qkvtie-lower-to-llvm-cuda calls MLIR's GPU runtime ABI
// (mgpuModuleLoad, mgpuLaunchKernel, mgpuMemAlloc, ...). This library
// implements it on the CUDA driver API, loaded with dlopen, so that a model
// built on a machine without a GPU links here and runs on one that has only
// the NVIDIA driver: no LLVM, MLIR or CUDA toolkit at run time. It also
// provides memrefCopy, which MLIR's own runner utilities would otherwise
// bring in with all of libMLIR.
//
// Errors do not abort: the first one is kept (qkvtie_cuda_error), later GPU
// calls do nothing until it is cleared, and the C ABI that qkvtie-compile
// writes clears it on entry and returns non-zero if a call set it. A module
// that failed to load when the library was loaded (no GPU then) makes every
// launch of its kernels an error that says why.
//
//===----------------------------------------------------------------------===//

#include <dlfcn.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

namespace {

// The driver API's types and the few constants used, as in cuda.h; the
// entry points are resolved by name (the _v2 ones are what cuda.h maps to).
using CUresult = int;
using CUdevice = int;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUdeviceptr = unsigned long long;
constexpr int kJitErrorLogBuffer = 5;
constexpr int kJitErrorLogBufferSize = 6;
constexpr unsigned kMemAttachGlobal = 1;

struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                                 void **);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuGetErrorString)(CUresult, const char **);
};

std::mutex mutex;
std::string error;
/// Why the last module load failed: launches of its kernels report it.
std::string loadError;
Driver driver;
CUcontext context = nullptr;
bool initialised = false;

void fail(const char *format, ...) {
  if (!error.empty())
    return;
  char buffer[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  error = buffer;
}

/// Loads the driver and makes the first device's primary context current;
/// false (with the reason in `error`) when there is no driver or no device.
bool ready() {
  std::lock_guard<std::mutex> lock(mutex);
  if (!error.empty())
    return false;
  if (initialised)
    return driver.cuCtxSetCurrent(context) == 0;
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fail("qkvtie: no CUDA driver (libcuda.so.1: %s)", dlerror());
    return false;
  }
  struct Entry {
    void **slot;
    const char *name;
  } entries[] = {
#define QKVTIE_ENTRY(field, name)                                              \
  {reinterpret_cast<void **>(&driver.field), name}
      QKVTIE_ENTRY(cuInit, "cuInit"),
      QKVTIE_ENTRY(cuDeviceGetCount, "cuDeviceGetCount"),
      QKVTIE_ENTRY(cuDeviceGet, "cuDeviceGet"),
      QKVTIE_ENTRY(cuDeviceGetName, "cuDeviceGetName"),
      QKVTIE_ENTRY(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain"),
      QKVTIE_ENTRY(cuCtxSetCurrent, "cuCtxSetCurrent"),
      QKVTIE_ENTRY(cuModuleLoadData, "cuModuleLoadData"),
      QKVTIE_ENTRY(cuModuleLoadDataEx, "cuModuleLoadDataEx"),
      QKVTIE_ENTRY(cuModuleUnload, "cuModuleUnload"),
      QKVTIE_ENTRY(cuModuleGetFunction, "cuModuleGetFunction"),
      QKVTIE_ENTRY(cuLaunchKernel, "cuLaunchKernel"),
      QKVTIE_ENTRY(cuStreamCreate, "cuStreamCreate"),
      QKVTIE_ENTRY(cuStreamDestroy, "cuStreamDestroy_v2"),
      QKVTIE_ENTRY(cuStreamSynchronize, "cuStreamSynchronize"),
      QKVTIE_ENTRY(cuMemAlloc, "cuMemAlloc_v2"),
      QKVTIE_ENTRY(cuMemAllocManaged, "cuMemAllocManaged"),
      QKVTIE_ENTRY(cuMemFree, "cuMemFree_v2"),
      QKVTIE_ENTRY(cuMemcpyAsync, "cuMemcpyAsync"),
      QKVTIE_ENTRY(cuGetErrorString, "cuGetErrorString"),
#undef QKVTIE_ENTRY
  };
  for (Entry &e : entries)
    if (!(*e.slot = dlsym(lib, e.name))) {
      fail("qkvtie: the CUDA driver lacks %s", e.name);
      return false;
    }
  int count = 0;
  CUdevice device = 0;
  if (driver.cuInit(0) != 0 || driver.cuDeviceGetCount(&count) != 0 ||
      count == 0) {
    fail("qkvtie: the CUDA driver found no GPU");
    return false;
  }
  if (driver.cuDeviceGet(&device, 0) != 0 ||
      driver.cuDevicePrimaryCtxRetain(&context, device) != 0 ||
      driver.cuCtxSetCurrent(context) != 0) {
    fail("qkvtie: cannot create a CUDA context on device 0");
    return false;
  }
  initialised = true;
  return true;
}

/// Records a failed driver call; true if `result` is success.
bool check(CUresult result, const char *what) {
  if (result == 0)
    return true;
  const char *name = nullptr;
  if (driver.cuGetErrorString)
    driver.cuGetErrorString(result, &name);
  std::lock_guard<std::mutex> lock(mutex);
  fail("qkvtie: %s failed: %s (CUDA error %d)", what, name ? name : "unknown",
       result);
  return false;
}

} // namespace

extern "C" {

/// 1 if a CUDA driver and a GPU are present, else 0 (and the reason in
/// qkvtie_cuda_error).
int qkvtie_cuda_available(void) { return ready() ? 1 : 0; }

/// The first error since the last qkvtie_cuda_clear_error, or NULL.
const char *qkvtie_cuda_error(void) {
  std::lock_guard<std::mutex> lock(mutex);
  return error.empty() ? nullptr : error.c_str();
}

void qkvtie_cuda_clear_error(void) {
  std::lock_guard<std::mutex> lock(mutex);
  error.clear();
}

/// Name of device 0 into `name` (at most `size` bytes); 0 on success.
int qkvtie_cuda_device_name(char *name, int size) {
  CUdevice device = 0;
  if (!ready() || !check(driver.cuDeviceGet(&device, 0), "cuDeviceGet"))
    return 1;
  return check(driver.cuDeviceGetName(name, size, device), "cuDeviceGetName")
             ? 0
             : 1;
}

// MLIR's GPU runtime ABI (mlir/lib/ExecutionEngine/CudaRuntimeWrappers.cpp).

/// Remembers why `module` is null, for the launches that follow.
static CUmodule loaded(CUmodule module) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!module)
    loadError = error.empty() ? "unknown error" : error;
  return module;
}

CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  CUmodule module = nullptr;
  if (ready())
    check(driver.cuModuleLoadData(&module, data), "loading the kernels");
  return loaded(module);
}

CUmodule mgpuModuleLoadJIT(void *data, int /*optLevel*/) {
  CUmodule module = nullptr;
  if (!ready())
    return nullptr;
  char log[4096] = {0};
  int options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSize};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log))};
  CUresult r = driver.cuModuleLoadDataEx(&module, data, 2, options, values);
  if (r != 0) {
    std::lock_guard<std::mutex> lock(mutex);
    fail("qkvtie: the driver could not compile the kernels' PTX (CUDA error "
         "%d): %s",
         r, log);
  }
  return loaded(module);
}

void mgpuModuleUnload(CUmodule module) {
  if (module && initialised)
    driver.cuModuleUnload(module);
}

static void notLoaded() {
  std::lock_guard<std::mutex> lock(mutex);
  fail("qkvtie: the GPU kernels were not loaded: %s", loadError.c_str());
}

CUfunction mgpuModuleGetFunction(CUmodule module, const char *name) {
  CUfunction function = nullptr;
  if (!module)
    notLoaded();
  else if (ready())
    check(driver.cuModuleGetFunction(&function, module, name), name);
  return function;
}

void mgpuLaunchKernel(CUfunction function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, CUstream stream,
                      void **params, void ** /*extra*/, size_t /*count*/) {
  if (!function)
    notLoaded();
  if (!function || !ready())
    return;
  check(driver.cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                              blockZ, smem, stream, params, nullptr),
        "launching a kernel");
}

CUstream mgpuStreamCreate() {
  CUstream stream = nullptr;
  if (ready())
    check(driver.cuStreamCreate(&stream, /*CU_STREAM_NON_BLOCKING=*/1),
          "cuStreamCreate");
  return stream;
}

void mgpuStreamDestroy(CUstream stream) {
  if (stream && initialised)
    driver.cuStreamDestroy(stream);
}

void mgpuStreamSynchronize(CUstream stream) {
  if (stream && ready())
    check(driver.cuStreamSynchronize(stream), "running the kernels");
}

void *mgpuMemAlloc(uint64_t bytes, CUstream /*stream*/, bool hostShared) {
  CUdeviceptr ptr = 0;
  if (bytes == 0 || !ready())
    return nullptr;
  if (hostShared)
    check(driver.cuMemAllocManaged(&ptr, bytes, kMemAttachGlobal),
          "cuMemAllocManaged");
  else
    check(driver.cuMemAlloc(&ptr, bytes), "allocating device memory");
  return reinterpret_cast<void *>(ptr);
}

void mgpuMemFree(void *ptr, CUstream /*stream*/) {
  if (ptr && initialised)
    driver.cuMemFree(reinterpret_cast<CUdeviceptr>(ptr));
}

void mgpuMemcpy(void *dst, void *src, size_t bytes, CUstream stream) {
  if (!dst || !src || !bytes || !ready())
    return;
  check(driver.cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                             reinterpret_cast<CUdeviceptr>(src), bytes, stream),
        "copying memory");
}

// MLIR's memrefCopy (mlir/lib/ExecutionEngine/CRunnerUtils.cpp): a strided
// copy between two ranked memrefs passed as unranked descriptors.
struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};

void memrefCopy(int64_t elemSize, UnrankedMemRef *src, UnrankedMemRef *dst) {
  struct View {
    char *data;
    const int64_t *sizes;
    const int64_t *strides;
  };
  auto view = [elemSize](UnrankedMemRef *m) {
    auto *d = static_cast<char *>(m->descriptor);
    char *aligned = *reinterpret_cast<char **>(d + sizeof(void *));
    int64_t offset = *reinterpret_cast<int64_t *>(d + 2 * sizeof(void *));
    auto *sizes = reinterpret_cast<const int64_t *>(d + 2 * sizeof(void *) + 8);
    return View{aligned + offset * elemSize, sizes, sizes + m->rank};
  };
  int64_t rank = src->rank;
  View s = view(src), d = view(dst);
  if (rank == 0) {
    memcpy(d.data, s.data, elemSize);
    return;
  }
  for (int64_t i = 0; i < rank; ++i)
    if (s.sizes[i] == 0)
      return;
  // Odometer over all but the innermost dimension; the innermost is one
  // memcpy when both sides are contiguous in it.
  int64_t index[64] = {0};
  if (rank > 64)
    return;
  int64_t inner = s.sizes[rank - 1];
  bool contiguous = s.strides[rank - 1] == 1 && d.strides[rank - 1] == 1;
  for (;;) {
    int64_t so = 0, doff = 0;
    for (int64_t i = 0; i + 1 < rank; ++i) {
      so += index[i] * s.strides[i];
      doff += index[i] * d.strides[i];
    }
    if (contiguous) {
      memcpy(d.data + doff * elemSize, s.data + so * elemSize,
             inner * elemSize);
    } else {
      for (int64_t k = 0; k < inner; ++k)
        memcpy(d.data + (doff + k * d.strides[rank - 1]) * elemSize,
               s.data + (so + k * s.strides[rank - 1]) * elemSize, elemSize);
    }
    int64_t i = rank - 2;
    for (; i >= 0; --i) {
      if (++index[i] < s.sizes[i])
        break;
      index[i] = 0;
    }
    if (i < 0)
      return;
  }
}

} // extern "C"
