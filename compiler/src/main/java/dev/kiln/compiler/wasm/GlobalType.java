package dev.kiln.compiler.wasm;

import dev.kiln.abi.ValType;

/**
 * A global type (spec §2.3.10): value type and mutability. Immutable and thread-safe.
 *
 * @param valType the global's value type
 * @param mutable {@code true} for {@code var}, {@code false} for {@code const}
 */
public record GlobalType(ValType valType, boolean mutable) implements ImportDesc {
    @Override
    public ExternKind kind() {
        return ExternKind.GLOBAL;
    }

    @Override
    public String toString() {
        return mutable ? "(mut " + valType + ")" : valType.toString();
    }
}
