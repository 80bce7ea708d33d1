package dev.kiln.arch.x86_64;

/**
 * The sixteen x86 condition codes ("tttn" encoding, Intel SDM Vol. 2, Appendix B.1.4.7), in
 * hardware order, as used by {@code jcc}, {@code setcc} and {@code cmovcc}. Unsigned comparisons
 * use {@link #B}/{@link #AE}/{@link #BE}/{@link #A}, signed ones {@link #L}/{@link #GE}/{@link #LE}/
 * {@link #G}. After {@code ucomiss}/{@code ucomisd}, {@link #P} means "unordered" (a NaN operand).
 */
public enum Cond {
    /** Overflow (OF=1). */ O,
    /** No overflow (OF=0). */ NO,
    /** Below, unsigned &lt; (CF=1); also "carry". */ B,
    /** Above or equal, unsigned &ge; (CF=0). */ AE,
    /** Equal / zero (ZF=1). */ E,
    /** Not equal / not zero (ZF=0). */ NE,
    /** Below or equal, unsigned &le; (CF=1 or ZF=1). */ BE,
    /** Above, unsigned &gt; (CF=0 and ZF=0). */ A,
    /** Sign (SF=1). */ S,
    /** No sign (SF=0). */ NS,
    /** Parity even (PF=1); "unordered" after ucomis*. */ P,
    /** Parity odd (PF=0); "ordered" after ucomis*. */ NP,
    /** Less, signed &lt; (SF&ne;OF). */ L,
    /** Greater or equal, signed &ge; (SF=OF). */ GE,
    /** Less or equal, signed &le; (ZF=1 or SF&ne;OF). */ LE,
    /** Greater, signed &gt; (ZF=0 and SF=OF). */ G;

    private static final Cond[] VALUES = values();

    /** The 4-bit hardware condition code 0..15 (added to 0x70, 0x0F80, 0x0F90, 0x0F40). */
    public int code() {
        return ordinal();
    }

    /** The opposite condition (the code with its low bit flipped), e.g. {@code E <-> NE}. */
    public Cond negate() {
        return VALUES[ordinal() ^ 1];
    }

    /** The condition with the operands of the comparison swapped, e.g. {@code L <-> G}, {@code E -> E}. */
    public Cond swap() {
        return switch (this) {
            case B -> A;
            case A -> B;
            case AE -> BE;
            case BE -> AE;
            case L -> G;
            case G -> L;
            case GE -> LE;
            case LE -> GE;
            default -> this;
        };
    }

    /** The condition with hardware code {@code code} (0..15); throws IllegalArgumentException otherwise. */
    public static Cond of(int code) {
        if (code < 0 || code > 15) {
            throw new IllegalArgumentException("condition code must be 0..15, got " + code);
        }
        return VALUES[code];
    }

    /** The mnemonic suffix as in {@code j<suffix>}, {@code set<suffix>}, {@code cmov<suffix>} (lower case). */
    public String suffix() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
