// Run-time dispatch to the kernel family chosen by ek_resolve_isa.
#include "ckernels.h"

#define EK_DECLARE(sfx)                                                                                     \
    void ek_gemm_##sfx(const ek_gemm_args *);                                                             \
    int ek_attention_##sfx(const float *, const float *, const float *, int, float *, int, int, int, int, \
                           int, float, float, const float *, int, int, int);                              \
    void ek_add_layernorm_##sfx(float *, const float *, const float *, const float *, float, int, int, int); \
    void ek_rmsnorm_##sfx(float *, int, int, int, int, int, const float *, float);                        \
    void ek_gelu_##sfx(float *, long);                                                                    \
    void ek_glu_##sfx(const float *, float *, int, int, int, int);                                        \
    void ek_rotary_##sfx(float *, int, int, int, int, int, const float *, const float *);                 \
    void ek_vmath_##sfx(int, const float *, float *, long);                                               \
    void ek_bias_act_residual_##sfx(float *, int, int, int, int, const float *, int, const float *, int);

EK_DECLARE(generic)
#if defined(__x86_64__)
EK_DECLARE(avx2)
EK_DECLARE(avx512)
EK_DECLARE(avx512bf16)
EK_DECLARE(avx512vnni)
EK_DECLARE(avx2vnni)
EK_DECLARE(avx2vnni_evex)
#define EK_DISPATCH_FAMILY(family, call, ...)                                         \
    switch ((family) & ~EK_ISA_EXACT) {                                                                 \
    case EK_ISA_AVX2_VNNI: return call##_avx2vnni(__VA_ARGS__);                       \
    case EK_ISA_AVX2_VNNI_EVEX: return call##_avx2vnni_evex(__VA_ARGS__);             \
    case EK_ISA_AVX512_BF16: return call##_avx512bf16(__VA_ARGS__);                   \
    case EK_ISA_AVX512_VNNI: return call##_avx512vnni(__VA_ARGS__);                   \
    case EK_ISA_AVX512: return call##_avx512(__VA_ARGS__);                            \
    case EK_ISA_AVX2: return call##_avx2(__VA_ARGS__);                                \
    default: return call##_generic(__VA_ARGS__);                                      \
    }
#elif defined(__aarch64__)
EK_DECLARE(neon)
EK_DECLARE(neon_dotprod)
EK_DECLARE(neon_i8mm)
EK_DECLARE(neon_bf16)
#define EK_DISPATCH_FAMILY(family, call, ...)                                         \
    switch ((family) & ~EK_ISA_EXACT) {                                                                 \
    case EK_ISA_NEON_DOTPROD: return call##_neon_dotprod(__VA_ARGS__);               \
    case EK_ISA_NEON_I8MM: return call##_neon_i8mm(__VA_ARGS__);                     \
    case EK_ISA_NEON_BF16: return call##_neon_bf16(__VA_ARGS__);                     \
    case EK_ISA_NEON: return call##_neon(__VA_ARGS__);                               \
    default: return call##_generic(__VA_ARGS__);                                      \
    }
#else
#define EK_DISPATCH_FAMILY(family, call, ...) return call##_generic(__VA_ARGS__);
#endif
#define EK_DISPATCH(isa, call, ...) EK_DISPATCH_FAMILY(ek_resolve_isa(isa), call, __VA_ARGS__)

void ek_gemm(int isa, const ek_gemm_args *args) {
    // bf16-pair and int8-quad weights run on the family with the matching dot product (ek_gemm_family).
    EK_DISPATCH_FAMILY(ek_gemm_family(isa, args->dtype), ek_gemm, args)
}

int ek_attention(int isa, const float *q, const float *k, const float *v, int ld, float *out, int ldo, int len,
                 int head_dim, int q0, int q1, float scale, float slope, const float *bias, int before, int after,
                 int bf16) {
    // bf16 products on the family with a bf16 dot product, when there is one (ek_gemm_family).
    EK_DISPATCH_FAMILY(bf16 ? ek_gemm_family(isa, EK_DT_BF16_PAIRS) : ek_resolve_isa(isa), ek_attention, q, k, v, ld, out,
                       ldo, len, head_dim, q0, q1, scale, slope, bias, before, after, bf16)
}

int ek_attention_query_block(void) { return 96; }

void ek_add_layernorm(int isa, float *x, const float *residual, const float *gamma, const float *beta, float eps,
                      int r0, int r1, int cols) {
    EK_DISPATCH(isa, ek_add_layernorm, x, residual, gamma, beta, eps, r0, r1, cols)
}

void ek_rmsnorm(int isa, float *x, int ld, int r0, int r1, int groups, int cols, const float *gamma, float eps) {
    EK_DISPATCH(isa, ek_rmsnorm, x, ld, r0, r1, groups, cols, gamma, eps)
}

void ek_gelu(int isa, float *x, long count) { EK_DISPATCH(isa, ek_gelu, x, count) }

void ek_glu(int isa, const float *g, float *out, int r0, int r1, int inner, int act) {
    EK_DISPATCH(isa, ek_glu, g, out, r0, r1, inner, act)
}

void ek_rotary(int isa, float *x, int ld, int r0, int r1, int heads, int head_dim, const float *cos_table,
               const float *sin_table) {
    EK_DISPATCH(isa, ek_rotary, x, ld, r0, r1, heads, head_dim, cos_table, sin_table)
}

void ek_vexp(int isa, const float *x, float *out, long count) { EK_DISPATCH(isa, ek_vmath, 0, x, out, count) }
void ek_verf(int isa, const float *x, float *out, long count) { EK_DISPATCH(isa, ek_vmath, 1, x, out, count) }
void ek_verfc(int isa, const float *x, float *out, long count) { EK_DISPATCH(isa, ek_vmath, 2, x, out, count) }

void ek_bias_act_residual(int isa, float *y, int ldy, int r0, int r1, int n, const float *bias, int act,
                          const float *residual, int ldr) {
    EK_DISPATCH(isa, ek_bias_act_residual, y, ldy, r0, r1, n, bias, act, residual, ldr)
}
