package dev.kiln.arch.aarch64;

/**
 * The extension applied to the index register of the "extended register" forms of
 * {@code add}/{@code sub} and of register-offset loads and stores (Arm ARM, C6.2 {@code ADD (extended
 * register)}, {@code LDR (register)}): the 3-bit {@code option} field. {@code UXTB}, {@code UXTH},
 * {@code UXTW} and their signed counterparts take the low 8, 16 or 32 bits of the register and
 * zero- or sign-extend them; {@link #UXTX}/{@link #SXTX} take all 64 bits ({@link #UXTX} is the one
 * spelt {@code lsl} where the base is {@code sp}, and in register-offset addresses).
 */
public enum Extend {
    /** Zero-extend the low byte. */ UXTB,
    /** Zero-extend the low halfword. */ UXTH,
    /** Zero-extend the low word (a W register). */ UXTW,
    /** All 64 bits (no extension); spelt {@code lsl} in addresses. */ UXTX,
    /** Sign-extend the low byte. */ SXTB,
    /** Sign-extend the low halfword. */ SXTH,
    /** Sign-extend the low word (a W register). */ SXTW,
    /** All 64 bits (no extension), signed spelling. */ SXTX;

    /** The 3-bit {@code option} field, 0..7. */
    public int code() {
        return ordinal();
    }

    /** Whether the extended register is an X register ({@link #UXTX}, {@link #SXTX}) rather than a W register. */
    public boolean isX() {
        return this == UXTX || this == SXTX;
    }

    /** The assembler spelling, e.g. {@code uxtw}. */
    public String mnemonic() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
