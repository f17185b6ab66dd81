// AVX-512 kernel family with AVX512-BF16: the AVX-512 kernels plus VDPBF16PS bf16-pair GEMMs.
#if defined(__x86_64__)
#define EK_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c,avx512bf16")))
#define EK_W 16
#define EK_HAS_FMA 1
#define EK_MR 8
#define EK_NV 2
#define EK_NATIVE_F16 1
#define EK_DPBF16 1
#define EK_SFX(name) name##_avx512bf16
#include "kernels_template.h"
#endif
