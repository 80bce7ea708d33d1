package dev.kiln.cli;

/**
 * The exit statuses of the {@code kiln} command.
 *
 * <p>A trap exits with {@link #TRAP} = 134 = 128 + SIGABRT (6), as Wasmtime's CLI does on Unix: it
 * looks to the shell like a process killed by {@code abort()}, the native equivalent of a trap.
 */
public final class ExitCodes {
    private ExitCodes() {
    }

    /** Success. */
    public static final int OK = 0;
    /** An error: unreadable file, malformed or invalid module, malformed artifact, failing spec script. */
    public static final int ERROR = 1;
    /** A usage error (Picocli's {@code ExitCode.USAGE}): unknown option, missing or bad argument. */
    public static final int USAGE = 2;
    /** The guest trapped: 128 + SIGABRT, Wasmtime's convention on Unix. */
    public static final int TRAP = 134;
}
