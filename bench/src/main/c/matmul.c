/* Dense n x n double matrix multiply (i-k-j order), n at most 256: checksum of the scaled trace and sum. */
#include "kernel.h"

#define MAX_N 256
static double a[MAX_N * MAX_N], b[MAX_N * MAX_N], c[MAX_N * MAX_N];

int32_t run(int32_t n) {
    if (n > MAX_N) n = MAX_N;
    for (int32_t i = 0; i < n; i++) {
        for (int32_t j = 0; j < n; j++) {
            a[i * n + j] = (double)((i * 7 + j * 3) % 17) - 8.0;
            b[i * n + j] = (double)((i * 5 + j * 11) % 13) - 6.0;
            c[i * n + j] = 0.0;
        }
    }
    for (int32_t i = 0; i < n; i++) {
        for (int32_t k = 0; k < n; k++) {
            double aik = a[i * n + k];
            for (int32_t j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
        }
    }
    uint32_t h = 2166136261u;
    for (int32_t i = 0; i < n * n; i++) h = kernel_mix(h, (uint32_t)(int32_t)c[i]);
    return (int32_t)h;
}
