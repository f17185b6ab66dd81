// FMA throughput probe for benchmarks: how many FP32 FLOP/s this thread gets right now (12 independent
// chains of fused multiply-adds, the register-bound ceiling of any GEMM kernel).
#include "ckernels.h"
#include <time.h>

typedef float v16 __attribute__((ext_vector_type(16)));

#if defined(__x86_64__)
__attribute__((target("avx512f,fma"), noinline)) static float chains512(long n, float seed) {
    v16 a[12];
    for (int i = 0; i < 12; i++) a[i] = (v16)(seed + 0.01f * i);
    const v16 m = (v16)0.999999f, s = (v16)1e-7f;
    for (long k = 0; k < n; k++) {
#pragma clang loop unroll(full)
        for (int i = 0; i < 12; i++) a[i] = __builtin_elementwise_fma(a[i], m, s);
        __asm__ volatile("" : "+v"(a[0]), "+v"(a[1]), "+v"(a[2]), "+v"(a[3]), "+v"(a[4]), "+v"(a[5]));
    }
    float t = 0;
    for (int i = 0; i < 12; i++) t += a[i][0];
    return t;
}
#endif

static double thread_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double ek_fma_probe_gflops(double *cpu_gflops) {
#if defined(__x86_64__)
    if (!ek_isa_supported(EK_ISA_AVX512)) return 0;
    const long n = 20000000;
    struct timespec w0, w1;
    clock_gettime(CLOCK_MONOTONIC, &w0);
    double c0 = thread_seconds();
    volatile float sink = chains512(n, 1.0f);
    (void)sink;
    double c = thread_seconds() - c0;
    clock_gettime(CLOCK_MONOTONIC, &w1);
    double w = (w1.tv_sec - w0.tv_sec) + (w1.tv_nsec - w0.tv_nsec) * 1e-9;
    double flop = (double)n * 12 * 32;
    if (cpu_gflops) *cpu_gflops = flop / c / 1e9;
    return flop / w / 1e9;
#else
    if (cpu_gflops) *cpu_gflops = 0;
    return 0;
#endif
}
