package dev.kiln.arch.aarch64;

/**
 * The operand size of a scalar floating-point instruction: {@link #S} (IEEE 754 binary32, registers
 * {@code s0..s31}) or {@link #D} (binary64, {@code d0..d31}); the low 32 or 64 bits of a {@link VReg}.
 * Encoded as {@code ftype} (bits 23:22) in the FP data-processing classes and as {@code size}/{@code opc}
 * in loads and stores (Arm ARM, C4.1.96 "Data Processing -- Scalar Floating-Point and Advanced SIMD").
 */
public enum FpSize {
    /** Single precision, 32 bits ({@code ftype = 00}). */ S,
    /** Double precision, 64 bits ({@code ftype = 01}). */ D;

    /** The {@code ftype} field: 0 for {@link #S}, 1 for {@link #D}. */
    public int ftype() {
        return ordinal();
    }

    /** Width in bytes: 4 or 8. */
    public int bytes() {
        return this == S ? 4 : 8;
    }

    /** The integer {@link Size} of the same width ({@code S <-> W}, {@code D <-> X}). */
    public Size intSize() {
        return this == S ? Size.W : Size.X;
    }
}
