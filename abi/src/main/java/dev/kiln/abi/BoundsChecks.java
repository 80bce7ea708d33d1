package dev.kiln.abi;

/**
 * How compiled code keeps linear-memory accesses in bounds (DESIGN.md §3 "Bounds checks";
 * {@link CompileOptions#boundsChecks()}).
 */
public enum BoundsChecks {
    /**
     * Every load and store compares {@code index + offset + size} with the memory's current length and
     * branches to a trap stub when it is larger. Works for every memory on every instruction set.
     */
    EXPLICIT,
    /**
     * Loads and stores of 32-bit memories on x86-64 and AArch64 carry no check: a memory's 8 GiB reservation
     * covers every {@code zext(i32) + offset + size} with {@code offset + size <= 2^32 + 1}, and the
     * pages past the memory's current length are inaccessible, so an out-of-bounds access faults and
     * the signal handler the loader installs ({@link GuardHandlerLayout}) turns the fault into the trap
     * {@code out of bounds memory access}. Accesses with a larger static offset, 64-bit memories, bulk
     * memory instructions (which must trap before writing anything) and backends without a handler keep
     * explicit checks. Wasmtime and V8 do the same on 64-bit hosts. (On AArch64 the index is read as a
     * W register extended by {@code uxtw}: {@code ldr w0, [x1, w2, uxtw]}.)
     */
    GUARD;

    /** The spelling on the command line and in messages: {@code explicit} or {@code guard}. */
    public String optionName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Parses {@link #optionName()}.
     *
     * @throws IllegalArgumentException naming the value and the accepted ones if it is neither
     */
    public static BoundsChecks parse(String s) {
        for (BoundsChecks b : values()) {
            if (b.optionName().equals(s)) {
                return b;
            }
        }
        throw new IllegalArgumentException("bounds-checks must be 'guard' or 'explicit', got '" + s + "'");
    }
}
