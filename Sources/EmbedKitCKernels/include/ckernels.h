#ifndef EMBEDKIT_CKERNELS_H
#define EMBEDKIT_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// CPU features detected at run time (bit set of EK_CPU_*).
enum {
    EK_CPU_AVX2_FMA = 1 << 0,
    EK_CPU_AVX512F = 1 << 1,
    EK_CPU_F16C = 1 << 2,
    /// AVX-512 F+BW+VL+DQ, i.e. everything the AVX-512 kernels are compiled for.
    EK_CPU_AVX512_KERNELS = 1 << 3,
    /// AVX512-BF16 (VDPBF16PS) on top of the AVX-512 kernels.
    EK_CPU_AVX512_BF16 = 1 << 4,
    /// AVX512-VNNI (VPDPBUSD) on top of the AVX-512 kernels.
    EK_CPU_AVX512_VNNI = 1 << 5,
    /// AVX-VNNI (VEX VPDPBUSD on ymm: Alder Lake and later, Zen 5) on top of the AVX2 kernels.
    EK_CPU_AVX_VNNI = 1 << 6,
    /// AArch64 Advanced SIMD (every ARMv8-A CPU, Apple M-series included).
    EK_CPU_NEON = 1 << 8,
    /// ARMv8.2 dot product (SDOT/UDOT): Apple M1+, Graviton2+, Neoverse N1+.
    EK_CPU_NEON_DOTPROD = 1 << 9,
    /// ARMv8.6 int8 matrix multiply (SMMLA): Apple M2+, Graviton3+.
    EK_CPU_NEON_I8MM = 1 << 10,
    /// ARMv8.6 BFloat16 (BFDOT, BFMMLA): Apple M2+, Graviton3+.
    EK_CPU_NEON_BF16 = 1 << 11,
};

int ek_cpu_features(void);

/// Kernel families. Each one is compiled with function-level target attributes and chosen at run time.
enum {
    EK_ISA_GENERIC = 0, ///< portable C vectors, mul + add
    EK_ISA_AVX2 = 1,    ///< AVX2 + FMA + F16C, 6x16 register tiles
    EK_ISA_AVX512 = 2,  ///< AVX-512 F/BW/VL/DQ, 8x32 register tiles
    EK_ISA_AVX512_BF16 = 3, ///< the AVX-512 family plus VDPBF16PS for bf16-pair GEMMs
    EK_ISA_AVX512_VNNI = 4, ///< the AVX-512 family plus VPDPBUSD for int8 GEMMs
    EK_ISA_NEON = 5,         ///< AArch64 NEON with FMA, 6x16 register tiles, hardware fp16 widening
    EK_ISA_NEON_DOTPROD = 6, ///< the NEON family plus SDOT for int8 GEMMs
    EK_ISA_NEON_I8MM = 7,    ///< the NEON family plus SMMLA (2x8·8x2 int8 tiles) for int8 GEMMs
    EK_ISA_NEON_BF16 = 8,    ///< the NEON family plus BFDOT for bf16-pair GEMMs
    EK_ISA_AVX2_VNNI = 9,    ///< the AVX2 family plus AVX-VNNI (VEX VPDPBUSD on ymm) for int8 GEMMs
    /// Test twin of EK_ISA_AVX2_VNNI: the same kernels with the EVEX encoding of VPDPBUSD on ymm
    /// (AVX512-VNNI + VL), so that a CPU without AVX-VNNI still runs its int8 tile. Never chosen on its own.
    EK_ISA_AVX2_VNNI_EVEX = 10,
    /// Flag on a family: exactly that family, never upgraded to its dot-product sibling (tests: the AVX2
    /// family's VPMADDUBSW int8 kernel on a CPU with AVX-VNNI).
    EK_ISA_EXACT = 0x100,
};

/// Best ISA this CPU runs.
int ek_best_isa(void);
/// 1 when `isa` can run on this CPU.
int ek_isa_supported(int isa);
/// Process-wide override used when a caller passes isa < 0: -1 = automatic (best).
void ek_set_isa_override(int isa);
int ek_get_isa_override(void);
/// Resolves isa < 0 to the override or the best ISA.
int ek_resolve_isa(int isa);
/// The family `ek_gemm(isa, ...)` runs for weights of element type `dtype` (EK_DT_*): bf16-pair and
/// int8-quad weights go to the family with the matching dot-product instruction where the CPU has
/// one (SMMLA before SDOT on ARM), unless `isa` forces a family without it.
int ek_gemm_family(int isa, int dtype);
/// 1 when this CPU has a dot-product instruction for weights of element type `dtype` (fp32, fp16 and
/// bf16 storage always: they compute in fp32), i.e. the reduced precision runs fast rather than
/// through a family's scalar path.
int ek_dtype_fast(int dtype);

/// Atomic fetch-and-add on a shared counter (work distribution between threads).
long ek_atomic_fetch_add(long *counter, long value);

/// Runs body(context, i) for i in 0..<count on the calling thread and threads − 1 of the process-wide worker
/// threads (started on first use, kept; idle workers spin briefly, then sleep), items handed out dynamically;
/// returns 0 when every item has run. Returns -1 without running anything when the workers are busy with
/// another job (another thread's, or this job's own: a call from inside `body`), when `threads` is more than
/// the process can run at once (CPU affinity, a cgroup CPU quota), or threads < 2 or count < 2.
int ek_pool_run(int threads, long count, void (*body)(void *, long), void *context);
/// The number of threads ek_pool_run accepts (the process's CPUs, see above); `replace` > 0 sets it instead
/// (tests: several workers on a machine with fewer cores). Returns the value before.
int ek_pool_cpu_budget(int replace);

/// Element types of packed weights. F16 and BF16 are widened to fp32 in the kernel (fp32 compute);
/// BF16_PAIRS is bf16 compute: weights in the pair layout below, activations rounded to bf16 at the
/// GEMM input, products accumulated in fp32 (VDPBF16PS where the CPU has it, scalar elsewhere).
/// I8_QUADS is int8 compute: per-output-channel symmetric int8 weights (layout below), activations
/// quantized per row (symmetric, dynamic) at the GEMM input, int32 sums (VPDPBUSD where present).
enum { EK_DT_F32 = 0, EK_DT_F16 = 1, EK_DT_BF16 = 2, EK_DT_BF16_PAIRS = 3, EK_DT_I8_QUADS = 4 };

/// Packed B: panels of EK_NR output features; panel p holds k rows of EK_NR values
/// (out features 32p ..< 32p+32 of input row kk at [p*k*32 + kk*32 + j]), zero padded.
#define EK_NR 32

/// Number of elements of a packed [n, k] weight.
size_t ek_packed_elements(int n, int k);
/// Packs PyTorch `Linear.weight` [n, k] (row-major, out x in) into panels. `dst` has ek_packed_elements.
void ek_pack_f32(const float *w, int n, int k, float *dst);
/// Same for 16-bit (fp16 or bf16 bit patterns; packing only moves bits).
void ek_pack_u16(const uint16_t *w, int n, int k, uint16_t *dst);

/// bf16-pair layout: k padded to even; panel p holds k/2 pair rows of EK_NR output features, each
/// feature's two consecutive k values side by side (feature j of pair row q at [p*k*32 + q*64 + 2j],
/// [.. + 1]), zero padded. Elements (uint16) of a packed [n, k] weight:
size_t ek_packed_pair_elements(int n, int k);
/// Packs an fp32 [n, k] weight into the pair layout, rounding to bf16 (nearest, ties to even).
void ek_pack_bf16_pairs_f32(const float *w, int n, int k, uint16_t *dst);
/// Packs 16-bit [n, k] weights into the pair layout: bf16 bits as they are (`is_f16` 0) or fp16 bits
/// rounded to bf16 (`is_f16` 1), without an fp32 copy of the weight.
void ek_pack_bf16_pairs_u16(const uint16_t *w, int n, int k, int is_f16, uint16_t *dst);
/// int8-quad layout: k padded to a multiple of 4; panel p (EK_NR output features) is a 256-byte header
/// (32 float scales, then 32 int32 sums of each feature's int8 weights) followed by k/4 quad rows of
/// 128 bytes, feature j's four consecutive k values at [.. + 4j ..< 4j + 4]; zero padded.
/// W[o, i] ≈ scale[o]·q[o, i] with q = round(W·127/max|W[o, :]|). Bytes of a packed [n, k] weight:
size_t ek_packed_quad_bytes(int n, int k);
/// Quantizes and packs an fp32 [n, k] weight into the int8-quad layout.
int ek_pack_i8_quads_f32(const float *w, int n, int k, uint8_t *dst);
/// Same from 16-bit bits (`is_f16`: IEEE binary16, else bfloat16), one row widened at a time.
/// Both return 0, or -1 when memory for one widened row is not available.
int ek_pack_i8_quads_u16(const uint16_t *w, int n, int k, int is_f16, uint8_t *dst);
/// A gated unit's packed int8 [gate | up] projection (2·inner features, gate first) rearranged so that panel p
/// holds gate features 16p ..< 16p + 16 in its columns 0 ..< 16 and the same up features in 16 ..< 32 (features
/// past `inner` zero): the layout of the EK_ACT_GLU_* epilogues. dst holds ek_packed_quad_bytes(glu_panels·32, k)
/// bytes, glu_panels = ceil(inner / 16).
void ek_interleave_i8_quads_glu(const uint8_t *src, int inner, int k, uint8_t *dst);
/// The [gate | up] projection's 2·inner biases in the same panel order: ceil(inner / 16)·32 values at dst.
void ek_interleave_glu_bias(const float *bias, int inner, float *dst);

/// fp32 -> bf16 bits, nearest even (NaN stays NaN).
uint16_t ek_bf16_from_f32(float x);

/// Epilogue activations. The two GLU kinds are for int8-quad weights interleaved by
/// ek_interleave_i8_quads_glu only: panel p yields C columns 16p ..< 16p + 16 as act(gate + bias)·(up + bias),
/// the gate from the panel's first 16 columns and the up projection from its last 16; n is then C's width
/// (the gated unit's inner width), the residual is not supported and the bias is in panel order (32 per panel).
enum { EK_ACT_NONE = 0, EK_ACT_GELU = 1, EK_ACT_SILU = 2, EK_ACT_GLU_GELU = 3, EK_ACT_GLU_SILU = 4 };

/// C[m0..<m1, panels p0..<p1] = act(A·Bᵀ + bias) + residual, A row-major [*, k] with leading dim lda,
/// B packed (dtype), C row-major with leading dim ldc, residual (optional) leading dim ldr.
typedef struct {
    int m0, m1, p0, p1, n, k;
    const float *a;
    int lda;
    const void *b;
    int dtype;
    float *c;
    int ldc;
    const float *bias;     ///< nullable, n values
    int act;               ///< EK_ACT_*
    const float *residual; ///< nullable
    int ldr;
    /// int8 only, nullable: k per-column factors the A values are multiplied by before they are quantized
    /// (smoothing: the weight's columns carry the inverse factors, so A·Bᵀ is unchanged).
    const float *a_scale;
} ek_gemm_args;

void ek_gemm(int isa, const ek_gemm_args *args);

/// Flash-style attention of one sequence and one head for query rows q0..<q1 (relative to the
/// sequence). q, k, v point at the sequence's first row and the head's first column; rows are `ld`
/// floats apart. out rows are `ldo` apart. Bias: -slope·|i-j|, plus bias[(j - i) + len - 1] when `bias` is
/// not NULL (a per-distance table of this head, MPNet's relative positions; readable up to index
/// 2·len + 64). A window: query i sees keys i − before ..= i + after only (a negative bound is no bound;
/// `after` 0 is a causal mask); every query must see at least one key. `bf16` (reduced precision): Q·Kᵀ and
/// P·V from bf16-rounded Q, K, P and V with fp32 sums, on the family with a bf16 dot product (AVX512-BF16, ARM
/// BF16); where there is none, fp32 as with 0. Returns 0, or -1 if memory ran out.
int ek_attention(int isa, const float *q, const float *k, const float *v, int ld, float *out, int ldo,
                 int len, int head_dim, int q0, int q1, float scale, float slope, const float *bias, int before,
                 int after, int bf16);
/// Bytes of each thread's reusable scratch buffer (ek_thread_scratch): attention jobs that fit use it.
#define EK_SCRATCH_BYTES (1 << 20)
/// The calling thread's scratch buffer of EK_SCRATCH_BYTES, 64-byte aligned, allocated on first use and freed
/// when the thread exits; NULL if memory ran out. One user at a time per thread (no nesting).
float *ek_thread_scratch(void);
/// Query rows per block of ek_attention (jobs should split queries on multiples of this).
int ek_attention_query_block(void);

/// Row-wise and elementwise operations (all vectorised per ISA).
/// x[r] = LayerNorm(x[r] + residual[r]) * gamma + beta for rows r0..<r1 of `cols` values.
void ek_add_layernorm(int isa, float *x, const float *residual, const float *gamma, const float *beta,
                      float eps, int r0, int r1, int cols);
/// RMSNorm: for rows r0..<r1 of x (ld floats apart), each of `groups` consecutive groups of `cols` values
/// becomes g · gamma / sqrt(mean(g²) + eps) (groups > 1: Qwen3's norm of each head of Q and K).
void ek_rmsnorm(int isa, float *x, int ld, int r0, int r1, int groups, int cols, const float *gamma, float eps);
/// x = GELU(x) (erf form) for count values.
void ek_gelu(int isa, float *x, long count);
/// A gated linear unit: out[r, j] = act(g[r, j]) * g[r, inner + j] for rows r0..<r1, the gate first;
/// act is EK_ACT_GELU (GEGLU, erf form) or EK_ACT_SILU (SwiGLU, x·σ(x)).
void ek_glu(int isa, const float *g, float *out, int r0, int r1, int inner, int act);
/// Rotary position embedding (rotate-half form, as transformers' apply_rotary_pos_emb) in place, on rows
/// r0..<r1 of x (ld floats apart), each row `heads` heads of head_dim values: for i < half = head_dim/2,
/// (a, b) = (x[i], x[i + half]) becomes (a·cos − b·sin, b·cos + a·sin) with cos = cos_table[r·half + i]
/// (sin likewise): row r is at position r of the tables.
void ek_rotary(int isa, float *x, int ld, int r0, int r1, int heads, int head_dim, const float *cos_table,
               const float *sin_table);
/// Vectorised math, exposed for tests: out[i] = f(x[i]).
void ek_vexp(int isa, const float *x, float *out, long count);
void ek_verf(int isa, const float *x, float *out, long count);
void ek_verfc(int isa, const float *x, float *out, long count);

/// y[r, 0..<n] = act(y[r] + bias) + residual[r] for rows r0..<r1 (ldy, ldr apart): the epilogue of a
/// GEMM computed elsewhere (a CBLAS library).
void ek_bias_act_residual(int isa, float *y, int ldy, int r0, int r1, int n, const float *bias, int act,
                          const float *residual, int ldr);

/// Benchmark helper: FP32 GFLOP/s of 12 independent AVX-512 FMA chains on the calling thread, by wall
/// time (returned) and by thread CPU time (*cpu_gflops). 0 without AVX-512.
double ek_fma_probe_gflops(double *cpu_gflops);

#endif
