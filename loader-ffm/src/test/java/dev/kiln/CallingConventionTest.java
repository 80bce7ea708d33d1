package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Kiln's internal calling convention: stack arguments popped by the callee (so a call in a loop must
 * leave the caller's stack pointer where it was, whatever kind of call it is), several results in the
 * stack area after the arguments, and imports with several results (another instance's export or a
 * Wasm function re-exported), each checked against a Java recomputation.
 */
class CallingConventionTest extends StoreFixture {
    /** A callee with 9 integer and 10 float parameters (3 and 2 on the stack) and 3 results. */
    private static final String CALLEE = """
              (func $f (export "f") (param i64 i64 i64 i64 i64 i64 i64 i64 i32 f64 f64 f64 f64 f64 f64 f64 f64 f64 f32)
                    (result i64 f64 i32)
                (i64.add (i64.add (i64.add (local.get 0) (i64.mul (local.get 1) (i64.const 3)))
                                  (i64.add (local.get 5) (i64.mul (local.get 6) (i64.const 5))))
                         (i64.add (i64.mul (local.get 7) (i64.const 7)) (i64.extend_i32_u (local.get 8))))
                (f64.add (f64.add (local.get 9) (f64.mul (local.get 17) (f64.const 2)))
                         (f64.promote_f32 (local.get 18)))
                (i32.add (i32.wrap_i64 (local.get 7)) (local.get 8)))
            """;

    private static long expectInt(long i) {
        long[] a = {i, i + 1, i + 2, i + 3, i + 4, i + 5, i + 6, i + 7};
        int last = (int) (i * 3);
        return a[0] + a[1] * 3 + a[5] + a[6] * 5 + a[7] * 7 + Integer.toUnsignedLong(last);
    }

    /** The caller: a loop of {@code n} calls of each kind, summing every result. */
    private static String caller(String call) {
        return """
                  (func (export "loop") (param $n i32) (result i64 f64 i32)
                    (local $i i64) (local $s i64) (local $d f64) (local $k i32) (local $r i64) (local $rd f64) (local $rk i32)
                    (block $out
                      (loop $top
                        (br_if $out (i64.ge_u (local.get $i) (i64.extend_i32_u (local.get $n))))
                        (%s
                          (local.get $i) (i64.add (local.get $i) (i64.const 1)) (i64.add (local.get $i) (i64.const 2))
                          (i64.add (local.get $i) (i64.const 3)) (i64.add (local.get $i) (i64.const 4))
                          (i64.add (local.get $i) (i64.const 5)) (i64.add (local.get $i) (i64.const 6))
                          (i64.add (local.get $i) (i64.const 7)) (i32.wrap_i64 (i64.mul (local.get $i) (i64.const 3)))
                          (f64.convert_i64_u (local.get $i)) (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4)
                          (f64.const 5) (f64.const 6) (f64.const 7) (f64.const 0.5) (f32.const 0.25))
                        (local.set $rk) (local.set $rd) (local.set $r)
                        (local.set $s (i64.add (local.get $s) (local.get $r)))
                        (local.set $d (f64.add (local.get $d) (local.get $rd)))
                        (local.set $k (i32.add (local.get $k) (local.get $rk)))
                        (local.set $i (i64.add (local.get $i) (i64.const 1)))
                        (br $top)))
                    (local.get $s) (local.get $d) (local.get $k))
                """.formatted(call);
    }

    private static void check(Val[] r, int n) {
        long s = 0;
        double d = 0;
        int k = 0;
        for (long i = 0; i < n; i++) {
            s += expectInt(i);
            d += (double) i + 0.5 * 2 + 0.25;
            k += (int) (i + 7) + (int) (i * 3);
        }
        assertEquals(s, r[0].i64());
        assertEquals(d, r[1].f64());
        assertEquals(k, r[2].i32());
    }

    @Test
    void directCallsWithStackArgumentsInALoop() {
        Instance i = Instance.create(store, compile("(module " + CALLEE + caller("call $f") + ")"));
        check(i.func("loop").call(Val.i32(10_000)), 10_000);
        // the export itself: the entry trampoline passes stack arguments and reads three results
        Val[] args = new Val[19];
        for (int k = 0; k < 8; k++) {
            args[k] = Val.i64(k);
        }
        args[8] = Val.i32(0);
        for (int k = 9; k < 18; k++) {
            args[k] = Val.f64(k == 9 ? 0 : k == 17 ? 0.5 : k - 9);
        }
        args[18] = Val.f32(0.25f);
        Val[] r = i.func("f").call(args);
        assertEquals(expectInt(0), r[0].i64());
        assertEquals(1.25, r[1].f64());
        assertEquals(7, r[2].i32());
    }

    @Test
    void indirectCallsWithStackArgumentsInALoop() {
        Instance i = Instance.create(store, compile("""
                (module
                  (type $t (func (param i64 i64 i64 i64 i64 i64 i64 i64 i32 f64 f64 f64 f64 f64 f64 f64 f64 f64 f32)
                                 (result i64 f64 i32)))
                  (table 1 funcref) (elem (i32.const 0) $f)
                """ + CALLEE + caller("call_indirect (type $t) (i32.const 0)").replace(
                        "(f32.const 0.25))", "(f32.const 0.25) (i32.const 0))") + ")"));
        check(i.func("loop").call(Val.i32(5_000)), 5_000);
    }

    @Test
    void importsOfAnotherInstanceWithStackArgumentsAndSeveralResults() {
        Instance a = Instance.create(store, compile("(module " + CALLEE + ")"));
        Module bm = compile("""
                (module
                  (import "a" "f" (func $f (param i64 i64 i64 i64 i64 i64 i64 i64 i32 f64 f64 f64 f64 f64 f64 f64 f64 f64 f32)
                                           (result i64 f64 i32)))
                """ + caller("call $f") + ")");
        Instance b = new Linker().instance("a", a).instantiate(store, bm);
        check(b.func("loop").call(Val.i32(5_000)), 5_000);
    }

    @Test
    void importsWithSeveralResultsLinkToWasmExports() {
        Instance a = Instance.create(store, compile("""
                (module (func (export "divmod") (param i32 i32) (result i32 i64)
                  (i32.div_u (local.get 0) (local.get 1)) (i64.extend_i32_u (i32.rem_u (local.get 0) (local.get 1)))))
                """));
        Instance b = new Linker().instance("a", a).instantiate(store, compile("""
                (module
                  (import "a" "divmod" (func $dm (param i32 i32) (result i32 i64)))
                  (func (export "run") (param i32 i32) (result i64) (local $q i32) (local $r i64)
                    (call $dm (local.get 0) (local.get 1))
                    (local.set $r) (local.set $q)
                    (i64.add (i64.mul (i64.extend_i32_u (local.get $q)) (i64.const 1000)) (local.get $r))))
                """));
        assertEquals(14 * 1000 + 2, b.func("run").call(Val.i32(100), Val.i32(7))[0].i64());
    }

    @Test
    void hostFunctionsWithStackArgumentsCalledInALoop() {
        List<ValType> params = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            params.add(ValType.I64);
        }
        Func host = Func.wrap(store, FuncType.of(params, List.of(ValType.I64)), args -> {
            long s = 0;
            for (int k = 0; k < 8; k++) {
                s += args[k].i64() * (k + 1);
            }
            return new Val[] {Val.i64(s)};
        });
        Instance i = new Linker().define("env", "h", host).instantiate(store, compile("""
                (module
                  (import "env" "h" (func $h (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
                  (func (export "loop") (param $n i64) (result i64) (local $i i64) (local $s i64)
                    (block $out (loop $top
                      (br_if $out (i64.ge_u (local.get $i) (local.get $n)))
                      (local.set $s (i64.add (local.get $s)
                        (call $h (local.get $i) (local.get $i) (local.get $i) (local.get $i)
                                 (local.get $i) (local.get $i) (local.get $i) (local.get $i))))
                      (local.set $i (i64.add (local.get $i) (i64.const 1)))
                      (br $top)))
                    (local.get $s)))
                """));
        long n = 2_000;
        assertEquals(36 * (n * (n - 1) / 2), i.func("loop").call(Val.i64(n))[0].i64());
    }

    @Test
    void hostFunctionsWithSeveralResultsAndStackArguments() {
        List<ValType> params = new ArrayList<>();
        for (int k = 0; k < 7; k++) {
            params.add(ValType.I64);
        }
        params.add(ValType.F64);
        Func host = Func.wrap(store, FuncType.of(params, List.of(ValType.I32, ValType.F64, ValType.I64)), args -> {
            long s = 0;
            for (int k = 0; k < 7; k++) {
                s += args[k].i64() * (k + 1);
            }
            if (s > 28L * 1500) {
                throw new IllegalArgumentException("sum too large: " + s);
            }
            return new Val[] {Val.i32((int) -s), Val.f64(args[7].f64() / 2), Val.i64(s << 20)};
        });
        Instance i = new Linker().define("env", "h", host).instantiate(store, compile("""
                (module
                  (import "env" "h" (func $h (param i64 i64 i64 i64 i64 i64 i64 f64) (result i32 f64 i64)))
                  (func (export "loop") (param $n i64) (result i64) (local $i i64) (local $s i64)
                    (local $a i32) (local $b f64) (local $c i64)
                    (block $out (loop $top
                      (br_if $out (i64.ge_u (local.get $i) (local.get $n)))
                      (call $h (local.get $i) (local.get $i) (local.get $i) (local.get $i)
                               (local.get $i) (local.get $i) (local.get $i) (f64.convert_i64_s (local.get $i)))
                      (local.set $c) (local.set $b) (local.set $a)
                      (local.set $s (i64.add (local.get $s)
                        (i64.add (i64.add (i64.extend_i32_u (local.get $a)) (i64.trunc_f64_s (local.get $b)))
                                 (i64.shr_u (local.get $c) (i64.const 20)))))
                      (local.set $i (i64.add (local.get $i) (i64.const 1)))
                      (br $top)))
                    (local.get $s)))
                """));
        long n = 1_000;
        long expect = 0;
        for (long k = 0; k < n; k++) {
            long s = 28 * k;
            expect += Integer.toUnsignedLong((int) -s) + (long) (k / 2.0) + s;
        }
        assertEquals(expect, i.func("loop").call(Val.i64(n))[0].i64());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> i.func("loop").call(Val.i64(2_000)));
        assertEquals("sum too large: " + 28 * 1501, e.getMessage());
        assertEquals(expect, i.func("loop").call(Val.i64(n))[0].i64(), "the store stays usable");
    }

    /**
     * Nine f64 then eight i64: beyond the float registers and the integer registers of both host
     * conventions (System V: 5 integer registers after the VMContext; AAPCS64: 7), in an order where
     * the stack arguments interleave the two classes. Each parameter gets its own weight, so a value
     * in the wrong place changes the sum. Both directions: a host function called from Wasm, and an
     * export called from Java.
     */
    @Test
    void interleavedParametersBeyondEveryRegisterInBothDirections() {
        List<ValType> params = new ArrayList<>();
        for (int k = 0; k < 9; k++) {
            params.add(ValType.F64);
        }
        for (int k = 0; k < 8; k++) {
            params.add(ValType.I64);
        }
        FuncType type = FuncType.of(params, List.of(ValType.F64));
        Func host = Func.wrap(store, type, args -> new Val[] {Val.f64(weighted(args))});
        StringBuilder sig = new StringBuilder();
        StringBuilder sum = new StringBuilder("(f64.const 0)");
        StringBuilder callArgs = new StringBuilder();
        for (int k = 0; k < 17; k++) {
            sig.append(k < 9 ? " f64" : " i64");
            String v = k < 9 ? "(local.get " + k + ")" : "(f64.convert_i64_s (local.get " + k + "))";
            sum = new StringBuilder("(f64.add " + sum + " (f64.mul " + v + " (f64.const " + (k + 1) + ")))");
            callArgs.append(k < 9 ? " (f64.const " + (k + 0.5) + ")" : " (i64.const " + (100 * k) + ")");
        }
        Instance i = new Linker().define("env", "h", host).instantiate(store, compile("""
                (module
                  (import "env" "h" (func $h (param%1$s) (result f64)))
                  (func (export "viaHost") (result f64) (call $h%2$s))
                  (func (export "direct") (param%1$s) (result f64) %3$s))
                """.formatted(sig, callArgs, sum)));
        Val[] args = new Val[17];
        for (int k = 0; k < 17; k++) {
            args[k] = k < 9 ? Val.f64(k + 0.5) : Val.i64(100 * k);
        }
        double expect = weighted(args);
        assertEquals(expect, i.func("viaHost").call()[0].f64(), "Wasm -> host");
        assertEquals(expect, i.func("direct").call(args)[0].f64(), "Java -> Wasm");
    }

    private static double weighted(Val[] args) {
        double s = 0;
        for (int k = 0; k < args.length; k++) {
            s += (k < 9 ? args[k].f64() : (double) args[k].i64()) * (k + 1);
        }
        return s;
    }
}
