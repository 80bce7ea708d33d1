package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.ValType;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Wasm 3.0 exception handling end to end on the host's backend: throws caught in the same function,
 * across frames and instances (tags are identities), callee-saved registers of the frames above a
 * catching function intact after an unwind, uncaught exceptions as {@link WasmException}s with their
 * tag and payload, link-time tag type checks, host exceptions that Wasm cannot catch, and the legacy
 * {@code try}/{@code catch}/{@code rethrow}/{@code delegate} encoding that clang 16 emits.
 */
class ExceptionHandlingTest extends StoreFixture {
    ExceptionHandlingTest() {
        super(verifyingEngine());
    }

    private static final String THROWER = """
            (module
              (tag $e (export "e") (param i32 f64))
              (func (export "throw") (param i32)
                (throw $e (local.get 0) (f64.const 2.5)))
              (func (export "ok") (result i32) (i32.const 1)))
            """;

    @Test
    void anUncaughtExceptionReachesJavaWithItsTagAndPayload() {
        Instance i = Instance.create(store, compile(THROWER));
        WasmException e = assertThrows(WasmException.class, () -> i.func("throw").call(Val.i32(7)));
        assertSame(i.tag("e"), e.tag());
        assertEquals(List.of(Val.i32(7), Val.f64(2.5)), e.values());
        assertTrue(e.getMessage().contains("export \"e\""), e.getMessage());
        assertEquals(1, i.func("ok").call()[0].i32(), "the store stays usable");
        assertThrows(WasmException.class, () -> i.func("throw").call(Val.i32(8)));
    }

    /**
     * Three frames between the throw and the catch, in another instance, every frame keeping many values
     * live across its call (so they hold callee-saved registers), and the catching function's caller
     * keeping its own: the unwinder skips frames without restoring what they saved, which must not show.
     */
    private static final String CATCHER = """
            (module
              (import "a" "e" (tag $e (param i32 f64)))
              (import "a" "throw" (func $throw (param i32)))
              (func $down (param $n i32) (result i32)
                (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $f i32) (local $g i32)
                (local.set $a (i32.mul (local.get $n) (i32.const 3)))
                (local.set $b (i32.add (local.get $n) (i32.const 11)))
                (local.set $c (i32.xor (local.get $n) (i32.const 0x55)))
                (local.set $d (i32.sub (local.get $n) (i32.const 7)))
                (local.set $f (i32.shl (local.get $n) (i32.const 2)))
                (local.set $g (i32.or (local.get $n) (i32.const 0x100)))
                (if (i32.eqz (local.get $n)) (then (call $throw (i32.const 42))))
                (i32.add (call $down (i32.sub (local.get $n) (i32.const 1)))
                  (i32.add (i32.add (i32.add (local.get $a) (local.get $b)) (i32.add (local.get $c) (local.get $d)))
                           (i32.add (local.get $f) (local.get $g)))))
              (func $catcher (param $n i32) (result i32)
                (block $h (result i32 f64)
                  (try_table (result i32) (catch $e $h)
                    (call $down (local.get $n)))
                  (return))
                (drop)
                (i32.add (i32.const 1000)))
              (func (export "run") (param $n i32) (result i32)
                (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $f i32) (local $g i32)
                (local.set $a (i32.mul (local.get $n) (i32.const 5)))
                (local.set $b (i32.add (local.get $n) (i32.const 13)))
                (local.set $c (i32.xor (local.get $n) (i32.const 0x33)))
                (local.set $d (i32.sub (local.get $n) (i32.const 9)))
                (local.set $f (i32.shl (local.get $n) (i32.const 3)))
                (local.set $g (i32.or (local.get $n) (i32.const 0x200)))
                (i32.add (call $catcher (local.get $n))
                  (i32.add (i32.add (i32.add (local.get $a) (local.get $b)) (i32.add (local.get $c) (local.get $d)))
                           (i32.add (local.get $f) (local.get $g))))))
            """;

    private static int down(int n) {
        if (n == 0) {
            throw new IllegalStateException("thrown");
        }
        return down(n - 1) + 3 * n + (n + 11) + (n ^ 0x55) + (n - 7) + (n << 2) + (n | 0x100);
    }

    private static int run(int n) {
        int caught;
        try {
            caught = down(n);
        } catch (IllegalStateException e) {
            caught = 42 + 1000;
        }
        return caught + 5 * n + (n + 13) + (n ^ 0x33) + (n - 9) + (n << 3) + (n | 0x200);
    }

    @Test
    void exceptionsCrossFramesAndInstancesAndLeaveTheCallersRegistersIntact() {
        Instance a = Instance.create(store, compile(THROWER));
        Linker linker = new Linker().instance("a", a);
        Instance b = linker.instantiate(store, compile(CATCHER));
        for (int n : new int[] {0, 1, 3, 10}) {
            assertEquals(run(n), b.func("run").call(Val.i32(n))[0].i32(), "n = " + n);
        }
        for (int k = 0; k < 10_000; k++) {
            assertEquals(run(3), b.func("run").call(Val.i32(3))[0].i32());
        }
    }

    /**
     * 50,000 throws caught in a loop, each through a call with stack arguments (ten i32 parameters: more
     * than any backend passes in registers, so the callee pops them) and with a v128 and an f64 live
     * across the call: a resume that left the stack pointer off by the popped bytes would exhaust the
     * 512 KiB stack budget long before the end, and the values must survive in their spill slots. The
     * skipped frame ({@code $mid}) keeps values in callee-saved registers across its call, and the
     * catching function is called indirectly (never inlined) by one that keeps its own there: the
     * catching function must give them back although the frame that saved the skipped values never
     * returned.
     */
    @Test
    void unwindingInALoopKeepsTheStackBalancedAndTheLoopsValues() {
        String ten = "(param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)";
        StringBuilder args = new StringBuilder();
        for (int k = 0; k < 10; k++) {
            args.append(" (local.get ").append(k).append(')');
        }
        Instance i = Instance.create(store, compile("""
                (module
                  (tag $e (param i32 i64))
                  (func $deep %1$s (result i32)
                    (if (i32.and (local.get 9) (i32.const 1))
                      (then (throw $e (local.get 9) (i64.extend_i32_u (local.get 8)))))
                    (i32.add (local.get 0) (local.get 9)))
                  (func $mid %1$s (result i32)
                    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $f i32) (local $g i32)
                    (local.set $a (i32.mul (local.get 0) (i32.const 3)))
                    (local.set $b (i32.add (local.get 9) (i32.const 11)))
                    (local.set $c (i32.xor (local.get 0) (i32.const 0x55)))
                    (local.set $d (i32.sub (local.get 9) (i32.const 7)))
                    (local.set $f (i32.shl (local.get 0) (i32.const 2)))
                    (local.set $g (i32.or (local.get 9) (i32.const 0x100)))
                    (i32.add (i32.add (call $deep %2$s) (i32.const 1))
                      (i32.add (i32.add (i32.add (local.get $a) (local.get $b)) (i32.add (local.get $c) (local.get $d)))
                        (i32.add (local.get $f) (local.get $g)))))
                  (type $loopT (func (param i32) (result i64)))
                  (table 1 funcref)
                  (elem (i32.const 0) $loop)
                  (func (export "outer") (param $n i32) (result i64)
                    (local $a i64) (local $b i64) (local $c i64) (local $d i64) (local $f i64) (local $g i64)
                    (local.set $a (i64.mul (i64.extend_i32_u (local.get $n)) (i64.const 5)))
                    (local.set $b (i64.add (i64.extend_i32_u (local.get $n)) (i64.const 13)))
                    (local.set $c (i64.xor (i64.extend_i32_u (local.get $n)) (i64.const 0x33)))
                    (local.set $d (i64.sub (i64.extend_i32_u (local.get $n)) (i64.const 9)))
                    (local.set $f (i64.shl (i64.extend_i32_u (local.get $n)) (i64.const 3)))
                    (local.set $g (i64.or (i64.extend_i32_u (local.get $n)) (i64.const 0x200)))
                    (i64.add (call_indirect (type $loopT) (local.get $n) (i32.const 0))
                      (i64.add (i64.add (i64.add (local.get $a) (local.get $b)) (i64.add (local.get $c) (local.get $d)))
                        (i64.add (local.get $f) (local.get $g)))))
                  (func $loop (export "loop") (param $n i32) (result i64)
                    (local $i i32) (local $acc i64) (local $v v128) (local $x f64)
                    (local.set $v (v128.const i32x4 1 2 3 4))
                    (local.set $x (f64.const 0.5))
                    (block $done
                      (loop $l
                        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
                        (block $next
                          (block $h (result i32 i64)
                            (try_table (result i32) (catch $e $h)
                              (call $mid (local.get $i) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
                                (i32.const 5) (i32.const 6) (i32.const 7) (i32.const 8) (local.get $i)))
                            i64.extend_i32_u
                            local.get $acc
                            i64.add
                            local.set $acc
                            br $next)
                          i64.const 1000
                          i64.mul
                          local.get $acc
                          i64.add
                          local.set $acc
                          i64.extend_i32_u
                          local.get $acc
                          i64.add
                          local.set $acc)
                        (local.set $v (i32x4.add (local.get $v) (i32x4.splat (i32.const 1))))
                        (local.set $x (f64.add (local.get $x) (f64.const 1)))
                        (local.set $i (i32.add (local.get $i) (i32.const 1)))
                        (br $l)))
                    (i64.add (local.get $acc)
                      (i64.add (i64.extend_i32_u (i32x4.extract_lane 3 (local.get $v)))
                        (i64.trunc_f64_s (local.get $x))))))
                """.formatted(ten, args)));
        int n = 50_000;
        long expected = 0;
        for (int k = 0; k < n; k++) {
            expected += (k & 1) != 0 ? 8 * 1000 + k
                    : 2L * k + 1 + 3 * k + (k + 11) + (k ^ 0x55) + (k - 7) + (k << 2) + (k | 0x100);
        }
        expected += 4 + n + n;
        assertEquals(expected, i.func("loop").call(Val.i32(n))[0].i64());
        long m = 1000;
        long outer = 5 * m + (m + 13) + (m ^ 0x33) + (m - 9) + (m << 3) + (m | 0x200);
        for (int k = 0; k < m; k++) {
            outer += (k & 1) != 0 ? 8 * 1000 + k
                    : 2L * k + 1 + 3 * k + (k + 11) + (k ^ 0x55) + (k - 7) + (k << 2) + (k | 0x100);
        }
        outer += 4 + m + m;
        assertEquals(outer, i.func("outer").call(Val.i32((int) m))[0].i64());
    }

    /**
     * A throw from a function that a tail call with more stack arguments reached: its frame lies lower
     * than a call from the catching function would have put it, so the catching function's stack
     * pointer is not right above it. AArch64's unwinder follows the frame records; x86-64's adds the
     * difference between the stack arguments the thrower pops and those the call pushed (see
     * {@code ExceptionSupport}), also when the throw comes from a function that the tail-called one
     * called.
     */
    @Test
    void aThrowFromATailCalledFunctionWithMoreStackArgumentsIsCaught() {
        StringBuilder nine = new StringBuilder();
        for (int k = 0; k < 9; k++) {
            nine.append(" (local.get ").append(k).append(')');
        }
        Instance i = Instance.create(store, compile("""
                (module
                  (tag $e (param i32))
                  (func $d (param i32) (result i32) (throw $e (i32.add (local.get 0) (i32.const 1000))))
                  (func $c (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
                    (if (i32.eq (local.get 0) (i32.const 2))
                      (then (return (i32.add (call $d (local.get 11)) (i32.const 1)))))
                    (if (local.get 0) (then (throw $e (i32.add (local.get 0) (local.get 11)))))
                    (local.get 11))
                  (func $b (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
                    (return_call $c %s (i32.const 100) (i32.const 200) (i32.const 300)))
                  (func (export "a") (param $n i32) (result i32)
                    (block $h (result i32)
                      (try_table (result i32) (catch $e $h)
                        (call $b (local.get $n) (local.get $n) (local.get $n) (local.get $n) (local.get $n)
                          (local.get $n) (local.get $n) (local.get $n) (local.get $n)))
                      return)
                    i32.const 1
                    i32.add))
                """.formatted(nine)));
        for (int k = 0; k < 1000; k++) {
            assertEquals(300, i.func("a").call(Val.i32(0))[0].i32());
            assertEquals(302, i.func("a").call(Val.i32(1))[0].i32(), "caught, with the stack of the catching frame");
            assertEquals(1301, i.func("a").call(Val.i32(2))[0].i32(), "thrown one call below the tail-called frame");
        }
    }

    @Test
    void aTagOfAnotherTypeIsALinkError() {
        Instance a = Instance.create(store, compile(THROWER));
        Linker linker = new Linker().instance("a", a);
        LinkException e = assertThrows(LinkException.class, () -> linker.instantiate(store,
                compile("(module (import \"a\" \"e\" (tag (param i32))))")));
        assertTrue(e.getMessage().contains("incompatible import type") && e.getMessage().contains("\"a\" \"e\""),
                e.getMessage());
        assertThrows(LinkException.class, () -> linker.instantiate(store,
                compile("(module (import \"a\" \"throw\" (tag (param i32))))")));
    }

    @Test
    void aHostTagIsTheTagWasmThrowsWith() {
        Tag tag = new Tag(store, FuncType.of(List.of(ValType.I64), List.of()));
        Instance i = new Linker().define("host", "t", tag).instantiate(store, compile("""
                (module (import "host" "t" (tag $t (param i64)))
                  (func (export "f") (throw $t (i64.const -3))))
                """));
        WasmException e = assertThrows(WasmException.class, () -> i.func("f").call());
        assertSame(tag, e.tag());
        assertEquals(List.of(Val.i64(-3)), e.values());
        assertThrows(IllegalArgumentException.class, () -> new Tag(store, FuncType.of(List.of(), List.of(ValType.I32))));
    }

    @Test
    void aHostFunctionsJavaExceptionIsNotCaughtByCatchAll() {
        Func fail = Func.wrap(store, FuncType.of(List.of(), List.of()), args -> {
            throw new IllegalStateException("host failure");
        });
        Instance i = new Linker().define("host", "fail", fail).instantiate(store, compile("""
                (module (import "host" "fail" (func $fail))
                  (func (export "f") (result i32)
                    (block $h (try_table (catch_all $h) (call $fail)) (return (i32.const 1)))
                    (i32.const 2)))
                """));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> i.func("f").call());
        assertEquals("host failure", e.getMessage());
    }

    @Test
    void aHostFunctionThrowingAWasmExceptionThrowsIntoWasm() {
        Tag tag = new Tag(store, FuncType.of(List.of(ValType.I32), List.of()));
        Func raise = Func.wrap(store, FuncType.of(List.of(ValType.I32), List.of()), args -> {
            throw new WasmException(tag, List.of(Val.i32(args[0].i32() * 2)));
        });
        Instance i = new Linker().define("host", "t", tag).define("host", "raise", raise).instantiate(store, compile("""
                (module (import "host" "t" (tag $t (param i32)))
                  (import "host" "raise" (func $raise (param i32)))
                  (func (export "caught") (param i32) (result i32)
                    (block $h (result i32)
                      (try_table (catch $t $h) (call $raise (local.get 0)))
                      (return (i32.const -1)))
                    (i32.add (i32.const 1)))
                  (func (export "uncaught") (param i32) (call $raise (local.get 0))))
                """));
        assertEquals(43, i.func("caught").call(Val.i32(21))[0].i32());
        WasmException e = assertThrows(WasmException.class, () -> i.func("uncaught").call(Val.i32(4)));
        assertSame(tag, e.tag());
        assertEquals(List.of(Val.i32(8)), e.values());
        assertEquals(43, i.func("caught").call(Val.i32(21))[0].i32(), "the store stays usable");
    }

    /** A throw caught in its own function, where two imported tags may or may not be the same tag. */
    @Test
    void localCatchesCompareImportedTagsAtRunTime() {
        Tag t1 = new Tag(store, FuncType.of(List.of(ValType.I32), List.of()));
        Tag t2 = new Tag(store, FuncType.of(List.of(ValType.I32), List.of()));
        String wat = """
                (module (import "host" "a" (tag $a (param i32))) (import "host" "b" (tag $b (param i32)))
                  (tag $d (param i32))
                  (func (export "f") (param i32) (result i32)
                    (block $all
                      (block $ha (result i32)
                        (try_table (catch $d $ha) (catch $a $ha) (catch_all $all) (throw $b (local.get 0)))
                        (return (i32.const -1)))
                      (return (i32.add (i32.const 100))))
                    (i32.const 7)))
                """;
        Instance same = new Linker().define("host", "a", t1).define("host", "b", t1).instantiate(store, compile(wat));
        Instance different = new Linker().define("host", "a", t1).define("host", "b", t2).instantiate(store, compile(wat));
        assertEquals(105, same.func("f").call(Val.i32(5))[0].i32());
        assertEquals(7, different.func("f").call(Val.i32(5))[0].i32());
    }

    @Test
    void aTrapIsNotAnException() {
        Instance i = Instance.create(store, compile("""
                (module (func (export "f") (result i32)
                  (block $h (try_table (catch_all $h) (unreachable))) (i32.const 2)))
                """));
        assertSame(TrapCode.UNREACHABLE, assertThrows(Trap.class, () -> i.func("f").call()).kind());
    }

    @Test
    void throwRefOfNullTraps() {
        Instance i = Instance.create(store, compile("(module (func (export \"f\") (throw_ref (ref.null exn))))"));
        assertSame(TrapCode.NULL_REFERENCE, assertThrows(Trap.class, () -> i.func("f").call()).kind());
    }

    /**
     * The legacy encoding (binary only): {@code try/catch} catching a throw, {@code catch_all} with
     * {@code rethrow} to an outer {@code catch}, and {@code delegate} from an inner {@code try} with a
     * call that throws to the outer one's handler.
     */
    @Test
    void theLegacyEncodingRuns() {
        int[] thrower = {0x20, 0x00, 0x08, 0x00, 0x0B};
        int[] legacy = {0x06, 0x7F, 0x20, 0x00, 0x08, 0x00, 0x07, 0x00, 0x41, 0x01, 0x6A, 0x0B, 0x0B};
        int[] rethrow = {0x06, 0x7F, 0x06, 0x7F, 0x20, 0x00, 0x08, 0x00, 0x19, 0x09, 0x00, 0x0B, 0x07, 0x00, 0x0B, 0x0B};
        int[] delegate = {0x06, 0x7F, 0x06, 0x7F, 0x20, 0x00, 0x10, 0x00, 0x41, 0x00, 0x18, 0x00, 0x07, 0x00,
            0x41, 0xE4, 0x00, 0x6A, 0x0B, 0x0B};
        int[] uncaught = {0x06, 0x7F, 0x20, 0x00, 0x10, 0x00, 0x41, 0x00, 0x18, 0x00, 0x0B};
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        bytes(m, 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00);
        section(m, 1, 0x02, 0x60, 0x01, 0x7F, 0x00, 0x60, 0x01, 0x7F, 0x01, 0x7F);
        section(m, 3, 0x05, 0x00, 0x01, 0x01, 0x01, 0x01);
        section(m, 13, 0x01, 0x00, 0x00);
        ByteArrayOutputStream ex = new ByteArrayOutputStream();
        bytes(ex, 0x04);
        String[] names = {"legacy", "rethrow", "delegate", "uncaught"};
        for (int k = 0; k < names.length; k++) {
            ex.write(names[k].length());
            ex.writeBytes(names[k].getBytes(java.nio.charset.StandardCharsets.UTF_8));
            bytes(ex, 0x00, k + 1);
        }
        section(m, 7, toInts(ex.toByteArray()));
        ByteArrayOutputStream code = new ByteArrayOutputStream();
        bytes(code, 0x05);
        for (int[] body : new int[][] {thrower, legacy, rethrow, delegate, uncaught}) {
            bytes(code, body.length + 1, 0x00);
            bytes(code, body);
        }
        section(m, 10, toInts(code.toByteArray()));
        Instance i = Instance.create(store, Module.compile(engine, m.toByteArray()));
        assertEquals(6, i.func("legacy").call(Val.i32(5))[0].i32());
        assertEquals(5, i.func("rethrow").call(Val.i32(5))[0].i32());
        assertEquals(105, i.func("delegate").call(Val.i32(5))[0].i32());
        WasmException e = assertThrows(WasmException.class, () -> i.func("uncaught").call(Val.i32(9)));
        assertEquals(List.of(Val.i32(9)), e.values());
    }

    private static void bytes(ByteArrayOutputStream out, int... bs) {
        for (int b : bs) {
            out.write(b);
        }
    }

    private static void section(ByteArrayOutputStream out, int id, int... content) {
        out.write(id);
        out.write(content.length); // every section here is below 128 bytes
        bytes(out, content);
    }

    private static int[] toInts(byte[] b) {
        int[] r = new int[b.length];
        for (int k = 0; k < b.length; k++) {
            r[k] = b[k] & 0xFF;
        }
        return r;
    }
}
