// Machine limits for the benchmark table: read-only streaming bandwidth
// (the decode floor) and f32 FMA peak (the prefill ceiling), measured with
// 1 and N OpenMP threads, best of several runs.
//   probe <threads>   prints: read_gbs=<GB/s> fma_gflops=<GFLOP/s>
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

// Sums 1 GiB of floats with 4 independent vector accumulators per thread.
static double read_bandwidth(int threads) {
  size_t n = (size_t)1 << 28;
  float *a = aligned_alloc(64, n * sizeof(float));
#pragma omp parallel for num_threads(threads)
  for (size_t i = 0; i < n; ++i)
    a[i] = (float)(i & 7);
  double best = 1e30, sink = 0;
  for (int rep = 0; rep < 5; ++rep) {
    double t0 = now(), total = 0;
#pragma omp parallel for num_threads(threads) reduction(+ : total)
    for (size_t blk = 0; blk < n; blk += 4096) {
      __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
      for (size_t i = blk; i < blk + 4096; i += 32) {
        s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
        s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
        s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + 16));
        s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + 24));
      }
      __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
      float v[8];
      _mm256_storeu_ps(v, s);
      total += v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
    }
    double t = now() - t0;
    sink += total;
    if (t < best)
      best = t;
  }
  free(a);
  if (sink == 42)
    puts("");
  return n * sizeof(float) / best / 1e9;
}

// 10 independent FMA chains per thread keep both FMA ports busy, at the
// widest vector this CPU has (the peak the compiled kernels could reach).
#ifdef __AVX512F__
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMADD _mm512_fmadd_ps
#else
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMADD _mm256_fmadd_ps
#endif

static double fma_peak(int threads) {
  double best = 1e30;
  long iters = 20000000;
  for (int rep = 0; rep < 5; ++rep) {
    double t0 = now();
    float sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
      vec a[10], x = SET1(0.999999f), y = SET1(1e-7f);
      for (int j = 0; j < 10; ++j)
        a[j] = SET1((float)j);
      for (long i = 0; i < iters; ++i)
        for (int j = 0; j < 10; ++j)
          a[j] = FMADD(a[j], x, y);
      for (int j = 0; j < 10; ++j)
        sink += a[j][0];
    }
    double t = now() - t0;
    if (sink == 42)
      puts("");
    if (t < best)
      best = t;
  }
  return 2.0 * LANES * 10 * iters * threads / best / 1e9;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  printf("read_gbs=%.2f fma_gflops=%.1f lanes=%d\n", read_bandwidth(threads),
         fma_peak(threads), LANES);
  return 0;
}
