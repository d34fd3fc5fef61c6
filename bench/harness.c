// Times one QKVTie attention function from a library built by
// qkvtie-compile, called through MLIR's C interface:
//   void <prefix>_ciface_<fn>(memref4 *out, memref4 *q, memref5 *cache, int64
//   len)
// where <prefix> is the library's name without lib and .so (qkvtie-compile's
// default prefix).
// with q [1, Hq, n, d] and cache [buffers, 1, Hkv, T, d], each of f32, f16
// or bf16.
//
//   harness <lib.so> <fn> <Hq> <Hkv> <n> <d> <T> <buffers> <cache dtype>
//           <query dtype> <caches> <reps>
// prints "median_ms min_ms". With caches > 1 the calls rotate over that
// many caches, so that each call streams its cache from DRAM.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[4], strides[4];
} memref4;
typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[5], strides[5];
} memref5;
typedef void (*attend_fn)(memref4 *, memref4 *, memref5 *, int64_t);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void dense(int rank, const int64_t *shape, int64_t *sizes,
                  int64_t *strides) {
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    sizes[i] = shape[i];
    strides[i] = s;
    s *= shape[i];
  }
}

// Bytes per element of "f32", "f16" or "bf16"; 0 for anything else.
static int dtypeBytes(const char *name) {
  if (!strcmp(name, "f32"))
    return 4;
  return !strcmp(name, "f16") || !strcmp(name, "bf16") ? 2 : 0;
}

static void store(char *data, size_t i, float v, const char *dtype) {
  if (!strcmp(dtype, "f32")) {
    memcpy(data + 4 * i, &v, 4);
  } else if (!strcmp(dtype, "f16")) {
    _Float16 h = (_Float16)v;
    memcpy(data + 2 * i, &h, 2);
  } else {
    uint32_t bits;
    memcpy(&bits, &v, 4);
    uint16_t b = (uint16_t)((bits + 0x7fff + ((bits >> 16) & 1)) >> 16);
    memcpy(data + 2 * i, &b, 2);
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 13 || !dtypeBytes(argv[9]) || !dtypeBytes(argv[10])) {
    fprintf(stderr, "usage: harness lib fn Hq Hkv n d T buffers "
                    "{f32|f16|bf16} {f32|f16|bf16} caches reps\n");
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW);
  if (!lib) {
    fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  const char *base = strrchr(argv[1], '/');
  base = base ? base + 1 : argv[1];
  if (strncmp(base, "lib", 3) == 0)
    base += 3;
  int stem = (int)strcspn(base, ".");
  char sym[256];
  snprintf(sym, sizeof sym, "%.*s_ciface_%s", stem, base, argv[2]);
  attend_fn fn = (attend_fn)dlsym(lib, sym);
  if (!fn) {
    fprintf(stderr, "no %s in %s\n", sym, argv[1]);
    return 1;
  }
  int64_t hq = atoll(argv[3]), hkv = atoll(argv[4]), n = atoll(argv[5]),
          d = atoll(argv[6]), t = atoll(argv[7]), buffers = atoll(argv[8]);
  const char *cacheType = argv[9], *queryType = argv[10];
  int64_t elt = dtypeBytes(cacheType);
  int caches = atoi(argv[11]), reps = atoi(argv[12]);
  int64_t qShape[4] = {1, hq, n, d}, cShape[5] = {buffers, 1, hkv, t, d};
  size_t qElems = hq * n * d, cElems = buffers * hkv * t * d;
  char *q = malloc(qElems * dtypeBytes(queryType));
  for (size_t i = 0; i < qElems; ++i)
    store(q, i, (float)((i * 7919) % 1000) / 1000.0f - 0.5f, queryType);
  memref4 qd = {q, q, 0, {0}, {0}};
  dense(4, qShape, qd.sizes, qd.strides);
  memref5 *cd = calloc(caches, sizeof(memref5));
  for (int c = 0; c < caches; ++c) {
    char *data = aligned_alloc(64, (cElems * elt + 63) / 64 * 64);
    for (size_t i = 0; i < cElems; ++i) {
      store(data, i, (float)(((i + c) * 104729) % 2000) / 2000.0f - 0.5f,
            cacheType);
    }
    cd[c].allocated = cd[c].aligned = data;
    dense(5, cShape, cd[c].sizes, cd[c].strides);
  }
  double *times = malloc(reps * sizeof(double));
  memref4 out;
  for (int i = 0; i < 3; ++i) {
    fn(&out, &qd, &cd[i % caches], t);
    free(out.allocated);
  }
  for (int i = 0; i < reps; ++i) {
    double t0 = now();
    fn(&out, &qd, &cd[i % caches], t);
    times[i] = now() - t0;
    free(out.allocated);
  }
  // A --target=cuda library keeps its GPU runtime's error: timings of
  // calls that did nothing are not results.
  const char *(*cudaError)(void) =
      (const char *(*)(void))dlsym(lib, "qkvtie_cuda_error");
  if (cudaError && cudaError()) {
    fprintf(stderr, "%s\n", cudaError());
    return 1;
  }
  qsort(times, reps, sizeof(double), cmp);
  printf("%.6f %.6f\n", 1e3 * times[reps / 2], 1e3 * times[0]);
  return 0;
}
