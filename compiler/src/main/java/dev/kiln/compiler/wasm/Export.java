package dev.kiln.compiler.wasm;

/**
 * An export (spec §2.5.12). Immutable and thread-safe.
 *
 * @param name   the export name (UTF-8 decoded)
 * @param kind   what is exported
 * @param index  the funcidx, tableidx, memidx or globalidx (imports included)
 * @param offset byte offset in the module of the export entry
 */
public record Export(String name, ExternKind kind, int index, int offset) {
}
