/* A switch-dispatch bytecode interpreter (a stack machine with one `switch` per instruction, the
 * shape of a Lua or Python main loop) running a program that, for every i < n, counts the set bits
 * of i * 2654435761 with a loop of shifts and adds and folds the count and i into an accumulator.
 * Checksum: the accumulator. Exercises br_table dispatch in a hot loop. */
#include "kernel.h"

enum { HALT, PUSH, LOAD, STORE, ADD, MUL, AND, SHR, XOR, LT, JZ, JMP };

/* locals: 0 = i, 1 = n, 2 = acc, 3 = x, 4 = bits; the number before each line is its offset */
static const int32_t program[] = {
    /*  0 */ PUSH, 0, STORE, 0,                                   /* i = 0 */
    /*  4 */ LOAD, 0, LOAD, 1, LT, JZ, 67,                        /* while (i < n) { */
    /* 11 */ LOAD, 0, PUSH, (int32_t)2654435761u, MUL, STORE, 3,  /*   x = i * K */
    /* 18 */ PUSH, 0, STORE, 4,                                   /*   bits = 0 */
    /* 22 */ LOAD, 3, JZ, 45,                                     /*   while (x) { */
    /* 26 */ LOAD, 3, PUSH, 1, AND, LOAD, 4, ADD, STORE, 4,       /*     bits += x & 1 */
    /* 36 */ LOAD, 3, PUSH, 1, SHR, STORE, 3,                     /*     x >>= 1 */
    /* 43 */ JMP, 22,                                             /*   } */
    /* 45 */ LOAD, 2, LOAD, 4, XOR, PUSH, 16777619, MUL, LOAD, 0, ADD, STORE, 2, /* acc = (acc ^ bits) * P + i */
    /* 58 */ LOAD, 0, PUSH, 1, ADD, STORE, 0,                     /*   i++ */
    /* 65 */ JMP, 4,                                              /* } */
    /* 67 */ HALT,
};

int32_t run(int32_t n) {
    uint32_t locals[8] = {0, (uint32_t)n, 0x811C9DC5u, 0, 0, 0, 0, 0};
    uint32_t stack[16];
    int32_t sp = 0, pc = 0;
    for (;;) {
        switch (program[pc++]) {
        case PUSH: stack[sp++] = (uint32_t)program[pc++]; break;
        case LOAD: stack[sp++] = locals[program[pc++]]; break;
        case STORE: locals[program[pc++]] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case SHR: sp--; stack[sp - 1] >>= (stack[sp] & 31); break;
        case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case LT: sp--; stack[sp - 1] = (int32_t)stack[sp - 1] < (int32_t)stack[sp]; break;
        case JZ: { int32_t t = program[pc++]; if (stack[--sp] == 0) pc = t; break; }
        case JMP: pc = program[pc]; break;
        case HALT: return (int32_t)locals[2];
        default: return -1;
        }
    }
}
