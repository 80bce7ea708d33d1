package dev.kiln.arch.x86_64;

/**
 * Rotate and shift operations of opcode group 2 (C0/C1/D0..D3), Intel SDM Vol. 2, Appendix A.4;
 * {@link #code()} is the {@code /digit}. SAL is the same operation as {@link #SHL} and has no entry.
 */
public enum ShiftOp {
    /** Rotate left. */ ROL(0),
    /** Rotate right. */ ROR(1),
    /** Rotate left through carry. */ RCL(2),
    /** Rotate right through carry. */ RCR(3),
    /** Shift left (logical = arithmetic). */ SHL(4),
    /** Shift right logical (zero fill). */ SHR(5),
    /** Shift right arithmetic (sign fill). */ SAR(7);

    private final int code;

    ShiftOp(int code) {
        this.code = code;
    }

    /** The 3-bit {@code /digit} placed in ModRM.reg. */
    public int code() {
        return code;
    }

    /** The lower-case mnemonic ({@code rol}, ..., {@code sar}). */
    public String mnemonic() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
