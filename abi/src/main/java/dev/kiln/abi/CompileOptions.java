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
 * @param spectreGuard whether the checked native-memory intrinsics of compile-time builtins (DESIGN
 *                    §4) also guard against speculative out-of-bounds reads (Spectre v1): on the
 *                    out-of-bounds side the address is made null with a conditional move, so even a
 *                    mispredicted bounds check cannot read beyond the buffer. On by default; turning it
 *                    off saves a compare and a conditional move per access and is for trusted code
 *                    only (like Wasmtime's option for its own guards). The bounds check and its trap
 *                    stay either way.
 */
public record CompileOptions(boolean verifyIr, int parallelism, long cpuFeatures, boolean spectreGuard) {
    public CompileOptions {
        if (parallelism < 0) {
            throw new IllegalArgumentException("parallelism must be >= 0, got " + parallelism);
        }
    }

    /** Options with the Spectre guard on (see the record's components). */
    public CompileOptions(boolean verifyIr, int parallelism, long cpuFeatures) {
        this(verifyIr, parallelism, cpuFeatures, true);
    }

    /** The defaults: no IR verification, one worker per processor, the host's CPU features, the Spectre guard on. */
    public static CompileOptions defaults() {
        return new CompileOptions(false, 0, -1, true);
    }

    /** These options with IR verification switched on or off. */
    public CompileOptions withVerifyIr(boolean on) {
        return new CompileOptions(on, parallelism, cpuFeatures, spectreGuard);
    }

    /** These options with code limited to {@code features} (e.g. none: the x86-64 baseline). */
    public CompileOptions withCpuFeatures(java.util.Set<CpuFeature> features) {
        return new CompileOptions(verifyIr, parallelism, CpuFeature.mask(features), spectreGuard);
    }

    /** These options with the Spectre guard of checked intrinsics switched on (the default) or off. */
    public CompileOptions withSpectreGuard(boolean on) {
        return new CompileOptions(verifyIr, parallelism, cpuFeatures, on);
    }

    /** The CPU features code may use: {@link #cpuFeatures()} resolved against the host. */
    public java.util.Set<CpuFeature> resolvedCpuFeatures() {
        return cpuFeatures == -1 ? CpuFeature.host() : CpuFeature.fromMask(cpuFeatures);
    }
}
