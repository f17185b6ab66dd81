// NEON kernel family with ARMv8.6 BFloat16: the NEON kernels plus BFDOT bf16-pair GEMMs.
#if defined(__aarch64__)
#define EK_TARGET __attribute__((target("bf16")))
#define EK_W 4
#define EK_HAS_FMA 1
#define EK_MR 6
#define EK_NV 4
#define EK_NATIVE_F16 1
#define EK_BFDOT 1
#define EK_SFX(name) name##_neon_bf16
#include "kernels_template.h"
#endif
