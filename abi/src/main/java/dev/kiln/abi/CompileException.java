package dev.kiln.abi;

/**
 * A module could not be compiled: it is malformed, invalid, or uses something the compiler does
 * not support yet. Subclasses in the compiler carry the byte offset and function index; the message
 * always names them and the reason.
 */
public class CompileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, where (byte offset, function index) and why */
    public CompileException(String message) {
        super(message);
    }

    /** @param message what is wrong and where; {@code cause} the underlying failure */
    public CompileException(String message, Throwable cause) {
        super(message, cause);
    }
}
