package dev.kiln.loader;

/**
 * A libc call made by the Kiln runtime failed: it returned its error value and set {@code errno}.
 * The message names the function, its main arguments, the errno value and the C library's text for
 * it ({@code strerror}), e.g. {@code "mprotect(0x1, 4096, PROT_READ) failed: errno 22 (Invalid
 * argument)"}.
 *
 * <p>Immutable and thread-safe.
 */
public class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String function;
    private final int errno;

    /**
     * @param function  the libc function, e.g. {@code "mmap"}
     * @param call      how it was called, for the message (e.g. {@code "mmap(0x0, 4096, ...)"}),
     *                  or {@code null} to use just the function name
     * @param errno     the {@code errno} value captured right after the call
     * @param errorText the C library's description of {@code errno}
     */
    public NativeException(String function, String call, int errno, String errorText) {
        super((call == null ? function + "()" : call) + " failed: errno " + errno + " (" + errorText + ")");
        this.function = function;
        this.errno = errno;
    }

    /** The libc function that failed, e.g. {@code "mprotect"}. */
    public String function() {
        return function;
    }

    /** The {@code errno} value the call left (Linux numbering, e.g. 22 = {@code EINVAL}). */
    public int errno() {
        return errno;
    }
}
