/* Fannkuch-redux (permutation flipping, Benchmarks Game specification) for n elements, n at most 12:
 * checksum of the permutation checksum and the maximum flip count. */
#include "kernel.h"

int32_t run(int32_t n) {
    if (n > 12) n = 12;
    if (n < 1) n = 1;
    int32_t perm[12], perm1[12], count[12];
    int32_t max_flips = 0, checksum = 0, perm_count = 0, r = n;
    for (int32_t i = 0; i < n; i++) perm1[i] = i;
    for (;;) {
        for (; r != 1; r--) count[r - 1] = r;
        for (int32_t i = 0; i < n; i++) perm[i] = perm1[i];
        int32_t flips = 0, k;
        while ((k = perm[0]) != 0) {
            for (int32_t i = 0, j = k; i < j; i++, j--) {
                int32_t t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            flips++;
        }
        if (flips > max_flips) max_flips = flips;
        checksum += (perm_count % 2 == 0) ? flips : -flips;
        for (;;) {
            if (r == n) {
                return (int32_t)kernel_mix(kernel_mix(2166136261u, (uint32_t)checksum), (uint32_t)max_flips);
            }
            int32_t p0 = perm1[0];
            for (int32_t i = 0; i < r; i++) perm1[i] = perm1[i + 1];
            perm1[r] = p0;
            if (--count[r] > 0) break;
            r++;
        }
        perm_count++;
    }
}
