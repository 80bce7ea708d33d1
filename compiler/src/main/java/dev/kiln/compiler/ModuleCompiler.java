package dev.kiln.compiler;

import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.CompileException;
import dev.kiln.abi.BoundsChecks;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.GuardHandlerLayout;
import dev.kiln.abi.CompileProgress;
import dev.kiln.abi.ExceptionTables;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.elf.ElfWriter;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Verifier;
import dev.kiln.compiler.opt.CallGraph;
import dev.kiln.compiler.opt.DirectCalls;
import dev.kiln.compiler.opt.Inliner;
import dev.kiln.compiler.opt.InvariantLoads;
import dev.kiln.compiler.opt.Pipeline;
import dev.kiln.compiler.text.Wat;
import dev.kiln.compiler.translate.FunctionTranslator;
import dev.kiln.compiler.wasm.Export;
import dev.kiln.compiler.wasm.Global;
import dev.kiln.compiler.wasm.GlobalType;
import dev.kiln.compiler.wasm.Import;
import dev.kiln.compiler.wasm.TableType;
import dev.kiln.compiler.wasm.ExternKind;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.Validator;
import dev.kiln.compiler.wasm.WasmModule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;

/**
 * The target-independent compiler driver (DESIGN §2 steps 1 to 8): decode, validate, translate each
 * function to SSA IR, optimize, hand it to the {@link Backend}, lay out {@code .text}, resolve
 * relocations, and package everything as an ELF artifact with its {@link ArtifactMetadata}.
 *
 * <p>Functions compile in parallel (a {@link ForkJoinPool} of {@link CompileOptions#parallelism()}
 * workers, by default one per processor as far as the heap allows 256 MB each) and stream through
 * the pipeline: the call graph is read from the bodies ({@link DirectCalls}), and each function's IR
 * lives from its translation to its code generation, and longer only while the inliner may still copy
 * it into a caller. The output is deterministic: the same input and options give the same bytes.
 *
 * <p>A function that is not referenced as a value (exported, in a table or an element segment, named
 * by a global's initializer) and is not the start function is reached only through direct calls; when
 * no call to it is left once its callers are optimized (each was inlined, or there was none), it gets
 * no code. Its record points at {@code kiln_uncalled}, which traps with {@code unreachable}, and its
 * {@link ArtifactMetadata.FunctionInfo} has size 0.
 *
 * <p>{@code .text} layout: the unwind stub, the shared trap stubs the functions call (if the backend
 * has them), then every defined function with code in funcidx order (see {@link CodePacking}), then
 * {@code kiln_uncalled} if a function has no code, then one entry trampoline per exported
 * function, each 16-byte aligned (or as its code asks, see {@link CompiledCode#alignment}). Symbols:
 * {@code wasm[N]} or {@code wasm[N]::name}, {@code trampoline[N]}, {@code kiln_unwind},
 * {@code kiln_trap[code]}, {@code kiln_uncalled}. Thread-safe.
 */
public final class ModuleCompiler {
    private final Backend backend;

    /** @param backend the code generator for the target */
    public ModuleCompiler(Backend backend) {
        this.backend = backend;
    }

    /**
     * Compiles {@code input} (binary or text) to an artifact.
     *
     * @param inputName for error messages, or {@code null}
     * @throws CompileException if the module is malformed, invalid or unsupported; the message is
     *                          prefixed with {@code inputName}
     */
    public byte[] compile(byte[] input, String inputName, CompileOptions options) {
        return compile(CompilationUnit.plain(input), inputName, options);
    }

    /**
     * Compiles a unit: a module with intrinsic functions whose direct calls are lowered in place and
     * an inlining policy (the result of linking compile-time builtins, DESIGN §4). Calls to an
     * intrinsic funcidx are never real calls; the intrinsic's own function body (if any) is compiled
     * like any other, so {@code ref.func}, tables and exports of it still work.
     *
     * @param inputName for error messages, or {@code null}
     * @throws CompileException if the module is malformed, invalid or unsupported; the message is
     *                          prefixed with {@code inputName}
     */
    public byte[] compile(CompilationUnit unit, String inputName, CompileOptions options) {
        return compile(unit, inputName, options, CompileProgress.NONE);
    }

    /**
     * {@link #compile(CompilationUnit, String, CompileOptions)}, telling {@code progress} after each
     * defined function (from the worker threads).
     */
    public byte[] compile(CompilationUnit unit, String inputName, CompileOptions options, CompileProgress progress) {
        return artifact(unit, inputName, options, progress).toByteArray();
    }

    /**
     * {@link #compile(CompilationUnit, String, CompileOptions, CompileProgress)}, the artifact written
     * to {@code out} ({@link ElfWriter#writeTo}) instead of made in memory first: for a large module,
     * a hundred MB less to allocate. Nothing is written unless the module compiles; {@code out} is
     * neither flushed nor closed.
     *
     * @throws CompileException if the module is malformed, invalid or unsupported (nothing written)
     * @throws java.io.IOException if {@code out} fails
     */
    public void compile(CompilationUnit unit, String inputName, CompileOptions options, CompileProgress progress,
            java.io.OutputStream out) throws java.io.IOException {
        artifact(unit, inputName, options, progress).writeTo(out);
    }

    /** The artifact's sections, ready to be written. */
    private ElfWriter artifact(CompilationUnit unit, String inputName, CompileOptions options, CompileProgress progress) {
        try {
            return compileUnnamed(unit, options, progress);
        } catch (CompileException e) {
            if (inputName == null) {
                throw e;
            }
            throw new CompileException(inputName + ": " + e.getMessage(), e);
        }
    }

    private static boolean isBinary(byte[] input) {
        return input.length >= 4 && input[0] == 0 && input[1] == 'a' && input[2] == 's' && input[3] == 'm';
    }

    private ElfWriter compileUnnamed(CompilationUnit unit, CompileOptions requested, CompileProgress progress) {
        // guard-page bounds checks where the backend has a signal handler for them, explicit ones elsewhere
        byte[] signalHandler = requested.boundsChecks() == BoundsChecks.GUARD ? backend.guardSignalHandler() : null;
        CompileOptions options = signalHandler == null ? requested.withBoundsChecks(BoundsChecks.EXPLICIT) : requested;
        // the input's SHA-256 for the metadata, on a thread of its own from the start when the input is
        // large: decoding runs on this one alone, and at the end everything would wait for the digest
        // (0.5 s of a 75 MB module under C1, which has no SHA intrinsic); a small input's here
        java.util.concurrent.FutureTask<byte[]> digest = background("kiln-digest",
                requested.parallelism() != 1 && unit.hashInput().length >= DIGEST_THREAD_BYTES, () -> sha256(unit.hashInput()));
        byte[] input = unit.module();
        byte[] bytes = isBinary(input) ? input : Wat.parseModule(new String(input, StandardCharsets.UTF_8));
        WasmModule module = ModuleDecoder.decode(bytes);
        // the function bodies are validated on the workers, their calls read as they are (DirectCalls)
        Validator.FunctionBodies bodies = Validator.validateAllButBodies(module, bytes);
        List<ArtifactMetadata.ImportInfo> imports = new ArrayList<>();
        for (var imp : module.imports()) {
            ArtifactMetadata.ImportInfo info = switch (imp.desc()) {
                case dev.kiln.compiler.wasm.ImportDesc.Func f -> new ArtifactMetadata.ImportInfo(imp.module(), imp.name(),
                        ArtifactMetadata.ExportInfo.FUNC, f.typeIndex(), 0, -1);
                case dev.kiln.compiler.wasm.TableType t -> new ArtifactMetadata.ImportInfo(imp.module(), imp.name(), 1,
                        t.elemType().code() | (t.table64() ? ArtifactMetadata.ImportInfo.TABLE64 : 0), t.limits().min(),
                        t.limits().max());
                case dev.kiln.compiler.wasm.MemoryType m -> new ArtifactMetadata.ImportInfo(imp.module(), imp.name(), 2,
                        m.limits().min(), m.limits().max(), m.memory64() ? ArtifactMetadata.ImportInfo.MEMORY64 : 0);
                case dev.kiln.compiler.wasm.GlobalType g -> new ArtifactMetadata.ImportInfo(imp.module(), imp.name(), 3,
                        g.valType().code(), g.mutable() ? 1 : 0, -1);
                case dev.kiln.compiler.wasm.ImportDesc.Tag t -> new ArtifactMetadata.ImportInfo(imp.module(), imp.name(),
                        ExceptionTables.TAG_KIND, t.typeIndex(), 0, -1);
            };
            imports.add(info);
        }
        List<dev.kiln.abi.ValType> globalTypes = new ArrayList<>();
        for (var g : module.globals()) {
            globalTypes.add(g.type().valType());
        }
        VMContextLayout layout = VMContextLayout.forModule(module.importedFunctionCount(), module.functionCount(),
                module.types().size(), module.tableCount(), module.importedMemoryCount(), module.memoryCount(),
                module.importedGlobalCount(), globalTypes, module.data().size());
        // defined functions that may return in another instance (set once all are translated)
        java.util.BitSet anotherInstance = new java.util.BitSet();
        FunctionEnvironment env = new FunctionEnvironment() {
            @Override
            public FuncType functionType(int funcIndex) {
                return module.functionType(funcIndex);
            }

            @Override
            public boolean mayReturnInAnotherInstance(int funcIndex) {
                int i = funcIndex - module.importedFunctionCount();
                return i >= 0 && anotherInstance.get(i);
            }

            @Override
            public FuncType type(int typeIndex) {
                return module.types().get(typeIndex);
            }

            @Override
            public VMContextLayout vmctx() {
                return layout;
            }

            @Override
            public java.util.Set<dev.kiln.abi.CpuFeature> cpuFeatures() {
                return options.resolvedCpuFeatures();
            }

            @Override
            public boolean signalTraps() {
                return signalHandler != null;
            }
        };

        int imported = module.importedFunctionCount();
        int defined = module.code().size();
        List<PackedCode> code = compileFunctions(unit, module, bytes, bodies, env, options, progress, anotherInstance);

        List<Export> funcExports = new ArrayList<>();
        for (Export e : module.exports()) {
            if (e.kind() == ExternKind.FUNC) {
                funcExports.add(e);
            }
        }
        List<Integer> entryFuncs = new ArrayList<>(funcExports.stream().map(Export::index).toList());
        if (module.start() >= 0) {
            entryFuncs.add(module.start());
        }
        List<Integer> trampolineFuncs = entryFuncs.stream().distinct().sorted().toList();

        // ---- layout ----
        Linker linker = new Linker();
        int unwind = linker.place("kiln_unwind", backend.compileUnwindStub(layout));
        // the shared trap stubs the functions call, after the unwind stub
        int[] trapStubOffset = new int[dev.kiln.abi.TrapCode.values().length];
        java.util.EnumSet<dev.kiln.abi.TrapCode> trapStubs = java.util.EnumSet.noneOf(dev.kiln.abi.TrapCode.class);
        PackedCode uncalled = uncalledPiece(module, code, env);
        List<PackedCode> pieces = new ArrayList<>(code);
        pieces.add(uncalled);
        for (PackedCode c : pieces) {
            for (int r = 0; c != null && r < c.relocationCount(); r++) {
                dev.kiln.abi.TrapCode t = Relocation.trapCodeOf(c.relocationSymbol(r));
                if (t != null) {
                    trapStubs.add(t);
                }
            }
        }
        for (dev.kiln.abi.TrapCode t : trapStubs) {
            trapStubOffset[t.ordinal()] = linker.place("kiln_trap[" + t.name().toLowerCase(java.util.Locale.ROOT) + "]",
                    backend.compileTrapStub(t, layout));
        }
        int[] funcOffset = new int[imported + defined];
        int[] withCode = java.util.stream.IntStream.range(0, defined).filter(i -> code.get(i) != null).toArray();
        int[] lengths = new int[withCode.length];
        int[] alignments = new int[withCode.length];
        for (int k = 0; k < withCode.length; k++) {
            lengths[k] = code.get(withCode[k]).length;
            alignments[k] = Math.max(CompiledCode.DEFAULT_ALIGNMENT, code.get(withCode[k]).alignment);
        }
        // functions with loops start on a window: others fill the padding before them (CodePacking)
        for (int k : CodePacking.order(linker.size(), lengths, alignments, CompiledCode.DEFAULT_ALIGNMENT)) {
            int funcIndex = imported + withCode[k];
            String name = module.functionName(funcIndex);
            funcOffset[funcIndex] = linker.place(symbolName(funcIndex, name), code.get(withCode[k]));
        }
        if (uncalled != null) {
            int at = linker.place("kiln_uncalled", uncalled);
            for (int i = 0; i < defined; i++) {
                if (code.get(i) == null) {
                    funcOffset[imported + i] = at;
                }
            }
        }
        int[] trampolineOffset = new int[imported + defined];
        for (int funcIndex : trampolineFuncs) {
            CompiledCode t = backend.compileEntryTrampoline(funcIndex, module.functionType(funcIndex), layout);
            trampolineOffset[funcIndex] = linker.place("trampoline[" + funcIndex + "]", t);
        }
        // one import adapter per signature of an imported function; its offset goes into the import's record
        java.util.Map<Integer, Integer> adapterOffset = new java.util.TreeMap<>();
        for (ArtifactMetadata.ImportInfo imp : imports) {
            if (imp.kind() == ArtifactMetadata.ExportInfo.FUNC) {
                adapterOffset.computeIfAbsent((int) imp.a(), t -> linker.place("import_adapter[" + t + "]",
                        backend.compileImportAdapter(module.types().get(t), layout)));
            }
        }
        for (int i = 0; i < imports.size(); i++) {
            ArtifactMetadata.ImportInfo imp = imports.get(i);
            if (imp.kind() == ArtifactMetadata.ExportInfo.FUNC) {
                imports.set(i, new ArtifactMetadata.ImportInfo(imp.module(), imp.name(), imp.kind(), imp.a(), imp.b(),
                        adapterOffset.get((int) imp.a())));
            }
        }
        // Every piece is placed. The frame table, the longest step from here on (1.5 s for llvm.core.wasm's
        // 6.2 million sites: 0.8 s to encode its 20 MB, 0.7 s to DEFLATE them in pieces on two threads), is
        // encoded on a thread of its own while this one links the code and makes the metadata and the
        // exception tables (0.7 s); here when one worker is asked for. It reads only the placed pieces'
        // frame sites, which linking leaves alone (it releases their code).
        java.util.concurrent.FutureTask<byte[]> frameTable = background("kiln-frame-table", options.parallelism() != 1, () -> {
            dev.kiln.abi.FrameTable.Encoder frames = new dev.kiln.abi.FrameTable.Encoder(module.moduleName());
            linker.addFrameSites(frames);
            return frames.count() > 0 ? frames.finish(options.parallelism() != 1) : null;
        });
        byte[] text = linker.link(backend, symbol -> {
            if (symbol == Relocation.UNWIND_STUB) {
                return unwind;
            }
            if (symbol < 0) {
                return trapStubOffset[Relocation.trapCodeOf(symbol).ordinal()];
            }
            if (symbol >= imported && code.get(symbol - imported) == null) {
                throw new IllegalStateException("a call to function " + symbol + ", left without code as never called");
            }
            return funcOffset[symbol];
        });

        List<ArtifactMetadata.FunctionInfo> funcs = new ArrayList<>();
        for (int i = 0; i < defined; i++) {
            int funcIndex = imported + i;
            funcs.add(new ArtifactMetadata.FunctionInfo(module.functionTypeIndex(funcIndex), module.functionName(funcIndex),
                    funcOffset[funcIndex], code.get(i) == null ? 0 : code.get(i).length));
        }
        List<ArtifactMetadata.ExportInfo> exports = new ArrayList<>();
        for (Export e : module.exports()) {
            boolean func = e.kind() == ExternKind.FUNC;
            exports.add(new ArtifactMetadata.ExportInfo(e.name(), e.kind().ordinal(), e.index(),
                    func ? trampolineOffset[e.index()] : -1));
        }
        List<long[]> constExprs = new ArrayList<>();
        ConstExprEncoder ce = new ConstExprEncoder(bytes, constExprs);
        List<ArtifactMetadata.TableInfo> tables = new ArrayList<>();
        for (int ti = 0; ti < module.tables().size(); ti++) {
            var t = module.tables().get(ti);
            var init = module.tableInits().get(ti);
            ArtifactMetadata.GlobalInfo g = init == null ? null : ce.globalInfo(t.elemType(), false, init);
            tables.add(new ArtifactMetadata.TableInfo(t.elemType(), t.limits().min(), t.limits().max(), t.table64(),
                    g == null ? ArtifactMetadata.GlobalInfo.INIT_REF_NULL : g.initKind(), g == null ? 0 : g.init()));
        }
        List<ArtifactMetadata.ElementInfo> elements = new ArrayList<>();
        for (var e : module.elements()) {
            long[] items = new long[e.size()];
            for (int k = 0; k < items.length; k++) {
                if (e.funcIndices() != null) {
                    items[k] = e.funcIndices()[k];
                } else {
                    var x = e.initExprs().get(k);
                    items[k] = switch (x.opcode()) {
                        case REF_FUNC -> x.value();
                        case REF_NULL -> -1;
                        case GLOBAL_GET -> -2 - x.value();
                        default -> throw new CompileException("element expressions " + x.opcode().mnemonic()
                                + " are not supported yet (at byte offset " + x.start() + ")");
                    };
                }
            }
            int mode = switch (e.mode()) {
                case ACTIVE -> ArtifactMetadata.ElementInfo.ACTIVE;
                case PASSIVE -> ArtifactMetadata.ElementInfo.PASSIVE;
                case DECLARATIVE -> ArtifactMetadata.ElementInfo.DECLARATIVE;
            };
            int offsetKind = 0;
            long offset = 0;
            if (e.mode() == dev.kiln.compiler.wasm.ElementSegment.Mode.ACTIVE) {
                ArtifactMetadata.GlobalInfo o = ce.globalInfo(dev.kiln.abi.ValType.I32, false, e.offset());
                offsetKind = o.initKind();
                offset = o.init();
            }
            elements.add(new ArtifactMetadata.ElementInfo(mode, e.tableIndex(), offsetKind, offset, e.elemType(), items));
        }
        List<ArtifactMetadata.MemoryInfo> memories = new ArrayList<>();
        for (var m : module.memories()) {
            memories.add(new ArtifactMetadata.MemoryInfo(m.limits().min(), m.limits().max(), m.memory64()));
        }
        List<ArtifactMetadata.GlobalInfo> globals = new ArrayList<>();
        java.io.ByteArrayOutputStream rodata = new java.io.ByteArrayOutputStream();
        for (var g : module.globals()) {
            if (g.init().opcode() == dev.kiln.compiler.wasm.Opcode.V128_CONST) {
                // the 16 bytes of a v128.const initializer live in .rodata
                globals.add(new ArtifactMetadata.GlobalInfo(g.type().valType(), g.type().mutable(),
                        ArtifactMetadata.GlobalInfo.INIT_V128, rodata.size()));
                rodata.write(g.init().v128(), 0, 16);
                continue;
            }
            globals.add(ce.globalInfo(g.type().valType(), g.type().mutable(), g.init()));
        }
        List<ArtifactMetadata.DataInfo> data = new ArrayList<>();
        // active segments are copied into memory once: compressed, in .kiln.data; passive ones, which
        // memory.init reads at run time, in .rodata as they are
        java.io.ByteArrayOutputStream activeData = new java.io.ByteArrayOutputStream();
        for (var d : module.data()) {
            java.io.ByteArrayOutputStream home = d.active() ? activeData : rodata;
            int at = home.size();
            home.write(bytes, d.dataStart(), d.dataLength());
            int offsetKind = 0;
            long offset = 0;
            if (d.active()) {
                ArtifactMetadata.GlobalInfo o = ce.globalInfo(dev.kiln.abi.ValType.I32, false, d.offset());
                offsetKind = o.initKind();
                offset = o.init();
            }
            data.add(new ArtifactMetadata.DataInfo(d.active(), d.memoryIndex(), offsetKind, offset, at, d.dataLength()));
        }
        // so is the DEFLATE of the active data segments (9 MB in llvm.core.wasm)
        java.util.concurrent.FutureTask<byte[]> activeDataSection = background("kiln-active-data", options.parallelism() != 1,
                () -> activeData.size() == 0 ? null
                        : dev.kiln.abi.ActiveData.encode(activeData.toByteArray(), activeData.size(), options.parallelism() != 1));
        long features = 0;
        // the libcalls of the functions that have code (an import adapter's throw is not one: see
        // ArtifactMetadata#libcalls)
        int libcalls = 0;
        for (PackedCode c : code) {
            features |= c == null ? 0 : c.cpuFeatures;
            libcalls |= c == null ? 0 : c.libcalls;
        }
        ArtifactMetadata meta = new ArtifactMetadata(backend.target(), features, options, result(digest), module.types(),
                imports, imported, funcs, exports, tables, elements, memories, globals, data, module.start(),
                module.start() >= 0 ? trampolineOffset[module.start()] : -1, layout.size(), unwind, libcalls, constExprs,
                typeInfo(module));

        ElfWriter elf = new ElfWriter(backend.target()).setText(text);
        if (rodata.size() > 0) {
            elf.setRodata(rodata.toByteArray());
        }
        for (Linker.Placed p : linker.placed()) {
            elf.addFunctionSymbol(p.name(), p.offset(), p.code().length);
        }
        elf.addSection(ArtifactMetadata.SECTION, meta.encode());
        byte[] activeBytes = result(activeDataSection);
        if (activeBytes != null) {
            elf.addSection(dev.kiln.abi.ActiveData.SECTION, activeBytes);
        }
        // the call sites the frame table describes are left out of the exception tables
        int[][] returnAddresses = linker.returnAddressSites();
        ExceptionTables ehTables = new ExceptionTables(tagTypes(module), linker.callSites());
        byte[] eh = returnAddresses[0].length > 0 ? ehTables.encode(returnAddresses[0], returnAddresses[1])
                : ehTables.encode();
        byte[] frames = result(frameTable);
        if (frames != null) {
            elf.addSection(dev.kiln.abi.FrameTable.SECTION, frames);
        }
        elf.addSection(ExceptionTables.SECTION, eh);
        if (signalHandler != null) {
            elf.addSection(GuardHandlerLayout.SECTION, signalHandler);
        }
        return elf;
    }

    /** The typeidx of each defined tag. */
    private static int[] tagTypes(WasmModule module) {
        int[] tagTypes = new int[module.tagCount() - module.importedTagCount()];
        for (int i = 0; i < tagTypes.length; i++) {
            tagTypes[i] = module.tagTypeIndex(module.importedTagCount() + i);
        }
        return tagTypes;
    }

    /**
     * {@code task} as a {@link java.util.concurrent.FutureTask} running on a daemon thread named
     * {@code name} when {@code onThread} (more than one worker asked for, and the task worth a thread),
     * or already run on this one; {@link #result} gives its value or rethrows its failure.
     */
    private static <T> java.util.concurrent.FutureTask<T> background(String name, boolean onThread,
            java.util.concurrent.Callable<T> task) {
        java.util.concurrent.FutureTask<T> f = new java.util.concurrent.FutureTask<>(task);
        if (onThread) {
            Thread.ofPlatform().name(name).daemon().start(f);
        } else {
            f.run();
        }
        return f;
    }

    /**
     * The result of a task run on another thread, its exception rethrown as this thread's.
     *
     * @throws CompileException if interrupted while waiting (the interrupt stays set)
     */
    private static <T> T result(java.util.concurrent.FutureTask<T> task) {
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompileException("compilation interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new CompileException("compilation failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Translates, optimizes and generates code for every defined function. First every body is
     * validated and its direct calls read ({@link DirectCalls}), without translating it; then the
     * functions are translated and optimized bottom-up over the call graph's strongly connected
     * components (Tarjan), each after those of its callees outside its component that the inliner may
     * take ({@link #inliningDependencies}), so the inliner reads callees that are final (their own
     * calls already inlined, see {@link Inliner}); code generation follows each function's
     * optimization. Functions that do not wait for each other run in parallel, scheduled by
     * {@link CompileSchedule}; the decisions depend only on the IR, so the result does not depend on
     * the order in which workers finish.
     */
    private List<PackedCode> compileFunctions(CompilationUnit unit, WasmModule module, byte[] bytes,
            Validator.FunctionBodies bodies, FunctionEnvironment env, CompileOptions options, CompileProgress progress,
            java.util.BitSet anotherInstance) {
        int imported = module.importedFunctionCount();
        int defined = module.code().size();
        // 0: one worker per processor, as many as the heap holds (a worker's largest functions need
        // up to a few hundred MB of IR and allocator state)
        int parallelism = options.parallelism() != 0 ? options.parallelism()
                : (int) Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(),
                        Runtime.getRuntime().maxMemory() / HEAP_PER_WORKER));
        long bytesTotal = 0;
        for (int i = 0; i < defined; i++) {
            bytesTotal += bodySize(module, i);
        }
        long total = bytesTotal;
        java.util.concurrent.atomic.AtomicInteger compiled = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong bytesDone = new java.util.concurrent.atomic.AtomicLong();
        ForkJoinPool pool = parallelism <= 1 || defined <= 1 ? null : new ForkJoinPool(parallelism);
        InvariantLoads invariants = invariantLoads(module, env.vmctx());
        try {
            // A function's IR lives from its translation, when its turn comes, to its compilation, and
            // after that only while the inliner could still copy it into a caller (Inliner.size within
            // the callee limit, until every function waiting for it is compiled), so that
            // the IR of a large module never has to be in memory at once. The call graph and
            // TailCallReach read the bodies' direct calls, validated first, in parallel.
            Inliner.Callee[] kept = new Inliner.Callee[defined];
            int[][] callees = new int[defined][];
            int[][] calleeLoopDepths = new int[defined][]; // DirectCalls.loopDepths, until inlineDepth is known
            dev.kiln.compiler.opt.TailCallReach.TailCalls[] tailCalls = new dev.kiln.compiler.opt.TailCallReach.TailCalls[defined];
            int[] bodyHashes = new int[defined]; // for identicalBodies, hashed in parallel
            java.util.function.IntFunction<IrFunction> translate = i -> {
                int funcIndex = imported + i;
                IrFunction f = FunctionTranslator.translate(module, bytes, funcIndex,
                        symbolName(funcIndex, module.functionName(funcIndex)), env.vmctx(), unit.intrinsics(),
                        options.epochInterruption(), options.consumeFuel(), options.boundsChecks());
                if (options.verifyIr()) {
                    Verifier.verify(f);
                }
                invariants.mark(f);
                return f;
            };
            java.util.function.IntPredicate loweredInPlace = funcIndex -> unit.intrinsics().apply(funcIndex) != null;
            // largest bodies first (longest-processing-time scheduling): a big function submitted last
            // would leave the other workers idle at the end
            Integer[] order = new Integer[defined];
            for (int i = 0; i < defined; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (x, y) -> Integer.compare(bodySize(module, y), bodySize(module, x)));
            List<Future<?>> summaries = new ArrayList<>(java.util.Collections.nCopies(defined, null));
            for (int n = 0; n < defined; n++) {
                int i = pool == null ? n : order[n]; // one worker: funcidx order, so the first invalid one is reported
                Runnable summarize = () -> {
                    DirectCalls calls = DirectCalls.validateAndRead(bodies, i, imported, defined, loweredInPlace);
                    callees[i] = calls.definedCallees();
                    calleeLoopDepths[i] = calls.loopDepths();
                    tailCalls[i] = calls.tailCalls();
                    var body = module.code().get(i);
                    bodyHashes[i] = BodyKey.hash(bytes, body.bodyStart(), body.codeEnd());
                };
                if (pool == null) {
                    summarize.run();
                } else {
                    summaries.set(i, pool.submit(summarize));
                }
            }
            if (pool != null) {
                for (Future<?> f : summaries) {
                    f.get(); // in funcidx order: the first invalid function is the one reported
                }
            }

            anotherInstance.or(dev.kiln.compiler.opt.TailCallReach.anotherInstance(tailCalls));
            CallGraph graph = CallGraph.of(callees);
            PackedCode[] code = new PackedCode[defined];
            // The inliner reads only the IR of direct callees (it runs once per function, on the calls
            // the function had before inlining) outside the function's own component, and of those only
            // the builtins it always inlines and the others that are not recursive and whose body is
            // small enough. A function waits for those callees alone: a large one starts without waiting
            // for its large callees or for the other members of a component that holds a small one.
            boolean[] candidate = new boolean[defined];
            for (int k = 0; k < defined; k++) {
                candidate[k] = unit.alwaysInline().test(imported + k)
                        || !graph.recursive(k) && bodySize(module, k) <= MAX_INLINED_BODY_BYTES;
            }
            int[][] waitsFor = inliningDependencies(graph, callees, candidate);
            // by function: the deepest loop nesting of a call to it in a function that waits for it (-1:
            // none calls it but by a tail call), which bounds the loop depth the inliner finds at those
            // calls (see DirectCalls), and so the largest IR it could inline there
            int[] inlineDepth = new int[defined];
            java.util.Arrays.fill(inlineDepth, -1);
            for (int i = 0; i < defined; i++) {
                int[] cs = callees[i];
                for (int j = 0; j < cs.length; j++) {
                    if (java.util.Arrays.binarySearch(waitsFor[i], cs[j]) >= 0) {
                        inlineDepth[cs[j]] = Math.max(inlineDepth[cs[j]], calleeLoopDepths[i][j]);
                    }
                }
                calleeLoopDepths[i] = null;
            }
            // by function: how many functions waiting for it are not compiled yet; at 0 its kept IR goes
            java.util.concurrent.atomic.AtomicIntegerArray waiting = new java.util.concurrent.atomic.AtomicIntegerArray(defined);
            for (int i = 0; i < defined; i++) {
                for (int k : waitsFor[i]) {
                    waiting.incrementAndGet(k);
                }
            }
            int[] sameAs = identicalBodies(module, bytes, bodyHashes, graph, waitsFor, i -> {
                int funcIndex = imported + i;
                return unit.alwaysInline().test(funcIndex) || loweredInPlace.test(funcIndex);
            });
            // A function that is not referenced as a value (exported, in a table or an element segment,
            // named by a global's initializer) and is not the start function is reached only by direct
            // calls. One with no caller is never called: it is validated but not compiled. One whose
            // callers all inline it, or lose their calls of it to optimization, is never called either,
            // which is known once they are optimized: it gets no code if no optimized function calls it
            // (its record points at kiln_uncalled). If a caller might inline it (its IR is kept), its
            // code generation waits for that (it is "pending"); else its code, made at once, is dropped
            // then. Only a function whose callers all wait for it qualifies (not recursive, small enough
            // to be offered to them), and not one whose code identical bodies take.
            java.util.BitSet referenced = bodies.declaredFunctionReferences();
            if (module.start() >= 0) {
                referenced.set(module.start());
            }
            boolean[] hasCaller = new boolean[defined];
            for (int[] cs : callees) {
                for (int k : cs) {
                    hasCaller[k] = true;
                }
            }
            boolean[] shared = new boolean[defined];
            for (int i = 0; i < defined; i++) {
                if (sameAs[i] >= 0) {
                    shared[sameAs[i]] = true;
                }
            }
            boolean[] mayDefer = new boolean[defined];
            for (int i = 0; i < defined; i++) {
                mayDefer[i] = !referenced.get(imported + i) && !shared[i] && !graph.recursive(i) && waiting.get(i) > 0;
            }
            // set by each optimized function for the defined functions it still calls (before its callees'
            // waiting counts go down, so the last caller to finish sees every caller's calls)
            boolean[] calledOutOfLine = new boolean[defined];
            IrFunction[] pending = new IrFunction[defined];
            // the code of function i from its optimized IR f (null if not translated): if a function of the
            // same body, callees and inlining offers has code already, that code with this function's frames
            // (and the same libcalls), else its own
            java.util.function.BiConsumer<Integer, IrFunction> generate = (i, f) -> {
                int same = sameAs[i];
                if (same >= 0 && code[same] != null) {
                    int delta = module.code().get(i).bodyStart() - module.code().get(same).bodyStart();
                    code[i] = code[same].forIdenticalBody(imported + i, delta);
                } else {
                    code[i] = PackedCode.of(backend.compileFunction(f, env), libcallsOf(f));
                }
            };
            java.util.function.IntConsumer finished = i -> {
                long b = bytesDone.addAndGet(bodySize(module, i));
                progress.functionsCompiled(compiled.incrementAndGet(), defined, b, total);
                for (int k : waitsFor[i]) {
                    if (waiting.decrementAndGet(k) == 0) {
                        kept[k] = null; // every caller is compiled
                        IrFunction f = pending[k];
                        if (f != null) {
                            pending[k] = null;
                            if (calledOutOfLine[k]) {
                                generate.accept(k, f);
                            }
                        } else if (mayDefer[k] && !calledOutOfLine[k]) {
                            code[k] = null; // made before its callers, none of which calls it now
                        }
                    }
                }
            };
            java.util.function.IntConsumer compileFunction = i -> {
                if (!hasCaller[i] && !referenced.get(imported + i)) {
                    finished.accept(i); // never called: no code
                    return;
                }
                int same = sameAs[i];
                boolean copy = same >= 0 && code[same] != null;
                // translated and optimized unless its code is copied and no caller waits for its IR
                IrFunction f = null;
                if (!copy || waiting.get(i) > 0) {
                    f = translate.apply(i);
                    // only the callees this function waited for: never into a cycle, and no copy of a
                    // recursive function (one level of it rarely pays, and only an always-inlined builtin
                    // may ask for it)
                    int[] offered = waitsFor[i];
                    Inliner.Policy policy = new Inliner.Policy(callee -> {
                        int k = callee - imported;
                        return k >= 0 && k < defined && java.util.Arrays.binarySearch(offered, k) >= 0 ? kept[k] : null;
                    }, unit.alwaysInline(), imported);
                    Pipeline.optimize(f, policy, options.verifyIr());
                    markCalls(f, imported, calledOutOfLine);
                }
                // kept for callers only if the inliner could take it: not larger than it inlines at the
                // deepest loop nesting of a call to it among them (in llvm.core.wasm most calls are
                // outside loops, where it inlines only the smallest); summarized once for all of them
                if (waiting.get(i) > 0) {
                    int limit = unit.alwaysInline().test(imported + i) ? Inliner.ALWAYS_MAX_CALLEE_INSTS
                            : Inliner.maxCalleeInsts(inlineDepth[i]);
                    Inliner.Callee callee = Inliner.Callee.of(f, imported);
                    if (callee.size() <= limit) {
                        f.dropDominatorTree(); // the inliner reads instructions only
                        kept[i] = callee;
                    }
                }
                if (kept[i] != null && mayDefer[i]) {
                    pending[i] = f; // code generated when its last caller is done, if it still calls it
                } else {
                    generate.accept(i, f);
                }
                finished.accept(i);
            };
            if (pool == null) {
                for (int c = 0; c < graph.components(); c++) {
                    for (int i : graph.members(c)) {
                        compileFunction.accept(i); // components come callees first
                    }
                }
            } else {
                // each function starts when the functions it waits for are done; of those ready, the
                // one at the head of the longest chain of body bytes to the end first
                long[] cost = new long[defined];
                for (int i = 0; i < defined; i++) {
                    cost[i] = bodySize(module, i);
                }
                // a failure reported as with one worker: the first in the components' order, callees first
                long[] failureOrder = new long[defined];
                for (int i = 0; i < defined; i++) {
                    failureOrder[i] = (long) graph.component(i) << 32 | i;
                }
                // a function of the same body as another waits for it too, and costs next to nothing
                int[][] after = waitsFor.clone();
                for (int i = 0; i < defined; i++) {
                    if (sameAs[i] >= 0) {
                        int[] w = java.util.Arrays.copyOf(waitsFor[i], waitsFor[i].length + 1);
                        w[w.length - 1] = sameAs[i];
                        after[i] = w;
                        cost[i] = 1;
                    }
                }
                CompileSchedule.run(pool, parallelism, after, CompileSchedule.upwardRanks(after, cost),
                        failureOrder, compileFunction);
            }
            return java.util.Arrays.asList(code);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompileException("compilation interrupted", e);
        } catch (ExecutionException | java.util.concurrent.CompletionException e) {
            Throwable c = e.getCause();
            while ((c instanceof java.util.concurrent.CompletionException || c instanceof ExecutionException)
                    && c.getCause() != null) {
                c = c.getCause();
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new CompileException("compilation failed: " + c, c);
        } finally {
            if (pool != null) {
                pool.shutdown();
            }
        }
    }

    /**
     * The code the records of functions left without code point at ({@code code} null: nothing calls
     * them, see compileFunctions), or null if every function has code: a function that traps with
     * {@code unreachable} on entry, so that a call that was not to be made cannot run other code. Its
     * frames name the first function without code.
     */
    private PackedCode uncalledPiece(WasmModule module, List<PackedCode> code, FunctionEnvironment env) {
        int first = code.indexOf(null);
        if (first < 0) {
            return null;
        }
        IrFunction f = new IrFunction(module.importedFunctionCount() + first, "kiln_uncalled",
                new FuncType(List.of(), List.of()));
        dev.kiln.compiler.ir.Block entry = f.newBlock();
        f.place(entry);
        entry.append(Op.TRAP, List.of(), dev.kiln.abi.TrapCode.UNREACHABLE.code(), null, null, List.of());
        return PackedCode.of(backend.compileFunction(f, env));
    }

    /**
     * Sets {@code called[k]} for each defined function k (funcidx minus {@code imported}) that
     * {@code f} calls or tail-calls directly.
     */
    static void markCalls(IrFunction f, int imported, boolean[] called) {
        var bList = f.blocks();
        for (int bIndex = 0; bIndex < bList.size(); bIndex++) {
            var instList = bList.get(bIndex).insts();
            for (int instIndex = 0; instIndex < instList.size(); instIndex++) {
                dev.kiln.compiler.ir.Inst inst = instList.get(instIndex);
                if ((inst.op() == Op.CALL || inst.op() == Op.RETURN_CALL) && inst.imm() >= imported) {
                    called[(int) inst.imm() - imported] = true;
                }
            }
        }
    }

    /**
     * The libcalls that the machine code of {@code f} calls, as {@link ArtifactMetadata#libcalls}: its
     * {@link Op#LIBCALL}s, and {@link VMContextLayout#LIBCALL_THROW} for a {@link Op#THROW_REF} (the
     * two ways a backend reaches the VMContext's libcall table from a function).
     */
    static int libcallsOf(IrFunction f) {
        int used = 0;
        var bList = f.blocks();
        for (int bIndex = 0; bIndex < bList.size(); bIndex++) {
            dev.kiln.compiler.ir.Block b = bList.get(bIndex);
            var instList = b.insts();
            for (int instIndex = 0; instIndex < instList.size(); instIndex++) {
                dev.kiln.compiler.ir.Inst inst = instList.get(instIndex);
                if (inst.op() == Op.LIBCALL) {
                    used |= 1 << (int) inst.imm();
                } else if (inst.op() == Op.THROW_REF) {
                    used |= 1 << VMContextLayout.LIBCALL_THROW;
                }
            }
        }
        return used;
    }

    /**
     * The largest function body, in bytes of its code section entry, whose IR the inliner is offered
     * (besides builtins it always inlines), so that callers wait only for callees of at most this size.
     * The inliner takes callees of at most {@link Inliner#MAX_LOOP_CALLEE_INSTS} IR instructions after
     * optimization: 64 bytes of body for each is far more than compilers emit (the SQLite shell's and
     * LLVM's {@code llvm.core.wasm}'s code is the same with this bound as without).
     */
    static final int MAX_INLINED_BODY_BYTES = 64 * Inliner.MAX_LOOP_CALLEE_INSTS;

    /**
     * By defined function index: the functions it waits for before it is compiled, its direct
     * {@code callees} (defined function indices) that are inlining {@code candidate}s outside its own
     * component of {@code graph}, each once, in ascending order.
     */
    static int[][] inliningDependencies(CallGraph graph, int[][] callees, boolean[] candidate) {
        // each function's own list, sorted and deduplicated: a set cleared for every function was
        // quadratic in the number of functions (133,398 in llvm.core.wasm)
        int[][] waitsFor = new int[callees.length][];
        int[] picked = new int[16];
        for (int i = 0; i < callees.length; i++) {
            int c = graph.component(i);
            int n = 0;
            for (int k : callees[i]) {
                if (candidate[k] && graph.component(k) != c) {
                    if (n == picked.length) {
                        picked = java.util.Arrays.copyOf(picked, 2 * n);
                    }
                    picked[n++] = k;
                }
            }
            java.util.Arrays.sort(picked, 0, n);
            int distinct = 0;
            for (int j = 0; j < n; j++) {
                if (distinct == 0 || picked[j] != picked[distinct - 1]) {
                    picked[distinct++] = picked[j];
                }
            }
            waitsFor[i] = java.util.Arrays.copyOf(picked, distinct);
        }
        return waitsFor;
    }

    /**
     * By defined function index: the defined function whose machine code this one takes, or -1 when it
     * is compiled itself. Compilers of C++ leave many function bodies that are the same byte for byte
     * (instances of templates that compile to the same code, and thunks): 34,356 of the 127,818 in
     * LLVM's {@code llvm.core.wasm}, 5.8% of its code bytes. A body's code depends only on its
     * bytes (locals and instructions), its type, the module and the callee IR the inliner is offered
     * ({@code waitsFor}): the function's own index and the module offsets of its instructions reach
     * only its frame sites, which {@link PackedCode#forIdenticalBody} rewrites. So a function takes
     * the code of the first function, in the order of the call graph's components then funcidx (the
     * order one worker compiles them in, and failures are reported in), whose typeidx, body bytes and
     * {@code waitsFor} are the same as its own; the artifact is the same byte for byte as when each is
     * compiled. A function that another waits for is still translated and optimized (its callers'
     * inliner reads its own IR, whose frames name it), but not compiled again. A function
     * {@code excluded} (builtins, calls lowered in place) is compiled itself. Linear in the module's
     * code bytes (one hash and, on a hash match, one comparison each).
     *
     * @param bodyHashes by defined function index: {@link BodyKey#hash} of its body
     * @param excluded by defined function index: never shares code with another
     */
    static int[] identicalBodies(WasmModule module, byte[] bytes, int[] bodyHashes, CallGraph graph, int[][] waitsFor,
            java.util.function.IntPredicate excluded) {
        int imported = module.importedFunctionCount();
        int defined = module.code().size();
        int[] sameAs = new int[defined];
        java.util.Arrays.fill(sameAs, -1);
        long[] order = new long[defined];
        for (int i = 0; i < defined; i++) {
            order[i] = (long) graph.component(i) << 32 | i;
        }
        java.util.Arrays.sort(order);
        java.util.HashMap<BodyKey, Integer> first = new java.util.HashMap<>();
        for (long o : order) {
            int i = (int) o;
            if (excluded.test(i)) {
                continue;
            }
            var body = module.code().get(i);
            BodyKey key = new BodyKey(module.functionTypeIndex(imported + i), bytes, body.bodyStart(), body.codeEnd(),
                    bodyHashes[i], waitsFor[i]);
            Integer same = first.putIfAbsent(key, i);
            if (same != null) {
                sameAs[i] = same;
            }
        }
        return sameAs;
    }

    /** A function body as {@link #identicalBodies} compares them: typeidx, bytes and the callees it waits for. */
    private static final class BodyKey {
        private final int type;
        private final byte[] bytes;
        private final int from;
        private final int to;
        private final int[] waitsFor;
        private final int hash;

        /** @param bodyHash {@link #hash} of {@code bytes[from, to)} */
        BodyKey(int type, byte[] bytes, int from, int to, int bodyHash, int[] waitsFor) {
            this.type = type;
            this.bytes = bytes;
            this.from = from;
            this.to = to;
            this.waitsFor = waitsFor;
            this.hash = (31 * type + java.util.Arrays.hashCode(waitsFor)) * 31 + bodyHash;
        }

        /** The hash of the bytes {@code bytes[from, to)} (the JDK's, of their content). */
        static int hash(byte[] bytes, int from, int to) {
            return java.nio.ByteBuffer.wrap(bytes, from, to - from).hashCode();
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BodyKey k && k.hash == hash && k.type == type
                    && java.util.Arrays.equals(bytes, from, to, k.bytes, k.from, k.to)
                    && java.util.Arrays.equals(waitsFor, k.waitsFor);
        }
    }

    /** Heap bytes per compile worker when the options leave the worker count to the compiler. */
    static final long HEAP_PER_WORKER = 256L << 20;

    /** The alias facts of the module's VMContext ({@link InvariantLoads}). */
    private static InvariantLoads invariantLoads(WasmModule module, VMContextLayout layout) {
        List<Boolean> importedMutable = new ArrayList<>();
        for (var imp : module.imports()) {
            if (imp.desc() instanceof dev.kiln.compiler.wasm.GlobalType g) {
                importedMutable.add(g.mutable());
            }
        }
        boolean[] imported = new boolean[importedMutable.size()];
        for (int i = 0; i < imported.length; i++) {
            imported[i] = importedMutable.get(i);
        }
        boolean[] defined = new boolean[module.globals().size()];
        for (int i = 0; i < defined.length; i++) {
            defined[i] = module.globals().get(i).type().mutable();
        }
        return new InvariantLoads(layout, imported, defined);
    }

    private static int bodySize(WasmModule module, int definedIndex) {
        var body = module.code().get(definedIndex);
        return body.codeEnd() - body.bodyStart();
    }

    /**
     * Turns constant expressions into {@link ArtifactMetadata.GlobalInfo} initializers: a single
     * instruction stays as it is, a multi-instruction (extended, Wasm 3.0) expression is folded to a
     * constant when it reads no global, else becomes a {@link ArtifactMetadata.ConstExprs} program
     * appended to {@code programs}. Not thread-safe.
     */
    private record ConstExprEncoder(byte[] bytes, List<long[]> programs) {
        ArtifactMetadata.GlobalInfo globalInfo(dev.kiln.abi.ValType type, boolean mutable,
                dev.kiln.compiler.wasm.ConstExpr init) {
            if (init.opcode() == null) {
                return extended(type, mutable, init);
            }
            return switch (init.opcode()) {
                case I32_CONST, I64_CONST, F32_CONST, F64_CONST -> new ArtifactMetadata.GlobalInfo(type, mutable,
                        ArtifactMetadata.GlobalInfo.INIT_CONST, init.value());
                case GLOBAL_GET -> new ArtifactMetadata.GlobalInfo(type, mutable, ArtifactMetadata.GlobalInfo.INIT_GLOBAL,
                        init.value());
                case REF_NULL -> new ArtifactMetadata.GlobalInfo(type, mutable, ArtifactMetadata.GlobalInfo.INIT_REF_NULL, 0);
                case REF_FUNC -> new ArtifactMetadata.GlobalInfo(type, mutable, ArtifactMetadata.GlobalInfo.INIT_REF_FUNC,
                        init.value());
                default -> throw new CompileException("constant expression " + init.opcode().mnemonic()
                        + " is not supported yet (at byte offset " + init.start() + ")");
            };
        }

        private ArtifactMetadata.GlobalInfo extended(dev.kiln.abi.ValType type, boolean mutable,
                dev.kiln.compiler.wasm.ConstExpr init) {
            dev.kiln.compiler.wasm.CodeReader r = new dev.kiln.compiler.wasm.CodeReader(bytes, init.start(), init.end());
            List<Long> program = new ArrayList<>();
            boolean readsGlobals = false;
            while (r.hasNext()) {
                dev.kiln.compiler.wasm.Opcode op = r.next();
                int code = switch (op) {
                    case I32_CONST, I64_CONST -> ArtifactMetadata.ConstExprs.CONST;
                    case GLOBAL_GET -> ArtifactMetadata.ConstExprs.GLOBAL;
                    case I32_ADD -> ArtifactMetadata.ConstExprs.I32_ADD;
                    case I32_SUB -> ArtifactMetadata.ConstExprs.I32_SUB;
                    case I32_MUL -> ArtifactMetadata.ConstExprs.I32_MUL;
                    case I64_ADD -> ArtifactMetadata.ConstExprs.I64_ADD;
                    case I64_SUB -> ArtifactMetadata.ConstExprs.I64_SUB;
                    case I64_MUL -> ArtifactMetadata.ConstExprs.I64_MUL;
                    case END -> -1;
                    default -> throw new CompileException("constant expression with " + op.mnemonic()
                            + " is not supported yet (at byte offset " + r.offset() + ")");
                };
                if (code < 0) {
                    break;
                }
                program.add((long) code);
                program.add(code == ArtifactMetadata.ConstExprs.CONST ? r.i64()
                        : code == ArtifactMetadata.ConstExprs.GLOBAL ? Integer.toUnsignedLong(r.index()) : 0L);
                readsGlobals |= code == ArtifactMetadata.ConstExprs.GLOBAL;
            }
            long[] p = program.stream().mapToLong(Long::longValue).toArray();
            if (!readsGlobals) {
                long v = ArtifactMetadata.ConstExprs.evaluate(p, g -> {
                    throw new IllegalStateException("no globals");
                });
                return new ArtifactMetadata.GlobalInfo(type, mutable, ArtifactMetadata.GlobalInfo.INIT_CONST, v);
            }
            programs.add(p);
            return new ArtifactMetadata.GlobalInfo(type, mutable, ArtifactMetadata.GlobalInfo.INIT_EXPR,
                    programs.size() - 1);
        }
    }

    /**
     * The symbol of function {@code funcIndex}: {@code wasm[N]::name} or {@code wasm[N]}. A NUL in the
     * name (valid in a Wasm name, not in an ELF string) is written {@code \0}.
     */
    public static String symbolName(int funcIndex, String name) {
        return name == null ? "wasm[" + funcIndex + "]" : "wasm[" + funcIndex + "]::" + name.replace("\0", "\\0");
    }

    /** Inputs of at least this many bytes are digested on a thread of their own (see {@link #compileUnnamed}). */
    private static final int DIGEST_THREAD_BYTES = 1 << 20;

    private static byte[] sha256(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Lays pieces of code out in {@code .text} and resolves their relocations. */
    private static final class Linker {
        record Placed(String name, int offset, PackedCode code) {
        }

        private final List<Placed> placed = new ArrayList<>();
        private int size;

        int place(String name, CompiledCode code) {
            return place(name, PackedCode.of(code));
        }

        int place(String name, PackedCode code) {
            int align = Math.max(CompiledCode.DEFAULT_ALIGNMENT, code.alignment);
            size = (size + align - 1) & -align;
            int offset = size;
            placed.add(new Placed(name, offset, code));
            size += code.length;
            return offset;
        }

        List<Placed> placed() {
            return placed;
        }

        /** Bytes of {@code .text} laid out so far: where the next piece would go before its alignment. */
        int size() {
            return size;
        }

        /**
         * Every placed function's call sites, return offsets in {@code .text} (exception unwinding),
         * made piece by piece as they are iterated.
         */
        Iterable<ExceptionTables.CallSite> callSites() {
            return perPiece((p, out) -> p.code().callSites(p.offset(), out));
        }

        /**
         * The sites {@code sitesOf} gives for each placed piece, in placement order; a piece's are
         * made when the iteration reaches it and dropped after (millions of sites in a large module
         * are never all objects at once).
         */
        private <T> Iterable<T> perPiece(java.util.function.BiConsumer<Placed, List<T>> sitesOf) {
            return () -> new java.util.Iterator<T>() {
                private final List<T> buffer = new ArrayList<>();
                private int piece;
                private int k;

                @Override
                public boolean hasNext() {
                    while (k == buffer.size() && piece < placed.size()) {
                        buffer.clear();
                        k = 0;
                        sitesOf.accept(placed.get(piece++), buffer);
                    }
                    return k < buffer.size();
                }

                @Override
                public T next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    return buffer.get(k++);
                }
            };
        }

        /**
         * The text offsets and depths ({@code [0]}, {@code [1]}) of every placed piece's
         * {@link dev.kiln.abi.FrameTable#RETURN_ADDRESS} frame sites, in placement order.
         */
        int[][] returnAddressSites() {
            int n = 0;
            for (Placed p : placed) {
                n += p.code().returnAddressCount();
            }
            int[] offsets = new int[n];
            int[] depths = new int[n];
            int at = 0;
            for (Placed p : placed) {
                at = p.code().returnAddressSites(p.offset(), offsets, depths, at);
            }
            return new int[][] {offsets, depths};
        }

        /**
         * Adds the frame sites of every placed piece, at their text offsets (pieces are placed in
         * ascending order), to {@code encoder}.
         */
        void addFrameSites(dev.kiln.abi.FrameTable.Encoder encoder) {
            for (Placed p : placed) {
                p.code().addFrameSites(p.offset(), encoder);
            }
        }

        /**
         * {@code .text}: every placed piece's code at its offset, relocated, the gaps padded. Each
         * piece's code and relocations are released once copied ({@link PackedCode#releaseCode}).
         */
        byte[] link(Backend backend, java.util.function.IntUnaryOperator symbolOffset) {
            byte[] text = new byte[size];
            int end = 0;
            for (Placed p : placed) {
                if (p.offset() > end) {
                    backend.fillPadding(text, end, p.offset());
                }
                byte[] c = p.code().code();
                System.arraycopy(c, 0, text, p.offset(), c.length);
                end = p.offset() + c.length;
                for (int k = 0; k < p.code().relocationCount(); k++) {
                    Relocation r = p.code().relocation(k);
                    backend.applyRelocation(text, p.offset(), r, symbolOffset.applyAsInt(r.symbol()));
                }
                p.code().releaseCode();
            }
            return text;
        }
    }


    /** The precise types of typed references that the machine-level metadata leaves out. */
    private static ArtifactMetadata.TypeInfo typeInfo(WasmModule module) {
        List<dev.kiln.abi.ValueType> importTypes = new ArrayList<>();
        for (Import imp : module.imports()) {
            importTypes.add(switch (imp.desc()) {
                case TableType t -> t.refType();
                case GlobalType g -> g.valueType();
                default -> null;
            });
        }
        List<dev.kiln.abi.RefType> tableTypes = new ArrayList<>();
        for (TableType t : module.tables()) {
            tableTypes.add(t.refType());
        }
        List<dev.kiln.abi.ValueType> globalTypes = new ArrayList<>();
        for (Global g : module.globals()) {
            globalTypes.add(g.type().valueType());
        }
        return new ArtifactMetadata.TypeInfo(module.recGroupStarts(), importTypes, tableTypes, globalTypes);
    }
}
