package dev.kiln;

/**
 * A module's imports could not be satisfied (spec §4.5.4 instantiation: the module is
 * "unlinkable"): an import is missing or has another type than what is provided. The message
 * names the import ({@code "env" "log"}) and says which, in the reference interpreter's words
 * ({@code unknown import}, {@code incompatible import type}).
 *
 * <pre>{@code
 * try {
 *     linker.instantiate(store, module);
 * } catch (LinkException e) {
 *     System.err.println(e.getMessage());   // unknown import "env" "log"
 * }
 * }</pre>
 */
public final class LinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the import */
    public LinkException(String message) {
        super(message);
    }
}
