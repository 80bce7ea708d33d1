package dev.kiln.abi;

/**
 * Options for compiling a module. Recorded in the artifact so a loader can tell how its code was
 * made. Immutable and thread-safe.
 *
 * @param verifyIr    run the IR verifier after translation and after every pass (slower; tests
 *                    turn it on)
 * @param parallelism how many functions to compile at once; 0 means one per available processor
 */
public record CompileOptions(boolean verifyIr, int parallelism) {
    public CompileOptions {
        if (parallelism < 0) {
            throw new IllegalArgumentException("parallelism must be >= 0, got " + parallelism);
        }
    }

    /** The defaults: no IR verification, one worker per processor. */
    public static CompileOptions defaults() {
        return new CompileOptions(false, 0);
    }

    /** These options with IR verification switched on or off. */
    public CompileOptions withVerifyIr(boolean on) {
        return new CompileOptions(on, parallelism);
    }
}
