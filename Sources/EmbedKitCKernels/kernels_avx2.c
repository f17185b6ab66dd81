// AVX2 + FMA kernel family: 6x16 register tiles (12 ymm accumulators), F16C widening; int8 GEMMs by
// VPMADDUBSW with the sign moved onto the weights (gemm_int8.h).
#if defined(__x86_64__)
#define EK_TARGET __attribute__((target("avx2,fma,f16c")))
#define EK_W 8
#define EK_HAS_FMA 1
#define EK_MR 6
#define EK_NV 2
#define EK_NATIVE_F16 1
#define EK_MADDUBS 1
#define EK_SFX(name) name##_avx2
#include "kernels_template.h"
#endif
