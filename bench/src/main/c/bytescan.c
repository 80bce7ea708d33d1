/* An unrolled byte loop: Adler-32 and a byte histogram over n bytes of generated data, the inner
 * loop unrolled by 8 by hand with constant offsets from one index (the shape clang and hand-tuned C
 * give byte-at-a-time code: eight loads from base + i + 0..7 per iteration), n at most 16 MiB.
 * Checksum: the Adler-32 folded with the histogram. */
#include "kernel.h"

#define MAX_N (1 << 24)
static uint8_t data[MAX_N];
static uint32_t histogram[256];

int32_t run(int32_t n) {
    if (n > MAX_N) n = MAX_N;
    uint32_t seed = 0x5EED5u;
    for (int32_t i = 0; i < n; i++) data[i] = (uint8_t)(kernel_rand(&seed) >> 24);
    for (int i = 0; i < 256; i++) histogram[i] = 0;
    uint32_t a = 1, b = 0;
    int32_t i = 0;
    while (i + 8 <= n) {
        /* at most 5552 bytes between reductions keep b below 2^32 (zlib's NMAX) */
        int32_t block_end = i + 5552 - 5552 % 8;
        if (block_end > n - 7) block_end = n - 7;
        for (; i < block_end; i += 8) {
            const uint8_t *p = data + i;
            a += p[0]; b += a; a += p[1]; b += a; a += p[2]; b += a; a += p[3]; b += a;
            a += p[4]; b += a; a += p[5]; b += a; a += p[6]; b += a; a += p[7]; b += a;
            histogram[p[0]]++; histogram[p[1]]++; histogram[p[2]]++; histogram[p[3]]++;
            histogram[p[4]]++; histogram[p[5]]++; histogram[p[6]]++; histogram[p[7]]++;
        }
        a %= 65521u;
        b %= 65521u;
    }
    for (; i < n; i++) {
        a = (a + data[i]) % 65521u;
        b = (b + a) % 65521u;
        histogram[data[i]]++;
    }
    uint32_t h = kernel_mix(0x811C9DC5u, (b << 16) | a);
    for (int k = 0; k < 256; k++) h = kernel_mix(h, histogram[k]);
    return (int32_t)h;
}
