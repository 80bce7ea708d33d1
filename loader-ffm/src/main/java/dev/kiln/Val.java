package dev.kiln;

import dev.kiln.abi.ValType;

/**
 * A WebAssembly value passed to or returned from a {@link Func}: its type and its bits.
 * {@code i32} values hold their 32 bits sign-extended in {@link #bits()}; floats hold their IEEE
 * 754 bit pattern ({@code f32} zero-extended). Immutable and thread-safe.
 *
 * <p>References: a {@code funcref} holds the address of a function record in {@link #bits()} (0 for
 * null); an {@code externref} holds the Java object in {@link #ref()} ({@code null} for null), and the
 * bits of its handle in the store when it came out of Wasm.
 *
 * <pre>{@code
 * Val[] r = func.call(Val.i32(7), Val.f64(0.5), Val.externref(myObject));
 * double d = r[0].f64();
 * }</pre>
 *
 * @param type the value type
 * @param bits the raw bits
 * @param ref  for an externref, the Java object (or null); otherwise null
 */
public record Val(ValType type, long bits, Object ref) {
    /** A value of a number type, or a funcref, from its bits. */
    public Val(ValType type, long bits) {
        this(type, bits, null);
    }

    /** An {@code externref} to {@code object} ({@code null} is the null reference). */
    public static Val externref(Object object) {
        return new Val(ValType.EXTERNREF, 0, object);
    }

    /** The null reference of {@code type} ({@code funcref} or {@code externref}). */
    public static Val nullRef(ValType type) {
        if (!type.isReference()) {
            throw new IllegalArgumentException(type + " is not a reference type");
        }
        return new Val(type, 0, null);
    }

    /** Whether this is a null reference. */
    public boolean isNull() {
        return type.isReference() && (type == ValType.EXTERNREF ? ref == null : bits == 0);
    }

    /** An {@code i32} value. */
    public static Val i32(int v) {
        return new Val(ValType.I32, v);
    }

    /** An {@code i64} value. */
    public static Val i64(long v) {
        return new Val(ValType.I64, v);
    }

    /** An {@code f32} value (its exact bits, NaN payloads included). */
    public static Val f32(float v) {
        return new Val(ValType.F32, Float.floatToRawIntBits(v) & 0xFFFF_FFFFL);
    }

    /** An {@code f64} value (its exact bits, NaN payloads included). */
    public static Val f64(double v) {
        return new Val(ValType.F64, Double.doubleToRawLongBits(v));
    }

    /**
     * A {@code v128} value: bytes 0..7 (lane 0 first, little-endian) are {@code low}, bytes 8..15
     * {@code high}; held as {@link #bits()} = low and {@link #ref()} = high as a {@link Long}.
     */
    public static Val v128(long low, long high) {
        return new Val(ValType.V128, low, high);
    }

    /**
     * A {@code v128} value from its 16 bytes in memory order (lane 0 first, each lane little-endian).
     *
     * @throws IllegalArgumentException unless {@code bytes} has 16 elements
     */
    public static Val v128(byte[] bytes) {
        if (bytes.length != 16) {
            throw new IllegalArgumentException("a v128 has 16 bytes, got " + bytes.length);
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        return v128(b.getLong(0), b.getLong(8));
    }

    /** Bytes 0..7 of a {@code v128}. @throws IllegalStateException if it is not one */
    public long v128Low() {
        expect(ValType.V128);
        return bits;
    }

    /**
     * Bytes 8..15 of a {@code v128} ({@code 0} when {@link #ref()} is null).
     *
     * @throws IllegalStateException    if it is not a v128
     * @throws IllegalArgumentException if {@link #ref()} is neither null nor a {@link Long}
     */
    public long v128High() {
        expect(ValType.V128);
        if (ref == null) {
            return 0;
        }
        if (!(ref instanceof Long h)) {
            throw new IllegalArgumentException("a v128 holds its high 64 bits as a Long in ref(), got "
                    + ref.getClass().getName());
        }
        return h;
    }

    /** The 16 bytes of a {@code v128} in memory order. @throws IllegalStateException if it is not one */
    public byte[] v128Bytes() {
        byte[] out = new byte[16];
        java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, v128Low()).putLong(8, v128High());
        return out;
    }

    /** The value as an {@code f32}. @throws IllegalStateException if it is not one */
    public float f32() {
        expect(ValType.F32);
        return Float.intBitsToFloat((int) bits);
    }

    /** The value as an {@code f64}. @throws IllegalStateException if it is not one */
    public double f64() {
        expect(ValType.F64);
        return Double.longBitsToDouble(bits);
    }

    /** The value as an {@code i32}. @throws IllegalStateException if it is not one */
    public int i32() {
        expect(ValType.I32);
        return (int) bits;
    }

    /** The value as an {@code i64}. @throws IllegalStateException if it is not one */
    public long i64() {
        expect(ValType.I64);
        return bits;
    }

    private void expect(ValType t) {
        if (type != t) {
            throw new IllegalStateException("value is " + type + ", not " + t);
        }
    }

    @Override
    public String toString() {
        return switch (type) {
            case I32 -> "i32:" + (int) bits;
            case I64 -> "i64:" + bits;
            case F32 -> "f32:" + f32();
            case F64 -> "f64:" + f64();
            case EXTERNREF -> "externref:" + ref;
            case V128 -> ref == null || ref instanceof Long
                    ? String.format("v128:0x%016x%016x", v128High(), bits) : "v128:(malformed high half " + ref + ")";
            default -> type + ":0x" + Long.toHexString(bits);
        };
    }
}
