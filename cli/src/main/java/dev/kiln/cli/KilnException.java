package dev.kiln.cli;

/**
 * An error to report to the user as {@code Error: <message>} with an exit status, without a stack
 * trace: a missing file, an export that does not exist, an argument that does not parse, a missing
 * tool. The message says what went wrong and, where there is one, what to do about it.
 */
public final class KilnException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    /**
     * @param exitCode the process exit status to use ({@link ExitCodes#ERROR} or {@link ExitCodes#USAGE})
     * @param message  what went wrong and what to do
     */
    public KilnException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    /** An error with exit status {@link ExitCodes#ERROR}. */
    public static KilnException error(String message) {
        return new KilnException(ExitCodes.ERROR, message);
    }

    /** A usage error with exit status {@link ExitCodes#USAGE}. */
    public static KilnException usage(String message) {
        return new KilnException(ExitCodes.USAGE, message);
    }

    /** The process exit status. */
    public int exitCode() {
        return exitCode;
    }
}
