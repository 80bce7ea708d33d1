/* Dense linear algebra: LU decomposition with partial pivoting of an n x n f64 matrix (Doolittle,
 * row-major, the right-looking rank-1 update in the inner loop), then the solution of A x = b by
 * forward and back substitution; n at most 256. Checksum: the solution rounded to 1e-6, folded. */
#include "kernel.h"

#pragma STDC FP_CONTRACT OFF /* the same rounding natively on every ISA as in Wasm */

#define MAX_N 256
static double m[MAX_N * MAX_N];
static double rhs[MAX_N];
static int32_t perm[MAX_N];

static double fabs_(double x) { return x < 0 ? -x : x; }

int32_t run(int32_t n) {
    if (n > MAX_N) n = MAX_N;
    uint32_t seed = 0x1u;
    for (int32_t i = 0; i < n; i++) {
        double row = 0;
        for (int32_t j = 0; j < n; j++) {
            double v = (double)(kernel_rand(&seed) % 2001u) / 1000.0 - 1.0;
            m[i * n + j] = v;
            row += fabs_(v);
        }
        m[i * n + i] += row; /* diagonally dominant: well conditioned */
        rhs[i] = (double)(i % 17) - 8.0;
        perm[i] = i;
    }
    for (int32_t k = 0; k < n; k++) {
        int32_t p = k;
        for (int32_t i = k + 1; i < n; i++)
            if (fabs_(m[i * n + k]) > fabs_(m[p * n + k])) p = i;
        if (p != k) {
            for (int32_t j = 0; j < n; j++) {
                double t = m[k * n + j]; m[k * n + j] = m[p * n + j]; m[p * n + j] = t;
            }
            int32_t t = perm[k]; perm[k] = perm[p]; perm[p] = t;
        }
        double pivot = m[k * n + k];
        for (int32_t i = k + 1; i < n; i++) {
            double f = m[i * n + k] / pivot;
            m[i * n + k] = f;
            double *ri = m + i * n;
            const double *rk = m + k * n;
            for (int32_t j = k + 1; j < n; j++) ri[j] -= f * rk[j];
        }
    }
    static double y[MAX_N];
    for (int32_t i = 0; i < n; i++) {
        double s = rhs[perm[i]];
        for (int32_t j = 0; j < i; j++) s -= m[i * n + j] * y[j];
        y[i] = s;
    }
    for (int32_t i = n - 1; i >= 0; i--) {
        double s = y[i];
        for (int32_t j = i + 1; j < n; j++) s -= m[i * n + j] * y[j];
        y[i] = s / m[i * n + i];
    }
    uint32_t h = 0x811C9DC5u;
    for (int32_t i = 0; i < n; i++) {
        double r = y[i] * 1e6;
        int64_t q = (int64_t)(r < 0 ? r - 0.5 : r + 0.5);
        h = kernel_mix(h, (uint32_t)q);
    }
    return (int32_t)h;
}
