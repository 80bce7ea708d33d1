/* An open-addressing hash map (linear probing, power-of-two capacity, tombstone-free deletion by
 * backward shift) from uint32 keys to uint32 values: n inserts, n lookups, n/2 deletes, n lookups;
 * n at most 1 Mi. Checksum of the values found. */
#include "kernel.h"

#define CAP (1 << 21)
static uint32_t keys[CAP], vals[CAP];
static uint8_t used[CAP];

static uint32_t slot_of(uint32_t k) { return (k * 2654435769u) >> 11; }

static void put(uint32_t k, uint32_t v) {
    uint32_t s = slot_of(k);
    while (used[s] && keys[s] != k) s = (s + 1) & (CAP - 1);
    used[s] = 1; keys[s] = k; vals[s] = v;
}

static int get(uint32_t k, uint32_t *v) {
    for (uint32_t s = slot_of(k); used[s]; s = (s + 1) & (CAP - 1)) {
        if (keys[s] == k) { *v = vals[s]; return 1; }
    }
    return 0;
}

static void del(uint32_t k) {
    uint32_t s = slot_of(k);
    while (used[s] && keys[s] != k) s = (s + 1) & (CAP - 1);
    if (!used[s]) return;
    used[s] = 0;
    for (uint32_t j = (s + 1) & (CAP - 1); used[j]; j = (j + 1) & (CAP - 1)) {
        uint32_t home = slot_of(keys[j]);
        /* Move j back into the hole at s unless its home lies cyclically in (s, j]. */
        if (((j - home) & (CAP - 1)) >= ((j - s) & (CAP - 1))) {
            keys[s] = keys[j]; vals[s] = vals[j]; used[s] = 1; used[j] = 0; s = j;
        }
    }
}

int32_t run(int32_t n) {
    if (n > CAP / 2) n = CAP / 2;
    for (uint32_t i = 0; i < CAP; i++) used[i] = 0;
    uint32_t seed = 0xFEEDu, h = 2166136261u, v;
    for (int32_t i = 0; i < n; i++) put(kernel_rand(&seed) & 0xFFFFFu, (uint32_t)i);
    seed = 0xFEEDu;
    for (int32_t i = 0; i < n; i++) if (get(kernel_rand(&seed) & 0xFFFFFu, &v)) h = kernel_mix(h, v);
    seed = 0xFEEDu;
    for (int32_t i = 0; i < n / 2; i++) del(kernel_rand(&seed) & 0xFFFFFu);
    uint32_t found = 0;
    for (uint32_t k = 0; k < (uint32_t)n; k++) if (get(k * 7u & 0xFFFFFu, &v)) { found++; h = kernel_mix(h, v); }
    return (int32_t)kernel_mix(h, found);
}
