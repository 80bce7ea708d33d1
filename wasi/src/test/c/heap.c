/* Heavy malloc: many blocks of pseudo-random sizes allocated, filled, resized and freed in
   pseudo-random order, some large ones; prints checksums of the contents. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 88172645463325252ULL;
static uint64_t next(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; }

#define SLOTS 4096

int main(void) {
    static unsigned char *blocks[SLOTS];
    static size_t sizes[SLOTS];
    uint64_t checksum = 0;
    size_t peak = 0, live = 0;
    for (int round = 0; round < 400000; round++) {
        int i = next() % SLOTS;
        if (blocks[i]) {
            for (size_t k = 0; k < sizes[i]; k += 61) checksum = checksum * 31 + blocks[i][k];
            if (next() % 4 == 0) {
                size_t ns = 1 + next() % (next() % 16 == 0 ? 200000 : 2000);
                unsigned char *p = realloc(blocks[i], ns);
                if (!p) { printf("realloc failed\n"); return 1; }
                if (ns > sizes[i]) memset(p + sizes[i], (int)(ns & 0xFF), ns - sizes[i]);
                live += ns - sizes[i];
                blocks[i] = p;
                sizes[i] = ns;
                continue;
            }
            free(blocks[i]);
            live -= sizes[i];
            blocks[i] = NULL;
        } else {
            size_t n = 1 + next() % (next() % 32 == 0 ? 100000 : 1000);
            blocks[i] = malloc(n);
            if (!blocks[i]) { printf("malloc failed\n"); return 1; }
            sizes[i] = n;
            for (size_t k = 0; k < n; k++) blocks[i][k] = (unsigned char)(next() >> 56);
            live += n;
        }
        if (live > peak) peak = live;
    }
    unsigned char *big = calloc(64 << 20, 1);
    if (!big) { printf("calloc 64 MiB failed\n"); return 1; }
    for (size_t k = 0; k < (64u << 20); k += 4096) checksum += big[k] + (big[k] = (unsigned char)k);
    free(big);
    for (int i = 0; i < SLOTS; i++) free(blocks[i]);
    printf("checksum %016llx peak %zu\n", (unsigned long long)checksum, peak);
    return 0;
}
