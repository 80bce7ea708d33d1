/* Integer only, no memory: naive recursive Fibonacci (call-heavy). */
#include "kernel.h"

static uint32_t fib(int32_t k) {
    return k < 2 ? (uint32_t)k : fib(k - 1) + fib(k - 2);
}

int32_t run(int32_t n) {
    return (int32_t)fib(n);
}
