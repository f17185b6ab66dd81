// AVX-512 kernel family with AVX512-VNNI: the AVX-512 kernels plus VPDPBUSD int8 GEMMs.
#if defined(__x86_64__)
#define EK_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c,avx512vnni")))
#define EK_W 16
#define EK_HAS_FMA 1
#define EK_MR 8
#define EK_NV 2
#define EK_NATIVE_F16 1
#define EK_DPBUSD 1
#define EK_SFX(name) name##_avx512vnni
#include "kernels_template.h"
#endif
