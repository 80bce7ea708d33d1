package dev.kiln.abi;

/**
 * Why generated code trapped. The numeric {@link #code()} is what a trap site stores in the
 * VMContext trap slot; {@link #message()} is the wording of the WebAssembly reference interpreter,
 * which the spec testsuite's {@code assert_trap} commands match.
 *
 * <p>Code 0 means "no trap" and has no constant. Codes are part of the artifact format: never
 * renumber, only append.
 */
public enum TrapCode {
    /** The {@code unreachable} instruction was executed. */
    UNREACHABLE(1, "unreachable"),
    /** Integer division or remainder by zero. */
    INTEGER_DIVIDE_BY_ZERO(2, "integer divide by zero"),
    /** Signed division overflow ({@code INT_MIN / -1}) or a float-to-int truncation out of range. */
    INTEGER_OVERFLOW(3, "integer overflow"),
    /** A float-to-int truncation of NaN. */
    INVALID_CONVERSION_TO_INTEGER(4, "invalid conversion to integer"),
    /** A load, store or bulk memory operation outside the memory's current length. */
    MEMORY_OUT_OF_BOUNDS(5, "out of bounds memory access"),
    /** A table access outside the table's current size. */
    TABLE_OUT_OF_BOUNDS(6, "out of bounds table access"),
    /** {@code call_indirect} through an index past the end of the table. */
    UNDEFINED_ELEMENT(7, "undefined element"),
    /** {@code call_indirect} through a null table entry. */
    UNINITIALIZED_ELEMENT(8, "uninitialized element"),
    /** {@code call_indirect} through an entry of another function type. */
    INDIRECT_CALL_TYPE_MISMATCH(9, "indirect call type mismatch"),
    /** The stack budget of the call was exhausted (the prologue's stack-limit check failed). */
    STACK_OVERFLOW(10, "call stack exhausted"),
    /** A host function threw; the Java exception is rethrown at the entry instead of a {@code Trap}. */
    HOST_EXCEPTION(11, "host function threw an exception"),
    /** A null reference was dereferenced. */
    NULL_REFERENCE(12, "null reference"),
    /**
     * The store's epoch deadline was reached (epoch interruption, {@link CompileOptions#epochInterruption()})
     * and no callback extended it. Wasmtime's wording.
     */
    INTERRUPT(13, "interrupt"),
    /** The store's fuel ran out ({@link CompileOptions#consumeFuel()}). Wasmtime's wording. */
    OUT_OF_FUEL(14, "all fuel consumed"),
    /** {@code call_ref} or {@code return_call_ref} on a null function reference (typed function references). */
    NULL_FUNCTION_REFERENCE(15, "null function reference"),
    /**
     * A Wasm exception (exception handling) that nothing caught below the entry: the host turns it
     * into a {@code WasmException} carrying the tag and payload.
     */
    UNCAUGHT_EXCEPTION(16, "uncaught exception");

    private final int code;
    private final String message;

    TrapCode(int code, String message) {
        this.code = code;
        this.message = message;
    }

    /** The value stored in the VMContext trap slot; 1..255, never 0. */
    public int code() {
        return code;
    }

    /** The reference interpreter's message for this trap, e.g. {@code "integer divide by zero"}. */
    public String message() {
        return message;
    }

    /**
     * The trap with numeric code {@code code}.
     *
     * @throws IllegalArgumentException if no trap has that code
     */
    public static TrapCode fromCode(int code) {
        for (TrapCode t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown trap code " + code);
    }
}
