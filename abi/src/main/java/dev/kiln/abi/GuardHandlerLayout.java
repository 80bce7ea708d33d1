package dev.kiln.abi;

/**
 * The contract between the guard-page signal handler a backend generates and the loader that installs
 * it (DESIGN.md §3 "Bounds checks"; {@link BoundsChecks#GUARD}).
 *
 * <p>An artifact compiled with guard-page bounds checks carries the handler's machine code in the
 * non-allocated section {@link #SECTION}, at most {@link #CODE_BYTES} bytes. The loader places it,
 * once per process, at offset 0 of a mapping of its own: the code region, {@link #DATA_OFFSET} bytes
 * ({@code PROT_READ|PROT_EXEC}), followed by the handler's data ({@code PROT_READ|PROT_WRITE}), which
 * the code reaches PC-relative ({@code lea [rip+...]} on x86-64, {@code adr} on AArch64). The code's
 * entry point is at offset 0 and has the C signature of an {@code SA_SIGINFO} handler,
 * {@code void (int sig, siginfo_t *info, ucontext_t *uc)}.
 *
 * <p>The data (offsets from {@link #DATA_OFFSET}, all values little-endian 64-bit):
 * <ul>
 * <li>{@link #PREVIOUS_SIGSEGV}, {@link #PREVIOUS_SIGBUS} and, on x86-64, {@link #PREVIOUS_SIGILL}:
 *     the handler address of the action that was installed before ({@code SIG_DFL} = 0,
 *     {@code SIG_IGN} = 1), written before the handler is installed and never changed afterwards;</li>
 * <li>{@link #CODE_RANGE_COUNT}, {@link #MEMORY_RANGE_COUNT}: how many slots of each table the
 *     handler scans (a high-water mark: it only grows);</li>
 * <li>{@link #CODE_RANGES}, {@link #MEMORY_RANGES}: {@link #CAPACITY} slots each of
 *     {@code [start, end)} byte addresses (16 bytes a slot): the {@code .text} of code images compiled
 *     with guard-page checks, and the reservations of 32-bit linear memories. A slot with
 *     {@code end == 0} is free.</li>
 * </ul>
 *
 * <p><b>Concurrency.</b> The handler reads the tables without locks while Java threads change them.
 * A writer fills a free slot by storing {@code start}, then {@code end} with release semantics, and
 * empties it by storing {@code end = 0}; the handler reads {@code end}, {@code start}, then {@code end}
 * again and only accepts the slot if both reads of {@code end} agree and are nonzero, so it never
 * combines one range's start with another's end. A range is removed only when no code can fault in
 * it any more (a code image is unmapped after its last instance; a reservation when its store closes,
 * which is refused while Wasm runs).
 *
 * <p>A fault is Kiln's when the saved instruction pointer lies in a code range <b>and</b> the
 * faulting address ({@code si_addr}) in a memory range: the handler then rewrites the saved
 * instruction pointer to a stub in its own code that stores {@link TrapCode#MEMORY_OUT_OF_BOUNDS} in
 * the store context of the VMContext register and unwinds to the innermost entry trampoline exactly
 * as a trap stub does, and returns. On x86-64 a {@code SIGILL} is Kiln's when the saved instruction
 * pointer lies in a code range at a trap site, a {@code ud1} (0F B9) whose ModRM byte is
 * {@code 0xC0 | } the {@link TrapCode} code: the handler then pushes the address after it (as the call
 * to a trap stub would push its return address) and resumes at a stub that stores that code and
 * unwinds. Every other fault goes to the previous action unchanged: a
 * handler is tail-called with the same three arguments; {@code SIG_IGN} returns; {@code SIG_DFL}
 * resets the action to the default and returns, so the fault repeats and kills the process as if
 * Kiln had never installed anything.
 */
public final class GuardHandlerLayout {
    private GuardHandlerLayout() {
    }

    /** Bytes of address space reserved for every 32-bit linear memory: 8 GiB. */
    public static final long MEMORY32_RESERVATION = 8L << 30;
    /**
     * The largest {@code offset + size} of a 32-bit memory access that needs no explicit check in
     * guard mode: {@code 2^32 + 1} bytes, since {@code 0xFFFFFFFF + offset + size} must stay within
     * {@link #MEMORY32_RESERVATION}. Accesses with a larger static offset (only crafted code has them)
     * keep their explicit check rather than growing every reservation by a guard region.
     */
    public static final long MAX_UNCHECKED_OFFSET_PLUS_SIZE = MEMORY32_RESERVATION - 0xFFFF_FFFFL;

    /** Name of the artifact section holding the handler's code. */
    public static final String SECTION = ".kiln.sighandler";
    /** The most bytes of code a handler may have (one 4 KiB page). */
    public static final int CODE_BYTES = 4096;
    /**
     * Byte offset of the data from the start of the code: 64 KiB, the largest page size of Linux on
     * AArch64 (4, 16 and 64 KiB kernels exist), so that the code region can be read+execute and the
     * data read+write on every host.
     */
    public static final int DATA_OFFSET = 64 * 1024;
    /** Data offset of the previous {@code SIGSEGV} handler address. */
    public static final int PREVIOUS_SIGSEGV = 0;
    /** Data offset of the previous {@code SIGBUS} handler address. */
    public static final int PREVIOUS_SIGBUS = 8;
    /**
     * Data offset of the previous {@code SIGILL} handler address. x86-64 only: its trap sites are
     * {@code ud1} instructions whose ModRM byte holds the trap code; the AArch64 handler is not
     * installed for {@code SIGILL}.
     */
    public static final int PREVIOUS_SIGILL = 32;
    /** Data offset of the number of code-range slots in use (high-water mark). */
    public static final int CODE_RANGE_COUNT = 16;
    /** Data offset of the number of memory-range slots in use (high-water mark). */
    public static final int MEMORY_RANGE_COUNT = 24;
    /**
     * Slots per table: 16,384. A 47-bit address space holds at most 16,384 reservations of 8 GiB, so
     * the memory table can never fill; code images beyond the capacity are refused at load.
     */
    public static final int CAPACITY = 16384;
    /** Bytes per slot: {@code start} at 0, {@code end} at 8. */
    public static final int SLOT_BYTES = 16;
    /** Data offset of the code-range table. */
    public static final int CODE_RANGES = 64;
    /** Data offset of the memory-range table. */
    public static final int MEMORY_RANGES = CODE_RANGES + CAPACITY * SLOT_BYTES;
    /** Bytes of data. */
    public static final int DATA_BYTES = MEMORY_RANGES + CAPACITY * SLOT_BYTES;
    /** {@code SIGILL} on Linux. */
    public static final int SIGILL = 4;
    /** {@code SIGBUS} on Linux. */
    public static final int SIGBUS = 7;
    /** {@code SIGSEGV} on Linux. */
    public static final int SIGSEGV = 11;

    // ---- facts every handler shares (Linux on x86-64 and AArch64: LP64, the generic siginfo_t) ----

    /**
     * Byte offset of {@code si_addr} in {@code siginfo_t} (after {@code si_signo}, {@code si_errno},
     * {@code si_code} and 4 bytes of padding), the same on x86-64 and AArch64 Linux.
     */
    public static final int SI_ADDR = 16;
    /** The handler value {@code SIG_DFL}: the default action. */
    public static final long SIG_DFL = 0;
    /** The handler value {@code SIG_IGN}: the signal is ignored. */
    public static final long SIG_IGN = 1;
    /**
     * Bytes of the kernel's own {@code struct sigaction} that a raw {@code rt_sigaction} system call
     * reads: {@code sa_handler}, {@code sa_flags}, {@code sa_restorer}, {@code sa_mask} (8 bytes), on
     * x86-64 and on AArch64 (which defines {@code SA_RESTORER} for AArch32 compatibility), unlike glibc's
     * 152-byte structure. The handlers pass an all-zero one to reset an action to {@link #SIG_DFL}.
     */
    public static final int KERNEL_SIGACTION_BYTES = 32;
    /** Bytes of the kernel's signal set, the {@code sigsetsize} argument of {@code rt_sigaction}. */
    public static final int KERNEL_SIGSET_BYTES = 8;
}
