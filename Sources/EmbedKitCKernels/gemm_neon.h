// AArch64 dot-product micro-kernels (SDOT, SMMLA, BFDOT), part of the kernel template: included by
// the NEON families that define EK_SDOT, EK_SMMLA or EK_BFDOT. They read the same packed layouts as
// the x86 families (ckernels.h) and give the scalar path's results: int8 sums exactly, then the same
// float operations in the same order; bf16 products accumulated in fp32 by the instruction.
#include <arm_neon.h>

// Row pointers of a 4-row tile starting at row r0 of A; rows at or past mr repeat row r0 (computed,
// never stored), so the tile's loops need no row tests.
#define EK_TILE_ROWS(ap, a, lda, r0, mr) \
    for (int r_ = 0; r_ < 4; r_++) (ap)[r_] = (a) + (long)((r0) + r_ < (mr) ? (r0) + r_ : (r0)) * (lda)

// Four fp32 values for columns col ..< col+4 of one output row, only those below nr stored; added to
// what is there when `accumulate`.
static EK_TARGET void neon_store4(float *c, int col, int nr, float32x4_t y, int accumulate) {
    if (col >= nr) return;
    if (col + 4 <= nr) {
        if (accumulate) y = vaddq_f32(y, vld1q_f32(c + col));
        vst1q_f32(c + col, y);
        return;
    }
    float tmp[4];
    vst1q_f32(tmp, y);
    for (int j = col; j < nr; j++) c[j] = accumulate ? c[j] + tmp[j - col] : tmp[j - col];
}

#if EK_SDOT || EK_SMMLA
// int32 sums of one output row and four features → (sum·ascale)·wscale, as the scalar path computes it.
static EK_TARGET void neon_store_i32(float *c, int col, int nr, int32x4_t acc, float ascale, const float *wscale,
                                     int first) {
    if (col >= nr) return;
    float32x4_t y = vmulq_f32(vmulq_n_f32(vcvtq_f32_s32(acc), ascale), vld1q_f32(wscale + col));
    neon_store4(c, col, nr, y, !first);
}
#endif

#if EK_SDOT
// A is stored as q + 128 (u8, for VPDPBUSD); XOR 0x80 gives back the signed q, so SDOT (s8 × s8) sums
// need no column-sum correction. Tiles: 4 rows × 16 features (16 int32x4 accumulators).
#define EK_SDOT_STEP(t)                                                                              \
    {                                                                                                \
        const int8_t *bq = bh + (long)(q + t) * 128;                                                 \
        int8x16_t bv0 = vld1q_s8(bq), bv1 = vld1q_s8(bq + 16), bv2 = vld1q_s8(bq + 32), bv3 = vld1q_s8(bq + 48); \
        for (int r = 0; r < 4; r++) {                                                                \
            acc[r][0] = vdotq_laneq_s32(acc[r][0], bv0, av[r], t);                                   \
            acc[r][1] = vdotq_laneq_s32(acc[r][1], bv1, av[r], t);                                   \
            acc[r][2] = vdotq_laneq_s32(acc[r][2], bv2, av[r], t);                                   \
            acc[r][3] = vdotq_laneq_s32(acc[r][3], bv3, av[r], t);                                   \
        }                                                                                            \
    }

static EK_TARGET void ukr_i8_sdot(int kq, const uint8_t *a, int lda, const int8_t *b, const float *wscale,
                                  const float *ascale, float *c, long ldc, int mr, int nr, int first) {
    const uint8x16_t flip = vdupq_n_u8(0x80);
    for (int r0 = 0; r0 < mr; r0 += 4) {
        const uint8_t *ap[4];
        EK_TILE_ROWS(ap, a, lda, r0, mr);
        for (int h = 0; h < 2 && 16 * h < nr; h++) {
            const int8_t *bh = b + 64 * h;
            int32x4_t acc[4][4];
            for (int r = 0; r < 4; r++)
                for (int v = 0; v < 4; v++) acc[r][v] = vdupq_n_s32(0);
            int q = 0;
            for (; q + 4 <= kq; q += 4) {
                int8x16_t av[4];
                for (int r = 0; r < 4; r++) av[r] = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(ap[r] + 4 * (long)q), flip));
                EK_SDOT_STEP(0) EK_SDOT_STEP(1) EK_SDOT_STEP(2) EK_SDOT_STEP(3)
            }
            for (; q < kq; q++) { // the last quads: each row's quad in every lane
                const int8_t *bq = bh + (long)q * 128;
                for (int r = 0; r < 4; r++) {
                    uint32_t quad;
                    memcpy(&quad, ap[r] + 4 * (long)q, 4);
                    int8x16_t av = vreinterpretq_s8_u8(veorq_u8(vreinterpretq_u8_u32(vdupq_n_u32(quad)), flip));
                    for (int v = 0; v < 4; v++) acc[r][v] = vdotq_s32(acc[r][v], vld1q_s8(bq + 16 * v), av);
                }
            }
            for (int r = 0; r < 4 && r0 + r < mr; r++)
                for (int v = 0; v < 4; v++)
                    neon_store_i32(c + (long)(r0 + r) * ldc, 16 * h + 4 * v, nr, acc[r][v], ascale[r0 + r], wscale, first);
        }
    }
}
#endif

#if EK_SMMLA
// SMMLA multiplies a 2×8 block of A (two rows, eight k) by an 8×2 block of B (two features). Two quad
// rows of a panel, zipped by 32-bit lanes, are exactly that B operand for feature pairs (4v, 4v+1) and
// (4v+2, 4v+3); the 2×2 results are put back in row order with 64-bit zips. Tiles: 4 rows × 16 features.
static EK_TARGET void ukr_i8_smmla(int kq, const uint8_t *a, int lda, const int8_t *b, const float *wscale,
                                   const float *ascale, float *c, long ldc, int mr, int nr, int first) {
    const uint8x16_t flip = vdupq_n_u8(0x80);
    for (int r0 = 0; r0 < mr; r0 += 4) {
        const uint8_t *ap[4];
        EK_TILE_ROWS(ap, a, lda, r0, mr);
        for (int h = 0; h < 2 && 16 * h < nr; h++) {
            const int8_t *bh = b + 64 * h;
            int32x4_t acc[2][8];
            for (int p = 0; p < 2; p++)
                for (int v = 0; v < 8; v++) acc[p][v] = vdupq_n_s32(0);
            for (int q = 0; q < kq; q += 2) {
                const int pair = q + 1 < kq; // a second quad (k values 4..7 of the block) exists
                int8x16_t av[2];
                for (int p = 0; p < 2; p++) {
                    uint8x8_t lo, hi;
                    if (pair) {
                        lo = vld1_u8(ap[2 * p] + 4 * (long)q);
                        hi = vld1_u8(ap[2 * p + 1] + 4 * (long)q);
                    } else { // q + 128 of zero is 128
                        uint8_t t0[8] = {128, 128, 128, 128, 128, 128, 128, 128}, t1[8];
                        memcpy(t1, t0, 8);
                        memcpy(t0, ap[2 * p] + 4 * (long)q, 4);
                        memcpy(t1, ap[2 * p + 1] + 4 * (long)q, 4);
                        lo = vld1_u8(t0);
                        hi = vld1_u8(t1);
                    }
                    av[p] = vreinterpretq_s8_u8(veorq_u8(vcombine_u8(lo, hi), flip));
                }
                const int8_t *bq = bh + (long)q * 128;
                for (int v = 0; v < 4; v++) {
                    int32x4_t b0 = vld1q_s32((const int32_t *)(bq + 16 * v));
                    int32x4_t b1 = pair ? vld1q_s32((const int32_t *)(bq + 128 + 16 * v)) : vdupq_n_s32(0);
                    int8x16_t f01 = vreinterpretq_s8_s32(vzip1q_s32(b0, b1));
                    int8x16_t f23 = vreinterpretq_s8_s32(vzip2q_s32(b0, b1));
                    for (int p = 0; p < 2; p++) {
                        acc[p][2 * v] = vmmlaq_s32(acc[p][2 * v], av[p], f01);
                        acc[p][2 * v + 1] = vmmlaq_s32(acc[p][2 * v + 1], av[p], f23);
                    }
                }
            }
            for (int p = 0; p < 2; p++)
                for (int v = 0; v < 4; v++) {
                    int64x2_t x = vreinterpretq_s64_s32(acc[p][2 * v]), y = vreinterpretq_s64_s32(acc[p][2 * v + 1]);
                    int32x4_t row0 = vreinterpretq_s32_s64(vzip1q_s64(x, y));
                    int32x4_t row1 = vreinterpretq_s32_s64(vzip2q_s64(x, y));
                    int r = r0 + 2 * p;
                    if (r < mr) neon_store_i32(c + (long)r * ldc, 16 * h + 4 * v, nr, row0, ascale[r], wscale, first);
                    if (r + 1 < mr) neon_store_i32(c + (long)(r + 1) * ldc, 16 * h + 4 * v, nr, row1, ascale[r + 1], wscale, first);
                }
        }
    }
}
#endif

#if EK_BFDOT
// bf16 pairs: a row's 32-bit pair q broadcast from a lane, BFDOT against four features' pairs per
// vector. Tiles: 4 rows × 16 features.
#define EK_BFDOT_STEP(t)                                                                             \
    {                                                                                                \
        const uint16_t *bq = bh + (long)(q + t) * 64;                                                \
        bfloat16x8_t bv0 = vreinterpretq_bf16_u16(vld1q_u16(bq)), bv1 = vreinterpretq_bf16_u16(vld1q_u16(bq + 8)); \
        bfloat16x8_t bv2 = vreinterpretq_bf16_u16(vld1q_u16(bq + 16)), bv3 = vreinterpretq_bf16_u16(vld1q_u16(bq + 24)); \
        for (int r = 0; r < 4; r++) {                                                                \
            acc[r][0] = vbfdotq_laneq_f32(acc[r][0], bv0, av[r], t);                                 \
            acc[r][1] = vbfdotq_laneq_f32(acc[r][1], bv1, av[r], t);                                 \
            acc[r][2] = vbfdotq_laneq_f32(acc[r][2], bv2, av[r], t);                                 \
            acc[r][3] = vbfdotq_laneq_f32(acc[r][3], bv3, av[r], t);                                 \
        }                                                                                            \
    }

static EK_TARGET void ukr_bf16_bfdot(int kc2, const uint32_t *a, int lda2, const uint16_t *b, float *c, long ldc,
                                     int mr, int nr, int accumulate) {
    for (int r0 = 0; r0 < mr; r0 += 4) {
        const uint32_t *ap[4];
        EK_TILE_ROWS(ap, a, lda2, r0, mr);
        for (int h = 0; h < 2 && 16 * h < nr; h++) {
            const uint16_t *bh = b + 32 * h;
            float32x4_t acc[4][4];
            for (int r = 0; r < 4; r++)
                for (int v = 0; v < 4; v++) acc[r][v] = vdupq_n_f32(0);
            int q = 0;
            for (; q + 4 <= kc2; q += 4) {
                bfloat16x8_t av[4];
                for (int r = 0; r < 4; r++) av[r] = vreinterpretq_bf16_u32(vld1q_u32(ap[r] + q));
                EK_BFDOT_STEP(0) EK_BFDOT_STEP(1) EK_BFDOT_STEP(2) EK_BFDOT_STEP(3)
            }
            for (; q < kc2; q++) {
                const uint16_t *bq = bh + (long)q * 64;
                for (int r = 0; r < 4; r++) {
                    bfloat16x8_t av = vreinterpretq_bf16_u32(vdupq_n_u32(ap[r][q]));
                    for (int v = 0; v < 4; v++)
                        acc[r][v] = vbfdotq_f32(acc[r][v], vreinterpretq_bf16_u16(vld1q_u16(bq + 8 * v)), av);
                }
            }
            for (int r = 0; r < 4 && r0 + r < mr; r++)
                for (int v = 0; v < 4; v++) neon_store4(c + (long)(r0 + r) * ldc, 16 * h + 4 * v, nr, acc[r][v], accumulate);
        }
    }
}
#endif
