package dev.kiln.compiler.ir;

import dev.kiln.abi.ValType;

/**
 * The type of an SSA value. Wasm integers map to {@link #I32}/{@link #I64}, floats to
 * {@link #F32}/{@link #F64}, references are machine pointers ({@link #I64}) once lowered.
 *
 * <p>Vectors (Wasm 2.0 §2.3.2 {@code v128}) have seven types, all 128 bits in one representation: the
 * shapeless {@link #V128} (a Wasm {@code v128} local, parameter, result, load or bitwise operation)
 * and the lane-shaped {@link #I8X16}, {@link #I16X8}, {@link #I32X4}, {@link #I64X2}, {@link #F32X4}
 * and {@link #F64X2} (Wasm's shapes, §4.4.3). A lane-wise operation is the scalar operation of the
 * same name with a lane-shaped result type ({@code iadd.i32x4} is {@code i32x4.add}; see
 * {@link LaneOps}); its operands may have any vector type, their bits read in the result's shape
 * (Wasm's {@code v128} has no shape of its own). Every vector type is interchangeable with every other
 * wherever values only flow (block parameters, {@code select}, calls, loads and stores): see
 * {@link #compatible}.
 */
public enum IrType {
    I32, I64, F32, F64, V128, I8X16, I16X8, I32X4, I64X2, F32X4, F64X2;

    /** Width in bits. */
    public int bits() {
        return switch (this) {
            case I32, F32 -> 32;
            case I64, F64 -> 64;
            case V128, I8X16, I16X8, I32X4, I64X2, F32X4, F64X2 -> 128;
        };
    }

    /** Whether values of this type live in general-purpose registers. */
    public boolean isInt() {
        return this == I32 || this == I64;
    }

    /** Whether this is a 128-bit vector type, shapeless ({@link #V128}) or lane-shaped. */
    public boolean isVector() {
        return ordinal() >= V128.ordinal();
    }

    /**
     * Width of one lane in bits (8, 16, 32 or 64) of a lane-shaped type; a scalar type's own width.
     *
     * @throws IllegalStateException for {@link #V128}, which has no lanes
     */
    public int laneBits() {
        return switch (this) {
            case I8X16 -> 8;
            case I16X8 -> 16;
            case I32X4, F32X4, I32, F32 -> 32;
            case I64X2, F64X2, I64, F64 -> 64;
            case V128 -> throw new IllegalStateException("v128 has no lane shape");
        };
    }

    /** Number of lanes of a lane-shaped type (16, 8, 4 or 2); 1 for a scalar type. */
    public int lanes() {
        return isVector() ? 128 / laneBits() : 1;
    }

    /**
     * The scalar type of one lane: {@link #I32} for i8, i16 and i32 lanes (as Wasm's
     * {@code extract_lane} gives them), {@link #I64}, {@link #F32} or {@link #F64}; a scalar type itself.
     *
     * @throws IllegalStateException for {@link #V128}
     */
    public IrType laneType() {
        return switch (this) {
            case I8X16, I16X8, I32X4, I32 -> I32;
            case I64X2, I64 -> I64;
            case F32X4, F32 -> F32;
            case F64X2, F64 -> F64;
            case V128 -> throw new IllegalStateException("v128 has no lane shape");
        };
    }

    /**
     * The integer vector type with lanes as wide as this one's: the result of a lane-wise comparison
     * (all ones or all zeros per lane). {@link #F32X4} gives {@link #I32X4}, {@link #F64X2}
     * {@link #I64X2}, an integer vector type itself.
     */
    public IrType maskType() {
        return switch (this) {
            case F32X4 -> I32X4;
            case F64X2 -> I64X2;
            default -> this;
        };
    }

    /**
     * Whether a value of type {@code a} may stand where one of type {@code b} is expected: equal types,
     * or two vector types (all vectors share one 128-bit representation; a lane shape is how an
     * operation reads the bits, not a property of the bits).
     */
    public static boolean compatible(IrType a, IrType b) {
        return a == b || a.isVector() && b.isVector();
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
