package dev.kiln;

/**
 * Creating an instance, memory or table would exceed the {@link StoreLimits} of its store: too many
 * objects, or an initial size above the limit. The message names the limit and the sizes, e.g.
 * {@code "memory 0 needs 17 pages (1114112 bytes) initially, the store's limit is 1048576 bytes"}.
 * Nothing of the refused object is left in the store.
 */
public final class ResourceLimitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message which limit, and the sizes involved */
    public ResourceLimitException(String message) {
        super(message);
    }
}
