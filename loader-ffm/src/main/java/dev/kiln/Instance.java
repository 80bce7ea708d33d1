package dev.kiln;

import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.abi.VMMemoryDefinition;
import dev.kiln.abi.ValType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An instantiated module (spec §4.5.4 "Instantiation"): its VMContext in native memory owned by a
 * {@link Store}, its tables and memories, and its exports.
 *
 * <pre>{@code
 * try (Store store = new Store(engine)) {
 *     Instance instance = Instance.create(store, module);          // or linker.instantiate(store, module)
 *     int r = instance.func("add").call(Val.i32(2), Val.i32(3))[0].i32();
 *     MemorySegment bytes = instance.memory("memory").segment();
 * }
 * }</pre>
 *
 * <p>Belongs to its store and follows its thread-safety rules.
 */
public final class Instance {
    private final Store store;
    private final Module module;
    private final MemorySegment vmctx;
    /** The VMContext layout, computed once (ArtifactMetadata.layout() builds it anew for each call). */
    private final VMContextLayout layout;
    private final Map<String, Func> funcs = new LinkedHashMap<>();
    private final Map<String, Memory> memoryExports = new LinkedHashMap<>();
    private final Map<String, Global> globalExports = new LinkedHashMap<>();
    private final Map<String, Table> tableExports = new LinkedHashMap<>();
    private final Map<String, Tag> tagExports = new LinkedHashMap<>();
    /** The instance's tags by tagidx, imported ones first (exception handling). */
    private final Tag[] tags;
    private final Memory[] memories;
    private final Table[] tables;
    private final Global[] importedGlobals;
    /** Per element segment: its items as native reference bits; null once dropped. */
    private final long[][] elements;

    /** Live instances by VMContext address, for the libcalls. */
    private static final Map<Long, Instance> BY_VMCTX = new ConcurrentHashMap<>();

    /**
     * The canonical id of each of the module's types ({@link RuntimeTypes}); call_indirect compares
     * the id plus one (0 is never a type) with the callee record's.
     */
    private final int[] canon;

    private Instance(Store store, Module module, Extern[] imports) {
        this.store = store;
        this.module = module;
        store.addCodeModule(module);
        ArtifactMetadata meta = module.metadata();
        Interruption.checkModule(store.engine(), meta, null);
        if (meta.options().boundsChecks() == dev.kiln.abi.BoundsChecks.GUARD
                && !dev.kiln.loader.GuardSignalHandler.isInstalled()) {
            // once per process: out-of-bounds accesses of this code fault instead of branching to a trap
            dev.kiln.loader.GuardSignalHandler.install(
                    module.code().elf().sectionBytes(dev.kiln.abi.GuardHandlerLayout.SECTION));
        }
        this.layout = meta.layout();
        checkLimits(store, meta);
        this.vmctx = store.allocate(meta.vmctxSize(), 16);
        vmctx.set(ValueLayout.JAVA_LONG, VMContextLayout.STORE_CONTEXT, store.storeContext().address());
        // only the libcalls the code calls (ArtifactMetadata#libcalls): a C program has a table, but
        // rarely a table operation, and each libcall is an upcall stub to make in a fresh JVM
        for (int id = VMContextLayout.LIBCALL_TABLE_GROW; id <= VMContextLayout.LIBCALL_MEMORY_GROW; id++) {
            if ((meta.libcalls() & 1 << id) != 0) {
                vmctx.set(ValueLayout.JAVA_LONG, VMContextLayout.libcall(id), Libcalls.stub(id).address());
            }
        }
        this.canon = RuntimeTypes.canonicalIds(meta);
        for (int t = 0; t < meta.types().size(); t++) {
            vmctx.set(ValueLayout.JAVA_INT, layout.typeId(t), canon[t] + 1);
        }

        // imports (spec §4.5.4 steps 1-4: match each import against the value provided)
        if (imports.length != meta.imports().size()) {
            throw new LinkException("the module has " + meta.imports().size() + " imports, " + imports.length
                    + " were provided");
        }
        int funcImport = 0;
        java.util.List<Table> tableList = new java.util.ArrayList<>();
        java.util.List<Memory> memoryList = new java.util.ArrayList<>();
        java.util.List<Global> globalList = new java.util.ArrayList<>();
        java.util.List<Tag> tagList = new java.util.ArrayList<>();
        for (int i = 0; i < imports.length; i++) {
            ArtifactMetadata.ImportInfo imp = meta.imports().get(i);
            String what = "\"" + imp.module() + "\" \"" + imp.name() + "\"";
            switch (imp.kind()) {
                case 1 -> {
                    boolean t64 = (imp.a() & ArtifactMetadata.ImportInfo.TABLE64) != 0;
                    if (!(imports[i] instanceof Table t) || t.elementType().code() != (imp.a() & 0xFF)
                            || !t.refType().equals(RuntimeTypes.resolve(meta.typeInfo().importTypes().get(i), canon))
                            || t.is64() != t64
                            || !limitsMatch(t.size(), t.hasMax() ? t.maxSize() : -1, imp.b(), imp.c())) {
                        throw new LinkException("incompatible import type for " + what + ": a table " + imp.b() + ".."
                                + imp.c() + " is required");
                    }
                    checkStore(t.store(), what);
                    vmctx.set(ValueLayout.JAVA_LONG, layout.table(tableList.size()), t.definition().address());
                    tableList.add(t);
                    continue;
                }
                case 2 -> {
                    boolean m64 = imp.c() == ArtifactMetadata.ImportInfo.MEMORY64;
                    if (!(imports[i] instanceof Memory m) || m.is64() != m64
                            || !limitsMatch(m.size(), m.hasMax() ? m.maxSize() : -1, imp.a(), imp.b())) {
                        throw new LinkException("incompatible import type for " + what + ": a memory " + imp.a() + ".."
                                + imp.b() + " is required");
                    }
                    checkStore(m.store(), what);
                    vmctx.set(ValueLayout.JAVA_LONG, layout.memoryImport(memoryList.size()), m.definition().address());
                    memoryList.add(m);
                    continue;
                }
                case 3 -> {
                    dev.kiln.abi.ValueType wantType = RuntimeTypes.resolve(meta.typeInfo().importTypes().get(i), canon);
                    if (!(imports[i] instanceof Global g) || g.type().code() != imp.a() || g.isMutable() != (imp.b() != 0)
                            || !(g.isMutable() ? g.valueType().equals(wantType) : RuntimeTypes.matches(g.valueType(), wantType))) {
                        throw new LinkException("incompatible import type for " + what + ": a "
                                + (imp.b() != 0 ? "mutable " : "") + wantType + " global is required");
                    }
                    checkStore(g.store(), what);
                    vmctx.set(ValueLayout.JAVA_LONG, layout.globalImport(globalList.size()), g.address());
                    globalList.add(g);
                    continue;
                }
                case dev.kiln.abi.ExceptionTables.TAG_KIND -> {
                    int typeIndex = (int) imp.a();
                    if (!(imports[i] instanceof Tag t) || t.typeId() != canon[typeIndex]) {
                        throw new LinkException("incompatible import type for " + what + ": a tag of type "
                                + RuntimeTypes.resolve(meta.types().get(typeIndex), canon) + " is required"
                                + (imports[i] instanceof Tag t ? ", " + t + " was provided" : ""));
                    }
                    checkStore(t.store(), what);
                    tagList.add(t);
                    continue;
                }
                default -> {
                }
            }
            if (!(imports[i] instanceof Func f)) {
                throw new LinkException("incompatible import type for " + what + ": a function is required");
            }
            FuncType want = RuntimeTypes.resolve(meta.types().get((int) imp.a()), canon);
            if (f.typeId() != canon[(int) imp.a()]) {
                throw new LinkException("incompatible import type for " + what + ": expected " + want + ", got " + f.type());
            }
            if (f.store() != store) {
                throw new LinkException("import " + what + " belongs to another store");
            }
            int rec = layout.functionRecord(funcImport);
            if (f.isHost()) {
                writeRecord(rec, module.code().textAddress() + imp.c(), vmctx.address(), f.upcall().address(), f.typeId());
            } else {
                MemorySegment.copy(f.instance().vmctx, f.instance().recordOffset(f.funcIndex()), vmctx, rec,
                        VMContextLayout.FUNCTION_RECORD_SIZE);
            }
            funcImport++;
        }
        // records of the defined functions: what ref.func, tables and importers use
        for (int k = 0; k < meta.functions().size(); k++) {
            int f = meta.importedFunctions() + k;
            writeRecord(layout.functionRecord(f), module.code().textAddress() + meta.functions().get(k).textOffset(),
                    vmctx.address(), 0, canon[meta.functions().get(k).typeIndex()]);
        }
        // tags (exception handling): imported ones are the exporter's identities, defined ones new
        int[] definedTagTypes = ExceptionSupport.install(module.code(), vmctx, meta.libcalls()).tagTypes();
        for (int t = 0; t < definedTagTypes.length; t++) {
            int tagidx = tagList.size();
            tagList.add(new Tag(store, RuntimeTypes.resolve(meta.types().get(definedTagTypes[t]), canon),
                    canon[definedTagTypes[t]], "tag " + tagidx + exportName(meta, tagidx)));
        }
        tags = tagList.toArray(new Tag[0]);
        if (tags.length > 0) {
            MemorySegment tagTable = store.allocate(8L * tags.length, 8);
            for (int t = 0; t < tags.length; t++) {
                tagTable.setAtIndex(ValueLayout.JAVA_LONG, t, tags[t].identity());
            }
            vmctx.set(ValueLayout.JAVA_LONG, VMContextLayout.TAGS, tagTable.address());
        }
        BY_VMCTX.put(vmctx.address(), this);
        store.registered(vmctx);

        // tables, imported ones first
        int importedTables = tableList.size();
        for (int t = 0; t < meta.tables().size(); t++) {
            ArtifactMetadata.TableInfo ti = meta.tables().get(t);
            if (Long.compareUnsigned(ti.min(), Table.MAX_ENTRIES) > 0) {
                throw new LinkException("table " + (importedTables + t) + " of the module: a minimum of "
                        + Long.toUnsignedString(ti.min()) + " entries exceeds Kiln's limit of " + Table.MAX_ENTRIES);
            }
            long tmax = ti.max() < 0 || ti.max() > Table.MAX_ENTRIES ? -1 : ti.max();
            Table table = new Table(store, ti.elemType(), ti.min(), tmax).as64(ti.table64())
                    .withRefType((dev.kiln.abi.RefType) RuntimeTypes.resolve(meta.typeInfo().tableTypes().get(t), canon));
            vmctx.set(ValueLayout.JAVA_LONG, layout.table(importedTables + t), table.definition().address());
            tableList.add(table);
        }
        tables = tableList.toArray(new Table[0]);
        // memories: a reservation that never moves, the initial pages committed
        int importedMemories = memoryList.size();
        for (int i = 0; i < meta.memories().size(); i++) {
            ArtifactMetadata.MemoryInfo mi = meta.memories().get(i);
            int memidx = importedMemories + i;
            try {
                memoryList.add(new Memory(store, vmctx.asSlice(layout.memoryBase(memidx), VMMemoryDefinition.BYTES),
                        mi.minPages(), mi.maxPages(), mi.memory64()));
            } catch (IllegalArgumentException e) {
                throw new LinkException("memory " + memidx + " of the module cannot be created: " + e.getMessage());
            }
        }
        memories = memoryList.toArray(new Memory[0]);
        // globals (spec §4.5.4: evaluate the initializers)
        importedGlobals = globalList.toArray(new Global[0]);
        for (int i = 0; i < meta.globals().size(); i++) {
            ArtifactMetadata.GlobalInfo g = meta.globals().get(i);
            if (g.type() == ValType.V128) {
                Global.write(vmctx, layout.global(i), v128Init(g));
                continue;
            }
            long bits = switch (g.initKind()) {
                case ArtifactMetadata.GlobalInfo.INIT_CONST -> g.init();
                case ArtifactMetadata.GlobalInfo.INIT_REF_NULL -> 0;
                case ArtifactMetadata.GlobalInfo.INIT_REF_FUNC -> funcRef((int) g.init());
                case ArtifactMetadata.GlobalInfo.INIT_EXPR -> ArtifactMetadata.ConstExprs.evaluate(
                        meta.constExprs().get((int) g.init()), this::globalBits);
                default -> globalBits((int) g.init());
            };
            Global.write(vmctx, layout.global(i), new Val(g.type(), bits));
        }
        // tables with an initializer expression (Wasm 3.0): every entry starts with its value
        for (int t = 0; t < meta.tables().size(); t++) {
            ArtifactMetadata.TableInfo ti = meta.tables().get(t);
            if (ti.initKind() == ArtifactMetadata.GlobalInfo.INIT_REF_NULL) {
                continue;
            }
            long bits = switch (ti.initKind()) {
                case ArtifactMetadata.GlobalInfo.INIT_REF_FUNC -> funcRef((int) ti.init());
                case ArtifactMetadata.GlobalInfo.INIT_EXPR -> ArtifactMetadata.ConstExprs.evaluate(
                        meta.constExprs().get((int) ti.init()), this::globalBits);
                default -> globalBits((int) ti.init());
            };
            Table table = tables[importedTables + t];
            for (long k = 0; k < table.size(); k++) {
                table.setRaw(k, bits);
            }
        }
        // element segments: resolved to reference bits; active ones copied in order, then dropped with
        // the declarative ones (spec §4.5.4, Wasm 2.0 semantics: earlier segments stay written on a trap)
        elements = new long[meta.elements().size()][];
        for (int e = 0; e < elements.length; e++) {
            long[] items = meta.elements().get(e).items();
            long[] bits = new long[items.length];
            for (int k = 0; k < items.length; k++) {
                bits[k] = items[k] >= 0 ? funcRef((int) items[k])
                        : items[k] == -1 ? 0 : globalBits((int) (-2 - items[k]));
            }
            elements[e] = bits;
        }
        // data segments: a passive segment's bytes are in the mapped .rodata; an active one's in
        // .kiln.data, compressed, read here once (an active segment is dropped once copied)
        long rodata = module.rodataAddress();
        for (int i = 0; i < meta.data().size(); i++) {
            ArtifactMetadata.DataInfo d = meta.data().get(i);
            vmctx.set(ValueLayout.JAVA_LONG, layout.dataSegmentBase(i), d.active() ? 0 : rodata + d.rodataOffset());
            vmctx.set(ValueLayout.JAVA_LONG, layout.dataSegmentLength(i), d.active() ? 0 : d.length());
        }
        MemorySegment activeData = activeData(meta);
        for (int e = 0; e < elements.length; e++) {
            ArtifactMetadata.ElementInfo ei = meta.elements().get(e);
            if (ei.mode() == ArtifactMetadata.ElementInfo.ACTIVE) {
                long offset = segmentOffset(ei.offsetKind(), ei.offset(), tables[ei.tableIndex()].is64());
                tableInit(ei.tableIndex(), e, offset, 0, elements[e].length);
            }
            if (ei.mode() != ArtifactMetadata.ElementInfo.PASSIVE) {
                elements[e] = null;
            }
        }
        for (ArtifactMetadata.DataInfo d : meta.data()) {
            if (!d.active()) {
                continue;
            }
            long offset = segmentOffset(d.offsetKind(), d.offset(), memories[d.memoryIndex()].is64());
            MemorySegment mem = memories[d.memoryIndex()].rawSegment();
            if (Long.compareUnsigned(offset, mem.byteSize()) > 0 || d.length() > mem.byteSize() - offset) {
                throw new Trap(TrapCode.MEMORY_OUT_OF_BOUNDS);
            }
            MemorySegment.copy(activeData, d.rodataOffset(), mem, offset, d.length());
        }
        for (ArtifactMetadata.ExportInfo e : meta.exports()) {
            switch (e.kind()) {
                case ArtifactMetadata.ExportInfo.FUNC -> funcs.put(e.name(), new Func(this, e.name(),
                        RuntimeTypes.resolve(meta.functionType(e.index()), canon), e.index(),
                        module.entryPoint(e.trampolineOffset()), canon[functionTypeIndex(meta, e.index())]));
                case 1 -> tableExports.put(e.name(), tables[e.index()]);
                case 2 -> memoryExports.put(e.name(), memories[e.index()]);
                case 3 -> {
                    if (e.index() < importedGlobals.length) {
                        globalExports.put(e.name(), importedGlobals[e.index()]);
                    } else {
                        int d = e.index() - importedGlobals.length;
                        ArtifactMetadata.GlobalInfo g = meta.globals().get(d);
                        globalExports.put(e.name(), new Global(store, vmctx, layout.global(d), g.type(), g.mutable(),
                                RuntimeTypes.resolve(meta.typeInfo().globalTypes().get(d), canon)));
                    }
                }
                case dev.kiln.abi.ExceptionTables.TAG_KIND -> tagExports.put(e.name(), tags[e.index()]);
                default -> throw new IllegalStateException("export kind " + e.kind());
            }
        }
        // the start function (spec §4.5.4 step 16): a trap makes instantiation fail with it. The exports
        // are complete by now, so host functions it calls can use their Caller.
        if (meta.startFunction() >= 0) {
            new Func(this, "start", meta.functionType(meta.startFunction()), meta.startFunction(),
                    module.entryPoint(meta.startTrampoline()), canon[functionTypeIndex(meta, meta.startFunction())]).call();
        }
    }

    /** Checks the store's {@link StoreLimits} before anything is allocated, and counts the new objects. */
    private static void checkLimits(Store store, ArtifactMetadata meta) {
        StoreLimits limits = store.limits();
        for (int i = 0; i < meta.memories().size(); i++) {
            long min = meta.memories().get(i).minPages();
            if (limits.memorySize() >= 0 && min * Memory.PAGE_SIZE > limits.memorySize()) {
                throw new ResourceLimitException("defined memory " + i + " needs " + min + " pages (" + min * Memory.PAGE_SIZE
                        + " bytes) initially, the store's limit is " + limits.memorySize() + " bytes per memory");
            }
        }
        for (ArtifactMetadata.TableInfo t : meta.tables()) {
            Table.checkLimit(store, t.min());
        }
        store.reserve(1, meta.tables().size(), meta.memories().size(), "instantiating the module");
    }

    /**
     * A segment's offset, zero-extended from i32 (a u64 as a long for a 64-bit memory or table): a
     * constant, the value of a global or the result of a constant expression.
     */
    private long segmentOffset(int kind, long value, boolean address64) {
        long v = switch (kind) {
            case ArtifactMetadata.GlobalInfo.INIT_CONST -> value;
            case ArtifactMetadata.GlobalInfo.INIT_EXPR -> ArtifactMetadata.ConstExprs.evaluate(
                    module.metadata().constExprs().get((int) value), this::globalBits);
            default -> globalBits((int) value);
        };
        return address64 ? v : v & 0xFFFF_FFFFL;
    }

    /**
     * The bytes of the active data segments ({@link dev.kiln.abi.ActiveData}, {@link Module#activeData});
     * {@link MemorySegment#NULL} when the module has none.
     *
     * @throws dev.kiln.abi.ArtifactFormatException if the section is missing or malformed, or a
     *         segment lies outside it
     */
    private MemorySegment activeData(ArtifactMetadata meta) {
        long needed = 0;
        for (ArtifactMetadata.DataInfo d : meta.data()) {
            if (d.active()) {
                needed = Math.max(needed, (long) d.rodataOffset() + d.length());
            }
        }
        if (needed == 0) {
            return MemorySegment.NULL;
        }
        var elf = module.code().elf();
        byte[] bytes = module.activeData();
        if (bytes.length < needed) {
            throw new dev.kiln.abi.ArtifactFormatException(elf.source(), 0, dev.kiln.abi.ActiveData.SECTION
                    + " holds " + bytes.length + " bytes; the active data segments need " + needed);
        }
        return MemorySegment.ofArray(bytes);
    }

    /** The initial value of a v128 global: its {@code v128.const} bytes in {@code .rodata}, or an imported global's value. */
    private Val v128Init(ArtifactMetadata.GlobalInfo g) {
        if (g.initKind() == ArtifactMetadata.GlobalInfo.INIT_V128) {
            MemorySegment at = MemorySegment.ofAddress(module.rodataAddress() + g.init()).reinterpret(16);
            return Val.v128(at.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), at.get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
        }
        if (g.initKind() == ArtifactMetadata.GlobalInfo.INIT_GLOBAL) {
            return importedGlobals[(int) g.init()].get();
        }
        throw new LinkException("v128 global initializer of kind " + g.initKind() + " is not supported");
    }

    /** The raw bits of global {@code globalidx} (imported, or defined and already initialized). */
    private long globalBits(int globalidx) {
        if (globalidx < importedGlobals.length) {
            return store.toBits(importedGlobals[globalidx].get());
        }
        int d = globalidx - importedGlobals.length;
        long offset = layout.global(d);
        return switch (module.metadata().globals().get(d).type()) {
            case I32, F32 -> vmctx.get(ValueLayout.JAVA_INT, offset);
            default -> vmctx.get(ValueLayout.JAVA_LONG, offset);
        };
    }

    private void checkStore(Store owner, String what) {
        if (owner != store) {
            throw new LinkException("import " + what + " belongs to another store");
        }
    }

    /**
     * Limits subtyping (spec §4.5.2, import matching): the provided size must be at least the required
     * minimum, and if a maximum is required the provided one must exist and not exceed it.
     */
    private static boolean limitsMatch(long size, long max, long requiredMin, long requiredMax) {
        if (size < requiredMin) {
            return false;
        }
        return requiredMax < 0 || (max >= 0 && max <= requiredMax);
    }

    /** Writes a function record {code, vmctx, upcall, type id}; {@code typeId} is a canonical id. */
    private void writeRecord(int offset, long code, long callee, long upcall, int typeId) {
        vmctx.set(ValueLayout.JAVA_LONG, offset + VMContextLayout.FUNCTION_RECORD_CODE, code);
        vmctx.set(ValueLayout.JAVA_LONG, offset + VMContextLayout.FUNCTION_RECORD_VMCTX, callee);
        vmctx.set(ValueLayout.JAVA_LONG, offset + VMContextLayout.FUNCTION_RECORD_UPCALL, upcall);
        vmctx.set(ValueLayout.JAVA_INT, offset + VMContextLayout.FUNCTION_RECORD_TYPE_ID, typeId + 1);
    }

    /** The typeidx of function {@code f} (imported or defined). */
    private static int functionTypeIndex(ArtifactMetadata meta, int f) {
        if (f >= meta.importedFunctions()) {
            return meta.functions().get(f - meta.importedFunctions()).typeIndex();
        }
        int k = 0;
        for (ArtifactMetadata.ImportInfo imp : meta.imports()) {
            if (imp.kind() == 0 && k++ == f) {
                return (int) imp.a();
            }
        }
        throw new IllegalStateException("no function " + f);
    }

    int recordOffset(int funcIndex) {
        return layout.functionRecord(funcIndex);
    }

    /** The funcref of function {@code funcIndex}: the address of its record in this VMContext. */
    long funcRef(int funcIndex) {
        return vmctx.address() + recordOffset(funcIndex);
    }

    private boolean reactorInitialized;

    /**
     * Initializes a WASI reactor: calls the export {@code _initialize} (a function {@code [] -> []}) if
     * the module has one, at most once per instance; later calls, and calls on a module without it, do
     * nothing. The WASI application ABI requires a reactor's {@code _initialize} (which runs C/C++
     * constructors and sets up libc) to run before any other export is called, so call this right
     * after instantiating (and after giving WASI the instance's memory), as {@code kiln run --invoke} does.
     *
     * <pre>{@code
     * Instance lib = linker.instantiate(store, reactorModule).initializeReactor();
     * int r = lib.func("get").call()[0].i32();
     * }</pre>
     *
     * @return this instance
     * @throws Trap                     if {@code _initialize} traps (it is not called again)
     * @throws IllegalArgumentException if {@code _initialize} has parameters or results
     * @throws IllegalStateException    if the store is closed
     * @see <a href="https://github.com/WebAssembly/WASI/blob/main/legacy/application-abi.md">WASI application ABI</a>
     */
    public Instance initializeReactor() {
        store.ensureOpen();
        Func init = funcs.get("_initialize");
        if (init == null || reactorInitialized) {
            return this;
        }
        if (!init.type().params().isEmpty() || !init.type().results().isEmpty()) {
            throw new IllegalArgumentException("_initialize must have type [] -> [], it is " + init.type());
        }
        reactorInitialized = true;
        init.call();
        return this;
    }

    /** The live instance whose VMContext is at {@code address}, or null. */
    static Instance forVmctx(long address) {
        return BY_VMCTX.get(address);
    }

    /**
     * Memory {@code memidx} of the instance (imported ones first).
     *
     * @throws IllegalStateException if the module has no such memory
     */
    Memory memoryAt(int memidx) {
        if (memidx >= memories.length) {
            throw new IllegalStateException("the module has " + memories.length + " memories, no memory " + memidx);
        }
        return memories[memidx];
    }

    /** Forgets the instances whose VMContexts are {@code vmctxs} (their store is closing). */
    static void unregister(java.util.List<MemorySegment> vmctxs) {
        for (MemorySegment vmctx : vmctxs) {
            BY_VMCTX.remove(vmctx.address());
        }
    }

    /**
     * Instantiates {@code module} in {@code store}.
     *
     * @throws Trap                  if an active segment does not fit its table or memory
     *                               ({@code out of bounds table access}, {@code out of bounds memory access})
     *                               or the start function traps
     * @throws LinkException         if the module has imports (use {@link Linker} or the other overload)
     * @throws ResourceLimitException if the store's {@link StoreLimits} would be exceeded
     * @throws IllegalStateException if the store is closed
     */
    public static Instance create(Store store, Module module) {
        return new Instance(store, module, new Extern[0]);
    }

    /**
     * Instantiates {@code module} in {@code store} with {@code imports}, one per import of the module
     * in its order (see {@link Module#imports()}; {@link Linker} finds them by name).
     *
     * @throws LinkException if an import has the wrong kind or type, or belongs to another store
     * @throws Trap          if an active segment does not fit or the start function traps
     * @throws ResourceLimitException if the store's {@link StoreLimits} would be exceeded
     */
    public static Instance create(Store store, Module module, Extern... imports) {
        return new Instance(store, module, imports);
    }

    /** Every export of the instance by name, in module order. */
    public Map<String, Extern> exports() {
        Map<String, Extern> out = new LinkedHashMap<>();
        for (ArtifactMetadata.ExportInfo e : module.metadata().exports()) {
            Extern x = switch (e.kind()) {
                case ArtifactMetadata.ExportInfo.FUNC -> funcs.get(e.name());
                case 1 -> tableExports.get(e.name());
                case 2 -> memoryExports.get(e.name());
                case dev.kiln.abi.ExceptionTables.TAG_KIND -> tagExports.get(e.name());
                default -> globalExports.get(e.name());
            };
            out.put(e.name(), x);
        }
        return out;
    }

    /** The exported function {@code name}, if there is one. */
    public Optional<Func> getFunc(String name) {
        return Optional.ofNullable(funcs.get(name));
    }

    /**
     * The exported function {@code name}.
     *
     * @throws IllegalArgumentException if the module exports no function of that name
     */
    public Func func(String name) {
        Func f = funcs.get(name);
        if (f == null) {
            throw new IllegalArgumentException("the module exports no function named \"" + name + "\" (exports: "
                    + funcs.keySet() + ")");
        }
        return f;
    }

    /**
     * The instance's memories by memidx, imported ones first (Wasm 3.0 allows several; each 32-bit or
     * 64-bit, {@link Memory#is64()}).
     */
    public java.util.List<Memory> memories() {
        return java.util.List.of(memories);
    }

    /**
     * The exported memory {@code name}.
     *
     * @throws IllegalArgumentException if the module exports no memory of that name
     */
    public Memory memory(String name) {
        Memory m = memoryExports.get(name);
        if (m == null) {
            throw new IllegalArgumentException("the module exports no memory named \"" + name + "\"");
        }
        return m;
    }

    /**
     * The exported tag {@code name} (exception handling): what a {@link WasmException} thrown by the
     * module's code carries, and what another module may import to catch or throw its exceptions.
     *
     * @throws IllegalArgumentException if the module exports no tag of that name
     */
    public Tag tag(String name) {
        Tag t = tagExports.get(name);
        if (t == null) {
            throw new IllegalArgumentException("the module exports no tag named \"" + name + "\" (tags: "
                    + tagExports.keySet() + ")");
        }
        return t;
    }

    private static String exportName(ArtifactMetadata meta, int tagidx) {
        for (ArtifactMetadata.ExportInfo e : meta.exports()) {
            if (e.kind() == dev.kiln.abi.ExceptionTables.TAG_KIND && e.index() == tagidx) {
                return " (export \"" + e.name() + "\")";
            }
        }
        return "";
    }

    private final ExceptionSupport.Heap exceptionHeap = new ExceptionSupport.Heap();

    /** Where the instance's throws allocate exception objects. */
    ExceptionSupport.Heap exceptionHeap() {
        return exceptionHeap;
    }

    /** Tag {@code tagidx} of the instance (imported ones first). */
    Tag tagAt(int tagidx) {
        return tags[tagidx];
    }

    /**
     * The exported global {@code name}.
     *
     * @throws IllegalArgumentException if the module exports no global of that name
     */
    public Global global(String name) {
        Global g = globalExports.get(name);
        if (g == null) {
            throw new IllegalArgumentException("the module exports no global named \"" + name + "\"");
        }
        return g;
    }

    /**
     * The exported table {@code name}.
     *
     * @throws IllegalArgumentException if the module exports no table of that name
     */
    public Table table(String name) {
        Table t = tableExports.get(name);
        if (t == null) {
            throw new IllegalArgumentException("the module exports no table named \"" + name + "\"");
        }
        return t;
    }

    /** The module this is an instance of. */
    public Module module() {
        return module;
    }

    Store store() {
        return store;
    }

    MemorySegment vmctx() {
        return vmctx;
    }

    // ---- table operations (also the libcalls) ------------------------------------------------------

    /** table.init of table {@code t} from segment {@code e} (spec §4.4.6.6); traps out of bounds. */
    void tableInit(int t, int e, long dst, long src, long len) {
        long[] items = elements[e] == null ? new long[0] : elements[e];
        Table table = tables[t];
        if (src + len > items.length || dst + len > table.size()) {
            throw new Trap(TrapCode.TABLE_OUT_OF_BOUNDS);
        }
        for (long i = 0; i < len; i++) {
            table.setRaw(dst + i, items[(int) (src + i)]);
        }
    }

    void tableFill(int t, long i, long ref, long n) {
        Table table = tables[t];
        if (i + n > table.size()) {
            throw new Trap(TrapCode.TABLE_OUT_OF_BOUNDS);
        }
        for (long k = 0; k < n; k++) {
            table.setRaw(i + k, ref);
        }
    }

    void tableCopy(int dt, int st, long d, long s, long n) {
        Table dst = tables[dt];
        Table src = tables[st];
        if (s + n > src.size() || d + n > dst.size()) {
            throw new Trap(TrapCode.TABLE_OUT_OF_BOUNDS);
        }
        if (d <= s) {
            for (long k = 0; k < n; k++) {
                dst.setRaw(d + k, src.raw(s + k));
            }
        } else {
            for (long k = n - 1; k >= 0; k--) {
                dst.setRaw(d + k, src.raw(s + k));
            }
        }
    }

    /**
     * The entry points generated code calls for the rare table operations and the bulk memory
     * operations on memories other than a 32-bit memory 0 (C convention, upcalls), each made when a
     * module that may need it is first instantiated.
     */
    static final class Libcalls {
        private static final MemorySegment[] STUBS = new MemorySegment[VMContextLayout.LIBCALLS];

        /** The upcall stub of libcall {@code id} ({@link VMContextLayout#LIBCALL_TABLE_GROW}, ...). */
        static synchronized MemorySegment stub(int id) {
            if (STUBS[id] == null) {
                STUBS[id] = switch (id) {
                    case VMContextLayout.LIBCALL_TABLE_GROW, VMContextLayout.LIBCALL_TABLE_FILL,
                            VMContextLayout.LIBCALL_TABLE_COPY, VMContextLayout.LIBCALL_TABLE_INIT,
                            VMContextLayout.LIBCALL_ELEM_DROP, VMContextLayout.LIBCALL_MEMORY_GROW -> newStub(id);
                    default -> throw new IllegalArgumentException("no libcall " + id);
                };
            }
            return STUBS[id];
        }

        /** {@link #call} with the libcall id still to bind. */
        private static final MethodHandle CALL;

        static {
            try {
                CALL = MethodHandles.lookup().findStatic(Libcalls.class, "call", MethodType.methodType(long.class,
                        int.class, MemorySegment.class, long.class, long.class, long.class, long.class, long.class));
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("Libcalls.call is missing", e);
            }
        }

        /**
         * The stub of libcall {@code id}: {@link #call} with the id bound, already in the shared
         * libcall shape, so that every libcall's stub has the same method-handle shape and a fresh JVM
         * spins no adapter per libcall ({@link CallShape#libcallStub}).
         */
        private static MemorySegment newStub(int id) {
            return CallShape.libcallStub(MethodHandles.insertArguments(CALL, 0, id));
        }

        /**
         * Every libcall of this class as native code calls it, {@code (vmctx, a, b, c, d, e) -> long}:
         * an {@code i32} argument is the low half of its register, an {@code i32} result is widened
         * (the caller reads its low half), a void libcall returns 0.
         */
        private static long call(int id, MemorySegment vmctx, long a, long b, long c, long d, long e) {
            switch (id) {
                case VMContextLayout.LIBCALL_TABLE_GROW -> {
                    return tableGrow(vmctx, (int) a, (int) b, c);
                }
                case VMContextLayout.LIBCALL_TABLE_FILL -> tableFill(vmctx, (int) a, (int) b, c, (int) d);
                case VMContextLayout.LIBCALL_TABLE_COPY -> tableCopy(vmctx, (int) a, (int) b, (int) c, (int) d, (int) e);
                case VMContextLayout.LIBCALL_TABLE_INIT -> tableInit(vmctx, (int) a, (int) b, (int) c, (int) d, (int) e);
                case VMContextLayout.LIBCALL_ELEM_DROP -> elemDrop(vmctx, (int) a);
                case VMContextLayout.LIBCALL_MEMORY_GROW -> {
                    return memoryGrow(vmctx, (int) a, b);
                }
                default -> {
                    // not a libcall of this class: unreachable (newStub is made only for the ids above)
                }
            }
            return 0;
        }

        private static Instance of(MemorySegment vmctx) {
            Instance inst = BY_VMCTX.get(vmctx.address());
            if (inst == null) {
                throw new IllegalStateException("no instance for VMContext 0x" + Long.toHexString(vmctx.address()));
            }
            return inst;
        }

        /** Records a failure for the generated code to unwind on; nothing escapes the upcall. */
        private static void fail(MemorySegment vmctx, Throwable t) {
            Instance inst = BY_VMCTX.get(vmctx.address());
            if (inst == null) {
                return; // cannot happen for a live instance; nothing safe to do
            }
            int code;
            if (t instanceof Trap trap) {
                code = trap.kind().code();
            } else {
                inst.store.setPendingException(t);
                code = TrapCode.HOST_EXCEPTION.code();
            }
            inst.store.storeContext().set(ValueLayout.JAVA_INT, VMStoreContext.TRAP_CODE, code);
        }

        static int memoryGrow(MemorySegment vmctx, int m, long delta) {
            try {
                Memory mem = of(vmctx).memories[m];
                long d = mem.is64() ? delta : delta & 0xFFFF_FFFFL;
                if (d < 0) {
                    return -1; // 2^63 pages or more: beyond any memory
                }
                return (int) mem.growFromWasm(d);
            } catch (ResourceLimitException e) {
                fail(vmctx, e); // StoreLimits.trapOnGrowFailure: the call ends with the exception
                return -1;
            } catch (Throwable e) {
                return -1;
            }
        }

        static int tableGrow(MemorySegment vmctx, int t, int delta, long init) {
            try {
                return (int) of(vmctx).tables[t].growRaw(delta & 0xFFFF_FFFFL, init);
            } catch (ResourceLimitException e) {
                fail(vmctx, e); // StoreLimits.trapOnGrowFailure: the call ends with the exception
                return -1;
            } catch (Throwable e) {
                return -1;
            }
        }

        static void tableFill(MemorySegment vmctx, int t, int i, long ref, int n) {
            try {
                of(vmctx).tableFill(t, i & 0xFFFF_FFFFL, ref, n & 0xFFFF_FFFFL);
            } catch (Throwable e) {
                fail(vmctx, e);
            }
        }

        static void tableCopy(MemorySegment vmctx, int dt, int st, int d, int s, int n) {
            try {
                of(vmctx).tableCopy(dt, st, d & 0xFFFF_FFFFL, s & 0xFFFF_FFFFL, n & 0xFFFF_FFFFL);
            } catch (Throwable e) {
                fail(vmctx, e);
            }
        }

        static void tableInit(MemorySegment vmctx, int t, int e, int d, int s, int n) {
            try {
                of(vmctx).tableInit(t, e, d & 0xFFFF_FFFFL, s & 0xFFFF_FFFFL, n & 0xFFFF_FFFFL);
            } catch (Throwable x) {
                fail(vmctx, x);
            }
        }

        static void elemDrop(MemorySegment vmctx, int e) {
            try {
                of(vmctx).elements[e] = null;
            } catch (Throwable x) {
                fail(vmctx, x);
            }
        }

        private Libcalls() {
        }
    }
}
