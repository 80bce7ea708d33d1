package dev.kiln;

/**
 * Resource limits of a {@link Store} (Wasmtime's {@code StoreLimits}): the largest size of each
 * linear memory and table, and how many instances, tables and memories the store may create. Set
 * with {@link Store#limits(StoreLimits)}; they apply to what is created afterwards.
 *
 * <ul>
 * <li>Instantiation ({@link Instance#create}, {@link Linker#instantiate}) and {@link Memory#create} /
 *     {@link Table#create} throw {@link ResourceLimitException} when a count would be exceeded or an
 *     initial size is already above its limit.
 * <li>{@code memory.grow} (in Wasm, and {@link Memory#grow} from Java) past {@link #memorySize()}
 *     returns -1, as when the memory's own maximum is reached, or, in Wasm and when
 *     {@link Builder#trapOnGrowFailure} is set, ends the call with a {@link ResourceLimitException}.
 * <li>{@code table.grow} (in Wasm, and {@link Table#grow} from Java) past {@link #tableElements()}
 *     returns -1, or, when {@link Builder#trapOnGrowFailure} is set, ends the call with a
 *     {@link ResourceLimitException} (as Wasmtime's {@code trap_on_grow_failure}).
 * </ul>
 *
 * <pre>{@code
 * try (Store store = new Store(engine)) {
 *     store.limits(StoreLimits.builder().memorySize(16 << 20).instances(4).build());   // 16 MiB per memory
 *     Instance i = linker.instantiate(store, module);   // memory.grow beyond 16 MiB returns -1
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param memorySize        largest length of each linear memory in bytes (rounded down to whole
 *                          64 KiB pages when applied), or -1 for no limit beyond the memory's own maximum
 * @param tableElements     largest number of elements of each table, or -1 for no limit
 * @param instances         how many instances the store may create
 * @param tables            how many tables the store may create (defined by modules or by the host)
 * @param memories          how many linear memories the store may create (defined by modules or by the host)
 * @param trapOnGrowFailure whether a {@code memory.grow} or {@code table.grow} in Wasm refused by
 *                          {@link #memorySize} or {@link #tableElements} throws
 *                          {@link ResourceLimitException} instead of returning -1
 */
public record StoreLimits(long memorySize, long tableElements, int instances, int tables, int memories,
        boolean trapOnGrowFailure) {
    /** Wasmtime's defaults for the counts: 10,000 instances, tables and memories each. */
    public static final int DEFAULT_COUNT = 10_000;

    /**
     * @throws IllegalArgumentException if a size is below -1 or a count is negative
     */
    public StoreLimits {
        if (memorySize < -1 || tableElements < -1 || instances < 0 || tables < 0 || memories < 0) {
            throw new IllegalArgumentException("invalid store limits: memorySize " + memorySize + ", tableElements "
                    + tableElements + ", instances " + instances + ", tables " + tables + ", memories " + memories);
        }
    }

    private static final StoreLimits DEFAULTS = new StoreLimits(-1, -1, DEFAULT_COUNT, DEFAULT_COUNT, DEFAULT_COUNT, false);

    /** The limits of a new store: no size limits, {@value #DEFAULT_COUNT} of each kind of object. */
    public static StoreLimits defaults() {
        return DEFAULTS;
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The largest length in bytes a memory may have: the smaller of this limit and the memory's maximum. */
    long memoryBytes(long declaredMaxBytes) {
        if (memorySize < 0) {
            return declaredMaxBytes;
        }
        return Math.min(declaredMaxBytes, memorySize / Memory.PAGE_SIZE * Memory.PAGE_SIZE);
    }

    /** The largest number of elements a table may have: the smaller of this limit and its maximum. */
    long tableEntries(long declaredMax) {
        return tableElements < 0 ? declaredMax : Math.min(declaredMax, tableElements);
    }

    /** Builds {@link StoreLimits}. Not thread-safe. */
    public static final class Builder {
        private long memorySize = -1;
        private long tableElements = -1;
        private int instances = DEFAULT_COUNT;
        private int tables = DEFAULT_COUNT;
        private int memories = DEFAULT_COUNT;
        private boolean trapOnGrowFailure;

        private Builder() {
        }

        /** @param bytes largest length of each linear memory, in bytes (whole 64 KiB pages count) */
        public Builder memorySize(long bytes) {
            this.memorySize = bytes;
            return this;
        }

        /** @param elements largest number of elements of each table */
        public Builder tableElements(long elements) {
            this.tableElements = elements;
            return this;
        }

        /** @param count how many instances the store may create */
        public Builder instances(int count) {
            this.instances = count;
            return this;
        }

        /** @param count how many tables the store may create */
        public Builder tables(int count) {
            this.tables = count;
            return this;
        }

        /** @param count how many linear memories the store may create */
        public Builder memories(int count) {
            this.memories = count;
            return this;
        }

        /**
         * @param trap whether {@code table.grow} beyond {@link StoreLimits#tableElements} throws
         *             {@link ResourceLimitException} instead of returning -1 ({@code memory.grow} in Wasm
         *             always returns -1: it never leaves the generated code)
         */
        public Builder trapOnGrowFailure(boolean trap) {
            this.trapOnGrowFailure = trap;
            return this;
        }

        /** @throws IllegalArgumentException if a value is out of range */
        public StoreLimits build() {
            return new StoreLimits(memorySize, tableElements, instances, tables, memories, trapOnGrowFailure);
        }
    }
}
