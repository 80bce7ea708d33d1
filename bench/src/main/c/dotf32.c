/* Hand-vectorized f32 saxpy and dot product over n floats (n at most 1 Mi), written with clang's
 * portable vector extensions (f32x4), so the one source is Wasm SIMD with -msimd128, SSE natively,
 * and scalar lanes in the plain Wasm build. Sixteen passes: y = alpha * x + y, then dot(x, y) with four
 * f32x4 accumulators (16 partial sums), combined in a fixed order. Every engine computes the same
 * IEEE-754 single-precision operations in the same order (no contraction into fused multiply-adds),
 * so the results are bit-identical. Checksum: the bits of every pass's dot product, folded. */
#include "kernel.h"
#include <string.h>

#pragma clang fp contract(off)

typedef float f32x4 __attribute__((vector_size(16)));

#define MAX_N (1 << 20)
#define PASSES 16
static float x[MAX_N], y[MAX_N];

static inline f32x4 load(const float *p) {
    f32x4 v;
    memcpy(&v, p, 16);
    return v;
}

static inline void store(float *p, f32x4 v) {
    memcpy(p, &v, 16);
}

int32_t run(int32_t n) {
    if (n > MAX_N) n = MAX_N;
    if (n < 0) n = 0;
    uint32_t seed = 0xD07F32u;
    for (int32_t i = 0; i < n; i++) {
        /* multiples of 2^-10 in [-1, 1) and [-4, 4) */
        x[i] = (float) ((int32_t) (kernel_rand(&seed) >> 21) - 1024) * (1.0f / 1024);
        y[i] = (float) ((int32_t) (kernel_rand(&seed) >> 20) - 2048) * (1.0f / 512);
    }
    uint32_t h = 0x811C9DC5u;
    int32_t body = n & ~15;
    for (int pass = 0; pass < PASSES; pass++) {
        float alpha = 0.25f + 0.0625f * (float) pass;
        f32x4 va = (f32x4) {0} + alpha;
        for (int32_t i = 0; i < body; i += 4) store(y + i, va * load(x + i) + load(y + i));
        for (int32_t i = body; i < n; i++) y[i] = alpha * x[i] + y[i];
        f32x4 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
        for (int32_t i = 0; i < body; i += 16) {
            s0 += load(x + i) * load(y + i);
            s1 += load(x + i + 4) * load(y + i + 4);
            s2 += load(x + i + 8) * load(y + i + 8);
            s3 += load(x + i + 12) * load(y + i + 12);
        }
        f32x4 s = (s0 + s1) + (s2 + s3);
        float dot = (s[0] + s[1]) + (s[2] + s[3]);
        for (int32_t i = body; i < n; i++) dot += x[i] * y[i];
        uint32_t bits;
        memcpy(&bits, &dot, 4);
        h = kernel_mix(h, bits);
    }
    return (int32_t) h;
}
