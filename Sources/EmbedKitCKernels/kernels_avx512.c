// AVX-512 kernel family: 8x32 register tiles (16 zmm accumulators), hardware fp16 widening.
#if defined(__x86_64__)
#define EK_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")))
#define EK_W 16
#define EK_HAS_FMA 1
#define EK_MR 8
#define EK_NV 2
#define EK_NATIVE_F16 1
#define EK_SFX(name) name##_avx512
#include "kernels_template.h"
#endif
