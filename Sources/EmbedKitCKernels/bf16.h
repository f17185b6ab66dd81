// bf16 rounding shared by weight packing (pack.c) and the kernel families (their scalar pair rounding, attention's packed V).
#ifndef EK_BF16_H
#define EK_BF16_H
#include <stdint.h>
#include <string.h>

// The bf16 bits of x: nearest, ties to even; a NaN stays a (quiet) NaN.
static inline uint16_t ek_bf16_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}
#endif
