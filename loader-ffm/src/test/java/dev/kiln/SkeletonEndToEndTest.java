package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.TrapCode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline on small programs: WAT text, decoder, validator, SSA translation, x86-64 code,
 * ELF artifact, FFM mapping and downcalls. Expected values are computed in Java next to each call.
 */
class SkeletonEndToEndTest {
    private final Engine engine = Engine.builder().compileOptions(CompileOptions.defaults().withVerifyIr(true)).build();
    private Store store;

    @BeforeEach
    void open() {
        store = new Store(engine);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private Instance instantiate(String wat) {
        return Instance.create(store, Module.compile(engine, wat.getBytes(StandardCharsets.UTF_8)));
    }

    private static long fac(long n) {
        return n <= 1 ? 1 : n * fac(n - 1);
    }

    private static int fib(int n) {
        return n < 2 ? n : fib(n - 1) + fib(n - 2);
    }

    @Test
    void recursiveFactorial() {
        Instance i = instantiate("""
                (module
                  (func $fac (export "fac") (param $n i64) (result i64)
                    (if (result i64) (i64.le_s (local.get $n) (i64.const 1))
                      (then (i64.const 1))
                      (else (i64.mul (local.get $n) (call $fac (i64.sub (local.get $n) (i64.const 1))))))))
                """);
        Func f = i.func("fac");
        for (long n = 0; n <= 25; n++) {
            assertEquals(fac(n), f.call(Val.i64(n))[0].i64(), "fac(" + n + ")");
        }
    }

    @Test
    void recursiveFibonacci() {
        Instance i = instantiate("""
                (module
                  (func $fib (export "fib") (param i32) (result i32)
                    local.get 0
                    i32.const 2
                    i32.lt_s
                    if (result i32)
                      local.get 0
                    else
                      local.get 0
                      i32.const 1
                      i32.sub
                      call $fib
                      local.get 0
                      i32.const 2
                      i32.sub
                      call $fib
                      i32.add
                    end))
                """);
        for (int n = 0; n <= 24; n++) {
            assertEquals(fib(n), i.func("fib").call(Val.i32(n))[0].i32(), "fib(" + n + ")");
        }
    }

    @Test
    void loopSummingOneToN() {
        Instance i = instantiate("""
                (module
                  (func (export "sum") (param $n i64) (result i64) (local $i i64) (local $acc i64)
                    (block $done
                      (loop $next
                        (br_if $done (i64.gt_u (local.get $i) (local.get $n)))
                        (local.set $acc (i64.add (local.get $acc) (local.get $i)))
                        (local.set $i (i64.add (local.get $i) (i64.const 1)))
                        (br $next)))
                    (local.get $acc)))
                """);
        for (long n : new long[] {0, 1, 2, 10, 1000, 100_000, 3_000_000}) {
            assertEquals(n * (n + 1) / 2, i.func("sum").call(Val.i64(n))[0].i64(), "sum(" + n + ")");
        }
    }

    @Test
    void mutualRecursion() {
        Instance i = instantiate("""
                (module
                  (func $even (export "even") (param $n i32) (result i32)
                    (if (result i32) (i32.eqz (local.get $n))
                      (then (i32.const 1))
                      (else (call $odd (i32.sub (local.get $n) (i32.const 1))))))
                  (func $odd (export "odd") (param $n i32) (result i32)
                    (if (result i32) (i32.eqz (local.get $n))
                      (then (i32.const 0))
                      (else (call $even (i32.sub (local.get $n) (i32.const 1)))))))
                """);
        for (int n = 0; n < 200; n += 7) {
            assertEquals(n % 2 == 0 ? 1 : 0, i.func("even").call(Val.i32(n))[0].i32(), "even(" + n + ")");
            assertEquals(n % 2 == 1 ? 1 : 0, i.func("odd").call(Val.i32(n))[0].i32(), "odd(" + n + ")");
        }
    }

    @Test
    void parametersBeyondTheArgumentRegisters() {
        // Nine parameters: six in registers, three on the stack, through the trampoline and a Wasm call.
        Instance i = instantiate("""
                (module
                  (func $weigh (param i64 i32 i64 i32 i64 i32 i64 i32 i64) (result i64)
                    (i64.add
                      (i64.add
                        (i64.add (i64.mul (local.get 0) (i64.const 1)) (i64.mul (i64.extend_i32_s (local.get 1)) (i64.const 10)))
                        (i64.add (i64.mul (local.get 2) (i64.const 100)) (i64.mul (i64.extend_i32_s (local.get 3)) (i64.const 1000))))
                      (i64.add
                        (i64.add (i64.mul (local.get 4) (i64.const 10000)) (i64.mul (i64.extend_i32_u (local.get 5)) (i64.const 100000)))
                        (i64.add (i64.mul (local.get 6) (i64.const 1000000))
                                 (i64.add (i64.mul (i64.extend_i32_s (local.get 7)) (i64.const 10000000))
                                          (i64.mul (local.get 8) (i64.const 100000000)))))))
                  (func (export "direct") (param i64 i32 i64 i32 i64 i32 i64 i32 i64) (result i64)
                    (call $weigh (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)
                                 (local.get 5) (local.get 6) (local.get 7) (local.get 8)))
                  (func (export "reversed") (param i64 i32 i64 i32 i64 i32 i64 i32 i64) (result i64)
                    (call $weigh (local.get 8) (local.get 7) (local.get 6) (local.get 5) (local.get 4)
                                 (local.get 3) (local.get 2) (local.get 1) (local.get 0))))
                """);
        long[] a = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        long expected = 0;
        long weight = 1;
        for (long v : a) {
            expected += v * weight;
            weight *= 10;
        }
        Val[] args = {Val.i64(1), Val.i32(2), Val.i64(3), Val.i32(4), Val.i64(5), Val.i32(6), Val.i64(7), Val.i32(8), Val.i64(9)};
        assertEquals(expected, i.func("direct").call(args)[0].i64());
        // reversed passes param 8 (an i64) where an i32 is expected: the types of the signature are i64/i32
        // alternating, so reversing keeps each position's type.
        long rev = 0;
        weight = 1;
        for (int k = 8; k >= 0; k--) {
            rev += a[k] * weight;
            weight *= 10;
        }
        assertEquals(rev, i.func("reversed").call(args)[0].i64());
        Val[] negative = {Val.i64(-1), Val.i32(-2), Val.i64(-3), Val.i32(-4), Val.i64(-5), Val.i32(-6), Val.i64(-7),
            Val.i32(-8), Val.i64(-9)};
        long neg = -1 + -2 * 10L + -3 * 100L + -4 * 1000L + -5 * 10000L + (0xFFFF_FFFFL - 5) * 100000L + -7 * 1000000L
                + -8 * 10000000L + -9 * 100000000L;
        assertEquals(neg, i.func("direct").call(negative)[0].i64());
    }

    @Test
    void unreachableTrapsAndTheInstanceStaysUsable() {
        Instance i = instantiate("""
                (module
                  (func $deep (param i32) (result i32)
                    (if (result i32) (i32.eqz (local.get 0))
                      (then unreachable)
                      (else (i32.add (i32.const 1) (call $deep (i32.sub (local.get 0) (i32.const 1)))))))
                  (func (export "boom") (param i32) (result i32) (call $deep (local.get 0)))
                  (func (export "id") (param i32) (result i32) (local.get 0)))
                """);
        for (int depth : new int[] {0, 1, 100}) {
            Trap t = assertThrows(Trap.class, () -> i.func("boom").call(Val.i32(depth)));
            assertEquals(TrapCode.UNREACHABLE, t.kind());
            assertEquals("unreachable", t.getMessage().lines().findFirst().orElseThrow());
            assertEquals(7, i.func("id").call(Val.i32(7))[0].i32());
        }
    }

    @Test
    void integerDivisionTraps() {
        Instance i = instantiate("""
                (module
                  (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
                  (func (export "div_u") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
                  (func (export "rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
                  (func (export "rem_u") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))
                  (func (export "div_s64") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
                  (func (export "rem_s64") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1))))
                """);
        for (String name : new String[] {"div_s", "div_u", "rem_s", "rem_u"}) {
            Trap t = assertThrows(Trap.class, () -> i.func(name).call(Val.i32(7), Val.i32(0)));
            assertEquals(TrapCode.INTEGER_DIVIDE_BY_ZERO, t.kind(), name);
            assertEquals("integer divide by zero", t.getMessage().lines().findFirst().orElseThrow());
        }
        Trap t = assertThrows(Trap.class, () -> i.func("div_s").call(Val.i32(Integer.MIN_VALUE), Val.i32(-1)));
        assertEquals(TrapCode.INTEGER_OVERFLOW, t.kind());
        Trap t64 = assertThrows(Trap.class, () -> i.func("div_s64").call(Val.i64(Long.MIN_VALUE), Val.i64(-1)));
        assertEquals(TrapCode.INTEGER_OVERFLOW, t64.kind());
        assertEquals(0, i.func("rem_s").call(Val.i32(Integer.MIN_VALUE), Val.i32(-1))[0].i32());
        assertEquals(0, i.func("rem_s64").call(Val.i64(Long.MIN_VALUE), Val.i64(-1))[0].i64());
        int[] xs = {0, 1, -1, 7, -7, 13, Integer.MIN_VALUE, Integer.MAX_VALUE, 123456789};
        int[] ys = {1, -1, 2, -2, 3, 7, -13, Integer.MIN_VALUE, Integer.MAX_VALUE};
        for (int x : xs) {
            for (int y : ys) {
                if (x == Integer.MIN_VALUE && y == -1) {
                    continue;
                }
                assertEquals(x / y, i.func("div_s").call(Val.i32(x), Val.i32(y))[0].i32(), x + " div_s " + y);
                assertEquals(Integer.divideUnsigned(x, y), i.func("div_u").call(Val.i32(x), Val.i32(y))[0].i32());
                assertEquals(x % y, i.func("rem_s").call(Val.i32(x), Val.i32(y))[0].i32(), x + " rem_s " + y);
                assertEquals(Integer.remainderUnsigned(x, y), i.func("rem_u").call(Val.i32(x), Val.i32(y))[0].i32());
            }
        }
        assertEquals(3, i.func("div_s").call(Val.i32(7), Val.i32(2))[0].i32(), "usable after traps");
    }

    @Test
    void unboundedRecursionIsAStackOverflowTrap() {
        Instance i = instantiate("""
                (module
                  (func $f (export "f") (param i64) (result i64)
                    (i64.add (i64.const 1) (call $f (i64.add (local.get 0) (i64.const 1))))))
                """);
        Trap t = assertThrows(Trap.class, () -> i.func("f").call(Val.i64(0)));
        assertEquals(TrapCode.STACK_OVERFLOW, t.kind());
        assertEquals("call stack exhausted", t.getMessage().lines().findFirst().orElseThrow());
        Trap again = assertThrows(Trap.class, () -> i.func("f").call(Val.i64(0)));
        assertEquals(TrapCode.STACK_OVERFLOW, again.kind());
    }
}
