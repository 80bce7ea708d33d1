package dev.kiln;

import dev.kiln.loader.LibC;

/**
 * The stack floor of the calling thread ({@link dev.kiln.abi.VMStoreContext#STACK_FLOOR}): the lowest
 * stack limit an outermost call into Wasm may set, so that an engine's stack budget larger than what
 * is left of the thread's stack ends in a {@code call stack exhausted} trap rather than in the thread's
 * guard pages (which would kill the JVM: the fault happens in code the JVM does not know).
 *
 * <p>The floor is the thread's lowest stack address plus {@link #RESERVE_PAGES} pages (the JVM's
 * red, yellow, reserved and shadow zones at their defaults: 1 + 2 + 1 + 20 pages on Linux x86-64 and
 * AArch64) plus {@link #HOST_CALL_RESERVE} bytes, so that a host function called from the deepest Wasm
 * frame still runs Java code, whose own stack checks then throw {@link StackOverflowError} normally.
 * Platform threads compute it once (two C library calls) and keep it; a virtual thread may run on a
 * different carrier thread at every call, so its floor is computed at each call. Thread-safe.
 */
final class ThreadStackFloor {
    /** Pages at the low end of a JVM thread's stack that Wasm frames must leave alone. */
    static final int RESERVE_PAGES = 24;
    /** Bytes above the JVM's zones left for host functions called from the deepest Wasm frame. */
    static final long HOST_CALL_RESERVE = 64 * 1024;

    private static final ThreadLocal<Long> FLOOR = ThreadLocal.withInitial(ThreadStackFloor::compute);

    private ThreadStackFloor() {
    }

    /** The calling thread's stack floor (an address), or 0 when the C library cannot tell its stack. */
    static long current() {
        return Thread.currentThread().isVirtual() ? compute() : FLOOR.get();
    }

    private static long compute() {
        long[] stack = LibC.currentThreadStack();
        if (stack == null) {
            return 0;
        }
        return stack[0] + RESERVE_PAGES * LibC.pageSize() + HOST_CALL_RESERVE;
    }
}
