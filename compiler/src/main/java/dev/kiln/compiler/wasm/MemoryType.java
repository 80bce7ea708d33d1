package dev.kiln.compiler.wasm;

/**
 * A memory type (spec §2.3.8): limits in 64 KiB pages. Immutable and thread-safe.
 *
 * @param limits size limits, in 64 KiB pages
 */
public record MemoryType(Limits limits) implements ImportDesc {
    @Override
    public ExternKind kind() {
        return ExternKind.MEMORY;
    }
}
