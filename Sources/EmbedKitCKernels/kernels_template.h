// One kernel family (GEMM, attention, row ops), instantiated per ISA by kernels_<isa>.c.
// Required before inclusion (besides vecmath.h's parameters):
//   EK_SFX(name)  appends the family suffix
//   EK_MR         rows per register tile
//   EK_NV         vectors per row in a register tile (tile width EK_NV·EK_W divides EK_NR = 32)
//   EK_NATIVE_F16 1 to widen fp16 with the hardware conversion
#include "vecmath.h"
#include "ckernels.h"
#include "bf16.h"
#include <stdlib.h>
#include <string.h>

#define EK_TW (EK_NV * EK_W)   // register tile width
#define EK_SUBS (EK_NR / EK_TW) // register tiles per packed panel
#ifndef EK_KC
#define EK_KC 768
#endif
#ifndef EK_NCP
#define EK_NCP 4
#endif
#ifndef EK_MC
#define EK_MC 96
#endif

// ---- loading a vector of packed B in its stored precision -------------------------------------
EK_FN vf loadb_f32(const void *b, long i) { return vload((const float *)b + i); }

EK_FN vf loadb_bf16(const void *b, long i) {
    vh16_u h = *(const vh16_u *)((const uint16_t *)b + i);
    return (vf)(__builtin_convertvector(h, vu) << 16);
}

#if EK_NATIVE_F16
typedef _Float16 vhf_u __attribute__((ext_vector_type(EK_W), aligned(2)));
EK_FN vf loadb_f16(const void *b, long i) {
    return __builtin_convertvector(*(const vhf_u *)((const uint16_t *)b + i), vf);
}
#else
// IEEE half -> float with integer operations: shift the exponent/mantissa into place and rescale by
// 2^112 (exact for normals and subnormals), then restore Inf/NaN exponents and the sign.
EK_FN vf loadb_f16(const void *b, long i) {
    vh16_u h = *(const vh16_u *)((const uint16_t *)b + i);
    vu w = __builtin_convertvector(h, vu);
    vu em = w & 0x7fffu;
    vf f = (vf)(em << 13) * vsplat(5.192296858534828e33f); // 2^112
    vu bits = (vu)f;
    bits = bits | ((vu)(em >= 0x7c00u) & 0x7f800000u);
    bits = bits | ((w & 0x8000u) << 16);
    return (vf)bits;
}
#endif

// ---- GEMM micro-kernel -------------------------------------------------------------------------
// c[0..<mr, 0..<nr] (+)= a[0..<mr, 0..<kc] · b[0..<kc, 0..<32]; b is one packed panel (row stride 32).
#define EK_UKERNEL(NAME, LOADB)                                                                       \
    static EK_TARGET void NAME(int kc, const float *a, long lda, const void *b, float *c, long ldc,  \
                               int mr, int nr, int accumulate) {                                    \
        const float *ap[EK_MR];                                                                     \
        for (int r = 0; r < EK_MR; r++) ap[r] = a + (r < mr ? r : 0) * lda;                          \
        for (int s = 0; s < EK_SUBS; s++) {                                                          \
            int col0 = s * EK_TW;                                                                    \
            if (col0 >= nr) break;                                                                   \
            vf acc[EK_MR][EK_NV];                                                                    \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < EK_MR; r++)                       \
                _Pragma("clang loop unroll(full)") for (int v = 0; v < EK_NV; v++) acc[r][v] = vsplat(0); \
            long bo = col0;                                                                          \
            for (int kk = 0; kk < kc; kk++, bo += EK_NR) {                                           \
                vf bv[EK_NV];                                                                        \
                _Pragma("clang loop unroll(full)") for (int v = 0; v < EK_NV; v++)                   \
                    bv[v] = LOADB(b, bo + v * EK_W);                                                  \
                _Pragma("clang loop unroll(full)") for (int r = 0; r < EK_MR; r++) {                 \
                    vf av = vsplat(ap[r][kk]);                                                       \
                    _Pragma("clang loop unroll(full)") for (int v = 0; v < EK_NV; v++)               \
                        acc[r][v] = VFMA(av, bv[v], acc[r][v]);                                      \
                }                                                                                    \
            }                                                                                        \
            int width = nr - col0 < EK_TW ? nr - col0 : EK_TW;                                       \
            for (int r = 0; r < mr; r++) {                                                           \
                float *cr = c + r * ldc + col0;                                                      \
                if (width == EK_TW) {                                                                \
                    for (int v = 0; v < EK_NV; v++) {                                                \
                        vf x = acc[r][v];                                                            \
                        if (accumulate) x += vload(cr + v * EK_W);                                   \
                        vstore(cr + v * EK_W, x);                                                    \
                    }                                                                                \
                } else {                                                                             \
                    float tmp[EK_TW];                                                                \
                    for (int v = 0; v < EK_NV; v++) vstore(tmp + v * EK_W, acc[r][v]);               \
                    for (int j = 0; j < width; j++) cr[j] = accumulate ? cr[j] + tmp[j] : tmp[j];    \
                }                                                                                    \
            }                                                                                        \
        }                                                                                            \
    }

EK_UKERNEL(ukr_f32, loadb_f32)
EK_UKERNEL(ukr_f16, loadb_f16)
EK_UKERNEL(ukr_bf16, loadb_bf16)

// y[0..<n] = act(y + bias) + res
static EK_TARGET void epilogue_row(float *y, int n, const float *bias, int act, const float *res) {
    int j = 0;
    for (; j + EK_W <= n; j += EK_W) {
        vf x = vload(y + j);
        if (bias) x += vload(bias + j);
        if (act == EK_ACT_GELU) x = vgelu(x);
        if (res) x += vload(res + j);
        vstore(y + j, x);
    }
    for (; j < n; j++) {
        float x = y[j];
        if (bias) x += bias[j];
        if (act == EK_ACT_GELU) x = sgelu(x);
        if (res) x += res[j];
        y[j] = x;
    }
}

// ---- bf16-pair GEMM (EK_DT_BF16_PAIRS) -------------------------------------------------------------
// A is rounded to bf16 per block: pair q of a row holds columns 2q (low half) and 2q+1 (high half).
#if EK_DPBF16 || EK_DPBUSD
#include <immintrin.h>
// The first nr of a panel's 32 columns, as masks of two 16-lane halves.
static EK_TARGET void panel_masks(int nr, __mmask16 *m0, __mmask16 *m1) {
    *m0 = nr >= 16 ? 0xffff : (__mmask16)((1u << nr) - 1);
    *m1 = nr >= 32 ? 0xffff : nr <= 16 ? 0 : (__mmask16)((1u << (nr - 16)) - 1);
}
// c[0..<nr] = y, or += y when accumulating, straight from the registers (a spill to a buffer and
// masked reloads would stall store forwarding).
static EK_TARGET void store_panel_row(float *c, __mmask16 m0, __mmask16 m1, __m512 y0, __m512 y1, int accumulate) {
    if (accumulate) {
        y0 = _mm512_add_ps(y0, _mm512_maskz_loadu_ps(m0, c));
        y1 = _mm512_add_ps(y1, _mm512_maskz_loadu_ps(m1, c + 16));
    }
    _mm512_mask_storeu_ps(c, m0, y0);
    _mm512_mask_storeu_ps(c + 16, m1, y1);
}
#endif
#if EK_SDOT || EK_SMMLA || EK_BFDOT
#include "gemm_neon.h"
#endif

static EK_TARGET void round_a_pairs(const float *a, long lda, int rows, int kc, uint32_t *dst, int ld2) {
    for (int r = 0; r < rows; r++) {
        const float *src = a + (long)r * lda;
        uint16_t *out = (uint16_t *)(dst + (long)r * ld2);
        int j = 0;
#if EK_DPBF16
        for (; j < kc; j += 32) {
            int left = kc - j;
            __mmask16 lo = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
            __mmask16 hi = left >= 32 ? 0xffff : left <= 16 ? 0 : (__mmask16)((1u << (left - 16)) - 1);
            __m512 x0 = _mm512_maskz_loadu_ps(lo, src + j), x1 = _mm512_maskz_loadu_ps(hi, src + j + 16);
            __m512i packed = (__m512i)_mm512_cvtne2ps_pbh(x1, x0);
            int pairs = (left < 32 ? left + 1 : 32) / 2;
            _mm512_mask_storeu_epi32(out + j, (__mmask16)(pairs >= 16 ? 0xffff : (1u << pairs) - 1), packed);
        }
#else
        for (; j < kc; j++) out[j] = ek_bf16_bits(src[j]);
        if (kc & 1) out[kc] = 0;
#endif
    }
}

// c[0..<mr, 0..<nr] (+)= a[0..<mr, pairs 0..<kc2] · b[pairs 0..<kc2, 0..<32] (one panel, 64 values a pair row).
static EK_TARGET void ukr_bf16_pairs(int kc2, const uint32_t *a, int lda2, const uint16_t *b, float *c, long ldc,
                                     int mr, int nr, int accumulate) {
#if EK_DPBF16
    __m512 acc[EK_MR][2];
    const uint32_t *ap[EK_MR];
    _Pragma("clang loop unroll(full)") for (int r = 0; r < EK_MR; r++) {
        ap[r] = a + (long)(r < mr ? r : 0) * lda2;
        acc[r][0] = _mm512_setzero_ps();
        acc[r][1] = _mm512_setzero_ps();
    }
    for (int q = 0; q < kc2; q++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + (long)q * 64);
        __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + (long)q * 64 + 32);
        _Pragma("clang loop unroll(full)") for (int r = 0; r < EK_MR; r++) {
            __m512bh av = (__m512bh)_mm512_set1_epi32((int)ap[r][q]);
            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
        }
    }
    __mmask16 m0, m1;
    panel_masks(nr, &m0, &m1);
    _Pragma("clang loop unroll(full)") for (int r = 0; r < EK_MR; r++) {
        if (r >= mr) break;
        store_panel_row(c + r * ldc, m0, m1, acc[r][0], acc[r][1], accumulate);
    }
#elif EK_BFDOT
    ukr_bf16_bfdot(kc2, a, lda2, b, c, ldc, mr, nr, accumulate);
#else
    for (int r = 0; r < mr; r++) {
        const uint16_t *ar = (const uint16_t *)(a + (long)r * lda2);
        float *cr = c + r * ldc;
        for (int j = 0; j < nr; j++) {
            float sum = 0;
            for (int q = 0; q < kc2; q++) {
                float a0, a1, b0, b1;
                uint32_t u;
                u = (uint32_t)ar[2 * q] << 16; memcpy(&a0, &u, 4);
                u = (uint32_t)ar[2 * q + 1] << 16; memcpy(&a1, &u, 4);
                u = (uint32_t)b[(long)q * 64 + 2 * j] << 16; memcpy(&b0, &u, 4);
                u = (uint32_t)b[(long)q * 64 + 2 * j + 1] << 16; memcpy(&b1, &u, 4);
                sum += a0 * b0 + a1 * b1;
            }
            cr[j] = accumulate ? cr[j] + sum : sum;
        }
    }
#endif
}

static EK_TARGET void epilogue_row(float *y, int n, const float *bias, int act, const float *res);

static EK_TARGET void gemm_bf16_pairs(const ek_gemm_args *g) {
    const int k = g->k, n = g->n, k2 = (k + 1) / 2 * 2;
    const int epilogue = g->bias || g->act != EK_ACT_NONE || g->residual;
    const int passes = (k2 + EK_KC - 1) / EK_KC;
    int kstep = passes > 0 ? (k2 + passes - 1) / passes : 2;
    kstep = (kstep + 1) / 2 * 2;
    const int ld2 = kstep / 2;
    // Rounded A of one row block; without heap memory, blocks of one register tile on the stack.
    uint32_t small[EK_MR * (EK_KC / 2 + 1)];
    uint32_t *abuf = (uint32_t *)malloc((size_t)EK_MC * ld2 * sizeof(uint32_t));
    const int mc = abuf ? EK_MC : EK_MR;
    if (!abuf) abuf = small;
    for (int jc = g->p0; jc < g->p1; jc += EK_NCP) {
    const int jend = jc + EK_NCP < g->p1 ? jc + EK_NCP : g->p1;
    for (int pc = 0; pc < k; pc += kstep) {
        int kc = k - pc < kstep ? k - pc : kstep;
        int kc2 = (kc + 1) / 2;
        int last = pc + kc >= k;
        for (int ic = g->m0; ic < g->m1; ic += mc) {
            int iend = ic + mc < g->m1 ? ic + mc : g->m1;
            round_a_pairs(g->a + (long)ic * g->lda + pc, g->lda, iend - ic, kc, abuf, ld2);
            for (int p = jc; p < jend; p++) {
                const uint16_t *panel = (const uint16_t *)g->b + ((long)p * k2 + pc) * EK_NR;
                int col = p * EK_NR;
                int nr = n - col < EK_NR ? n - col : EK_NR;
                for (int r = ic; r < iend; r += EK_MR) {
                    int mr = iend - r < EK_MR ? iend - r : EK_MR;
                    float *c = g->c + (long)r * g->ldc + col;
                    ukr_bf16_pairs(kc2, abuf + (long)(r - ic) * ld2, ld2, panel, c, g->ldc, mr, nr, pc > 0);
                    if (last && epilogue) {
                        for (int rr = 0; rr < mr; rr++)
                            epilogue_row(c + (long)rr * g->ldc, nr, g->bias ? g->bias + col : NULL, g->act,
                                         g->residual ? g->residual + (long)(r + rr) * g->ldr + col : NULL);
                    }
                }
            }
        }
    }
    }
    if (abuf != small) free(abuf);
}

#if EK_MADDUBS
#include <immintrin.h>   // the AVX2 int8 kernel's VPMADDUBSW
#endif
#include "gemm_int8.h"

EK_TARGET void EK_SFX(ek_gemm)(const ek_gemm_args *g) {
    if (g->dtype == EK_DT_BF16_PAIRS && g->k > 0) { gemm_bf16_pairs(g); return; }
    if (g->dtype == EK_DT_I8_QUADS && g->k > 0) { gemm_i8_quads(g); return; }
    const int k = g->k, n = g->n;
    const int esize = g->dtype == EK_DT_F32 ? 4 : 2;
    const int epilogue = g->bias || g->act != EK_ACT_NONE || g->residual;
    // K blocks of at most EK_KC, balanced (K = 1024 -> 2 x 512). Measured on the Emerald Rapids host
    // under load: kc 768 beat 256 by ~10 % on the BERT-base shapes.
    const int passes = (k + EK_KC - 1) / EK_KC;
    const int kstep = passes > 0 ? (k + passes - 1) / passes : 1;
    // Column blocks of EK_NCP panels: the kc x (32·EK_NCP) block of B stays in L2 while every row
    // block of A streams past it (wide weights such as FFN up do not fit L2 whole).
    for (int jc = g->p0; jc < g->p1; jc += EK_NCP) {
    const int jend = jc + EK_NCP < g->p1 ? jc + EK_NCP : g->p1;
    for (int pc = 0; pc < k; pc += kstep) {
        int kc = k - pc < kstep ? k - pc : kstep;
        int last = pc + kc >= k;
        for (int ic = g->m0; ic < g->m1; ic += EK_MC) {
            int iend = ic + EK_MC < g->m1 ? ic + EK_MC : g->m1;
            for (int p = jc; p < jend; p++) {
                const char *panel = (const char *)g->b + ((long)p * k + pc) * EK_NR * esize;
                int col = p * EK_NR;
                int nr = n - col < EK_NR ? n - col : EK_NR;
                for (int r = ic; r < iend; r += EK_MR) {
                    int mr = iend - r < EK_MR ? iend - r : EK_MR;
                    const float *a = g->a + (long)r * g->lda + pc;
                    float *c = g->c + (long)r * g->ldc + col;
                    switch (g->dtype) {
                    case EK_DT_F32: ukr_f32(kc, a, g->lda, panel, c, g->ldc, mr, nr, pc > 0); break;
                    case EK_DT_F16: ukr_f16(kc, a, g->lda, panel, c, g->ldc, mr, nr, pc > 0); break;
                    default: ukr_bf16(kc, a, g->lda, panel, c, g->ldc, mr, nr, pc > 0); break;
                    }
                    if (last && epilogue) {
                        for (int rr = 0; rr < mr; rr++)
                            epilogue_row(c + (long)rr * g->ldc, nr, g->bias ? g->bias + col : NULL, g->act,
                                         g->residual ? g->residual + (long)(r + rr) * g->ldr + col : NULL);
                    }
                }
            }
        }
    }
    }
    if (k == 0) { // degenerate: C = act(bias) + residual
        for (int r = g->m0; r < g->m1; r++) {
            int c0 = g->p0 * EK_NR, c1 = g->p1 * EK_NR < n ? g->p1 * EK_NR : n;
            float *c = g->c + (long)r * g->ldc + c0;
            for (int j = 0; j < c1 - c0; j++) c[j] = 0;
            epilogue_row(c, c1 - c0, g->bias ? g->bias + c0 : NULL, g->act,
                         g->residual ? g->residual + (long)r * g->ldr + c0 : NULL);
        }
    }
}

// ---- flash attention ---------------------------------------------------------------------------
#ifndef EK_BQ
#define EK_BQ 96
#endif
#ifndef EK_BK
#define EK_BK 256
#endif

EK_TARGET int EK_SFX(ek_attention)(const float *q, const float *k, const float *v, int ld, float *out, int ldo,
                                     int len, int d, int q0, int q1, float scale, float slope, const float *bias,
                                     int before, int after, int bf16) {
    if (q1 <= q0 || len <= 0 || d <= 0) return 0;
#if EK_DPBF16 || EK_BFDOT
    const int pairs = bf16;   // QKᵀ and P·V as bf16 pairs through the bf16 GEMM micro-kernel
#else
    const int pairs = 0;
    (void)bf16;
#endif
    const int d2 = (d + 1) / 2;
    const int dp = (d + EK_NR - 1) / EK_NR * EK_NR;          // head dim padded to panels
    const long lp = (len + EK_NR - 1) / EK_NR * EK_NR;       // keys padded to panels
    const int ls = lp < EK_BK ? (int)lp : EK_BK;             // S's row length: one key block, or the whole sequence
    const long sN = (long)EK_BQ * ls, ktN = lp * d, vpN = lp * dp, oN = (long)EK_BQ * dp;
    // Scratch: this thread's reusable buffer when the job fits in it (short sequences: no allocation, no
    // page faults per call), else its own allocation.
    // bf16 pairs: Kᵀ and V packed as pairs in the Kt and Vp regions (they need at most as many words), plus
    // a query block's rounded Q and one key block's rounded P.
    const long qpN = pairs ? (long)EK_BQ * d2 : 0, ppN = pairs ? (long)EK_BQ * (ls / 2 + 1) : 0;
    const size_t bytes = ((sN + ktN + vpN + oN + 2 * EK_BQ + qpN + ppN) * 4 + 63) / 64 * 64;
    float *mem = bytes <= EK_SCRATCH_BYTES ? ek_thread_scratch() : (float *)aligned_alloc(64, bytes);
    if (!mem) return -1;
    float *S = mem, *Kt = S + sN, *Vp = Kt + ktN, *O = Vp + vpN, *M = O + oN, *L = M + EK_BQ;
    uint32_t *Qp = (uint32_t *)(L + EK_BQ), *Pp = Qp + qpN;
    const uint16_t *Kt16 = (const uint16_t *)Kt;
    uint16_t *Vp16 = (uint16_t *)Vp;
    vf iota;
    for (int i = 0; i < EK_W; i++) iota[i] = (float)i;

    // Pack the whole sequence once per job. Kᵀ: panel j holds keys 32j..<32j+32 as [d][32];
    // V: panel c holds head columns 32c..<32c+32 as [lp][32]. As bf16 pairs: Kᵀ panel j is [d2][32][2]
    // (pairs of head columns), V panel c is [lp/2][32][2] (pairs of keys). V is zero padded (P·V reads its
    // padding, with P = 0); Kᵀ's padding is left as it is: the score columns it gives are never stored.
    if (pairs) {
        uint32_t *Kt32 = (uint32_t *)Kt, *row = Qp;   // Qp holds one key's pairs until the queries need it
        for (long key = 0; key < len; key++) {
            round_a_pairs(k + key * ld, ld, 1, d, row, d2);
            uint32_t *dst = Kt32 + (key / EK_NR) * d2 * EK_NR + key % EK_NR;
            for (int c2 = 0; c2 < d2; c2++) dst[c2 * EK_NR] = row[c2];
        }
        for (int pd = 0; pd < dp / EK_NR; pd++) {
            const int w = d - pd * EK_NR < EK_NR ? d - pd * EK_NR : EK_NR;
            for (long jj = 0; jj < lp; jj += 2) {
                const float *v0 = v + jj * ld + pd * EK_NR, *v1 = v0 + ld;
                uint16_t *dst = Vp16 + ((long)pd * (lp / 2) + jj / 2) * 2 * EK_NR;
#if EK_DPBF16
                // Keys jj and jj + 1 of 16 columns at a time, interleaved: word c = (v[jj][c], v[jj + 1][c]).
                const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                                            23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
                for (int h = 0; h < EK_NR; h += 16) {
                    const int left = w - h;
                    const __mmask16 m = left >= 16 ? 0xffff : left <= 0 ? 0 : (__mmask16)((1u << left) - 1);
                    const __m512 lo = _mm512_maskz_loadu_ps(jj < len ? m : 0, v0 + h);
                    const __m512 hi = _mm512_maskz_loadu_ps(jj + 1 < len ? m : 0, v1 + h);
                    _mm512_storeu_si512(dst + 2 * h, _mm512_permutexvar_epi16(interleave, (__m512i)_mm512_cvtne2ps_pbh(hi, lo)));
                }
#else
                for (int c = 0; c < EK_NR; c++) {
                    dst[2 * c] = jj < len && c < w ? ek_bf16_bits(v0[c]) : 0;
                    dst[2 * c + 1] = jj + 1 < len && c < w ? ek_bf16_bits(v1[c]) : 0;
                }
#endif
            }
        }
    }
    for (long key = 0; !pairs && key < len; key++) {
        float *dst = Kt + (key / EK_NR) * d * EK_NR + key % EK_NR;
        const float *src = k + key * ld;
        for (int c = 0; c < d; c++) dst[c * EK_NR] = src[c];
    }
    for (int pd = 0; !pairs && pd < dp / EK_NR; pd++) {
        float *dst = Vp + (long)pd * lp * EK_NR;
        int w = d - pd * EK_NR < EK_NR ? d - pd * EK_NR : EK_NR;
        for (long jj = 0; jj < lp; jj++) {
            const float *src = v + jj * ld + pd * EK_NR;
            int wv = jj < len ? w : 0;
            for (int c = 0; c < wv; c++) dst[jj * EK_NR + c] = src[c];
            for (int c = wv; c < EK_NR; c++) dst[jj * EK_NR + c] = 0;
        }
    }

    for (int qb = q0; qb < q1; qb += EK_BQ) {
        const int bq = q1 - qb < EK_BQ ? q1 - qb : EK_BQ;
        for (int i = 0; i < bq; i++) { M[i] = -INFINITY; L[i] = 0; }
        for (long i = 0; i < (long)bq * dp; i++) O[i] = 0;
        if (pairs) round_a_pairs(q + (long)qb * ld, ld, bq, d, Qp, d2);
        // A window: only the key blocks some query of this block may see.
        int kfirst = before < 0 || qb - before <= 0 ? 0 : (qb - before) / EK_BK * EK_BK;
        int kend = after < 0 || qb + bq + after >= len ? len : qb + bq + after;
        for (int kb = kfirst; kb < kend; kb += EK_BK) {
            const int bk = len - kb < EK_BK ? len - kb : EK_BK;
            const int kpanels = (bk + EK_NR - 1) / EK_NR;
            const int bkv = (bk + EK_W - 1) / EK_W * EK_W; // softmax width: whole vectors, lanes >= bk masked
            // S = Q·Kᵀ for this key block
            for (int r = 0; r < bq; r += EK_MR) {
                int mr = bq - r < EK_MR ? bq - r : EK_MR;
                for (int pj = 0; pj < kpanels; pj++) {
                    int nr = bk - pj * EK_NR < EK_NR ? bk - pj * EK_NR : EK_NR;
                    if (pairs)
                        ukr_bf16_pairs(d2, Qp + (long)r * d2, d2, Kt16 + (long)(kb / EK_NR + pj) * d2 * 2 * EK_NR,
                                       S + r * ls + pj * EK_NR, ls, mr, nr, 0);
                    else
                        ukr_f32(d, q + (long)(qb + r) * ld, ld, Kt + (long)(kb / EK_NR + pj) * d * EK_NR,
                                S + r * ls + pj * EK_NR, ls, mr, nr, 0);
                }
            }
            // online softmax: S becomes P, O and L are rescaled
            for (int i = 0; i < bq; i++) {
                float *srow = S + i * ls;
                const vf qi = vsplat((float)(qb + i));
                vf mx = vsplat(-INFINITY);
                for (int j = 0; j < bkv; j += EK_W) {
                    vf s = vload(srow + j) * vsplat(scale);
                    vf kj = iota + vsplat((float)(kb + j));
                    s = s - vsplat(slope) * vabs(kj - qi);
                    if (bias) s = s + vload(bias + (kb + j) - (qb + i) + (len - 1));
                    s = vsel(iota + vsplat((float)j) < vsplat((float)bk), s, vsplat(-INFINITY));
                    if (before >= 0) s = vsel(kj >= qi - vsplat((float)before), s, vsplat(-INFINITY));
                    if (after >= 0) s = vsel(kj <= qi + vsplat((float)after), s, vsplat(-INFINITY));
                    vstore(srow + j, s);
                    mx = vmax(mx, s);
                }
                float mnew = hmax(mx);
                if (M[i] > mnew) mnew = M[i];
                if (mnew == -INFINITY) { // no key of this row seen yet: P = 0, nothing to rescale
                    for (int j = 0; j < bkv; j += EK_W) vstore(srow + j, vsplat(0));
                    continue;
                }
                float corr = M[i] == -INFINITY ? 0.0f : expf(M[i] - mnew);
                M[i] = mnew;
                vf sum = vsplat(0);
                for (int j = 0; j < bkv; j += EK_W) {
                    vf p = vexp(vload(srow + j) - vsplat(mnew));
                    vstore(srow + j, p);
                    sum += p;
                }
                L[i] = L[i] * corr + hsum(sum);
                if (corr != 1.0f) {
                    float *orow = O + (long)i * dp;
                    for (int c = 0; c < dp; c += EK_W) vstore(orow + c, vload(orow + c) * vsplat(corr));
                }
            }
            // O += P·V (kb is even: key blocks are whole panels)
            const int bk2 = (bk + 1) / 2;
            if (pairs) round_a_pairs(S, ls, bq, bk, Pp, bk2);
            for (int r = 0; r < bq; r += EK_MR) {
                int mr = bq - r < EK_MR ? bq - r : EK_MR;
                for (int pd = 0; pd < dp / EK_NR; pd++) {
                    int nr = d - pd * EK_NR < EK_NR ? d - pd * EK_NR : EK_NR;
                    if (pairs)
                        ukr_bf16_pairs(bk2, Pp + (long)r * bk2, bk2, Vp16 + ((long)pd * (lp / 2) + kb / 2) * 2 * EK_NR,
                                       O + (long)r * dp + pd * EK_NR, dp, mr, nr, 1);
                    else
                        ukr_f32(bk, S + r * ls, ls, Vp + (long)pd * lp * EK_NR + (long)kb * EK_NR,
                                O + (long)r * dp + pd * EK_NR, dp, mr, nr, 1);
                }
            }
        }
        for (int i = 0; i < bq; i++) {
            float inv = 1.0f / L[i];
            float *o = out + (long)(qb + i) * ldo;
            const float *src = O + (long)i * dp;
            for (int c = 0; c < d; c++) o[c] = src[c] * inv;
        }
    }
    if (bytes > EK_SCRATCH_BYTES) free(mem);
    return 0;
}

// ---- row-wise and elementwise operations -------------------------------------------------------
EK_TARGET void EK_SFX(ek_bias_act_residual)(float *y, int ldy, int r0, int r1, int n, const float *bias, int act,
                                              const float *residual, int ldr) {
    for (int r = r0; r < r1; r++)
        epilogue_row(y + (long)r * ldy, n, bias, act, residual ? residual + (long)r * ldr : NULL);
}

EK_TARGET void EK_SFX(ek_add_layernorm)(float *x, const float *residual, const float *gamma, const float *beta,
                                          float eps, int r0, int r1, int cols) {
    for (int r = r0; r < r1; r++) {
        float *row = x + (long)r * cols;
        const float *res = residual ? residual + (long)r * cols : NULL;
        vf s = vsplat(0);
        float st = 0;
        int c = 0;
        for (; c + EK_W <= cols; c += EK_W) {
            vf v = vload(row + c);
            if (res) { v += vload(res + c); vstore(row + c, v); }
            s += v;
        }
        for (; c < cols; c++) {
            if (res) row[c] += res[c];
            st += row[c];
        }
        float mean = (hsum(s) + st) / (float)cols;
        vf q = vsplat(0);
        float qt = 0;
        for (c = 0; c + EK_W <= cols; c += EK_W) {
            vf dv = vload(row + c) - vsplat(mean);
            q = VFMA(dv, dv, q);
        }
        for (; c < cols; c++) { float dv = row[c] - mean; qt += dv * dv; }
        float var = (hsum(q) + qt) / (float)cols;
        float inv = 1.0f / sqrtf(var + eps);
        for (c = 0; c + EK_W <= cols; c += EK_W) {
            vf v = (vload(row + c) - vsplat(mean)) * vsplat(inv);
            vstore(row + c, VFMA(v, vload(gamma + c), vload(beta + c)));
        }
        for (; c < cols; c++) row[c] = (row[c] - mean) * inv * gamma[c] + beta[c];
    }
}

EK_TARGET void EK_SFX(ek_rmsnorm)(float *x, int ld, int r0, int r1, int groups, int cols, const float *gamma,
                                   float eps) {
    for (int r = r0; r < r1; r++)
        for (int g = 0; g < groups; g++) {
            float *row = x + (long)r * ld + (long)g * cols;
            vf q = vsplat(0);
            float qt = 0;
            int c = 0;
            for (; c + EK_W <= cols; c += EK_W) { vf v = vload(row + c); q = VFMA(v, v, q); }
            for (; c < cols; c++) qt += row[c] * row[c];
            float inv = 1.0f / sqrtf((hsum(q) + qt) / (float)cols + eps);
            for (c = 0; c + EK_W <= cols; c += EK_W) vstore(row + c, vload(row + c) * vsplat(inv) * vload(gamma + c));
            for (; c < cols; c++) row[c] = row[c] * inv * gamma[c];
        }
}

EK_TARGET void EK_SFX(ek_gelu)(float *x, long count) {
    long i = 0;
    for (; i + EK_W <= count; i += EK_W) vstore(x + i, vgelu(vload(x + i)));
    for (; i < count; i++) x[i] = sgelu(x[i]);
}

EK_TARGET void EK_SFX(ek_glu)(const float *g, float *out, int r0, int r1, int inner, int act) {
    for (int r = r0; r < r1; r++) {
        const float *gr = g + (long)r * 2 * inner, *up = gr + inner;
        float *o = out + (long)r * inner;
        int j = 0;
        if (act == EK_ACT_SILU) {
            for (; j + EK_W <= inner; j += EK_W) vstore(o + j, vsilu(vload(gr + j)) * vload(up + j));
            for (; j < inner; j++) o[j] = ssilu(gr[j]) * up[j];
        } else {
            for (; j + EK_W <= inner; j += EK_W) vstore(o + j, vgelu(vload(gr + j)) * vload(up + j));
            for (; j < inner; j++) o[j] = sgelu(gr[j]) * up[j];
        }
    }
}

EK_TARGET void EK_SFX(ek_rotary)(float *x, int ld, int r0, int r1, int heads, int head_dim, const float *cos_table,
                                 const float *sin_table) {
    int half = head_dim / 2;
    for (int r = r0; r < r1; r++) {
        const float *c = cos_table + (long)r * half, *s = sin_table + (long)r * half;
        for (int h = 0; h < heads; h++) {
            float *a = x + (long)r * ld + (long)h * head_dim, *b = a + half;
            int i = 0;
            for (; i + EK_W <= half; i += EK_W) {
                vf va = vload(a + i), vb = vload(b + i), vc = vload(c + i), vs = vload(s + i);
                vstore(a + i, va * vc - vb * vs);
                vstore(b + i, vb * vc + va * vs);
            }
            for (; i < half; i++) {
                float ai = a[i], bi = b[i];
                a[i] = ai * c[i] - bi * s[i];
                b[i] = bi * c[i] + ai * s[i];
            }
        }
    }
}

EK_TARGET void EK_SFX(ek_vmath)(int fn, const float *x, float *out, long count) {
    long i = 0;
    for (; i < count; i += EK_W) {
        float tmp[EK_W] = {0};
        long w = count - i < EK_W ? count - i : EK_W;
        memcpy(tmp, x + i, w * 4);
        vf v = vload(tmp);
        v = fn == 0 ? vexp(v) : fn == 1 ? verf(v) : verfc(v);
        vstore(tmp, v);
        memcpy(out + i, tmp, w * 4);
    }
}
