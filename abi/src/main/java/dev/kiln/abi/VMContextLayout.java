package dev.kiln.abi;

/**
 * The layout of an instance's VMContext: the native struct that generated code reaches through its
 * VMContext register (x86-64: {@code r14}) and that the loader reads and writes through
 * {@code MemorySegment}s. Offsets are in bytes from the start of the struct; all fields are
 * naturally aligned and little-endian.
 *
 * <p>The header is fixed:
 * <table>
 * <caption>VMContext header</caption>
 * <tr><th>offset</th><th>field</th><th>meaning</th></tr>
 * <tr><td>0</td><td>u32 trap code</td><td>0, or the {@link TrapCode#code()} of the trap that unwound
 *     the innermost call; the host reads and clears it after every call</td></tr>
 * <tr><td>8</td><td>u64 entry frame</td><td>frame pointer of the innermost entry trampoline's
 *     frame (the trap-unwind record); 0 when no call is active</td></tr>
 * <tr><td>16</td><td>u64 stack limit</td><td>lowest stack pointer Wasm code may use; every function
 *     prologue compares {@code rsp} with it; set by the outermost entry, 0 when no call is active</td></tr>
 * <tr><td>24</td><td>u64 stack budget</td><td>bytes of native stack a call from the host may use</td></tr>
 * </table>
 * Per-module fields (memories, globals, tables, imported functions) follow the header as later
 * features need them; the layout is computed per module and recorded in the artifact.
 *
 * <p>Immutable and thread-safe.
 */
public final class VMContextLayout {
    /** Offset of the u32 trap code. */
    public static final int TRAP_CODE = 0;
    /** Offset of the u64 entry frame pointer (the trap-unwind record). */
    public static final int ENTRY_FRAME = 8;
    /** Offset of the u64 stack limit. */
    public static final int STACK_LIMIT = 16;
    /** Offset of the u64 stack budget in bytes. */
    public static final int STACK_BUDGET = 24;
    /** Size of the fixed header in bytes. */
    public static final int HEADER_SIZE = 32;

    private final int size;

    private VMContextLayout(int size) {
        this.size = size;
    }

    /** The layout of a module's VMContext (for now the fixed header). */
    public static VMContextLayout forModule() {
        return new VMContextLayout(HEADER_SIZE);
    }

    /**
     * The layout recorded in an artifact.
     *
     * @param size total size in bytes, at least {@link #HEADER_SIZE}
     * @throws IllegalArgumentException if {@code size} is smaller than the header or not 8-aligned
     */
    public static VMContextLayout ofSize(int size) {
        if (size < HEADER_SIZE || size % 8 != 0) {
            throw new IllegalArgumentException("VMContext size " + size + " is not a valid layout");
        }
        return new VMContextLayout(size);
    }

    /** Total size of the struct in bytes (a multiple of 8). */
    public int size() {
        return size;
    }
}
