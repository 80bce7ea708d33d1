package dev.kiln.compiler.wasm;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Validates a decoded WebAssembly 3.0 module (or 2.0, see {@link WasmVersion}; of 3.0: extended constant
 * expressions, multiple memories, 64-bit memories and tables) (spec chapter 3, "Validation"), function bodies with
 * the algorithm of the spec's appendix "Validation Algorithm": an operand stack and a control stack,
 * with the polymorphic (unknown-typed) stack after {@code unreachable}, {@code br}, {@code br_table}
 * and {@code return}.
 *
 * <p>Errors are {@link InvalidModuleException}s whose {@link InvalidModuleException#reason() reason}
 * starts with the reference interpreter's wording (what the spec testsuite's {@code assert_invalid}
 * texts are prefixes of): {@code type mismatch}, {@code unknown local N}, {@code unknown global N},
 * {@code unknown function N}, {@code unknown table N}, {@code unknown memory N}, {@code unknown type N},
 * {@code unknown label N}, {@code unknown elem segment N}, {@code unknown data segment N},
 * {@code immutable global} (2.0: {@code global is immutable}), {@code constant expression required},
 * {@code alignment must not be larger than natural}, {@code invalid lane index},
 * {@code invalid result arity}, {@code undeclared function reference},
 * {@code size minimum must not be greater than maximum},
 * {@code memory size must be at most 65536 pages (4GiB)}, {@code multiple memories},
 * {@code duplicate export name}, {@code start function}. Details may follow after a colon
 * (e.g. {@code type mismatch: expected i32 but got f64}). The exception carries the funcidx (or -1)
 * and the byte offset of the offending instruction or entry.
 *
 * <p>Thread-safe: each call works on its own state.
 */
public final class Validator {
    private static final ValType[] TYPES = ValType.values();
    /** Operand-stack code of the unknown type (the polymorphic stack's bottom). */
    private static final int UNKNOWN = 0;
    private static final int I32 = code(ValType.I32);
    private static final int I64 = code(ValType.I64);
    private static final int F32 = code(ValType.F32);
    private static final int F64 = code(ValType.F64);
    private static final int V128 = code(ValType.V128);
    private static final int FUNCREF = code(ValType.FUNCREF);
    private static final int EXTERNREF = code(ValType.EXTERNREF);
    private static final int[] NONE = new int[0];
    private static final int[][] SINGLE = new int[TYPES.length + 1][];

    static {
        for (ValType t : TYPES) {
            SINGLE[code(t)] = new int[] {code(t)};
        }
    }

    private static final int MAX_PAGES = 65536;
    /** Most pages of a 64-bit memory: 2^48 (the spec's limit, 2^64 bytes). */
    private static final long MAX_PAGES64 = 1L << 48;
    /** Most elements of a 32-bit table. */
    private static final long MAX_TABLE32 = 0xFFFF_FFFFL;

    private final WasmModule module;
    private final byte[] bytes;
    private final int[][] typeParams;
    private final int[][] typeResults;
    private final BitSet declaredRefs = new BitSet();
    private final WasmVersion version;

    private Validator(WasmModule module, byte[] bytes, WasmVersion version) {
        this.module = module;
        this.bytes = bytes;
        this.version = version;
        List<FuncType> types = module.types();
        typeParams = new int[types.size()][];
        typeResults = new int[types.size()][];
        for (int i = 0; i < types.size(); i++) {
            typeParams[i] = codes(types.get(i).params());
            typeResults[i] = codes(types.get(i).results());
        }
    }

    /**
     * Validates {@code module}, which must have been decoded from {@code bytes}.
     *
     * @param module the decoded module
     * @param bytes  the bytes it was decoded from (function bodies and expressions are read there)
     * @throws InvalidModuleException   on the first validation error found
     * @throws MalformedModuleException only if {@code bytes} is not what {@code module} was decoded from
     */
    public static void validate(WasmModule module, byte[] bytes) {
        validate(module, bytes, WasmVersion.WASM_3_0);
    }

    /**
     * Validates {@code module} against one edition of the spec (see {@link WasmVersion}).
     *
     * @throws InvalidModuleException   on the first validation error found
     * @throws MalformedModuleException only if {@code bytes} is not what {@code module} was decoded from
     */
    public static void validate(WasmModule module, byte[] bytes, WasmVersion version) {
        new Validator(module, bytes, version).validateModule();
    }

    /** Validates a module decoded by {@link ModuleDecoder}, reading its own {@link WasmModule#bytes()}. */
    public static void validate(WasmModule module) {
        validate(module, module.bytes());
    }

    private static int code(ValType t) {
        return t.ordinal() + 1;
    }

    private static ValType type(int code) {
        return code == UNKNOWN ? null : TYPES[code - 1];
    }

    private static String name(int code) {
        return code == UNKNOWN ? "unknown" : TYPES[code - 1].toString();
    }

    private static int[] codes(List<ValType> ts) {
        if (ts.isEmpty()) {
            return NONE;
        }
        int[] r = new int[ts.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = code(ts.get(i));
        }
        return r;
    }

    private static InvalidModuleException invalid(String reason, int func, long offset) {
        return new InvalidModuleException(reason, func, offset);
    }

    // ---- module level ---------------------------------------------------------------------------

    private void validateModule() {
        for (Import imp : module.imports()) {
            switch (imp.desc()) {
                case ImportDesc.Func f -> checkTypeIndex(f.typeIndex(), imp.offset());
                case TableType t -> checkTableLimits(t, imp.offset());
                case MemoryType m -> checkMemoryLimits(m, imp.offset());
                case GlobalType g -> {
                }
            }
        }
        for (int i = 0; i < module.definedFunctionCount(); i++) {
            int off = i < module.code().size() ? module.code().get(i).bodyStart() : -1;
            checkTypeIndex(module.definedFunctionTypeIndex(i), off);
        }
        for (int i = 0; i < module.tables().size(); i++) {
            TableType t = module.tables().get(i);
            checkTableLimits(t, -1);
            ConstExpr init = i < module.tableInits().size() ? module.tableInits().get(i) : null;
            if (init != null) {
                // tables precede globals: their initializers see the imported globals only
                checkConstExpr(init, code(t.elemType()), module.importedGlobalCount());
            }
        }
        for (MemoryType m : module.memories()) {
            checkMemoryLimits(m, -1);
        }
        if (module.memoryCount() > 1 && version == WasmVersion.WASM_2_0) {
            throw invalid("multiple memories", -1, -1);
        }
        collectDeclaredRefs();
        // constant expressions see the imported globals (2.0), or every global defined before them
        // (3.0; for element and data segments that is every global)
        boolean v3 = version == WasmVersion.WASM_3_0;
        int importedGlobals = module.importedGlobalCount();
        int segmentGlobals = v3 ? module.globalCount() : importedGlobals;
        for (int i = 0; i < module.globals().size(); i++) {
            Global g = module.globals().get(i);
            checkConstExpr(g.init(), code(g.type().valType()), v3 ? importedGlobals + i : importedGlobals);
        }
        for (ElementSegment e : module.elements()) {
            validateElement(e, segmentGlobals);
        }
        for (DataSegment d : module.data()) {
            if (d.active()) {
                checkMemory(d.memoryIndex(), -1, d.offsetInModule());
                checkConstExpr(d.offset(), addressType(module.memoryType(d.memoryIndex())), segmentGlobals);
            }
        }
        if (module.start() >= 0 || module.startOffset() >= 0) {
            int f = module.start();
            checkFunction(f, -1, module.startOffset());
            FuncType ft = module.functionType(f);
            if (!ft.params().isEmpty() || !ft.results().isEmpty()) {
                throw invalid("start function", -1, module.startOffset());
            }
        }
        Set<String> names = new HashSet<>();
        for (Export e : module.exports()) {
            switch (e.kind()) {
                case FUNC -> checkFunction(e.index(), -1, e.offset());
                case TABLE -> checkTable(e.index(), -1, e.offset());
                case MEMORY -> checkMemory(e.index(), -1, e.offset());
                case GLOBAL -> checkGlobal(e.index(), -1, e.offset());
            }
            if (!names.add(e.name())) {
                throw invalid("duplicate export name", -1, e.offset());
            }
        }
        FunctionValidator fv = new FunctionValidator();
        for (int i = 0; i < module.code().size(); i++) {
            fv.validate(module.importedFunctionCount() + i, module.code().get(i));
        }
    }

    private void collectDeclaredRefs() {
        for (Global g : module.globals()) {
            noteRefs(g.init());
        }
        for (ConstExpr c : module.tableInits()) {
            if (c != null) {
                noteRefs(c);
            }
        }
        for (ElementSegment e : module.elements()) {
            if (e.funcIndices() != null) {
                for (int f : e.funcIndices()) {
                    if (f >= 0) {
                        declaredRefs.set(f);
                    }
                }
            } else {
                for (ConstExpr c : e.initExprs()) {
                    noteRefs(c);
                }
            }
        }
        for (Export e : module.exports()) {
            if (e.kind() == ExternKind.FUNC && e.index() >= 0) {
                declaredRefs.set(e.index());
            }
        }
    }

    private void noteRefs(ConstExpr c) {
        CodeReader r = new CodeReader(bytes, c.start(), c.end());
        while (r.hasNext()) {
            if (r.next() == Opcode.REF_FUNC && r.index() >= 0) {
                declaredRefs.set(r.index());
            }
        }
    }

    private void validateElement(ElementSegment e, int importedGlobals) {
        int elemType = code(e.elemType());
        if (e.mode() == ElementSegment.Mode.ACTIVE) {
            checkTable(e.tableIndex(), -1, e.offsetInModule());
            if (module.tableType(e.tableIndex()).elemType() != e.elemType()) {
                throw invalid("type mismatch: element segment of " + e.elemType() + " for a table of "
                        + module.tableType(e.tableIndex()).elemType(), -1, e.offsetInModule());
            }
            checkConstExpr(e.offset(), addressType(module.tableType(e.tableIndex())), importedGlobals);
        }
        if (e.funcIndices() != null) {
            for (int f : e.funcIndices()) {
                checkFunction(f, -1, e.offsetInModule());
            }
        } else {
            for (ConstExpr c : e.initExprs()) {
                checkConstExpr(c, elemType, importedGlobals);
            }
        }
    }

    private void checkTypeIndex(int t, long offset) {
        if (t < 0 || t >= typeParams.length) {
            throw invalid("unknown type " + Integer.toUnsignedString(t), -1, offset);
        }
    }

    private void checkFunction(int f, int func, long offset) {
        if (f < 0 || f >= module.functionCount()) {
            throw invalid("unknown function " + Integer.toUnsignedString(f), func, offset);
        }
    }

    private void checkTable(int t, int func, long offset) {
        if (t < 0 || t >= module.tableCount()) {
            throw invalid("unknown table " + Integer.toUnsignedString(t), func, offset);
        }
    }

    private void checkMemory(int m, int func, long offset) {
        if (m < 0 || m >= module.memoryCount()) {
            throw invalid("unknown memory " + Integer.toUnsignedString(m), func, offset);
        }
    }

    private void checkGlobal(int g, int func, long offset) {
        if (g < 0 || g >= module.globalCount()) {
            throw invalid("unknown global " + Integer.toUnsignedString(g), func, offset);
        }
    }

    /** The operand-stack code of a memory's address type: i64 for a 64-bit memory, else i32. */
    private static int addressType(MemoryType m) {
        return m.memory64() ? I64 : I32;
    }

    /** The operand-stack code of a table's address type: i64 for a 64-bit table, else i32. */
    private static int addressType(TableType t) {
        return t.table64() ? I64 : I32;
    }

    private static void checkTableLimits(TableType t, long offset) {
        Limits l = t.limits();
        if (!t.table64() && (Long.compareUnsigned(l.min(), MAX_TABLE32) > 0
                || (l.hasMax() && Long.compareUnsigned(l.max(), MAX_TABLE32) > 0))) {
            throw invalid("table size must be at most 2^32-1", -1, offset);
        }
        checkMinMax(l, offset);
    }

    private static void checkMemoryLimits(MemoryType m, long offset) {
        Limits l = m.limits();
        long most = m.memory64() ? MAX_PAGES64 : MAX_PAGES;
        if (Long.compareUnsigned(l.min(), most) > 0 || (l.hasMax() && Long.compareUnsigned(l.max(), most) > 0)) {
            throw invalid(m.memory64() ? "memory size must be at most 2^48 pages (16 EiB)"
                    : "memory size must be at most 65536 pages (4GiB)", -1, offset);
        }
        checkMinMax(l, offset);
    }

    private static void checkMinMax(Limits l, long offset) {
        if (l.hasMax() && Long.compareUnsigned(l.min(), l.max()) > 0) {
            throw invalid("size minimum must not be greater than maximum", -1, offset);
        }
    }

    /**
     * A constant expression (spec §3.3.10) of result type {@code expected}: {@code t.const},
     * {@code ref.null}, {@code ref.func}, {@code global.get} of an immutable global among the first
     * {@code visibleGlobals}, and (Wasm 3.0, extended constant expressions) {@code i32}/{@code i64}
     * {@code add}, {@code sub} and {@code mul}.
     */
    private void checkConstExpr(ConstExpr c, int expected, int visibleGlobals) {
        CodeReader r = new CodeReader(bytes, c.start(), c.end());
        int[] stack = new int[4];
        int sp = 0;
        while (r.hasNext()) {
            Opcode op = r.next();
            int t;
            switch (op) {
                case I32_CONST -> t = I32;
                case I64_CONST -> t = I64;
                case F32_CONST -> t = F32;
                case F64_CONST -> t = F64;
                case V128_CONST -> t = V128;
                case REF_NULL -> t = code(r.refType());
                case REF_FUNC -> {
                    checkFunction(r.index(), -1, r.offset());
                    t = FUNCREF;
                }
                case GLOBAL_GET -> {
                    int g = r.index();
                    if (g < 0 || g >= visibleGlobals) {
                        throw invalid("unknown global " + Integer.toUnsignedString(g), -1, r.offset());
                    }
                    GlobalType gt = module.globalType(g);
                    if (gt.mutable()) {
                        throw invalid("constant expression required", -1, r.offset());
                    }
                    t = code(gt.valType());
                }
                case I32_ADD, I32_SUB, I32_MUL, I64_ADD, I64_SUB, I64_MUL -> {
                    if (version != WasmVersion.WASM_3_0) {
                        throw invalid("constant expression required", -1, r.offset());
                    }
                    t = op == Opcode.I32_ADD || op == Opcode.I32_SUB || op == Opcode.I32_MUL ? I32 : I64;
                    if (sp < 2 || stack[sp - 1] != t || stack[sp - 2] != t) {
                        throw invalid("type mismatch: " + op.mnemonic() + " in a constant expression needs two "
                                + name(t) + " operands", -1, r.offset());
                    }
                    sp -= 2;
                }
                case END -> {
                    if (sp != 1 || stack[0] != expected) {
                        throw invalid("type mismatch: constant expression of type "
                                + (sp == 1 ? name(stack[0]) : sp + " values") + " where " + name(expected)
                                + " is expected", -1, r.offset());
                    }
                    return;
                }
                default -> throw invalid("constant expression required", -1, r.offset());
            }
            if (sp == stack.length) {
                stack = Arrays.copyOf(stack, sp * 2);
            }
            stack[sp++] = t;
        }
    }

    // ---- function bodies ------------------------------------------------------------------------

    /** Kinds of control frames. */
    private static final int BLOCK = 0;
    private static final int LOOP = 1;
    private static final int IF = 2;
    private static final int ELSE = 3;

    /** The appendix algorithm over one function body; reused across functions. */
    private final class FunctionValidator {
        private int func;
        private CodeReader reader;
        private int[] vals = new int[64];
        private int vsp;
        private int[] ctlKind = new int[16];
        private int[][] ctlParams = new int[16][];
        private int[][] ctlResults = new int[16][];
        private int[] ctlHeight = new int[16];
        private boolean[] ctlUnreachable = new boolean[16];
        private int csp;
        private int paramCount;
        private int[] params;
        private long[] runEnds = new long[8];
        private int[] runTypes = new int[8];
        private int runs;

        void validate(int funcidx, FunctionBody body) {
            func = funcidx;
            int typeIndex = module.functionTypeIndex(funcidx);
            params = typeParams[typeIndex];
            paramCount = params.length;
            runs = 0;
            long total = paramCount;
            for (FunctionBody.LocalDecl d : body.localDecls()) {
                if (d.count() == 0) {
                    continue;
                }
                if (runs == runEnds.length) {
                    runEnds = Arrays.copyOf(runEnds, runs * 2);
                    runTypes = Arrays.copyOf(runTypes, runs * 2);
                }
                total += d.count();
                runEnds[runs] = total;
                runTypes[runs] = code(d.type());
                runs++;
            }
            if (reader == null) {
                reader = new CodeReader(bytes, body.codeStart(), body.codeEnd());
            } else {
                reader.reset(body.codeStart(), body.codeEnd());
            }
            vsp = 0;
            csp = 0;
            pushCtrl(BLOCK, NONE, typeResults[typeIndex]);
            while (reader.hasNext()) {
                instruction(reader.next());
                if (csp == 0) {
                    break;
                }
            }
            if (csp != 0 || reader.hasNext()) {
                // The decoder guarantees the final end is the body's last byte.
                throw invalid("END opcode expected", func, reader.position());
            }
        }

        private InvalidModuleException error(String reason) {
            return invalid(reason, func, reader.offset());
        }

        private InvalidModuleException mismatch(int expected, int actual) {
            return error("type mismatch: expected " + name(expected) + " but got " + name(actual));
        }

        private long localCount() {
            return runs == 0 ? paramCount : runEnds[runs - 1];
        }

        private int localType(int index) {
            long i = Integer.toUnsignedLong(index);
            if (i < paramCount) {
                return params[(int) i];
            }
            if (i >= localCount()) {
                throw error("unknown local " + i);
            }
            int lo = 0;
            int hi = runs - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (i < runEnds[mid]) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return runTypes[lo];
        }

        private void push(int t) {
            if (vsp == vals.length) {
                vals = Arrays.copyOf(vals, vsp * 2);
            }
            vals[vsp++] = t;
        }

        private int pop() {
            if (vsp == ctlHeight[csp - 1]) {
                if (ctlUnreachable[csp - 1]) {
                    return UNKNOWN;
                }
                throw error("type mismatch: instruction requires an operand but the stack is empty");
            }
            return vals[--vsp];
        }

        private int pop(int expected) {
            if (vsp == ctlHeight[csp - 1]) {
                if (ctlUnreachable[csp - 1]) {
                    return expected;
                }
                throw error("type mismatch: expected " + name(expected) + " but the stack is empty");
            }
            int actual = vals[--vsp];
            if (actual != expected && actual != UNKNOWN && expected != UNKNOWN) {
                throw mismatch(expected, actual);
            }
            return actual == UNKNOWN ? expected : actual;
        }

        private void popVals(int[] ts) {
            for (int i = ts.length - 1; i >= 0; i--) {
                pop(ts[i]);
            }
        }

        private void pushVals(int[] ts) {
            for (int t : ts) {
                push(t);
            }
        }

        private void pushCtrl(int kind, int[] in, int[] out) {
            if (csp == ctlKind.length) {
                int n = csp * 2;
                ctlKind = Arrays.copyOf(ctlKind, n);
                ctlParams = Arrays.copyOf(ctlParams, n);
                ctlResults = Arrays.copyOf(ctlResults, n);
                ctlHeight = Arrays.copyOf(ctlHeight, n);
                ctlUnreachable = Arrays.copyOf(ctlUnreachable, n);
            }
            ctlKind[csp] = kind;
            ctlParams[csp] = in;
            ctlResults[csp] = out;
            ctlHeight[csp] = vsp;
            ctlUnreachable[csp] = false;
            csp++;
            pushVals(in);
        }

        private void popCtrl() {
            int f = csp - 1;
            popVals(ctlResults[f]);
            if (vsp != ctlHeight[f]) {
                throw error("type mismatch: " + (vsp - ctlHeight[f]) + " value(s) left on the stack at the end of a block");
            }
            csp--;
        }

        private int[] labelTypes(int frame) {
            return ctlKind[frame] == LOOP ? ctlParams[frame] : ctlResults[frame];
        }

        private int label(int depth) {
            if (depth < 0 || depth >= csp) {
                throw error("unknown label " + Integer.toUnsignedString(depth));
            }
            return csp - 1 - depth;
        }

        /**
         * A tail call to a function of type {@code t} (spec §3.3.8, {@code return_call}): its
         * parameters are popped, and its results must be the current function's results (today type
         * equality; with typed references, each a subtype of the caller's); the rest of the block is
         * unreachable.
         */
        private void tailCall(int t) {
            int[] callee = typeResults[t];
            int[] caller = ctlResults[0];
            if (!Arrays.equals(callee, caller)) {
                throw error("type mismatch: tail call to a function returning " + names(callee)
                        + " from a function returning " + names(caller));
            }
            popVals(typeParams[t]);
            unreachable();
        }

        private String names(int[] ts) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < ts.length; i++) {
                b.append(i == 0 ? "" : " ").append(name(ts[i]));
            }
            return b.append(']').toString();
        }

        private void unreachable() {
            vsp = ctlHeight[csp - 1];
            ctlUnreachable[csp - 1] = true;
        }

        private int[] blockParams(int bt) {
            if (bt < 0) {
                return NONE;
            }
            checkTypeIndex(bt);
            return typeParams[bt];
        }

        private int[] blockResults(int bt) {
            if (bt == -64) {
                return NONE;
            }
            if (bt < 0) {
                return SINGLE[code(CodeReader.blockValType(bt))];
            }
            checkTypeIndex(bt);
            return typeResults[bt];
        }

        private void checkTypeIndex(int t) {
            if (t < 0 || t >= typeParams.length) {
                throw error("unknown type " + Integer.toUnsignedString(t));
            }
        }

        private void checkMemory0() {
            if (module.memoryCount() == 0) {
                throw error("unknown memory 0");
            }
        }

        private void memarg(Opcode op) {
            checkMemory0();
            if (reader.memAlign() > op.naturalAlignment()) {
                throw error("alignment must not be larger than natural");
            }
        }

        private int tableElem(int t) {
            if (t < 0 || t >= module.tableCount()) {
                throw error("unknown table " + Integer.toUnsignedString(t));
            }
            return code(module.tableType(t).elemType());
        }

        private int elemSegmentType(int e) {
            if (e < 0 || e >= module.elements().size()) {
                throw error("unknown elem segment " + Integer.toUnsignedString(e));
            }
            return code(module.elements().get(e).elemType());
        }

        private void checkData(int d) {
            if (module.dataCount() < 0 || d < 0 || d >= module.dataCount()) {
                throw error("unknown data segment " + Integer.toUnsignedString(d));
            }
        }

        private int global(int g) {
            if (g < 0 || g >= module.globalCount()) {
                throw error("unknown global " + Integer.toUnsignedString(g));
            }
            return g;
        }

        /** The address type (i32 or i64 code) of memory {@code m}; "unknown memory m" if there is none. */
        private int memoryAddress(int m) {
            if (m < 0 || m >= module.memoryCount()) {
                throw error("unknown memory " + Integer.toUnsignedString(m));
            }
            return addressType(module.memoryType(m));
        }

        /** The address type (i32 or i64 code) of table {@code t}; "unknown table t" if there is none. */
        private int tableAddress(int t) {
            tableElem(t);
            return addressType(module.tableType(t));
        }

        /**
         * The memory and table instructions, whose address operands take the address type of their
         * memory or table (Wasm 3.0 memory64 and table64); true when {@code op} was one of them.
         */
        private boolean addressed(Opcode op) {
            CodeReader r = reader;
            switch (op.immediate()) {
                case MEMARG, MEMARG_LANE -> {
                    int at = memoryAddress(r.memIndex());
                    if (r.memAlign() > op.naturalAlignment()) {
                        throw error("alignment must not be larger than natural");
                    }
                    if (at == I32 && Long.compareUnsigned(r.memOffset(), 0xFFFF_FFFFL) > 0) {
                        throw error("offset out of range");
                    }
                    if (op.immediate() == Opcode.Immediate.MEMARG_LANE && r.lane() >= op.laneCount()) {
                        throw error("invalid lane index");
                    }
                    List<ValType> in = op.operandTypes();
                    for (int i = in.size() - 1; i >= 1; i--) {
                        pop(code(in.get(i)));
                    }
                    pop(at);
                    for (ValType t : op.resultTypes()) {
                        push(code(t));
                    }
                    return true;
                }
                case MEMIDX -> {
                    int at = memoryAddress(r.index());
                    if (op == Opcode.MEMORY_GROW) {
                        pop(at);
                    }
                    push(at);
                    return true;
                }
                case MEMORY_FILL -> {
                    int at = memoryAddress(r.index());
                    pop(at);
                    pop(I32);
                    pop(at);
                    return true;
                }
                case MEMORY_COPY -> {
                    int dst = memoryAddress(r.index());
                    int src = memoryAddress(r.index2());
                    pop(dst == I64 && src == I64 ? I64 : I32);
                    pop(src);
                    pop(dst);
                    return true;
                }
                case MEMORY_INIT -> {
                    int at = memoryAddress(r.index2());
                    checkData(r.index());
                    pop(I32);
                    pop(I32);
                    pop(at);
                    return true;
                }
                default -> {
                }
            }
            switch (op) {
                case TABLE_SIZE -> push(tableAddress(r.index()));
                case TABLE_GET -> {
                    int et = tableElem(r.index());
                    pop(tableAddress(r.index()));
                    push(et);
                }
                case TABLE_SET -> {
                    int et = tableElem(r.index());
                    pop(et);
                    pop(tableAddress(r.index()));
                }
                case TABLE_GROW -> {
                    int et = tableElem(r.index());
                    int at = tableAddress(r.index());
                    pop(at);
                    pop(et);
                    push(at);
                }
                case TABLE_FILL -> {
                    int et = tableElem(r.index());
                    int at = tableAddress(r.index());
                    pop(at);
                    pop(et);
                    pop(at);
                }
                case TABLE_COPY -> {
                    int dst = tableElem(r.index());
                    int src = tableElem(r.index2());
                    if (dst != src) {
                        throw mismatch(dst, src);
                    }
                    int da = tableAddress(r.index());
                    int sa = tableAddress(r.index2());
                    pop(da == I64 && sa == I64 ? I64 : I32);
                    pop(sa);
                    pop(da);
                }
                case TABLE_INIT -> {
                    int tt = tableElem(r.index2());
                    int et = elemSegmentType(r.index());
                    if (tt != et) {
                        throw mismatch(tt, et);
                    }
                    pop(I32);
                    pop(I32);
                    pop(tableAddress(r.index2()));
                }
                case CALL_INDIRECT -> {
                    int et = tableElem(r.index2());
                    if (et != FUNCREF) {
                        throw error("type mismatch: call_indirect on a table of " + name(et));
                    }
                    int t = r.index();
                    checkTypeIndex(t);
                    pop(tableAddress(r.index2()));
                    popVals(typeParams[t]);
                    pushVals(typeResults[t]);
                }
                case RETURN_CALL_INDIRECT -> {
                    int et = tableElem(r.index2());
                    if (et != FUNCREF) {
                        throw error("type mismatch: return_call_indirect on a table of " + name(et));
                    }
                    int t = r.index();
                    checkTypeIndex(t);
                    pop(tableAddress(r.index2()));
                    tailCall(t);
                }
                default -> {
                    return false;
                }
            }
            return true;
        }

        private void instruction(Opcode op) {
            CodeReader r = reader;
            if (addressed(op)) {
                return;
            }
            List<ValType> fixedIn = op.operandTypes();
            if (fixedIn != null) {
                switch (op.immediate()) {
                    case MEMARG -> memarg(op);
                    case MEMARG_LANE -> {
                        memarg(op);
                        if (r.lane() >= op.laneCount()) {
                            throw error("invalid lane index");
                        }
                    }
                    case LANE -> {
                        if (r.lane() >= op.laneCount()) {
                            throw error("invalid lane index");
                        }
                    }
                    case SHUFFLE -> {
                        for (byte b : r.v128()) {
                            if ((b & 0xFF) >= 32) {
                                throw error("invalid lane index");
                            }
                        }
                    }
                    case MEMIDX, MEMORY_COPY, MEMORY_FILL -> checkMemory0();
                    case MEMORY_INIT -> {
                        checkMemory0();
                        checkData(r.index());
                    }
                    case DATAIDX -> checkData(r.index());
                    case ELEMIDX -> elemSegmentType(r.index());
                    case TABLE_INIT -> {
                        int tt = tableElem(r.index2());
                        int et = elemSegmentType(r.index());
                        if (tt != et) {
                            throw mismatch(tt, et);
                        }
                    }
                    case TABLE_COPY -> {
                        int dst = tableElem(r.index());
                        int src = tableElem(r.index2());
                        if (dst != src) {
                            throw mismatch(dst, src);
                        }
                    }
                    case TABLEIDX -> tableElem(r.index());
                    default -> {
                    }
                }
                for (int i = fixedIn.size() - 1; i >= 0; i--) {
                    pop(code(fixedIn.get(i)));
                }
                List<ValType> results = op.resultTypes();
                for (int i = 0; i < results.size(); i++) {
                    push(code(results.get(i)));
                }
                return;
            }
            switch (op) {
                case UNREACHABLE -> unreachable();
                case BLOCK, LOOP -> {
                    int bt = r.blockType();
                    int[] in = blockParams(bt);
                    int[] out = blockResults(bt);
                    popVals(in);
                    pushCtrl(op == Opcode.BLOCK ? BLOCK : LOOP, in, out);
                }
                case IF -> {
                    int bt = r.blockType();
                    int[] in = blockParams(bt);
                    int[] out = blockResults(bt);
                    pop(I32);
                    popVals(in);
                    pushCtrl(IF, in, out);
                }
                case ELSE -> {
                    int f = csp - 1;
                    if (ctlKind[f] != IF) {
                        throw error("END opcode expected");
                    }
                    int[] in = ctlParams[f];
                    int[] out = ctlResults[f];
                    popCtrl();
                    pushCtrl(ELSE, in, out);
                }
                case END -> {
                    int f = csp - 1;
                    int kind = ctlKind[f];
                    int[] in = ctlParams[f];
                    int[] out = ctlResults[f];
                    popCtrl();
                    if (kind == IF && !Arrays.equals(in, out)) {
                        throw error("type mismatch: if without else must have matching parameter and result types");
                    }
                    if (csp > 0) {
                        pushVals(out);
                    }
                }
                case BR -> {
                    popVals(labelTypes(label(r.index())));
                    unreachable();
                }
                case BR_IF -> {
                    int l = label(r.index());
                    pop(I32);
                    int[] ts = labelTypes(l);
                    popVals(ts);
                    pushVals(ts);
                }
                case BR_TABLE -> {
                    pop(I32);
                    int[] def = labelTypes(label(r.defaultTarget()));
                    int arity = def.length;
                    for (int i = 0; i < r.targetCount(); i++) {
                        int[] ts = labelTypes(label(r.target(i)));
                        if (ts.length != arity) {
                            throw error("type mismatch: br_table targets have different arities");
                        }
                        // push_vals(pop_vals(label_types)): check the operands without consuming them.
                        int height = ctlHeight[csp - 1];
                        for (int k = ts.length - 1; k >= 0; k--) {
                            int at = vsp - (ts.length - k);
                            if (at < height) {
                                if (!ctlUnreachable[csp - 1]) {
                                    throw error("type mismatch: expected " + name(ts[k]) + " but the stack is empty");
                                }
                                break;
                            }
                            int actual = vals[at];
                            if (actual != ts[k] && actual != UNKNOWN) {
                                throw mismatch(ts[k], actual);
                            }
                        }
                    }
                    popVals(def);
                    unreachable();
                }
                case RETURN -> {
                    popVals(ctlResults[0]);
                    unreachable();
                }
                case CALL -> {
                    int f = r.index();
                    if (f < 0 || f >= module.functionCount()) {
                        throw error("unknown function " + Integer.toUnsignedString(f));
                    }
                    int t = module.functionTypeIndex(f);
                    popVals(typeParams[t]);
                    pushVals(typeResults[t]);
                }
                case CALL_INDIRECT -> {
                    int et = tableElem(r.index2());
                    if (et != FUNCREF) {
                        throw error("type mismatch: call_indirect on a table of " + name(et));
                    }
                    int t = r.index();
                    checkTypeIndex(t);
                    pop(I32);
                    popVals(typeParams[t]);
                    pushVals(typeResults[t]);
                }
                case RETURN_CALL -> {
                    int f = r.index();
                    if (f < 0 || f >= module.functionCount()) {
                        throw error("unknown function " + Integer.toUnsignedString(f));
                    }
                    tailCall(module.functionTypeIndex(f));
                }
                case DROP -> pop();
                case SELECT -> {
                    pop(I32);
                    int t1 = pop();
                    int t2 = pop();
                    if (isRef(t1) || isRef(t2)) {
                        throw error("type mismatch: select without type on reference operands");
                    }
                    if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN) {
                        throw mismatch(t1, t2);
                    }
                    push(t1 == UNKNOWN ? t2 : t1);
                }
                case SELECT_T -> {
                    if (r.selectTypeCount() != 1) {
                        throw error("invalid result arity");
                    }
                    int t = code(r.selectType(0));
                    pop(I32);
                    pop(t);
                    pop(t);
                    push(t);
                }
                case LOCAL_GET -> push(localType(r.index()));
                case LOCAL_SET -> pop(localType(r.index()));
                case LOCAL_TEE -> {
                    int t = localType(r.index());
                    pop(t);
                    push(t);
                }
                case GLOBAL_GET -> push(code(module.globalType(global(r.index())).valType()));
                case GLOBAL_SET -> {
                    GlobalType gt = module.globalType(global(r.index()));
                    if (!gt.mutable()) {
                        throw error(version == WasmVersion.WASM_2_0 ? "global is immutable" : "immutable global");
                    }
                    pop(code(gt.valType()));
                }
                case TABLE_GET -> {
                    int et = tableElem(r.index());
                    pop(I32);
                    push(et);
                }
                case TABLE_SET -> {
                    int et = tableElem(r.index());
                    pop(et);
                    pop(I32);
                }
                case TABLE_GROW -> {
                    int et = tableElem(r.index());
                    pop(I32);
                    pop(et);
                    push(I32);
                }
                case TABLE_FILL -> {
                    int et = tableElem(r.index());
                    pop(I32);
                    pop(et);
                    pop(I32);
                }
                case REF_NULL -> push(code(r.refType()));
                case REF_IS_NULL -> {
                    int t = pop();
                    if (t != UNKNOWN && !isRef(t)) {
                        throw error("type mismatch: ref.is_null on " + name(t));
                    }
                    push(I32);
                }
                case REF_FUNC -> {
                    int f = r.index();
                    if (f < 0 || f >= module.functionCount()) {
                        throw error("unknown function " + Integer.toUnsignedString(f));
                    }
                    if (!declaredRefs.get(f)) {
                        throw error("undeclared function reference");
                    }
                    push(FUNCREF);
                }
                default -> throw new AssertionError("unhandled " + op);
            }
        }
    }

    private static boolean isRef(int t) {
        return t == FUNCREF || t == EXTERNREF;
    }
}
