/* Spectral norm of the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2+i+1) truncated to n x n, n at most
 * 2048 (Benchmarks Game specification, 10 power iterations): checksum of the norm scaled to 1e-9. */
#include "kernel.h"
#include <math.h>

#define MAX_N 2048
static double u[MAX_N], v[MAX_N], t[MAX_N];

static double eval_a(int32_t i, int32_t j) {
    return 1.0 / ((double)(i + j) * (i + j + 1) / 2 + i + 1);
}

static void mul_av(int32_t n, const double *x, double *y) {
    for (int32_t i = 0; i < n; i++) {
        double s = 0;
        for (int32_t j = 0; j < n; j++) s += eval_a(i, j) * x[j];
        y[i] = s;
    }
}

static void mul_atv(int32_t n, const double *x, double *y) {
    for (int32_t i = 0; i < n; i++) {
        double s = 0;
        for (int32_t j = 0; j < n; j++) s += eval_a(j, i) * x[j];
        y[i] = s;
    }
}

static void mul_atav(int32_t n, const double *x, double *y) {
    mul_av(n, x, t);
    mul_atv(n, t, y);
}

int32_t run(int32_t n) {
    if (n > MAX_N) n = MAX_N;
    for (int32_t i = 0; i < n; i++) u[i] = 1.0;
    for (int32_t i = 0; i < 10; i++) {
        mul_atav(n, u, v);
        mul_atav(n, v, u);
    }
    double vbv = 0, vv = 0;
    for (int32_t i = 0; i < n; i++) {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    return (int32_t)(uint32_t)(int64_t)(sqrt(vbv / vv) * 1e9);
}
