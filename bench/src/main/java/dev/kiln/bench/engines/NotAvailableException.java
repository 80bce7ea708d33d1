package dev.kiln.bench.engines;

/**
 * An engine cannot run a kernel (the report shows {@code n/a} with {@link #getMessage()}): the engine
 * rejects the module (for Kiln today: "... is not supported yet"), its native library does not load,
 * or it needs something this machine lacks.
 */
public final class NotAvailableException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An engine cannot run a kernel for {@code reason}. */
    public NotAvailableException(String reason, Throwable cause) {
        super(reason, cause);
    }

    /** An engine cannot run a kernel for {@code reason}. */
    public NotAvailableException(String reason) {
        super(reason);
    }

    /** The reason from {@code t}: its message, or its class name when it has none. */
    public static String reasonOf(Throwable t) {
        String m = t.getMessage();
        return (m == null || m.isBlank() ? t.getClass().getName() : m).replaceAll("\\s+", " ").strip();
    }
}
