package dev.kiln;

import dev.kiln.abi.TrapCode;

/**
 * A WebAssembly trap (spec §4.4.1): executing an instruction failed ({@code unreachable}, integer
 * division by zero, ...). Thrown by calls into an instance; the JVM and the {@link Store} stay usable,
 * and the instance can be called again.
 *
 * <p>{@link #getMessage()} is the reference interpreter's wording for the trap kind (e.g.
 * {@code "integer divide by zero"}), which is what the spec testsuite's {@code assert_trap} matches.
 *
 * <pre>{@code
 * try {
 *     instance.func("div").call(Val.i32(1), Val.i32(0));
 * } catch (Trap t) {
 *     assert t.kind() == TrapCode.INTEGER_DIVIDE_BY_ZERO;   // message: "integer divide by zero"
 * }
 * }</pre>
 */
public final class Trap extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final TrapCode kind;

    /** @param kind why execution trapped */
    public Trap(TrapCode kind) {
        super(kind.message());
        this.kind = kind;
    }

    /** Why execution trapped. */
    public TrapCode kind() {
        return kind;
    }
}
