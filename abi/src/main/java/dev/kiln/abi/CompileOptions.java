package dev.kiln.abi;

/**
 * Options for compiling a module. Recorded in the artifact so a loader can tell how its code was
 * made. Immutable and thread-safe.
 *
 * @param verifyIr    run the IR verifier after translation and after every pass (slower; tests
 *                    turn it on)
 * @param parallelism how many functions to compile at once; 0 means one per available processor
 * @param cpuFeatures the optional CPU features code may use, as a {@link CpuFeature} mask; -1 means
 *                    those of the machine compiling ({@link CpuFeature#host()})
 */
public record CompileOptions(boolean verifyIr, int parallelism, long cpuFeatures) {
    public CompileOptions {
        if (parallelism < 0) {
            throw new IllegalArgumentException("parallelism must be >= 0, got " + parallelism);
        }
    }

    /** The defaults: no IR verification, one worker per processor, the host's CPU features. */
    public static CompileOptions defaults() {
        return new CompileOptions(false, 0, -1);
    }

    /** These options with IR verification switched on or off. */
    public CompileOptions withVerifyIr(boolean on) {
        return new CompileOptions(on, parallelism, cpuFeatures);
    }

    /** These options with code limited to {@code features} (e.g. none: the x86-64 baseline). */
    public CompileOptions withCpuFeatures(java.util.Set<CpuFeature> features) {
        return new CompileOptions(verifyIr, parallelism, CpuFeature.mask(features));
    }

    /** The CPU features code may use: {@link #cpuFeatures()} resolved against the host. */
    public java.util.Set<CpuFeature> resolvedCpuFeatures() {
        return cpuFeatures == -1 ? CpuFeature.host() : CpuFeature.fromMask(cpuFeatures);
    }
}
