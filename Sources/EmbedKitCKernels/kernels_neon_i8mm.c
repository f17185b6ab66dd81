// NEON kernel family with the ARMv8.6 int8 matrix multiply: the NEON kernels plus SMMLA int8 GEMMs.
#if defined(__aarch64__)
#define EK_TARGET __attribute__((target("i8mm")))
#define EK_W 4
#define EK_HAS_FMA 1
#define EK_MR 6
#define EK_NV 4
#define EK_NATIVE_F16 1
#define EK_SMMLA 1
#define EK_SFX(name) name##_neon_i8mm
#include "kernels_template.h"
#endif
