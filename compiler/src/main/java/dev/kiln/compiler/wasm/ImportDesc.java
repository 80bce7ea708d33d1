package dev.kiln.compiler.wasm;

/**
 * What an import provides (spec §2.5.11 {@code importdesc}): a function of a given type, or a
 * table, memory or global of a given type. Immutable and thread-safe.
 */
public sealed interface ImportDesc permits ImportDesc.Func, ImportDesc.Tag, TableType, MemoryType, GlobalType {
    /** The kind of the imported entity. */
    ExternKind kind();

    /**
     * An imported function.
     *
     * @param typeIndex the typeidx of its function type (checked by the validator, not the decoder)
     */
    record Func(int typeIndex) implements ImportDesc {
        @Override
        public ExternKind kind() {
            return ExternKind.FUNC;
        }
    }

    /** An imported tag: the index of its function type (params = the exception's payload, no results). */
    record Tag(int typeIndex) implements ImportDesc {
        @Override
        public ExternKind kind() {
            return ExternKind.TAG;
        }
    }
}
