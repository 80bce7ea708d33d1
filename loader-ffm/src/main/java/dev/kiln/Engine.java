package dev.kiln;

import dev.kiln.abi.CompileOptions;

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

    private Engine(Builder b) {
        this.stackBudget = b.stackBudget;
        this.compileOptions = b.compileOptions;
        this.compileCache = b.compileCache;
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
     * Bytes of native stack that Wasm code may use below the point where Java called it; deeper
     * recursion traps with {@code call stack exhausted}. It must be smaller than what the calling
     * thread has left (Java threads have 1 MiB by default, set with {@code -Xss} or the
     * {@link Thread} constructor).
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
