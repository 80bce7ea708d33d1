package dev.kiln;

import dev.kiln.abi.VMMemoryDefinition;
import dev.kiln.loader.LinearMemoryReservation;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A WebAssembly linear memory (spec §2.5.5): a byte array of a whole number of 64 KiB pages that
 * Wasm code and Java share. It lives in a reservation of address space that is never moved, so
 * {@link #segment()} is a zero-copy view; growing commits more pages of the same reservation.
 *
 * <pre>{@code
 * Memory memory = instance.memory("memory");
 * MemorySegment bytes = memory.segment();                 // current length, little-endian
 * int word = bytes.get(ValueLayout.JAVA_INT_UNALIGNED, 16);
 * }</pre>
 *
 * <p>Belongs to its store and follows its thread-safety rules. A segment obtained before a
 * {@code grow} stays valid but does not cover the new pages: ask again.
 */
public final class Memory implements Extern {
    /** Bytes in a Wasm page (64 KiB). */
    public static final long PAGE_SIZE = 65536;

    private final Store store;
    private final MemorySegment def;
    private final LinearMemoryReservation reservation;
    private final long maxPages;
    private final boolean hasMax;

    /**
     * @param def the memory's {@link VMMemoryDefinition} (in a VMContext or in store memory), which this
     *            method fills in
     */
    Memory(Store store, MemorySegment def, long minPages, long declaredMaxPages) {
        this.store = store;
        this.def = def;
        this.hasMax = declaredMaxPages >= 0;
        this.maxPages = declaredMaxPages < 0 ? 65536 : Math.min(declaredMaxPages, 65536);
        this.reservation = LinearMemoryReservation.forMemory32(minPages);
        store.own(reservation);
        def.set(ValueLayout.JAVA_LONG, VMMemoryDefinition.BASE, reservation.base());
        def.set(ValueLayout.JAVA_LONG, VMMemoryDefinition.LENGTH, minPages * PAGE_SIZE);
        def.set(ValueLayout.JAVA_LONG, VMMemoryDefinition.MAX_LENGTH, maxPages * PAGE_SIZE);
    }

    /**
     * A memory created by the host, for modules to import (like the spec's {@code spectest.memory}).
     *
     * @param minPages initial size in 64 KiB pages
     * @param maxPages maximum size in pages, or -1 for none (then 65536, 4 GiB)
     * @throws IllegalArgumentException if the limits are invalid
     */
    public static Memory create(Store store, long minPages, long maxPages) {
        if (minPages < 0 || minPages > 65536 || (maxPages >= 0 && (maxPages < minPages || maxPages > 65536))) {
            throw new IllegalArgumentException("invalid memory limits " + minPages + ".." + maxPages);
        }
        return new Memory(store, store.allocate(VMMemoryDefinition.BYTES, 8), minPages, maxPages);
    }

    /** The address of the memory's {@link VMMemoryDefinition} (what importers point to). */
    MemorySegment definition() {
        return def;
    }

    Store store() {
        return store;
    }

    /** Whether the memory was declared with a maximum. */
    boolean hasMax() {
        return hasMax;
    }

    /** The current length in bytes (a multiple of {@link #PAGE_SIZE}). */
    public long byteSize() {
        store.ensureOpen();
        return def.get(ValueLayout.JAVA_LONG, VMMemoryDefinition.LENGTH);
    }

    /** The current size in 64 KiB pages. */
    public long size() {
        return byteSize() / PAGE_SIZE;
    }

    /** The maximum size in pages this memory may grow to. */
    public long maxSize() {
        return maxPages;
    }

    /**
     * A read-write view of the memory's current bytes, valid until the store is closed.
     *
     * @throws IllegalStateException if the store is closed
     */
    public MemorySegment segment() {
        return MemorySegment.ofAddress(reservation.base()).reinterpret(byteSize());
    }

    /**
     * Grows the memory by {@code deltaPages} pages of zeros (spec §4.5.3.8 grow).
     *
     * @return the previous size in pages, or -1 if the maximum would be exceeded or the pages cannot
     *         be committed (as {@code memory.grow} in Wasm)
     * @throws IllegalArgumentException if {@code deltaPages} is negative
     */
    public long grow(long deltaPages) {
        if (deltaPages < 0) {
            throw new IllegalArgumentException("cannot grow by a negative number of pages: " + deltaPages);
        }
        long old = size();
        if (deltaPages > maxPages - old) {
            return -1;
        }
        long newBytes = (old + deltaPages) * PAGE_SIZE;
        try {
            reservation.commit(Math.max(newBytes, reservation.committedBytes()));
        } catch (RuntimeException e) {
            return -1;
        }
        def.set(ValueLayout.JAVA_LONG, VMMemoryDefinition.LENGTH, newBytes);
        return old;
    }
}
