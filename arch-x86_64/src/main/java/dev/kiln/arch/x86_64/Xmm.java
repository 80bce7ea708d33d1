package dev.kiln.arch.x86_64;

/**
 * The sixteen SSE registers xmm0..xmm15 available in 64-bit mode without VEX/EVEX, with their
 * hardware encoding (Intel SDM Vol. 2, §2.2.1: bit 3 goes in REX.R/X/B).
 */
public enum Xmm {
    XMM0, XMM1, XMM2, XMM3, XMM4, XMM5, XMM6, XMM7,
    XMM8, XMM9, XMM10, XMM11, XMM12, XMM13, XMM14, XMM15;

    private static final Xmm[] VALUES = values();

    /** Hardware register number 0..15. */
    public int encoding() {
        return ordinal();
    }

    /** Whether the register needs a REX extension bit (xmm8..xmm15). */
    public boolean isExtended() {
        return ordinal() >= 8;
    }

    /** The register with hardware number {@code n}; throws IllegalArgumentException unless 0..15. */
    public static Xmm of(int n) {
        if (n < 0 || n > 15) {
            throw new IllegalArgumentException("xmm register number must be 0..15, got " + n);
        }
        return VALUES[n];
    }
}
