package dev.kiln.arch.aarch64;

/**
 * The shift applied to the last register operand of the "shifted register" forms (Arm ARM,
 * C6.2 {@code ADD (shifted register)}, {@code AND (shifted register)}): the 2-bit {@code shift} field.
 * {@link #ROR} is valid only for the logical instructions.
 */
public enum Shift {
    /** Logical shift left. */ LSL,
    /** Logical shift right. */ LSR,
    /** Arithmetic shift right. */ ASR,
    /** Rotate right (logical instructions only). */ ROR;

    /** The 2-bit {@code shift} field, 0..3. */
    public int code() {
        return ordinal();
    }

    /** The assembler spelling: {@code lsl}, {@code lsr}, {@code asr} or {@code ror}. */
    public String mnemonic() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
