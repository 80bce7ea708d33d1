package dev.kiln.arch.aarch64;

/**
 * An A64 SIMD and floating-point register, {@code v0..v31} (128 bits each). Scalar floating-point
 * instructions use its low 32 bits ({@code s<n>}, {@link FpSize#S}) or 64 bits ({@code d<n>},
 * {@link FpSize#D}) and zero the rest of the register when they write it (Arm ARM, C1.2.5).
 */
public enum VReg {
    /** SIMD and floating-point register 0. */ V0,
    /** SIMD and floating-point register 1. */ V1,
    /** SIMD and floating-point register 2. */ V2,
    /** SIMD and floating-point register 3. */ V3,
    /** SIMD and floating-point register 4. */ V4,
    /** SIMD and floating-point register 5. */ V5,
    /** SIMD and floating-point register 6. */ V6,
    /** SIMD and floating-point register 7. */ V7,
    /** SIMD and floating-point register 8. */ V8,
    /** SIMD and floating-point register 9. */ V9,
    /** SIMD and floating-point register 10. */ V10,
    /** SIMD and floating-point register 11. */ V11,
    /** SIMD and floating-point register 12. */ V12,
    /** SIMD and floating-point register 13. */ V13,
    /** SIMD and floating-point register 14. */ V14,
    /** SIMD and floating-point register 15. */ V15,
    /** SIMD and floating-point register 16. */ V16,
    /** SIMD and floating-point register 17. */ V17,
    /** SIMD and floating-point register 18. */ V18,
    /** SIMD and floating-point register 19. */ V19,
    /** SIMD and floating-point register 20. */ V20,
    /** SIMD and floating-point register 21. */ V21,
    /** SIMD and floating-point register 22. */ V22,
    /** SIMD and floating-point register 23. */ V23,
    /** SIMD and floating-point register 24. */ V24,
    /** SIMD and floating-point register 25. */ V25,
    /** SIMD and floating-point register 26. */ V26,
    /** SIMD and floating-point register 27. */ V27,
    /** SIMD and floating-point register 28. */ V28,
    /** SIMD and floating-point register 29. */ V29,
    /** SIMD and floating-point register 30. */ V30,
    /** SIMD and floating-point register 31. */ V31;

    private static final VReg[] VALUES = values();

    /** The 5-bit register number 0..31. */
    public int encoding() {
        return ordinal();
    }

    /**
     * The register {@code v<n>}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= n <= 31}
     */
    public static VReg v(int n) {
        if (n < 0 || n > 31) {
            throw new IllegalArgumentException("v<n> register number must be 0..31, got " + n);
        }
        return VALUES[n];
    }

    /** The scalar name of this register at {@code size}: {@code s3} or {@code d3}. */
    public String name(FpSize size) {
        return (size == FpSize.S ? "s" : "d") + ordinal();
    }

    @Override
    public String toString() {
        return "v" + ordinal();
    }
}
