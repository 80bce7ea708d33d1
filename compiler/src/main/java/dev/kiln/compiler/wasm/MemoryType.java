package dev.kiln.compiler.wasm;

/**
 * A memory type (spec §2.3.8): an address type and limits in 64 KiB pages. Immutable and
 * thread-safe.
 *
 * @param limits   size limits, in 64 KiB pages ({@code u64} for a 64-bit memory)
 * @param memory64 whether the address type is {@code i64} (Wasm 3.0 memory64: addresses, sizes and
 *                 offsets are {@code i64}); else {@code i32}
 */
public record MemoryType(Limits limits, boolean memory64) implements ImportDesc {
    /** A memory with address type {@code i32}. */
    public MemoryType(Limits limits) {
        this(limits, false);
    }

    @Override
    public ExternKind kind() {
        return ExternKind.MEMORY;
    }
}
