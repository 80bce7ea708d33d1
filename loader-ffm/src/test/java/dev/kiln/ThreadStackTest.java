package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.ValType;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Calls into Wasm from threads whose stack is smaller than the engine's stack budget (512 KiB by
 * default), and re-entrant recursion through host functions: the stack floor keeps Wasm frames out
 * of the thread's guard zones, so runaway recursion ends in a trap, never in a JVM crash.
 */
class ThreadStackTest extends StoreFixture {
    private static final FuncType I32_TO_I32 = new FuncType(List.of(ValType.I32), List.of(ValType.I32));

    /** Runs {@code body} on a new platform thread with a stack of {@code stackBytes}; returns what it threw. */
    private static Throwable onThread(long stackBytes, Callable<?> body) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                body.call();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "small-stack", stackBytes);
        t.start();
        t.join();
        return thrown.get();
    }

    @Test
    void runawayRecursionOnASmallThreadStackTraps() throws Exception {
        Instance i = Instance.create(store, compile("""
                (module (func $rec (export "rec") (param i32) (result i32)
                  (i32.add (call $rec (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
                  (func (export "id") (param i32) (result i32) (local.get 0)))
                """));
        for (long stack : new long[] {192 * 1024, 320 * 1024}) {
            Throwable t = onThread(stack, () -> i.func("rec").call(Val.i32(0)));
            assertEquals(TrapCode.STACK_OVERFLOW, assertInstanceOf(Trap.class, t).kind(), "thread stack " + stack);
        }
        assertEquals(7, i.func("id").call(Val.i32(7))[0].i32(), "the store stays usable");
        assertEquals(TrapCode.STACK_OVERFLOW, assertThrows(() -> i.func("rec").call(Val.i32(0))).kind(),
                "and the caller's own thread gets its own floor again");
    }

    /**
     * Leaf functions with small frames skip the stack check ({@code VMStoreContext.FRAME_SLACK}): a
     * leaf with a spill area, called at every level of a runaway recursion on a small thread stack,
     * runs below the limit at the deepest level, and the recursion still ends in a trap.
     */
    @Test
    void leafFunctionsWithoutAStackCheckRunAtTheDeepestLevel() throws Exception {
        Instance i = Instance.create(store, compile("""
                (module
                  (func $leaf (param i64) (result i64) (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
                    (local.set 1 (i64.mul (local.get 0) (i64.const 3)))
                    (local.set 2 (i64.mul (local.get 0) (i64.const 5)))
                    (local.set 3 (i64.mul (local.get 0) (i64.const 7)))
                    (local.set 4 (i64.mul (local.get 0) (i64.const 9)))
                    (local.set 5 (i64.mul (local.get 0) (i64.const 11)))
                    (local.set 6 (i64.mul (local.get 0) (i64.const 13)))
                    (local.set 7 (i64.mul (local.get 0) (i64.const 15)))
                    (local.set 8 (i64.mul (local.get 0) (i64.const 17)))
                    (local.set 9 (i64.mul (local.get 0) (i64.const 19)))
                    (local.set 10 (i64.mul (local.get 0) (i64.const 21)))
                    (local.set 11 (i64.mul (local.get 0) (i64.const 23)))
                    (local.set 12 (i64.mul (local.get 0) (i64.const 25)))
                    (local.set 13 (i64.mul (local.get 0) (i64.const 27)))
                    (local.set 14 (i64.mul (local.get 0) (i64.const 29)))
                    (local.set 15 (i64.mul (local.get 0) (i64.const 31)))
                    (local.set 16 (i64.mul (local.get 0) (i64.const 33)))
                    (local.set 17 (i64.mul (local.get 0) (i64.const 35)))
                    (local.set 18 (i64.mul (local.get 0) (i64.const 37)))
                    (local.set 19 (i64.mul (local.get 0) (i64.const 39)))
                    (local.set 20 (i64.mul (local.get 0) (i64.const 41)))
                    (local.set 21 (i64.mul (local.get 0) (i64.const 43)))
                    (local.set 22 (i64.mul (local.get 0) (i64.const 45)))
                    (local.set 23 (i64.mul (local.get 0) (i64.const 47)))
                    (local.set 24 (i64.mul (local.get 0) (i64.const 49)))
                    (local.set 25 (i64.mul (local.get 0) (i64.const 51)))
                    (local.set 26 (i64.mul (local.get 0) (i64.const 53)))
                    (local.set 27 (i64.mul (local.get 0) (i64.const 55)))
                    (local.set 28 (i64.mul (local.get 0) (i64.const 57)))
                    (local.set 29 (i64.mul (local.get 0) (i64.const 59)))
                    (local.set 30 (i64.mul (local.get 0) (i64.const 61)))
                    (local.set 31 (i64.mul (local.get 0) (i64.const 63)))
                    (local.set 32 (i64.mul (local.get 0) (i64.const 65)))
                    (local.set 33 (i64.mul (local.get 0) (i64.const 67)))
                    (local.set 34 (i64.mul (local.get 0) (i64.const 69)))
                    (local.set 35 (i64.mul (local.get 0) (i64.const 71)))
                    (local.set 36 (i64.mul (local.get 0) (i64.const 73)))
                    (local.set 37 (i64.mul (local.get 0) (i64.const 75)))
                    (local.set 38 (i64.mul (local.get 0) (i64.const 77)))
                    (local.set 39 (i64.mul (local.get 0) (i64.const 79)))
                    (local.set 40 (i64.mul (local.get 0) (i64.const 81)))
                    (local.set 41 (i64.mul (local.get 0) (i64.const 83)))
                    (local.set 42 (i64.mul (local.get 0) (i64.const 85)))
                    (local.set 43 (i64.mul (local.get 0) (i64.const 87)))
                    (local.set 44 (i64.mul (local.get 0) (i64.const 89)))
                    (local.set 45 (i64.mul (local.get 0) (i64.const 91)))
                    (local.set 46 (i64.mul (local.get 0) (i64.const 93)))
                    (local.set 47 (i64.mul (local.get 0) (i64.const 95)))
                    (local.set 48 (i64.mul (local.get 0) (i64.const 97)))
                    (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (i64.add (local.get 1) (i64.mul (local.get 2) (local.get 2))) (i64.mul (local.get 3) (local.get 3))) (i64.mul (local.get 4) (local.get 4))) (i64.mul (local.get 5) (local.get 5))) (i64.mul (local.get 6) (local.get 6))) (i64.mul (local.get 7) (local.get 7))) (i64.mul (local.get 8) (local.get 8))) (i64.mul (local.get 9) (local.get 9))) (i64.mul (local.get 10) (local.get 10))) (i64.mul (local.get 11) (local.get 11))) (i64.mul (local.get 12) (local.get 12))) (i64.mul (local.get 13) (local.get 13))) (i64.mul (local.get 14) (local.get 14))) (i64.mul (local.get 15) (local.get 15))) (i64.mul (local.get 16) (local.get 16))) (i64.mul (local.get 17) (local.get 17))) (i64.mul (local.get 18) (local.get 18))) (i64.mul (local.get 19) (local.get 19))) (i64.mul (local.get 20) (local.get 20))) (i64.mul (local.get 21) (local.get 21))) (i64.mul (local.get 22) (local.get 22))) (i64.mul (local.get 23) (local.get 23))) (i64.mul (local.get 24) (local.get 24))) (i64.mul (local.get 25) (local.get 25))) (i64.mul (local.get 26) (local.get 26))) (i64.mul (local.get 27) (local.get 27))) (i64.mul (local.get 28) (local.get 28))) (i64.mul (local.get 29) (local.get 29))) (i64.mul (local.get 30) (local.get 30))) (i64.mul (local.get 31) (local.get 31))) (i64.mul (local.get 32) (local.get 32))) (i64.mul (local.get 33) (local.get 33))) (i64.mul (local.get 34) (local.get 34))) (i64.mul (local.get 35) (local.get 35))) (i64.mul (local.get 36) (local.get 36))) (i64.mul (local.get 37) (local.get 37))) (i64.mul (local.get 38) (local.get 38))) (i64.mul (local.get 39) (local.get 39))) (i64.mul (local.get 40) (local.get 40))) (i64.mul (local.get 41) (local.get 41))) (i64.mul (local.get 42) (local.get 42))) (i64.mul (local.get 43) (local.get 43))) (i64.mul (local.get 44) (local.get 44))) (i64.mul (local.get 45) (local.get 45))) (i64.mul (local.get 46) (local.get 46))) (i64.mul (local.get 47) (local.get 47))) (i64.mul (local.get 48) (local.get 48))))
                  (func $rec (export "rec") (param i64) (result i64)
                    (i64.add (call $rec (call $leaf (local.get 0))) (i64.const 1))))
                """));
        Throwable t = onThread(192 * 1024, () -> i.func("rec").call(Val.i64(1)));
        assertEquals(TrapCode.STACK_OVERFLOW, assertInstanceOf(Trap.class, t).kind());
        assertEquals(TrapCode.STACK_OVERFLOW, assertThrows(() -> i.func("rec").call(Val.i64(1))).kind());
    }

    @Test
    void hostFunctionsCalledFromTheDeepestFrameStillRun() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Func host = Func.wrap(store, I32_TO_I32, args -> {
            calls.incrementAndGet();
            return new Val[] {Val.i32(args[0].i32() + 1)};
        });
        Module m = compile("""
                (module (import "env" "inc" (func $inc (param i32) (result i32)))
                  (func $rec (export "rec") (param i32) (result i32)
                    (call $rec (call $inc (local.get 0)))))
                """);
        Instance i = new Linker().define("env", "inc", host).instantiate(store, m);
        Throwable t = onThread(256 * 1024, () -> i.func("rec").call(Val.i32(0)));
        assertEquals(TrapCode.STACK_OVERFLOW, assertInstanceOf(Trap.class, t).kind());
        assertTrue(calls.get() > 10, "the host function ran at every level: " + calls.get());
    }

    @Test
    void reentrantRecursionThroughTheHostEndsInATrapOrStackOverflowError() throws Exception {
        Instance[] self = new Instance[1];
        AtomicInteger depth = new AtomicInteger();
        Func back = Func.wrap(store, I32_TO_I32, args -> {
            depth.accumulateAndGet(args[0].i32(), Math::max);
            return self[0].func("down").call(Val.i32(args[0].i32() + 1));
        });
        Module m = compile("""
                (module (import "env" "back" (func $back (param i32) (result i32)))
                  (func (export "down") (param i32) (result i32) (call $back (local.get 0))))
                """);
        self[0] = new Linker().define("env", "back", back).instantiate(store, m);
        for (long stack : new long[] {256 * 1024, 1024 * 1024}) {
            depth.set(0);
            Throwable t = onThread(stack, () -> self[0].func("down").call(Val.i32(0)));
            assertInstanceOf(Trap.class, t, "thread stack " + stack + ": " + t);
            assertEquals(TrapCode.STACK_OVERFLOW, ((Trap) t).kind());
            assertTrue(depth.get() >= 3, "re-entered " + depth.get() + " levels");
        }
    }

    private static Trap assertThrows(org.junit.jupiter.api.function.Executable e) {
        return org.junit.jupiter.api.Assertions.assertThrows(Trap.class, e);
    }
}
