package dev.kiln.abi;

/**
 * A machine-level WebAssembly value type (spec §2.3.4 "Value Types"; binary encoding §5.3.4): the
 * number and vector types, and one constant per reference hierarchy. Code generation, the calling
 * convention and the artifact need no more than this: every reference is a pointer.
 *
 * <p>Wasm 3.0's typed references ({@code (ref $t)}, {@code (ref null func)}, ...) are {@link RefType}s;
 * {@link ValueType} is the precise type, of which the number and vector constants here are members and
 * {@link #FUNCREF}/{@link #EXTERNREF} stand for {@link RefType#FUNCREF}/{@link RefType#EXTERNREF}.
 * {@link RefType#machineType()} maps every reference type back to one of these two.
 *
 * <p>{@link #code()} is the type's byte in the binary format. Immutable and thread-safe.
 */
public enum ValType implements ValueType {
    /** 32-bit integer, binary {@code 0x7F}. */
    I32(0x7F, 4),
    /** 64-bit integer, binary {@code 0x7E}. */
    I64(0x7E, 8),
    /** IEEE 754 binary32, binary {@code 0x7D}. */
    F32(0x7D, 4),
    /** IEEE 754 binary64, binary {@code 0x7C}. */
    F64(0x7C, 8),
    /** 128-bit SIMD vector, binary {@code 0x7B}. */
    V128(0x7B, 16),
    /** Nullable reference to a function, binary {@code 0x70}. */
    FUNCREF(0x70, 8),
    /** Nullable opaque host reference, binary {@code 0x6F}. */
    EXTERNREF(0x6F, 8);

    private final int code;
    private final int byteSize;

    ValType(int code, int byteSize) {
        this.code = code;
        this.byteSize = byteSize;
    }

    /** The type's byte in the binary format (e.g. {@code 0x7F} for i32). */
    public int code() {
        return code;
    }

    /** Size in bytes of a value of this type when stored in native memory (references: 8, a pointer). */
    public int byteSize() {
        return byteSize;
    }

    /** This type itself. */
    @Override
    public ValType machineType() {
        return this;
    }

    /** Whether this is {@code i32} or {@code i64}. */
    public boolean isInteger() {
        return this == I32 || this == I64;
    }

    /** Whether this is {@code f32} or {@code f64}. */
    public boolean isFloat() {
        return this == F32 || this == F64;
    }

    /** Whether this is a reference type ({@code funcref} or {@code externref}). */
    public boolean isReference() {
        return this == FUNCREF || this == EXTERNREF;
    }

    /**
     * The value type with binary code {@code code}, or {@code null} if the byte encodes none.
     *
     * @param code a byte of the binary format, 0..255
     */
    public static ValType fromCode(int code) {
        return switch (code) {
            case 0x7F -> I32;
            case 0x7E -> I64;
            case 0x7D -> F32;
            case 0x7C -> F64;
            case 0x7B -> V128;
            case 0x70 -> FUNCREF;
            case 0x6F -> EXTERNREF;
            default -> null;
        };
    }

    /** The spec's text name: {@code i32}, {@code funcref}, ... */
    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
