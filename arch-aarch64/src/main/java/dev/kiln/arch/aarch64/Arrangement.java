package dev.kiln.arch.aarch64;

/**
 * The arrangement specifier of an Advanced SIMD (NEON) vector operand: the element size and how many
 * elements of the 64-bit ({@code Q = 0}) or 128-bit ({@code Q = 1}) register take part ({@code 8B},
 * {@code 16B}, {@code 4H}, {@code 8H}, {@code 2S}, {@code 4S}, {@code 1D}, {@code 2D}; Arm ARM C7.2 "Advanced
 * SIMD vector registers"). Encoded in an instruction's {@code size} (bits 23:22) and {@code Q} (bit 30)
 * fields. A 64-bit form writes the low 64 bits of its destination and zeroes the high 64.
 */
public enum Arrangement {
    /** Eight bytes (low half). */ B8(0, 0),
    /** Sixteen bytes. */ B16(0, 1),
    /** Four halfwords (low half). */ H4(1, 0),
    /** Eight halfwords. */ H8(1, 1),
    /** Two words (low half). */ S2(2, 0),
    /** Four words. */ S4(2, 1),
    /** One doubleword (low half). */ D1(3, 0),
    /** Two doublewords. */ D2(3, 1);

    private final int size;
    private final int q;

    Arrangement(int size, int q) {
        this.size = size;
        this.q = q;
    }

    /** The {@code size} field: log2 of the element size in bytes (0 byte .. 3 doubleword). */
    public int size() {
        return size;
    }

    /** The {@code Q} bit: 1 for a 128-bit operand. */
    public int q() {
        return q;
    }

    /** Element size in bits: 8, 16, 32 or 64. */
    public int elementBits() {
        return 8 << size;
    }

    /** Number of elements: 1..16. */
    public int lanes() {
        return (64 << q) / elementBits();
    }

    /** The 128-bit arrangement of elements of {@code log2Bytes} (0: 16B, 1: 8H, 2: 4S, 3: 2D). */
    public static Arrangement full(int log2Bytes) {
        return values()[2 * log2Bytes + 1];
    }

    /** The 64-bit arrangement of elements of {@code log2Bytes} (0: 8B, 1: 4H, 2: 2S, 3: 1D). */
    public static Arrangement half(int log2Bytes) {
        return values()[2 * log2Bytes];
    }

    /** The assembler spelling: {@code 16b}, {@code 4s}, ... */
    public String spelling() {
        return lanes() + String.valueOf("bhsd".charAt(size));
    }

    @Override
    public String toString() {
        return spelling();
    }
}
