// Weight packing: PyTorch Linear.weight [n, k] -> panels of EK_NR output features, k-major.
#include "ckernels.h"
#include "bf16.h"
#include <stdlib.h>
#include <string.h>

size_t ek_packed_elements(int n, int k) {
    return (size_t)((n + EK_NR - 1) / EK_NR) * (size_t)k * EK_NR;
}

#define EK_PACK(NAME, T)                                                               \
    void NAME(const T *w, int n, int k, T *dst) {                                      \
        int panels = (n + EK_NR - 1) / EK_NR;                                          \
        memset(dst, 0, ek_packed_elements(n, k) * sizeof(T));                          \
        for (int p = 0; p < panels; p++) {                                             \
            T *panel = dst + (size_t)p * k * EK_NR;                                    \
            int width = n - p * EK_NR < EK_NR ? n - p * EK_NR : EK_NR;                 \
            for (int j = 0; j < width; j++) {                                          \
                const T *row = w + (size_t)(p * EK_NR + j) * k;                        \
                for (int kk = 0; kk < k; kk++) panel[(size_t)kk * EK_NR + j] = row[kk]; \
            }                                                                          \
        }                                                                              \
    }

EK_PACK(ek_pack_f32, float)
EK_PACK(ek_pack_u16, uint16_t)

uint16_t ek_bf16_from_f32(float x) { return ek_bf16_bits(x); }

static float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ffu, u;
    if (e == 0x1f) u = sign | 0x7f800000u | (m << 13);
    else if (e != 0) u = sign | ((e + 112) << 23) | (m << 13);
    else if (m == 0) u = sign;
    else { // subnormal: normalise
        e = 113;
        while (!(m & 0x400u)) { m <<= 1; e--; }
        u = sign | (e << 23) | ((m & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &u, 4);
    return f;
}

size_t ek_packed_pair_elements(int n, int k) {
    return (size_t)((n + EK_NR - 1) / EK_NR) * (size_t)((k + 1) / 2 * 2) * EK_NR;
}

#define EK_PACK_PAIRS(NAME, T, CONVERT, EXTRA)                                                     \
    void NAME(const T *w, int n, int k EXTRA, uint16_t *dst) {                                      \
        int panels = (n + EK_NR - 1) / EK_NR, k2 = (k + 1) / 2 * 2;                                 \
        memset(dst, 0, ek_packed_pair_elements(n, k) * sizeof(uint16_t));                           \
        for (int p = 0; p < panels; p++) {                                                          \
            uint16_t *panel = dst + (size_t)p * k2 * EK_NR;                                         \
            int width = n - p * EK_NR < EK_NR ? n - p * EK_NR : EK_NR;                              \
            for (int j = 0; j < width; j++) {                                                       \
                const T *row = w + (size_t)(p * EK_NR + j) * k;                                     \
                for (int kk = 0; kk < k; kk++)                                                      \
                    panel[(size_t)(kk / 2) * 2 * EK_NR + 2 * j + (kk & 1)] = CONVERT(row[kk]);      \
            }                                                                                       \
        }                                                                                           \
    }

#define EK_NO_EXTRA
#define EK_F16_FLAG , int is_f16
#define EK_FROM_U16(x) (is_f16 ? ek_bf16_from_f32(f16_to_f32(x)) : (x))
EK_PACK_PAIRS(ek_pack_bf16_pairs_f32, float, ek_bf16_from_f32, EK_NO_EXTRA)
EK_PACK_PAIRS(ek_pack_bf16_pairs_u16, uint16_t, EK_FROM_U16, EK_F16_FLAG)

// ---- int8 quads -----------------------------------------------------------------------------------
size_t ek_packed_quad_bytes(int n, int k) {
    return (size_t)((n + EK_NR - 1) / EK_NR) * (256 + (size_t)((k + 3) / 4) * 4 * EK_NR);
}

// One output feature: scale and int8 values into panel slot j.
static void quantize_feature(const float *row, int k, uint8_t *panel, int j) {
    float absmax = 0;
    for (int i = 0; i < k; i++) absmax = row[i] > absmax ? row[i] : -row[i] > absmax ? -row[i] : absmax;
    float scale = absmax > 0 ? absmax / 127.0f : 1.0f, inv = absmax > 0 ? 127.0f / absmax : 0.0f;
    int32_t sum = 0;
    int8_t *quads = (int8_t *)(panel + 256);
    for (int i = 0; i < k; i++) {
        float q = __builtin_nearbyintf(row[i] * inv);
        q = q > 127 ? 127 : q < -127 ? -127 : q;
        quads[(size_t)(i / 4) * 4 * EK_NR + 4 * j + (i & 3)] = (int8_t)q;
        sum += (int32_t)q;
    }
    memcpy(panel + 4 * j, &scale, 4);
    memcpy(panel + 128 + 4 * j, &sum, 4);
}

static int pack_quads(const void *w, int n, int k, int kind, uint8_t *dst) { // kind: 0 f32, 1 f16, 2 bf16
    size_t stride = 256 + (size_t)((k + 3) / 4) * 4 * EK_NR;
    memset(dst, 0, ek_packed_quad_bytes(n, k));
    float *row = kind ? (float *)malloc((size_t)(k > 0 ? k : 1) * sizeof(float)) : NULL;
    if (kind && !row) return -1;
    for (int o = 0; o < n; o++) {
        const float *src;
        if (kind == 0) {
            src = (const float *)w + (size_t)o * k;
        } else {
            const uint16_t *bits = (const uint16_t *)w + (size_t)o * k;
            for (int i = 0; i < k; i++) {
                if (kind == 1) row[i] = f16_to_f32(bits[i]);
                else { uint32_t u = (uint32_t)bits[i] << 16; memcpy(&row[i], &u, 4); }
            }
            src = row;
        }
        quantize_feature(src, k, dst + (size_t)(o / EK_NR) * stride, o % EK_NR);
    }
    free(row);
    return 0;
}

int ek_pack_i8_quads_f32(const float *w, int n, int k, uint8_t *dst) { return pack_quads(w, n, k, 0, dst); }
int ek_pack_i8_quads_u16(const uint16_t *w, int n, int k, int is_f16, uint8_t *dst) {
    return pack_quads(w, n, k, is_f16 ? 1 : 2, dst);
}

// The feature of a [gate | up] projection (2·inner features, gate first) that column j of GLU panel p holds:
// gate feature 16p + j for j < 16, the same up feature for j >= 16; -1 past `inner` (zero padding).
static int glu_source(int p, int j, int inner) {
    const int f = 16 * p + (j & 15);
    return f >= inner ? -1 : j < 16 ? f : inner + f;
}

void ek_interleave_i8_quads_glu(const uint8_t *src, int inner, int k, uint8_t *dst) {
    const int panels = (inner + 15) / 16, kq = (k + 3) / 4;
    const size_t stride = 256 + (size_t)kq * 4 * EK_NR;
    memset(dst, 0, (size_t)panels * stride);
    for (int p = 0; p < panels; p++) {
        uint8_t *panel = dst + (size_t)p * stride;
        for (int j = 0; j < EK_NR; j++) {
            const int from = glu_source(p, j, inner);
            if (from < 0) continue;
            const uint8_t *sp = src + (size_t)(from / EK_NR) * stride;
            const int s = from % EK_NR;
            memcpy(panel + 4 * j, sp + 4 * s, 4);               // scale
            memcpy(panel + 128 + 4 * j, sp + 128 + 4 * s, 4);   // sum of the int8 weights
            for (int q = 0; q < kq; q++) memcpy(panel + 256 + (size_t)q * 128 + 4 * j, sp + 256 + (size_t)q * 128 + 4 * s, 4);
        }
    }
}

void ek_interleave_glu_bias(const float *bias, int inner, float *dst) {
    for (int p = 0; p < (inner + 15) / 16; p++)
        for (int j = 0; j < EK_NR; j++) {
            const int from = glu_source(p, j, inner);
            dst[p * EK_NR + j] = from < 0 ? 0.0f : bias[from];
        }
}
