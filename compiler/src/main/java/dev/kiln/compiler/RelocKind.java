package dev.kiln.compiler;

/**
 * What a {@link Relocation} field is and how its value is computed; {@link Backend#applyRelocation}
 * writes it. {@code S} is the symbol's offset in the linked {@code .text}, {@code A} the addend, {@code P}
 * the field's offset (all in bytes; the text is position independent, so only differences matter).
 */
public enum RelocKind {
    /** x86-64: a little-endian int32 holding {@code S + A - P} (ELF {@code R_X86_64_PC32}/{@code PLT32}). */
    X86_PC32,
    /**
     * AArch64 {@code bl}/{@code b}: imm26 of the instruction word at P holds {@code (S + A - P) >> 2}
     * (ELF {@code R_AARCH64_CALL26}/{@code JUMP26}; range +-128 MiB).
     */
    AARCH64_CALL26,
    /**
     * AArch64 {@code adrp}: immhi:immlo hold {@code Page(S + A) - Page(P)} in 4 KiB pages (ELF
     * {@code R_AARCH64_ADR_PREL_PG_HI21}); exact only where the text's load address is 4 KiB aligned,
     * which the loader guarantees.
     */
    AARCH64_ADR_PREL_PG_HI21,
    /** AArch64 {@code add}: imm12 holds {@code (S + A) & 0xFFF} (ELF {@code R_AARCH64_ADD_ABS_LO12_NC}). */
    AARCH64_ADD_ABS_LO12_NC,
    /** AArch64 {@code adr}: immhi:immlo hold {@code S + A - P} (ELF {@code R_AARCH64_ADR_PREL_LO21}; +-1 MiB). */
    AARCH64_ADR_PREL_LO21,
}
