package dev.kiln.compiler.ir;

import dev.kiln.abi.ValType;

/**
 * The type of an SSA value. Wasm integers map to {@link #I32}/{@link #I64}, floats to
 * {@link #F32}/{@link #F64}, vectors to {@link #V128}; references are machine pointers
 * ({@link #I64}) once lowered.
 */
public enum IrType {
    I32, I64, F32, F64, V128;

    /** Width in bits. */
    public int bits() {
        return switch (this) {
            case I32, F32 -> 32;
            case I64, F64 -> 64;
            case V128 -> 128;
        };
    }

    /** Whether values of this type live in general-purpose registers. */
    public boolean isInt() {
        return this == I32 || this == I64;
    }

    /** The IR type of a Wasm value type ({@code funcref}/{@code externref} are pointers: {@link #I64}). */
    public static IrType of(ValType t) {
        return switch (t) {
            case I32 -> I32;
            case I64, FUNCREF, EXTERNREF -> I64;
            case F32 -> F32;
            case F64 -> F64;
            case V128 -> V128;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
