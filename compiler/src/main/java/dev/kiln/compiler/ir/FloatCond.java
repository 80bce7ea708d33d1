package dev.kiln.compiler.ir;

/**
 * Float comparison conditions of {@link Op#FCMP} (Wasm's {@code eq ne lt gt le ge}). Every condition
 * but {@link #NE} is false when either operand is NaN (unordered); {@code ne} is true.
 */
public enum FloatCond {
    EQ, NE, LT, GT, LE, GE;

    /** Evaluates the condition on two doubles (floats widen exactly). */
    public boolean eval(double a, double b) {
        return switch (this) {
            case EQ -> a == b;
            case NE -> a != b;
            case LT -> a < b;
            case GT -> a > b;
            case LE -> a <= b;
            case GE -> a >= b;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
