package dev.kiln;

import dev.kiln.abi.TrapCode;

/**
 * A WebAssembly trap (spec §4.4.1): executing an instruction failed ({@code unreachable}, integer
 * division by zero, ...). Thrown by calls into an instance; the JVM and the {@link Store} stay usable,
 * and the instance can be called again.
 *
 * <p>{@link #getMessage()} starts with the reference interpreter's wording for the trap kind (e.g.
 * {@code "integer divide by zero"}), which is what the spec testsuite's {@code assert_trap} matches;
 * when the trap happened in Wasm code, the lines after it are the {@link #backtrace() Wasm backtrace}
 * in Wasmtime's format:
 * <pre>
 * integer divide by zero
 * error while executing at wasm backtrace:
 *     0:   0x2a - &lt;unknown&gt;!div
 *     1:   0x35 - &lt;unknown&gt;!main
 * </pre>
 *
 * <pre>{@code
 * try {
 *     instance.func("div").call(Val.i32(1), Val.i32(0));
 * } catch (Trap t) {
 *     assert t.kind() == TrapCode.INTEGER_DIVIDE_BY_ZERO;
 *     t.backtrace().frames();   // innermost first
 * }
 * }</pre>
 */
public final class Trap extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final TrapCode kind;
    private final WasmBacktrace backtrace;

    /** @param kind why execution trapped; the backtrace is empty */
    public Trap(TrapCode kind) {
        this(kind, new WasmBacktrace());
    }

    Trap(TrapCode kind, WasmBacktrace backtrace) {
        super(kind.message());
        this.kind = kind;
        this.backtrace = backtrace;
    }

    /** Why execution trapped. */
    public TrapCode kind() {
        return kind;
    }

    /** The Wasm frames the trap unwound, innermost first; empty when it happened outside Wasm code. */
    public WasmBacktrace backtrace() {
        return backtrace;
    }

    /** The trap kind's message, then, if there are Wasm frames, a newline and the backtrace. */
    @Override
    public String getMessage() {
        return backtrace.isEmpty() ? kind.message() : kind.message() + "\n" + backtrace.getMessage();
    }
}
