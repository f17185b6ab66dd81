// Weight packing: PyTorch Linear.weight [n, k] -> panels of EK_NR output features, k-major.
#include "ckernels.h"
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

uint16_t ek_bf16_from_f32(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

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
