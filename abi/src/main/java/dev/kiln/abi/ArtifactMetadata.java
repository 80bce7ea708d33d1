package dev.kiln.abi;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the loader needs to know about a compiled module, stored in the artifact's {@code .kiln.meta}
 * section: the format version, target and required CPU features, the compile options, a SHA-256 of
 * the input, the function types, where each function's code is in {@code .text}, the exports with
 * their entry trampolines, the memories, globals and data segments (whose bytes are in
 * {@code .rodata}), the VMContext size and the unwind stub. It holds no trap table: an explicit check
 * calls the trap stub of its code, which stores the code, and a faulting access is told apart by the
 * guard-page handler; the places that can trap are in the frame table ({@link FrameTable}).
 *
 * <p>Encoding: little-endian; the magic {@code "KILNMETA"}, a u32 {@link #FORMAT_VERSION}, then the
 * fields in declaration order, the first ones as they are (u32 ELF machine, u64 CPU features, u32
 * option bits, u32 parallelism, u64 CPU features allowed: 40 bytes in all), then the length in bytes
 * of the rest as a u32 and the rest compressed with DEFLATE (RFC 1951 in the zlib format of RFC
 * 1950, {@link java.util.zip.Deflater}); strings and byte arrays are a u32 length and the bytes (UTF-8 for
 * strings, length {@code 0xFFFFFFFF} for {@code null}); lists are a u32 count and the elements.
 * {@link #decode} checks every length against the remaining bytes and throws
 * {@link ArtifactFormatException} with the offset, whatever the input (past the version, an offset in
 * the section with its body inflated).
 *
 * @param target            the instruction set of the code
 * @param cpuFeatures       bit set of CPU features the code requires (0: baseline x86-64)
 * @param options           the options the code was compiled with
 * @param inputHash         SHA-256 of the input module's bytes (32 bytes)
 * @param types             the module's function types, by typeidx
 * @param imports           the imports, in module order
 * @param importedFunctions how many functions are imported (their funcidx come first)
 * @param functions         the defined functions, by funcidx minus {@code importedFunctions}
 * @param exports           the exports, in module order
 * @param tables            the defined tables (imported ones are in {@code imports})
 * @param elements          the element segments, by elemidx
 * @param memories          the defined memories
 * @param globals           the defined globals, by defined-global index
 * @param data              the data segments, by dataidx
 * @param startFunction     the start function's funcidx (spec §2.5.9), or -1
 * @param startTrampoline   offset in {@code .text} of the start function's entry trampoline, or -1
 * @param vmctxSize         size in bytes of the VMContext
 * @param unwindStubOffset  offset in {@code .text} of the trap-unwind stub
 * @param libcalls          the libcalls the code may call, as a bit set: bit {@code id} for
 *                          {@code VMContextLayout.LIBCALL_*} {@code id}. A loader fills only these slots
 *                          of a VMContext's libcall table (each one is an upcall stub to make in a fresh
 *                          JVM); the code never reads the others. An import adapter's throw of a
 *                          host function's Wasm exception is not counted: the runtime fills that slot
 *                          when a host function throws one. {@link #ALL_LIBCALLS} when unknown
 * @param constExprs        the constant expressions that are more than one instruction (Wasm 3.0
 *                          extended constant expressions that read globals), as {@link ConstExprs}
 *                          programs; {@link GlobalInfo#INIT_EXPR} initializers and offsets index this list
 * @param typeInfo          the precise types of Wasm 3.0 typed references ({@link TypeInfo})
 */
public record ArtifactMetadata(
        Target target,
        long cpuFeatures,
        CompileOptions options,
        byte[] inputHash,
        List<FuncType> types,
        List<ImportInfo> imports,
        int importedFunctions,
        List<FunctionInfo> functions,
        List<ExportInfo> exports,
        List<TableInfo> tables,
        List<ElementInfo> elements,
        List<MemoryInfo> memories,
        List<GlobalInfo> globals,
        List<DataInfo> data,
        int startFunction,
        int startTrampoline,
        int vmctxSize,
        int unwindStubOffset,
        int libcalls,
        List<long[]> constExprs,
        TypeInfo typeInfo) {

    /**
     * Version of this encoding; a loader rejects any other. 4: delta-encoded trap table, memories and
     * tables with their address type, constant-expression programs. 5: precise value types of typed
     * references in function types, recursive type groups, precise table, global and import types.
     * 6: the option bit for guard-page bounds checks (a loader that does not know it would run their
     * unchecked accesses without the signal handler), and unknown option bits are refused. 7: the code's
     * trap path calls the backtrace libcall of the store context ({@code VMStoreContext.BACKTRACE_LIBCALL},
     * which an older loader leaves unset) and frame info lives in {@link FrameTable#SECTION}. 8: the
     * VMContext layout puts memories, tables and globals first and the function records last (code
     * compiled for the older layout reads other fields). 9: the guard-page handler's data lies
     * {@link GuardHandlerLayout#DATA_OFFSET} = 64 KiB after its code (it was 4 KiB). 10: the call sites
     * of {@link ExceptionTables#SECTION} are LEB128-encoded ({@link ExceptionTables#VERSION} 2). 11: and
     * compressed with DEFLATE ({@link ExceptionTables#VERSION} 3), as is this section's body; the frame
     * table's sites are stored as columns ({@link FrameTable#VERSION} 3). 12: no trap table (the
     * loader never read it; it was half of a large module's metadata, 0.7 MB of {@code llvm.core.wasm}'s
     * 1.45 MB), and the trap path of a Wasm {@code unreachable} is its trap stub's call in line; the set
     * of libcalls the code calls ({@link #libcalls}) follows the unwind stub's offset. 13: x86-64 code
     * with guard-page bounds checks traps with {@code ud1} (the trap code in its ModRM byte) instead of
     * calling a trap stub, which only a handler that also takes {@code SIGILL}
     * ({@link GuardHandlerLayout#PREVIOUS_SIGILL}) turns into a trap; the exception tables leave out
     * the call sites that the frame table describes ({@link ExceptionTables#VERSION} 4); the bytes of
     * active data segments are in {@link ActiveData#SECTION}, compressed, not in {@code .rodata}.
     * 14: the defined functions' code offsets and sizes are LEB128 differences in the order of the
     * code ({@link #writeFunctions}), not u32s by funcidx.
     */
    public static final int FORMAT_VERSION = 14;
    /** {@link #libcalls} of code that may call any libcall. */
    public static final int ALL_LIBCALLS = (1 << VMContextLayout.LIBCALLS) - 1;
    /** Name of the ELF section holding the metadata. */
    public static final String SECTION = ".kiln.meta";
    /** Bit of the encoded option word: IR verified. */
    private static final int OPTION_VERIFY = 1;
    /** Bit of the encoded option word: the Spectre guard of checked intrinsics is off. */
    private static final int OPTION_NO_SPECTRE_GUARD = 2;
    /** Bit of the encoded option word: compiled with epoch interruption. */
    private static final int OPTION_EPOCH = 4;
    /** Bit of the encoded option word: compiled with fuel metering. */
    private static final int OPTION_FUEL = 8;
    /**
     * Bit of the encoded option word: loads and stores of 32-bit memories rely on guard pages
     * ({@link BoundsChecks#GUARD}); the artifact carries the signal handler in {@link GuardHandlerLayout#SECTION}.
     */
    private static final int OPTION_GUARD_BOUNDS_CHECKS = 16;
    private static final byte[] MAGIC = "KILNMETA".getBytes(StandardCharsets.US_ASCII);

    public ArtifactMetadata {
        types = List.copyOf(types);
        imports = List.copyOf(imports);
        functions = List.copyOf(functions);
        exports = List.copyOf(exports);
        tables = List.copyOf(tables);
        elements = List.copyOf(elements);
        memories = List.copyOf(memories);
        globals = List.copyOf(globals);
        data = List.copyOf(data);
        inputHash = inputHash.clone();
        if ((libcalls & ~ALL_LIBCALLS) != 0) {
            throw new IllegalArgumentException("no libcall of bit set 0x" + Integer.toHexString(libcalls & ~ALL_LIBCALLS));
        }
        List<long[]> exprs = new ArrayList<>(constExprs.size());
        for (long[] e : constExprs) {
            exprs.add(e.clone());
        }
        constExprs = List.copyOf(exprs);
        if (typeInfo == null) {
            typeInfo = TypeInfo.erased(types.size(), imports, tables, globals);
        }
        if (typeInfo.recGroupStarts().length != types.size() || typeInfo.importTypes().size() != imports.size()
                || typeInfo.tableTypes().size() != tables.size() || typeInfo.globalTypes().size() != globals.size()) {
            throw new IllegalArgumentException("type info does not match the module's types, imports, tables and globals");
        }
    }

    /** Metadata whose tables, globals and imports have only {@code funcref}/{@code externref} reference types. */
    public ArtifactMetadata(Target target, long cpuFeatures, CompileOptions options, byte[] inputHash, List<FuncType> types,
            List<ImportInfo> imports, int importedFunctions, List<FunctionInfo> functions, List<ExportInfo> exports,
            List<TableInfo> tables, List<ElementInfo> elements, List<MemoryInfo> memories, List<GlobalInfo> globals,
            List<DataInfo> data, int startFunction, int startTrampoline, int vmctxSize, int unwindStubOffset,
            List<long[]> constExprs) {
        this(target, cpuFeatures, options, inputHash, types, imports, importedFunctions, functions, exports, tables, elements,
                memories, globals, data, startFunction, startTrampoline, vmctxSize, unwindStubOffset, ALL_LIBCALLS,
                constExprs, null);
    }

    /**
     * The precise types of Wasm 3.0 typed references that the machine-level fields leave out, for link-time
     * type checks and the public API. Concrete heap types index {@link #types()}.
     *
     * @param recGroupStarts for each typeidx, the typeidx that starts its recursive type group
     * @param importTypes    per import: the precise element type of a table or value type of a global;
     *                       {@code null} for functions and memories
     * @param tableTypes     per defined table: the precise element type
     * @param globalTypes    per defined global: the precise value type
     */
    public record TypeInfo(int[] recGroupStarts, List<ValueType> importTypes, List<RefType> tableTypes,
                           List<ValueType> globalTypes) {
        public TypeInfo {
            recGroupStarts = recGroupStarts.clone();
            importTypes = java.util.Collections.unmodifiableList(new ArrayList<>(importTypes));
            tableTypes = List.copyOf(tableTypes);
            globalTypes = List.copyOf(globalTypes);
        }

        /** The precise types implied by the machine-level ones: singleton groups, funcref and externref. */
        static TypeInfo erased(int types, List<ImportInfo> imports, List<TableInfo> tables, List<GlobalInfo> globals) {
            int[] starts = new int[types];
            for (int i = 0; i < types; i++) {
                starts[i] = i;
            }
            List<ValueType> imp = new ArrayList<>();
            for (ImportInfo i : imports) {
                imp.add(switch (i.kind()) {
                    case 1 -> ValueType.of(ValType.fromCode((int) (i.a() & 0xFF)));
                    case 3 -> ValueType.of(ValType.fromCode((int) i.a()));
                    default -> null;
                });
            }
            List<RefType> tab = new ArrayList<>();
            for (TableInfo t : tables) {
                tab.add((RefType) ValueType.of(t.elemType()));
            }
            List<ValueType> glob = new ArrayList<>();
            for (GlobalInfo g : globals) {
                glob.add(ValueType.of(g.type()));
            }
            return new TypeInfo(starts, imp, tab, glob);
        }
    }

    /** Metadata without multi-instruction constant expressions. */
    public ArtifactMetadata(Target target, long cpuFeatures, CompileOptions options, byte[] inputHash, List<FuncType> types,
            List<ImportInfo> imports, int importedFunctions, List<FunctionInfo> functions, List<ExportInfo> exports,
            List<TableInfo> tables, List<ElementInfo> elements, List<MemoryInfo> memories, List<GlobalInfo> globals,
            List<DataInfo> data, int startFunction, int startTrampoline, int vmctxSize, int unwindStubOffset) {
        this(target, cpuFeatures, options, inputHash, types, imports, importedFunctions, functions, exports, tables, elements,
                memories, globals, data, startFunction, startTrampoline, vmctxSize, unwindStubOffset, List.of());
    }

    /**
     * Programs of constant expressions (spec §3.3.10 with Wasm 3.0's extended constant expressions):
     * pairs {@code (op, operand)} run on a stack of raw value bits. {@link #CONST} pushes the operand
     * (i32 sign-extended), {@link #GLOBAL} the value of globalidx operand; the arithmetic ops pop two
     * values and push the wrapped result (i32 ops sign-extend theirs). Stateless and thread-safe.
     */
    public static final class ConstExprs {
        /** Push the operand. */
        public static final int CONST = 0;
        /** Push the bits of global {@code operand} (imported or defined, by globalidx). */
        public static final int GLOBAL = 1;
        /** {@code i32.add}. */
        public static final int I32_ADD = 2;
        /** {@code i32.sub}. */
        public static final int I32_SUB = 3;
        /** {@code i32.mul}. */
        public static final int I32_MUL = 4;
        /** {@code i64.add}. */
        public static final int I64_ADD = 5;
        /** {@code i64.sub}. */
        public static final int I64_SUB = 6;
        /** {@code i64.mul}. */
        public static final int I64_MUL = 7;

        private ConstExprs() {
        }

        /**
         * Runs {@code program}.
         *
         * @param global the bits of a global by globalidx
         * @return the bits of the single result
         * @throws IllegalArgumentException if the program is malformed (an unknown op, a stack that
         *                                  does not end with exactly one value)
         */
        public static long evaluate(long[] program, java.util.function.IntToLongFunction global) {
            long[] stack = new long[program.length / 2 + 1];
            int sp = 0;
            for (int i = 0; i + 1 < program.length; i += 2) {
                int op = (int) program[i];
                long operand = program[i + 1];
                if (op == CONST || op == GLOBAL) {
                    stack[sp++] = op == CONST ? operand : global.applyAsLong((int) operand);
                    continue;
                }
                if (sp < 2) {
                    throw new IllegalArgumentException("constant expression pops an empty stack at op " + i / 2);
                }
                long b = stack[--sp];
                long a = stack[--sp];
                stack[sp++] = switch (op) {
                    case I32_ADD -> (int) (a + b);
                    case I32_SUB -> (int) (a - b);
                    case I32_MUL -> (int) a * (int) b;
                    case I64_ADD -> a + b;
                    case I64_SUB -> a - b;
                    case I64_MUL -> a * b;
                    default -> throw new IllegalArgumentException("unknown constant expression op " + op);
                };
            }
            if (sp != 1) {
                throw new IllegalArgumentException("constant expression leaves " + sp + " values");
            }
            return stack[0];
        }
    }

    /**
     * An import (spec §2.5.11).
     *
     * @param module the module name
     * @param name   the field name
     * @param kind   {@link ExportInfo#FUNC}, 1 table, 2 memory, 3 global
     * @param a      function: typeidx; global: value type code; memory: minimum pages; table: element type
     *               code, plus {@link #TABLE64} for a 64-bit table
     * @param b      global: 1 if mutable; memory: maximum pages or -1; table: minimum size
     * @param c      function: offset in {@code .text} of the import adapter for its signature; table: maximum
     *               size or -1; memory: {@link #MEMORY64} for a 64-bit memory, else 0
     */
    public record ImportInfo(String module, String name, int kind, long a, long b, long c) {
        /** Bit of {@code a} of a table import: the table's address type is i64 (Wasm 3.0 table64). */
        public static final long TABLE64 = 0x100;
        /** Value of {@code c} of a memory import: the memory's address type is i64 (Wasm 3.0 memory64). */
        public static final long MEMORY64 = 1;
    }

    /**
     * A defined function.
     *
     * @param typeIndex  its typeidx
     * @param name       its name from the name section, or {@code null}
     * @param textOffset offset of its code in {@code .text}, the address its function record holds
     * @param size       size of its code in bytes; 0 for a function the compiler gave no code because
     *                   nothing calls it (not exported, in no table, every call to it inlined), whose
     *                   {@code textOffset} is that of a stub that traps with {@code unreachable}
     */
    public record FunctionInfo(int typeIndex, String name, int textOffset, int size) {
    }

    /**
     * An export.
     *
     * @param name             the export name
     * @param kind             0 function, 1 table, 2 memory, 3 global (the binary format's externtype byte)
     * @param index            the exported entity's index in its index space
     * @param trampolineOffset for a function: offset in {@code .text} of its entry trampoline; else -1
     */
    public record ExportInfo(String name, int kind, int index, int trampolineOffset) {
        /** Export kind of a function. */
        public static final int FUNC = 0;
    }

    /**
     * A table.
     *
     * @param elemType {@link ValType#FUNCREF} or {@link ValType#EXTERNREF}
     * @param min      initial size in entries
     * @param max      maximum size in entries, or -1 for none
     * @param table64  whether the table's address type is i64 (Wasm 3.0 table64)
     * @param initKind the value every entry starts with (Wasm 3.0 table initializer expressions), as a
     *                 {@link GlobalInfo#initKind()}: {@link GlobalInfo#INIT_REF_NULL} for null references
     * @param init     as {@link GlobalInfo#init()}
     */
    public record TableInfo(ValType elemType, long min, long max, boolean table64, int initKind, long init) {
        /** A table of null references. */
        public TableInfo(ValType elemType, long min, long max, boolean table64) {
            this(elemType, min, max, table64, GlobalInfo.INIT_REF_NULL, 0);
        }

        /** A table with address type i32, of null references. */
        public TableInfo(ValType elemType, long min, long max) {
            this(elemType, min, max, false);
        }
    }

    /**
     * An element segment.
     *
     * @param mode       {@link #ACTIVE}, {@link #PASSIVE} or {@link #DECLARATIVE}
     * @param tableIndex for an active segment, the tableidx
     * @param offsetKind for an active segment, {@link GlobalInfo#INIT_CONST}, {@link GlobalInfo#INIT_GLOBAL} or
     *                   {@link GlobalInfo#INIT_EXPR}
     * @param offset     the i32 offset or the globalidx holding it
     * @param elemType   the reference type of the items
     * @param items      per item a funcidx, -1 for {@code ref.null}, or {@code -2 - globalidx} for
     *                   {@code global.get} of an (imported) global
     */
    public record ElementInfo(int mode, int tableIndex, int offsetKind, long offset, ValType elemType, long[] items) {
        /** Copied into a table at instantiation, then dropped. */
        public static final int ACTIVE = 0;
        /** Used by {@code table.init} until {@code elem.drop}. */
        public static final int PASSIVE = 1;
        /** Only declares the functions {@code ref.func} may name; dropped at instantiation. */
        public static final int DECLARATIVE = 2;

        public ElementInfo {
            items = items.clone();
        }
    }

    /**
     * A memory.
     *
     * @param minPages initial size in 64 KiB pages
     * @param maxPages maximum size in pages, or -1 for none (then 65536, 4 GiB, for a 32-bit memory)
     * @param memory64 whether the memory's address type is i64 (Wasm 3.0 memory64)
     */
    public record MemoryInfo(long minPages, long maxPages, boolean memory64) {
        /** A memory with address type i32. */
        public MemoryInfo(long minPages, long maxPages) {
            this(minPages, maxPages, false);
        }
    }

    /**
     * A defined global and its initializer (a constant expression, spec §3.3.10).
     *
     * @param type     its value type
     * @param mutable  whether {@code global.set} may change it
     * @param initKind how it is initialized: {@link #INIT_CONST}, {@link #INIT_GLOBAL},
     *                 {@link #INIT_REF_NULL}, {@link #INIT_REF_FUNC} or {@link #INIT_EXPR}
     * @param init     the constant's bits (i32 sign-extended, f32 in the low 32 bits), a globalidx (of an
     *                 imported or an earlier defined global), a funcidx or an index into {@link #constExprs()}
     */
    public record GlobalInfo(ValType type, boolean mutable, int initKind, long init) {
        /** Initialized by a {@code t.const}. */
        public static final int INIT_CONST = 0;
        /** Initialized by {@code global.get} of an imported global. */
        public static final int INIT_GLOBAL = 1;
        /** Initialized by {@code ref.null}. */
        public static final int INIT_REF_NULL = 2;
        /** Initialized by {@code ref.func}. */
        public static final int INIT_REF_FUNC = 3;
        /** Initialized by a multi-instruction constant expression: {@code init} indexes {@link #constExprs()}. */
        public static final int INIT_EXPR = 4;
        /** A v128 initialized by {@code v128.const}: {@code init} is the byte offset of its 16 bytes in {@code .rodata}. */
        public static final int INIT_V128 = 5;
    }

    /**
     * A data segment.
     *
     * @param active        whether it is copied into a memory at instantiation
     * @param memoryIndex   for an active segment, the memidx
     * @param offsetKind    for an active segment, {@link GlobalInfo#INIT_EXPR} (offset indexes
     *                      {@link ArtifactMetadata#constExprs()}), {@link GlobalInfo#INIT_CONST} (offset is the
     *                      i32, or i64 for a 64-bit memory) or
     *                      {@link GlobalInfo#INIT_GLOBAL} (offset is the globalidx holding it)
     * @param offset        see {@code offsetKind}
     * @param rodataOffset  where its bytes are: for a passive segment in {@code .rodata}, for an active
     *                      one in the bytes of {@link ActiveData#SECTION}
     * @param length        its length in bytes
     */
    public record DataInfo(boolean active, int memoryIndex, int offsetKind, long offset, int rodataOffset, int length) {
    }

    /** The VMContext layout of this module, computed from its shape as the compiler did. */
    public VMContextLayout layout() {
        List<ValType> g = new ArrayList<>(globals.size());
        for (GlobalInfo gi : globals) {
            g.add(gi.type());
        }
        int importedTables = 0;
        int importedMemories = 0;
        int importedGlobals = 0;
        for (ImportInfo i : imports) {
            switch (i.kind()) {
                case 1 -> importedTables++;
                case 2 -> importedMemories++;
                case 3 -> importedGlobals++;
                default -> {
                }
            }
        }
        return VMContextLayout.forModule(importedFunctions, importedFunctions + functions.size(), types.size(),
                importedTables + tables.size(), importedMemories, importedMemories + memories.size(), importedGlobals, g,
                data.size());
    }

    /** The type of function {@code funcIndex} (imports included). */
    public FuncType functionType(int funcIndex) {
        if (funcIndex < importedFunctions) {
            int seen = 0;
            for (ImportInfo i : imports) {
                if (i.kind() == ExportInfo.FUNC && seen++ == funcIndex) {
                    return types.get((int) i.a());
                }
            }
            throw new IllegalStateException("no imported function " + funcIndex);
        }
        return types.get(functions.get(funcIndex - importedFunctions).typeIndex());
    }

    // ---- encoding -----------------------------------------------------------------------------

    /** The encoded section contents. */
    public byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            Out out = new Out(new DataOutputStream(bytes));
            out.raw(MAGIC);
            out.u32(FORMAT_VERSION);
            out.u32(target.elfMachine());
            out.u64(cpuFeatures);
            out.u32((options.verifyIr() ? OPTION_VERIFY : 0) | (options.spectreGuard() ? 0 : OPTION_NO_SPECTRE_GUARD)
                    | (options.epochInterruption() ? OPTION_EPOCH : 0) | (options.consumeFuel() ? OPTION_FUEL : 0)
                    | (options.boundsChecks() == BoundsChecks.GUARD ? OPTION_GUARD_BOUNDS_CHECKS : 0));
            out.u32(options.parallelism());
            out.u64(options.cpuFeatures());
            out.bytes(inputHash);
            out.u32(types.size());
            for (int i = 0; i < types.size(); i++) {
                FuncType t = types.get(i);
                out.u32(typeInfo.recGroupStarts()[i]);
                out.u32(t.paramTypes().size());
                for (ValueType v : t.paramTypes()) {
                    out.valueType(v);
                }
                out.u32(t.resultTypes().size());
                for (ValueType v : t.resultTypes()) {
                    out.valueType(v);
                }
            }
            out.u32(imports.size());
            for (ImportInfo i : imports) {
                out.string(i.module());
                out.string(i.name());
                out.u32(i.kind());
                out.u64(i.a());
                out.u64(i.b());
                out.u64(i.c());
            }
            out.u32(importedFunctions);
            out.u32(functions.size());
            writeFunctions(out);
            out.u32(exports.size());
            for (ExportInfo e : exports) {
                out.string(e.name());
                out.u32(e.kind());
                out.u32(e.index());
                out.u32(e.trampolineOffset());
            }
            out.u32(tables.size());
            for (TableInfo t : tables) {
                out.u32(t.elemType().code());
                out.u64(t.min());
                out.u64(t.max());
                out.u32(t.table64() ? 1 : 0);
                out.u32(t.initKind());
                out.u64(t.init());
            }
            out.u32(elements.size());
            for (ElementInfo e : elements) {
                out.u32(e.mode());
                out.u32(e.tableIndex());
                out.u32(e.offsetKind());
                out.u64(e.offset());
                out.u32(e.elemType().code());
                out.u32(e.items().length);
                for (long item : e.items()) {
                    out.u64(item);
                }
            }
            out.u32(memories.size());
            for (MemoryInfo m : memories) {
                out.u64(m.minPages());
                out.u64(m.maxPages());
                out.u32(m.memory64() ? 1 : 0);
            }
            out.u32(globals.size());
            for (GlobalInfo g : globals) {
                out.u32(g.type().code());
                out.u32(g.mutable() ? 1 : 0);
                out.u32(g.initKind());
                out.u64(g.init());
            }
            out.u32(data.size());
            for (DataInfo d : data) {
                out.u32(d.active() ? 1 : 0);
                out.u32(d.memoryIndex());
                out.u32(d.offsetKind());
                out.u64(d.offset());
                out.u32(d.rodataOffset());
                out.u32(d.length());
            }
            out.u32(startFunction);
            out.u32(startTrampoline);
            out.u32(vmctxSize);
            out.u32(unwindStubOffset);
            out.u32(libcalls);
            out.u32(constExprs.size());
            for (long[] e : constExprs) {
                out.u32(e.length);
                for (long v : e) {
                    out.u64(v);
                }
            }
            for (ValueType v : typeInfo.importTypes()) {
                out.valueType(v);
            }
            for (RefType r : typeInfo.tableTypes()) {
                out.valueType(r);
            }
            for (ValueType v : typeInfo.globalTypes()) {
                out.valueType(v);
            }
            out.out().flush();
            return compress(bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Bytes that stay uncompressed: the magic, the version, the target machine, the CPU features and
     * the compile options (option bits, parallelism, allowed CPU features), so that they can be read
     * (and artifacts compiled with other options compared) without inflating the rest.
     */
    private static final int HEADER = 40;

    /** {@code plain}'s header, the body's length as a u32, then the body compressed with DEFLATE. */
    static byte[] compress(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length / 2 + 64);
        out.write(plain, 0, HEADER);
        int n = plain.length - HEADER;
        out.write(new byte[] {(byte) n, (byte) (n >>> 8), (byte) (n >>> 16), (byte) (n >>> 24)}, 0, 4);
        Deflate.compress(plain, HEADER, n, out);
        return out.toByteArray();
    }

    /**
     * The section with its body inflated: the header, then the body (what {@link #encode} compressed).
     *
     * @throws ArtifactFormatException if the body's length or its compressed bytes are malformed
     */
    static byte[] inflate(byte[] section, String source) {
        if (section.length < HEADER + 4) {
            throw new ArtifactFormatException(source, section.length, SECTION + " is truncated");
        }
        long length = ByteBuffer.wrap(section, HEADER, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL;
        byte[] body = Deflate.inflate(section, HEADER + 4, length, source, SECTION + ": the fields after the options");
        byte[] plain = new byte[HEADER + body.length];
        System.arraycopy(section, 0, plain, 0, HEADER);
        System.arraycopy(body, 0, plain, HEADER, body.length);
        return plain;
    }

    /**
     * The defined functions (version 14): by funcidx, each one's typeidx as an unsigned LEB128 and
     * its name as a string; then, in the order of their code in {@code .text}, each one's funcidx as
     * a signed LEB128 difference from one after the previous one's, its code's size as an unsigned
     * LEB128, and its code's offset as a signed LEB128 difference from the end of the previous code
     * rounded up to {@value #PREDICTED_FUNCTION_ALIGNMENT} bytes. Functions mostly follow each other
     * in funcidx order at that alignment, so both differences are mostly 0 and DEFLATE takes them to
     * a few bits: {@code llvm.core.wasm}'s 127,818 functions take 266 KB where the 16 bytes of each one
     * as u32s took 690 KB.
     */
    private void writeFunctions(Out out) throws IOException {
        for (FunctionInfo f : functions) {
            out.uleb(f.typeIndex());
            out.string(f.name());
        }
        Integer[] byOffset = new Integer[functions.size()];
        for (int i = 0; i < byOffset.length; i++) {
            byOffset[i] = i;
        }
        java.util.Arrays.sort(byOffset, java.util.Comparator.comparingInt(i -> functions.get(i).textOffset()));
        ByteArrayOutputStream code = new ByteSink(4 * byOffset.length);
        int previous = -1;
        long end = 0;
        for (int i : byOffset) {
            FunctionInfo f = functions.get(i);
            Leb128.writeSigned(code, i - previous - 1);
            Leb128.writeUnsigned(code, f.size());
            Leb128.writeSigned(code, f.textOffset() - alignUp(end));
            previous = i;
            end = (long) f.textOffset() + f.size();
        }
        out.raw(code.toByteArray());
    }

    /** The alignment {@link #writeFunctions} predicts each function's code to start at, in bytes. */
    private static final int PREDICTED_FUNCTION_ALIGNMENT = 16;

    private static long alignUp(long offset) {
        return (offset + PREDICTED_FUNCTION_ALIGNMENT - 1) & -PREDICTED_FUNCTION_ALIGNMENT;
    }

    private record Out(DataOutputStream out) {
        void raw(byte[] b) throws IOException {
            out.write(b);
        }

        /** An unsigned LEB128 ({@link Leb128}). */
        void uleb(long v) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(10);
            Leb128.writeUnsigned(b, v);
            b.writeTo(out);
        }

        /** A precise value type: its code, and for {@code 0x63}/{@code 0x64} a heap type word; 0 for none. */
        void valueType(ValueType v) throws IOException {
            if (v == null) {
                u32(0);
            } else if (v instanceof RefType r) {
                u32(r.nullable() ? 0x63 : 0x64);
                u32(r.heapType().isConcrete() ? r.heapType().typeIndex() : 0x8000_0000 | r.heapType().kind().code());
            } else {
                u32(((ValType) v).code());
            }
        }

        void u32(int v) throws IOException {
            out.writeInt(Integer.reverseBytes(v));
        }

        void u64(long v) throws IOException {
            out.writeLong(Long.reverseBytes(v));
        }

        void bytes(byte[] b) throws IOException {
            u32(b.length);
            out.write(b);
        }

        void string(String s) throws IOException {
            if (s == null) {
                u32(-1);
            } else {
                bytes(s.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /**
     * Decodes section contents written by {@link #encode()}.
     *
     * @param source a name for error messages (the artifact file), or {@code null}
     * @throws ArtifactFormatException if the bytes are truncated, have the wrong magic or version, or
     *                                 hold an out-of-range value; the message gives the offset within the section
     */
    public static ArtifactMetadata decode(byte[] section, String source) {
        ByteBuffer in = ByteBuffer.wrap(section).order(ByteOrder.LITTLE_ENDIAN);
        try {
            byte[] magic = new byte[MAGIC.length];
            in.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new ArtifactFormatException(source, 0, SECTION + " does not start with KILNMETA");
            }
            int version = in.getInt();
            if (version != FORMAT_VERSION) {
                throw new ArtifactFormatException(source, 8, SECTION + " format version " + version
                        + " is not the supported version " + FORMAT_VERSION + "; recompile the module with this Kiln");
            }
            in = ByteBuffer.wrap(inflate(section, source)).order(ByteOrder.LITTLE_ENDIAN);
            in.position(MAGIC.length + 4); // the inflated form keeps the header: go on after the version
            int machine = in.getInt();
            Target target = Target.fromElfMachine(machine);
            if (target == null) {
                throw new ArtifactFormatException(source, 12, "unknown target machine " + machine);
            }
            long features = in.getLong();
            int optionBits = in.getInt();
            int knownBits = OPTION_VERIFY | OPTION_NO_SPECTRE_GUARD | OPTION_EPOCH | OPTION_FUEL
                    | OPTION_GUARD_BOUNDS_CHECKS;
            if ((optionBits & ~knownBits) != 0) {
                throw new ArtifactFormatException(source, 24, "unknown compile option bits 0x"
                        + Integer.toHexString(optionBits & ~knownBits) + "; recompile the module with this Kiln");
            }
            boolean verify = (optionBits & OPTION_VERIFY) != 0;
            int parallelism = count(in, source, Integer.MAX_VALUE);
            long allowedFeatures = in.getLong();
            byte[] hash = bytes(in, source);
            int nTypes = count(in, source, 12);
            List<FuncType> types = new ArrayList<>(nTypes);
            int[] groupStarts = new int[nTypes];
            for (int i = 0; i < nTypes; i++) {
                int pos = in.position();
                groupStarts[i] = in.getInt();
                if (groupStarts[i] < 0 || groupStarts[i] > i) {
                    throw new ArtifactFormatException(source, pos, "type " + i + " has a bad recursive group start");
                }
                types.add(FuncType.ofPrecise(valueTypes(in, source, nTypes), valueTypes(in, source, nTypes)));
            }
            int nImports = count(in, source, 36);
            List<ImportInfo> imports = new ArrayList<>(nImports);
            for (int i = 0; i < nImports; i++) {
                imports.add(new ImportInfo(string(in, source), string(in, source), in.getInt(), in.getLong(), in.getLong(),
                        in.getLong()));
            }
            int imported = count(in, source, Integer.MAX_VALUE);
            List<FunctionInfo> funcs;
            try {
                funcs = readFunctions(in, source, nTypes);
            } catch (ArtifactFormatException e) {
                throw e.source() == null ? e.withSource(source) : e; // a LEB128 too long names no input
            }
            int nExports = count(in, source, 16);
            List<ExportInfo> exports = new ArrayList<>(nExports);
            for (int i = 0; i < nExports; i++) {
                exports.add(new ExportInfo(string(in, source), in.getInt(), in.getInt(), in.getInt()));
            }
            int nTables = count(in, source, 36);
            List<TableInfo> tables = new ArrayList<>(nTables);
            for (int i = 0; i < nTables; i++) {
                tables.add(new TableInfo(refType(in, source), in.getLong(), in.getLong(), in.getInt() != 0, in.getInt(),
                        in.getLong()));
            }
            int nElems = count(in, source, 28);
            List<ElementInfo> elements = new ArrayList<>(nElems);
            for (int i = 0; i < nElems; i++) {
                int mode = in.getInt();
                int table = in.getInt();
                int offsetKind = in.getInt();
                long offset = in.getLong();
                ValType t = refType(in, source);
                int n = count(in, source, 8);
                long[] items = new long[n];
                for (int k = 0; k < n; k++) {
                    items[k] = in.getLong();
                }
                elements.add(new ElementInfo(mode, table, offsetKind, offset, t, items));
            }
            int nMem = count(in, source, 20);
            List<MemoryInfo> memories = new ArrayList<>(nMem);
            for (int i = 0; i < nMem; i++) {
                memories.add(new MemoryInfo(in.getLong(), in.getLong(), in.getInt() != 0));
            }
            int nGlobals = count(in, source, 20);
            List<GlobalInfo> globals = new ArrayList<>(nGlobals);
            for (int i = 0; i < nGlobals; i++) {
                int pos = in.position();
                ValType t = ValType.fromCode(in.getInt());
                if (t == null) {
                    throw new ArtifactFormatException(source, pos, "global " + i + " has an unknown value type");
                }
                globals.add(new GlobalInfo(t, in.getInt() != 0, in.getInt(), in.getLong()));
            }
            int nData = count(in, source, 28);
            List<DataInfo> data = new ArrayList<>(nData);
            for (int i = 0; i < nData; i++) {
                data.add(new DataInfo(in.getInt() != 0, in.getInt(), in.getInt(), in.getLong(),
                        count(in, source, Integer.MAX_VALUE), count(in, source, Integer.MAX_VALUE)));
            }
            int startFunction = in.getInt();
            int startTrampoline = in.getInt();
            int vmctxSize = count(in, source, Integer.MAX_VALUE);
            int unwind = count(in, source, Integer.MAX_VALUE);
            int libcallsAt = in.position();
            int libcalls = in.getInt();
            if ((libcalls & ~ALL_LIBCALLS) != 0) {
                throw new ArtifactFormatException(source, libcallsAt, "libcall bit set 0x" + Integer.toHexString(libcalls)
                        + " names a libcall this Kiln does not have");
            }
            int nExprs = count(in, source, 4);
            List<long[]> exprs = new ArrayList<>(nExprs);
            for (int i = 0; i < nExprs; i++) {
                long[] e = new long[count(in, source, 8)];
                for (int k = 0; k < e.length; k++) {
                    e[k] = in.getLong();
                }
                exprs.add(e);
            }
            List<ValueType> importTypes = new ArrayList<>();
            for (int i = 0; i < nImports; i++) {
                importTypes.add(valueType(in, source, nTypes, true));
            }
            List<RefType> tableTypes = new ArrayList<>();
            for (int i = 0; i < tables.size(); i++) {
                int pos = in.position();
                if (!(valueType(in, source, nTypes, false) instanceof RefType r) || r.machineType() != tables.get(i).elemType()) {
                    throw new ArtifactFormatException(source, pos, "table " + i + " has a bad element type");
                }
                tableTypes.add(r);
            }
            List<ValueType> globalTypes = new ArrayList<>();
            for (int i = 0; i < globals.size(); i++) {
                int pos = in.position();
                ValueType v = valueType(in, source, nTypes, false);
                if (v.machineType() != globals.get(i).type()) {
                    throw new ArtifactFormatException(source, pos, "global " + i + " has a bad value type");
                }
                globalTypes.add(v);
            }
            if (in.hasRemaining()) {
                throw new ArtifactFormatException(source, in.position(), in.remaining() + " unexpected bytes at the end of "
                        + SECTION);
            }
            ArtifactMetadata meta = new ArtifactMetadata(target, features, new CompileOptions(verify, parallelism, allowedFeatures,
                    (optionBits & OPTION_NO_SPECTRE_GUARD) == 0, (optionBits & OPTION_EPOCH) != 0,
                    (optionBits & OPTION_FUEL) != 0, (optionBits & OPTION_GUARD_BOUNDS_CHECKS) != 0
                    ? BoundsChecks.GUARD : BoundsChecks.EXPLICIT), hash,
                    types, imports, imported, funcs, exports, tables, elements, memories, globals, data, startFunction, startTrampoline, vmctxSize,
                    unwind, libcalls, exprs, new TypeInfo(groupStarts, importTypes, tableTypes, globalTypes));
            if (meta.layout().size() != vmctxSize) {
                throw new ArtifactFormatException(source, -1, "VMContext size " + vmctxSize
                        + " does not match the module's shape (" + meta.layout().size() + ")");
            }
            return meta;
        } catch (BufferUnderflowException e) {
            throw new ArtifactFormatException(source, in.position(), SECTION + " is truncated");
        }
    }

    /** The defined functions as {@link #writeFunctions} writes them, after their count. */
    private static List<FunctionInfo> readFunctions(ByteBuffer in, String source, int nTypes) {
        int n = count(in, source, 8); // by funcidx at least 5 bytes, by offset at least 3
        int[] typeIndex = new int[n];
        String[] name = new String[n];
        for (int i = 0; i < n; i++) {
            int pos = in.position();
            long t = Leb128.readLong(in, SECTION, false);
            if (t >= nTypes) {
                throw new ArtifactFormatException(source, pos, "function " + i + " has type index " + t + " of " + nTypes);
            }
            typeIndex[i] = (int) t;
            name[i] = string(in, source);
        }
        int[] offset = new int[n];
        int[] size = new int[n];
        java.util.BitSet seen = new java.util.BitSet(n);
        long previous = -1;
        long end = 0;
        for (int k = 0; k < n; k++) {
            int pos = in.position();
            long i = previous + 1 + Leb128.readLong(in, SECTION, true);
            if (i < 0 || i >= n || seen.get((int) i)) {
                throw new ArtifactFormatException(source, pos, "function code " + k + " names function " + i
                        + (i >= 0 && i < n ? " a second time" : " of " + n));
            }
            long length = Leb128.readLong(in, SECTION, false);
            long start = alignUp(end) + Leb128.readLong(in, SECTION, true);
            if (start < 0 || start + length > Integer.MAX_VALUE) {
                throw new ArtifactFormatException(source, pos, "function " + i + " has code at offset " + start
                        + " of " + length + " bytes");
            }
            seen.set((int) i);
            offset[(int) i] = (int) start;
            size[(int) i] = (int) length;
            previous = i;
            end = start + length;
        }
        List<FunctionInfo> funcs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            funcs.add(new FunctionInfo(typeIndex[i], name[i], offset[i], size[i]));
        }
        return funcs;
    }

    /** A non-negative u32 count; each element needs at least {@code minBytesEach} more bytes. */
    private static int count(ByteBuffer in, String source, int minBytesEach) {
        int pos = in.position();
        int n = in.getInt();
        if (n < 0 || (minBytesEach != Integer.MAX_VALUE && (long) n * minBytesEach > in.remaining())) {
            throw new ArtifactFormatException(source, pos, "count " + Integer.toUnsignedString(n)
                    + " exceeds the remaining " + in.remaining() + " bytes of " + SECTION);
        }
        return n;
    }

    private static byte[] bytes(ByteBuffer in, String source) {
        int n = count(in, source, 1);
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private static String string(ByteBuffer in, String source) {
        int pos = in.position();
        int n = in.getInt();
        if (n == -1) {
            return null;
        }
        in.position(pos);
        return new String(bytes(in, source), StandardCharsets.UTF_8);
    }

    private static ValType refType(ByteBuffer in, String source) {
        int pos = in.position();
        ValType t = ValType.fromCode(in.getInt());
        if (t == null || !t.isReference()) {
            throw new ArtifactFormatException(source, pos, "not a reference type");
        }
        return t;
    }

    private static List<ValueType> valueTypes(ByteBuffer in, String source, int nTypes) {
        int n = count(in, source, 4);
        List<ValueType> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(valueType(in, source, nTypes, false));
        }
        return out;
    }

    private static ValueType valueType(ByteBuffer in, String source, int nTypes, boolean optional) {
        int pos = in.position();
        int code = in.getInt();
        if (code == 0 && optional) {
            return null;
        }
        if (code == 0x63 || code == 0x64) {
            int h = in.getInt();
            HeapType heap = h >= 0 && h < nTypes ? HeapType.concrete(h) : h < 0 ? HeapType.fromCode(h & 0xFF) : null;
            if (heap == null || (h < 0 && (h & 0x7FFF_FF00) != 0)) {
                throw new ArtifactFormatException(source, pos, "unknown heap type " + h);
            }
            return new RefType(code == 0x63, heap);
        }
        ValType t = ValType.fromCode(code);
        if (t == null) {
            throw new ArtifactFormatException(source, pos, "unknown value type");
        }
        return t.normalized();
    }

}
