// NEON kernel family with the ARMv8.2 dot product: the NEON kernels plus SDOT int8 GEMMs.
#if defined(__aarch64__)
#define EK_TARGET __attribute__((target("dotprod")))
#define EK_W 4
#define EK_HAS_FMA 1
#define EK_MR 6
#define EK_NV 4
#define EK_NATIVE_F16 1
#define EK_SDOT 1
#define EK_SFX(name) name##_neon_dotprod
#include "kernels_template.h"
#endif
