package dev.kiln.abi;

/**
 * A precise WebAssembly value type (spec 3.0 §2.3.5 "Value Types"): a number or vector type, given by
 * its {@link ValType} constant, or a {@link RefType}.
 *
 * <p>{@link ValType} is the machine-level type that code generation and the calling convention need
 * (every reference is a pointer: {@link ValType#FUNCREF} or {@link ValType#EXTERNREF}); a
 * {@code ValueType} keeps what the validator and the public API need beyond that, e.g.
 * {@code (ref $t)} versus {@code funcref}. In a precise type list the constants {@link ValType#FUNCREF}
 * and {@link ValType#EXTERNREF} are replaced by {@link RefType#FUNCREF} and {@link RefType#EXTERNREF}
 * ({@link #of(ValType)}), so that equal types are equal objects.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public sealed interface ValueType permits ValType, RefType {
    /** The machine-level type of values of this type. */
    ValType machineType();

    /** The precise form of a machine-level type: the reference constants become {@link RefType}s. */
    static ValueType of(ValType t) {
        return switch (t) {
            case FUNCREF -> RefType.FUNCREF;
            case EXTERNREF -> RefType.EXTERNREF;
            default -> t;
        };
    }

    /** The same type, with the reference constants of {@link ValType} replaced by {@link RefType}s. */
    default ValueType normalized() {
        return this instanceof ValType v ? of(v) : this;
    }

    /** Whether this is a reference type. */
    default boolean isRef() {
        return machineType().isReference();
    }
}
