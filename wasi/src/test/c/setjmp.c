/* setjmp/longjmp as C programs use them: a non-local exit through several frames, nested jmp_bufs
   (an inner handler that passes an error on to an outer one), longjmp back into a loop, longjmp(env, 0)
   returning 1 from setjmp, a longjmp from a callback called through a function pointer (a sort's
   comparator and a table of handlers), volatile locals that keep their values, and a
   setjmp in a function called again after an earlier longjmp left it. Under wasm32-wasi (clang
   -mllvm -wasm-enable-sjlj, libsetjmp) these are Wasm exceptions of the tag __c_longjmp. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jmp_buf top;
static int frames_entered;
static int frames_left;

/* a recursion `depth` frames deep that longjmps from the bottom: the frames in between never return */
static int descend(jmp_buf env, int depth, int code) {
    char local[32];
    if (depth < 0) {
        return 0;
    }
    frames_entered++;
    snprintf(local, sizeof local, "frame %d", depth);
    if (depth == 0) {
        longjmp(env, code);
    }
    int r = descend(env, depth - 1, code) + (int) strlen(local);
    frames_left++; /* never reached */
    return r;
}

static void non_local_exit(void) {
    for (int depth = 1; depth <= 64; depth *= 4) {
        frames_entered = 0;
        frames_left = 0;
        int r = setjmp(top);
        if (r == 0) {
            descend(top, depth, 100 + depth);
            puts("not reached");
        } else {
            printf("exit through %d frames: setjmp returned %d, entered %d, returned normally %d\n", depth + 1, r,
                   frames_entered, frames_left);
        }
    }
}

/* nested handlers: each level installs its own jmp_buf and passes what it catches to the one above */
static jmp_buf *handler;

static void raise_error(int code) {
    longjmp(*handler, code);
}

static int level(int n, int fail_at) {
    jmp_buf mine;
    jmp_buf *outer = handler;
    volatile int caught = 0;
    int r = setjmp(mine);
    if (r != 0) {
        handler = outer;
        caught = r;
        printf("  level %d caught %d", n, caught);
        if (caught < 3000) {
            printf(", passes on %d\n", caught * 10);
            raise_error(caught * 10);
        }
        printf(", handles it\n");
        return -caught;
    }
    handler = &mine;
    int result = n == fail_at ? (raise_error(3), 0) : n < 4 ? level(n + 1, fail_at) : 1000;
    handler = outer;
    return result + n;
}

static void nested_buffers(void) {
    for (int fail_at = 1; fail_at <= 4; fail_at++) {
        jmp_buf outermost;
        handler = &outermost;
        int r = setjmp(outermost);
        if (r == 0) {
            printf("fail at %d\n", fail_at);
            printf("  result %d\n", level(1, fail_at));
        } else {
            printf("  outermost caught %d\n", r);
        }
    }
    jmp_buf none;
    handler = &none;
    if (setjmp(none) == 0) {
        printf("no failure: %d\n", level(1, 99));
    }
}

/* longjmp back into a loop: the loop's state lives in volatile locals across the jumps */
static void back_into_a_loop(void) {
    jmp_buf again;
    volatile int i = 0;
    volatile long sum = 0;
    int r = setjmp(again);
    sum += r;
    if (i < 10) {
        i++;
        sum += i * 1000;
        longjmp(again, i);
    }
    printf("loop by longjmp: i %d sum %ld\n", i, sum);
}

/* longjmp(env, 0) makes setjmp return 1 (C11 7.13.2.1) */
static void zero_becomes_one(void) {
    jmp_buf env;
    volatile int rounds = 0;
    int r = setjmp(env);
    printf("setjmp returned %d after %d longjmp(env, 0)\n", r, rounds);
    if (rounds++ < 2) {
        longjmp(env, 0);
    }
}

/* a longjmp from callbacks: a sort's comparator, and a handler called through a function pointer table */
static jmp_buf cb_env;
static int comparisons;

static int compare_or_bail(const void *a, const void *b) {
    int x = *(const int *) a;
    int y = *(const int *) b;
    if (++comparisons == 17) {
        longjmp(cb_env, x * 1000 + y + 1);
    }
    return (x > y) - (x < y);
}

/* insertion sort with a comparator (qsort's order of comparisons differs between C libraries) */
static void sort(int *a, int n, int (*cmp)(const void *, const void *)) {
    for (int i = 1; i < n; i++) {
        int v = a[i];
        int j = i;
        while (j > 0 && cmp(&a[j - 1], &v) > 0) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static int ok_handler(int v) { return v + 1; }
static int bail_handler(int v) {
    longjmp(cb_env, -v);
}
static int (*const handlers[])(int) = {ok_handler, ok_handler, bail_handler, ok_handler};

static int apply_all(int (*const *table)(int), int n, int v) {
    for (int i = 0; i < n; i++) {
        v = table[i](v) * 2;
    }
    return v;
}

static void from_callbacks(void) {
    int data[64];
    for (int i = 0; i < 64; i++) {
        data[i] = (i * 37) % 64;
    }
    comparisons = 0;
    int r = setjmp(cb_env);
    if (r == 0) {
        sort(data, 64, compare_or_bail);
        puts("sort finished (not expected)");
    } else {
        printf("comparator jumped out of the sort after %d comparisons: %d\n", comparisons, r);
    }
    volatile int calls = 0;
    r = setjmp(cb_env);
    calls++;
    if (r == 0) {
        printf("table result %d\n", apply_all(handlers, 4, 5));
    } else {
        printf("handler jumped out: %d (setjmp returned %d times)\n", r, calls);
    }
    printf("table of two: %d\n", apply_all(handlers, 2, 5));
}

/* many jumps in a row: jmp_bufs are reused and nothing leaks */
static void many_jumps(void) {
    jmp_buf env;
    long long total = 0;
    for (int i = 1; i <= 100000; i++) {
        int r = setjmp(env);
        if (r == 0) {
            descend(env, i % 5, i);
        }
        total += r;
    }
    printf("100000 jumps, total %lld\n", total);
}

int main(void) {
    non_local_exit();
    nested_buffers();
    back_into_a_loop();
    zero_becomes_one();
    from_callbacks();
    many_jumps();
    puts("end");
    return 0;
}
