package dev.kiln.abi;

/**
 * Options for compiling a module. Recorded in the artifact so a loader can tell how its code was
 * made. Immutable and thread-safe.
 *
 * @param verifyIr    run the IR verifier after translation and after every pass (slower; tests
 *                    turn it on)
 * @param parallelism how many functions to compile at once; 0 means one per available processor, fewer
 *                    when the heap is small (the compiler driver bounds the workers by the heap)
 * @param cpuFeatures the optional CPU features code may use, as a {@link CpuFeature} mask; -1 means
 *                    those of the machine compiling ({@link CpuFeature#host()})
 * @param spectreGuard whether the checked native-memory intrinsics of compile-time builtins (DESIGN
 *                    §4) also guard against speculative out-of-bounds reads (Spectre v1): on the
 *                    out-of-bounds side the address is made null with a conditional move, so even a
 *                    mispredicted bounds check cannot read beyond the buffer. On by default; turning it
 *                    off saves a compare and a conditional move per access and is for trusted code
 *                    only (like Wasmtime's option for its own guards). The bounds check and its trap
 *                    stay either way.
 * @param epochInterruption compile epoch checks in (Wasmtime's {@code epoch_interruption}): at every
 *                    function entry and loop header, code loads the engine's epoch and compares it
 *                    with the store's deadline ({@link VMStoreContext#EPOCH_DEADLINE}); past it, an
 *                    out-of-line slow path calls the host, which extends the deadline or traps with
 *                    {@link TrapCode#INTERRUPT}. Off by default: then no check is emitted at all
 * @param consumeFuel  compile fuel metering in (Wasmtime's {@code consume_fuel}): every basic block
 *                    charges its Wasm instruction count to the store's fuel on entry and traps with
 *                    {@link TrapCode#OUT_OF_FUEL} when the fuel left cannot pay for it. Off by default
 * @param boundsChecks how loads and stores of linear memory are kept in bounds: {@link BoundsChecks#GUARD}
 *                    (no check on 32-bit memories, guard pages and a signal handler; only where the
 *                    backend supports it, x86-64 and AArch64, and only for 32-bit memories: everything else gets
 *                    explicit checks) or {@link BoundsChecks#EXPLICIT}. The default is
 *                    {@link #DEFAULT_BOUNDS_CHECKS}
 */
public record CompileOptions(boolean verifyIr, int parallelism, long cpuFeatures, boolean spectreGuard,
        boolean epochInterruption, boolean consumeFuel, BoundsChecks boundsChecks) {
    /** The bounds-check mode of {@link #defaults()}. */
    public static final BoundsChecks DEFAULT_BOUNDS_CHECKS = BoundsChecks.GUARD;

    public CompileOptions {
        if (parallelism < 0) {
            throw new IllegalArgumentException("parallelism must be >= 0, got " + parallelism);
        }
        java.util.Objects.requireNonNull(boundsChecks, "boundsChecks");
    }

    /** Options with the default bounds checks ({@link #DEFAULT_BOUNDS_CHECKS}). */
    public CompileOptions(boolean verifyIr, int parallelism, long cpuFeatures, boolean spectreGuard,
            boolean epochInterruption, boolean consumeFuel) {
        this(verifyIr, parallelism, cpuFeatures, spectreGuard, epochInterruption, consumeFuel, DEFAULT_BOUNDS_CHECKS);
    }

    /** Options with the Spectre guard on, without epoch interruption and fuel metering. */
    public CompileOptions(boolean verifyIr, int parallelism, long cpuFeatures) {
        this(verifyIr, parallelism, cpuFeatures, true, false, false);
    }

    /**
     * The defaults: no IR verification, one worker per processor, the host's CPU features, the Spectre
     * guard on, {@link #DEFAULT_BOUNDS_CHECKS}.
     */
    public static CompileOptions defaults() {
        return new CompileOptions(false, 0, -1);
    }

    /** These options with IR verification switched on or off. */
    public CompileOptions withVerifyIr(boolean on) {
        return new CompileOptions(on, parallelism, cpuFeatures, spectreGuard, epochInterruption, consumeFuel, boundsChecks);
    }

    /** These options with code limited to {@code features} (e.g. none: the x86-64 baseline). */
    public CompileOptions withCpuFeatures(java.util.Set<CpuFeature> features) {
        return new CompileOptions(verifyIr, parallelism, CpuFeature.mask(features), spectreGuard, epochInterruption,
                consumeFuel, boundsChecks);
    }

    /** These options with the Spectre guard of checked intrinsics switched on (the default) or off. */
    public CompileOptions withSpectreGuard(boolean on) {
        return new CompileOptions(verifyIr, parallelism, cpuFeatures, on, epochInterruption, consumeFuel, boundsChecks);
    }

    /** These options with epoch checks at function entries and loop headers compiled in or not. */
    public CompileOptions withEpochInterruption(boolean on) {
        return new CompileOptions(verifyIr, parallelism, cpuFeatures, spectreGuard, on, consumeFuel, boundsChecks);
    }

    /** These options with fuel metering compiled in or not. */
    public CompileOptions withConsumeFuel(boolean on) {
        return new CompileOptions(verifyIr, parallelism, cpuFeatures, spectreGuard, epochInterruption, on, boundsChecks);
    }

    /** These options with bounds checks of linear memory made {@code mode} ({@link BoundsChecks}). */
    public CompileOptions withBoundsChecks(BoundsChecks mode) {
        return new CompileOptions(verifyIr, parallelism, cpuFeatures, spectreGuard, epochInterruption, consumeFuel,
                mode);
    }

    /** The CPU features code may use: {@link #cpuFeatures()} resolved against the host. */
    public java.util.Set<CpuFeature> resolvedCpuFeatures() {
        return cpuFeatures == -1 ? CpuFeature.host() : CpuFeature.fromMask(cpuFeatures);
    }

    /**
     * The record's usual form, {@code CompileOptions[verifyIr=false, parallelism=0, ...]} with every
     * component in declaration order, written out: the compile cache keys its entries by it, and the
     * record's generated {@code toString} would cost every fresh JVM a bootstrap (about 15 ms of
     * interpreted method-handle spinning that the JDK's ahead-of-time cache does not keep).
     * {@code CompileOptionsTest} checks that it names every component.
     */
    @Override
    public String toString() {
        return "CompileOptions[verifyIr=" + verifyIr + ", parallelism=" + parallelism + ", cpuFeatures=" + cpuFeatures
                + ", spectreGuard=" + spectreGuard + ", epochInterruption=" + epochInterruption + ", consumeFuel="
                + consumeFuel + ", boundsChecks=" + boundsChecks + "]";
    }
}
