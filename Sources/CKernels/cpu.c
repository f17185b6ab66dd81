#include "ckernels.h"

int ek_cpu_features(void) {
    int f = 0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f |= EK_CPU_AVX2_FMA;
    if (__builtin_cpu_supports("avx512f")) f |= EK_CPU_AVX512F;
    if (__builtin_cpu_supports("f16c")) f |= EK_CPU_F16C;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        (f & EK_CPU_AVX2_FMA) && (f & EK_CPU_F16C))
        f |= EK_CPU_AVX512_KERNELS;
    if ((f & EK_CPU_AVX512_KERNELS) && __builtin_cpu_supports("avx512bf16")) f |= EK_CPU_AVX512_BF16;
    if ((f & EK_CPU_AVX512_KERNELS) && __builtin_cpu_supports("avx512vnni")) f |= EK_CPU_AVX512_VNNI;
#endif
    return f;
}

int ek_isa_supported(int isa) {
    int f = ek_cpu_features();
    switch (isa) {
    case EK_ISA_GENERIC: return 1;
    case EK_ISA_AVX2: return (f & EK_CPU_AVX2_FMA) && (f & EK_CPU_F16C);
    case EK_ISA_AVX512: return (f & EK_CPU_AVX512_KERNELS) != 0;
    case EK_ISA_AVX512_BF16: return (f & EK_CPU_AVX512_BF16) != 0;
    case EK_ISA_AVX512_VNNI: return (f & EK_CPU_AVX512_VNNI) != 0;
    default: return 0;
    }
}

int ek_best_isa(void) {
    static int best = -1;
    int b = __atomic_load_n(&best, __ATOMIC_RELAXED);
    if (b < 0) {
        b = ek_isa_supported(EK_ISA_AVX512) ? EK_ISA_AVX512 : ek_isa_supported(EK_ISA_AVX2) ? EK_ISA_AVX2 : EK_ISA_GENERIC;
        __atomic_store_n(&best, b, __ATOMIC_RELAXED);
    }
    return b;
}

static int isa_override = -1;

void ek_set_isa_override(int isa) {
    __atomic_store_n(&isa_override, (isa >= 0 && ek_isa_supported(isa)) ? isa : -1, __ATOMIC_RELAXED);
}

int ek_get_isa_override(void) { return __atomic_load_n(&isa_override, __ATOMIC_RELAXED); }

int ek_resolve_isa(int isa) {
    if (isa >= 0 && ek_isa_supported(isa)) return isa;
    int o = ek_get_isa_override();
    return o >= 0 ? o : ek_best_isa();
}

long ek_atomic_fetch_add(long *counter, long value) {
    return __atomic_fetch_add(counter, value, __ATOMIC_RELAXED);
}
