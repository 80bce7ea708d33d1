package dev.kiln.compiler.wasm;

import dev.kiln.abi.ValType;

/**
 * A table type (spec §2.3.9): element reference type and limits in elements. Immutable and
 * thread-safe.
 *
 * @param elemType {@link ValType#FUNCREF} or {@link ValType#EXTERNREF}
 * @param limits   size limits, in elements
 */
public record TableType(ValType elemType, Limits limits) implements ImportDesc {
    @Override
    public ExternKind kind() {
        return ExternKind.TABLE;
    }
}
