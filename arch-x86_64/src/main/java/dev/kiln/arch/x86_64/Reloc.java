package dev.kiln.arch.x86_64;

/**
 * A PC-relative 32-bit relocation against an external symbol, recorded by
 * {@link Assembler#callRel32(int)} and {@link Assembler#jmpRel32(int)}: the linker must store
 * {@code S + addend - P} as a little-endian int32 at {@code offset}, where {@code S} is the
 * address of {@code symbol} and {@code P} the address of the field (ELF {@code R_X86_64_PC32} /
 * {@code R_X86_64_PLT32} semantics, System V AMD64 ABI §4.4).
 *
 * @param offset byte offset of the rel32 field from the start of the assembler's buffer
 * @param symbol caller-defined symbol number (e.g. a funcidx or libcall id); not interpreted here
 * @param addend value added to the symbol address; -4 for a field that ends the instruction
 */
public record Reloc(int offset, int symbol, int addend) {
}
