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
 *
 * <p><b>Reservations.</b> A 32-bit memory reserves 8 GiB of address space (no memory is committed
 * for it), more than any i32 address plus offset reaches. A 64-bit memory (Wasm 3.0 memory64)
 * reserves what its maximum allows, at most {@link #MEMORY64_RESERVATION_LIMIT} bytes (system property
 * {@code kiln.memory64.reservation}, in bytes, default 1 TiB): the memory never moves, so it can
 * grow in place up to that size; a {@code memory.grow} beyond it returns -1 (the spec allows growth
 * to fail), and a module whose 64-bit memory needs more than the limit as its minimum cannot be
 * instantiated. Only the pages that are touched become resident.
 */
public final class Memory implements Extern {
    /** Bytes in a Wasm page (64 KiB). */
    public static final long PAGE_SIZE = 65536;
    /**
     * Most bytes of address space one 64-bit memory reserves (and so its largest size): the system
     * property {@code kiln.memory64.reservation} (bytes, rounded down to whole pages), else 1 TiB.
     */
    public static final long MEMORY64_RESERVATION_LIMIT = reservationLimit();

    private static long reservationLimit() {
        long dflt = 1L << 40;
        String v = System.getProperty("kiln.memory64.reservation");
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            long bytes = Long.parseLong(v.strip());
            // at least one page; at most 2^31-1 pages so that sizes in pages fit memory.grow's libcall
            return Math.max(PAGE_SIZE, Math.min(bytes, (long) Integer.MAX_VALUE * PAGE_SIZE)) / PAGE_SIZE * PAGE_SIZE;
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private final Store store;
    private final MemorySegment def;
    private final LinearMemoryReservation reservation;
    private final long maxPages;
    private final boolean hasMax;
    private final boolean memory64;

    /**
     * @param def the memory's {@link VMMemoryDefinition} (in a VMContext or in store memory), which this
     *            method fills in
     */
    Memory(Store store, MemorySegment def, long minPages, long declaredMaxPages) {
        this(store, def, minPages, declaredMaxPages, false);
    }

    /**
     * @param memory64 whether the address type is i64
     * @throws IllegalArgumentException if a 64-bit memory's minimum exceeds {@link #MEMORY64_RESERVATION_LIMIT}
     */
    Memory(Store store, MemorySegment def, long minPages, long declaredMaxPages, boolean memory64) {
        this.store = store;
        this.def = def;
        this.memory64 = memory64;
        this.hasMax = declaredMaxPages >= 0;
        if (memory64) {
            long limit = MEMORY64_RESERVATION_LIMIT / PAGE_SIZE;
            if (minPages < 0 || minPages > limit) {
                throw new IllegalArgumentException("a 64-bit memory of " + Long.toUnsignedString(minPages)
                        + " pages exceeds the reservation limit of " + limit + " pages (" + MEMORY64_RESERVATION_LIMIT
                        + " bytes; system property kiln.memory64.reservation)");
            }
            this.maxPages = declaredMaxPages < 0 ? limit : Math.min(declaredMaxPages, limit);
            this.reservation = LinearMemoryReservation.reserve(Math.max(maxPages, 1) * PAGE_SIZE, minPages * PAGE_SIZE);
        } else {
            this.maxPages = declaredMaxPages < 0 ? 65536 : Math.min(declaredMaxPages, 65536);
            this.reservation = LinearMemoryReservation.forMemory32(minPages);
        }
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
        return create(store, minPages, maxPages, false);
    }

    /**
     * A memory created by the host, 32-bit or 64-bit (Wasm 3.0 memory64: its addresses, sizes and
     * {@code memory.grow} operands are i64).
     *
     * @param minPages initial size in 64 KiB pages
     * @param maxPages maximum size in pages, or -1 for none (then 65536 for a 32-bit memory, the
     *                 reservation limit for a 64-bit one)
     * @param memory64 whether the address type is i64
     * @throws IllegalArgumentException if the limits are invalid (32-bit: above 65536 pages; 64-bit:
     *                                  a minimum above {@link #MEMORY64_RESERVATION_LIMIT})
     */
    public static Memory create(Store store, long minPages, long maxPages, boolean memory64) {
        long most = memory64 ? 1L << 48 : 65536;
        if (minPages < 0 || minPages > most || (maxPages >= 0 && (maxPages < minPages || maxPages > most))) {
            throw new IllegalArgumentException("invalid memory limits " + minPages + ".." + maxPages);
        }
        return new Memory(store, store.allocate(VMMemoryDefinition.BYTES, 8), minPages, maxPages, memory64);
    }

    /** Whether the memory's address type is i64 (Wasm 3.0 memory64). */
    public boolean is64() {
        return memory64;
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
