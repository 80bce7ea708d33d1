package dev.kiln.compiler;

/**
 * A 32-bit PC-relative field in a piece of code: after layout it holds
 * {@code address(symbol) + addend - address(field)} (x86-64 {@code R_X86_64_PC32} semantics).
 *
 * @param offset byte offset of the 4-byte field within its piece of code
 * @param symbol a funcidx ({@code >= 0}) or one of the negative stub symbols of this class
 * @param addend added to the symbol's address (typically -4: the field's size)
 */
public record Relocation(int offset, int symbol, int addend) {
    /** The shared trap-unwind stub ({@link Backend#compileUnwindStub}). */
    public static final int UNWIND_STUB = -1;
}
