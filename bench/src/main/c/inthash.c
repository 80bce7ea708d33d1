/* Integer only, no memory: a 64-bit mixing hash (splitmix64 finalizer) folded over a counter. */
#include "kernel.h"

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int32_t run(int32_t n) {
    uint64_t acc = 0x9e3779b97f4a7c15ull;
    for (int32_t i = 0; i < n; i++) {
        acc = mix64(acc + (uint64_t)i) ^ (acc << 7 | acc >> 57);
    }
    return (int32_t)(uint32_t)(acc ^ (acc >> 32));
}
