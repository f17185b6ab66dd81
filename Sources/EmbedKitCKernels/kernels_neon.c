// AArch64 NEON kernel family: 6x16 register tiles (24 q-register accumulators), FMA, hardware fp16
// widening. The base every AArch64 CPU runs.
#if defined(__aarch64__)
#define EK_TARGET
#define EK_W 4
#define EK_HAS_FMA 1
#define EK_MR 6
#define EK_NV 4
#define EK_NATIVE_F16 1
#define EK_SFX(name) name##_neon
#include "kernels_template.h"
#endif
