package dev.kiln.compiler.wasm;

/**
 * An import (spec §2.5.11). Immutable and thread-safe.
 *
 * @param module the module name (UTF-8 decoded)
 * @param name   the field name (UTF-8 decoded)
 * @param desc   what is imported
 * @param offset byte offset in the module of the import entry
 */
public record Import(String module, String name, ImportDesc desc, int offset) {
    /** The kind of the imported entity. */
    public ExternKind kind() {
        return desc.kind();
    }
}
