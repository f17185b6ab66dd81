// Test twin of kernels_avx2vnni.c (EK_ISA_AVX2_VNNI_EVEX): the same kernels, VPDPBUSD on ymm in its EVEX
// encoding (AVX512-VNNI + VL, same result), so that CPUs without AVX-VNNI test the AVX-VNNI int8 tile.
#if defined(__x86_64__)
#include <immintrin.h>
#define EK_TARGET __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni")))
#define EK_W 8
#define EK_HAS_FMA 1
#define EK_MR 6
#define EK_NV 2
#define EK_NATIVE_F16 1
#define EK_VNNI_YMM(acc, a, b) _mm256_dpbusd_epi32((acc), (a), (b))
#define EK_SFX(name) name##_avx2vnni_evex
#include "kernels_template.h"
#endif
