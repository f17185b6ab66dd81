// AVX2 kernel family with AVX-VNNI (VEX VPDPBUSD on ymm: Alder Lake and later, Zen 5): the AVX2 kernels
// plus VPDPBUSD int8 GEMMs (gemm_int8.h, EK_VNNI_YMM).
#if defined(__x86_64__)
#include <immintrin.h>
#define EK_TARGET __attribute__((target("avx2,fma,f16c,avxvnni")))
#define EK_W 8
#define EK_HAS_FMA 1
#define EK_MR 6
#define EK_NV 2
#define EK_NATIVE_F16 1
#define EK_VNNI_YMM(acc, a, b) _mm256_dpbusd_avx_epi32((acc), (a), (b))
#define EK_SFX(name) name##_avx2vnni
#include "kernels_template.h"
#endif
