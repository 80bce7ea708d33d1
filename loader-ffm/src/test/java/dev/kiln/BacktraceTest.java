package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.text.Wat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wasm backtraces (DESIGN §3 "Frame info"): every trap carries the Wasm frames it unwound, innermost
 * first, with function names from the name section and the module byte offset of the trapping
 * instruction and of each call, printed in Wasmtime's format. Offsets are checked against the module's
 * binary: the byte at a trap's offset is the trapping instruction's opcode, at a caller's the call's.
 */
class BacktraceTest extends StoreFixture {
    private static final byte CALL = 0x10;
    private static final byte CALL_INDIRECT = 0x11;
    private static final byte I32_DIV_S = 0x6D;
    private static final byte UNREACHABLE = 0x00;
    private static final byte I32_LOAD = 0x28;
    private static final FuncType I32_TO_I32 = FuncType.of(List.of(ValType.I32), List.of(ValType.I32));

    BacktraceTest() {
        super(verifyingEngine());
    }

    private Instance instantiate(byte[] wasm) {
        return Instance.create(store, Module.compile(engine, wasm));
    }

    private static void assertFrame(FrameInfo f, String name, byte[] wasm, byte opcode) {
        assertEquals(name, f.funcName(), f.toString());
        assertTrue(f.moduleOffset() > 8 && f.moduleOffset() < wasm.length, f.toString());
        assertEquals(opcode, wasm[f.moduleOffset()], "the opcode at the offset of " + f);
    }

    private static List<String> names(WasmBacktrace bt) {
        return bt.frames().stream().map(FrameInfo::funcName).toList();
    }

    @Test
    void aTrapInTheExportedFunctionHasOneFrame() {
        byte[] wasm = Wat.parseModule("""
                (module
                  (func $div (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))
                """);
        Trap t = assertThrows(Trap.class, () -> instantiate(wasm).func("div").call(Val.i32(1), Val.i32(0)));
        assertEquals(TrapCode.INTEGER_DIVIDE_BY_ZERO, t.kind());
        List<FrameInfo> frames = t.backtrace().frames();
        assertEquals(1, frames.size(), t.getMessage());
        assertFrame(frames.get(0), "div", wasm, I32_DIV_S);
        assertEquals(0, frames.get(0).funcIndex());
        assertFalse(frames.get(0).inlined());
        String expected = String.format("integer divide by zero%n"
                + "error while executing at wasm backtrace:%n"
                + "    0: %6s - <unknown>!div", "0x" + Integer.toHexString(frames.get(0).moduleOffset()))
                .replace(System.lineSeparator(), "\n");
        assertEquals(expected, t.getMessage());
    }

    /** Mutually recursive through a never-taken branch: one strongly connected component, nothing inlined. */
    private static final String THREE_DEEP = """
            (module
              (func $c (param i32) (result i32)
                (if (result i32) (i32.eq (local.get 0) (i32.const -7))
                  (then (call $a (local.get 0)))
                  (else (i32.div_s (i32.const 1) (local.get 0)))))
              (func $b (param i32) (result i32) (i32.add (call $c (local.get 0)) (i32.const 1)))
              (func $a (export "a") (param i32) (result i32) (i32.add (call $b (local.get 0)) (i32.const 2))))
            """;

    @Test
    void aTrapThreeCallsDeepNamesThreeFramesWithTheCallsOffsets() {
        byte[] wasm = Wat.parseModule(THREE_DEEP);
        Instance i = instantiate(wasm);
        assertEquals(4, i.func("a").call(Val.i32(1))[0].i32());
        Trap t = assertThrows(Trap.class, () -> i.func("a").call(Val.i32(0)));
        WasmBacktrace bt = t.backtrace();
        assertEquals(List.of("c", "b", "a"), names(bt), t.getMessage());
        assertFrame(bt.frames().get(0), "c", wasm, I32_DIV_S);
        assertFrame(bt.frames().get(1), "b", wasm, CALL);
        assertFrame(bt.frames().get(2), "a", wasm, CALL);
        assertEquals(List.of(0, 1, 2), bt.frames().stream().map(FrameInfo::funcIndex).toList());
        assertEquals(0, bt.elidedFrames());
        String[] lines = t.getMessage().split("\n");
        assertEquals(5, lines.length, t.getMessage());
        assertTrue(lines[2].matches(" {4}0: +0x[0-9a-f]+ - <unknown>!c"), lines[2]);
        assertTrue(lines[4].matches(" {4}2: +0x[0-9a-f]+ - <unknown>!a"), lines[4]);
    }

    @Test
    void theSameFromALoadedArtifact(@TempDir Path dir) throws Exception {
        byte[] wasm = Wat.parseModule(THREE_DEEP);
        Path artifact = dir.resolve("three.kiln");
        Files.write(artifact, Module.compile(engine, wasm).serialize());
        Instance i = Instance.create(store, Module.load(engine, artifact));
        Trap t = assertThrows(Trap.class, () -> i.func("a").call(Val.i32(0)));
        assertEquals(List.of("c", "b", "a"), names(t.backtrace()), t.getMessage());
        assertFrame(t.backtrace().frames().get(0), "c", wasm, I32_DIV_S);
    }

    @Test
    void framesInlinedIntoTheirCallerAreListed() {
        // small, non-recursive: the inliner folds $leaf and $mid into $top
        byte[] wasm = Wat.parseModule("""
                (module
                  (func $leaf (param i32) (result i32) (if (i32.eqz (local.get 0)) (then unreachable)) (local.get 0))
                  (func $mid (param i32) (result i32) (i32.mul (call $leaf (local.get 0)) (i32.const 3)))
                  (func $top (export "top") (param i32) (result i32) (i32.add (call $mid (local.get 0)) (i32.const 1))))
                """);
        Instance i = instantiate(wasm);
        assertEquals(4, i.func("top").call(Val.i32(1))[0].i32());
        Trap t = assertThrows(Trap.class, () -> i.func("top").call(Val.i32(0)));
        WasmBacktrace bt = t.backtrace();
        assertEquals(List.of("leaf", "mid", "top"), names(bt), t.getMessage());
        assertFrame(bt.frames().get(0), "leaf", wasm, UNREACHABLE);
        assertFrame(bt.frames().get(1), "mid", wasm, CALL);
        assertFrame(bt.frames().get(2), "top", wasm, CALL);
        assertTrue(bt.frames().get(0).inlined() && bt.frames().get(1).inlined(), bt.frames().toString());
        assertFalse(bt.frames().get(2).inlined());
    }

    /**
     * Functions whose bodies are the same byte for byte share machine code (the compiler compiles one),
     * but each one's frames name it, at offsets in its own body: $f1 and $f2 (and $f3, which $top calls
     * and the inliner takes) are the same, each inlining $leaf.
     */
    @Test
    void identicalFunctionsNameTheirOwnFramesAtTheirOwnOffsets() {
        byte[] wasm = Wat.parseModule("""
                (module
                  (func $leaf (param i32) (result i32) (if (i32.eqz (local.get 0)) (then unreachable)) (local.get 0))
                  (func $f1 (export "f1") (param i32) (result i32) (i32.mul (call $leaf (local.get 0)) (i32.const 3)))
                  (func $f2 (export "f2") (param i32) (result i32) (i32.mul (call $leaf (local.get 0)) (i32.const 3)))
                  (func $f3 (param i32) (result i32) (i32.mul (call $leaf (local.get 0)) (i32.const 3)))
                  (func $top (export "top") (param i32) (result i32) (i32.add (call $f3 (local.get 0)) (i32.const 1))))
                """);
        Instance i = instantiate(wasm);
        assertEquals(6, i.func("f2").call(Val.i32(2))[0].i32());
        assertEquals(7, i.func("top").call(Val.i32(2))[0].i32());
        int[] callOffsets = new int[3];
        int[] leafOffsets = new int[3];
        String[] names = {"f1", "f2", "f3"};
        for (int k = 0; k < 3; k++) {
            String export = k == 2 ? "top" : names[k];
            Trap t = assertThrows(Trap.class, () -> i.func(export).call(Val.i32(0)));
            WasmBacktrace bt = t.backtrace();
            List<String> expected = k == 2 ? List.of("leaf", "f3", "top") : List.of("leaf", names[k]);
            assertEquals(expected, names(bt), t.getMessage());
            assertFrame(bt.frames().get(0), "leaf", wasm, UNREACHABLE);
            assertFrame(bt.frames().get(1), names[k], wasm, CALL);
            assertEquals(1 + k, bt.frames().get(1).funcIndex());
            leafOffsets[k] = bt.frames().get(0).moduleOffset();
            callOffsets[k] = bt.frames().get(1).moduleOffset();
        }
        // the same trap in $leaf; each call in its own body, the bodies the same length apart
        assertEquals(leafOffsets[0], leafOffsets[1]);
        assertEquals(leafOffsets[0], leafOffsets[2]);
        int bodyLength = callOffsets[1] - callOffsets[0];
        assertTrue(bodyLength > 0, java.util.Arrays.toString(callOffsets));
        assertEquals(callOffsets[1] + bodyLength, callOffsets[2], java.util.Arrays.toString(callOffsets));
    }

    /**
     * A function inlined into its caller whose body is the same as an earlier function's: the caller
     * copies the earlier function's IR (the driver translates the body once), and a trap in the
     * function's own code still names it at the offset of the trapping instruction in its own body.
     */
    @Test
    void anInlinedIdenticalBodyTrapsAtItsOwnOffset() {
        byte[] wasm = Wat.parseModule("""
                (module
                  (func $d1 (export "d1") (param i32 i32) (result i32) (i32.add (i32.div_s (local.get 0) (local.get 1)) (i32.const 1)))
                  (func $d2 (param i32 i32) (result i32) (i32.add (i32.div_s (local.get 0) (local.get 1)) (i32.const 1)))
                  (func $top (export "top") (param i32 i32) (result i32) (i32.mul (call $d2 (local.get 0) (local.get 1)) (i32.const 2))))
                """);
        Instance i = instantiate(wasm);
        assertEquals(8, i.func("top").call(Val.i32(6), Val.i32(2))[0].i32());
        Trap direct = assertThrows(Trap.class, () -> i.func("d1").call(Val.i32(1), Val.i32(0)));
        Trap inlined = assertThrows(Trap.class, () -> i.func("top").call(Val.i32(1), Val.i32(0)));
        assertEquals(List.of("d1"), names(direct.backtrace()), direct.getMessage());
        assertEquals(List.of("d2", "top"), names(inlined.backtrace()), inlined.getMessage());
        FrameInfo d1 = direct.backtrace().frames().get(0);
        FrameInfo d2 = inlined.backtrace().frames().get(0);
        assertFrame(d1, "d1", wasm, I32_DIV_S);
        assertFrame(d2, "d2", wasm, I32_DIV_S);
        assertEquals(1, d2.funcIndex());
        assertTrue(d2.moduleOffset() > d1.moduleOffset(), d1 + " " + d2); // in d2's body, after d1's
        assertFrame(inlined.backtrace().frames().get(1), "top", wasm, CALL);
    }

    /**
     * The same body bytes under four types are four functions' code: a {@code select} of the first two
     * parameters picks a 32-bit or a 64-bit general register, or an xmm register, by type, so a
     * function that took another type's code would return the wrong half, register or operand.
     */
    @Test
    void theSameBodyUnderAnotherTypeIsCompiledForItsType() {
        String body = "(select (local.get 0) (local.get 1) (local.get 2))";
        byte[] wasm = Wat.parseModule("(module\n"
                + "  (func (export \"i\") (param i32 i32 i32) (result i32) " + body + ")\n"
                + "  (func (export \"l\") (param i64 i64 i32) (result i64) " + body + ")\n"
                + "  (func (export \"f\") (param f32 f32 i32) (result f32) " + body + ")\n"
                + "  (func (export \"d\") (param f64 f64 i32) (result f64) " + body + "))");
        Instance i = instantiate(wasm);
        for (int c = 0; c < 2; c++) {
            assertEquals(c == 1 ? 5 : 7, i.func("i").call(Val.i32(5), Val.i32(7), Val.i32(c))[0].i32());
            assertEquals(c == 1 ? 0x1_0000_0005L : 0x2_0000_0007L,
                    i.func("l").call(Val.i64(0x1_0000_0005L), Val.i64(0x2_0000_0007L), Val.i32(c))[0].i64());
            assertEquals(c == 1 ? 1.5f : 2.5f, i.func("f").call(Val.f32(1.5f), Val.f32(2.5f), Val.i32(c))[0].f32());
            assertEquals(c == 1 ? -0.125 : 3.25, i.func("d").call(Val.f64(-0.125), Val.f64(3.25), Val.i32(c))[0].f64());
        }
    }

    /** An exception for control flow: no stack trace, but it would keep suppressed exceptions. */
    private static final class ControlFlow extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ControlFlow() {
            super("exit", null, true, false);
        }
    }

    @Test
    void aTrapUnderAHostFunctionListsTheFramesOfBothActivations() {
        byte[] wasm = Wat.parseModule("""
                (module
                  (import "env" "host" (func $host (param i32) (result i32)))
                  (func $inner (export "inner") (param i32) (result i32)
                    (if (result i32) (i32.eq (local.get 0) (i32.const -7))
                      (then (call $inner (local.get 0)))
                      (else (i32.div_s (i32.const 1) (local.get 0)))))
                  (func $outer (export "outer") (param i32) (result i32)
                    (if (result i32) (i32.eq (local.get 0) (i32.const -7))
                      (then (call $outer (local.get 0)))
                      (else (i32.add (call $host (local.get 0)) (i32.const 1))))))
                """);
        Instance[] self = new Instance[1];
        Func host = Func.wrap(store, I32_TO_I32, args -> self[0].func("inner").call(args[0]));
        self[0] = new Linker().define("env", "host", host).instantiate(store, Module.compile(engine, wasm));
        assertEquals(2, self[0].func("outer").call(Val.i32(1))[0].i32());
        Trap t = assertThrows(Trap.class, () -> self[0].func("outer").call(Val.i32(0)));
        WasmBacktrace bt = t.backtrace();
        assertEquals(List.of("inner", "outer"), names(bt), t.getMessage());
        assertFrame(bt.frames().get(0), "inner", wasm, I32_DIV_S);
        assertFrame(bt.frames().get(1), "outer", wasm, CALL);

        // a Java exception thrown by a host function carries the Wasm frames it passed through
        IllegalStateException boom = new IllegalStateException("boom");
        Func thrower = Func.wrap(store, I32_TO_I32, args -> {
            throw boom;
        });
        Instance j = new Linker().define("env", "host", thrower).instantiate(store, Module.compile(engine, wasm));
        assertSame(boom, assertThrows(IllegalStateException.class, () -> j.func("outer").call(Val.i32(3))));
        WasmBacktrace attached = WasmBacktrace.of(boom).orElseThrow();
        assertEquals(List.of("outer"), names(attached), attached.getMessage());
        assertFrame(attached.frames().get(0), "outer", wasm, CALL);

        // control flow (no stack trace, as WASI's proc_exit): unwound without recording frames, though
        // it would keep a suppressed backtrace
        RuntimeException exit = new ControlFlow();
        Func exiter = Func.wrap(store, I32_TO_I32, args -> {
            throw exit;
        });
        Instance k = new Linker().define("env", "host", exiter).instantiate(store, Module.compile(engine, wasm));
        assertSame(exit, assertThrows(RuntimeException.class, () -> k.func("outer").call(Val.i32(3))));
        assertEquals(java.util.Optional.empty(), WasmBacktrace.of(exit));
        Trap after = assertThrows(Trap.class, () -> k.func("inner").call(Val.i32(0)));
        assertEquals(List.of("inner"), names(after.backtrace()), after.getMessage());
    }

    @Test
    void aStackOverflowKeepsBothEndsAndSaysHowManyFramesItElided() {
        byte[] wasm = Wat.parseModule("""
                (module
                  (func $f (param i64) (result i64)
                    (i64.add (i64.const 1) (call $f (i64.add (local.get 0) (i64.const 1)))))
                  (func $start (export "start") (result i64)
                    (if (result i64) (i64.eqz (i64.const 1)) (then (call $start)) (else (call $f (i64.const 0))))))
                """);
        Trap t = assertThrows(Trap.class, () -> instantiate(wasm).func("start").call());
        assertEquals(TrapCode.STACK_OVERFLOW, t.kind());
        WasmBacktrace bt = t.backtrace();
        assertTrue(bt.elidedFrames() > 0, "elided " + bt.elidedFrames());
        assertEquals(2 * WasmBacktrace.KEPT, bt.frames().size());
        assertEquals("f", bt.frames().get(0).funcName());
        assertEquals("start", bt.frames().get(bt.frames().size() - 1).funcName(), "the outermost frame is kept");
        assertTrue(t.getMessage().contains("\n      ... " + bt.elidedFrames() + " frames elided ...\n"), t.getMessage());
        assertTrue(t.getMessage().lines().count() < 2 * WasmBacktrace.KEPT + 4);
    }

    @Test
    void aGuardPageFaultReportsTheFaultingAccess() {
        Engine guard = GuardPageBoundsChecksTest.guardEngine();
        byte[] wasm = Wat.parseModule("""
                (module
                  (memory 1)
                  (func $peek (param i32) (result i32)
                    (if (result i32) (i32.eq (local.get 0) (i32.const -7))
                      (then (call $get (local.get 0)))
                      (else (i32.load (local.get 0)))))
                  (func $get (export "get") (param i32) (result i32) (i32.add (call $peek (local.get 0)) (i32.const 1))))
                """);
        try (Store s = new Store(guard)) {
            Instance i = Instance.create(s, Module.compile(guard, wasm));
            assertEquals(1, i.func("get").call(Val.i32(0))[0].i32());
            Trap t = assertThrows(Trap.class, () -> i.func("get").call(Val.i32(1 << 20)));
            assertEquals(TrapCode.MEMORY_OUT_OF_BOUNDS, t.kind());
            WasmBacktrace bt = t.backtrace();
            assertEquals(List.of("peek", "get"), names(bt), t.getMessage());
            assertFrame(bt.frames().get(0), "peek", wasm, I32_LOAD);
            assertFrame(bt.frames().get(1), "get", wasm, CALL);
        }
    }

    @Test
    void aGuardPageFaultOfALoadFoldedIntoItsUseReportsTheLoad() {
        // on x86-64 both loads are memory operands: add r, [m] and cmp r, [m]
        Engine guard = GuardPageBoundsChecksTest.guardEngine();
        byte[] wasm = Wat.parseModule("""
                (module
                  (memory 1)
                  (func $sum (export "sum") (param i32 i32) (result i32)
                    (i32.add (local.get 1) (i32.load (local.get 0))))
                  (func $below (export "below") (param i32 i32) (result i32)
                    (select (i32.const 7) (i32.const 9) (i32.lt_u (local.get 1) (i32.load (local.get 0))))))
                """);
        try (Store s = new Store(guard)) {
            Instance i = Instance.create(s, Module.compile(guard, wasm));
            assertEquals(5, i.func("sum").call(Val.i32(0), Val.i32(5))[0].i32());
            assertEquals(9, i.func("below").call(Val.i32(0), Val.i32(5))[0].i32());
            for (String f : List.of("sum", "below")) {
                Trap t = assertThrows(Trap.class, () -> i.func(f).call(Val.i32(1 << 20), Val.i32(5)));
                assertEquals(TrapCode.MEMORY_OUT_OF_BOUNDS, t.kind());
                WasmBacktrace bt = t.backtrace();
                assertEquals(List.of(f), names(bt), t.getMessage());
                assertFrame(bt.frames().get(0), f, wasm, I32_LOAD);
            }
        }
    }

    @Test
    void aCriticalHandleTrapsWithoutABacktraceAndOrdinaryCallsKeepTheirs() throws Throwable {
        byte[] wasm = Wat.parseModule("""
                (module
                  (func $div (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))
                """);
        Func div = instantiate(wasm).func("div");
        assertTrue(div.isCritical());
        java.lang.invoke.MethodHandle critical = div.criticalHandle();
        // recording a backtrace is a call into Java, which a critical downcall must never make
        Trap t = assertThrows(Trap.class, () -> {
            int unused = (int) critical.invokeExact(1, 0);
        });
        assertEquals(TrapCode.INTEGER_DIVIDE_BY_ZERO, t.kind());
        assertTrue(t.backtrace().isEmpty());
        assertEquals(3, (int) critical.invokeExact(7, 2));
        assertEquals(List.of("div"), names(assertThrows(Trap.class, () -> div.call(Val.i32(1), Val.i32(0))).backtrace()));
    }

    @Test
    void functionsWithoutNamesAreNumbered() {
        byte[] wasm = Wat.parseModule("""
                (module (func (export "u") unreachable))
                """, false);
        Trap t = assertThrows(Trap.class, () -> instantiate(wasm).func("u").call());
        assertEquals(1, t.backtrace().frames().size());
        assertTrue(t.getMessage().endsWith(" - <unknown>!<wasm function 0>"), t.getMessage());
    }

    @Test
    void aTrapRaisedByTheHostOutsideWasmHasNoFrames() {
        Trap t = new Trap(TrapCode.UNREACHABLE);
        assertTrue(t.backtrace().isEmpty());
        assertEquals("unreachable", t.getMessage());
    }

    @Test
    void callIndirectTrapsPointAtTheCallIndirect() {
        byte[] wasm = Wat.parseModule("""
                (module
                  (type $t (func (result i32)))
                  (table 2 funcref)
                  (func $ci (export "ci") (param i32) (result i32) (call_indirect (type $t) (local.get 0))))
                """);
        Trap t = assertThrows(Trap.class, () -> instantiate(wasm).func("ci").call(Val.i32(1)));
        assertEquals(1, t.backtrace().frames().size(), t.getMessage());
        assertFrame(t.backtrace().frames().get(0), "ci", wasm, CALL_INDIRECT);
    }

    /**
     * A trap in a function that a tail call with more stack arguments reached, and one call below it:
     * the backtrace walks up through the moved frame to the caller of the tail-calling function (the
     * tail-calling one is gone, as in every engine with real tail calls, unless it was inlined).
     */
    @Test
    void throughATailCallWithMoreStackArguments() {
        StringBuilder nine = new StringBuilder();
        for (int k = 0; k < 9; k++) {
            nine.append(" (local.get ").append(k).append(')');
        }
        byte[] wasm = Wat.parseModule("""
                (module
                  (func $d (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
                  (func $c (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
                    (if (i32.eq (local.get 0) (i32.const 2)) (then (return (call $d (i32.const 0)))))
                    (i32.div_s (local.get 11) (i32.sub (local.get 0) (i32.const 1))))
                  (func $b (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
                    (return_call $c %s (i32.const 100) (i32.const 200) (i32.const 300)))
                  (func $a (export "a") (param $n i32) (result i32)
                    (i32.add (i32.const 1) (call $b (local.get $n) (local.get $n) (local.get $n) (local.get $n)
                      (local.get $n) (local.get $n) (local.get $n) (local.get $n) (local.get $n)))))
                """.formatted(nine));
        Instance inst = instantiate(wasm);
        for (int k = 0; k < 200; k++) {
            // b's call to c is a tail call: b's frame is gone, though b may appear as inlined into a
            Trap t = assertThrows(Trap.class, () -> inst.func("a").call(Val.i32(1)));
            List<String> frames = names(t.backtrace());
            assertEquals("c", frames.get(0), t.getMessage());
            assertEquals("a", frames.get(frames.size() - 1), t.getMessage());
            Trap below = assertThrows(Trap.class, () -> inst.func("a").call(Val.i32(2)));
            List<String> deeper = names(below.backtrace());
            assertEquals(List.of("d", "c"), deeper.subList(0, 2), below.getMessage());
            assertEquals("a", deeper.get(deeper.size() - 1), below.getMessage());
        }
    }
}
