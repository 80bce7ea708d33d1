/* Integer only, no memory: total Collatz stopping time of 1..n (64-bit arithmetic). */
#include "kernel.h"

int32_t run(int32_t n) {
    uint64_t total = 0;
    for (int32_t i = 1; i <= n; i++) {
        uint64_t x = (uint64_t)i;
        uint32_t steps = 0;
        while (x != 1) {
            x = (x & 1) ? 3 * x + 1 : x >> 1;
            steps++;
        }
        total += steps;
    }
    return (int32_t)(uint32_t)(total ^ (total >> 32));
}
