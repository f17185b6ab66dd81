// Portable kernel family: 128-bit vectors with separate multiply and add (any CPU, any compiler
// flags). fp16 is widened with integer operations.
#define EK_TARGET
#define EK_W 4
#define EK_HAS_FMA 0
#define EK_MR 4
#define EK_NV 2
#define EK_NATIVE_F16 0
#define EK_SFX(name) name##_generic
#include "kernels_template.h"
