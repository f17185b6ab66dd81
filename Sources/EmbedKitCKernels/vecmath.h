// Vector math shared by every kernel family. Included by kernels_<isa>.c after defining:
//   EK_TARGET  function attribute (target features) or empty
//   EK_W       lanes per vector (16, 8 or 4)
//   EK_HAS_FMA 1 when fused multiply-add is native
// Written with clang/gcc vector extensions so one source serves every ISA.
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef float vf __attribute__((ext_vector_type(EK_W)));
typedef int32_t vi __attribute__((ext_vector_type(EK_W)));
typedef uint32_t vu __attribute__((ext_vector_type(EK_W)));
typedef float vf_u __attribute__((ext_vector_type(EK_W), aligned(4)));
typedef uint16_t vh16_u __attribute__((ext_vector_type(EK_W), aligned(2)));

#define EK_FN static inline EK_TARGET __attribute__((always_inline))

#if EK_HAS_FMA
#define VFMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#else
#define VFMA(a, b, c) ((a) * (b) + (c))
#endif

EK_FN vf vload(const float *p) { return *(const vf_u *)p; }
EK_FN void vstore(float *p, vf x) { *(vf_u *)p = x; }
EK_FN vf vsplat(float x) { return (vf)x; }
EK_FN vf vsel(vi mask, vf a, vf b) { return (vf)(((vi)a & mask) | ((vi)b & ~mask)); }
EK_FN vf vabs(vf x) { return (vf)((vi)x & (vi)0x7fffffff); }
EK_FN vf vmax(vf a, vf b) { return vsel(a > b, a, b); }
EK_FN vf vmin(vf a, vf b) { return vsel(a < b, a, b); }
// Horizontal sum and maximum by halving (log2 EK_W steps, not EK_W dependent ones).
EK_FN float hsum(vf x) {
#if EK_W == 16
    __typeof__(x.lo) h8 = x.lo + x.hi;
    __typeof__(h8.lo) h4 = h8.lo + h8.hi;
#elif EK_W == 8
    __typeof__(x.lo) h4 = x.lo + x.hi;
#else
    vf h4 = x;
#endif
    __typeof__(h4.lo) h2 = h4.lo + h4.hi;
    return h2.x + h2.y;
}
EK_FN float hmax(vf x) {
#define EK_VMAX2(a, b) ((a) > (b) ? (a) : (b))
#if EK_W == 16
    __typeof__(x.lo) h8 = EK_VMAX2(x.lo, x.hi);
    __typeof__(h8.lo) h4 = EK_VMAX2(h8.lo, h8.hi);
#elif EK_W == 8
    __typeof__(x.lo) h4 = EK_VMAX2(x.lo, x.hi);
#else
    vf h4 = x;
#endif
    __typeof__(h4.lo) h2 = EK_VMAX2(h4.lo, h4.hi);
    return h2.x > h2.y ? h2.x : h2.y;
#undef EK_VMAX2
}

// exp(a + b) for |b| small: a carries the magnitude, b a low-order correction.
// Cody-Waite reduction by ln 2 (ln2hi has 15 significant bits, so n·ln2hi is exact), degree-7
// Taylor polynomial on |r| <= ln2/2 (truncation error < 6e-9). Results below 2^-126 flush to 0.
EK_FN vf vexp2parts(vf a, vf b) {
    const vf ln2hi = vsplat(0.693145751953125f), ln2lo = vsplat(1.42860676533018708e-6f);
    vf x = a + b;
    vi tiny = x < vsplat(-87.33654f);
    vi huge = x > vsplat(88.72283f);
    x = vsel(tiny, vsplat(-87.0f), vsel(huge, vsplat(88.0f), x));
    const vf shifter = vsplat(12582912.0f); // 1.5·2^23: adding it rounds to an integer
    vf t = x * vsplat(1.44269504088896341f) + shifter;
    vf n = t - shifter;
    vf r = (vsel(tiny | huge, x, a) - n * ln2hi) - n * ln2lo;
    r = r + vsel(tiny | huge, vsplat(0), b);
    vf p = vsplat(1.0f / 5040);
    p = VFMA(p, r, vsplat(1.0f / 720));
    p = VFMA(p, r, vsplat(1.0f / 120));
    p = VFMA(p, r, vsplat(1.0f / 24));
    p = VFMA(p, r, vsplat(1.0f / 6));
    p = VFMA(p, r, vsplat(0.5f));
    p = VFMA(p, r, vsplat(1.0f));
    p = VFMA(p, r, vsplat(1.0f));
    vi ni = __builtin_convertvector(n, vi); // -126 ... 128: scale in two steps to stay representable
    vi nh = ni >> 1;
    vf y = p * (vf)((nh + 127) << 23) * (vf)((ni - nh + 127) << 23);
    y = vsel(tiny, vsplat(0), y);
    y = vsel(huge, vsplat(INFINITY), y);
    y = vsel(a != a, a, y); // NaN stays NaN
    return y;
}

EK_FN vf vexp(vf x) { return vexp2parts(x, vsplat(0)); }

// erf(x) = x·P(x²) for |x| <= 0.9 (weighted least-squares fit, max rel. error 3e-10 in exact arithmetic).
EK_FN vf verf_small(vf x) {
    vf u = x * x;
    vf p = vsplat(8.513060311088338e-05f);
    p = VFMA(p, u, vsplat(-0.0008175628609023988f));
    p = VFMA(p, u, vsplat(0.005203858017921448f));
    p = VFMA(p, u, vsplat(-0.02686050720512867f));
    p = VFMA(p, u, vsplat(0.11283715069293976f));
    p = VFMA(p, u, vsplat(-0.37612634897232056f));
    p = VFMA(p, u, vsplat(1.128379225730896f));
    return x * p;
}

// x² = hi + lo: hi the square of x's top 12 significant bits (exact), lo the rest to working precision.
EK_FN vf vsquare_parts(vf x, vf *lo) {
    vf xh = (vf)((vi)x & (vi)(int32_t)0xfffff000);
    *lo = (x - xh) * (x + xh);
    return xh * xh;
}

// erfc(x) for x >= 0.9: t·exp(-x² + Q(t)), t = 1/(1 + x/2), Q a degree-9 fit (max abs. error 1e-9
// in exact arithmetic). x² is split into an exact high part and a low part so that the exponent
// keeps full relative accuracy far into the tail.
EK_FN vf verfc_large(vf x) {
    vf t = vsplat(1.0f) / (vsplat(1.0f) + vsplat(0.5f) * x);
    vf q = vsplat(0.22750236970896176f);
    q = VFMA(q, t, vsplat(-1.0924454875714147f));
    q = VFMA(q, t, vsplat(2.030864302155769f));
    q = VFMA(q, t, vsplat(-1.73464911370819f));
    q = VFMA(q, t, vsplat(0.6795891294223276f));
    q = VFMA(q, t, vsplat(-0.35344352037319976f));
    q = VFMA(q, t, vsplat(0.1400422055238623f));
    q = VFMA(q, t, vsplat(0.36742813123897433f));
    q = VFMA(q, t, vsplat(1.0005774472359277f));
    q = VFMA(q, t, vsplat(-1.2655312677029613f));
    vf lo, hi = vsquare_parts(x, &lo);
    return t * vexp2parts(-hi, q - lo);
}

EK_FN vf verf(vf x) {
    vf ax = vabs(x);
    vi small = ax <= vsplat(0.9f);
    vf big = vsplat(1.0f) - verfc_large(vmax(ax, vsplat(0.9f)));
    big = (vf)((vi)big | ((vi)x & (vi)(int32_t)0x80000000)); // copy sign
    return vsel(small, verf_small(x), big);
}

EK_FN vf verfc(vf x) {
    vf ax = vabs(x);
    vi small = ax <= vsplat(0.9f);
    vf e = verfc_large(vmax(ax, vsplat(0.9f)));
    vf large = vsel(x < vsplat(0), vsplat(2.0f) - e, e);
    return vsel(small, vsplat(1.0f) - verf_small(x), large);
}

// exp(a + b) for a + b in [-88, 1], where no overflow, underflow or NaN can occur: vexp2parts without
// those cases, a degree-6 minimax polynomial on |r| <= ln2/2 (max rel. error 4e-9 in exact arithmetic).
EK_FN vf vexp2parts_bounded(vf a, vf b) {
    const vf ln2hi = vsplat(0.693145751953125f), ln2lo = vsplat(1.42860676533018708e-6f);
    const vf shifter = vsplat(12582912.0f);
    vf t = VFMA(a + b, vsplat(1.44269504088896341f), shifter);
    vf n = t - shifter;
    vf r = VFMA(n, -ln2lo, VFMA(n, -ln2hi, a)) + b;
    vf p = vsplat(0.00138146069f);
    p = VFMA(p, r, vsplat(0.00836871099f));
    p = VFMA(p, r, vsplat(0.041668389f));
    p = VFMA(p, r, vsplat(0.166665211f));
    p = VFMA(p, r, vsplat(0.49999994f));
    p = VFMA(p, r * r, r + vsplat(1.0f));
    return p * (vf)(((vi)t + (127 - 0x4B400000)) << 23); // n >= -127; at -127 the scale is 0
}

// GELU(x) = ½x(1 + erf(z)) = ½x·erfc(−z), z = x/√2, by one formula on the whole line (no branch, few
// multiplies: it runs in the GEMM epilogue beside the dot products). With h = 1/(2 + |z|),
//   erfc(|z|)/2 = h·exp(−z² + Q(2h)),  Q a degree-10 fit on |z| <= 9.3 (max abs. error 4e-9 in exact
// arithmetic; coefficients below are Q's times powers of 2, exact), z² in two parts (vsquare_parts);
// GELU = x·erfc(|z|)/2 for z < 0, else x − that (no cancellation: erfc(|z|) <= 1). Beyond |z| = 9.3,
// erfc(|z|) < 2^-126 counts as 0, so GELU(x) is x or 0 there (±∞ included); NaN stays NaN.
EK_FN vf vgelu(vf x) {
    const vf cut = vsplat(9.3f);
    vf z = x * vsplat(0.70710678118654752f);
    vf az = vmin(vabs(z), cut);
    vf h = vsplat(1.0f) / (vsplat(2.0f) + az);
    vf q = vsplat(-0.144777119f * 1024);
    q = VFMA(q, h, vsplat(0.991194189f * 512));
    q = VFMA(q, h, vsplat(-2.84420919f * 256));
    q = VFMA(q, h, vsplat(4.33368254f * 128));
    q = VFMA(q, h, vsplat(-3.65596986f * 64));
    q = VFMA(q, h, vsplat(1.74220717f * 32));
    q = VFMA(q, h, vsplat(-0.747696579f * 16));
    q = VFMA(q, h, vsplat(0.236858875f * 8));
    q = VFMA(q, h, vsplat(0.352378845f * 4));
    q = VFMA(q, h, vsplat(1.00191391f * 2));
    q = VFMA(q, h, vsplat(-1.2655828f));
    vf lo, hi = vsquare_parts(az, &lo);
    vf half_erfc = h * vexp2parts_bounded(-hi, q - lo);
    vf neg = vsel(az < cut, x * half_erfc, vsplat(0));   // GELU for z < 0
    return vsel(z < vsplat(0), neg, x - neg);
}

// SiLU(x) = x·σ(x) = x / (1 + e^−x); for x → −∞, e^−x overflows to ∞ and the quotient is −0.
EK_FN vf vsilu(vf x) { return x / (vsplat(1.0f) + vexp(-x)); }

// Scalar wrappers on one lane (tails of loops).
EK_FN float sgelu(float x) { return vgelu(vsplat(x))[0]; }
EK_FN float ssilu(float x) { return vsilu(vsplat(x))[0]; }
