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
}
