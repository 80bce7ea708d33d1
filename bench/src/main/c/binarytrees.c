/* Binary-trees (Benchmarks Game specification): allocates and walks complete binary trees with malloc
 * and free, depths 4..n step 2 plus a long-lived tree; checksum of the node counts. */
#include "kernel.h"
#include <stdlib.h>

typedef struct node { struct node *left, *right; } node;

static node *make(int32_t depth) {
    node *t = malloc(sizeof(node));
    if (depth > 0) {
        t->left = make(depth - 1);
        t->right = make(depth - 1);
    } else {
        t->left = t->right = 0;
    }
    return t;
}

static uint32_t check(const node *t) {
    return 1 + (t->left ? check(t->left) + check(t->right) : 0);
}

static void release(node *t) {
    if (t->left) { release(t->left); release(t->right); }
    free(t);
}

int32_t run(int32_t n) {
    int32_t max_depth = n < 6 ? 6 : n;
    uint32_t h = 2166136261u;
    node *stretch = make(max_depth + 1);
    h = kernel_mix(h, check(stretch));
    release(stretch);
    node *long_lived = make(max_depth);
    for (int32_t d = 4; d <= max_depth; d += 2) {
        int32_t iterations = 1 << (max_depth - d + 4);
        uint32_t sum = 0;
        for (int32_t i = 0; i < iterations; i++) {
            node *t = make(d);
            sum += check(t);
            release(t);
        }
        h = kernel_mix(h, sum);
    }
    h = kernel_mix(h, check(long_lived));
    release(long_lived);
    return (int32_t)h;
}
