/* Sieve of Eratosthenes up to n (at most 16 Mi): checksum of the count and the sum of the primes. */
#include "kernel.h"

#define MAX_N (1 << 24)
static uint8_t composite[MAX_N + 1];

int32_t run(int32_t n) {
    if (n > MAX_N) n = MAX_N;
    for (int32_t i = 0; i <= n; i++) composite[i] = 0;
    uint32_t count = 0, sum = 0;
    for (int32_t i = 2; i <= n; i++) {
        if (!composite[i]) {
            count++;
            sum += (uint32_t)i;
            for (int64_t j = (int64_t)i * i; j <= n; j += i) composite[j] = 1;
        }
    }
    return (int32_t)kernel_mix(kernel_mix(2166136261u, count), sum);
}
