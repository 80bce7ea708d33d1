package dev.kiln.arch.aarch64;

/**
 * An A64 general-purpose register operand: {@code x0..x30}, the stack pointer {@link #SP} and the
 * zero register {@link #XZR}. {@code SP} and {@code XZR} share the register number 31; which one an
 * instruction means depends on the operand (Arm ARM, C1.2.5 "Register names"), so the assembler checks
 * each operand and refuses {@code SP} where 31 means the zero register and {@code XZR} where it means the
 * stack pointer. The operand {@link Size} of an instruction picks the 64-bit ({@code x5}, {@code sp},
 * {@code xzr}) or 32-bit ({@code w5}, {@code wsp}, {@code wzr}) view of the same register.
 * {@link #FP} ({@code x29}) and {@link #LR} ({@code x30}) are the AAPCS64 frame pointer and link register.
 */
public enum XReg {
    /** General-purpose register 0. */ X0,
    /** General-purpose register 1. */ X1,
    /** General-purpose register 2. */ X2,
    /** General-purpose register 3. */ X3,
    /** General-purpose register 4. */ X4,
    /** General-purpose register 5. */ X5,
    /** General-purpose register 6. */ X6,
    /** General-purpose register 7. */ X7,
    /** General-purpose register 8. */ X8,
    /** General-purpose register 9. */ X9,
    /** General-purpose register 10. */ X10,
    /** General-purpose register 11. */ X11,
    /** General-purpose register 12. */ X12,
    /** General-purpose register 13. */ X13,
    /** General-purpose register 14. */ X14,
    /** General-purpose register 15. */ X15,
    /** General-purpose register 16. */ X16,
    /** General-purpose register 17. */ X17,
    /** General-purpose register 18. */ X18,
    /** General-purpose register 19. */ X19,
    /** General-purpose register 20. */ X20,
    /** General-purpose register 21. */ X21,
    /** General-purpose register 22. */ X22,
    /** General-purpose register 23. */ X23,
    /** General-purpose register 24. */ X24,
    /** General-purpose register 25. */ X25,
    /** General-purpose register 26. */ X26,
    /** General-purpose register 27. */ X27,
    /** General-purpose register 28. */ X28,
    /** General-purpose register 29. */ X29,
    /** General-purpose register 30. */ X30,
    /** The stack pointer (number 31 where an operand allows it). */ SP,
    /** The zero register (number 31 where an operand allows it): reads 0, writes are discarded. */ XZR;

    /** The AAPCS64 frame pointer, {@code x29}. */
    public static final XReg FP = X29;
    /** The link register, {@code x30}, written by {@code bl}/{@code blr} and read by {@code ret}. */
    public static final XReg LR = X30;

    private static final XReg[] VALUES = values();

    /** The 5-bit register number: 0..30, or 31 for both {@link #SP} and {@link #XZR}. */
    public int encoding() {
        return this == XZR ? 31 : ordinal();
    }

    /**
     * The register {@code x<n>}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= n <= 30}
     */
    public static XReg x(int n) {
        if (n < 0 || n > 30) {
            throw new IllegalArgumentException("x<n> register number must be 0..30, got " + n);
        }
        return VALUES[n];
    }

    /**
     * The assembler name of this register at operand size {@code size}: {@code x7}/{@code w7},
     * {@code sp}/{@code wsp}, {@code xzr}/{@code wzr}.
     */
    public String name(Size size) {
        boolean w = size == Size.W;
        return switch (this) {
            case SP -> w ? "wsp" : "sp";
            case XZR -> w ? "wzr" : "xzr";
            default -> (w ? "w" : "x") + ordinal();
        };
    }

    @Override
    public String toString() {
        return name(Size.X);
    }
}
