package dev.kiln;

import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.loader.LinearMemoryReservation;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An instantiated module (spec §4.5.4 "Instantiation"): its VMContext in native memory owned by a
 * {@link Store}, and its exports.
 *
 * <p>Belongs to its store and follows its thread-safety rules.
 */
public final class Instance {
    private final Store store;
    private final Module module;
    private final MemorySegment vmctx;
    private final Map<String, Func> funcs = new LinkedHashMap<>();
    private final Map<String, Memory> memoryExports = new LinkedHashMap<>();
    private final Map<String, Global> globalExports = new LinkedHashMap<>();
    private final Memory[] memories;

    private static final MemorySegment MPROTECT = Linker.nativeLinker().defaultLookup().find("mprotect")
            .orElseThrow(() -> new IllegalStateException("libc has no mprotect"));

    private Instance(Store store, Module module, Extern[] imports) {
        this.store = store;
        this.module = module;
        ArtifactMetadata meta = module.metadata();
        VMContextLayout layout = meta.layout();
        this.vmctx = store.allocate(meta.vmctxSize(), 16);
        vmctx.set(ValueLayout.JAVA_LONG, VMContextLayout.STORE_CONTEXT, store.storeContext().address());
        vmctx.set(ValueLayout.JAVA_LONG, VMContextLayout.LIBC_MPROTECT, MPROTECT.address());

        // imports (spec §4.5.4 steps 1-4: match each import against the value provided)
        if (imports.length != meta.imports().size()) {
            throw new LinkException("the module has " + meta.imports().size() + " imports, " + imports.length
                    + " were provided");
        }
        int funcImport = 0;
        for (int i = 0; i < imports.length; i++) {
            ArtifactMetadata.ImportInfo imp = meta.imports().get(i);
            String what = "\"" + imp.module() + "\" \"" + imp.name() + "\"";
            if (imp.kind() != ArtifactMetadata.ExportInfo.FUNC) {
                throw new LinkException("imports of this kind are not supported yet: " + what);
            }
            if (!(imports[i] instanceof Func f)) {
                throw new LinkException("incompatible import type for " + what + ": a function is required");
            }
            if (!f.type().equals(meta.types().get((int) imp.a()))) {
                throw new LinkException("incompatible import type for " + what + ": expected "
                        + meta.types().get((int) imp.a()) + ", got " + f.type());
            }
            if (f.store() != store) {
                throw new LinkException("import " + what + " belongs to another store");
            }
            long code;
            long callee;
            long upcall = 0;
            if (f.isHost()) {
                code = module.code().textAddress() + imp.c();
                callee = vmctx.address();
                upcall = f.upcall().address();
            } else {
                Instance owner = f.instance();
                int idx = f.funcIndex();
                ArtifactMetadata om = owner.module.metadata();
                if (idx < om.importedFunctions()) {
                    // a re-exported import: call what the owner calls
                    VMContextLayout ol = om.layout();
                    code = owner.vmctx.get(ValueLayout.JAVA_LONG, ol.importCode(idx));
                    callee = owner.vmctx.get(ValueLayout.JAVA_LONG, ol.importVmctx(idx));
                    upcall = owner.vmctx.get(ValueLayout.JAVA_LONG, ol.importUpcall(idx));
                } else {
                    code = owner.module.code().textAddress()
                            + om.functions().get(idx - om.importedFunctions()).textOffset();
                    callee = owner.vmctx.address();
                }
            }
            vmctx.set(ValueLayout.JAVA_LONG, layout.importCode(funcImport), code);
            vmctx.set(ValueLayout.JAVA_LONG, layout.importVmctx(funcImport), callee);
            vmctx.set(ValueLayout.JAVA_LONG, layout.importUpcall(funcImport), upcall);
            funcImport++;
        }

        // memories: a reservation that never moves, the initial pages committed
        memories = new Memory[meta.memories().size()];
        for (int i = 0; i < memories.length; i++) {
            ArtifactMetadata.MemoryInfo mi = meta.memories().get(i);
            long maxPages = mi.maxPages() < 0 ? 65536 : Math.min(mi.maxPages(), 65536);
            LinearMemoryReservation r = LinearMemoryReservation.forMemory32(mi.minPages());
            store.own(r);
            vmctx.set(ValueLayout.JAVA_LONG, layout.memoryBase(i), r.base());
            vmctx.set(ValueLayout.JAVA_LONG, layout.memoryLength(i), mi.minPages() * Memory.PAGE_SIZE);
            vmctx.set(ValueLayout.JAVA_LONG, layout.memoryMaxLength(i), maxPages * Memory.PAGE_SIZE);
            memories[i] = new Memory(store, vmctx, layout, i, r, maxPages);
        }
        // globals (spec §4.5.4 step: evaluate the initializers)
        for (int i = 0; i < meta.globals().size(); i++) {
            ArtifactMetadata.GlobalInfo g = meta.globals().get(i);
            long bits = switch (g.initKind()) {
                case ArtifactMetadata.GlobalInfo.INIT_CONST -> g.init();
                case ArtifactMetadata.GlobalInfo.INIT_REF_NULL -> 0;
                default -> throw new UnsupportedOperationException("global initializers of kind " + g.initKind()
                        + " need imports, which are not supported yet");
            };
            Global.write(vmctx, layout.global(i), new Val(g.type(), bits));
        }
        // data segments: every segment's bytes are in the mapped .rodata; active ones are copied in
        // order and then dropped (spec §4.5.4, Wasm 2.0 semantics)
        long rodata = module.rodataAddress();
        for (int i = 0; i < meta.data().size(); i++) {
            ArtifactMetadata.DataInfo d = meta.data().get(i);
            vmctx.set(ValueLayout.JAVA_LONG, layout.dataSegmentBase(i), rodata + d.rodataOffset());
            vmctx.set(ValueLayout.JAVA_LONG, layout.dataSegmentLength(i), d.active() ? 0 : d.length());
        }
        for (ArtifactMetadata.DataInfo d : meta.data()) {
            if (!d.active()) {
                continue;
            }
            if (d.offsetKind() != ArtifactMetadata.GlobalInfo.INIT_CONST) {
                throw new UnsupportedOperationException("data segment offsets from imported globals are not supported yet");
            }
            long offset = d.offset() & 0xFFFF_FFFFL;
            MemorySegment mem = memories[d.memoryIndex()].segment();
            if (offset + d.length() > mem.byteSize()) {
                throw new Trap(TrapCode.MEMORY_OUT_OF_BOUNDS);
            }
            MemorySegment.copy(MemorySegment.ofAddress(rodata + d.rodataOffset()).reinterpret(d.length()), 0, mem, offset,
                    d.length());
        }
        // the start function (spec §4.5.4 step 16): a trap makes instantiation fail with it
        if (meta.startFunction() >= 0) {
            new Func(this, "start", meta.functionType(meta.startFunction()), meta.startFunction(),
                    module.entryHandle(meta.startFunction(), meta.startTrampoline())).call();
        }
        for (ArtifactMetadata.ExportInfo e : meta.exports()) {
            switch (e.kind()) {
                case ArtifactMetadata.ExportInfo.FUNC -> funcs.put(e.name(), new Func(this, e.name(),
                        meta.functionType(e.index()), e.index(), module.entryHandle(e.index(), e.trampolineOffset())));
                case 2 -> memoryExports.put(e.name(), memories[e.index()]);
                case 3 -> {
                    ArtifactMetadata.GlobalInfo g = meta.globals().get(e.index());
                    globalExports.put(e.name(), new Global(store, vmctx, layout.global(e.index()), g.type(), g.mutable()));
                }
                default -> {
                    // tables: not yet
                }
            }
        }
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
     * Instantiates {@code module} in {@code store}: allocates its VMContext and memories, evaluates
     * global initializers and copies active data segments (spec §4.5.4).
     *
     * @throws Trap                  if an active data segment does not fit its memory
     *                               ({@code out of bounds memory access}) or the start function traps
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
     * @throws Trap          if an active data segment does not fit its memory or the start function traps
     */
    public static Instance create(Store store, Module module, Extern... imports) {
        return new Instance(store, module, imports);
    }

    /** Every export of the instance by name, in module order (functions, memories, globals). */
    public Map<String, Extern> exports() {
        Map<String, Extern> out = new LinkedHashMap<>();
        for (ArtifactMetadata.ExportInfo e : module.metadata().exports()) {
            Extern x = funcs.containsKey(e.name()) ? funcs.get(e.name())
                    : memoryExports.containsKey(e.name()) ? memoryExports.get(e.name()) : globalExports.get(e.name());
            if (x != null) {
                out.put(e.name(), x);
            }
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
}
