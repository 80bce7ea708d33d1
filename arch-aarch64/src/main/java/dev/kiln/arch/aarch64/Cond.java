package dev.kiln.arch.aarch64;

/**
 * The A64 condition codes (Arm ARM, C1.2.4 "Condition code"), in hardware order, as used by
 * {@code b.cond}, {@code csel} and friends, {@code ccmp} and {@code fcsel}. After {@code cmp a, b}:
 * {@link #EQ}/{@link #NE} equality, {@link #LO}/{@link #HS}/{@link #LS}/{@link #HI} unsigned
 * {@code <}/{@code >=}/{@code <=}/{@code >}, {@link #LT}/{@link #GE}/{@link #LE}/{@link #GT} signed.
 * After {@code fcmp a, b}: {@link #EQ} equal, {@link #MI} less than, {@link #LS} less or equal,
 * {@link #GT} greater, {@link #GE} greater or equal, {@link #VS} unordered (a NaN operand), {@link #NE}
 * not equal or unordered. The code 15 ({@code nv}) behaves as "always" and is not offered.
 */
public enum Cond {
    /** Equal, Z=1. */ EQ,
    /** Not equal, Z=0. */ NE,
    /** Unsigned higher or same (carry set), C=1. */ HS,
    /** Unsigned lower (carry clear), C=0. */ LO,
    /** Minus / negative, N=1. */ MI,
    /** Plus / positive or zero, N=0. */ PL,
    /** Overflow, V=1. */ VS,
    /** No overflow, V=0. */ VC,
    /** Unsigned higher, C=1 and Z=0. */ HI,
    /** Unsigned lower or same, C=0 or Z=1. */ LS,
    /** Signed greater or equal, N=V. */ GE,
    /** Signed less than, N!=V. */ LT,
    /** Signed greater than, Z=0 and N=V. */ GT,
    /** Signed less or equal, Z=1 or N!=V. */ LE,
    /** Always (code 14); has no inverse. */ AL;

    private static final Cond[] VALUES = values();

    /** The 4-bit hardware condition code 0..14. */
    public int code() {
        return ordinal();
    }

    /**
     * The opposite condition (the code with its low bit flipped), e.g. {@code EQ <-> NE}, {@code LO <-> HS}.
     *
     * @throws IllegalStateException for {@link #AL}, whose inverse ({@code nv}) also means "always"
     */
    public Cond invert() {
        if (this == AL) {
            throw new IllegalStateException("the condition al has no inverse");
        }
        return VALUES[ordinal() ^ 1];
    }

    /** The condition with the operands of the comparison swapped, e.g. {@code LT <-> GT}, {@code LO <-> HI}, {@code EQ -> EQ}. */
    public Cond swap() {
        return switch (this) {
            case HS -> LS;
            case LS -> HS;
            case LO -> HI;
            case HI -> LO;
            case GE -> LE;
            case LE -> GE;
            case LT -> GT;
            case GT -> LT;
            case EQ, NE, AL -> this;
            default -> throw new IllegalStateException("the condition " + mnemonic() + " does not come from a comparison");
        };
    }

    /**
     * The condition with hardware code {@code code}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= code <= 14}
     */
    public static Cond of(int code) {
        if (code < 0 || code > 14) {
            throw new IllegalArgumentException("condition code must be 0..14, got " + code);
        }
        return VALUES[code];
    }

    /** The assembler spelling, e.g. {@code ne} (as in {@code b.ne}). */
    public String mnemonic() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
