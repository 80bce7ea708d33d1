/*
 * Tail calls: a threaded-code interpreter, the pattern guaranteed tail calls exist for (tail-call
 * interpreters, continuation-passing compilers). Each bytecode handler ends in a musttail call of
 * the next handler through a table: return_call_indirect in Wasm, an indirect jmp natively. The
 * program computes Fibonacci numbers iteratively (a, b = b, a + b), so the checksum is fib's.
 * kiln-bench-wasm-flags: -mtail-call
 */
#include "kernel.h"

typedef uint32_t (*handler)(const uint8_t *pc, uint32_t a, uint32_t b, int32_t k);

enum { STEP, DEC, LOOP, HALT };
static const handler handlers[4];

#define DISPATCH(pc, a, b, k) __attribute__((musttail)) return handlers[*(pc)]((pc), (a), (b), (k))

static uint32_t op_step(const uint8_t *pc, uint32_t a, uint32_t b, int32_t k) {
    DISPATCH(pc + 1, b, a + b, k);
}

static uint32_t op_dec(const uint8_t *pc, uint32_t a, uint32_t b, int32_t k) {
    DISPATCH(pc + 1, a, b, k - 1);
}

static uint32_t op_loop(const uint8_t *pc, uint32_t a, uint32_t b, int32_t k) {
    if (k > 0) {
        DISPATCH(pc - 2, a, b, k);
    }
    DISPATCH(pc + 1, a, b, k);
}

static uint32_t op_halt(const uint8_t *pc, uint32_t a, uint32_t b, int32_t k) {
    (void)pc, (void)b, (void)k;
    return a;
}

static const handler handlers[4] = {op_step, op_dec, op_loop, op_halt};

/* fib(k) for k >= 1: k times (step, dec, loop), then halt. */
static const uint8_t program[] = {STEP, DEC, LOOP, HALT};

int32_t run(int32_t n) {
    uint32_t h = 2166136261u;
    for (int32_t i = 0; i < n; i++) {
        h = kernel_mix(h, handlers[program[0]](program, 0, 1, 1 + i % 90));
    }
    return (int32_t)h;
}
