package dev.kiln;

import dev.kiln.abi.FuncType;
import java.lang.foreign.MemorySegment;

/**
 * An exception tag (Wasm 3.0 exception handling, spec §4.2.11 "Tag instances"): an identity plus
 * the type of the payload its exceptions carry (a function type with parameters and no results).
 * Tags are identities: {@code catch $t} catches exactly the exceptions thrown with the same tag, and
 * an imported tag is the exporter's tag, so exceptions cross instances.
 *
 * <p>A module's tags come from {@link Instance#tag(String)} or {@link Instance#exports()}; a host can
 * create one with {@link #Tag(Store, FuncType)} and provide it as an import (a {@link Linker} or the
 * imports of {@link Instance#create}). Importing a tag of another type fails with a
 * {@link LinkException} ({@code incompatible import type}); exact type equivalence is required (tag
 * types are invariant).
 *
 * <p>Belongs to its store and follows its thread-safety rules.
 */
public final class Tag implements Extern {
    private final Store store;
    private final FuncType type;
    private final int typeId;
    private final MemorySegment identity;
    private final String name;

    /**
     * A new tag, distinct from every other.
     *
     * @param store the store it belongs to
     * @param type  the payload types as the function type's parameters; it must have no results
     * @throws IllegalArgumentException if {@code type} has results
     * @throws IllegalStateException    if the store is closed
     */
    public Tag(Store store, FuncType type) {
        this(store, type, RuntimeTypes.CANON.canonicalizeResolved(check(type)), "host tag");
    }

    Tag(Store store, FuncType type, int typeId, String name) {
        this.store = store;
        this.type = type;
        this.typeId = typeId;
        this.name = name;
        this.identity = store.allocate(8, 8);
        ExceptionSupport.registerTag(store, this);
    }

    private static FuncType check(FuncType type) {
        if (!type.results().isEmpty()) {
            throw new IllegalArgumentException("a tag's type has no results, this one has " + type.results());
        }
        return type;
    }

    /** The type: its parameters are the payload of the tag's exceptions. */
    public FuncType type() {
        return type;
    }

    /** The store the tag belongs to. */
    public Store store() {
        return store;
    }

    /** A name for messages: where the tag was defined ({@code tag 2 of module m}, its export name, or {@code host tag}). */
    public String name() {
        return name;
    }

    int typeId() {
        return typeId;
    }

    /** The identity exception objects carry: the address of the tag's runtime cell. */
    long identity() {
        return identity.address();
    }

    @Override
    public String toString() {
        return "tag " + name + " " + type;
    }
}
