package dev.kiln.compiler.wasm;

/**
 * Limits of a table (in elements) or a memory (in 64 KiB pages) (spec §2.3.7, binary §5.3.7).
 * Immutable and thread-safe.
 *
 * @param min    the minimum, a {@code u64} (Wasm 2.0: {@code u32}) as a long, compared unsigned
 * @param max    the maximum, a {@code u64} as a long compared unsigned, or -1 when absent
 * @param hasMax whether a maximum is present (a maximum of {@code 2^64-1} is {@code max == -1} with
 *               {@code hasMax} set)
 */
public record Limits(long min, long max, boolean hasMax) {
    /** Limits whose maximum is absent when {@code max} is negative. */
    public Limits(long min, long max) {
        this(min, max, max >= 0);
    }

    @Override
    public String toString() {
        return hasMax ? Long.toUnsignedString(min) + " " + Long.toUnsignedString(max) : Long.toUnsignedString(min);
    }
}
