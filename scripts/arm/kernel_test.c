// Kernel-family tests for AArch64, run under qemu-user (scripts/ci/15-arm-kernels.sh): every NEON family
// this CPU model has, against the scalar reference, on shapes with edges and tails; and the run-time
// dispatch, against the features the CPU model is known to have.
//
// usage: kernel_test [--expect dotprod,i8mm,bf16 | --expect none]
#include "ckernels.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int passed, failed;

static void check(int ok, const char *what) {
    if (ok) passed++;
    else { failed++; printf("FAIL %s\n", what); }
}

static uint32_t rng = 12345;
static float frand(void) { // uniform in [-1, 1)
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffffff) / 8388608.0f - 1.0f;
}
static float *randv(long n, float scale) {
    float *x = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    for (long i = 0; i < n; i++) x[i] = frand() * scale;
    return x;
}
static float bf16_round(float x) {
    uint16_t h = ek_bf16_from_f32(x);
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

// C = A·Wᵀ (+ bias, + residual) through ek_gemm, one call over all rows and panels.
static void run_gemm(int isa, int dtype, const void *packed, const float *a, int m, int n, int k, const float *bias,
                     const float *residual, float *c) {
    ek_gemm_args g = {0, m, 0, (n + EK_NR - 1) / EK_NR, n, k, a, k, packed, dtype, c, n, bias, EK_ACT_NONE, residual, n};
    ek_gemm(isa, &g);
}

static const char *isa_name(int isa) {
    switch (isa) {
    case EK_ISA_GENERIC: return "generic";
    case EK_ISA_NEON: return "neon";
    case EK_ISA_NEON_DOTPROD: return "neon-dotprod";
    case EK_ISA_NEON_I8MM: return "neon-i8mm";
    case EK_ISA_NEON_BF16: return "neon-bf16";
    default: return "other";
    }
}

static const int shapes[][3] = { // m, n, k: edges of every tile (rows % 4, % 6, n % 16, % 32) and K tails
    {1, 1, 1}, {1, 32, 4}, {3, 17, 5}, {5, 33, 7}, {6, 32, 8}, {7, 48, 13}, {13, 70, 67},
    {4, 16, 768}, {9, 40, 769}, {25, 96, 1030}, {97, 65, 130}, {2, 3, 2049},
};
#define NSHAPES (int)(sizeof(shapes) / sizeof(shapes[0]))

// fp32 and fp16-stored GEMMs of `isa` against a double-precision reference.
static void test_fp32(int isa) {
    char what[160];
    for (int s = 0; s < NSHAPES; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        float *a = randv((long)m * k, 1), *w = randv((long)n * k, 0.5f), *bias = randv(n, 1), *res = randv((long)m * n, 1);
        float *packed = malloc(ek_packed_elements(n, k) * sizeof(float));
        ek_pack_f32(w, n, k, packed);
        float *c = malloc((size_t)m * n * sizeof(float));
        run_gemm(isa, EK_DT_F32, packed, a, m, n, k, s % 2 ? bias : NULL, s % 3 ? res : NULL, c);
        double worst = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double ref = (s % 2 ? bias[j] : 0) + (s % 3 ? res[(long)i * n + j] : 0), mag = 1;
                for (int t = 0; t < k; t++) {
                    ref += (double)a[(long)i * k + t] * w[(long)j * k + t];
                    mag += fabs((double)a[(long)i * k + t] * w[(long)j * k + t]);
                }
                double e = fabs(c[(long)i * n + j] - ref) / mag;
                worst = e > worst ? e : worst;
            }
        snprintf(what, sizeof what, "%s fp32 gemm %dx%dx%d: relative error %.2e > 1e-6", isa_name(isa), m, n, k, worst);
        check(worst <= 1e-6, what);
        // fp16 storage: widened in the kernel, so it equals fp32 compute on the fp16-rounded weight.
        uint16_t *h = malloc((size_t)n * k * 2), *hp = malloc(ek_packed_elements(n, k) * 2);
        float *wr = malloc((size_t)n * k * sizeof(float));
        for (long i = 0; i < (long)n * k; i++) {
            _Float16 x = (_Float16)w[i];
            memcpy(&h[i], &x, 2);
            wr[i] = (float)x;
        }
        ek_pack_u16(h, n, k, hp);
        ek_pack_f32(wr, n, k, packed);
        float *c16 = malloc((size_t)m * n * sizeof(float)), *c32 = malloc((size_t)m * n * sizeof(float));
        run_gemm(isa, EK_DT_F16, hp, a, m, n, k, NULL, NULL, c16);
        run_gemm(isa, EK_DT_F32, packed, a, m, n, k, NULL, NULL, c32);
        snprintf(what, sizeof what, "%s fp16-stored gemm %dx%dx%d equals fp32 on the rounded weight", isa_name(isa), m, n, k);
        check(memcmp(c16, c32, (size_t)m * n * sizeof(float)) == 0, what);
        free(a); free(w); free(bias); free(res); free(packed); free(c); free(h); free(hp); free(wr); free(c16); free(c32);
    }
}

// The exact int8 product of row i and feature j (activations quantized as the kernels do, weights as
// packed), scaled in double: the reference when K is split into blocks, where each family rounds its
// per-block partial results (the x86/scalar path's u8 offset moves between blocks) differently.
static double int8_reference(const float *a, int k, int i, const uint8_t *packed, int j) {
    const int kpad = (k + 3) / 4 * 4;
    const uint8_t *panel = packed + (long)(j / EK_NR) * (256 + (long)kpad * EK_NR);
    float wscale;
    memcpy(&wscale, panel + 4 * (j % EK_NR), 4);
    float absmax = 0;
    for (int t = 0; t < k; t++) absmax = fabsf(a[(long)i * k + t]) > absmax ? fabsf(a[(long)i * k + t]) : absmax;
    if (absmax == 0) return 0;
    float inv = 127.0f / absmax;
    long sum = 0;
    for (int t = 0; t < k; t++) {
        int qa = (int)nearbyintf(a[(long)i * k + t] * inv);
        int8_t qw = (int8_t)panel[256 + (t / 4) * 128 + 4 * (j % EK_NR) + (t & 3)];
        sum += (long)qa * qw;
    }
    return (double)sum * (absmax / 127.0f) * wscale;
}

// int8 GEMMs of `isa` against the generic family's scalar path: with K in one block, identical int32
// sums and identical float steps after them, so the outputs must be bit for bit the same; with K in
// several blocks, both within float rounding of the exact integer result.
static void test_int8(int isa) {
    char what[160];
    for (int s = 0; s < NSHAPES; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        float *a = randv((long)m * k, 2), *w = randv((long)n * k, 0.5f), *bias = randv(n, 1), *res = randv((long)m * n, 1);
        if (s == 3) for (int t = 0; t < k; t++) a[t] = 0; // an all-zero row (scale 0)
        uint8_t *packed = malloc(ek_packed_quad_bytes(n, k));
        check(ek_pack_i8_quads_f32(w, n, k, packed) == 0, "int8 packing");
        float *c = malloc((size_t)m * n * sizeof(float)), *ref = malloc((size_t)m * n * sizeof(float));
        run_gemm(isa, EK_DT_I8_QUADS, packed, a, m, n, k, s % 2 ? bias : NULL, s % 3 ? res : NULL, c);
        run_gemm(EK_ISA_GENERIC, EK_DT_I8_QUADS, packed, a, m, n, k, s % 2 ? bias : NULL, s % 3 ? res : NULL, ref);
        const char *family = isa_name(ek_gemm_family(isa, EK_DT_I8_QUADS));
        {   // Smoothing (a_scale): quantizing a·cs inside the GEMM equals quantizing the pre-multiplied rows.
            float *cs = randv(k, 1), *scaled = malloc((size_t)m * k * sizeof(float));
            float *c1 = malloc((size_t)m * n * sizeof(float)), *c2 = malloc((size_t)m * n * sizeof(float));
            for (int t = 0; t < k; t++) cs[t] = 0.25f + (cs[t] < 0 ? -cs[t] : cs[t]);
            for (long t = 0; t < (long)m * k; t++) scaled[t] = a[t] * cs[t % k];
            ek_gemm_args g = {0, m, 0, (n + EK_NR - 1) / EK_NR, n, k, a, k, packed, EK_DT_I8_QUADS, c1, n, NULL, EK_ACT_NONE, NULL, n, cs};
            ek_gemm(isa, &g);
            run_gemm(isa, EK_DT_I8_QUADS, packed, scaled, m, n, k, NULL, NULL, c2);
            int same = memcmp(c1, c2, (size_t)m * n * sizeof(float)) == 0;
            snprintf(what, sizeof what, "%s int8 gemm %dx%dx%d with a_scale differs from pre-scaled rows", isa_name(isa), m, n, k);
            check(same, what);
            free(cs); free(scaled); free(c1); free(c2);
        }
        if (n % 2 == 0 && (k + 3) / 4 * 4 <= 2 * 768) {
            // A gated unit in the GEMM's epilogue (EK_ACT_GLU_*, interleaved panels) equals the projection
            // followed by ek_glu, bit for bit (one K block both ways).
            const int inner = n / 2, panels = (inner + 15) / 16;
            uint8_t *glu = malloc(ek_packed_quad_bytes(panels * EK_NR, k));
            float *gbias = malloc((size_t)panels * EK_NR * sizeof(float));
            float *wide = malloc((size_t)m * n * sizeof(float)), *want = malloc((size_t)m * inner * sizeof(float));
            float *got = malloc((size_t)m * inner * sizeof(float));
            ek_interleave_i8_quads_glu(packed, inner, k, glu);
            ek_interleave_glu_bias(bias, inner, gbias);
            for (int act = EK_ACT_GELU; act <= EK_ACT_SILU; act++) {
                run_gemm(isa, EK_DT_I8_QUADS, packed, a, m, n, k, bias, NULL, wide);
                ek_glu(isa, wide, want, 0, m, inner, act);
                ek_gemm_args g = {0, m, 0, panels, inner, k, a, k, glu, EK_DT_I8_QUADS, got, inner, gbias,
                                  act == EK_ACT_GELU ? EK_ACT_GLU_GELU : EK_ACT_GLU_SILU, NULL, inner, NULL};
                ek_gemm(isa, &g);
                snprintf(what, sizeof what, "%s int8 gemm %dx%dx%d: the fused gated unit (act %d) differs from gemm + ek_glu",
                         isa_name(isa), m, n, k, act);
                check(memcmp(got, want, (size_t)m * inner * sizeof(float)) == 0, what);
            }
            free(glu); free(gbias); free(wide); free(want); free(got);
        }
        if ((k + 3) / 4 * 4 <= 2 * 768) { // one K block
            long diff = 0;
            for (long i = 0; i < (long)m * n; i++) diff += memcmp(&c[i], &ref[i], 4) != 0;
            snprintf(what, sizeof what, "%s int8 gemm %dx%dx%d (family %s): %ld of %ld values differ from the scalar path",
                     isa_name(isa), m, n, k, family, diff, (long)m * n);
            check(diff == 0, what);
        } else {
            double worst = 0, worst_scalar = 0;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double exact = int8_reference(a, k, i, packed, j) + (s % 2 ? bias[j] : 0) + (s % 3 ? res[(long)i * n + j] : 0);
                    double e = fabs(c[(long)i * n + j] - exact) / (1 + fabs(exact));
                    double es = fabs(ref[(long)i * n + j] - exact) / (1 + fabs(exact));
                    worst = e > worst ? e : worst;
                    worst_scalar = es > worst_scalar ? es : worst_scalar;
                }
            snprintf(what, sizeof what, "%s int8 gemm %dx%dx%d (family %s, K blocks): error %.2e (scalar path %.2e) > 1e-5",
                     isa_name(isa), m, n, k, family, worst, worst_scalar);
            check(worst <= 1e-5 && worst_scalar <= 1e-5, what);
        }
        free(a); free(w); free(bias); free(res); free(packed); free(c); free(ref);
    }
}

// bf16-pair GEMMs of `isa` against a double-precision reference on the bf16-rounded inputs.
static void test_bf16(int isa) {
    char what[160];
    for (int s = 0; s < NSHAPES; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        float *a = randv((long)m * k, 1), *w = randv((long)n * k, 0.5f);
        uint16_t *packed = malloc(ek_packed_pair_elements(n, k) * 2);
        ek_pack_bf16_pairs_f32(w, n, k, packed);
        float *c = malloc((size_t)m * n * sizeof(float));
        run_gemm(isa, EK_DT_BF16_PAIRS, packed, a, m, n, k, NULL, NULL, c);
        double worst = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double ref = 0, mag = 1;
                for (int t = 0; t < k; t++) {
                    double p = (double)bf16_round(a[(long)i * k + t]) * bf16_round(w[(long)j * k + t]);
                    ref += p;
                    mag += fabs(p);
                }
                double e = fabs(c[(long)i * n + j] - ref) / mag;
                worst = e > worst ? e : worst;
            }
        // fp32 accumulation of exact bf16 products (BFDOT may round each pair sum once more).
        snprintf(what, sizeof what, "%s bf16 gemm %dx%dx%d (family %s): relative error %.2e > 1e-5", isa_name(isa), m, n,
                 k, isa_name(ek_gemm_family(isa, EK_DT_BF16_PAIRS)), worst);
        check(worst <= 1e-5, what);
        free(a); free(w); free(packed); free(c);
    }
}

// Attention, LayerNorm, GELU/GEGLU and the vector math of `isa` against double-precision references.
static void test_row_ops(int isa) {
    char what[160];
    const int lens[] = {1, 5, 97, 300}, dims[] = {8, 33, 64};
    // Windows (before, after): none, ±7 (ModernBERT's local layers; key blocks skipped at 300), causal.
    const int windows[][2] = {{-1, -1}, {7, 7}, {-1, 0}};
    // bf16 (reduced precision): where the family has a bf16 dot product, within 5e-3 of the reference on
    // bf16-rounded Q, K and V (P is rounded too); elsewhere the fp32 result, bit for bit.
    const int family = ek_gemm_family(isa, EK_DT_BF16_PAIRS);
    const int pairs = family == EK_ISA_NEON_BF16 || family == EK_ISA_AVX512_BF16;
    for (int bf16 = 0; bf16 < 2; bf16++)
    for (int wi = 0; wi < 3; wi++)
    for (int li = 0; li < 4; li++)
        for (int di = 0; di < 3; di++) {
            int len = lens[li], d = dims[di], ld = d + 3, before = windows[wi][0], after = windows[wi][1];
            float *q = randv((long)len * ld, 1), *kk = randv((long)len * ld, 1), *v = randv((long)len * ld, 1);
            float *out = calloc((size_t)len * d, sizeof(float)), *out32 = calloc((size_t)len * d, sizeof(float));
            float scale = 1.0f / sqrtf((float)d), slope = 0.0625f;
            // A per-distance bias table (MPNet's relative positions), index (j - i) + len - 1, padded.
            float *bias = calloc((size_t)(2 * len + 64), sizeof(float));
            for (int t = 0; t < 2 * len - 1; t++) bias[t] = 0.3f * sinf(0.7f * (float)t);
            check(ek_attention(isa, q, kk, v, ld, out, d, len, d, 0, len, scale, slope, bias, before, after, bf16) == 0,
                  "attention memory");
            check(ek_attention(isa, q, kk, v, ld, out32, d, len, d, 0, len, scale, slope, bias, before, after, 0) == 0,
                  "attention memory");
            const int rounded = bf16 && pairs;
            if (rounded)
                for (long t = 0; t < (long)len * ld; t++) { q[t] = bf16_round(q[t]); kk[t] = bf16_round(kk[t]); v[t] = bf16_round(v[t]); }
            double worst = 0;
            double *p = malloc((size_t)len * sizeof(double));
            for (int i = 0; i < len; i++) {
                double mx = -INFINITY, sum = 0;
                for (int j = 0; j < len; j++) {
                    double sc = 0;
                    for (int c = 0; c < d; c++) sc += (double)q[(long)i * ld + c] * kk[(long)j * ld + c];
                    p[j] = sc * scale - slope * fabs((double)(i - j)) + bias[j - i + len - 1];
                    if ((before >= 0 && j < i - before) || (after >= 0 && j > i + after)) p[j] = -INFINITY;
                    mx = p[j] > mx ? p[j] : mx;
                }
                for (int j = 0; j < len; j++) { p[j] = exp(p[j] - mx); sum += p[j]; }
                for (int c = 0; c < d; c++) {
                    double o = 0;
                    for (int j = 0; j < len; j++) o += p[j] * v[(long)j * ld + c];
                    double e = fabs(out[(long)i * d + c] - o / sum);
                    worst = e > worst ? e : worst;
                }
            }
            const double bound = rounded ? 5e-3 : 2e-5;
            snprintf(what, sizeof what, "%s attention%s len %d dim %d window (%d, %d): max error %.2e > %.0e", isa_name(isa),
                     rounded ? " (bf16)" : "", len, d, before, after, worst, bound);
            check(worst <= bound, what);
            if (bf16 && !pairs) {
                snprintf(what, sizeof what, "%s attention asked for bf16 without a bf16 dot product is not the fp32 result", isa_name(isa));
                check(memcmp(out, out32, (size_t)len * d * sizeof(float)) == 0, what);
            }
            free(q); free(kk); free(v); free(out); free(out32); free(p); free(bias);
        }
    const int cols[] = {1, 7, 384, 1029};
    for (int ci = 0; ci < 4; ci++) {
        int rows = 5, n = cols[ci];
        float *x = randv((long)rows * n, 3), *r = randv((long)rows * n, 1), *gam = randv(n, 1), *bet = randv(n, 1);
        double *want = malloc((size_t)rows * n * sizeof(double));
        for (int i = 0; i < rows; i++) {
            double mean = 0, var = 0;
            for (int j = 0; j < n; j++) mean += (double)x[(long)i * n + j] + r[(long)i * n + j];
            mean /= n;
            for (int j = 0; j < n; j++) { double t = (double)x[(long)i * n + j] + r[(long)i * n + j] - mean; var += t * t; }
            var /= n;
            for (int j = 0; j < n; j++)
                want[(long)i * n + j] = ((double)x[(long)i * n + j] + r[(long)i * n + j] - mean) / sqrt(var + 1e-12) * gam[j] + bet[j];
        }
        ek_add_layernorm(isa, x, r, gam, bet, 1e-12f, 0, rows, n);
        double worst = 0;
        for (long i = 0; i < (long)rows * n; i++) { double e = fabs(x[i] - want[i]); worst = e > worst ? e : worst; }
        snprintf(what, sizeof what, "%s add+layernorm cols %d: max error %.2e > 1e-5", isa_name(isa), n, worst);
        check(worst <= 1e-5, what);
        free(x); free(r); free(gam); free(bet); free(want);
    }
    // GELU, GEGLU, exp, erf, erfc over a wide range (1001 values: every tail of a 4-lane loop).
    long count = 1001;
    float *x = malloc(count * sizeof(float)), *y = malloc(count * sizeof(float));
    for (long i = 0; i < count; i++) x[i] = -12.0f + 24.0f * (float)i / (float)(count - 1);
    double worst = 0;
    memcpy(y, x, count * sizeof(float));
    ek_gelu(isa, y, count);
    for (long i = 0; i < count; i++) {
        double g = 0.5 * x[i] * erfc(-x[i] / sqrt(2.0));
        double e = fabs(y[i] - g) / (fabs(g) + 1e-30);
        if (fabs(g) > 1e-30) worst = e > worst ? e : worst;
    }
    snprintf(what, sizeof what, "%s gelu: max relative error %.2e > 1e-5", isa_name(isa), worst);
    check(worst <= 1e-5, what);
    float *g2 = malloc(2 * count * sizeof(float)), *o = malloc(count * sizeof(float));
    memcpy(g2, x, count * sizeof(float));
    for (long i = 0; i < count; i++) g2[count + i] = (float)(i % 7) - 3.0f;
    ek_glu(isa, g2, o, 0, 1, (int)count, EK_ACT_GELU);
    worst = 0;
    for (long i = 0; i < count; i++) {
        double g = 0.5 * x[i] * erfc(-x[i] / sqrt(2.0)) * g2[count + i];
        double e = fabs(o[i] - g) / (fabs(g) + 1e-6);
        worst = e > worst ? e : worst;
    }
    snprintf(what, sizeof what, "%s geglu: max relative error %.2e > 1e-5", isa_name(isa), worst);
    check(worst <= 1e-5, what);
    ek_glu(isa, g2, o, 0, 1, (int)count, EK_ACT_SILU);
    worst = 0;
    for (long i = 0; i < count; i++) {
        double g = x[i] / (1 + exp(-(double)x[i])) * g2[count + i];
        double e = fabs(o[i] - g) / (fabs(g) + 1e-6);
        worst = e > worst ? e : worst;
    }
    snprintf(what, sizeof what, "%s swiglu: max relative error %.2e > 1e-5", isa_name(isa), worst);
    check(worst <= 1e-5, what);
    // RMSNorm: 4 rows of 3 groups of 37 values (a vector body and a tail), rows 120 floats apart.
    {
        enum { rows = 4, groups = 3, cols = 37, ld = 120 };
        float rx[rows * ld], ry[rows * ld], gamma[cols];
        for (int i = 0; i < rows * ld; i++) rx[i] = ry[i] = (float)((i * 29) % 31) / 5.0f - 3.0f;
        for (int c = 0; c < cols; c++) gamma[c] = 0.5f + (float)c / cols;
        ek_rmsnorm(isa, ry, ld, 0, rows, groups, cols, gamma, 1e-6f);
        worst = 0;
        for (int r = 0; r < rows; r++)
            for (int g = 0; g < groups; g++) {
                const float *a = rx + r * ld + g * cols;
                double ms = 0;
                for (int c = 0; c < cols; c++) ms += (double)a[c] * a[c];
                double inv = 1 / sqrt(ms / cols + 1e-6);
                for (int c = 0; c < cols; c++) {
                    double e = fabs(ry[r * ld + g * cols + c] - a[c] * inv * gamma[c]);
                    worst = e > worst ? e : worst;
                }
            }
        for (int r = 0; r < rows; r++)
            for (int c = groups * cols; c < ld; c++) worst = ry[r * ld + c] != rx[r * ld + c] ? 1 : worst;
        snprintf(what, sizeof what, "%s rmsnorm: max error %.2e > 2e-6", isa_name(isa), worst);
        check(worst <= 2e-6, what);
    }
    // Rotary: 3 rows of 2 heads of 38 values (19 pairs: a vector body and a tail), rows 40 floats apart.
    {
        enum { rows = 3, heads = 2, dim = 38, half = 19, ld = 80 };
        float rx[rows * ld], ry[rows * ld], ct[rows * half], st[rows * half];
        for (int i = 0; i < rows * ld; i++) rx[i] = ry[i] = (float)((i * 37) % 23) / 7.0f - 1.5f;
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < half; i++) { ct[r * half + i] = cosf(0.3f * r * (i + 1)); st[r * half + i] = sinf(0.3f * r * (i + 1)); }
        ek_rotary(isa, ry, ld, 0, rows, heads, dim, ct, st);
        worst = 0;
        for (int r = 0; r < rows; r++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < half; i++) {
                    const float *a = rx + r * ld + h * dim;
                    double c = ct[r * half + i], sn = st[r * half + i];
                    double wa = a[i] * c - a[i + half] * sn, wb = a[i + half] * c + a[i] * sn;
                    double ga = ry[r * ld + h * dim + i], gb = ry[r * ld + h * dim + i + half];
                    double e = fmax(fabs(ga - wa), fabs(gb - wb));
                    worst = e > worst ? e : worst;
                }
        for (int r = 0; r < rows; r++)   // columns past the heads are untouched
            for (int c = heads * dim; c < ld; c++) worst = ry[r * ld + c] != rx[r * ld + c] ? 1 : worst;
        snprintf(what, sizeof what, "%s rotary: max error %.2e > 1e-6", isa_name(isa), worst);
        check(worst <= 1e-6, what);
    }
    struct { const char *name; void (*f)(int, const float *, float *, long); double (*ref)(double); double lo, hi, tol; } fns[] = {
        {"exp", ek_vexp, exp, -80, 80, 2e-7}, {"erf", ek_verf, erf, -6, 6, 2e-7}, {"erfc", ek_verfc, erfc, -3, 9, 2e-6},
    };
    for (int fi = 0; fi < 3; fi++) {
        for (long i = 0; i < count; i++) x[i] = (float)(fns[fi].lo + (fns[fi].hi - fns[fi].lo) * i / (count - 1));
        fns[fi].f(isa, x, y, count);
        worst = 0;
        for (long i = 0; i < count; i++) {
            double r = fns[fi].ref(x[i]);
            if (fabs(r) < 1e-30) continue;
            double e = fabs(y[i] - r) / fabs(r);
            worst = e > worst ? e : worst;
        }
        snprintf(what, sizeof what, "%s %s: max relative error %.2e > %.0e", isa_name(isa), fns[fi].name, worst, fns[fi].tol);
        check(worst <= fns[fi].tol, what);
    }
    free(x); free(y); free(g2); free(o);
}

// The worker pool (ek_pool_run) on this CPU's memory model: every item runs exactly once across thread counts
// and sizes, a call from inside a job is refused (-1) rather than deadlocking, and a job asking for more threads
// than the process can run is refused without running anything.
static long pool_hits[4096];
static void pool_item(void *context, long i) {
    __atomic_fetch_add(&pool_hits[i], 1, __ATOMIC_RELAXED);
    if (context && i == 0) *(int *)context = ek_pool_run(2, 8, pool_item, NULL);
}

static void test_pool(void) {
    int ran = 0, refused = 0, wrong = 0;
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    for (int round = 0; round < 2000; round++) {
        int threads = 2 + round % 4;
        long count = 2 + (round * 37) % 4000;
        memset(pool_hits, 0, sizeof pool_hits);
        int inner = 7;
        int status = ek_pool_run(threads, count, pool_item, round % 50 == 0 ? &inner : NULL);
        if (status != 0) {   // only for more threads than CPUs, and then nothing ran
            refused++;
            wrong += threads <= cpus;
            for (long i = 0; i < count; i++) wrong += pool_hits[i] != 0;
            continue;
        }
        for (long i = 0; i < count; i++) wrong += pool_hits[i] != 1;
        if (round % 50 == 0) wrong += inner != -1;
        ran++;
    }
    char what[200];
    snprintf(what, sizeof what, "worker pool: %d wrong item counts or statuses over %d jobs run, %d refused (%ld CPUs)",
             wrong, ran, refused, cpus);
    check(wrong == 0 && (cpus < 2 || ran >= 500), what);
    printf("worker pool: %d jobs run, %d refused as wider than the %ld CPUs\n", ran, refused, cpus);
    // Several workers whatever this machine has (oversubscribed here: slower, never wrong).
    int saved = ek_pool_cpu_budget(8);
    wrong = 0;
    for (int round = 0; round < 300; round++) {
        int threads = 2 + round % 7;
        long count = 2 + (round * 53) % 3000;
        memset(pool_hits, 0, sizeof pool_hits);
        int status = ek_pool_run(threads, count, pool_item, NULL);
        wrong += status != 0;
        for (long i = 0; i < count; i++) wrong += pool_hits[i] != 1;
    }
    ek_pool_cpu_budget(saved);
    snprintf(what, sizeof what, "worker pool with up to 7 workers: %d wrong item counts or statuses over 300 jobs", wrong);
    check(wrong == 0, what);
}

int main(int argc, char **argv) {
    const char *expect = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--expect")) expect = argv[i + 1];
    int f = ek_cpu_features();
    int dot = (f & EK_CPU_NEON_DOTPROD) != 0, i8mm = (f & EK_CPU_NEON_I8MM) != 0, bf16 = (f & EK_CPU_NEON_BF16) != 0;
    printf("features: neon %d dotprod %d i8mm %d bf16 %d; best %s; int8 runs on %s, bf16 on %s\n", (f & EK_CPU_NEON) != 0,
           dot, i8mm, bf16, isa_name(ek_best_isa()), isa_name(ek_gemm_family(-1, EK_DT_I8_QUADS)),
           isa_name(ek_gemm_family(-1, EK_DT_BF16_PAIRS)));
    check((f & EK_CPU_NEON) && ek_best_isa() == EK_ISA_NEON, "NEON detected and chosen as the base family");
    if (expect) { // the dispatch against what the CPU model is known to have
        int want_dot = strstr(expect, "dotprod") != NULL, want_i8mm = strstr(expect, "i8mm") != NULL,
            want_bf16 = strstr(expect, "bf16") != NULL;
        check(dot == want_dot && i8mm == want_i8mm && bf16 == want_bf16, "detected features equal --expect");
        int int8_family = want_i8mm ? EK_ISA_NEON_I8MM : want_dot ? EK_ISA_NEON_DOTPROD : EK_ISA_NEON;
        check(ek_gemm_family(-1, EK_DT_I8_QUADS) == int8_family, "int8 GEMMs dispatched to the expected family");
        check(ek_gemm_family(-1, EK_DT_BF16_PAIRS) == (want_bf16 ? EK_ISA_NEON_BF16 : EK_ISA_NEON),
              "bf16 GEMMs dispatched to the expected family");
        check(ek_gemm_family(-1, EK_DT_F32) == EK_ISA_NEON, "fp32 GEMMs on the NEON family");
        check(ek_dtype_fast(EK_DT_I8_QUADS) == (want_dot || want_i8mm), "int8 offered exactly when a dot product exists");
        check(ek_dtype_fast(EK_DT_BF16_PAIRS) == want_bf16, "bf16 offered exactly when BFDOT exists");
    }
    test_pool();
    const int families[] = {EK_ISA_NEON, EK_ISA_NEON_DOTPROD, EK_ISA_NEON_I8MM, EK_ISA_NEON_BF16};
    for (int i = 0; i < 4; i++) {
        int isa = families[i];
        if (!ek_isa_supported(isa)) { printf("skipped: %s (not on this CPU model)\n", isa_name(isa)); continue; }
        test_fp32(isa);
        test_int8(isa);
        test_bf16(isa);
        if (isa == EK_ISA_NEON) test_row_ops(isa);
        printf("tested: %s\n", isa_name(isa));
    }
    test_row_ops(EK_ISA_GENERIC); // the fallback family on the same tests
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
