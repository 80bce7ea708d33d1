package dev.kiln.builtins;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.CompileTimeBuiltins;
import dev.kiln.abi.FuncType;
import dev.kiln.compiler.CompilationUnit;
import dev.kiln.compiler.opt.Inliner;
import dev.kiln.compiler.text.Wat;
import dev.kiln.compiler.translate.CallLowering;
import dev.kiln.compiler.wasm.ConstExpr;
import dev.kiln.compiler.wasm.DataSegment;
import dev.kiln.compiler.wasm.ElementSegment;
import dev.kiln.compiler.wasm.Export;
import dev.kiln.compiler.wasm.ExternKind;
import dev.kiln.compiler.wasm.FunctionBody;
import dev.kiln.compiler.wasm.Global;
import dev.kiln.compiler.wasm.GlobalType;
import dev.kiln.compiler.wasm.Import;
import dev.kiln.compiler.wasm.ImportDesc;
import dev.kiln.compiler.wasm.MemoryType;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.TableType;
import dev.kiln.compiler.wasm.Validator;
import dev.kiln.compiler.wasm.WasmModule;
import dev.kiln.intrinsics.Intrinsic;
import dev.kiln.intrinsics.IntrinsicImports;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Links a guest module with compile-time builtins at the binary level (DESIGN §4): the result is ONE
 * valid Wasm module in which
 * <ul>
 * <li>the guest's imports from a builtin's name are gone, their uses renumbered to the builtin's
 *     functions, which are functions of the result (defined after the guest's);</li>
 * <li>the builtins' own imports other than the intrinsics (slow paths into Java) are imports of the
 *     result, after the guest's remaining imports;</li>
 * <li>each unsafe intrinsic imported by anyone becomes one defined function whose body calls itself:
 *     every direct call of it (that one included) is lowered in place by the translator
 *     ({@link Intrinsic#lowering()}), so the function only exists for {@code ref.func}, tables and
 *     exports;</li>
 * <li>the guest's exports are the result's; builtins' exports are only for linking;</li>
 * <li>when builtins have start functions, the result's start function is a synthesized
 *     {@code builtins::start} (after the intrinsic functions) that calls them, in the order the
 *     builtins were given, and then the guest's own start function: each runs once per instance,
 *     builtins first.</li>
 * </ul>
 * Index spaces of the result: imports first (the guest's kept ones, then each builtin's), then the
 * guest's definitions, then each builtin's, then the intrinsic functions; types, element segments and
 * globals likewise; every index in code, constant expressions, element segments and exports is
 * renumbered by {@link CodeRewriter}. A {@code name} section names builtin functions
 * {@code builtin::name} and intrinsic functions {@code namespace::intrinsic}, so symbols and
 * disassembly stay readable.
 *
 * <p>Privilege and linking rules, each failing with a {@link CompileException} naming module, field
 * and reason: builtins need the intrinsics namespace (exposeUnsafeIntrinsics); when builtins are
 * defined, the guest may not import that namespace; every import from it must be a known intrinsic,
 * a function, of exactly the intrinsic's type ({@link IntrinsicImports}); a guest import from a
 * builtin's name must be a function the builtin exports with exactly the imported type. Builtins are
 * ordinary Wasm: they may define or import memories, globals, tables, element and data segments and a
 * start function. Memories are linked as Wasm 3.0 multi-memory: imported memories first (the guest's,
 * then the builtins'), then the guest's own memories, so the guest's memory 0 stays memory 0 (the
 * fast one, whose base the compiled code keeps at hand), then each builtin's, with every memidx in
 * the builtins' code and data segments renumbered; data segments likewise follow the guest's. Host
 * memory is still reached through the intrinsics. In raw mode (intrinsics exposed, no builtins) the guest itself is
 * trusted and may import the intrinsics.
 *
 * <p>Stateless and thread-safe.
 */
public final class ModuleLinker {
    private ModuleLinker() {
    }

    /**
     * The merged module and what the compiler must know about it.
     *
     * @param module             the merged binary module (valid)
     * @param intrinsicFunctions funcidx of each intrinsic function of the result
     * @param builtinFunctions   the funcidx of functions that came from builtins
     */
    public record Linked(byte[] module, Map<Integer, Intrinsic> intrinsicFunctions, BitSet builtinFunctions) {
        /**
         * The unit for {@link dev.kiln.compiler.ModuleCompiler}: calls to intrinsic functions lowered
         * in place, calls to builtin functions always inlined except on cold paths ({@link Inliner}).
         *
         * @param hashInput the bytes recorded as the artifact's input hash (the guest as given)
         */
        public CompilationUnit toCompilationUnit(byte[] hashInput) {
            return toCompilationUnit(hashInput, true);
        }

        /**
         * Like {@link #toCompilationUnit(byte[])}, with the checked intrinsics' Spectre guard on or off
         * ({@link dev.kiln.abi.CompileOptions#spectreGuard()}).
         */
        public CompilationUnit toCompilationUnit(byte[] hashInput, boolean spectreGuard) {
            int n = intrinsicFunctions.isEmpty() ? 0 : Collections.max(intrinsicFunctions.keySet()) + 1;
            CallLowering[] lowering = new CallLowering[n];
            intrinsicFunctions.forEach((f, in) -> lowering[f] = in.lowering(spectreGuard));
            BitSet builtins = (BitSet) builtinFunctions.clone();
            return new CompilationUnit(module, hashInput, f -> f >= 0 && f < n ? lowering[f] : null,
                    f -> f >= 0 && builtins.get(f) && !(f < n && lowering[f] != null));
        }
    }

    private sealed interface Resolution permits Kept, ToIntrinsic, ToBuiltin {
    }

    private record Kept(int newIndex) implements Resolution {
    }

    private record ToIntrinsic(Intrinsic intrinsic) implements Resolution {
    }

    private record ToBuiltin(Unit target, int funcIndex) implements Resolution {
    }

    /** One input module. */
    private static final class Unit {
        final String label;
        final byte[] bytes;
        final WasmModule m;
        final boolean builtin;
        final String name;
        Resolution[] imports;
        int typeBase;
        int funcBase;
        int tableBase;
        int globalBase;
        int elemBase;
        int memoryBase;
        int dataBase;
        IndexMaps maps;

        Unit(String label, byte[] bytes, WasmModule m, boolean builtin, String name) {
            this.label = label;
            this.bytes = bytes;
            this.m = m;
            this.builtin = builtin;
            this.name = name;
        }
    }

    /**
     * Links {@code guest} with the builtins and intrinsics of {@code config}.
     *
     * @param guest     binary or WAT
     * @param guestName for error messages (a file name), or {@code null}
     * @throws CompileException if a module is malformed or invalid (the message names which), or a
     *                          privilege or linking rule is broken (see the class comment)
     */
    public static Linked link(byte[] guest, String guestName, CompileTimeBuiltins config) {
        String ns = config.intrinsicsNamespace();
        List<Unit> units = new ArrayList<>();
        units.add(parse("guest module" + (guestName == null ? "" : " \"" + guestName + "\""), guest, false, null));
        Map<String, Unit> byName = new HashMap<>();
        for (CompileTimeBuiltins.Builtin b : config.builtins()) {
            Unit u = parse(b.label(), b.wasmOrWat(), true, b.name());
            units.add(u);
            byName.put(b.name(), u);
            if (ns == null) {
                throw new CompileException(b.label() + ": compile-time builtins need the unsafe intrinsics exposed"
                        + " (exposeUnsafeIntrinsics(\"unsafe-intrinsics\"), or --unsafe-intrinsics on the command line)");
            }
        }
        Unit guestUnit = units.get(0);
        for (Unit u : units) {
            boolean wide = u.m.memories().stream().anyMatch(MemoryType::memory64)
                    || u.m.tables().stream().anyMatch(TableType::table64)
                    || u.m.imports().stream().anyMatch(i -> i.desc() instanceof MemoryType mt && mt.memory64()
                            || i.desc() instanceof TableType tt && tt.table64())
                    || u.m.tableInits().stream().anyMatch(java.util.Objects::nonNull);
            if (wide) {
                throw new CompileException(u.label + ": 64-bit memories or tables and table initializer expressions"
                        + " (Wasm 3.0) are not supported with compile-time builtins yet");
            }
            if (usesTypedReferences(u.m)) {
                throw new CompileException(u.label + ": typed function references (Wasm 3.0: (ref $t), rec groups,"
                        + " non-nullable or typed tables, globals and locals) are not supported with compile-time"
                        + " builtins yet");
            }
        }

        // ---- resolve imports ----
        int[] kept = new int[4]; // per ExternKind: imports of the result so far
        List<Import> keptImports = new ArrayList<>();
        List<Unit> keptOwners = new ArrayList<>();
        EnumMap<Intrinsic, Integer> stubs = new EnumMap<>(Intrinsic.class);
        List<Intrinsic> stubOrder = new ArrayList<>();
        for (Unit u : units) {
            List<Import> imports = u.m.imports();
            u.imports = new Resolution[imports.size()];
            for (int k = 0; k < imports.size(); k++) {
                Import imp = imports.get(k);
                String where = u.label + ": import \"" + imp.module() + "\" \"" + imp.name() + "\"";
                if (ns != null && imp.module().equals(ns)) {
                    if (!u.builtin && !config.builtins().isEmpty()) {
                        throw new CompileException(where + ": only compile-time builtins may import the unsafe"
                                + " intrinsics namespace \"" + ns + "\"; the guest is untrusted");
                    }
                    Intrinsic in = IntrinsicImports.resolve(u.label, imp, u.m);
                    if (!stubs.containsKey(in)) {
                        stubs.put(in, -1);
                        stubOrder.add(in);
                    }
                    u.imports[k] = new ToIntrinsic(in);
                } else if (byName.containsKey(imp.module())) {
                    Unit b = byName.get(imp.module());
                    u.imports[k] = new ToBuiltin(b, builtinExport(where, imp, u, b));
                } else {
                    u.imports[k] = new Kept(kept[imp.kind().ordinal()]++);
                    keptImports.add(imp);
                    keptOwners.add(u);
                }
            }
        }

        // ---- index bases ----
        int types = 0;
        int funcs = kept[ExternKind.FUNC.ordinal()];
        int tables = kept[ExternKind.TABLE.ordinal()];
        int globals = kept[ExternKind.GLOBAL.ordinal()];
        int memories = kept[ExternKind.MEMORY.ordinal()];
        int elems = 0;
        int datas = 0;
        boolean dataCount = false;
        BitSet builtinFunctions = new BitSet();
        for (Unit u : units) {
            u.typeBase = types;
            types += u.m.types().size();
            u.funcBase = funcs;
            if (u.builtin) {
                builtinFunctions.set(funcs, funcs + u.m.definedFunctionCount());
            }
            funcs += u.m.definedFunctionCount();
            u.tableBase = tables;
            tables += u.m.tables().size();
            u.globalBase = globals;
            globals += u.m.globals().size();
            u.elemBase = elems;
            elems += u.m.elements().size();
            u.memoryBase = memories;
            memories += u.m.memories().size();
            u.dataBase = datas;
            datas += u.m.data().size();
            dataCount |= u.m.dataCount() >= 0;
        }
        int stubTypeBase = types;
        Map<Integer, Intrinsic> intrinsicFunctions = new TreeMap<>();
        for (Intrinsic in : stubOrder) {
            stubs.put(in, funcs);
            intrinsicFunctions.put(funcs, in);
            funcs++;
        }
        for (Unit u : units) {
            u.maps = maps(u, stubs);
        }
        // the start functions of the builtins run once per instance, in the order the builtins were
        // given, before the guest's: one synthesized start function (type [] -> [], after the
        // intrinsics' types) calls them in turn
        List<Integer> starts = new ArrayList<>();
        for (Unit u : units.subList(1, units.size())) {
            if (u.m.start() >= 0) {
                starts.add(u.maps.funcs()[u.m.start()]);
            }
        }
        int startFunc = -1;
        if (!starts.isEmpty()) {
            if (guestUnit.m.start() >= 0) {
                starts.add(guestUnit.maps.funcs()[guestUnit.m.start()]);
            }
            startFunc = funcs++;
        }

        // ---- encode ----
        WasmWriter out = new WasmWriter();
        out.byte_(0).byte_('a').byte_('s').byte_('m').byte_(1).byte_(0).byte_(0).byte_(0);

        WasmWriter sec = new WasmWriter();
        sec.u32(types + stubOrder.size() + (startFunc >= 0 ? 1 : 0));
        for (Unit u : units) {
            for (FuncType t : u.m.types()) {
                sec.funcType(t);
            }
        }
        for (Intrinsic in : stubOrder) {
            sec.funcType(in.type());
        }
        if (startFunc >= 0) {
            sec.funcType(new FuncType(List.of(), List.of()));
        }
        out.section(1, sec);

        if (!keptImports.isEmpty()) {
            sec = new WasmWriter().u32(keptImports.size());
            for (int i = 0; i < keptImports.size(); i++) {
                Import imp = keptImports.get(i);
                sec.name(imp.module()).name(imp.name()).byte_(imp.kind().code());
                switch (imp.desc()) {
                    case ImportDesc.Func f -> sec.u32(keptOwners.get(i).maps.types()[f.typeIndex()]);
                    case TableType t -> sec.valType(t.elemType()).limits(t.limits());
                    case MemoryType mt -> sec.limits(mt.limits());
                    case GlobalType g -> sec.valType(g.valType()).byte_(g.mutable() ? 1 : 0);
                    case ImportDesc.Tag t -> throw new dev.kiln.abi.CompileException("import \"" + imp.module() + "\" \""
                            + imp.name() + "\": modules with exception tags cannot be linked with compile-time builtins yet");
                }
            }
            out.section(2, sec);
        }

        sec = new WasmWriter().u32(funcs - kept[ExternKind.FUNC.ordinal()]);
        for (Unit u : units) {
            for (int i = 0; i < u.m.definedFunctionCount(); i++) {
                sec.u32(u.maps.types()[u.m.definedFunctionTypeIndex(i)]);
            }
        }
        for (int i = 0; i < stubOrder.size(); i++) {
            sec.u32(stubTypeBase + i);
        }
        if (startFunc >= 0) {
            sec.u32(stubTypeBase + stubOrder.size());
        }
        out.section(3, sec);

        if (tables > kept[ExternKind.TABLE.ordinal()]) {
            sec = new WasmWriter().u32(tables - kept[ExternKind.TABLE.ordinal()]);
            for (Unit u : units) {
                for (TableType t : u.m.tables()) {
                    sec.valType(t.elemType()).limits(t.limits());
                }
            }
            out.section(4, sec);
        }

        if (memories > kept[ExternKind.MEMORY.ordinal()]) {
            sec = new WasmWriter().u32(memories - kept[ExternKind.MEMORY.ordinal()]);
            for (Unit u : units) {
                for (MemoryType mt : u.m.memories()) {
                    sec.limits(mt.limits());
                }
            }
            out.section(5, sec);
        }

        if (globals > kept[ExternKind.GLOBAL.ordinal()]) {
            sec = new WasmWriter().u32(globals - kept[ExternKind.GLOBAL.ordinal()]);
            for (Unit u : units) {
                for (Global g : u.m.globals()) {
                    sec.valType(g.type().valType()).byte_(g.type().mutable() ? 1 : 0);
                    expr(u, g.init(), sec);
                }
            }
            out.section(6, sec);
        }

        if (!guestUnit.m.exports().isEmpty()) {
            sec = new WasmWriter().u32(guestUnit.m.exports().size());
            IndexMaps gm = guestUnit.maps;
            for (Export e : guestUnit.m.exports()) {
                int index = switch (e.kind()) {
                    case FUNC -> gm.funcs()[e.index()];
                    case TABLE -> gm.tables()[e.index()];
                    case MEMORY -> gm.memories()[e.index()];
                    case GLOBAL -> gm.globals()[e.index()];
                    case TAG -> throw new dev.kiln.abi.CompileException("export \"" + e.name()
                            + "\": modules with exception tags cannot be linked with compile-time builtins yet");
                };
                sec.name(e.name()).byte_(e.kind().code()).u32(index);
            }
            out.section(7, sec);
        }

        if (startFunc >= 0) {
            out.section(8, new WasmWriter().u32(startFunc));
        } else if (guestUnit.m.start() >= 0) {
            out.section(8, new WasmWriter().u32(guestUnit.maps.funcs()[guestUnit.m.start()]));
        }

        if (elems > 0) {
            sec = new WasmWriter().u32(elems);
            for (Unit u : units) {
                for (ElementSegment e : u.m.elements()) {
                    element(u, e, sec);
                }
            }
            out.section(9, sec);
        }

        if (dataCount) {
            out.section(12, new WasmWriter().u32(datas));
        }

        sec = new WasmWriter().u32(funcs - kept[ExternKind.FUNC.ordinal()]);
        for (Unit u : units) {
            for (FunctionBody body : u.m.code()) {
                WasmWriter f = new WasmWriter();
                f.bytes(u.bytes, body.bodyStart(), body.codeStart()); // the local declarations as they were
                CodeRewriter.rewrite(u.bytes, body.codeStart(), body.codeEnd(), u.maps, f);
                sec.u32(f.size()).bytes(f);
            }
        }
        for (Intrinsic in : stubOrder) {
            // (func (param ...) (result ...) local.get 0 ... call $self): the call is lowered in place
            WasmWriter f = new WasmWriter().u32(0);
            for (int p = 0; p < in.type().params().size(); p++) {
                f.byte_(0x20).u32(p);
            }
            f.byte_(0x10).u32(stubs.get(in)).byte_(0x0B);
            sec.u32(f.size()).bytes(f);
        }
        if (startFunc >= 0) {
            WasmWriter f = new WasmWriter().u32(0);
            for (int start : starts) {
                f.byte_(0x10).u32(start);
            }
            f.byte_(0x0B);
            sec.u32(f.size()).bytes(f);
        }
        out.section(10, sec);

        if (datas > 0) {
            sec = new WasmWriter().u32(datas);
            for (Unit u : units) {
                for (DataSegment d : u.m.data()) {
                    if (d.active()) {
                        sec.byte_(2).u32(u.maps.memories()[d.memoryIndex()]);
                        expr(u, d.offset(), sec);
                    } else {
                        sec.byte_(1);
                    }
                    sec.u32(d.dataLength()).bytes(u.bytes, d.dataStart(), d.dataEnd());
                }
            }
            out.section(11, sec);
        }

        out.section(0, nameSection(units, stubOrder, stubs, ns, startFunc));
        return new Linked(out.toByteArray(), Collections.unmodifiableMap(intrinsicFunctions), builtinFunctions);
    }

    private static Unit parse(String label, byte[] input, boolean builtin, String name) {
        byte[] bytes;
        WasmModule m;
        try {
            boolean binary = input.length >= 4 && input[0] == 0 && input[1] == 'a' && input[2] == 's' && input[3] == 'm';
            bytes = binary ? input : Wat.parseModule(new String(input, StandardCharsets.UTF_8));
            m = ModuleDecoder.decode(bytes);
            Validator.validate(m, bytes);
        } catch (CompileException e) {
            throw new CompileException(label + ": " + e.getMessage(), e);
        }
        return new Unit(label, bytes, m, builtin, name);
    }

    /** The funcidx in {@code b} of the export that satisfies {@code imp} of {@code u}, checked. */
    private static int builtinExport(String where, Import imp, Unit u, Unit b) {
        if (!(imp.desc() instanceof ImportDesc.Func f)) {
            throw new CompileException(where + ": compile-time builtins provide only functions, but this imports a "
                    + imp.kind());
        }
        Export found = null;
        for (Export e : b.m.exports()) {
            if (e.name().equals(imp.name())) {
                found = e;
                break;
            }
        }
        if (found == null) {
            throw new CompileException(where + ": " + b.label + " does not export \"" + imp.name() + "\"");
        }
        if (found.kind() != ExternKind.FUNC) {
            throw new CompileException(where + ": " + b.label + " exports \"" + imp.name() + "\" as a " + found.kind()
                    + ", not a function");
        }
        FuncType want = u.m.types().get(f.typeIndex());
        FuncType have = b.m.functionType(found.index());
        if (!want.equals(have)) {
            throw new CompileException(where + ": imported with type " + want + ", but " + b.label + " exports \""
                    + imp.name() + "\" with type " + have);
        }
        return found.index();
    }

    private static IndexMaps maps(Unit u, EnumMap<Intrinsic, Integer> stubs) {
        WasmModule m = u.m;
        int[] types = new int[m.types().size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = u.typeBase + i;
        }
        int[] funcs = new int[m.functionCount()];
        for (int i = 0; i < funcs.length; i++) {
            funcs[i] = resolveFunc(u, i, stubs, 0);
        }
        int[] tables = kindMap(u, ExternKind.TABLE, m.tableCount(), m.importedTableCount(), u.tableBase);
        int[] memories = kindMap(u, ExternKind.MEMORY, m.memoryCount(), m.importedMemoryCount(), u.memoryBase);
        int[] globals = kindMap(u, ExternKind.GLOBAL, m.globalCount(), m.importedGlobalCount(), u.globalBase);
        int[] elems = new int[m.elements().size()];
        for (int i = 0; i < elems.length; i++) {
            elems[i] = u.elemBase + i;
        }
        int[] datas = new int[m.data().size()];
        for (int i = 0; i < datas.length; i++) {
            datas[i] = u.dataBase + i;
        }
        return new IndexMaps(types, funcs, tables, memories, globals, elems, datas);
    }

    private static int[] kindMap(Unit u, ExternKind kind, int count, int imported, int definedBase) {
        int[] map = new int[count];
        int j = 0;
        List<Import> imports = u.m.imports();
        for (int k = 0; k < imports.size(); k++) {
            if (imports.get(k).kind() == kind) {
                map[j++] = ((Kept) u.imports[k]).newIndex();
            }
        }
        for (int i = imported; i < count; i++) {
            map[i] = definedBase + i - imported;
        }
        return map;
    }

    private static int resolveFunc(Unit u, int funcIndex, EnumMap<Intrinsic, Integer> stubs, int depth) {
        int imported = u.m.importedFunctionCount();
        if (funcIndex >= imported) {
            return u.funcBase + funcIndex - imported;
        }
        if (depth > 64) {
            throw new CompileException(u.label + ": builtins import each other's functions in a cycle");
        }
        int seen = 0;
        List<Import> imports = u.m.imports();
        for (int k = 0; k < imports.size(); k++) {
            if (imports.get(k).kind() == ExternKind.FUNC && seen++ == funcIndex) {
                return switch (u.imports[k]) {
                    case Kept kept -> kept.newIndex();
                    case ToIntrinsic t -> stubs.get(t.intrinsic());
                    case ToBuiltin b -> resolveFunc(b.target(), b.funcIndex(), stubs, depth + 1);
                };
            }
        }
        throw new IllegalStateException("funcidx " + funcIndex + " of " + u.label + " is no import");
    }

    private static void expr(Unit u, ConstExpr e, WasmWriter out) {
        CodeRewriter.rewrite(u.bytes, e.start(), e.end(), u.maps, out);
    }

    /** Re-encodes element segment {@code e} of {@code u} (spec §5.5.12, flags 1, 2, 3, 5, 6, 7). */
    private static void element(Unit u, ElementSegment e, WasmWriter out) {
        boolean exprs = e.funcIndices() == null;
        switch (e.mode()) {
            case ACTIVE -> {
                out.byte_(exprs ? 6 : 2).u32(u.maps.tables()[e.tableIndex()]);
                expr(u, e.offset(), out);
            }
            case PASSIVE -> out.byte_(exprs ? 5 : 1);
            case DECLARATIVE -> out.byte_(exprs ? 7 : 3);
        }
        if (exprs) {
            out.valType(e.elemType()).u32(e.initExprs().size());
            for (ConstExpr x : e.initExprs()) {
                expr(u, x, out);
            }
        } else {
            out.byte_(0x00).u32(e.funcIndices().length); // elemkind funcref
            for (int f : e.funcIndices()) {
                out.u32(u.maps.funcs()[f]);
            }
        }
    }

    /** The {@code name} custom section (spec §7.4) with function names only. */
    private static WasmWriter nameSection(List<Unit> units, List<Intrinsic> stubOrder, EnumMap<Intrinsic, Integer> stubs,
            String ns, int startFunc) {
        TreeMap<Integer, String> names = new TreeMap<>();
        for (Unit u : units) {
            Map<Integer, String> exportNames = new LinkedHashMap<>();
            for (Export e : u.m.exports()) {
                if (e.kind() == ExternKind.FUNC) {
                    exportNames.putIfAbsent(e.index(), e.name());
                }
            }
            int imported = u.m.importedFunctionCount();
            for (int f = 0; f < u.m.functionCount(); f++) {
                boolean defined = f >= imported;
                if (!defined && !(importOfFunc(u, f) instanceof Kept)) {
                    continue; // named by the function it resolved to
                }
                String n = u.m.functionName(f);
                if (u.builtin && defined) {
                    String local = n != null ? n : exportNames.getOrDefault(f, "func" + (f - imported));
                    n = u.name + "::" + local;
                }
                if (n != null) {
                    names.putIfAbsent(u.maps.funcs()[f], n);
                }
            }
        }
        for (Intrinsic in : stubOrder) {
            names.put(stubs.get(in), ns + "::" + in.wasmName());
        }
        if (startFunc >= 0) {
            names.put(startFunc, "builtins::start");
        }
        WasmWriter sub = new WasmWriter().u32(names.size());
        names.forEach((f, n) -> sub.u32(f).name(n));
        WasmWriter content = new WasmWriter().name("name");
        content.byte_(1).u32(sub.size()).bytes(sub);
        return content;
    }

    private static Resolution importOfFunc(Unit u, int funcIndex) {
        int seen = 0;
        List<Import> imports = u.m.imports();
        for (int k = 0; k < imports.size(); k++) {
            if (imports.get(k).kind() == ExternKind.FUNC && seen++ == funcIndex) {
                return u.imports[k];
            }
        }
        return null;
    }

    /** Whether a module's types, tables, globals or locals use reference types beyond funcref and externref. */
    private static boolean usesTypedReferences(WasmModule m) {
        int[] starts = m.recGroupStarts();
        for (int t = 0; t < starts.length; t++) {
            if (starts[t] != t || m.types().get(t).hasTypedReferences()) {
                return true;
            }
        }
        java.util.function.Predicate<dev.kiln.abi.ValueType> typed =
                v -> v.isRef() && !v.equals(dev.kiln.abi.RefType.FUNCREF) && !v.equals(dev.kiln.abi.RefType.EXTERNREF);
        for (Import i : m.imports()) {
            if (i.desc() instanceof TableType tt && typed.test(tt.refType())
                    || i.desc() instanceof dev.kiln.compiler.wasm.GlobalType g && typed.test(g.valueType())) {
                return true;
            }
        }
        return m.tables().stream().anyMatch(t -> typed.test(t.refType()))
                || m.globals().stream().anyMatch(g -> typed.test(g.type().valueType()))
                || m.code().stream().anyMatch(b -> b.localDecls().stream().anyMatch(d -> typed.test(d.valueType())));
    }
}
