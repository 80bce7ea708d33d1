package dev.kiln.abi;

/**
 * Receives the progress of one compilation: after each defined function is compiled, how many are
 * done and how many bytes of function bodies (the code section's entries) they had. Called from the
 * compiler's worker threads, possibly at once from several: implementations must be thread-safe and
 * quick (a progress line reads two volatile fields). The counts only grow; the last call has
 * {@code done == total}, unless compilation fails.
 */
@FunctionalInterface
public interface CompileProgress {
    /** Progress that goes nowhere. */
    CompileProgress NONE = (done, total, bytesDone, bytesTotal) -> {
    };

    /**
     * @param done       defined functions compiled so far
     * @param total      defined functions of the module (imports excluded)
     * @param bytesDone  bytes of the bodies of the compiled functions
     * @param bytesTotal bytes of all function bodies
     */
    void functionsCompiled(int done, int total, long bytesDone, long bytesTotal);
}
