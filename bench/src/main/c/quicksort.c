/* Quicksort (Hoare partition, median of three, insertion sort below 16 elements) of n generated
 * 32-bit integers, n at most 4 Mi: checksum of the sorted array. */
#include "kernel.h"

#define MAX_N (1 << 22)
static uint32_t a[MAX_N];

static void insertion(uint32_t *v, int32_t lo, int32_t hi) {
    for (int32_t i = lo + 1; i <= hi; i++) {
        uint32_t x = v[i];
        int32_t j = i - 1;
        while (j >= lo && v[j] > x) { v[j + 1] = v[j]; j--; }
        v[j + 1] = x;
    }
}

static void sort(uint32_t *v, int32_t lo, int32_t hi) {
    while (hi - lo > 16) {
        int32_t mid = lo + (hi - lo) / 2;
        uint32_t x = v[lo], y = v[mid], z = v[hi];
        uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        int32_t i = lo - 1, j = hi + 1;
        for (;;) {
            do i++; while (v[i] < pivot);
            do j--; while (v[j] > pivot);
            if (i >= j) break;
            uint32_t t = v[i]; v[i] = v[j]; v[j] = t;
        }
        if (j - lo < hi - j) { sort(v, lo, j); lo = j + 1; }
        else { sort(v, j + 1, hi); hi = j; }
    }
    insertion(v, lo, hi);
}

int32_t run(int32_t n) {
    if (n > MAX_N) n = MAX_N;
    uint32_t seed = 0xBADC0DEu;
    for (int32_t i = 0; i < n; i++) a[i] = kernel_rand(&seed);
    if (n > 0) sort(a, 0, n - 1);
    uint32_t h = 2166136261u;
    for (int32_t i = 0; i < n; i += 1 + n / 4096) h = kernel_mix(h, a[i]);
    for (int32_t i = 1; i < n; i++) if (a[i - 1] > a[i]) return -1;
    return (int32_t)h;
}
