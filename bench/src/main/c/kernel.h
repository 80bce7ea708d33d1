/*
 * Shared declarations of the benchmark kernels. Every kernel is one C file exporting
 *   int32_t run(int32_t n)
 * which does an amount of work that grows with n and returns a 32-bit checksum of the result, the
 * same on every engine (native code, Kiln, and the other Wasm runtimes). Kernels must be deterministic
 * and free of undefined behaviour: arithmetic that may wrap is done on uint32_t/uint64_t.
 */
#ifndef KILN_BENCH_KERNEL_H
#define KILN_BENCH_KERNEL_H
#include <stdint.h>

int32_t run(int32_t n);

/* A small, fixed pseudo-random generator (xorshift32) so inputs are the same everywhere. */
static inline uint32_t kernel_rand(uint32_t *state) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Folds a 32-bit value into a running checksum (FNV-1a style over the four bytes). */
static inline uint32_t kernel_mix(uint32_t h, uint32_t v) {
    for (int i = 0; i < 4; i++) {
        h ^= (v >> (8 * i)) & 0xffu;
        h *= 16777619u;
    }
    return h;
}
#endif
