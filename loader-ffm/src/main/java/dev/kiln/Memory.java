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
 * <p><b>Reservation and commit.</b> Every memory (32-bit index) reserves 8 GiB of address space
 * ({@code mmap} {@code PROT_NONE}, {@code MAP_NORESERVE}: neither RAM nor swap, and not counted by the
 * kernel's overcommit accounting), so that it never moves and no bounds-checked access can leave
 * it. Its current length is made readable and writable with {@code mprotect} ("committed"); growing
 * commits more of the reservation. Committed pages take physical memory only when first touched
 * (anonymous memory reads as zero until written), and stay until the store closes: memories never
 * shrink. So a memory's footprint is the pages the guest has written, at most its length, which is
 * at most its declared maximum (4 GiB without one) and the store's {@link StoreLimits#memorySize()}
 * ({@code kiln run -W max-memory-size=BYTES}). The address space of all reservations counts against
 * {@code ulimit -v}.
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
        long limit64 = MEMORY64_RESERVATION_LIMIT / PAGE_SIZE;
        if (memory64) {
            if (minPages < 0 || minPages > limit64) {
                throw new IllegalArgumentException("a 64-bit memory of " + Long.toUnsignedString(minPages)
                        + " pages exceeds the reservation limit of " + limit64 + " pages (" + MEMORY64_RESERVATION_LIMIT
                        + " bytes; system property kiln.memory64.reservation)");
            }
            this.maxPages = declaredMaxPages < 0 ? limit64 : Math.min(declaredMaxPages, limit64);
        } else {
            this.maxPages = declaredMaxPages < 0 ? 65536 : Math.min(declaredMaxPages, 65536);
        }
        // the store's limit lowers the maximum length that memory.grow (generated code and grow()) respects
        long limitBytes = store.limits().memoryBytes(maxPages * PAGE_SIZE);
        if (minPages * PAGE_SIZE > limitBytes) {
            throw new ResourceLimitException("a memory of " + minPages + " pages (" + minPages * PAGE_SIZE
                    + " bytes) initially is above the store's limit of " + store.limits().memorySize() + " bytes per memory");
        }
        this.reservation = memory64
                ? LinearMemoryReservation.reserve(Math.max(maxPages, 1) * PAGE_SIZE, minPages * PAGE_SIZE)
                : LinearMemoryReservation.forMemory32(minPages);
        store.own(reservation);
        def.set(ValueLayout.JAVA_LONG, VMMemoryDefinition.BASE, reservation.base());
        def.set(ValueLayout.JAVA_LONG, VMMemoryDefinition.LENGTH, minPages * PAGE_SIZE);
        def.set(ValueLayout.JAVA_LONG, VMMemoryDefinition.MAX_LENGTH, limitBytes);
    }

    /**
     * A memory created by the host, for modules to import (like the spec's {@code spectest.memory}).
     *
     * @param minPages initial size in 64 KiB pages
     * @param maxPages maximum size in pages, or -1 for none (then 65536, 4 GiB)
     * @throws IllegalArgumentException if the limits are invalid
     * @throws ResourceLimitException   if the store may create no more memories, or {@code minPages}
     *                                  is above its {@link StoreLimits#memorySize()}
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
        store.reserve(0, 0, 1, "creating a memory");
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
     * A read-write view of the memory's current bytes, valid until the store is closed: the segment's
     * scope is the store's, so accessing it afterwards throws {@link IllegalStateException} (the memory
     * is unmapped then).
     *
     * @throws IllegalStateException if the store is closed
     */
    public MemorySegment segment() {
        long length = byteSize();
        MemorySegment s = view;
        if (s == null || s.byteSize() != length) {
            view = s = MemorySegment.ofAddress(reservation.base()).reinterpret(length, store.arena(), null);
        }
        return s;
    }

    /*
     * The last views segment() and rawSegment() made; the base never moves, so a view stays right
     * while the length is the same. A host function asks for one on every call, and reinterpret, a
     * restricted method, looks up its caller each time (a stack walk wherever the JIT has not
     * intrinsified that lookup). Racing threads at worst each make a view: segments are immutable.
     */
    private MemorySegment view;
    private MemorySegment rawView;

    // ---- bytes and strings at guest addresses ---------------------------------------------------

    /**
     * Checks that {@code [address, address + length)} lies within the memory's current bytes.
     *
     * @return the current bytes (without the store's scope: for immediate use only)
     * @throws IndexOutOfBoundsException naming the address, the length and the memory's size
     */
    private MemorySegment checked(long address, long length) {
        long size = byteSize();
        if (address < 0 || length < 0 || address > size || length > size - address) {
            throw new IndexOutOfBoundsException(String.format("memory access at address 0x%x (%d) of %d bytes is out of"
                    + " bounds of the memory's %d bytes", address, address, length, size));
        }
        return rawSegment();
    }

    /**
     * Copies {@code length} bytes starting at guest address {@code address}.
     *
     * @param address byte address in the memory (a Wasm {@code i32} taken as unsigned)
     * @throws IndexOutOfBoundsException if the range is not inside the memory; the message names the address
     * @throws IllegalStateException     if the store is closed
     */
    public byte[] read(long address, int length) {
        MemorySegment m = checked(address, length);
        return m.asSlice(address, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * Copies {@code bytes} to guest address {@code address}; nothing is written if they do not fit.
     *
     * @throws IndexOutOfBoundsException if the range is not inside the memory; the message names the address
     * @throws IllegalStateException     if the store is closed
     */
    public void write(long address, byte[] bytes) {
        MemorySegment m = checked(address, bytes.length);
        MemorySegment.copy(bytes, 0, m, ValueLayout.JAVA_BYTE, address, bytes.length);
    }

    /**
     * Decodes the {@code length} bytes at {@code address} as UTF-8 (a pointer and a length, as Rust,
     * WASI and the component model pass strings).
     *
     * @param address byte address of the first byte
     * @param length  number of bytes (not characters)
     * @throws IndexOutOfBoundsException if the bytes are not inside the memory; the message names the address
     * @throws IllegalArgumentException  if they are not valid UTF-8; the message names the address
     * @throws IllegalStateException     if the store is closed
     */
    public String readString(long address, int length) {
        return decode(address, read(address, length));
    }

    /**
     * Encodes {@code s} as UTF-8 at {@code address}, without a terminator; nothing is written if it
     * does not fit.
     *
     * @return the number of bytes written
     * @throws IndexOutOfBoundsException if the bytes do not fit inside the memory; the message names the address
     * @throws IllegalStateException     if the store is closed
     */
    public int writeString(long address, String s) {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        write(address, bytes);
        return bytes.length;
    }

    /**
     * Decodes the NUL-terminated UTF-8 string at {@code address} (a C {@code char *}); the NUL is not
     * part of the result.
     *
     * @throws IndexOutOfBoundsException if {@code address} is outside the memory or no NUL byte follows
     *                                   it before the memory's end; the message names the address
     * @throws IllegalArgumentException  if the bytes are not valid UTF-8
     * @throws IllegalStateException     if the store is closed
     */
    public String readCString(long address) {
        MemorySegment m = checked(address, 0);
        long size = m.byteSize();
        long end = address;
        while (end < size && m.get(ValueLayout.JAVA_BYTE, end) != 0) {
            end++;
        }
        if (end == size) {
            throw new IndexOutOfBoundsException(String.format("no NUL terminator after the string at address 0x%x (%d)"
                    + " before the end of the memory's %d bytes", address, address, size));
        }
        return readString(address, Math.toIntExact(end - address));
    }

    /**
     * Encodes {@code s} as UTF-8 followed by a NUL byte at {@code address}; nothing is written if it
     * does not fit.
     *
     * @return the number of bytes written, the NUL included
     * @throws IllegalArgumentException  if {@code s} contains the character U+0000
     * @throws IndexOutOfBoundsException if the bytes do not fit inside the memory; the message names the address
     * @throws IllegalStateException     if the store is closed
     */
    public int writeCString(long address, String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a C string cannot contain U+0000 (at index " + s.indexOf('\0') + ")");
        }
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] bytes = java.util.Arrays.copyOf(utf8, utf8.length + 1);
        write(address, bytes);
        return bytes.length;
    }

    private static String decode(long address, byte[] bytes) {
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException(String.format("the %d bytes at address 0x%x (%d) are not valid UTF-8",
                    bytes.length, address, address), e);
        }
    }

    /** The current bytes without the store's scope, for the runtime's own short-lived use. */
    MemorySegment rawSegment() {
        long length = byteSize();
        MemorySegment s = rawView;
        if (s == null || s.byteSize() != length) {
            rawView = s = MemorySegment.ofAddress(reservation.base()).reinterpret(length);
        }
        return s;
    }

    /**
     * Grows the memory by {@code deltaPages} pages of zeros (spec §4.5.3.8 grow).
     *
     * @return the previous size in pages, or -1 if the maximum or the store's
     *         {@link StoreLimits#memorySize()} would be exceeded or the pages cannot be committed (as
     *         {@code memory.grow} in Wasm)
     * @throws IllegalArgumentException if {@code deltaPages} is negative
     */
    public long grow(long deltaPages) {
        if (deltaPages < 0) {
            throw new IllegalArgumentException("cannot grow by a negative number of pages: " + deltaPages);
        }
        long old = size();
        long limitPages = def.get(ValueLayout.JAVA_LONG, VMMemoryDefinition.MAX_LENGTH) / PAGE_SIZE;
        if (deltaPages > limitPages - old) {
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

    /**
     * {@code memory.grow} executed by Wasm code (the runtime's libcall): {@link #grow}, except that a
     * growth refused only by the store's {@link StoreLimits#memorySize()} (the memory's own maximum
     * would allow it) throws when the store's limits ask for {@link StoreLimits#trapOnGrowFailure()}.
     *
     * @param deltaPages pages to add, {@code >= 0}
     * @return the previous size in pages, or -1
     * @throws ResourceLimitException when the store's limit refuses and its limits trap on that
     */
    long growFromWasm(long deltaPages) {
        long old = size();
        StoreLimits limits = store.limits();
        if (limits.trapOnGrowFailure() && deltaPages <= maxPages - old
                && (old + deltaPages) * PAGE_SIZE > def.get(ValueLayout.JAVA_LONG, VMMemoryDefinition.MAX_LENGTH)) {
            throw new ResourceLimitException("growing a memory of " + old + " pages by " + deltaPages
                    + " is above the store's limit of " + limits.memorySize() + " bytes per memory");
        }
        return grow(deltaPages);
    }
}
