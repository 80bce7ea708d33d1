package dev.kiln.bench.engines;

/**
 * A kernel instantiated by one engine, ready to call. Not thread-safe: one caller at a time (JMH runs
 * each benchmark on one thread).
 */
public interface LoadedKernel extends AutoCloseable {
    /**
     * Calls the kernel's export {@code run(i32) -> i32}.
     *
     * @param n the work size (kernel specific, see {@link dev.kiln.bench.Kernel})
     * @return the 32-bit checksum
     * @throws RuntimeException whatever the engine throws on a trap
     */
    int run(int n);

    /** Releases the engine's resources (instances, native memory). */
    @Override
    void close();
}
