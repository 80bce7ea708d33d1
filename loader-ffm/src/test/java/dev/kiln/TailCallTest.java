package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.ValType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Wasm 3.0 tail calls ({@code return_call}, {@code return_call_indirect}) end to end: real tail calls
 * run in constant stack under the default stack budget ({@link Engine#DEFAULT_STACK_BUDGET}, 512 KiB),
 * whatever the stack-argument areas of caller and callee, across instances and into host functions.
 */
class TailCallTest extends StoreFixture {
    TailCallTest() {
        super(verifyingEngine());
    }

    private static final String COUNT = """
            (module
              (func $loop (export "loop") (param $n i64) (param $acc i64) (result i64)
                (if (result i64) (i64.eqz (local.get $n))
                  (then (local.get $acc))
                  (else (return_call $loop (i64.sub (local.get $n) (i64.const 1))
                                           (i64.add (local.get $acc) (local.get $n))))))
              (func $plain (export "plain") (param $n i64) (param $acc i64) (result i64)
                (if (result i64) (i64.eqz (local.get $n))
                  (then (local.get $acc))
                  (else (call $plain (i64.sub (local.get $n) (i64.const 1))
                                     (i64.add (local.get $acc) (local.get $n)))))))
            """;

    @Test
    void aHundredMillionTailCallsRunInConstantStack() {
        Instance i = Instance.create(store, compile(COUNT));
        long n = 100_000_000L;
        long start = System.nanoTime();
        long sum = i.func("loop").call(Val.i64(n), Val.i64(0))[0].i64();
        long elapsed = System.nanoTime() - start;
        assertEquals(n * (n + 1) / 2, sum);
        System.out.printf("%d return_calls: %.1f ms, %.2f ns per call%n", n, elapsed / 1e6, (double) elapsed / n);
        // the same recursion with call needs a frame per level: the default budget holds far fewer
        assertEquals(500_500L, i.func("plain").call(Val.i64(1000), Val.i64(0))[0].i64());
        assertSame(TrapCode.STACK_OVERFLOW,
                assertThrows(Trap.class, () -> i.func("plain").call(Val.i64(n), Val.i64(0))).kind());
        assertEquals(55L, i.func("loop").call(Val.i64(10), Val.i64(0))[0].i64(), "the store stays usable");
    }

    /** Integer and float parameter counts of the three functions of {@link #mutualRecursion}. */
    private static final int[][] SHAPES = {{2, 0}, {9, 10}, {20, 10}};

    /**
     * Three functions with 2 i64 (no stack arguments), 9 i64 + 10 f64 (3 + 2 on the stack) and 20 i64
     * + 10 f64 (14 + 2 on the stack) parameters that tail-call each other: f0 -> f20 when n is even,
     * else f9; f9 -> f20; f20 -> f0, so the argument area grows from 0 to 48 and 128 bytes, from 48 to
     * 128, and shrinks from 128 to 0. Each folds every parameter into the accumulator.
     */
    private static String mutualRecursion() {
        StringBuilder w = new StringBuilder("(module\n");
        for (int k = 0; k < SHAPES.length; k++) {
            int ints = SHAPES[k][0];
            int floats = SHAPES[k][1];
            w.append("  (func $f").append(ints).append(k == 0 ? " (export \"run\")" : "").append(" (param $n i64) (param $acc i64)");
            for (int x = 1; x <= ints - 2; x++) {
                w.append(" (param i64)");
            }
            for (int y = 1; y <= floats; y++) {
                w.append(" (param f64)");
            }
            w.append(" (result i64)\n    (if (i64.eqz (local.get $n)) (then (return (local.get $acc))))\n");
            // acc = acc * 31 + sum x_i * i + sum trunc(y_j) * (100 + j)
            w.append("    (local.set $acc (i64.mul (local.get $acc) (i64.const 31)))\n");
            for (int x = 1; x <= ints - 2; x++) {
                w.append("    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get ").append(x + 1)
                        .append(") (i64.const ").append(x).append("))))\n");
            }
            for (int y = 1; y <= floats; y++) {
                w.append("    (local.set $acc (i64.add (local.get $acc) (i64.mul (i64.trunc_f64_s (local.get ")
                        .append(ints + y - 1).append(")) (i64.const ").append(100 + y).append("))))\n");
            }
            if (k == 0) {
                w.append("    (if (i64.eqz (i64.and (local.get $n) (i64.const 1)))\n      (then ")
                        .append(tailCall(2)).append("))\n    ").append(tailCall(1)).append(")\n");
            } else {
                w.append("    ").append(tailCall(k == 1 ? 2 : 0)).append(")\n");
            }
        }
        return w.append(")\n").toString();
    }

    /** {@code return_call} of function {@code k} of {@link #SHAPES} with n - 1, the accumulator and x_i = n - 1 + i, y_j = (n - 1) * j + 0.5. */
    private static String tailCall(int k) {
        int ints = SHAPES[k][0];
        int floats = SHAPES[k][1];
        StringBuilder c = new StringBuilder("(return_call $f").append(ints)
                .append(" (i64.sub (local.get $n) (i64.const 1)) (local.get $acc)");
        for (int x = 1; x <= ints - 2; x++) {
            c.append(" (i64.add (local.get $n) (i64.const ").append(x - 1).append("))");
        }
        for (int y = 1; y <= floats; y++) {
            c.append(" (f64.add (f64.mul (f64.convert_i64_s (i64.sub (local.get $n) (i64.const 1))) (f64.const ")
                    .append(y).append(")) (f64.const 0.5))");
        }
        return c.append(')').toString();
    }

    /** The same computation in Java. */
    private static long mutualRecursionModel(long n) {
        long acc = 0;
        int k = 0;
        boolean first = true;
        while (n != 0) {
            acc *= 31;
            if (!first) {
                for (int x = 1; x <= SHAPES[k][0] - 2; x++) {
                    acc += (n + x) * x;
                }
                for (int y = 1; y <= SHAPES[k][1]; y++) {
                    acc += (long) ((double) n * y + 0.5) * (100 + y);
                }
            }
            first = false;
            int next = k == 0 ? ((n & 1) == 0 ? 2 : 1) : k == 1 ? 2 : 0;
            n--;
            k = next;
        }
        return acc;
    }

    @Test
    void mutualRecursionGrowsAndShrinksTheStackArgumentArea() {
        Instance i = Instance.create(store, compile(mutualRecursion()));
        for (long n : new long[] {0, 1, 2, 3, 4, 5, 17, 100, 3_000_000}) {
            assertEquals(mutualRecursionModel(n), i.func("run").call(Val.i64(n), Val.i64(0))[0].i64(), "n = " + n);
        }
    }

    @Test
    void severalResultsStayWhereTheCallerExpectsThem() {
        // $a has no stack arguments, $b fifteen i64 (nine on the stack): both return (i64, f64, i32), which lie above the arguments
        StringBuilder b = new StringBuilder();
        StringBuilder args = new StringBuilder();
        for (int k = 0; k < 14; k++) {
            b.append(" (param i64)");
            args.append(" (i64.const ").append(k).append(')');
        }
        Instance i = Instance.create(store, compile("""
                (module
                  (func $a (export "a") (param $n i64) (result i64 f64 i32)
                    (if (i64.eqz (local.get $n))
                      (then (return (i64.const 7) (f64.const 2.5) (i32.const -3))))
                    (return_call $b (local.get $n)%s))
                  (func $b (param $n i64)%s (result i64 f64 i32)
                    (return_call $a (i64.sub (local.get $n) (i64.const 1))))
                  (func (export "run") (param $n i64) (result i64)
                    (local $x i64) (local $y f64) (local $z i32)
                    (call $a (local.get $n))
                    (local.set $z) (local.set $y) (local.set $x)
                    (i64.add (i64.add (local.get $x) (i64.trunc_f64_s (f64.mul (local.get $y) (f64.const 10))))
                             (i64.extend_i32_s (local.get $z)))))
                """.formatted(args, b)));
        for (long n : new long[] {0, 1, 2, 1_000_000}) {
            Val[] r = i.func("a").call(Val.i64(n));
            assertEquals(7L, r[0].i64());
            assertEquals(2.5, r[1].f64());
            assertEquals(-3, r[2].i32());
            assertEquals(7 + 25 - 3, i.func("run").call(Val.i64(n))[0].i64());
        }
    }

    @Test
    void tailCallsAcrossTwoInstancesUseTheCalleesVmContext() {
        // ping (instance a) and pong (instance b) add their own global at each step: a wrong VMContext
        // reads another global; run, in a, reads its global after a call that may return from b
        Instance a = Instance.create(store, compile("""
                (module
                  (type $t (func (param i64 i64) (result i64)))
                  (table (export "tab") 2 funcref)
                  (global $step i64 (i64.const 1))
                  (global $after i64 (i64.const 7))
                  (func $ping (export "ping") (param $n i64) (param $acc i64) (result i64)
                    (if (result i64) (i64.eqz (local.get $n))
                      (then (local.get $acc))
                      (else (return_call_indirect (type $t) (i64.sub (local.get $n) (i64.const 1))
                              (i64.add (local.get $acc) (global.get $step)) (i32.const 1)))))
                  (func (export "run") (param $n i64) (result i64)
                    (i64.add (i64.mul (call $ping (local.get $n) (i64.const 0)) (i64.const 100))
                             (global.get $after))))
                """));
        Instance b = new Linker().instance("a", a).instantiate(store, compile("""
                (module
                  (type $t (func (param i64 i64) (result i64)))
                  (import "a" "tab" (table 2 funcref))
                  (import "a" "ping" (func $ping (type $t)))
                  (global $pad i64 (i64.const -1))
                  (global $step i64 (i64.const 1000))
                  (global $after i64 (i64.const -1))
                  (func $pong (export "pong") (param $n i64) (param $acc i64) (result i64)
                    (if (result i64) (i64.eqz (local.get $n))
                      (then (local.get $acc))
                      (else (return_call $ping (i64.sub (local.get $n) (i64.const 1))
                              (i64.add (local.get $acc) (global.get $step))))))
                  (elem (i32.const 1) $pong))
                """));
        for (long n : new long[] {0, 1, 2, 3, 1_000_000, 1_000_001}) {
            long want = (n + 1) / 2 * 1 + n / 2 * 1000; // ping adds on its ceil(n/2) steps, pong on floor(n/2)
            assertEquals(want, a.func("ping").call(Val.i64(n), Val.i64(0))[0].i64(), "ping " + n);
            assertEquals(want * 100 + 7, a.func("run").call(Val.i64(n))[0].i64(), "run " + n);
            long fromB = n / 2 * 1 + (n + 1) / 2 * 1000;
            assertEquals(fromB, b.func("pong").call(Val.i64(n), Val.i64(0))[0].i64(), "pong " + n);
        }
    }

    @Test
    void tailCallsToHostFunctionsPopTheirArguments() {
        // 8 i64 and 9 f64: 2 i64 and 1 f64 on the stack in Kiln's convention (a 32-byte area)
        List<ValType> params = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            params.add(ValType.I64);
        }
        for (int k = 0; k < 9; k++) {
            params.add(ValType.F64);
        }
        AtomicLong calls = new AtomicLong();
        Func weigh = Func.wrap(store, FuncType.of(params, List.of(ValType.I64)), args -> {
            calls.incrementAndGet();
            long s = 0;
            for (int k = 0; k < args.length; k++) {
                s += (k + 1) * (k < 8 ? args[k].i64() : (long) args[k].f64());
            }
            return new Val[] {Val.i64(s)};
        });
        Func pair = Func.wrap(store, FuncType.of(List.of(ValType.I32), List.of(ValType.I32, ValType.I64)),
                args -> new Val[] {Val.i32(args[0].i32() + 1), Val.i64(args[0].i32() * 1_000_000_000L)});
        StringBuilder call = new StringBuilder("(return_call $weigh");
        long want = 0;
        for (int k = 0; k < 17; k++) {
            call.append(k < 8 ? " (i64.add (local.get $n) (i64.const " + k + "))"
                    : " (f64.convert_i64_s (i64.add (local.get $n) (i64.const " + k + ")))");
        }
        call.append(')');
        StringBuilder wide = new StringBuilder();
        for (int k = 0; k < 20; k++) {
            wide.append(" (param i64)");
        }
        Instance i = new Linker().define("env", "weigh", weigh).define("env", "pair", pair).instantiate(store, compile("""
                (module
                  (import "env" "weigh" (func $weigh (param i64 i64 i64 i64 i64 i64 i64 i64
                                                            f64 f64 f64 f64 f64 f64 f64 f64 f64) (result i64)))
                  (import "env" "pair" (func $pair (param i32) (result i32 i64)))
                  (func $viaHost (export "viaHost") (param $n i64) (result i64)
                    %s)
                  (func $wide (param $n i64)%s (result i64)
                    %s)
                  (func $toWide (param $n i64) (result i64)
                    (return_call $wide (local.get $n) %s))
                  (func $viaPair (export "viaPair") (param i32) (result i32 i64)
                    (return_call $pair (local.get 0)))
                  (func (export "run") (param $k i32) (result i64)
                    (local $s i64)
                    (loop $l
                      (local.set $s (i64.add (local.get $s) (call $viaHost (i64.extend_i32_u (local.get $k)))))
                      (local.set $s (i64.add (local.get $s) (call $toWide (i64.extend_i32_u (local.get $k)))))
                      (br_if $l (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
                    (local.get $s)))
                """.formatted(call, wide, call, "(i64.const 0) ".repeat(20))));
        for (long n : new long[] {0, 5, 1000}) {
            want = 0;
            for (int k = 0; k < 17; k++) {
                want += (k + 1) * (n + k);
            }
            assertEquals(want, i.func("viaHost").call(Val.i64(n))[0].i64());
        }
        // 10 000 host tail calls from frames with 0 and 20 stack-argument slots: a wrong pop would
        // move the caller's stack pointer each time
        long total = 0;
        for (long k = 10_000; k >= 1; k--) {
            for (int j = 0; j < 17; j++) {
                total += 2 * (j + 1) * (k + j);
            }
        }
        calls.set(0);
        assertEquals(total, i.func("run").call(Val.i32(10_000))[0].i64());
        assertEquals(20_000, calls.get());
        Val[] r = i.func("viaPair").call(Val.i32(41));
        assertArrayEquals(new long[] {42, 41_000_000_000L}, new long[] {r[0].i32(), r[1].i64()});
    }

    private static final String SPIN = """
            (module
              (func $spin (export "spin") (param $n i64) (result i64)
                (return_call $spin (i64.add (local.get $n) (i64.const 1)))))
            """;

    @Test
    void fuelStopsAnEndlessTailCallLoop() {
        Engine engine = Engine.builder().consumeFuel(true).build();
        try (Store s = new Store(engine)) {
            Instance i = Instance.create(s, Module.compile(engine, SPIN.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            s.setFuel(100_000);
            assertSame(TrapCode.OUT_OF_FUEL, assertThrows(Trap.class, () -> i.func("spin").call(Val.i64(0))).kind());
        }
    }

    @Test
    void epochInterruptionStopsAnEndlessTailCallLoop() throws Exception {
        Engine engine = Engine.builder().epochInterruption(true).build();
        try (Store s = new Store(engine)) {
            Instance i = Instance.create(s, Module.compile(engine, SPIN.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            s.setEpochDeadline(1);
            Thread ticker = Thread.ofPlatform().daemon().start(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
                engine.incrementEpoch();
            });
            assertSame(TrapCode.INTERRUPT, assertThrows(Trap.class, () -> i.func("spin").call(Val.i64(0))).kind());
            ticker.join();
        }
    }
}
