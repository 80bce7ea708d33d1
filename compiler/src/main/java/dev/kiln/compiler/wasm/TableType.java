package dev.kiln.compiler.wasm;

import dev.kiln.abi.ValType;

/**
 * A table type (spec §2.3.9): address type, element reference type and limits in elements.
 * Immutable and thread-safe.
 *
 * @param elemType {@link ValType#FUNCREF} or {@link ValType#EXTERNREF}
 * @param limits   size limits, in elements ({@code u64} for a 64-bit table)
 * @param table64  whether the address type is {@code i64} (Wasm 3.0 table64: indices and sizes are
 *                 {@code i64}); else {@code i32}
 * @param refType  the precise element type (Wasm 3.0, e.g. {@code (ref null $t)}); its machine type is
 *                 {@code elemType}
 */
public record TableType(ValType elemType, Limits limits, boolean table64, dev.kiln.abi.RefType refType)
        implements ImportDesc {
    /** A table whose elements have the machine-level type {@code elemType}. */
    public TableType(ValType elemType, Limits limits, boolean table64) {
        this(elemType, limits, table64, (dev.kiln.abi.RefType) dev.kiln.abi.ValueType.of(elemType));
    }

    /** A table of a precise element type. */
    public TableType(dev.kiln.abi.RefType refType, Limits limits, boolean table64) {
        this(refType.machineType(), limits, table64, refType);
    }

    /** A table with address type {@code i32}. */
    public TableType(ValType elemType, Limits limits) {
        this(elemType, limits, false);
    }

    @Override
    public ExternKind kind() {
        return ExternKind.TABLE;
    }
}
