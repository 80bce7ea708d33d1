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
