package dev.kiln.abi;

/**
 * A WebAssembly reference type {@code (ref null? heaptype)} (spec 3.0 §2.3.4 "Reference Types"; binary
 * §5.3.4: {@code 0x64 ht} non-nullable, {@code 0x63 ht} nullable, and the shorthands {@code 0x70}
 * funcref = {@code (ref null func)}, {@code 0x6F} externref = {@code (ref null extern)}, ...).
 *
 * <p>This is the precise type the decoder, the validator and the public API use. Machine code does not
 * distinguish reference types: every reference is a pointer (a function record or a host handle), whose
 * {@link #machineType()} is {@link ValType#FUNCREF} or {@link ValType#EXTERNREF}.
 *
 * <p>Immutable and thread-safe; equality is structural (for concrete heap types: same module-relative
 * typeidx; across modules compare with {@link TypeCanonicalizer}).
 *
 * @param nullable  whether {@code null} is a value of the type
 * @param heapType  the heap type
 */
public record RefType(boolean nullable, HeapType heapType) implements ValueType {
    /** {@code funcref}, i.e. {@code (ref null func)}. */
    public static final RefType FUNCREF = new RefType(true, HeapType.FUNC);
    /** {@code externref}, i.e. {@code (ref null extern)}. */
    public static final RefType EXTERNREF = new RefType(true, HeapType.EXTERN);

    public RefType {
        java.util.Objects.requireNonNull(heapType, "heapType");
    }

    /** {@code (ref null $t)} or {@code (ref $t)} for the concrete type {@code typeIndex}. */
    public static RefType concrete(boolean nullable, int typeIndex) {
        return new RefType(nullable, HeapType.concrete(typeIndex));
    }

    /**
     * The machine-level type: {@link ValType#EXTERNREF} for the extern hierarchy, else
     * {@link ValType#FUNCREF} (a pointer-sized reference; the public API represents values of the function
     * hierarchy as {@code Func}s).
     */
    @Override
    public ValType machineType() {
        return heapType.top() == HeapType.Kind.EXTERN ? ValType.EXTERNREF : ValType.FUNCREF;
    }

    /** The same heap type, nullable. */
    public RefType asNullable() {
        return nullable ? this : new RefType(true, heapType);
    }

    /** The same heap type, not nullable. */
    public RefType asNonNullable() {
        return nullable ? new RefType(false, heapType) : this;
    }

    /** The spec's text form: {@code funcref}, {@code externref}, {@code (ref null 3)}, {@code (ref func)}. */
    @Override
    public String toString() {
        if (equals(FUNCREF)) {
            return "funcref";
        }
        if (equals(EXTERNREF)) {
            return "externref";
        }
        return "(ref " + (nullable ? "null " : "") + heapType + ")";
    }
}
