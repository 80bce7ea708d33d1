package dev.kiln.arch.x86_64;

/**
 * Operand size of an integer instruction (Intel SDM Vol. 1, §4.1 "Fundamental data types"):
 * byte, word, doubleword, quadword. {@link #S16} adds the operand-size prefix {@code 0x66},
 * {@link #S64} sets {@code REX.W}. Writing a 32-bit register zero-extends it to 64 bits; writing an
 * 8- or 16-bit register leaves the upper bits unchanged.
 */
public enum Size {
    /** 8 bits (byte registers al..r15b; spl, bpl, sil, dil need a REX prefix). */
    S8(1),
    /** 16 bits (operand-size prefix 0x66). */
    S16(2),
    /** 32 bits (the default operand size in 64-bit mode). */
    S32(4),
    /** 64 bits (REX.W). */
    S64(8);

    private final int bytes;

    Size(int bytes) {
        this.bytes = bytes;
    }

    /** Width in bytes: 1, 2, 4 or 8. */
    public int bytes() {
        return bytes;
    }

    /** Width in bits: 8, 16, 32 or 64. */
    public int bits() {
        return bytes * 8;
    }
}
