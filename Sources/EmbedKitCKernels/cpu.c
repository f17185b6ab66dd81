#include "ckernels.h"
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
// Bits of AT_HWCAP / AT_HWCAP2 (linux/arch/arm64/include/uapi/asm/hwcap.h), spelled out so that older
// C libraries' headers still compile.
#define EK_HWCAP_ASIMD (1UL << 1)
#define EK_HWCAP_ASIMDDP (1UL << 20)
#define EK_HWCAP2_I8MM (1UL << 13)
#define EK_HWCAP2_BF16 (1UL << 14)
#elif defined(__aarch64__) && defined(__APPLE__)
#include <sys/sysctl.h>
static int darwin_feature(const char *name) {
    int value = 0;
    size_t size = sizeof(value);
    return sysctlbyname(name, &value, &size, NULL, 0) == 0 && value != 0;
}
#endif

static int detect_features(void) {
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
    // AVX-VNNI: CPUID.(EAX=7, ECX=1):EAX bit 4 (ymm state: the OS check behind "avx2" above).
    unsigned int a = 0, b = 0, c = 0, d = 0;
    if ((f & EK_CPU_AVX2_FMA) && (f & EK_CPU_F16C) && __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 4)))
        f |= EK_CPU_AVX_VNNI;
#elif defined(__aarch64__) && defined(__linux__)
    unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    if (hw & EK_HWCAP_ASIMD) f |= EK_CPU_NEON;
    if ((f & EK_CPU_NEON) && (hw & EK_HWCAP_ASIMDDP)) f |= EK_CPU_NEON_DOTPROD;
    if ((f & EK_CPU_NEON) && (hw2 & EK_HWCAP2_I8MM)) f |= EK_CPU_NEON_I8MM;
    if ((f & EK_CPU_NEON) && (hw2 & EK_HWCAP2_BF16)) f |= EK_CPU_NEON_BF16;
#elif defined(__aarch64__) && defined(__APPLE__)
    f |= EK_CPU_NEON; // every arm64 Apple CPU
    if (darwin_feature("hw.optional.arm.FEAT_DotProd")) f |= EK_CPU_NEON_DOTPROD;
    if (darwin_feature("hw.optional.arm.FEAT_I8MM")) f |= EK_CPU_NEON_I8MM;
    if (darwin_feature("hw.optional.arm.FEAT_BF16")) f |= EK_CPU_NEON_BF16;
#elif defined(__aarch64__)
    f |= EK_CPU_NEON; // other AArch64 systems: NEON is architectural; optional features not probed
#endif
    return f;
}

int ek_cpu_features(void) {
    static int cached = -1;
    int f = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (f < 0) {
        f = detect_features();
        __atomic_store_n(&cached, f, __ATOMIC_RELAXED);
    }
    return f;
}

int ek_isa_supported(int isa) {
    int f = ek_cpu_features();
    switch (isa & ~EK_ISA_EXACT) {
    case EK_ISA_GENERIC: return 1;
#if defined(__x86_64__)
    case EK_ISA_AVX2: return (f & EK_CPU_AVX2_FMA) && (f & EK_CPU_F16C);
    case EK_ISA_AVX512: return (f & EK_CPU_AVX512_KERNELS) != 0;
    case EK_ISA_AVX512_BF16: return (f & EK_CPU_AVX512_BF16) != 0;
    case EK_ISA_AVX512_VNNI: return (f & EK_CPU_AVX512_VNNI) != 0;
    case EK_ISA_AVX2_VNNI: return (f & EK_CPU_AVX_VNNI) != 0;
    case EK_ISA_AVX2_VNNI_EVEX: return (f & EK_CPU_AVX512_VNNI) != 0;
#elif defined(__aarch64__)
    case EK_ISA_NEON: return (f & EK_CPU_NEON) != 0;
    case EK_ISA_NEON_DOTPROD: return (f & EK_CPU_NEON_DOTPROD) != 0;
    case EK_ISA_NEON_I8MM: return (f & EK_CPU_NEON_I8MM) != 0;
    case EK_ISA_NEON_BF16: return (f & EK_CPU_NEON_BF16) != 0;
#endif
    default: return 0; // a family this build has no code for
    }
}

int ek_best_isa(void) {
    static int best = -1;
    int b = __atomic_load_n(&best, __ATOMIC_RELAXED);
    if (b < 0) {
        b = ek_isa_supported(EK_ISA_AVX512) ? EK_ISA_AVX512
            : ek_isa_supported(EK_ISA_AVX2) ? EK_ISA_AVX2
            : ek_isa_supported(EK_ISA_NEON) ? EK_ISA_NEON
            : EK_ISA_GENERIC;
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

int ek_gemm_family(int isa, int dtype) {
    int r = ek_resolve_isa(isa);
    if (r & EK_ISA_EXACT) return r & ~EK_ISA_EXACT;
    // A base family upgrades to its dot-product sibling; a family named explicitly (or a generic one)
    // is kept, and then computes the reduced precision through its scalar path.
    if (dtype == EK_DT_BF16_PAIRS) {
        if (r == EK_ISA_AVX512 && ek_isa_supported(EK_ISA_AVX512_BF16)) return EK_ISA_AVX512_BF16;
        if (r == EK_ISA_NEON && ek_isa_supported(EK_ISA_NEON_BF16)) return EK_ISA_NEON_BF16;
    } else if (dtype == EK_DT_I8_QUADS) {
        if (r == EK_ISA_AVX512 && ek_isa_supported(EK_ISA_AVX512_VNNI)) return EK_ISA_AVX512_VNNI;
        // Without AVX512-VNNI, the AVX2 family: with AVX-VNNI where the CPU has it, else its VPMADDUBSW
        // kernel (an AVX-512 CPU has AVX2 too).
        if ((r == EK_ISA_AVX512 || r == EK_ISA_AVX2) && ek_isa_supported(EK_ISA_AVX2_VNNI)) return EK_ISA_AVX2_VNNI;
        if (r == EK_ISA_AVX512 && ek_isa_supported(EK_ISA_AVX2)) return EK_ISA_AVX2;
        if (r == EK_ISA_NEON && ek_isa_supported(EK_ISA_NEON_I8MM)) return EK_ISA_NEON_I8MM;
        if (r == EK_ISA_NEON && ek_isa_supported(EK_ISA_NEON_DOTPROD)) return EK_ISA_NEON_DOTPROD;
    }
    return r;
}

int ek_dtype_fast(int dtype) {
    if (dtype != EK_DT_BF16_PAIRS && dtype != EK_DT_I8_QUADS) return 1;
    // Fast exactly when the family that computes it has a vector path for it: a dot-product sibling
    // (ek_gemm_family's rule), or, for int8, the AVX2 family's VPMADDUBSW kernel. The family in use:
    // the forced one (ComputeBackend.force), else the best.
    int best = ek_resolve_isa(-1);
    int family = ek_gemm_family(best, dtype);
    return family != best || (dtype == EK_DT_I8_QUADS && family == EK_ISA_AVX2);
}

long ek_atomic_fetch_add(long *counter, long value) {
    return __atomic_fetch_add(counter, value, __ATOMIC_RELAXED);
}
