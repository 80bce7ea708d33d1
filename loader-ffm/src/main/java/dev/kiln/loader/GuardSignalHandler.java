package dev.kiln.loader;

import dev.kiln.abi.GuardHandlerLayout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.BitSet;

/**
 * The process-wide guard-page signal handler and the tables it reads (DESIGN.md §3 "Bounds checks";
 * the contract is {@link GuardHandlerLayout}).
 *
 * <p>One mapping, made on first use and never unmapped: the code region of
 * {@link GuardHandlerLayout#DATA_OFFSET} bytes (inaccessible until {@link #install} maps the handler's
 * code there read+execute) followed by the handler's data (read+write): the previous {@code SIGSEGV}/{@code SIGBUS} handlers and two tables of
 * {@code [start, end)} ranges, the {@code .text} of every mapped code image compiled with guard-page
 * checks ({@link #registerCode}) and the reservation of every 32-bit linear memory
 * ({@link #registerMemory}). Both tables are kept whether or not the handler is installed yet, so a
 * guard-mode module may use a memory made before it was loaded.
 *
 * <p>{@link #install} runs once per process, the first time a module compiled with guard-page checks
 * is instantiated: it reads the current actions of {@code SIGSEGV} and {@code SIGBUS} (HotSpot's, which
 * it uses for implicit null checks, safepoint polls and stack banging), and on x86-64 of
 * {@code SIGILL} (trap sites are {@code ud1} instructions there), records their handlers for
 * chaining and installs the generated handler with the previous action's signal mask and its
 * {@code SA_ONSTACK}/{@code SA_RESTART} flags, plus {@code SA_SIGINFO}. Faults that are not Kiln's go to
 * the previous handler unchanged.
 *
 * <p>Thread-safe: writers hold this class's lock; the handler reads without locks (slots are
 * published with release stores, see {@link GuardHandlerLayout} for the protocol).
 */
@SuppressWarnings("restricted") // loader-ffm is the one module allowed to call restricted FFM methods
public final class GuardSignalHandler {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private static long base;         // 0 until the mapping exists
    private static MemorySegment data; // GuardHandlerLayout.DATA_BYTES at base + DATA_OFFSET
    private static boolean installed;
    private static final BitSet CODE_SLOTS = new BitSet();
    private static final BitSet MEMORY_SLOTS = new BitSet();

    private GuardSignalHandler() {
    }

    /** A registered range; {@link #close()} removes it (idempotent). */
    public static final class Registration implements AutoCloseable {
        private final int tableOffset;
        private final BitSet slots;
        private final int slot;
        private boolean closed;

        private Registration(int tableOffset, BitSet slots, int slot) {
            this.tableOffset = tableOffset;
            this.slots = slots;
            this.slot = slot;
        }

        /** Removes the range from the handler's table; call it before the range is unmapped. */
        @Override
        public void close() {
            synchronized (GuardSignalHandler.class) {
                if (closed) {
                    return;
                }
                closed = true;
                LONG.setRelease(data, (long) tableOffset + (long) slot * GuardHandlerLayout.SLOT_BYTES + 8, 0L);
                slots.clear(slot);
            }
        }
    }

    /**
     * Registers {@code [start, end)}, the {@code .text} of a code image compiled with guard-page checks:
     * faults there are candidates for traps.
     *
     * @throws IllegalArgumentException if {@code start >= end}
     * @throws IllegalStateException    if {@link GuardHandlerLayout#CAPACITY} code images are mapped already
     * @throws NativeException          if the handler's mapping cannot be made
     */
    public static Registration registerCode(long start, long end) {
        return register(GuardHandlerLayout.CODE_RANGES, GuardHandlerLayout.CODE_RANGE_COUNT, CODE_SLOTS, start, end,
                "code images compiled with guard-page bounds checks");
    }

    /**
     * Registers {@code [start, end)}, the reservation of a 32-bit linear memory: faults there from
     * registered code are {@code out of bounds memory access} traps.
     *
     * @throws IllegalArgumentException if {@code start >= end}
     * @throws IllegalStateException    if the table is full (cannot happen in a 47-bit address space)
     * @throws NativeException          if the handler's mapping cannot be made
     */
    public static Registration registerMemory(long start, long end) {
        return register(GuardHandlerLayout.MEMORY_RANGES, GuardHandlerLayout.MEMORY_RANGE_COUNT, MEMORY_SLOTS, start,
                end, "32-bit linear memories");
    }

    private static synchronized Registration register(int table, int count, BitSet slots, long start, long end,
            String what) {
        if (Long.compareUnsigned(start, end) >= 0) {
            throw new IllegalArgumentException("empty range [0x" + Long.toHexString(start) + ", 0x"
                    + Long.toHexString(end) + ")");
        }
        ensureMapped();
        int slot = slots.nextClearBit(0);
        if (slot >= GuardHandlerLayout.CAPACITY) {
            throw new IllegalStateException("more than " + GuardHandlerLayout.CAPACITY + " " + what
                    + " at once; close some before loading more");
        }
        slots.set(slot);
        long at = (long) table + (long) slot * GuardHandlerLayout.SLOT_BYTES;
        LONG.setRelease(data, at, start);
        LONG.setRelease(data, at + 8, end);
        long used = (long) LONG.getAcquire(data, (long) count);
        if (slot + 1 > used) {
            LONG.setRelease(data, (long) count, (long) slot + 1);
        }
        return new Registration(table, slots, slot);
    }

    /** Whether {@link #install} has run in this process. */
    public static synchronized boolean isInstalled() {
        return installed;
    }

    /**
     * Installs the handler for {@code SIGSEGV} and {@code SIGBUS}, and on an x86-64 host for
     * {@code SIGILL} (trap sites), once per process; later calls do nothing.
     *
     * @param code the handler's machine code from an artifact's {@link GuardHandlerLayout#SECTION}
     * @throws IllegalArgumentException if {@code code} is empty or longer than {@link GuardHandlerLayout#CODE_BYTES}
     * @throws NativeException          if {@code memfd_create}, {@code write}, {@code mmap},
     *                                  {@code mprotect} or {@code sigaction} fails
     * @throws UnsupportedOperationException if the host's pages are larger than
     *                                  {@link GuardHandlerLayout#DATA_OFFSET} (no Linux host has such)
     */
    public static synchronized void install(byte[] code) {
        if (installed) {
            return;
        }
        if (code.length == 0 || code.length > GuardHandlerLayout.CODE_BYTES) {
            throw new IllegalArgumentException("the guard-page signal handler is " + code.length
                    + " bytes; it must be 1 to " + GuardHandlerLayout.CODE_BYTES);
        }
        ensureMapped();
        // The code goes through a memfd written with write(2), mapped over the code region: never
        // written through a user mapping, so on AArch64 no instruction-cache maintenance is needed (the
        // kernel makes a file page coherent when it maps it executable), as for CodeImage's .text.
        int fd = LibC.memfd_create("kiln-sighandler", LibC.MFD_CLOEXEC);
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment buf = tmp.allocate(code.length);
            MemorySegment.copy(code, 0, buf, ValueLayout.JAVA_BYTE, 0, code.length);
            LibC.writeFully(fd, buf);
            LibC.ftruncate(fd, GuardHandlerLayout.DATA_OFFSET);
            LibC.mmap(base, GuardHandlerLayout.DATA_OFFSET, LibC.PROT_READ | LibC.PROT_EXEC,
                    LibC.MAP_PRIVATE | LibC.MAP_FIXED, fd, 0);
        } finally {
            LibC.close(fd); // the mapping keeps the file alive
        }
        try (Arena arena = Arena.ofConfined()) {
            // x86-64 code traps with ud1 where it has the handler (GuardHandlerLayout#PREVIOUS_SIGILL)
            boolean ill = dev.kiln.abi.Target.host() == dev.kiln.abi.Target.X86_64;
            int[] signals = ill ? new int[] {LibC.SIGSEGV, LibC.SIGBUS, GuardHandlerLayout.SIGILL}
                    : new int[] {LibC.SIGSEGV, LibC.SIGBUS};
            int[] slots = {GuardHandlerLayout.PREVIOUS_SIGSEGV, GuardHandlerLayout.PREVIOUS_SIGBUS,
                    GuardHandlerLayout.PREVIOUS_SIGILL};
            int n = signals.length;
            MemorySegment[] old = new MemorySegment[n];
            for (int i = 0; i < n; i++) {
                old[i] = arena.allocate(LibC.SIGACTION);
                LibC.sigaction(signals[i], MemorySegment.NULL, old[i]);
                LONG.setRelease(data, (long) slots[i], old[i].get(ValueLayout.JAVA_LONG, LibC.SIGACTION_HANDLER));
            }
            for (int i = 0; i < n; i++) {
                MemorySegment act = arena.allocate(LibC.SIGACTION);
                act.set(ValueLayout.JAVA_LONG, LibC.SIGACTION_HANDLER, base);
                MemorySegment.copy(old[i], LibC.SIGACTION_MASK, act, LibC.SIGACTION_MASK, 128);
                int oldFlags = old[i].get(ValueLayout.JAVA_INT, LibC.SIGACTION_FLAGS);
                act.set(ValueLayout.JAVA_INT, LibC.SIGACTION_FLAGS,
                        (oldFlags & (LibC.SA_ONSTACK | LibC.SA_RESTART)) | LibC.SA_SIGINFO);
                LibC.sigaction(signals[i], act, MemorySegment.NULL);
            }
        }
        installed = true;
    }

    /** The handler's entry point (0 before {@link #install}). */
    public static synchronized long handlerAddress() {
        return installed ? base : 0;
    }

    private static void ensureMapped() {
        if (base != 0) {
            return;
        }
        long pageSize = LibC.pageSize();
        if (GuardHandlerLayout.DATA_OFFSET % pageSize != 0) {
            throw new UnsupportedOperationException("the host page size is " + pageSize + " bytes; the guard-page"
                    + " signal handler needs at most " + GuardHandlerLayout.DATA_OFFSET
                    + " (compile with BoundsChecks.EXPLICIT, -C bounds-checks=explicit)");
        }
        long size = GuardHandlerLayout.DATA_OFFSET + ((GuardHandlerLayout.DATA_BYTES + pageSize - 1) & -pageSize);
        long b = LibC.mmap(0, size, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
        LibC.mprotect(b, GuardHandlerLayout.DATA_OFFSET, LibC.PROT_NONE);
        data = MemorySegment.ofAddress(b + GuardHandlerLayout.DATA_OFFSET).reinterpret(GuardHandlerLayout.DATA_BYTES);
        base = b;
    }
}
