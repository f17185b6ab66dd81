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
