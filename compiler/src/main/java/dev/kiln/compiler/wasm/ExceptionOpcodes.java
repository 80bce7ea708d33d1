package dev.kiln.compiler.wasm;

/**
 * Facts about the exception-handling instructions (Wasm 3.0 spec §3.3.8 "Control instructions",
 * the {@code exnref} design, plus the legacy {@code try}/{@code catch}/{@code delegate} encoding).
 * Stateless and thread-safe.
 */
public final class ExceptionOpcodes {
    private ExceptionOpcodes() {
    }

    /** Catch clause kind {@code catch tagidx labelidx}. */
    public static final int CATCH = 0;
    /** Catch clause kind {@code catch_ref tagidx labelidx}. */
    public static final int CATCH_REF = 1;
    /** Catch clause kind {@code catch_all labelidx}. */
    public static final int CATCH_ALL = 2;
    /** Catch clause kind {@code catch_all_ref labelidx}. */
    public static final int CATCH_ALL_REF = 3;

    /** Whether {@code op} belongs to exception handling (and so is illegal in a Wasm 2.0 module). */
    public static boolean isException(Opcode op) {
        return switch (op) {
            case THROW, THROW_REF, TRY_TABLE, TRY, CATCH, RETHROW, DELEGATE, CATCH_ALL -> true;
            default -> false;
        };
    }

    /** Whether {@code op} is one of the legacy exception-handling instructions. */
    public static boolean isLegacy(Opcode op) {
        return switch (op) {
            case TRY, CATCH, RETHROW, DELEGATE, CATCH_ALL -> true;
            default -> false;
        };
    }
}
