#ifndef EMBEDKIT_CKERNELS_H
#define EMBEDKIT_CKERNELS_H

/// CPU features detected at run time (bit set of EK_CPU_*).
enum {
    EK_CPU_AVX2_FMA = 1 << 0,
    EK_CPU_AVX512F = 1 << 1,
    EK_CPU_F16C = 1 << 2,
};

int ek_cpu_features(void);

#endif
