// Run-time dispatch to the kernel family chosen by ek_resolve_isa.
#include "ckernels.h"

#define EK_DECLARE(sfx)                                                                                     \
    void ek_gemm_##sfx(const ek_gemm_args *);                                                             \
    int ek_attention_##sfx(const float *, const float *, const float *, int, float *, int, int, int, int, \
                           int, float, float);                                                            \
    void ek_add_layernorm_##sfx(float *, const float *, const float *, const float *, float, int, int, int); \
    void ek_gelu_##sfx(float *, long);                                                                    \
    void ek_geglu_##sfx(const float *, float *, int, int, int);                                           \
    void ek_vmath_##sfx(int, const float *, float *, long);

EK_DECLARE(generic)
#if defined(__x86_64__)
EK_DECLARE(avx2)
EK_DECLARE(avx512)
EK_DECLARE(avx512bf16)
EK_DECLARE(avx512vnni)
#define EK_DISPATCH(isa, call, ...)                                                   \
    switch (ek_resolve_isa(isa)) {                                                    \
    case EK_ISA_AVX512_BF16: return call##_avx512bf16(__VA_ARGS__);                   \
    case EK_ISA_AVX512_VNNI: return call##_avx512vnni(__VA_ARGS__);                   \
    case EK_ISA_AVX512: return call##_avx512(__VA_ARGS__);                            \
    case EK_ISA_AVX2: return call##_avx2(__VA_ARGS__);                                \
    default: return call##_generic(__VA_ARGS__);                                      \
    }
#else
#define EK_DISPATCH(isa, call, ...) return call##_generic(__VA_ARGS__);
#endif

void ek_gemm(int isa, const ek_gemm_args *args) {
#if defined(__x86_64__)
    // bf16-pair weights run on VDPBF16PS and int8-quad weights on VPDPBUSD wherever the CPU has them,
    // unless a caller forces a family without them (then the family's scalar path gives the same
    // results, slowly).
    if (args->dtype == EK_DT_BF16_PAIRS && ek_resolve_isa(isa) == EK_ISA_AVX512 && ek_isa_supported(EK_ISA_AVX512_BF16))
        return ek_gemm_avx512bf16(args);
    if (args->dtype == EK_DT_I8_QUADS && ek_resolve_isa(isa) == EK_ISA_AVX512 && ek_isa_supported(EK_ISA_AVX512_VNNI))
        return ek_gemm_avx512vnni(args);
#endif
    EK_DISPATCH(isa, ek_gemm, args)
}

int ek_attention(int isa, const float *q, const float *k, const float *v, int ld, float *out, int ldo, int len,
                 int head_dim, int q0, int q1, float scale, float slope) {
    EK_DISPATCH(isa, ek_attention, q, k, v, ld, out, ldo, len, head_dim, q0, q1, scale, slope)
}

int ek_attention_query_block(void) { return 96; }

void ek_add_layernorm(int isa, float *x, const float *residual, const float *gamma, const float *beta, float eps,
                      int r0, int r1, int cols) {
    EK_DISPATCH(isa, ek_add_layernorm, x, residual, gamma, beta, eps, r0, r1, cols)
}

void ek_gelu(int isa, float *x, long count) { EK_DISPATCH(isa, ek_gelu, x, count) }

void ek_geglu(int isa, const float *g, float *out, int r0, int r1, int inner) {
    EK_DISPATCH(isa, ek_geglu, g, out, r0, r1, inner)
}

void ek_vexp(int isa, const float *x, float *out, long count) { EK_DISPATCH(isa, ek_vmath, 0, x, out, count) }
void ek_verf(int isa, const float *x, float *out, long count) { EK_DISPATCH(isa, ek_vmath, 1, x, out, count) }
void ek_verfc(int isa, const float *x, float *out, long count) { EK_DISPATCH(isa, ek_vmath, 2, x, out, count) }
