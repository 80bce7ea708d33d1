package dev.kiln.abi;

/**
 * The layout of a store's VMStoreContext: the native struct shared by every instance of one store
 * (each VMContext points to it at {@link VMContextLayout#STORE_CONTEXT}). It holds what must be
 * common to all instances a call may pass through: the trap code, the trap-unwind record, the
 * stack limit and its floor. Offsets are bytes from the start of the struct; fields are naturally aligned and
 * little-endian. Constants only; thread-safe.
 *
 * <table>
 * <caption>VMStoreContext</caption>
 * <tr><th>offset</th><th>field</th><th>meaning</th></tr>
 * <tr><td>0</td><td>u32 trap code</td><td>0, or the {@link TrapCode#code()} of the trap that unwound
 *     the innermost call; the host reads and clears it after every call</td></tr>
 * <tr><td>8</td><td>u64 entry frame</td><td>frame pointer of the innermost entry trampoline's frame
 *     (the trap-unwind record); 0 when no call is active</td></tr>
 * <tr><td>16</td><td>u64 stack limit</td><td>lowest stack pointer at which a Wasm function may begin
 *     (function prologues compare with it); set by the outermost entry, 0 when no call is active. A
 *     function's own frame may reach up to {@link #FRAME_SLACK} bytes below it, and a leaf function
 *     (one that calls nothing) with a frame that small may skip the check, so Wasm frames end at most
 *     {@code 2 * FRAME_SLACK + 16} bytes below the limit; the floor's host-call reserve covers that</td></tr>
 * <tr><td>24</td><td>u64 stack budget</td><td>bytes of native stack a call from the host may use</td></tr>
 * <tr><td>32</td><td>u64 results</td><td>address of the host's buffer where an entry trampoline copies
 *     the results of a function returning several values (8 bytes each)</td></tr>
 * <tr><td>40</td><td>u64 store data</td><td>address of the embedder's store data (a native struct given to
 *     the store), 0 when none; the unsafe intrinsic {@code store-data-address} returns it (DESIGN §4).
 *     Generated code only reads it, and it does not change while a call is active</td></tr>
 * <tr><td>48</td><td>u64 epoch deadline</td><td>epoch interruption: the store is interrupted once the
 *     engine's epoch is {@code >=} this value (unsigned); the host may lower it from any thread. Only
 *     the host reads it: it raises the interrupt flags of the store's instances ({@link VMContextLayout#INTERRUPT})
 *     when the deadline is reached</td></tr>
 * <tr><td>56</td><td>u64 epoch address</td><td>address of the engine's u64 epoch counter (incremented by
 *     the host from any thread)</td></tr>
 * <tr><td>64</td><td>i64 fuel consumed</td><td>fuel metering: the negated fuel left; code compiled with
 *     {@link CompileOptions#consumeFuel()} adds each basic block's cost on entry and traps with
 *     {@link TrapCode#OUT_OF_FUEL} when the sum becomes positive (Wasmtime's encoding)</td></tr>
 * <tr><td>72</td><td>u64 epoch libcall</td><td>address of the host's C-convention entry point
 *     {@code void epochDeadline(storeContext)}, called by the epoch slow path; it either moves the
 *     deadline on or leaves a trap code, which the caller unwinds on</td></tr>
 * <tr><td>80</td><td>u64 stack floor</td><td>lowest stack limit the outermost entry may set: the end of
 *     the calling thread's stack plus the JVM's guard zones and a reserve for host calls (0: no floor).
 *     The outermost entry sets the stack limit to {@code max(sp - budget, floor)}, so a budget larger
 *     than what is left of the thread's stack traps with {@link TrapCode#STACK_OVERFLOW} instead of
 *     running into the thread's guard pages. The host writes it before a call from a new thread</td></tr>
 * <tr><td>88</td><td>u64 backtrace libcall</td><td>address of the host's C-convention entry point
 *     {@code void backtrace(storeContext, sp, trap)}, called on the trap path before the unwind while
 *     the Wasm frames still exist: {@code sp} points at the trap site's address (or, for {@code trap}
 *     = 0, a call's return address) with the frames above it (see {@link FrameTable}); 0 for none</td></tr>
 * <tr><td>96</td><td>u64 pending exception</td><td>the exception object a catching call site of a
 *     {@code try_table} resumes with (see {@link #PENDING_EXCEPTION})</td></tr>
 * <tr><td>104</td><td>u64 resume sp</td><td>the stack pointer the unwinder resumes a catching call site
 *     with</td></tr>
 * </table>
 */
public final class VMStoreContext {
    private VMStoreContext() {
    }

    /** Offset of the u32 trap code. */
    public static final int TRAP_CODE = 0;
    /** Offset of the u64 entry frame pointer (the trap-unwind record). */
    public static final int ENTRY_FRAME = 8;
    /** Offset of the u64 stack limit. */
    public static final int STACK_LIMIT = 16;
    /**
     * Bytes a function's frame (saved registers and spill area) may extend below the stack limit:
     * a prologue whose frame is at most this large compares the stack pointer itself with the limit,
     * and a leaf function's prologue with a frame at most this large does not compare at all.
     */
    public static final int FRAME_SLACK = 4096;
    /** Offset of the u64 stack budget in bytes. */
    public static final int STACK_BUDGET = 24;
    /** Offset of the u64 address of the multi-value results buffer. */
    public static final int RESULTS = 32;
    /** Offset of the u64 address of the store data (0 when the store has none). */
    public static final int STORE_DATA = 40;
    /** Offset of the u64 epoch deadline. */
    public static final int EPOCH_DEADLINE = 48;
    /** Offset of the u64 address of the engine's epoch counter. */
    public static final int EPOCH_ADDRESS = 56;
    /** Offset of the i64 fuel consumed (the negated fuel left). */
    public static final int FUEL_CONSUMED = 64;
    /** Offset of the u64 address of the epoch-deadline libcall {@code void (storeContext)}. */
    public static final int EPOCH_LIBCALL = 72;
    /** Offset of the u64 stack floor (the lowest stack limit an outermost entry may set; 0 for none). */
    public static final int STACK_FLOOR = 80;
    /** Offset of the u64 address of the backtrace libcall {@code void (storeContext, sp, trap)} (0: none). */
    public static final int BACKTRACE_LIBCALL = 88;
    /**
     * u64 pending exception: the address of the exception object the unwinder resumed a call site of a
     * {@code try_table} with; generated code reads it right after such a call and clears it in the
     * handler; 0 otherwise. After an uncaught exception unwound to the entry
     * ({@link TrapCode#UNCAUGHT_EXCEPTION}) it holds the exception for the host.
     */
    public static final int PENDING_EXCEPTION = 96;
    /** u64 stack pointer the unwinder resumes a catching call site with (written by the throw libcall). */
    public static final int RESUME_SP = 104;
    /**
     * u64 frame pointer ({@code x29}) the unwinder resumes a catching call site with on a target whose
     * frames have frame records (AArch64: the catching function's own frame record); written by the
     * throw libcall next to {@link #RESUME_SP}, unused on x86-64.
     */
    public static final int RESUME_FP = 112;
    /** Size of the struct in bytes. */
    public static final int SIZE = 120;
}
