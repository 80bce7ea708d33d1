package dev.kiln.compiler.ir;

/** Integer comparison conditions of {@link Op#ICMP} (Wasm's {@code eq}, {@code lt_s}, {@code lt_u}, ...). */
public enum Cond {
    EQ, NE, SLT, ULT, SGT, UGT, SLE, ULE, SGE, UGE;

    /** The condition that holds exactly when this one does not. */
    public Cond negate() {
        return switch (this) {
            case EQ -> NE;
            case NE -> EQ;
            case SLT -> SGE;
            case ULT -> UGE;
            case SGT -> SLE;
            case UGT -> ULE;
            case SLE -> SGT;
            case ULE -> UGT;
            case SGE -> SLT;
            case UGE -> ULT;
        };
    }

    /** The condition with operands swapped: {@code a < b} iff {@code b > a}. */
    public Cond swap() {
        return switch (this) {
            case EQ, NE -> this;
            case SLT -> SGT;
            case ULT -> UGT;
            case SGT -> SLT;
            case UGT -> ULT;
            case SLE -> SGE;
            case ULE -> UGE;
            case SGE -> SLE;
            case UGE -> ULE;
        };
    }

    /** The unsigned condition of the same order ({@code SLT -> ULT}, ...); unsigned ones and {@code EQ}, {@code NE} unchanged. */
    public Cond unsigned() {
        return switch (this) {
            case SLT -> ULT;
            case SGT -> UGT;
            case SLE -> ULE;
            case SGE -> UGE;
            default -> this;
        };
    }

    /** Evaluates the condition on two integers of {@code bits} width (32 or 64). */
    public boolean eval(long a, long b, int bits) {
        if (bits == 32) {
            a = (int) a;
            b = (int) b;
        }
        long ua = bits == 32 ? a & 0xFFFFFFFFL : a;
        long ub = bits == 32 ? b & 0xFFFFFFFFL : b;
        return switch (this) {
            case EQ -> a == b;
            case NE -> a != b;
            case SLT -> a < b;
            case SGT -> a > b;
            case SLE -> a <= b;
            case SGE -> a >= b;
            case ULT -> Long.compareUnsigned(ua, ub) < 0;
            case UGT -> Long.compareUnsigned(ua, ub) > 0;
            case ULE -> Long.compareUnsigned(ua, ub) <= 0;
            case UGE -> Long.compareUnsigned(ua, ub) >= 0;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
