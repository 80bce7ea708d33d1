package dev.kiln;

import dev.kiln.abi.CompileOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Global configuration shared by modules and stores: how code is compiled and how much native
 * stack a call into Wasm may use. Immutable and thread-safe; one engine is typically shared by a
 * whole application.
 *
 * <pre>{@code
 * Engine engine = Engine.builder().stackBudget(1 << 20).build();
 * Module module = Module.compile(engine, watOrWasmBytes);
 * }</pre>
 */
public final class Engine {
    /** Default native stack budget of a call from Java into Wasm: 512 KiB. */
    public static final long DEFAULT_STACK_BUDGET = 512 * 1024;

    private final long stackBudget;
    private final CompileOptions compileOptions;
    private final CompileCache compileCache;

    /**
     * The epoch counter (Wasmtime's engine epoch), a native u64 whose address each store's context
     * records; {@link #incrementEpoch} compares it with the stores' deadlines. Lives as long as the
     * engine (stores keep it).
     */
    private final MemorySegment epoch = Arena.ofAuto().allocate(8, 8);
    private static final VarHandle EPOCH = ValueLayout.JAVA_LONG.varHandle();

    private Engine(Builder b) {
        this.stackBudget = b.stackBudget;
        this.compileOptions = b.compileOptions;
        this.compileCache = b.compileCache;
    }

    /** Whether modules are compiled with epoch checks ({@link Builder#epochInterruption}). */
    public boolean epochInterruption() {
        return compileOptions.epochInterruption();
    }

    /** Whether modules are compiled with fuel metering ({@link Builder#consumeFuel}). */
    public boolean consumeFuel() {
        return compileOptions.consumeFuel();
    }

    /**
     * The current epoch: 0 when the engine is built, then one more per {@link #incrementEpoch()}.
     * Thread-safe.
     */
    public long epoch() {
        return (long) EPOCH.getVolatile(epoch, 0L);
    }

    /**
     * Advances the epoch by one tick (Wasmtime's {@code Engine::increment_epoch}): code of every
     * store of this engine whose deadline ({@link Store#setEpochDeadline}) is now reached stops at
     * its next function entry or loop header. Thread-safe and lock-free; meant to be called from
     * another thread, typically a ticker ({@link #startEpochTicker}). It visits the open stores of
     * the engine (when it was built with epoch interruption) and raises the interrupt flag of those
     * whose deadline is reached, which is what their code tests: time linear in the number of open
     * stores, unlike Wasmtime's single increment, so that a check in generated code is one compare.
     * Has no effect on code compiled without epoch interruption.
     */
    public void incrementEpoch() {
        long now = (long) EPOCH.getAndAdd(epoch, 0L, 1L) + 1;
        for (Store s : interruptible) {
            s.epochReached(now);
        }
    }

    /** Open stores of this engine with epoch interruption, which {@link #incrementEpoch} visits. */
    private final java.util.Set<Store> interruptible = java.util.concurrent.ConcurrentHashMap.newKeySet();

    void registerInterruptible(Store store) {
        interruptible.add(store);
    }

    void unregisterInterruptible(Store store) {
        interruptible.remove(store);
    }

    /**
     * Starts a daemon thread that calls {@link #incrementEpoch()} every {@code interval}, as
     * Wasmtime embedders do to turn deadlines in ticks into wall-clock time. Close the result to
     * stop it.
     *
     * @param interval time between ticks, at least 1 ms
     * @throws IllegalArgumentException if {@code interval} is below 1 ms
     */
    public AutoCloseable startEpochTicker(java.time.Duration interval) {
        if (interval.compareTo(java.time.Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("epoch tick interval must be at least 1 ms, got " + interval);
        }
        long nanos = interval.toNanos();
        Thread t = Thread.ofPlatform().daemon().name("kiln-epoch-ticker").start(() -> {
            long next = System.nanoTime() + nanos;
            while (!Thread.currentThread().isInterrupted()) {
                java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
                if (System.nanoTime() - next >= 0) {
                    incrementEpoch();
                    next += nanos;
                }
            }
        });
        return t::interrupt;
    }

    /** Address of the epoch counter, for store contexts. */
    long epochAddress() {
        return epoch.address();
    }

    /** An engine with the default configuration. */
    public static Engine create() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Bytes of native stack that a call from Java into Wasm may use below the point where Java called
     * it; deeper recursion traps with {@code call stack exhausted} ({@link dev.kiln.abi.TrapCode#STACK_OVERFLOW}).
     *
     * <p><b>Re-entrancy.</b> The budget is measured from the <em>outermost</em> call on the thread, as
     * Wasmtime measures {@code max_wasm_stack}: when Wasm calls a host function that calls Wasm again,
     * the Java frames in between count against the same budget. A guest that recurses through the host
     * therefore uses the budget faster: each Wasm → Java → Wasm level costs about 3 KiB of Java frames
     * (measured on JDK 25, x86-64), so the default 512 KiB allows about 165 levels of re-entry, against
     * thousands of levels of plain Wasm recursion. This is deliberate: the budget bounds the native stack
     * a guest can make the caller's thread use, whatever frames it is made of. Embedders whose guests
     * re-enter deeply raise the budget (and run the calls on a thread with a stack to match).
     *
     * <p><b>Thread stacks.</b> The limit is also never set below the calling thread's stack floor: the
     * end of its stack plus the JVM's guard zones and 64 KiB for host calls (Java threads have 1 MiB
     * by default, set with {@code -Xss} or the {@link Thread} constructor). A budget larger than what
     * the thread has left is therefore safe: recursion then traps when the thread's stack runs out.
     */
    public long stackBudget() {
        return stackBudget;
    }

    /** Options used by {@link Module#compile}. */
    public CompileOptions compileOptions() {
        return compileOptions;
    }

    /**
     * The compile cache {@link Module#compile} consults and fills, if this engine has one (by default
     * it has none).
     */
    public java.util.Optional<CompileCache> compileCache() {
        return java.util.Optional.ofNullable(compileCache);
    }

    /** Builds an {@link Engine}. Not thread-safe. */
    public static final class Builder {
        private long stackBudget = DEFAULT_STACK_BUDGET;
        private CompileOptions compileOptions = CompileOptions.defaults();
        private CompileCache compileCache;

        private Builder() {
        }

        /**
         * Sets {@link Engine#stackBudget()} (how re-entrant calls count against it is explained there).
         *
         * @param bytes native stack budget of a call into Wasm, in bytes (at least 16 KiB)
         * @throws IllegalArgumentException if {@code bytes} is below 16 KiB
         */
        public Builder stackBudget(long bytes) {
            if (bytes < 16 * 1024) {
                throw new IllegalArgumentException("stack budget must be at least 16 KiB, got " + bytes);
            }
            this.stackBudget = bytes;
            return this;
        }

        /**
         * Compiles epoch checks into every module (Wasmtime's {@code Config::epoch_interruption}):
         * function entries and loop headers test an interrupt flag that the store raises once the
         * engine's {@link #epoch()} reaches its deadline, at the cost of one compare with memory and a
         * branch not taken each (no register is kept for it). Stores then accept
         * {@link Store#setEpochDeadline}, {@link Store#epochDeadlineCallback} and
         * {@link Store#setTimeout}. Off by default, and then no check is compiled at all. Applies to the
         * compile options set so far (a later {@link #compileOptions} replaces it).
         */
        public Builder epochInterruption(boolean on) {
            this.compileOptions = compileOptions.withEpochInterruption(on);
            return this;
        }

        /**
         * Compiles fuel metering into every module (Wasmtime's {@code Config::consume_fuel}): each
         * basic block charges its Wasm instruction count to the store's fuel on entry and traps with
         * {@code all fuel consumed} when not enough is left. Stores then accept {@link Store#setFuel},
         * {@link Store#getFuel} and {@link Store#addFuel}; a store starts with no fuel. Off by default.
         * Applies to the compile options set so far (a later {@link #compileOptions} replaces it).
         */
        public Builder consumeFuel(boolean on) {
            this.compileOptions = compileOptions.withConsumeFuel(on);
            return this;
        }

        /** @param options options for compiling modules */
        public Builder compileOptions(CompileOptions options) {
            this.compileOptions = java.util.Objects.requireNonNull(options);
            return this;
        }

        /**
         * Makes {@link Module#compile} (and {@link Module.Builder#compile}) look modules up in
         * {@code cache} before compiling and store what they compile, e.g.
         * {@code compileCache(CompileCache.open(CompileCache.defaultDirectory()))}.
         *
         * @param cache the cache, or {@code null} for none (the default)
         * @return this builder
         */
        public Builder compileCache(CompileCache cache) {
            this.compileCache = cache;
            return this;
        }

        /** The engine. */
        public Engine build() {
            return new Engine(this);
        }
    }
}
