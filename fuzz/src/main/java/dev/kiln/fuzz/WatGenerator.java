package dev.kiln.fuzz;

import dev.kiln.abi.ValType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random valid linked module sets in the text format, covering what binaryen 108's translate-to-fuzz
 * does not: blocks and loops with parameters, multi-value functions and blocks, {@code funcref} and
 * {@code externref} values, tables and globals, several tables, bulk memory and table operations
 * (passive segments, {@code memory.init/copy/fill}, {@code table.init/copy/fill/grow}, drops),
 * imported memories, tables and globals, host functions that call back into an export
 * (re-entrancy), start functions, recursion, a second instance that imports the first one's
 * functions, memory, table and globals, and 128-bit SIMD (v128 locals, constants, loads and stores of
 * every form, lane-wise and other operations of every shape, reduced to scalars by lane extraction,
 * {@code all_true}, {@code any_true} or {@code bitmask}; never a v128 at the JS boundary).
 *
 * <p>Every module guards termination with a fuel global (decremented at every function entry and loop
 * iteration; {@code unreachable} at zero) and keeps float values that reach memory, a reinterpret or
 * a {@code copysign} sign free of NaN, and the lanes of every float vector an operation computes, so
 * that the results do not depend on the NaN payloads the spec leaves open. Deterministic for a given seed. Not thread-safe.
 */
final class WatGenerator {
    private static final ValType[] NUM = {ValType.I32, ValType.I64, ValType.F32, ValType.F64};
    private static final ValType[] ALL = {ValType.I32, ValType.I64, ValType.F32, ValType.F64, ValType.I32, ValType.I64,
            ValType.FUNCREF, ValType.EXTERNREF};

    /**
     * What to generate.
     *
     * @param hostMultiResults host functions (and functions imported from another instance) with
     *                         several results
     * @param loopStateProbes  loops that change a table, a memory or a global (directly or through a
     *                         call) and read its size or value in the same iteration
     */
    record Options(boolean hostMultiResults, boolean loopStateProbes) {
        /** Everything the generator can do. */
        static final Options ALL = new Options(true, true);
        /**
         * Without the two constructs behind open bugs (issue 23): a host import with several results is
         * rejected at compile time, and LICM hoists {@code table.size} out of a loop that grows the table.
         * Enable them here once those are fixed.
         */
        static final Options WITHOUT_OPEN_BUGS = new Options(false, false);
    }

    private final Random r;
    private final Options options;

    WatGenerator(long seed, Options options) {
        this.r = new Random(seed);
        this.options = options;
    }

    /** A function's signature. */
    private record Sig(List<ValType> params, List<ValType> results) {
        String text() {
            StringBuilder sb = new StringBuilder();
            if (!params.isEmpty()) {
                sb.append(" (param");
                params.forEach(p -> sb.append(' ').append(Plan.name(p)));
                sb.append(')');
            }
            if (!results.isEmpty()) {
                sb.append(" (result");
                results.forEach(p -> sb.append(' ').append(Plan.name(p)));
                sb.append(')');
            }
            return sb.toString();
        }
    }

    /** A callable function of the module being generated ({@code $name}). */
    private record Fn(String name, Sig sig, boolean host) {
    }

    private record Glob(String name, ValType type, boolean mutable) {
    }

    private record Tab(String name, ValType elem, int min) {
    }

    /** The exports of an earlier module that a later one may import. */
    private record Exported(String instance, List<Fn> funcs, List<Glob> globals, boolean memory, int memMin, List<Tab> tables) {
    }

    /** Generates one to three modules; module {@code k} is instantiated as {@code mk}. */
    List<String> generate() {
        int count = 1 + (r.nextInt(3) == 0 ? 1 : 0) + (r.nextInt(8) == 0 ? 1 : 0);
        List<String> out = new ArrayList<>();
        Exported previous = null;
        for (int k = 0; k < count; k++) {
            ModuleGen g = new ModuleGen("m" + k, previous);
            out.add(g.module());
            previous = g.exported();
        }
        return out;
    }

    private ValType anyType() {
        return ALL[r.nextInt(ALL.length)];
    }

    private ValType numType() {
        return NUM[r.nextInt(NUM.length)];
    }

    private List<ValType> types(int max, boolean refs) {
        List<ValType> out = new ArrayList<>();
        int n = r.nextInt(max + 1);
        for (int k = 0; k < n; k++) {
            out.add(refs ? anyType() : numType());
        }
        return out;
    }

    private final class ModuleGen {
        private final String instance;
        private final Exported previous;
        private final StringBuilder head = new StringBuilder();
        private final StringBuilder body = new StringBuilder();
        private final List<Fn> funcs = new ArrayList<>();
        private final List<Fn> defined = new ArrayList<>();
        private final List<Glob> globals = new ArrayList<>();
        private final List<Tab> tables = new ArrayList<>();
        private final List<String> passiveData = new ArrayList<>();
        private final List<String> passiveElems = new ArrayList<>();
        private final List<Fn> logs = new ArrayList<>();
        private boolean memory;
        private int memMin;

        ModuleGen(String instance, Exported previous) {
            this.instance = instance;
            this.previous = previous;
        }

        Exported exported() {
            // only what this module defines is exported
            return new Exported(instance, defined, globals.stream().filter(g -> g.name().startsWith("g")).toList(), memory, memMin,
                    tables.stream().filter(t -> t.name().startsWith("t")).toList());
        }

        String module() {
            // Host logging functions (and one host function with results).
            for (ValType t : NUM) {
                Fn log = new Fn("log_" + Plan.name(t), new Sig(List.of(t), List.of()), true);
                import_("host", log.name(), "(func $" + log.name() + log.sig().text() + ")");
                logs.add(log);
                funcs.add(log);
            }
            List<ValType> hostResults = options.hostMultiResults() && r.nextBoolean() ? types(3, false) : types(1, false);
            Fn get = new Fn("host_get", new Sig(types(2, false), hostResults), true);
            import_("host", "get_" + instance, "(func $host_get" + get.sig().text() + ")");
            funcs.add(get);
            // Functions, memory, table and globals of the earlier instance.
            if (previous != null) {
                for (Fn f : previous.funcs()) {
                    if (r.nextInt(3) > 0 && (options.hostMultiResults() || f.sig().results().size() <= 1)) {
                        Fn imported = new Fn("imp_" + f.name(), f.sig(), false);
                        import_(previous.instance(), f.name(), "(func $" + imported.name() + f.sig().text() + ")");
                        funcs.add(imported);
                    }
                }
                if (previous.memory() && r.nextInt(3) > 0) {
                    import_(previous.instance(), "mem", "(memory 0)");
                    memory = true;
                    memMin = previous.memMin();
                }
                for (Tab t : previous.tables()) {
                    if (r.nextBoolean()) {
                        Tab imported = new Tab("imp_" + t.name(), t.elem(), 0);
                        import_(previous.instance(), t.name(), "(table $" + imported.name() + " 0 " + Plan.name(t.elem()) + ")");
                        tables.add(imported);
                    }
                }
                for (Glob g : previous.globals()) {
                    if (r.nextBoolean()) {
                        Glob imported = new Glob("imp_" + g.name(), g.type(), g.mutable());
                        import_(previous.instance(), g.name(), "(global $" + imported.name() + " "
                                + (g.mutable() ? "(mut " + Plan.name(g.type()) + ")" : Plan.name(g.type())) + ")");
                        globals.add(imported);
                    }
                }
            }
            // Host memory, table, globals.
            if (!memory && r.nextInt(4) == 0) {
                memMin = 1 + r.nextInt(2);
                int max = memMin + 1 + r.nextInt(3);
                import_("env", "memory_" + memMin + "_" + max, "(memory " + memMin + " " + max + ")");
                memory = true;
            }
            if (r.nextInt(4) == 0) {
                ValType elem = r.nextBoolean() ? ValType.FUNCREF : ValType.EXTERNREF;
                Tab t = new Tab("host_" + Plan.name(elem), elem, 2);
                String max = r.nextBoolean() ? "8" : "";
                import_("env", "table_" + Plan.name(elem) + "_" + max, "(table $" + t.name() + " 2 " + max + " " + Plan.name(elem) + ")");
                tables.add(t);
            }
            if (r.nextBoolean()) {
                ValType t = numType();
                boolean mutable = r.nextBoolean();
                Glob g = new Glob("host_g_" + Plan.name(t) + (mutable ? "_mut" : ""), t, mutable);
                import_("env", g.name(), "(global $" + g.name() + " " + (mutable ? "(mut " + Plan.name(t) + ")" : Plan.name(t)) + ")");
                globals.add(g);
            }
            // Signatures of the module's own functions, decided before any body so that bodies can call
            // any of them (recursion included) and host functions can re-enter them.
            int n = 2 + r.nextInt(4);
            for (int k = 0; k < n; k++) {
                boolean refs = k > 0; // f0 has only numbers: host functions (re-entrancy) take numbers only
                Fn f = new Fn("f" + k, new Sig(types(3, refs), types(k == 0 && !options.hostMultiResults() ? 1 : 3, refs)), false);
                defined.add(f);
            }
            // Re-entrancy: a host function that calls an export of this very instance.
            List<Fn> numeric = defined.stream().filter(f -> (options.hostMultiResults() || f.sig().results().size() <= 1)
                    && f.sig().params().stream().noneMatch(ValType::isReference)
                    && f.sig().results().stream().noneMatch(ValType::isReference)).toList();
            Fn target = numeric.get(r.nextInt(numeric.size()));
            Fn reenter = new Fn("reenter", target.sig(), true);
            import_("host", "reenter." + instance + "." + target.name(), "(func $reenter" + target.sig().text() + ")");
            funcs.add(reenter);
            funcs.addAll(defined);

            if (!memory && r.nextInt(5) > 0) {
                memMin = r.nextInt(8) == 0 ? 0 : 1 + r.nextInt(2);
                body.append("  (memory $mem ").append(memMin).append(r.nextBoolean() ? " " + (memMin + r.nextInt(4)) : "").append(")\n");
                memory = true;
            }
            if (memory) {
                body.append("  (export \"mem\" (memory 0))\n");
            }
            int ownTables = r.nextInt(3);
            for (int k = 0; k < ownTables; k++) {
                ValType elem = k == 0 || r.nextBoolean() ? ValType.FUNCREF : ValType.EXTERNREF;
                int min = r.nextInt(6);
                Tab t = new Tab("t" + k, elem, min);
                body.append("  (table $").append(t.name()).append(' ').append(min).append(r.nextBoolean() ? " " + (min + r.nextInt(5)) : "")
                        .append(' ').append(Plan.name(elem)).append(")\n");
                body.append("  (export \"").append(t.name()).append("\" (table $").append(t.name()).append("))\n");
                tables.add(t);
            }
            body.append("  (global $fuel (mut i32) (i32.const ").append(200 + r.nextInt(400)).append("))\n");
            body.append("  (global $depth (mut i32) (i32.const 0))\n");
            int ownGlobals = r.nextInt(4);
            for (int k = 0; k < ownGlobals; k++) {
                ValType t = r.nextInt(4) == 0 ? (r.nextBoolean() ? ValType.FUNCREF : ValType.EXTERNREF) : numType();
                boolean mutable = r.nextBoolean();
                Glob g = new Glob("g" + k, t, mutable);
                String init = t.isReference() ? (t == ValType.FUNCREF && r.nextBoolean() ? "(ref.func $f0)" : "(ref.null " + heap(t) + ")")
                        : "(" + Plan.name(t) + ".const " + constant(t) + ")";
                body.append("  (global $").append(g.name()).append(' ').append(mutable ? "(mut " + Plan.name(t) + ")" : Plan.name(t))
                        .append(' ').append(init).append(")\n");
                body.append("  (export \"").append(g.name()).append("\" (global $").append(g.name()).append("))\n");
                globals.add(g);
            }
            // Segments.
            if (memory) {
                int segments = r.nextInt(3);
                for (int k = 0; k < segments; k++) {
                    if (r.nextBoolean()) {
                        body.append("  (data $d").append(k).append(' ').append(bytes()).append(")\n");
                        passiveData.add("$d" + k);
                    } else {
                        body.append("  (data $d").append(k).append(" (i32.const ").append(r.nextInt(memMin == 0 ? 1 : 200)).append(") ")
                                .append(memMin == 0 ? "\"\"" : bytes()).append(")\n");
                    }
                }
            }
            body.append("  (elem declare func");
            defined.forEach(f -> body.append(" $").append(f.name()));
            body.append(")\n");
            for (int k = 0; k < tables.size(); k++) {
                Tab t = tables.get(k);
                if (t.elem() == ValType.FUNCREF && r.nextBoolean()) {
                    boolean passive = r.nextBoolean();
                    body.append("  (elem $e").append(k);
                    if (!passive) {
                        body.append(" (table $").append(t.name()).append(") (i32.const ").append(r.nextInt(Math.max(1, t.min()))).append(')');
                    }
                    body.append(" func");
                    int len = t.min() == 0 && !passive ? 0 : 1 + r.nextInt(3);
                    for (int j = 0; j < len; j++) {
                        body.append(" $").append(defined.get(r.nextInt(defined.size())).name());
                    }
                    body.append(")\n");
                    if (passive) {
                        passiveElems.add("$e" + k);
                    }
                }
            }
            for (Fn f : defined) {
                body.append(new FuncGen(f).text());
                body.append("  (export \"").append(f.name()).append("\" (func $").append(f.name()).append("))\n");
            }
            List<Fn> startable = defined.stream().filter(f -> f.sig().params().isEmpty() && f.sig().results().isEmpty()).toList();
            if (!startable.isEmpty() && r.nextInt(4) == 0) {
                body.append("  (start $").append(startable.get(0).name()).append(")\n");
            }
            return "(module\n" + head + body + ")\n";
        }

        private void import_(String module, String field, String desc) {
            head.append("  (import \"").append(module).append("\" \"").append(field).append("\" ").append(desc).append(")\n");
        }

        private String bytes() {
            StringBuilder sb = new StringBuilder("\"");
            int n = r.nextInt(12);
            for (int k = 0; k < n; k++) {
                sb.append(String.format("\\%02x", r.nextInt(256)));
            }
            return sb.append('"').toString();
        }

        /** Generates one function body. */
        private final class FuncGen {
            private final Fn fn;
            private final List<ValType> locals = new ArrayList<>();
            private final StringBuilder code = new StringBuilder();
            /** Types carried by a branch to each enclosing label, innermost last. */
            private final List<List<ValType>> labels = new ArrayList<>();
            private int budget = 40 + r.nextInt(80);

            FuncGen(Fn fn) {
                this.fn = fn;
                locals.addAll(fn.sig().params());
                for (ValType t : types(4, true)) {
                    locals.add(t);
                }
            }

            String text() {
                int declared = locals.size();
                labels.add(fn.sig().results());
                fuelCheck();
                int stmts = 1 + r.nextInt(5);
                for (int k = 0; k < stmts; k++) {
                    stmt(3);
                }
                for (ValType t : fn.sig().results()) {
                    expr(t, 3);
                }
                StringBuilder sb = new StringBuilder("  (func $").append(fn.name()).append(fn.sig().text().replace("(param", "(param"))
                        .append('\n');
                if (locals.size() > fn.sig().params().size()) {
                    sb.append("    (local");
                    for (ValType t : locals.subList(fn.sig().params().size(), locals.size())) {
                        sb.append(' ').append(Plan.name(t));
                    }
                    sb.append(")\n");
                }
                assert declared <= locals.size();
                return sb.append(code).append("  )\n").toString();
            }

            private void op(String s) {
                code.append("    ").append(s).append('\n');
                budget--;
            }

            private int scratch(ValType t) {
                locals.add(t);
                return locals.size() - 1;
            }

            private void fuelCheck() {
                op("global.get $fuel");
                op("i32.eqz");
                op("if");
                op("unreachable");
                op("end");
                op("global.get $fuel");
                op("i32.const 1");
                op("i32.sub");
                op("global.set $fuel");
            }

            /** Pushes values of {@code types} in order. */
            private void values(List<ValType> types, int depth) {
                for (ValType t : types) {
                    expr(t, depth);
                }
            }

            /** Saves the values on top of the stack (types {@code types}) in fresh locals; returns them. */
            private int[] save(List<ValType> types) {
                int[] slots = new int[types.size()];
                for (int k = types.size() - 1; k >= 0; k--) {
                    slots[k] = scratch(types.get(k));
                    op("local.set " + slots[k]);
                }
                return slots;
            }

            /** Consumes the values on the stack (types {@code types}), possibly using one of them as a {@code t}. */
            private void keepOne(List<ValType> types, ValType t) {
                int[] slots = save(types);
                List<Integer> matching = new ArrayList<>();
                for (int k = 0; k < slots.length; k++) {
                    if (types.get(k) == t) {
                        matching.add(slots[k]);
                    }
                }
                if (matching.isEmpty()) {
                    expr(t, 0);
                } else {
                    op("local.get " + matching.get(r.nextInt(matching.size())));
                }
            }

            private void denan(ValType t) {
                if (!t.isFloat()) {
                    return;
                }
                int s = scratch(t);
                String p = Plan.name(t);
                op("local.set " + s);
                op("local.get " + s);
                op(p + ".const 0");
                op("local.get " + s);
                op("local.get " + s);
                op(p + ".eq");
                op("select");
            }

            private void address() {
                if (r.nextInt(8) == 0) {
                    expr(ValType.I32, 1);
                } else if (r.nextInt(4) == 0) {
                    expr(ValType.I32, 1);
                    op("i32.const 0xffff");
                    op("i32.and");
                } else {
                    op("i32.const " + r.nextInt(memMin * 65536 + 64));
                }
            }

            private void expr(ValType t, int depth) {
                if (t == ValType.V128) {
                    vexpr(depth);
                    return;
                }
                if (depth <= 0 || budget <= 0) {
                    leaf(t);
                    return;
                }
                if (t.isReference()) {
                    refExpr(t, depth);
                    return;
                }
                String p = Plan.name(t);
                switch (r.nextInt(20)) {
                    case 0, 1 -> leaf(t);
                    case 2, 3 -> {
                        expr(t, depth - 1);
                        expr(t, depth - 1);
                        op(p + "." + pick(t.isFloat() ? new String[]{"add", "sub", "mul", "div", "min", "max"}
                                : new String[]{"add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor",
                                        "shl", "shr_s", "shr_u", "rotl", "rotr"}));
                    }
                    case 4 -> {
                        if (t == ValType.I32) {
                            ValType o = numType();
                            expr(o, depth - 1);
                            expr(o, depth - 1);
                            op(Plan.name(o) + "." + pick(o.isFloat() ? new String[]{"eq", "ne", "lt", "gt", "le", "ge"}
                                    : new String[]{"eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"}));
                        } else if (t.isFloat()) {
                            expr(t, depth - 1);
                            expr(t, depth - 1);
                            denan(t);
                            op(p + ".copysign");
                        } else {
                            expr(t, depth - 1);
                            String unop = pick("clz", "ctz", "popcnt", "extend8_s", "extend16_s", "extend32_s", "eqz");
                            op(p + "." + unop);
                            if (unop.equals("eqz")) {
                                op("i64.extend_i32_u");
                            }
                        }
                    }
                    case 5 -> convert(t, depth);
                    case 6 -> {
                        if (memory) {
                            load(t, depth);
                        } else {
                            leaf(t);
                        }
                    }
                    case 7 -> {
                        expr(t, depth - 1);
                        expr(t, depth - 1);
                        expr(ValType.I32, depth - 1);
                        op(r.nextBoolean() ? "select" : "select (result " + p + ")");
                    }
                    case 8 -> call(t, depth);
                    case 9 -> callIndirect(t, depth);
                    case 10 -> block(List.of(t), depth);
                    case 11 -> ifElse(List.of(t), depth);
                    case 12 -> loop(List.of(t), depth);
                    case 13 -> branchOut(t, depth);
                    case 14 -> {
                        if (t.isFloat()) {
                            expr(t, depth - 1);
                            op(p + "." + pick("abs", "neg", "sqrt", "ceil", "floor", "trunc", "nearest"));
                        } else if (t == ValType.I32 && memory && r.nextBoolean()) {
                            if (r.nextBoolean()) {
                                op("memory.size");
                            } else {
                                op("i32.const " + r.nextInt(3));
                                op("memory.grow");
                            }
                        } else if (t == ValType.I32 && !tables.isEmpty()) {
                            Tab tab = tables.get(r.nextInt(tables.size()));
                            if (r.nextBoolean()) {
                                op("table.size $" + tab.name());
                            } else {
                                refExpr(tab.elem(), depth - 1);
                                op("i32.const " + r.nextInt(4));
                                op("table.grow $" + tab.name());
                            }
                        } else {
                            leaf(t);
                        }
                    }
                    case 15 -> {
                        if (t == ValType.I32) {
                            ValType rt = r.nextBoolean() ? ValType.FUNCREF : ValType.EXTERNREF;
                            refExpr(rt, depth - 1);
                            op("ref.is_null");
                        } else {
                            expr(t, depth - 1);
                            int s = scratch(t);
                            op("local.tee " + s);
                        }
                    }
                    case 16, 17, 18 -> fromVector(t, depth);
                    default -> {
                        // a statement first, then the value
                        stmt(depth - 1);
                        expr(t, depth - 1);
                    }
                }
            }

            // ---- 128-bit SIMD: v128 values live in locals and on the stack only (never at the JS
            // boundary, where V8 refuses them); float results lose their NaNs lane by lane (vdenan) --

            private static final String[] INT_SHAPES = {"i8x16", "i16x8", "i32x4", "i64x2"};
            private static final String[] VECTOR_BINARY = {
                "v128.and", "v128.or", "v128.xor", "v128.andnot", "i8x16.add", "i8x16.sub", "i8x16.add_sat_s",
                "i8x16.add_sat_u", "i8x16.sub_sat_s", "i8x16.sub_sat_u", "i8x16.min_s", "i8x16.min_u", "i8x16.max_s",
                "i8x16.max_u", "i8x16.avgr_u", "i8x16.narrow_i16x8_s", "i8x16.narrow_i16x8_u", "i8x16.swizzle",
                "i16x8.add", "i16x8.sub", "i16x8.mul", "i16x8.add_sat_s", "i16x8.sub_sat_u", "i16x8.min_s",
                "i16x8.max_u", "i16x8.avgr_u", "i16x8.q15mulr_sat_s", "i16x8.narrow_i32x4_s", "i16x8.narrow_i32x4_u",
                "i16x8.extmul_low_i8x16_s", "i16x8.extmul_high_i8x16_u", "i32x4.add", "i32x4.sub", "i32x4.mul",
                "i32x4.min_s", "i32x4.min_u", "i32x4.max_s", "i32x4.max_u", "i32x4.dot_i16x8_s",
                "i32x4.extmul_low_i16x8_u", "i32x4.extmul_high_i16x8_s", "i64x2.add", "i64x2.sub", "i64x2.mul",
                "i64x2.extmul_low_i32x4_s", "i64x2.extmul_high_i32x4_u"};

            /** A scalar {@code t} computed from a vector: a lane, a reduction or a bitmask. */
            private void fromVector(ValType t, int depth) {
                vexpr(depth - 1);
                switch (t) {
                    case I32 -> op(pick("i32x4.extract_lane " + r.nextInt(4), "i8x16.extract_lane_s " + r.nextInt(16),
                            "i8x16.extract_lane_u " + r.nextInt(16), "i16x8.extract_lane_s " + r.nextInt(8),
                            "i16x8.extract_lane_u " + r.nextInt(8), "v128.any_true", pick(INT_SHAPES) + ".all_true",
                            pick(INT_SHAPES) + ".bitmask"));
                    case I64 -> op("i64x2.extract_lane " + r.nextInt(2));
                    case F32 -> {
                        op("f32x4.extract_lane " + r.nextInt(4));
                        denan(t);
                    }
                    default -> {
                        op("f64x2.extract_lane " + r.nextInt(2));
                        denan(t);
                    }
                }
            }

            /** Replaces a NaN lane of the f32x4 or f64x2 vector on the stack by 0. */
            private void vdenan(String shape) {
                int s = scratch(ValType.V128);
                op("local.set " + s);
                op("local.get " + s);
                op("v128.const i64x2 0 0");
                op("local.get " + s);
                op("local.get " + s);
                op(shape + ".eq");
                op("v128.bitselect");
            }

            private void vleaf() {
                List<Integer> ls = localsOf(ValType.V128);
                if (!ls.isEmpty() && r.nextInt(3) == 0) {
                    op("local.get " + ls.get(r.nextInt(ls.size())));
                    return;
                }
                switch (r.nextInt(4)) {
                    case 0 -> op("v128.const i64x2 " + constant(ValType.I64) + " " + constant(ValType.I64));
                    case 1 -> op("v128.const i32x4 " + constant(ValType.I32) + " " + constant(ValType.I32) + " "
                            + constant(ValType.I32) + " " + constant(ValType.I32));
                    case 2 -> op("v128.const f32x4 " + constant(ValType.F32) + " " + constant(ValType.F32) + " "
                            + constant(ValType.F32) + " " + constant(ValType.F32));
                    default -> {
                        StringBuilder b = new StringBuilder("v128.const i8x16");
                        for (int k = 0; k < 16; k++) {
                            b.append(' ').append(r.nextInt(256) - 128);
                        }
                        op(b.toString());
                    }
                }
            }

            private void vexpr(int depth) {
                if (depth <= 0 || budget <= 0) {
                    vleaf();
                    return;
                }
                switch (r.nextInt(14)) {
                    case 0 -> vleaf();
                    case 1 -> {
                        String shape = pick("i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2");
                        ValType scalar = shape.equals("i64x2") ? ValType.I64 : shape.equals("f32x4") ? ValType.F32
                                : shape.equals("f64x2") ? ValType.F64 : ValType.I32;
                        expr(scalar, depth - 1);
                        denan(scalar);
                        op(shape + ".splat");
                    }
                    case 2, 3 -> {
                        vexpr(depth - 1);
                        vexpr(depth - 1);
                        op(pick(VECTOR_BINARY));
                    }
                    case 4 -> {
                        vexpr(depth - 1);
                        vexpr(depth - 1);
                        String shape = pick(INT_SHAPES);
                        op(shape + "." + (shape.equals("i64x2") ? pick("eq", "ne", "lt_s", "gt_s", "le_s", "ge_s")
                                : pick("eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u")));
                    }
                    case 5 -> {
                        vexpr(depth - 1);
                        op(pick("v128.not", "i8x16.abs", "i8x16.neg", "i8x16.popcnt", "i16x8.abs", "i16x8.neg",
                                "i16x8.extend_low_i8x16_s", "i16x8.extend_high_i8x16_u", "i16x8.extadd_pairwise_i8x16_s",
                                "i32x4.abs", "i32x4.neg", "i32x4.extend_low_i16x8_u", "i32x4.extend_high_i16x8_s",
                                "i32x4.extadd_pairwise_i16x8_u", "i64x2.abs", "i64x2.neg", "i64x2.extend_low_i32x4_s",
                                "i64x2.extend_high_i32x4_u", "f32x4.abs", "f32x4.neg", "f64x2.abs", "f64x2.neg",
                                "i32x4.trunc_sat_f32x4_s", "i32x4.trunc_sat_f32x4_u", "i32x4.trunc_sat_f64x2_s_zero",
                                "i32x4.trunc_sat_f64x2_u_zero", "f32x4.convert_i32x4_s", "f32x4.convert_i32x4_u",
                                "f64x2.convert_low_i32x4_s", "f64x2.convert_low_i32x4_u"));
                    }
                    case 6 -> {
                        vexpr(depth - 1);
                        expr(ValType.I32, depth - 1);
                        op(pick(INT_SHAPES) + "." + pick("shl", "shr_s", "shr_u"));
                    }
                    case 7 -> {
                        String shape = pick("f32x4", "f64x2");
                        vexpr(depth - 1);
                        if (r.nextInt(3) == 0) {
                            op(shape + "." + pick("sqrt", "ceil", "floor", "trunc", "nearest"));
                        } else {
                            vexpr(depth - 1);
                            op(shape + "." + pick("add", "sub", "mul", "div", "min", "max", "pmin", "pmax"));
                        }
                        vdenan(shape);
                    }
                    case 8 -> {
                        vexpr(depth - 1);
                        vexpr(depth - 1);
                        String shape = pick("f32x4", "f64x2");
                        op(shape + "." + pick("eq", "ne", "lt", "gt", "le", "ge"));
                    }
                    case 9 -> {
                        vexpr(depth - 1);
                        vexpr(depth - 1);
                        StringBuilder b = new StringBuilder("i8x16.shuffle");
                        for (int k = 0; k < 16; k++) {
                            b.append(' ').append(r.nextInt(4) == 0 ? k : r.nextInt(32));
                        }
                        op(b.toString());
                    }
                    case 10 -> {
                        vexpr(depth - 1);
                        vexpr(depth - 1);
                        if (r.nextBoolean()) {
                            vexpr(depth - 1);
                            op("v128.bitselect");
                        } else {
                            expr(ValType.I32, depth - 1);
                            op("select");
                        }
                    }
                    case 11 -> {
                        vexpr(depth - 1);
                        String shape = pick("i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2");
                        ValType scalar = shape.equals("i64x2") ? ValType.I64 : shape.equals("f32x4") ? ValType.F32
                                : shape.equals("f64x2") ? ValType.F64 : ValType.I32;
                        int lanes = switch (shape) {
                            case "i8x16" -> 16;
                            case "i16x8" -> 8;
                            case "i32x4", "f32x4" -> 4;
                            default -> 2;
                        };
                        expr(scalar, depth - 1);
                        denan(scalar);
                        op(shape + ".replace_lane " + r.nextInt(lanes));
                    }
                    case 12 -> {
                        if (!memory) {
                            vleaf();
                            return;
                        }
                        String form = pick("v128.load", "v128.load", "v128.load8x8_s", "v128.load16x4_u", "v128.load32x2_s",
                                "v128.load8_splat", "v128.load16_splat", "v128.load32_splat", "v128.load64_splat",
                                "v128.load32_zero", "v128.load64_zero", "v128.load8_lane", "v128.load64_lane");
                        address();
                        String imm = (r.nextBoolean() ? " offset=" + r.nextInt(40) : "") + (r.nextInt(4) == 0 ? " align=1" : "");
                        if (form.endsWith("_lane")) {
                            vexpr(depth - 1);
                            op(form + imm + " " + r.nextInt(form.endsWith("8_lane") ? 16 : 2));
                        } else {
                            op(form + imm);
                        }
                    }
                    default -> {
                        vexpr(depth - 1);
                        op("local.tee " + scratch(ValType.V128));
                    }
                }
            }

            private void leaf(ValType t) {
                if (t == ValType.V128) {
                    vleaf();
                    return;
                }
                if (t.isReference()) {
                    op("ref.null " + heap(t));
                    return;
                }
                List<Integer> ls = localsOf(t);
                List<Glob> gs = globals.stream().filter(g -> g.type() == t).toList();
                int c = r.nextInt(4);
                if (c == 0 && !ls.isEmpty()) {
                    op("local.get " + ls.get(r.nextInt(ls.size())));
                } else if (c == 1 && !gs.isEmpty()) {
                    op("global.get $" + gs.get(r.nextInt(gs.size())).name());
                } else {
                    op(Plan.name(t) + ".const " + constant(t));
                }
            }

            private List<Integer> localsOf(ValType t) {
                List<Integer> out = new ArrayList<>();
                for (int k = 0; k < locals.size(); k++) {
                    if (locals.get(k) == t) {
                        out.add(k);
                    }
                }
                return out;
            }

            private void refExpr(ValType t, int depth) {
                List<Integer> ls = localsOf(t);
                List<Tab> ts = tables.stream().filter(x -> x.elem() == t).toList();
                switch (depth <= 0 ? r.nextInt(2) : r.nextInt(7)) {
                    case 0 -> op("ref.null " + heap(t));
                    case 1 -> {
                        if (!ls.isEmpty()) {
                            op("local.get " + ls.get(r.nextInt(ls.size())));
                        } else if (t == ValType.FUNCREF) {
                            op("ref.func $" + defined.get(r.nextInt(defined.size())).name());
                        } else {
                            op("ref.null extern");
                        }
                    }
                    case 2 -> {
                        if (!ts.isEmpty()) {
                            op("i32.const " + r.nextInt(4));
                            op("table.get $" + ts.get(r.nextInt(ts.size())).name());
                        } else {
                            op("ref.null " + heap(t));
                        }
                    }
                    case 3 -> {
                        refExpr(t, depth - 1);
                        refExpr(t, depth - 1);
                        expr(ValType.I32, depth - 1);
                        op("select (result " + Plan.name(t) + ")");
                    }
                    case 4 -> call(t, depth);
                    case 5 -> block(List.of(t), depth);
                    default -> {
                        List<Glob> gs = globals.stream().filter(g -> g.type() == t).toList();
                        if (!gs.isEmpty()) {
                            op("global.get $" + gs.get(r.nextInt(gs.size())).name());
                        } else {
                            ifElse(List.of(t), depth);
                        }
                    }
                }
            }

            private void convert(ValType t, int depth) {
                String[][] ops = switch (t) {
                    case I32 -> new String[][]{{"i64", "i32.wrap_i64"}, {"f32", "i32.trunc_f32_s"}, {"f32", "i32.trunc_f32_u"},
                            {"f64", "i32.trunc_f64_s"}, {"f64", "i32.trunc_f64_u"}, {"f32", "i32.trunc_sat_f32_s"},
                            {"f64", "i32.trunc_sat_f64_u"}, {"f32d", "i32.reinterpret_f32"}};
                    case I64 -> new String[][]{{"i32", "i64.extend_i32_s"}, {"i32", "i64.extend_i32_u"}, {"f32", "i64.trunc_f32_s"},
                            {"f64", "i64.trunc_f64_u"}, {"f64", "i64.trunc_sat_f64_s"}, {"f32", "i64.trunc_sat_f32_u"},
                            {"f64d", "i64.reinterpret_f64"}};
                    case F32 -> new String[][]{{"i32", "f32.convert_i32_s"}, {"i64", "f32.convert_i64_u"}, {"f64", "f32.demote_f64"},
                            {"i32", "f32.reinterpret_i32"}, {"i64", "f32.convert_i64_s"}};
                    default -> new String[][]{{"i32", "f64.convert_i32_u"}, {"i64", "f64.convert_i64_s"}, {"f32", "f64.promote_f32"},
                            {"i64", "f64.reinterpret_i64"}, {"i64", "f64.convert_i64_u"}};
                };
                String[] o = ops[r.nextInt(ops.length)];
                boolean denan = o[0].endsWith("d");
                ValType from = Plan.valType(o[0].substring(0, 3));
                expr(from, depth - 1);
                if (denan) {
                    denan(from);
                }
                op(o[1]);
            }

            private void load(ValType t, int depth) {
                address();
                String[] forms = switch (t) {
                    case I32 -> new String[]{"i32.load", "i32.load8_s", "i32.load8_u", "i32.load16_s", "i32.load16_u"};
                    case I64 -> new String[]{"i64.load", "i64.load8_s", "i64.load16_u", "i64.load32_s", "i64.load32_u"};
                    default -> new String[]{Plan.name(t) + ".load"};
                };
                op(pick(forms) + (r.nextBoolean() ? " offset=" + r.nextInt(40) : "") + (r.nextInt(4) == 0 ? " align=1" : ""));
            }

            private void store(int depth) {
                if (r.nextInt(6) == 0) {
                    address();
                    vexpr(depth - 1);
                    if (r.nextBoolean()) {
                        op("v128.store" + (r.nextBoolean() ? " offset=" + r.nextInt(40) : ""));
                    } else {
                        String form = pick("v128.store8_lane", "v128.store16_lane", "v128.store32_lane", "v128.store64_lane");
                        int lanes = form.contains("8_") ? 16 : form.contains("16_") ? 8 : form.contains("32_") ? 4 : 2;
                        op(form + " " + r.nextInt(lanes));
                    }
                    return;
                }
                ValType t = numType();
                address();
                expr(t, depth - 1);
                denan(t);
                String[] forms = switch (t) {
                    case I32 -> new String[]{"i32.store", "i32.store8", "i32.store16"};
                    case I64 -> new String[]{"i64.store", "i64.store8", "i64.store16", "i64.store32"};
                    default -> new String[]{Plan.name(t) + ".store"};
                };
                op(pick(forms) + (r.nextBoolean() ? " offset=" + r.nextInt(40) : ""));
            }

            /** A call to a function whose results include {@code t} (or any function, with a default). */
            private void call(ValType t, int depth) {
                // mostly calls to later functions (an acyclic call graph), sometimes anything (recursion)
                boolean any = r.nextInt(10) == 0;
                int self = defined.indexOf(fn);
                List<Fn> callable = funcs.stream().filter(f -> !f.name().equals("reenter") && !f.name().startsWith("log_")
                        && (any || !defined.contains(f) || defined.indexOf(f) > self)).toList();
                Fn f = callable.get(r.nextInt(callable.size()));
                values(f.sig().params(), depth - 1);
                op("call $" + f.name());
                keepOne(f.sig().results(), t);
            }

            private void callIndirect(ValType t, int depth) {
                List<Tab> ts = tables.stream().filter(x -> x.elem() == ValType.FUNCREF).toList();
                if (ts.isEmpty()) {
                    call(t, depth);
                    return;
                }
                Fn f = defined.get(r.nextInt(defined.size()));
                Sig sig = r.nextInt(4) == 0 ? new Sig(types(2, false), List.of(t)) : f.sig();
                values(sig.params(), depth - 1);
                op("i32.const " + r.nextInt(5));
                op("call_indirect $" + ts.get(r.nextInt(ts.size())).name() + sig.text());
                keepOne(sig.results(), t);
            }

            private String blockType(List<ValType> params, List<ValType> results) {
                return new Sig(params, results).text();
            }

            /** A block with parameters taking some values, producing {@code results}. */
            private void block(List<ValType> results, int depth) {
                List<ValType> params = types(2, true);
                values(params, depth - 1);
                op("block" + blockType(params, results));
                labels.add(results);
                int[] slots = save(params);
                stmt(depth - 1);
                if (slots.length > 0 && r.nextBoolean()) {
                    // a conditional branch out with the block's results
                    values(results, depth - 1);
                    expr(ValType.I32, depth - 1);
                    op("br_if 0");
                    save(results);
                }
                values(results, depth - 1);
                labels.remove(labels.size() - 1);
                op("end");
            }

            private void ifElse(List<ValType> results, int depth) {
                List<ValType> params = types(1, true);
                values(params, depth - 1);
                expr(ValType.I32, depth - 1);
                op("if" + blockType(params, results));
                labels.add(results);
                save(params);
                values(results, depth - 1);
                op("else");
                save(params);
                stmt(depth - 1);
                values(results, depth - 1);
                labels.remove(labels.size() - 1);
                op("end");
            }

            /** A loop with an i32 counter parameter (and maybe another), run a few times. */
            private void loop(List<ValType> results, int depth) {
                List<ValType> params = new ArrayList<>(List.of(ValType.I32));
                params.addAll(types(1, true));
                op("i32.const 0");
                values(params.subList(1, params.size()), depth - 1);
                op("loop" + blockType(params, results));
                labels.add(params);
                int[] slots = save(params);
                fuelCheck();
                stmt(depth - 1);
                // continue with counter + 1 while counter < limit and a random condition holds
                if (options.loopStateProbes() && r.nextBoolean()) {
                    stateProbe(depth);
                }
                op("local.get " + slots[0]);
                op("i32.const " + (1 + r.nextInt(6)));
                op("i32.lt_u");
                if (r.nextBoolean()) {
                    expr(ValType.I32, depth - 2);
                    op("i32.and");
                }
                op("if");
                labels.add(List.of());
                op("local.get " + slots[0]);
                op("i32.const 1");
                op("i32.add");
                values(params.subList(1, params.size()), depth - 1);
                op("br 1");
                labels.remove(labels.size() - 1);
                op("end");
                labels.remove(labels.size() - 1);
                values(results, depth - 1);
                op("end");
            }

            /** Changes a table, memory or global (directly or in a call) and logs what is read back. */
            private void stateProbe(int depth) {
                switch (r.nextInt(4)) {
                    case 0 -> {
                        if (!tables.isEmpty()) {
                            Tab t = tables.get(r.nextInt(tables.size()));
                            refExpr(t.elem(), 0);
                            op("i32.const " + r.nextInt(2));
                            op("table.grow $" + t.name());
                            op("drop");
                            op("table.size $" + t.name());
                            op("call $log_i32");
                        }
                    }
                    case 1 -> {
                        if (memory) {
                            op("i32.const " + r.nextInt(2));
                            op("memory.grow");
                            op("drop");
                            op("memory.size");
                            op("call $log_i32");
                        }
                    }
                    case 2 -> {
                        List<Glob> gs = globals.stream().filter(g -> g.mutable() && !g.type().isReference()).toList();
                        if (!gs.isEmpty()) {
                            Glob g = gs.get(r.nextInt(gs.size()));
                            op("global.get $" + g.name());
                            expr(g.type(), 0);
                            op(Plan.name(g.type()) + ".add");
                            op("global.set $" + g.name());
                            op("global.get $" + g.name());
                            op("call $log_" + Plan.name(g.type()));
                        }
                    }
                    default -> {
                        call(ValType.I32, depth - 1);
                        op("drop");
                        if (!tables.isEmpty()) {
                            op("table.size $" + tables.get(r.nextInt(tables.size())).name());
                        } else if (memory) {
                            op("i32.const 0");
                            op("i32.load");
                        } else {
                            op("i32.const 0");
                        }
                        op("call $log_i32");
                    }
                }
            }

            /** Branches out of nested blocks with a value: br, br_if, br_table. */
            private void branchOut(ValType t, int depth) {
                String p = Plan.name(t);
                switch (r.nextInt(3)) {
                    case 0 -> {
                        op("block (result " + p + ")");
                        labels.add(List.of(t));
                        stmt(depth - 1);
                        expr(t, depth - 1);
                        op("br 0");
                        labels.remove(labels.size() - 1);
                        op("end");
                    }
                    case 1 -> {
                        op("block (result " + p + ")");
                        labels.add(List.of(t));
                        expr(t, depth - 1);
                        expr(ValType.I32, depth - 1);
                        op("br_if 0");
                        labels.remove(labels.size() - 1);
                        op("end");
                    }
                    default -> {
                        op("block (result " + p + ")");
                        op("block (result " + p + ")");
                        labels.add(List.of(t));
                        labels.add(List.of(t));
                        expr(t, depth - 1);
                        expr(ValType.I32, depth - 1);
                        op("br_table 0 1 0 1");
                        labels.remove(labels.size() - 1);
                        op("end");
                        expr(ValType.I32, depth - 1);
                        op("i32.eqz");
                        op("br_if 0");
                        labels.remove(labels.size() - 1);
                        op("end");
                    }
                }
            }

            /** Instructions with no net effect on the stack. */
            private void stmt(int depth) {
                if (budget <= 0) {
                    return;
                }
                switch (depth <= 0 ? r.nextInt(3) : r.nextInt(16)) {
                    case 0 -> {
                        ValType t = numType();
                        expr(t, depth - 1);
                        op("call $log_" + Plan.name(t));
                    }
                    case 1 -> {
                        if (locals.isEmpty()) {
                            return;
                        }
                        ValType t = locals.get(r.nextInt(locals.size()));
                        List<Integer> ls = localsOf(t);
                        expr(t, depth - 1);
                        op("local.set " + ls.get(r.nextInt(ls.size())));
                    }
                    case 2 -> {
                        List<Glob> gs = globals.stream().filter(Glob::mutable).toList();
                        if (!gs.isEmpty()) {
                            Glob g = gs.get(r.nextInt(gs.size()));
                            expr(g.type(), depth - 1);
                            op("global.set $" + g.name());
                        }
                    }
                    case 3, 4 -> {
                        if (memory) {
                            store(depth);
                        }
                    }
                    case 5 -> {
                        ValType t = anyType();
                        expr(t, depth - 1);
                        op("drop");
                    }
                    case 6 -> {
                        List<ValType> results = types(2, true);
                        block(results, depth);
                        save(results);
                    }
                    case 7 -> {
                        List<ValType> results = types(2, true);
                        loop(results, depth);
                        save(results);
                    }
                    case 8 -> {
                        List<ValType> results = types(1, true);
                        ifElse(results, depth);
                        save(results);
                    }
                    case 9 -> bulkMemory(depth);
                    case 10 -> tableOp(depth);
                    case 11 -> {
                        // re-enter this instance through the host, at most a few levels deep
                        op("global.get $depth");
                        op("i32.const 3");
                        op("i32.lt_u");
                        op("if");
                        labels.add(List.of());
                        op("global.get $depth");
                        op("i32.const 1");
                        op("i32.add");
                        op("global.set $depth");
                        Fn re = funcs.stream().filter(f -> f.name().equals("reenter")).findFirst().orElseThrow();
                        values(re.sig().params(), depth - 1);
                        op("call $reenter");
                        save(re.sig().results());
                        op("global.get $depth");
                        op("i32.const 1");
                        op("i32.sub");
                        op("global.set $depth");
                        labels.remove(labels.size() - 1);
                        op("end");
                    }
                    case 12 -> {
                        // return early, with the function's results
                        expr(ValType.I32, depth - 1);
                        op("if");
                        labels.add(List.of());
                        values(fn.sig().results(), depth - 1);
                        op("return");
                        labels.remove(labels.size() - 1);
                        op("end");
                    }
                    case 13 -> {
                        Fn host = funcs.stream().filter(f -> f.name().equals("host_get")).findFirst().orElseThrow();
                        values(host.sig().params(), depth - 1);
                        op("call $host_get");
                        save(host.sig().results());
                    }
                    default -> {
                        ValType t = anyType();
                        call(t, depth);
                        op("drop");
                    }
                }
            }

            private void bulkMemory(int depth) {
                if (!memory) {
                    return;
                }
                switch (r.nextInt(4)) {
                    case 0 -> {
                        address();
                        expr(ValType.I32, depth - 1);
                        op("i32.const " + r.nextInt(64));
                        op("memory.fill");
                    }
                    case 1 -> {
                        address();
                        address();
                        op("i32.const " + r.nextInt(64));
                        op("memory.copy");
                    }
                    default -> {
                        if (passiveData.isEmpty()) {
                            return;
                        }
                        String d = passiveData.get(r.nextInt(passiveData.size()));
                        if (r.nextInt(3) == 0) {
                            op("data.drop " + d);
                        } else {
                            address();
                            op("i32.const " + r.nextInt(6));
                            op("i32.const " + r.nextInt(6));
                            op("memory.init " + d);
                        }
                    }
                }
            }

            private void tableOp(int depth) {
                if (tables.isEmpty()) {
                    return;
                }
                Tab t = tables.get(r.nextInt(tables.size()));
                switch (r.nextInt(5)) {
                    case 0 -> {
                        op("i32.const " + r.nextInt(4));
                        refExpr(t.elem(), depth - 1);
                        op("table.set $" + t.name());
                    }
                    case 1 -> {
                        op("i32.const " + r.nextInt(4));
                        refExpr(t.elem(), depth - 1);
                        op("i32.const " + r.nextInt(4));
                        op("table.fill $" + t.name());
                    }
                    case 2 -> {
                        List<Tab> same = tables.stream().filter(x -> x.elem() == t.elem()).toList();
                        op("i32.const " + r.nextInt(4));
                        op("i32.const " + r.nextInt(4));
                        op("i32.const " + r.nextInt(4));
                        op("table.copy $" + t.name() + " $" + same.get(r.nextInt(same.size())).name());
                    }
                    case 3 -> {
                        if (t.elem() == ValType.FUNCREF && !passiveElems.isEmpty()) {
                            String e = passiveElems.get(r.nextInt(passiveElems.size()));
                            if (r.nextInt(3) == 0) {
                                op("elem.drop " + e);
                            } else {
                                op("i32.const " + r.nextInt(4));
                                op("i32.const " + r.nextInt(3));
                                op("i32.const " + r.nextInt(3));
                                op("table.init $" + t.name() + " " + e);
                            }
                        }
                    }
                    default -> {
                        // the size seen after a grow
                        expr(ValType.I32, 0);
                        op("drop");
                        refExpr(t.elem(), 0);
                        op("i32.const 1");
                        op("table.grow $" + t.name());
                        op("call $log_i32");
                        op("table.size $" + t.name());
                        op("call $log_i32");
                    }
                }
            }
        }
    }

    private String pick(String... options) {
        return options[r.nextInt(options.length)];
    }

    private static String heap(ValType t) {
        return t == ValType.FUNCREF ? "func" : "extern";
    }

    private String constant(ValType t) {
        return switch (t) {
            case I32 -> Integer.toString(switch (r.nextInt(4)) {
                case 0 -> r.nextInt(10);
                case 1 -> r.nextInt();
                case 2 -> new int[]{-1, Integer.MIN_VALUE, Integer.MAX_VALUE, 65536, 255}[r.nextInt(5)];
                default -> r.nextInt(200) - 100;
            });
            case I64 -> Long.toString(r.nextBoolean() ? r.nextInt(100) - 50 : r.nextLong());
            case F32 -> r.nextInt(5) == 0 ? pick("inf", "-inf", "-0x0p+0", "0x1p-149") : Float.toHexString(r.nextFloat() * 1000 - 500);
            default -> r.nextInt(5) == 0 ? pick("inf", "-inf", "-0x0p+0", "0x1p-1074", "0x1.fffffffffffffp+1023")
                    : Double.toHexString(r.nextDouble() * 1e9 - 5e8);
        };
    }
}
