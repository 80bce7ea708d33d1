package dev.kiln.arch.x86_64;

/**
 * The sixteen x86-64 general-purpose registers, with their hardware encoding (Intel SDM Vol. 2,
 * §2.1.5 and §2.2.1: the low three bits go in ModRM/SIB/opcode, bit 3 in a REX prefix).
 */
public enum Gpr {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15;

    /** Hardware register number 0..15. */
    public int encoding() {
        return ordinal();
    }

    /** Low three bits of the encoding, for ModRM.reg/rm, SIB.base/index or the opcode byte. */
    public int low3() {
        return ordinal() & 7;
    }

    /** Whether the register needs a REX extension bit (r8..r15). */
    public boolean isExtended() {
        return ordinal() >= 8;
    }

    /** The register with hardware number {@code n} (0..15). */
    public static Gpr of(int n) {
        return VALUES[n];
    }

    private static final Gpr[] VALUES = values();
}
