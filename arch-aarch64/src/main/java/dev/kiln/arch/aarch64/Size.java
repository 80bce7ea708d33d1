package dev.kiln.arch.aarch64;

/**
 * The operand size of an integer instruction: {@link #W} (32-bit, registers named {@code w0..w30},
 * {@code wzr}, {@code wsp}) or {@link #X} (64-bit, {@code x0..x30}, {@code xzr}, {@code sp}). It is the
 * {@code sf} bit of most A64 integer encodings (Arm ARM, C4.1 "A64 instruction set encoding").
 * Writing a W register zeroes bits 63:32 of the X register.
 */
public enum Size {
    /** 32-bit operation ({@code sf = 0}). */ W,
    /** 64-bit operation ({@code sf = 1}). */ X;

    /** The {@code sf} bit: 0 for {@link #W}, 1 for {@link #X}. */
    public int sf() {
        return ordinal();
    }

    /** Width in bits: 32 or 64. */
    public int bits() {
        return this == W ? 32 : 64;
    }

    /** Width in bytes: 4 or 8. */
    public int bytes() {
        return this == W ? 4 : 8;
    }
}
