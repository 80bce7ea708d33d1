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
 * <tr><td>8</td><td>u64 mprotect</td><td>address of libc's {@code mprotect}, called by
 *     {@code memory.grow} to commit pages of a reserved memory</td></tr>
 * </table>
 * Then, computed per module from its shape:
 * <ul>
 * <li>for each imported function: u64 code address, u64 VMContext to call it with, u64 host upcall
 *     address (a Wasm callee ignores it; for a host function the code is the module's import adapter
 *     for the signature, which calls the upcall);</li>
 * <li>for each memory (Wasm 2.0: at most one): u64 base address, u64 current length in bytes,
 *     u64 maximum length in bytes ({@code memory.grow} fails beyond it);</li>
 * <li>for each defined global: its value in an 8-byte slot (16 for v128), the low bytes used for
 *     i32/f32;</li>
 * <li>for each data segment: u64 address and u64 length of its bytes (length 0 once dropped).</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class VMContextLayout {
    /** Offset of the u64 address of the store's {@link VMStoreContext}. */
    public static final int STORE_CONTEXT = 0;
    /** Offset of the u64 address of libc's mprotect. */
    public static final int LIBC_MPROTECT = 8;
    /** Size of the fixed header in bytes. */
    public static final int HEADER_SIZE = 16;
    /** Size of an imported-function record. */
    public static final int IMPORT_SIZE = 24;

    private final int importedFunctions;
    private final int memories;
    private final int memoriesOffset;
    private final int[] globalOffsets;
    private final int dataSegments;
    private final int dataOffset;
    private final int size;

    private VMContextLayout(int importedFunctions, int memories, List<ValType> globals, int dataSegments) {
        this.importedFunctions = importedFunctions;
        this.memories = memories;
        int off = HEADER_SIZE + IMPORT_SIZE * importedFunctions;
        this.memoriesOffset = off;
        off += 24 * memories;
        this.globalOffsets = new int[globals.size()];
        for (int i = 0; i < globals.size(); i++) {
            int bytes = globals.get(i) == ValType.V128 ? 16 : 8;
            off = (off + bytes - 1) & -bytes;
            globalOffsets[i] = off;
            off += bytes;
        }
        this.dataSegments = dataSegments;
        this.dataOffset = off;
        off += 16 * dataSegments;
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
        return new VMContextLayout(importedFunctions, memories, globals, dataSegments);
    }

    /** The layout of a module without imported functions (see the full overload). */
    public static VMContextLayout forModule(int memories, List<ValType> globals, int dataSegments) {
        return new VMContextLayout(0, memories, globals, dataSegments);
    }

    /** Number of imported functions. */
    public int importedFunctions() {
        return importedFunctions;
    }

    /** Offset of imported function {@code i}'s u64 code address. */
    public int importCode(int i) {
        if (i < 0 || i >= importedFunctions) {
            throw new IndexOutOfBoundsException("imported function " + i + " of " + importedFunctions);
        }
        return HEADER_SIZE + IMPORT_SIZE * i;
    }

    /** Offset of imported function {@code i}'s u64 callee VMContext. */
    public int importVmctx(int i) {
        return importCode(i) + 8;
    }

    /** Offset of imported function {@code i}'s u64 host upcall address. */
    public int importUpcall(int i) {
        return importCode(i) + 16;
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

    /** Offset of memory {@code memidx}'s u64 base address. */
    public int memoryBase(int memidx) {
        checkMemory(memidx);
        return memoriesOffset + 24 * memidx;
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
