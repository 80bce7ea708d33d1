package dev.kiln.compiler;

import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.CompileException;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.elf.ElfWriter;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Verifier;
import dev.kiln.compiler.opt.DeadCodeElimination;
import dev.kiln.compiler.text.Wat;
import dev.kiln.compiler.translate.FunctionTranslator;
import dev.kiln.compiler.wasm.Export;
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
 * workers); the output is deterministic: the same input and options give the same bytes.
 *
 * <p>{@code .text} layout: the unwind stub, then every defined function in funcidx order, then one
 * entry trampoline per exported function, each 16-byte aligned. Symbols: {@code wasm[N]} or
 * {@code wasm[N]::name}, {@code trampoline[N]}, {@code kiln_unwind}. Thread-safe.
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
        try {
            return compileUnnamed(unit, options);
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

    private byte[] compileUnnamed(CompilationUnit unit, CompileOptions options) {
        byte[] input = unit.module();
        byte[] bytes = isBinary(input) ? input : Wat.parseModule(new String(input, StandardCharsets.UTF_8));
        WasmModule module = ModuleDecoder.decode(bytes);
        Validator.validate(module, bytes);
        List<ArtifactMetadata.ImportInfo> imports = new ArrayList<>();
        for (var imp : module.imports()) {
            ArtifactMetadata.ImportInfo info = switch (imp.desc()) {
                case dev.kiln.compiler.wasm.ImportDesc.Func f -> new ArtifactMetadata.ImportInfo(imp.module(), imp.name(),
                        ArtifactMetadata.ExportInfo.FUNC, f.typeIndex(), 0, -1);
                case dev.kiln.compiler.wasm.TableType t -> new ArtifactMetadata.ImportInfo(imp.module(), imp.name(), 1,
                        t.elemType().code(), t.limits().min(), t.limits().max());
                case dev.kiln.compiler.wasm.MemoryType m -> new ArtifactMetadata.ImportInfo(imp.module(), imp.name(), 2,
                        m.limits().min(), m.limits().max(), -1);
                case dev.kiln.compiler.wasm.GlobalType g -> new ArtifactMetadata.ImportInfo(imp.module(), imp.name(), 3,
                        g.valType().code(), g.mutable() ? 1 : 0, -1);
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
        FunctionEnvironment env = new FunctionEnvironment() {
            @Override
            public FuncType functionType(int funcIndex) {
                return module.functionType(funcIndex);
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
        };

        int imported = module.importedFunctionCount();
        int defined = module.code().size();
        List<CompiledCode> code = compileFunctions(unit, module, bytes, env, options, imported, defined);

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
        int[] funcOffset = new int[imported + defined];
        for (int i = 0; i < defined; i++) {
            int funcIndex = imported + i;
            String name = module.functionName(funcIndex);
            funcOffset[funcIndex] = linker.place(symbolName(funcIndex, name), code.get(i));
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
        byte[] text = linker.link(backend, symbol -> symbol == Relocation.UNWIND_STUB ? unwind : funcOffset[symbol]);

        List<ArtifactMetadata.FunctionInfo> funcs = new ArrayList<>();
        for (int i = 0; i < defined; i++) {
            int funcIndex = imported + i;
            funcs.add(new ArtifactMetadata.FunctionInfo(module.functionTypeIndex(funcIndex), module.functionName(funcIndex),
                    funcOffset[funcIndex], code.get(i).code().length));
        }
        List<ArtifactMetadata.ExportInfo> exports = new ArrayList<>();
        for (Export e : module.exports()) {
            boolean func = e.kind() == ExternKind.FUNC;
            exports.add(new ArtifactMetadata.ExportInfo(e.name(), e.kind().ordinal(), e.index(),
                    func ? trampolineOffset[e.index()] : -1));
        }
        List<ArtifactMetadata.TableInfo> tables = new ArrayList<>();
        for (var t : module.tables()) {
            tables.add(new ArtifactMetadata.TableInfo(t.elemType(), t.limits().min(), t.limits().max()));
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
                ArtifactMetadata.GlobalInfo o = globalInfo(dev.kiln.abi.ValType.I32, false, e.offset());
                offsetKind = o.initKind();
                offset = o.init();
            }
            elements.add(new ArtifactMetadata.ElementInfo(mode, e.tableIndex(), offsetKind, offset, e.elemType(), items));
        }
        List<ArtifactMetadata.MemoryInfo> memories = new ArrayList<>();
        for (var m : module.memories()) {
            memories.add(new ArtifactMetadata.MemoryInfo(m.limits().min(), m.limits().max()));
        }
        List<ArtifactMetadata.GlobalInfo> globals = new ArrayList<>();
        for (var g : module.globals()) {
            globals.add(globalInfo(g.type().valType(), g.type().mutable(), g.init()));
        }
        java.io.ByteArrayOutputStream rodata = new java.io.ByteArrayOutputStream();
        List<ArtifactMetadata.DataInfo> data = new ArrayList<>();
        for (var d : module.data()) {
            int at = rodata.size();
            rodata.write(bytes, d.dataStart(), d.dataLength());
            int offsetKind = 0;
            long offset = 0;
            if (d.active()) {
                ArtifactMetadata.GlobalInfo o = globalInfo(dev.kiln.abi.ValType.I32, false, d.offset());
                offsetKind = o.initKind();
                offset = o.init();
            }
            data.add(new ArtifactMetadata.DataInfo(d.active(), d.memoryIndex(), offsetKind, offset, at, d.dataLength()));
        }
        long features = 0;
        for (CompiledCode c : code) {
            features |= c.cpuFeatures();
        }
        ArtifactMetadata meta = new ArtifactMetadata(backend.target(), features, options, sha256(unit.hashInput()), module.types(),
                imports, imported, funcs, exports, tables, elements, memories, globals, data, module.start(),
                module.start() >= 0 ? trampolineOffset[module.start()] : -1, layout.size(), unwind, linker.trapSites());

        ElfWriter elf = new ElfWriter(backend.target()).setText(text);
        if (rodata.size() > 0) {
            elf.setRodata(rodata.toByteArray());
        }
        for (Linker.Placed p : linker.placed()) {
            elf.addFunctionSymbol(p.name(), p.offset(), p.code().code().length);
        }
        elf.addSection(ArtifactMetadata.SECTION, meta.encode());
        return elf.toByteArray();
    }

    private List<CompiledCode> compileFunctions(CompilationUnit unit, WasmModule module, byte[] bytes, FunctionEnvironment env,
            CompileOptions options, int imported, int defined) {
        int parallelism = options.parallelism() == 0 ? Runtime.getRuntime().availableProcessors() : options.parallelism();
        if (parallelism <= 1 || defined <= 1) {
            List<CompiledCode> out = new ArrayList<>(defined);
            for (int i = 0; i < defined; i++) {
                out.add(compileFunction(unit, module, bytes, env, options, imported + i));
            }
            return out;
        }
        ForkJoinPool pool = new ForkJoinPool(parallelism);
        try {
            // largest bodies first (longest-processing-time scheduling): a big function submitted last
            // would leave the other workers idle at the end
            Integer[] order = new Integer[defined];
            for (int i = 0; i < defined; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (x, y) -> Integer.compare(bodySize(module, y), bodySize(module, x)));
            List<Future<CompiledCode>> futures = new ArrayList<>(java.util.Collections.nCopies(defined, null));
            for (int i : order) {
                int funcIndex = imported + i;
                futures.set(i, pool.submit(() -> compileFunction(unit, module, bytes, env, options, funcIndex)));
            }
            List<CompiledCode> out = new ArrayList<>(defined);
            for (Future<CompiledCode> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompileException("compilation interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new CompileException("compilation failed: " + c, c);
        } finally {
            pool.shutdown();
        }
    }

    private static int bodySize(WasmModule module, int definedIndex) {
        var body = module.code().get(definedIndex);
        return body.codeEnd() - body.bodyStart();
    }

    private CompiledCode compileFunction(CompilationUnit unit, WasmModule module, byte[] bytes, FunctionEnvironment env,
            CompileOptions options, int funcIndex) {
        String name = symbolName(funcIndex, module.functionName(funcIndex));
        IrFunction ir = FunctionTranslator.translate(module, bytes, funcIndex, name, env.vmctx(), unit.intrinsics(),
                options.epochInterruption(), options.consumeFuel());
        if (options.verifyIr()) {
            Verifier.verify(ir);
        }
        // small leaf callees are translated again here (cheap, and private to this thread) for inlining
        java.util.Map<Integer, IrFunction> callees = new java.util.HashMap<>();
        dev.kiln.compiler.opt.Pipeline.optimize(ir, callee -> callees.computeIfAbsent(callee, c -> {
            int imported = module.importedFunctionCount();
            int budget = unit.inlineBudget().applyAsInt(c);
            if (c < imported || budget <= 0) {
                return null;
            }
            var body = module.code().get(c - imported);
            // bytes of Wasm per IR instruction: about 5 (96 bytes for the default 20 instructions)
            int maxBytes = budget <= dev.kiln.compiler.opt.Inliner.MAX_CALLEE_INSTS ? 96 : budget * 5;
            if (body.codeEnd() - body.codeStart() > maxBytes) {
                return null;
            }
            IrFunction g;
            try {
                g = FunctionTranslator.translate(module, bytes, c, symbolName(c, module.functionName(c)), env.vmctx(),
                        unit.intrinsics(), options.epochInterruption(), options.consumeFuel());
            } catch (CompileException e) {
                return null; // reported when that function itself is compiled
            }
            dev.kiln.compiler.opt.Simplifier.run(g);
            DeadCodeElimination.run(g);
            return g;
        }), unit.inlineBudget(), options.verifyIr());
        return backend.compileFunction(ir, env);
    }

    private static ArtifactMetadata.GlobalInfo globalInfo(dev.kiln.abi.ValType type, boolean mutable,
            dev.kiln.compiler.wasm.ConstExpr init) {
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

    /** The symbol of function {@code funcIndex}: {@code wasm[N]::name} or {@code wasm[N]}. */
    public static String symbolName(int funcIndex, String name) {
        return name == null ? "wasm[" + funcIndex + "]" : "wasm[" + funcIndex + "]::" + name;
    }

    private static byte[] sha256(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Lays pieces of code out in {@code .text} and resolves their relocations. */
    private static final class Linker {
        record Placed(String name, int offset, CompiledCode code) {
        }

        private final List<Placed> placed = new ArrayList<>();
        private int size;

        int place(String name, CompiledCode code) {
            size = (size + 15) & ~15;
            int offset = size;
            placed.add(new Placed(name, offset, code));
            size += code.code().length;
            return offset;
        }

        List<Placed> placed() {
            return placed;
        }

        List<ArtifactMetadata.TrapSiteInfo> trapSites() {
            List<ArtifactMetadata.TrapSiteInfo> out = new ArrayList<>();
            for (Placed p : placed) {
                for (TrapSite t : p.code().trapSites()) {
                    out.add(new ArtifactMetadata.TrapSiteInfo(p.offset() + t.offset(), t.code().code()));
                }
            }
            out.sort(Comparator.comparingInt(ArtifactMetadata.TrapSiteInfo::textOffset));
            return out;
        }

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
            }
            for (Placed p : placed) {
                for (Relocation r : p.code().relocations()) {
                    backend.applyRelocation(text, p.offset(), r, symbolOffset.applyAsInt(r.symbol()));
                }
            }
            return text;
        }
    }

}
