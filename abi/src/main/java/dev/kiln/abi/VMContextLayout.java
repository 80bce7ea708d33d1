package dev.kiln.abi;

import java.util.List;

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
 * <tr><td>0</td><td>u64 store context</td><td>address of the store's {@link VMStoreContext} (trap
 *     code, unwind record, stack limit), shared by all instances of the store</td></tr>
 * <tr><td>8</td><td>u64 tags</td><td>address of the instance's tag table: for each tag, imported ones
 *     first, its u64 identity (the address of a runtime cell unique to the tag; an imported tag has its
 *     exporter's), which exception objects carry ({@link ExceptionTables}); 0 in an instance without tags</td></tr>
 * <tr><td>16</td><td>u64 libcalls[{@link #LIBCALLS}]</td><td>addresses of the runtime's C-convention
 *     entry points {@code (vmctx, args...)} for the rare table operations ({@link #LIBCALL_TABLE_GROW}, ...)
 *     and {@code memory.grow} ({@link #LIBCALL_MEMORY_GROW}), exception allocation and throw; compiled
 *     code checks and performs {@code memory.fill/copy/init} itself; a libcall that traps leaves the
 *     trap code in the store context</td></tr>
 * <tr><td>80</td><td>u32 interrupt flag, 4 bytes padding</td><td>epoch interruption ({@link #INTERRUPT}):
 *     nonzero when the store's epoch deadline may have been reached</td></tr>
 * </table>
 * Then, computed per module from its shape, the fields generated code reads most often first (memory
 * base and length are read by every bounds check and reloaded after calls; the function records, of
 * which a large module has tens of thousands, last), so that they stay within the short displacements
 * of both ISAs (x86-64 disp8; AArch64's scaled 12-bit load offsets):
 * <ul>
 * <li>for each imported memory: u64 address of the exporter's memory definition; for each defined
 *     memory, its definition inline: u64 base address, u64
 *     current length in bytes, u64 maximum length in bytes ({@code memory.grow} fails beyond it);</li>
 * <li>for each table, imported ones first: u64 address of its {@link VMTableDefinition};</li>
 * <li>for each imported global: u64 address of the exporter's value slot; for each defined global:
 *     its value in an 8-byte slot (16 for v128), the low bytes used for i32/f32;</li>
 * <li>for each function type: u32 canonical type id;</li>
 * <li>for each data segment: u64 address and u64 length of its bytes (length 0 once dropped);</li>
 * <li>for each function, imported ones first (a <b>function record</b>, also what a funcref points
 *     to): u64 code address, u64 VMContext to call it with, u64 host upcall address (a Wasm callee
 *     ignores it; for a host function the code is the module's import adapter for the signature,
 *     which calls the upcall), u32 type id (the canonical id of its function type, for
 *     {@code call_indirect}), 4 bytes padding.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class VMContextLayout {
    /** Offset of the u64 address of the store's {@link VMStoreContext}. */
    public static final int STORE_CONTEXT = 0;
    /** Libcall {@code table.grow(vmctx, tableidx u32, delta u32, init ref u64) -> old size or -1 (i32)}. */
    public static final int LIBCALL_TABLE_GROW = 0;
    /** Libcall {@code table.fill(vmctx, tableidx, dst, ref, len)}; traps out of bounds. */
    public static final int LIBCALL_TABLE_FILL = 1;
    /** Libcall {@code table.copy(vmctx, dst tableidx, src tableidx, dst, src, len)}; traps out of bounds. */
    public static final int LIBCALL_TABLE_COPY = 2;
    /** Libcall {@code table.init(vmctx, tableidx, elemidx, dst, src, len)}; traps out of bounds. */
    public static final int LIBCALL_TABLE_INIT = 3;
    /** Libcall {@code elem.drop(vmctx, elemidx)}. */
    public static final int LIBCALL_ELEM_DROP = 4;
    /**
     * Libcall {@code memory.grow(vmctx, memidx u32, delta pages u64) -> old size in pages or -1 (i32)}:
     * every {@code memory.grow} (the runtime checks the limits and the store's resource limiter and
     * commits the pages). A 64-bit memory's size always fits the i32 (see the loader's reservation policy).
     */
    public static final int LIBCALL_MEMORY_GROW = 5;
    /**
     * Libcall {@code exn_new(vmctx, tagidx u32) -> exception address (u64)}: allocates an exception
     * object of tag {@code tagidx} (its identity stored, the payload left for the caller to write; see
     * {@link ExceptionTables}). Exception handling.
     */
    public static final int LIBCALL_EXN_NEW = 6;
    /**
     * Libcall {@code throw(vmctx, exn u64, raSlot u64) -> resume address (u64)}: unwinds exception
     * {@code exn} from the frame whose return-address slot is at {@code raSlot}, walking return
     * addresses with the artifacts' call-site tables ({@link ExceptionTables}). It returns the code
     * address to resume at (after the first call site inside a {@code try_table} on the way, with the
     * exception in {@link VMStoreContext#PENDING_EXCEPTION}, the stack pointer in
     * {@link VMStoreContext#RESUME_SP} and, for AArch64, the frame pointer in
     * {@link VMStoreContext#RESUME_FP}), or 0 when nothing catches it below the entry, with the trap
     * code {@link TrapCode#UNCAUGHT_EXCEPTION} left for the caller to unwind on.
     */
    public static final int LIBCALL_THROW = 7;
    /** Offset of the u64 address of the instance's tag table (see the class comment). */
    public static final int TAGS = 8;
    /** Number of libcall slots. */
    public static final int LIBCALLS = 8;
    /**
     * Offset of the u32 interrupt flag (DESIGN §3 "Containing a guest"): code compiled with
     * {@link CompileOptions#epochInterruption()} compares it with zero at function entries and loop
     * headers (one compare with memory through the VMContext register, no other register) and takes
     * the slow path, the store's epoch libcall, when it is set. The store keeps the flag of every one
     * of its instances equal: the host raises them all (from any thread: the engine when its epoch
     * reaches the store's deadline, a new deadline already reached, a timeout), a new instance of a
     * store whose flags are raised starts raised, and only the epoch libcall clears them, before it
     * compares epoch and deadline again, so a raised flag is never lost and a stale one costs one libcall.
     * Per instance rather than per store, so that a check needs no register for the store context.
     */
    public static final int INTERRUPT = 16 + 8 * LIBCALLS;
    /** Size of the fixed header in bytes. */
    public static final int HEADER_SIZE = INTERRUPT + 8;
    /** Size of a function record. */
    public static final int FUNCTION_RECORD_SIZE = 32;
    /** Offset in a function record of the u64 code address (the callee's entry in the internal convention). */
    public static final int FUNCTION_RECORD_CODE = 0;
    /** Offset in a function record of the u64 VMContext to call the function with. */
    public static final int FUNCTION_RECORD_VMCTX = 8;
    /**
     * Offset in a function record of the u64 host upcall address: read by the import adapter of a host
     * function (which the record's code is), ignored by a Wasm callee; 0 for a defined function.
     */
    public static final int FUNCTION_RECORD_UPCALL = 16;
    /** Offset in a function record of the u32 canonical type id of the function's type (for {@code call_indirect}). */
    public static final int FUNCTION_RECORD_TYPE_ID = 24;

    private final int importedFunctions;
    private final int functions;
    private final int typeIdsOffset;
    private final int types;
    private final int tables;
    private final int tablesOffset;
    private final int importedMemories;
    private final int memories;
    private final int memoriesOffset;
    private final int importedGlobals;
    private final int globalImportsOffset;
    private final int[] globalOffsets;
    private final int dataSegments;
    private final int dataOffset;
    private final int functionRecordsOffset;
    private final int size;

    private VMContextLayout(int importedFunctions, int functions, int types, int tables, int importedMemories,
            int memories, int importedGlobals, List<ValType> globals, int dataSegments) {
        this.importedFunctions = importedFunctions;
        this.functions = functions;
        this.importedMemories = importedMemories;
        this.memories = memories;
        this.importedGlobals = importedGlobals;
        int off = HEADER_SIZE;
        this.memoriesOffset = off;
        off += 8 * importedMemories + 24 * (memories - importedMemories);
        this.tables = tables;
        this.tablesOffset = off;
        off += 8 * tables;
        this.globalImportsOffset = off;
        off += 8 * importedGlobals;
        this.globalOffsets = new int[globals.size()];
        for (int i = 0; i < globals.size(); i++) {
            int bytes = globals.get(i) == ValType.V128 ? 16 : 8;
            off = (off + bytes - 1) & -bytes;
            globalOffsets[i] = off;
            off += bytes;
        }
        this.typeIdsOffset = off;
        this.types = types;
        off += 4 * types;
        off = (off + 7) & -8;
        this.dataSegments = dataSegments;
        this.dataOffset = off;
        off += 16 * dataSegments;
        this.functionRecordsOffset = off;
        off += FUNCTION_RECORD_SIZE * functions;
        this.size = (off + 15) & -16;
    }

    /**
     * The layout for a module's shape.
     *
     * @param importedFunctions number of imported functions
     * @param memories          number of memories (0 or 1 in Wasm 2.0)
     * @param globals           the types of the module's defined globals, by defined-global index
     * @param dataSegments      number of data segments
     */
    public static VMContextLayout forModule(int importedFunctions, int memories, List<ValType> globals,
            int dataSegments) {
        return new VMContextLayout(importedFunctions, importedFunctions, 0, 0, 0, memories, 0, globals, dataSegments);
    }

    /**
     * The layout for a module's full shape.
     *
     * @param importedFunctions number of imported functions
     * @param functions         number of functions, imported ones included
     * @param types             number of function types
     * @param tables            number of tables, imported ones included
     * @param memories          number of memories
     * @param globals           the types of the defined globals
     * @param dataSegments      number of data segments
     */
    public static VMContextLayout forModule(int importedFunctions, int functions, int types, int tables, int memories,
            List<ValType> globals, int dataSegments) {
        return new VMContextLayout(importedFunctions, functions, types, tables, 0, memories, 0, globals, dataSegments);
    }

    /**
     * The layout for a module's full shape, imports of every kind included.
     *
     * @param importedFunctions number of imported functions
     * @param functions         number of functions, imported ones included
     * @param types             number of function types
     * @param tables            number of tables, imported ones included
     * @param importedMemories  number of imported memories
     * @param memories          number of memories, imported ones included
     * @param importedGlobals   number of imported globals
     * @param definedGlobals    the types of the defined globals
     * @param dataSegments      number of data segments
     */
    public static VMContextLayout forModule(int importedFunctions, int functions, int types, int tables,
            int importedMemories, int memories, int importedGlobals, List<ValType> definedGlobals, int dataSegments) {
        return new VMContextLayout(importedFunctions, functions, types, tables, importedMemories, memories,
                importedGlobals, definedGlobals, dataSegments);
    }

    /** Whether memory {@code memidx} is imported (reached through a pointer to its definition). */
    public boolean memoryImported(int memidx) {
        checkMemory(memidx);
        return memidx < importedMemories;
    }

    /** Offset of imported memory {@code memidx}'s u64 address of the exporter's definition. */
    public int memoryImport(int memidx) {
        if (!memoryImported(memidx)) {
            throw new IllegalArgumentException("memory " + memidx + " is defined, not imported");
        }
        return memoriesOffset + 8 * memidx;
    }

    /** Number of imported globals. */
    public int importedGlobals() {
        return importedGlobals;
    }

    /** Offset of imported global {@code i}'s u64 address of the exporter's value slot. */
    public int globalImport(int i) {
        if (i < 0 || i >= importedGlobals) {
            throw new IndexOutOfBoundsException("imported global " + i + " of " + importedGlobals);
        }
        return globalImportsOffset + 8 * i;
    }

    /** Offset of the u64 address of libcall {@code id} ({@link #LIBCALL_TABLE_GROW}, ...). */
    public static int libcall(int id) {
        if (id < 0 || id >= LIBCALLS) {
            throw new IndexOutOfBoundsException("libcall " + id);
        }
        return 16 + 8 * id;
    }

    /** Number of functions (imported ones included). */
    public int functions() {
        return functions;
    }

    /** Offset of function {@code f}'s record (its u64 code address; a funcref points here). */
    public int functionRecord(int f) {
        if (f < 0 || f >= functions) {
            throw new IndexOutOfBoundsException("function " + f + " of " + functions);
        }
        return functionRecordsOffset + FUNCTION_RECORD_SIZE * f;
    }

    /** Number of function types (type ids). */
    public int types() {
        return types;
    }

    /** Offset of type {@code t}'s u32 canonical id. */
    public int typeId(int t) {
        if (t < 0 || t >= types) {
            throw new IndexOutOfBoundsException("type " + t + " of " + types);
        }
        return typeIdsOffset + 4 * t;
    }

    /** Number of tables. */
    public int tables() {
        return tables;
    }

    /** Offset of table {@code t}'s u64 {@link VMTableDefinition} address. */
    public int table(int t) {
        if (t < 0 || t >= tables) {
            throw new IndexOutOfBoundsException("table " + t + " of " + tables);
        }
        return tablesOffset + 8 * t;
    }

    /** The layout of a module without imported functions (see the full overload). */
    public static VMContextLayout forModule(int memories, List<ValType> globals, int dataSegments) {
        return new VMContextLayout(0, 0, 0, 0, 0, memories, 0, globals, dataSegments);
    }

    /** Number of imported functions. */
    public int importedFunctions() {
        return importedFunctions;
    }

    /** Offset of imported function {@code i}'s u64 code address (the start of its function record). */
    public int importCode(int i) {
        if (i < 0 || i >= importedFunctions) {
            throw new IndexOutOfBoundsException("imported function " + i + " of " + importedFunctions);
        }
        return functionRecord(i);
    }

    /** Offset of imported function {@code i}'s u64 callee VMContext. */
    public int importVmctx(int i) {
        return importCode(i) + FUNCTION_RECORD_VMCTX;
    }

    /** Offset of imported function {@code i}'s u64 host upcall address. */
    public int importUpcall(int i) {
        return importCode(i) + FUNCTION_RECORD_UPCALL;
    }

    /** Total size of the struct in bytes (a multiple of 16). */
    public int size() {
        return size;
    }

    /** Number of memories. */
    public int memories() {
        return memories;
    }

    private void checkMemory(int memidx) {
        if (memidx < 0 || memidx >= memories) {
            throw new IndexOutOfBoundsException("memory " + memidx + " of " + memories);
        }
    }

    /** Offset of defined memory {@code memidx}'s inline definition (its u64 base address). */
    public int memoryBase(int memidx) {
        checkMemory(memidx);
        if (memidx < importedMemories) {
            throw new IllegalArgumentException("memory " + memidx + " is imported: its definition is behind a pointer");
        }
        return memoriesOffset + 8 * importedMemories + 24 * (memidx - importedMemories);
    }

    /** Offset of memory {@code memidx}'s u64 current length in bytes. */
    public int memoryLength(int memidx) {
        return memoryBase(memidx) + 8;
    }

    /** Offset of memory {@code memidx}'s u64 maximum length in bytes. */
    public int memoryMaxLength(int memidx) {
        return memoryBase(memidx) + 16;
    }

    /** Number of defined globals. */
    public int globals() {
        return globalOffsets.length;
    }

    /** Offset of defined global {@code i}'s value slot. */
    public int global(int i) {
        return globalOffsets[i];
    }

    /** Number of data segments. */
    public int dataSegments() {
        return dataSegments;
    }

    /** Offset of data segment {@code i}'s u64 address. */
    public int dataSegmentBase(int i) {
        if (i < 0 || i >= dataSegments) {
            throw new IndexOutOfBoundsException("data segment " + i + " of " + dataSegments);
        }
        return dataOffset + 16 * i;
    }

    /** Offset of data segment {@code i}'s u64 length (0 once dropped). */
    public int dataSegmentLength(int i) {
        return dataSegmentBase(i) + 8;
    }
}
