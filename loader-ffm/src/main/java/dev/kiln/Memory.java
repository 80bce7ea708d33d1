package dev.kiln;

import dev.kiln.abi.VMContextLayout;
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
    private final MemorySegment vmctx;
    private final VMContextLayout layout;
    private final int memidx;
    private final LinearMemoryReservation reservation;
    private final long maxPages;

    Memory(Store store, MemorySegment vmctx, VMContextLayout layout, int memidx, LinearMemoryReservation reservation,
            long maxPages) {
        this.store = store;
        this.vmctx = vmctx;
        this.layout = layout;
        this.memidx = memidx;
        this.reservation = reservation;
        this.maxPages = maxPages;
    }

    /** The current length in bytes (a multiple of {@link #PAGE_SIZE}). */
    public long byteSize() {
        store.ensureOpen();
        return vmctx.get(ValueLayout.JAVA_LONG, layout.memoryLength(memidx));
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
        vmctx.set(ValueLayout.JAVA_LONG, layout.memoryLength(memidx), newBytes);
        return old;
    }
}
