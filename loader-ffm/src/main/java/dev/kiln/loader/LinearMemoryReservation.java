package dev.kiln.loader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The address-space reservation behind one WebAssembly linear memory (DESIGN.md §3 "Linear
 * memory"; Wasm spec §2.5.5 Memories, §4.2.8 Memory Instances).
 *
 * <p>{@link #reserve(long, long)} maps {@code reservedBytes} of {@code PROT_NONE} address space
 * ({@code MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE}: no memory or swap is committed for it) and makes
 * a prefix of {@code committedBytes} readable and writable with {@code mprotect}; {@link #commit(long)}
 * extends that prefix when the memory grows. The base address never changes, so compiled code may
 * keep it in a register, and because a 32-bit memory gets {@link #MEMORY32_RESERVATION} (8 GiB:
 * every {@code i32} address plus a static offset and access size of up to {@code 2^32 + 1} bytes,
 * {@link dev.kiln.abi.GuardHandlerLayout#MAX_UNCHECKED_OFFSET_PLUS_SIZE}), no access can leave the
 * reservation: code compiled with guard-page bounds checks relies on that for every access it does
 * not check. A 32-bit memory's reservation is registered with the {@link GuardSignalHandler}
 * for as long as it is mapped, so that code compiled with guard-page bounds checks may rely on the
 * inaccessible pages past the committed prefix instead of comparing. Committed bytes read as zero until written (anonymous memory), as Wasm requires.
 *
 * <p>Sizes here are in bytes; a Wasm page is {@link #WASM_PAGE_SIZE} (64 KiB), a multiple of every
 * host page size. Protection changes are applied to whole host pages: with a byte count that is not
 * a page multiple, the rest of the last page is also accessible to native code, but
 * {@link #segment()} covers exactly the committed bytes.
 *
 * <p><b>Pooling.</b> Closing a 32-bit memory's reservation does not unmap it: up to
 * {@link #POOL_CAPACITY} idle reservations are kept per process, their committed bytes zeroed and their
 * guard-handler entry removed, and {@link #forMemory32} takes one before mapping a new one (the
 * pooling allocator of Wasmtime, which keeps instantiation free of {@code mmap}, {@code munmap} and
 * the TLB shootdowns they cause). A reservation with at most {@link #KEEP_RESIDENT_BYTES} committed is
 * zeroed with stores and its pages stay resident; a larger one is released with
 * {@code madvise(MADV_DONTNEED)} (its pages read back as zero). Either way a reused memory reads as
 * zero everywhere, as a new one does, and only its committed prefix is accessible. The system property
 * {@code dev.kiln.memoryPoolSize} sets the capacity (0 turns pooling off).
 *
 * <p>Thread-safe: {@link #commit}, {@link #close} and the accessors may be called from any thread.
 * Segments from {@link #segment()} belong to a shared arena closed by {@link #close()}; using them
 * afterwards throws {@link IllegalStateException}.
 */
@SuppressWarnings("restricted") // loader-ffm is the one module allowed to call restricted FFM methods
public final class LinearMemoryReservation implements AutoCloseable {
    /** Size in bytes of a WebAssembly page: 65536 (64 KiB). */
    public static final long WASM_PAGE_SIZE = 64 * 1024;
    /** Bytes reserved for a 32-bit memory: 8 GiB (4 GiB of index space plus 4 GiB of static offset). */
    public static final long MEMORY32_RESERVATION = dev.kiln.abi.GuardHandlerLayout.MEMORY32_RESERVATION;

    /**
     * Idle 32-bit reservations kept for reuse per process (default 16, from the system property
     * {@code dev.kiln.memoryPoolSize}): 8 GiB of {@code PROT_NONE} address space each, plus what stays
     * resident (at most {@link #KEEP_RESIDENT_BYTES} each).
     */
    public static final int POOL_CAPACITY = Math.max(0, Integer.getInteger("dev.kiln.memoryPoolSize", 16));
    /** Committed bytes up to which a pooled reservation is zeroed with stores instead of {@code madvise}: 1 MiB. */
    public static final long KEEP_RESIDENT_BYTES = 1 << 20;

    /** An idle reservation: its base and how many bytes at its start are readable, writable and zero. */
    private record Idle(long base, long committedBytes) {
    }

    private static final java.util.concurrent.ConcurrentLinkedDeque<Idle> POOL = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private static final java.util.concurrent.atomic.AtomicInteger POOLED = new java.util.concurrent.atomic.AtomicInteger();

    private final long base;
    private final long reservedBytes;
    private final long pageSize;
    /** Created by the first {@link #segment()} only: closing a shared arena costs a thread handshake. */
    private Arena arena;
    private volatile long committedBytes;
    private boolean closed;
    /** The entry of a 32-bit memory in the guard-page handler's table, or null. */
    private GuardSignalHandler.Registration guard;

    private LinearMemoryReservation(long base, long reservedBytes, long pageSize) {
        this.base = base;
        this.reservedBytes = reservedBytes;
        this.pageSize = pageSize;
    }

    /**
     * Reserves address space and commits its first {@code committedBytes}.
     *
     * @param reservedBytes  bytes of address space to reserve, {@code > 0}; rounded up to host pages
     * @param committedBytes bytes made readable and writable now, {@code 0 <= committedBytes <= reservedBytes}
     * @return the reservation; close it to unmap
     * @throws IllegalArgumentException if the sizes are out of range
     * @throws NativeException          if {@code mmap} or {@code mprotect} fails (e.g. {@code ENOMEM}
     *                                  when the address space or overcommit limit is exhausted)
     */
    public static LinearMemoryReservation reserve(long reservedBytes, long committedBytes) {
        if (reservedBytes <= 0 || committedBytes < 0 || committedBytes > reservedBytes) {
            throw new IllegalArgumentException("cannot reserve " + reservedBytes + " bytes with " + committedBytes
                    + " committed");
        }
        long pageSize = LibC.pageSize();
        long reserved = alignUp(reservedBytes, pageSize);
        long base = LibC.mmap(0, reserved, LibC.PROT_NONE,
                LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
        LinearMemoryReservation r = new LinearMemoryReservation(base, reserved, pageSize);
        try {
            r.commit(committedBytes);
        } catch (RuntimeException | Error e) {
            try {
                r.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return r;
    }

    /**
     * Reserves {@link #MEMORY32_RESERVATION} for a 32-bit memory of {@code initialPages} Wasm pages.
     *
     * @param initialPages the memory's initial size in 64 KiB pages, {@code 0..65536}
     * @throws IllegalArgumentException if {@code initialPages} is out of range
     * @throws NativeException          if the reservation or commit fails
     */
    public static LinearMemoryReservation forMemory32(long initialPages) {
        if (initialPages < 0 || initialPages > 65536) {
            throw new IllegalArgumentException("a 32-bit memory has 0 to 65536 pages, not " + initialPages);
        }
        LinearMemoryReservation r = fromPool(initialPages * WASM_PAGE_SIZE);
        if (r == null) {
            r = reserve(MEMORY32_RESERVATION, initialPages * WASM_PAGE_SIZE);
        }
        try {
            // code compiled with guard-page bounds checks relies on faults in here becoming traps
            r.guard = GuardSignalHandler.registerMemory(r.base, r.base + r.reservedBytes);
        } catch (RuntimeException | Error e) {
            r.close();
            throw e;
        }
        return r;
    }

    /**
     * A pooled 32-bit reservation with exactly {@code committedBytes} accessible (all zero), or null
     * when the pool is empty. The caller registers it with the guard handler.
     */
    private static LinearMemoryReservation fromPool(long committedBytes) {
        Idle idle = POOL.pollFirst();
        if (idle == null) {
            return null;
        }
        POOLED.decrementAndGet();
        long pageSize = LibC.pageSize();
        LinearMemoryReservation r = new LinearMemoryReservation(idle.base, MEMORY32_RESERVATION, pageSize);
        long have = alignUp(idle.committedBytes, pageSize);
        long want = alignUp(committedBytes, pageSize);
        try {
            if (want < have) {
                LibC.mprotect(r.base + want, have - want, LibC.PROT_NONE);
            } else if (want > have) {
                LibC.mprotect(r.base + have, want - have, LibC.PROT_READ | LibC.PROT_WRITE);
            }
        } catch (RuntimeException | Error e) {
            LibC.munmap(r.base, r.reservedBytes);
            throw e;
        }
        r.committedBytes = committedBytes;
        return r;
    }

    /**
     * Puts a closed 32-bit reservation in the pool with its committed bytes zeroed, or returns false
     * (pool full, or zeroing failed) so that the caller unmaps it.
     */
    private boolean toPool(long committed) {
        if (reservedBytes != MEMORY32_RESERVATION || POOLED.incrementAndGet() > POOL_CAPACITY) {
            POOLED.decrementAndGet();
            return false;
        }
        long accessible = alignUp(committed, pageSize);
        try {
            if (accessible <= KEEP_RESIDENT_BYTES) {
                MemorySegment.ofAddress(base).reinterpret(accessible).fill((byte) 0);
            } else {
                LibC.madvise(base, accessible, LibC.MADV_DONTNEED);
            }
        } catch (RuntimeException e) {
            POOLED.decrementAndGet();
            return false;
        }
        POOL.addFirst(new Idle(base, accessible));
        return true;
    }

    /** Address of byte 0 of the memory; constant for the life of the reservation. */
    public long base() {
        return base;
    }

    /** Bytes of address space reserved (a multiple of the host page size). */
    public long reservedBytes() {
        return reservedBytes;
    }

    /** Bytes currently readable and writable from {@link #base()} (the memory's current length). */
    public long committedBytes() {
        return committedBytes;
    }

    /**
     * Grows the committed prefix to {@code newCommittedBytes} (Wasm {@code memory.grow} after the
     * page arithmetic). New bytes read as zero. Existing contents and the base stay where they are.
     *
     * @param newCommittedBytes the new length in bytes, {@code committedBytes() <= n <= reservedBytes()}
     * @throws IllegalArgumentException if it would shrink the memory or exceed the reservation
     * @throws IllegalStateException    if the reservation is closed
     * @throws NativeException          if {@code mprotect} fails (typically {@code ENOMEM}: the
     *                                  system cannot commit more memory); nothing changes then, and
     *                                  {@code memory.grow} should return -1
     */
    public synchronized void commit(long newCommittedBytes) {
        if (closed) {
            throw new IllegalStateException("the linear memory reservation is closed");
        }
        long old = committedBytes;
        if (newCommittedBytes < old || newCommittedBytes > reservedBytes) {
            throw new IllegalArgumentException("cannot commit " + newCommittedBytes + " bytes: " + old
                    + " are committed and " + reservedBytes + " reserved (linear memory never shrinks)");
        }
        long from = alignUp(old, pageSize);
        long to = alignUp(newCommittedBytes, pageSize);
        if (to > from) {
            LibC.mprotect(base + from, to - from, LibC.PROT_READ | LibC.PROT_WRITE);
        }
        committedBytes = newCommittedBytes;
    }

    /**
     * A read-write view of the committed bytes as of this call ({@link #committedBytes()} long, at
     * {@link #base()}). After {@link #commit} grows the memory, call again for a longer view; older
     * views stay valid (they cover a prefix). All views become invalid on {@link #close()}.
     *
     * @throws IllegalStateException if the reservation is closed
     */
    public synchronized MemorySegment segment() {
        if (arena == null) {
            arena = Arena.ofShared();
        }
        return MemorySegment.ofAddress(base).reinterpret(committedBytes, arena, null);
    }

    /** Whether {@link #close()} has completed. */
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Invalidates the views from {@link #segment()} and unmaps the whole reservation, or, for a 32-bit
     * memory while the pool has room, zeroes it and keeps it for the next {@link #forMemory32} (see
     * the class comment). Idempotent. Compiled code must no longer run against this memory.
     *
     * @throws IllegalStateException if a view is in use by another thread (the memory then stays mapped)
     * @throws NativeException       if {@code munmap} fails
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (arena != null) {
            arena.close();
        }
        closed = true;
        if (guard != null) {
            guard.close();
            if (toPool(committedBytes)) {
                return;
            }
        }
        LibC.munmap(base, reservedBytes);
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    @Override
    public String toString() {
        return "LinearMemoryReservation[base 0x" + Long.toHexString(base) + ", " + committedBytes + " of "
                + reservedBytes + " bytes committed" + (closed ? ", closed" : "") + "]";
    }
}
