#include "ckernels.h"

int ek_cpu_features(void) {
    int f = 0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f |= EK_CPU_AVX2_FMA;
    if (__builtin_cpu_supports("avx512f")) f |= EK_CPU_AVX512F;
    if (__builtin_cpu_supports("f16c")) f |= EK_CPU_F16C;
#endif
    return f;
}
