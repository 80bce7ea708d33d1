package dev.kiln.compiler.wasm;

import dev.kiln.abi.ValType;

/**
 * A global type (spec §2.3.10): value type and mutability. Immutable and thread-safe.
 *
 * @param valType the global's value type
 * @param mutable {@code true} for {@code var}, {@code false} for {@code const}
 * @param valueType the precise value type (Wasm 3.0, e.g. {@code (ref $t)}); its machine type is
 *                  {@code valType}
 */
public record GlobalType(ValType valType, boolean mutable, dev.kiln.abi.ValueType valueType) implements ImportDesc {
    /** A global of a machine-level type. */
    public GlobalType(ValType valType, boolean mutable) {
        this(valType, mutable, dev.kiln.abi.ValueType.of(valType));
    }

    /** A global of a precise type. */
    public GlobalType(dev.kiln.abi.ValueType valueType, boolean mutable) {
        this(valueType.machineType(), mutable, valueType.normalized());
    }

    @Override
    public ExternKind kind() {
        return ExternKind.GLOBAL;
    }

    @Override
    public String toString() {
        return mutable ? "(mut " + valueType + ")" : valueType.toString();
    }
}
