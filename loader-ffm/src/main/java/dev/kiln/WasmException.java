package dev.kiln;

import java.util.List;

/**
 * A WebAssembly exception (Wasm 3.0 exception handling) seen by Java: thrown by a call into Wasm when
 * a Wasm {@code throw} (or {@code throw_ref}) is not caught by any {@code try_table} below the
 * entry, carrying the {@link Tag} and the payload values.
 *
 * <p>A host function may throw one, with a tag of its store (one a module exports, or its own
 * {@link Tag}): it is thrown into the calling Wasm code as if by {@code throw}, and a {@code try_table}
 * there may catch it. This follows Wasmtime's rule: a host function makes a Wasm-catchable exception
 * only by explicitly throwing an exception object ({@code Store::throw} with the
 * {@code ThrownException} error), and every other host error is a trap. So any other exception a host
 * function throws is never caught by {@code catch_all}: it unwinds the Wasm frames and reaches the
 * Java caller unchanged. (The AArch64 backend does not deliver host-thrown exceptions to Wasm handlers:
 * they reach the Java caller.)
 *
 * <p>Immutable and thread-safe.
 */
public final class WasmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Tag tag;
    private final transient List<Val> values;

    /**
     * @param tag    the exception's tag
     * @param values the payload, one value per parameter of the tag's type
     * @throws IllegalArgumentException if the values do not match the tag's type
     */
    public WasmException(Tag tag, List<Val> values) {
        super("uncaught Wasm exception with tag " + tag.name() + " " + values);
        this.tag = tag;
        this.values = List.copyOf(values);
        if (values.size() != tag.type().params().size()) {
            throw new IllegalArgumentException("tag " + tag.name() + " carries " + tag.type().params() + ", got " + values);
        }
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).type() != tag.type().params().get(i)) {
                throw new IllegalArgumentException("tag " + tag.name() + " carries " + tag.type().params() + ", got " + values);
            }
        }
    }

    /** The tag the exception was thrown with. */
    public Tag tag() {
        return tag;
    }

    /** The payload values, in the order of the tag's parameters. */
    public List<Val> values() {
        return values;
    }
}
