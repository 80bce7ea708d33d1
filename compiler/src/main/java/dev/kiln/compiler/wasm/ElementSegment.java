package dev.kiln.compiler.wasm;

import dev.kiln.abi.ValType;
import java.util.List;

/**
 * An element segment (spec §2.5.7, binary §5.5.12 with its 8 encodings). Immutable and thread-safe.
 *
 * @param mode        passive, active or declarative
 * @param tableIndex  for active segments the tableidx, else -1
 * @param offset      for active segments the offset expression (i32), else {@code null}
 * @param elemType    the reference type of the elements ({@code funcref} for the funcidx encodings)
 * @param funcIndices for the encodings with a vector of funcidx (flags 0-3): the indices; else
 *                    {@code null}. Do not modify.
 * @param initExprs   for the encodings with expressions (flags 4-7): one expression per element;
 *                    else {@code null}
 * @param offsetInModule byte offset in the module of the segment
 * @param refType     the precise reference type of the elements (Wasm 3.0, e.g. {@code (ref $t)}); its
 *                    machine type is {@code elemType}
 */
public record ElementSegment(Mode mode, int tableIndex, ConstExpr offset, ValType elemType,
                             int[] funcIndices, List<ConstExpr> initExprs, int offsetInModule,
                             dev.kiln.abi.RefType refType) {
    /** A segment whose elements have the machine-level type {@code elemType}. */
    public ElementSegment(Mode mode, int tableIndex, ConstExpr offset, ValType elemType,
                          int[] funcIndices, List<ConstExpr> initExprs, int offsetInModule) {
        this(mode, tableIndex, offset, elemType, funcIndices, initExprs, offsetInModule,
                (dev.kiln.abi.RefType) dev.kiln.abi.ValueType.of(elemType));
    }

    /** Element segment modes (spec §2.5.7). */
    public enum Mode {
        /** Elements available to {@code table.init}. */
        PASSIVE,
        /** Copied into a table at instantiation. */
        ACTIVE,
        /** Only declares functions for {@code ref.func}; dropped at instantiation. */
        DECLARATIVE
    }

    /** The number of elements. */
    public int size() {
        return funcIndices != null ? funcIndices.length : initExprs.size();
    }
}
