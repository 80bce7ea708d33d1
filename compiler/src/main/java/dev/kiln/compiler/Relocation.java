package dev.kiln.compiler;

/**
 * A field in a piece of code that refers to another piece of the same artifact (a function or a
 * stub), filled in by the backend's {@link Backend#applyRelocation} once every piece is placed. The
 * kind says what the field is and how its value is computed ({@link RelocKind}).
 *
 * @param kind   how the field is written
 * @param offset byte offset of the field (or of the instruction word holding it) within its piece of code
 * @param symbol a funcidx ({@code >= 0}) or one of the negative stub symbols of this class
 * @param addend added to the symbol's offset (x86-64 rel32 fields that end their instruction: -4)
 */
public record Relocation(RelocKind kind, int offset, int symbol, int addend) {
    /** The shared trap-unwind stub ({@link Backend#compileUnwindStub}). */
    public static final int UNWIND_STUB = -1;

    /**
     * The symbol of the module's shared stub for trap {@code code} ({@link Backend#compileTrapStub}),
     * which stores the code and unwinds: {@code -2 - code.ordinal()}.
     */
    public static int trapStub(dev.kiln.abi.TrapCode code) {
        return -2 - code.ordinal();
    }

    /** The trap code of a {@link #trapStub} symbol, or null for any other symbol. */
    public static dev.kiln.abi.TrapCode trapCodeOf(int symbol) {
        int ordinal = -2 - symbol;
        return ordinal >= 0 && ordinal < TRAP_CODES.length ? TRAP_CODES[ordinal] : null;
    }

    /** {@link dev.kiln.abi.TrapCode#values()}, once (the linker asks for every relocation). */
    private static final dev.kiln.abi.TrapCode[] TRAP_CODES = dev.kiln.abi.TrapCode.values();
}
