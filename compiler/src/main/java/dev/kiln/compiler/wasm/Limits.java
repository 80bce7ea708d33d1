package dev.kiln.compiler.wasm;

/**
 * Limits of a table (in elements) or a memory (in 64 KiB pages) (spec §2.3.7, binary §5.3.7).
 * Immutable and thread-safe.
 *
 * @param min the minimum, a {@code u32} as a non-negative long
 * @param max the maximum, a {@code u32} as a non-negative long, or -1 when absent
 */
public record Limits(long min, long max) {
    /** Whether a maximum is present. */
    public boolean hasMax() {
        return max >= 0;
    }

    @Override
    public String toString() {
        return hasMax() ? min + " " + max : Long.toString(min);
    }
}
