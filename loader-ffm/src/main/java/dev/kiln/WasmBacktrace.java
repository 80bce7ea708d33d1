package dev.kiln;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The Wasm frames a trap or a host function's exception passed through, innermost first (DESIGN §3
 * "Frame info"; Wasmtime's {@code WasmBacktrace}). A {@link Trap} carries one ({@link Trap#backtrace()});
 * any other exception thrown by a host function under Wasm frames gets one attached as a suppressed
 * exception ({@link #of(Throwable)} finds it), unless it declined a stack trace (made with
 * {@code writableStackTrace} false, the JDK's idiom for control flow, as WASI's {@code proc_exit}
 * exception): then no frames are recorded at all. When Wasm calls the host and the host calls Wasm again,
 * each activation adds its frames as the exception passes through it, so the list spans them all.
 *
 * <p>{@link #getMessage()} prints Wasmtime's format:
 * <pre>
 * error while executing at wasm backtrace:
 *     0:   0x2a - &lt;unknown&gt;!div
 *     1:   0x35 - &lt;unknown&gt;!main
 * </pre>
 * A very deep stack (a stack overflow) keeps the innermost and outermost {@value #KEPT} frames and
 * says how many it elided between them. Frame info comes from the artifact ({@code .kiln.frames}) and
 * is read only when a trap happens. On AArch64 the trap path records no frames yet: the list is empty.
 *
 * <p>An exception type only so that it can ride on another exception as a suppressed one; it has no
 * Java stack trace. Not thread-safe while a call is unwinding; effectively immutable afterwards.
 */
public final class WasmBacktrace extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Frames kept at each end of a deep stack. */
    public static final int KEPT = 64;

    private final List<FrameInfo> head = new ArrayList<>();
    private final java.util.ArrayDeque<FrameInfo> tail = new java.util.ArrayDeque<>();
    private int elided;

    WasmBacktrace() {
        super(null, null, false, false);
    }

    /** Appends a frame (outward from the ones already there). */
    void add(FrameInfo frame) {
        if (head.size() < KEPT) {
            head.add(frame);
            return;
        }
        if (tail.size() == KEPT) {
            tail.removeFirst();
            elided++;
        }
        tail.addLast(frame);
    }

    /** Appends every frame of {@code outer} (the frames of an enclosing activation). */
    void addAll(WasmBacktrace outer) {
        for (FrameInfo f : outer.head) {
            add(f);
        }
        if (outer.elided > 0) {
            elided += outer.elided;
        }
        for (FrameInfo f : outer.tail) {
            add(f);
        }
    }

    /** The frames kept, innermost first (all of them unless {@link #elidedFrames()} is positive). */
    public List<FrameInfo> frames() {
        List<FrameInfo> out = new ArrayList<>(head);
        out.addAll(tail);
        return Collections.unmodifiableList(out);
    }

    /** How many frames between the innermost and outermost {@value #KEPT} were left out (0 normally). */
    public int elidedFrames() {
        return elided;
    }

    /** Whether there are no frames (e.g. a trap raised by the host outside any Wasm code). */
    public boolean isEmpty() {
        return head.isEmpty();
    }

    /**
     * The backtrace of {@code t}: a {@link Trap}'s, or one attached to another exception as a
     * suppressed exception when it passed through Wasm frames.
     */
    public static Optional<WasmBacktrace> of(Throwable t) {
        if (t instanceof Trap trap) {
            return Optional.of(trap.backtrace());
        }
        if (t instanceof WasmBacktrace b) {
            return Optional.of(b);
        }
        for (Throwable s : t.getSuppressed()) {
            if (s instanceof WasmBacktrace b) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /** Wasmtime's rendering: a header line, then one line per frame ({@code "  %3d: %#6x - module!function"}). */
    @Override
    public String getMessage() {
        StringBuilder b = new StringBuilder("error while executing at wasm backtrace:");
        int i = 0;
        for (FrameInfo f : head) {
            line(b, i++, f);
        }
        if (elided > 0) {
            b.append("\n      ... ").append(elided).append(" frames elided ...");
            i += elided;
        }
        for (FrameInfo f : tail) {
            line(b, i++, f);
        }
        return b.toString();
    }

    private static void line(StringBuilder b, int i, FrameInfo f) {
        b.append('\n').append(String.format("  %3d: ", i));
        if (f.moduleOffset() >= 0) {
            b.append(String.format("%6s - ", "0x" + Integer.toHexString(f.moduleOffset())));
        }
        b.append(f.displayName());
    }

    @Override
    public String toString() {
        return getMessage();
    }
}
