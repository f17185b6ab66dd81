// int8 GEMM (EK_DT_I8_QUADS), part of the kernel template: included once per family (VPDPBUSD on
// AVX512-VNNI and, on ymm, AVX-VNNI; VPMADDUBSW on AVX2; SDOT/SMMLA on ARM; a scalar loop elsewhere).
// A rows are quantized per row (symmetric: q = round(x·127/max|x|)) and stored shifted to unsigned
// (q + 128), so VPDPBUSD (u8 × s8, four products per int32 lane) applies; the shift is taken back with
// the weight's column sums: Σ (q_a + 128)·q_w = Σ q_a·q_w + 128·Σ q_w.

// Per-row scales of `rows` rows of k floats (each value times cs[column] when cs is not NULL): max|x|/127 (0
// for an all-zero row), and their inverses.
static EK_TARGET void row_scales(const float *a, long lda, int rows, int k, const float *cs, float *scales,
                                 float *inverses) {
    for (int r = 0; r < rows; r++) {
        const float *x = a + (long)r * lda;
        float absmax = 0;
        int i = 0;
#if EK_DPBUSD
        __m512 m = _mm512_setzero_ps();
        if (cs)
            for (; i + 16 <= k; i += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_mul_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(cs + i))));
        else
            for (; i + 16 <= k; i += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(x + i)));
        absmax = _mm512_reduce_max_ps(m);
#elif EK_MADDUBS || defined(EK_VNNI_YMM)
        const __m256 nosign = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
        __m256 m = _mm256_setzero_ps();
        if (cs)
            for (; i + 8 <= k; i += 8)
                m = _mm256_max_ps(m, _mm256_and_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(cs + i)), nosign));
        else
            for (; i + 8 <= k; i += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(x + i), nosign));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
        absmax = _mm_cvtss_f32(h);
#endif
        for (; i < k; i++) {
            float v = cs ? x[i] * cs[i] : x[i];
            v = v < 0 ? -v : v;
            absmax = v > absmax ? v : absmax;
        }
        scales[r] = absmax > 0 ? absmax / 127.0f : 0.0f;
        inverses[r] = absmax > 0 ? 127.0f / absmax : 0.0f;
    }
}

// Columns k0 ..< k0+kc of `rows` rows (kc a multiple of 4) to u8, q + 128 with q = round(x·cs[column]·inverse)
// (cs NULL: 1), at dst with row stride ld; columns at or past k are 128 (zero).
static EK_TARGET void quantize_a_rows(const float *a, long lda, int rows, int k, int k0, int kc, const float *cs,
                                      const float *inverses, uint8_t *dst, int ld) {
    for (int r = 0; r < rows; r++) {
        const float *x = a + (long)r * lda;
        uint8_t *out = dst + (long)r * ld;
        const float inv = inverses[r];
        const int end = k - k0 < kc ? k - k0 : kc;
        int i = 0;
#if EK_DPBUSD
        __m512 vinv = _mm512_set1_ps(inv);
        __m512i shift = _mm512_set1_epi32(128);
        for (; i + 16 <= end; i += 16) {
            __m512 v = _mm512_loadu_ps(x + k0 + i);
            if (cs) v = _mm512_mul_ps(v, _mm512_loadu_ps(cs + k0 + i));
            __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(v, vinv)); // nearest even
            _mm_storeu_si128((__m128i *)(out + i), _mm512_cvtusepi32_epi8(_mm512_add_epi32(q, shift)));
        }
#elif EK_MADDUBS || defined(EK_VNNI_YMM)
        const __m256 vinv = _mm256_set1_ps(inv);
        const __m256i shift = _mm256_set1_epi32(128);
        for (; i + 8 <= end; i += 8) {
            __m256 v = _mm256_loadu_ps(x + k0 + i);
            if (cs) v = _mm256_mul_ps(v, _mm256_loadu_ps(cs + k0 + i));
            __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(v, vinv)), shift); // nearest even
            __m128i w16 = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
            _mm_storel_epi64((__m128i *)(out + i), _mm_packus_epi16(w16, w16));
        }
#endif
        for (; i < end; i++) out[i] = (uint8_t)((int)__builtin_nearbyintf((cs ? x[k0 + i] * cs[k0 + i] : x[k0 + i]) * inv) + 128);
        for (; i < kc; i++) out[i] = 128;
    }
}

// What the last K block of a register tile does before its rows are stored: y = act(y + bias) + residual,
// or for the GLU kinds out[j] = act(y[j] + bias[j])·(y[16 + j] + bias[16 + j]), j < 16 (ckernels.h).
typedef struct {
    const float *bias;   // the panel's biases (nr of them; 32 for GLU), or NULL
    int act;             // EK_ACT_*
    const float *res;    // the tile's first residual row, or NULL
    long ldr;
} i8_epilogue;

static inline int is_glu(int act) { return act == EK_ACT_GLU_GELU || act == EK_ACT_GLU_SILU; }

// The gate's activation of a GLU kind.
EK_FN vf glu_gate(vf x, int act) { return act == EK_ACT_GLU_SILU ? vsilu(x) : vgelu(x); }

#if EK_DPBUSD
// One row of a register tile from registers: y (+ c when not the first K block), then the epilogue `e` when
// given (bias b0/b1 preloaded; `res` this row's residual), stored under the masks (GLU: nr outputs, mask m0).
static inline EK_TARGET __attribute__((always_inline)) void store_i8_row(float *cr, __mmask16 m0, __mmask16 m1, __m512 y0,
                                                                        __m512 y1, int first, const i8_epilogue *e, int glu,
                                                                        __m512 b0, __m512 b1, const float *res) {
    if (!e) { store_panel_row(cr, m0, m1, y0, y1, !first); return; }
    if (!first) {
        y0 = _mm512_add_ps(y0, _mm512_maskz_loadu_ps(m0, cr));
        y1 = _mm512_add_ps(y1, _mm512_maskz_loadu_ps(m1, cr + 16));
    }
    if (e->bias) { y0 = _mm512_add_ps(y0, b0); y1 = _mm512_add_ps(y1, b1); }
    if (glu) {   // at most 16 outputs, from the gate half and the up half
        _mm512_mask_storeu_ps(cr, m0, _mm512_mul_ps((__m512)glu_gate((vf)y0, e->act), y1));
        return;
    }
    if (e->act == EK_ACT_GELU) { y0 = (__m512)vgelu((vf)y0); y1 = (__m512)vgelu((vf)y1); }
    if (res) {
        y0 = _mm512_add_ps(y0, _mm512_maskz_loadu_ps(m0, res));
        y1 = _mm512_add_ps(y1, _mm512_maskz_loadu_ps(m1, res + 16));
    }
    store_panel_row(cr, m0, m1, y0, y1, 0);
}
#endif

#if EK_DPBUSD
// The AVX512-VNNI tile of ukr_i8_quads with MR rows (a constant after inlining: 8, or 4 for a block's last
// few rows, so that a ragged tile does not pay for 8).
static inline EK_TARGET __attribute__((always_inline)) void ukr_i8_vnni(const int MR, int kq, const uint8_t *a, int lda,
                                                                       const int8_t *b, const float *wscale,
                                                                       const int32_t *colsum, const float *ascale, float *c,
                                                                       long ldc, int mr, int nr, int first,
                                                                       const i8_epilogue *e, const char *pf, int pf_lines) {
    __m512i acc[MR][2];
    const uint8_t *ap[MR];
    _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {
        ap[r] = a + (long)(r < mr ? r : 0) * lda;
        acc[r][0] = _mm512_setzero_si512();
        acc[r][1] = _mm512_setzero_si512();
    }
    for (int q = 0; q < kq; q++) {
        if (q < pf_lines) _mm_prefetch(pf + (long)q * 64, _MM_HINT_T0);
        __m512i b0 = _mm512_loadu_si512(b + (long)q * 128), b1 = _mm512_loadu_si512(b + (long)q * 128 + 64);
        _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {
            int32_t quad;
            memcpy(&quad, ap[r] + 4 * (long)q, 4);
            __m512i av = _mm512_set1_epi32(quad);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], av, b0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], av, b1);
        }
    }
    __mmask16 m0, m1;
    panel_masks(nr, &m0, &m1);
    __m512 ws0 = _mm512_loadu_ps(wscale), ws1 = _mm512_loadu_ps(wscale + 16);
    __m512i cs0 = _mm512_slli_epi32(_mm512_loadu_si512(colsum), 7), cs1 = _mm512_slli_epi32(_mm512_loadu_si512(colsum + 16), 7);
    const int glu = e && is_glu(e->act);
    __m512 b0 = _mm512_setzero_ps(), b1 = b0;
    if (e && e->bias) { b0 = _mm512_maskz_loadu_ps(glu ? 0xffff : m0, e->bias); b1 = _mm512_maskz_loadu_ps(glu ? 0xffff : m1, e->bias + 16); }
    _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {
        if (r < mr) {
            __m512i i0 = acc[r][0], i1 = acc[r][1];
            if (first) { i0 = _mm512_sub_epi32(i0, cs0); i1 = _mm512_sub_epi32(i1, cs1); }
            const __m512 s = _mm512_set1_ps(ascale[r]);
            store_i8_row(c + r * ldc, m0, m1, _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(i0), s), ws0),
                         _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(i1), s), ws1), first, e, glu, b0, b1,
                         e && e->res ? e->res + (long)r * e->ldr : NULL);
        }
    }
}
#endif

#if EK_MADDUBS || defined(EK_VNNI_YMM)
// c[0..<n] = y (first K block) or += y: a row of the 256-bit int8 tiles, scaled in a buffer.
static EK_TARGET void put_i8_row(float *c, const float *y, int n, int first) {
    if (first) memcpy(c, y, sizeof(float) * n);
    else for (int j = 0; j < n; j++) c[j] += y[j];
}
#endif

// acc[r][j] = Σ_q Σ_t a[r][4q + t] · b[q][j][t] over kq quad rows, for an EK_MR×32 tile (int32), then
// c[r][j] = (acc - 128·colsum[j]) · ascale[r] · wscale[j] (+ c when accumulating K blocks). AVX512-VNNI
// applies `e` (not NULL: the last K block) in registers; the other families leave it to tile_i8.
static EK_TARGET void ukr_i8_quads(int kq, const uint8_t *a, int lda, const int8_t *b, const float *wscale,
                                   const int32_t *colsum, const float *ascale, float *c, long ldc, int mr, int nr,
                                   int first, const i8_epilogue *e, const char *pf, int pf_lines) {
#if EK_DPBUSD
    if (mr <= 4) ukr_i8_vnni(4, kq, a, lda, b, wscale, colsum, ascale, c, ldc, mr, nr, first, e, pf, pf_lines);
    else ukr_i8_vnni(EK_MR, kq, a, lda, b, wscale, colsum, ascale, c, ldc, mr, nr, first, e, pf, pf_lines);
#elif defined(EK_VNNI_YMM)
    // AVX-VNNI: VPDPBUSD on ymm, u8 (q + 128) × s8 as on AVX512-VNNI, the column sums taking the shift
    // back. 16 ymm registers: the panel's two 16-column halves in turn, each a 6 × 16 tile (12 accumulators).
    (void)e; (void)pf; (void)pf_lines;
    const uint8_t *ap[EK_MR];
    _Pragma("clang loop unroll(full)") for (int r = 0; r < EK_MR; r++) ap[r] = a + (long)(r < mr ? r : 0) * lda;
    for (int h = 0; h < nr; h += 16) {
        __m256i acc[EK_MR][2];
        _Pragma("clang loop unroll(full)") for (int r = 0; r < EK_MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
        for (int q = 0; q < kq; q++) {
            const __m256i b0 = _mm256_loadu_si256((const __m256i *)(b + (long)q * 128 + 4 * h));
            const __m256i b1 = _mm256_loadu_si256((const __m256i *)(b + (long)q * 128 + 4 * h + 32));
            _Pragma("clang loop unroll(full)") for (int r = 0; r < EK_MR; r++) {
                int32_t quad;
                memcpy(&quad, ap[r] + 4 * (long)q, 4);
                const __m256i av = _mm256_set1_epi32(quad);
                acc[r][0] = EK_VNNI_YMM(acc[r][0], av, b0);
                acc[r][1] = EK_VNNI_YMM(acc[r][1], av, b1);
            }
        }
        for (int r = 0; r < mr; r++) {
            float y[16];
            const __m256 s = _mm256_set1_ps(ascale[r]);
            _Pragma("clang loop unroll(full)") for (int v = 0; v < 2; v++) {
                __m256i i = acc[r][v];
                if (first) i = _mm256_sub_epi32(i, _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(colsum + h + 8 * v)), 7));
                _mm256_storeu_ps(y + 8 * v, _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(i), s), _mm256_loadu_ps(wscale + h + 8 * v)));
            }
            put_i8_row(c + r * ldc + h, y, nr - h < 16 ? nr - h : 16, first);
        }
    }
#elif EK_MADDUBS
    // AVX2 without VNNI: VPMADDUBSW multiplies u8 by s8 into 16-bit pair sums, which saturate for
    // (a + 128)·w. So the shift is undone (x ^ 0x80 is the signed q) and the sign moved onto the
    // weight: |q|·(w·sign q), both at most 127 in magnitude, pair sums at most 2·127² = 32258 < 2¹⁵
    // (llama.cpp's Q8_0 scheme); VPMADDWD by ones then adds the pairs of each column's quad into int32.
    // No column-sum correction: the products are of the signed values.
    (void)colsum; (void)e; (void)pf; (void)pf_lines;
    const __m256i flip = _mm256_set1_epi8((char)0x80), ones = _mm256_set1_epi16(1);
    for (int r0 = 0; r0 < mr; r0 += 2) {
        const int two = mr - r0 > 1;
        const uint8_t *a0 = a + (long)r0 * lda, *a1 = a + (long)(r0 + two) * lda;
        __m256i acc0[4], acc1[4];
        _Pragma("clang loop unroll(full)") for (int v = 0; v < 4; v++) acc0[v] = acc1[v] = _mm256_setzero_si256();
        for (int q = 0; q < kq; q++) {
            const int8_t *bq = b + (long)q * 128;
            int32_t x0, x1;
            memcpy(&x0, a0 + 4 * (long)q, 4);
            memcpy(&x1, a1 + 4 * (long)q, 4);
            const __m256i s0 = _mm256_xor_si256(_mm256_set1_epi32(x0), flip), u0 = _mm256_abs_epi8(s0);
            const __m256i s1 = _mm256_xor_si256(_mm256_set1_epi32(x1), flip), u1 = _mm256_abs_epi8(s1);
            _Pragma("clang loop unroll(full)") for (int v = 0; v < 4; v++) {
                const __m256i w = _mm256_loadu_si256((const __m256i *)(bq + 32 * v));
                acc0[v] = _mm256_add_epi32(acc0[v], _mm256_madd_epi16(_mm256_maddubs_epi16(u0, _mm256_sign_epi8(w, s0)), ones));
                acc1[v] = _mm256_add_epi32(acc1[v], _mm256_madd_epi16(_mm256_maddubs_epi16(u1, _mm256_sign_epi8(w, s1)), ones));
            }
        }
        for (int rr = 0; rr <= two; rr++) {
            float y[32];
            const __m256 s = _mm256_set1_ps(ascale[r0 + rr]);
            _Pragma("clang loop unroll(full)") for (int v = 0; v < 4; v++)
                _mm256_storeu_ps(y + 8 * v, _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(rr ? acc1[v] : acc0[v]), s),
                                                          _mm256_loadu_ps(wscale + 8 * v)));
            put_i8_row(c + (long)(r0 + rr) * ldc, y, nr, first);
        }
    }
#elif EK_SMMLA
    (void)colsum; (void)e; (void)pf; (void)pf_lines;
    ukr_i8_smmla(kq, a, lda, b, wscale, ascale, c, ldc, mr, nr, first);
#elif EK_SDOT
    (void)colsum; (void)e; (void)pf; (void)pf_lines;
    ukr_i8_sdot(kq, a, lda, b, wscale, ascale, c, ldc, mr, nr, first);
#else
    (void)e; (void)pf; (void)pf_lines;
    for (int r = 0; r < mr; r++) {
        float *cr = c + r * ldc;
        for (int j = 0; j < nr; j++) {
            int32_t sum = first ? -128 * colsum[j] : 0;
            for (int q = 0; q < kq; q++)
                for (int t = 0; t < 4; t++) sum += (int32_t)a[(long)r * lda + 4 * q + t] * (int32_t)b[(long)q * 128 + 4 * j + t];
            float y = (float)sum * ascale[r] * wscale[j];
            cr[j] = first ? y : cr[j] + y;
        }
    }
#endif
}

// One register tile through ukr_i8_quads, then its epilogue `e` where the family's ukernel leaves it:
// rows from a scratch tile for the GLU kinds (nr outputs), else in place.
static EK_TARGET void tile_i8(int kq, const uint8_t *a, int lda, const int8_t *b, const float *wscale,
                              const int32_t *colsum, const float *ascale, float *c, long ldc, int mr, int nr,
                              int first, const i8_epilogue *e, const char *pf, int pf_lines) {
#if EK_DPBUSD
    ukr_i8_quads(kq, a, lda, b, wscale, colsum, ascale, c, ldc, mr, nr, first, e, pf, pf_lines);
#else
    if (e && is_glu(e->act)) {
        float t[EK_MR * EK_NR];
        ukr_i8_quads(kq, a, lda, b, wscale, colsum, ascale, t, EK_NR, mr, EK_NR, 1, NULL, pf, pf_lines);
        for (int r = 0; r < mr; r++) {
            float *y = t + r * EK_NR, out[16];
            if (e->bias) epilogue_row(y, EK_NR, e->bias, EK_ACT_NONE, NULL);
            for (int j = 0; j < 16; j += EK_W) vstore(out + j, glu_gate(vload(y + j), e->act) * vload(y + 16 + j));
            memcpy(c + (long)r * ldc, out, sizeof(float) * nr);
        }
        return;
    }
    ukr_i8_quads(kq, a, lda, b, wscale, colsum, ascale, c, ldc, mr, nr, first, NULL, pf, pf_lines);
    if (e)
        for (int r = 0; r < mr; r++) epilogue_row(c + (long)r * ldc, nr, e->bias, e->act, e->res ? e->res + (long)r * e->ldr : NULL);
#endif
}

static EK_TARGET void gemm_i8_quads(const ek_gemm_args *g) {
    const int k = g->k, n = g->n, kpad = (k + 3) / 4 * 4;
    const long stride = 256 + (long)kpad * EK_NR;   // bytes per packed panel
    const int epilogue = g->bias || g->act != EK_ACT_NONE || g->residual;
    // GLU: each panel gives 16 outputs, and the gate and up halves must be whole, so one K block.
    const int glu = is_glu(g->act), per_panel = glu ? 16 : EK_NR;
    // K blocks of at most 2·EK_KC values keep a panel's block (128 bytes per 4 values) within L1.
    const int passes = glu ? 1 : (kpad + 2 * EK_KC - 1) / (2 * EK_KC);
    const int kstep = ((kpad + passes - 1) / passes + 3) / 4 * 4;
    // Quantized rows of one row block, whole (quantized once); without heap memory, one register
    // tile's rows of one K block at a time on the stack.
    uint8_t *whole = (uint8_t *)malloc((size_t)EK_MC * kpad);
    uint8_t small[EK_MR * 2 * EK_KC];
    const int mc = whole ? EK_MC : EK_MR;
    float ascale[EK_MC], ainv[EK_MC];
    // Row blocks outermost, so each block is quantized once for all the panels (int8 panels are a
    // quarter of fp32's bytes: the weight of a whole layer stays in L2 while a block sweeps it).
    for (int ic = g->m0; ic < g->m1; ic += mc) {
        const int iend = ic + mc < g->m1 ? ic + mc : g->m1;
        const float *arows = g->a + (long)ic * g->lda;
        row_scales(arows, g->lda, iend - ic, k, g->a_scale, ascale, ainv);
        if (whole) quantize_a_rows(arows, g->lda, iend - ic, k, 0, kpad, g->a_scale, ainv, whole, kpad);
        for (int jc = g->p0; jc < g->p1; jc += EK_NCP) {
            const int jend = jc + EK_NCP < g->p1 ? jc + EK_NCP : g->p1;
            for (int pc = 0; pc < kpad; pc += kstep) {
                const int kc = kpad - pc < kstep ? kpad - pc : kstep;
                const int last = pc + kc >= kpad;
                if (!whole) quantize_a_rows(arows, g->lda, iend - ic, k, pc, kc, g->a_scale, ainv, small, kc);
                const uint8_t *ablock = whole ? whole + pc : small;
                const int lda = whole ? kpad : kc;
                for (int p = jc; p < jend; p++) {
                    const uint8_t *panel = (const uint8_t *)g->b + (long)p * stride;
                    const int col = p * per_panel, nr = n - col < per_panel ? n - col : per_panel;
                    // The panel block this loop takes next (kc·32 bytes, from L3 or memory: a layer's weight
                    // does not stay cached between batches) is prefetched a share per register tile.
                    int next = -1, next_pc = 0;
                    if (p + 1 < jend) next = p + 1, next_pc = pc;
                    else if (!last) next = jc, next_pc = pc + kstep;
                    else if (jend < g->p1) next = jend;
                    else if (iend < g->m1) next = g->p0;
                    const int tiles = (iend - ic + EK_MR - 1) / EK_MR;
                    const int next_kc = kpad - next_pc < kstep ? kpad - next_pc : kstep;
                    const int lines = next_kc * EK_NR / 64, per_tile = (lines + tiles - 1) / tiles;
                    const char *pf_block = next < 0 ? NULL : (const char *)g->b + (long)next * stride + 256 + (long)next_pc * EK_NR;
                    for (int r = ic; r < iend; r += EK_MR) {
                        const int mr = iend - r < EK_MR ? iend - r : EK_MR;
                        float *c = g->c + (long)r * g->ldc + col;
                        const int t = (r - ic) / EK_MR, first_line = t * per_tile;
                        const int pf_lines = !pf_block || first_line >= lines ? 0 : lines - first_line < per_tile ? lines - first_line : per_tile;
                        const i8_epilogue e = {g->bias ? g->bias + p * EK_NR : NULL, g->act,
                                               g->residual ? g->residual + (long)r * g->ldr + col : NULL, g->ldr};
                        tile_i8(kc / 4, ablock + (long)(r - ic) * lda, lda, (const int8_t *)(panel + 256) + (long)pc * EK_NR,
                                (const float *)panel, (const int32_t *)(panel + 128), ascale + (r - ic), c, g->ldc,
                                mr, nr, pc == 0, last && epilogue ? &e : NULL, pf_block ? pf_block + (long)first_line * 64 : NULL, pf_lines);
                    }
                }
            }
        }
    }
    free(whole);
}
