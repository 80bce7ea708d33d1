package dev.kiln.compiler.wasm;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.HeapType;
import dev.kiln.abi.RefType;
import dev.kiln.abi.ValType;
import dev.kiln.abi.ValueType;
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
    /*
     * Operand-stack codes of types: 0 is the unknown type (the polymorphic stack's bottom), 1..5 the
     * number and vector types (ValType ordinal + 1), and a reference type is REF | NULLABLE? | heap,
     * where heap is a concrete typeidx (the first typeidx of its equivalence class, so that equal codes
     * mean equivalent types, spec 3.0 §3.2.1) or ABSTRACT + HeapType.Kind ordinal, or BOT (the heap
     * type of a reference popped from the polymorphic stack).
     */
    /** Operand-stack code of the unknown type (the polymorphic stack's bottom). */
    private static final int UNKNOWN = 0;
    private static final int REF = 0x4000_0000;
    private static final int NULLABLE = 0x2000_0000;
    private static final int ABSTRACT = 0x1000_0000;
    private static final int HEAP_MASK = 0x1FFF_FFFF;
    private static final int BOT = ABSTRACT | 0xFFF;
    private static final int I32 = code(ValType.I32);
    private static final int I64 = code(ValType.I64);
    private static final int F32 = code(ValType.F32);
    private static final int F64 = code(ValType.F64);
    private static final int V128 = code(ValType.V128);
    private static final int FUNCREF = code(ValType.FUNCREF);
    private static final int EXTERNREF = code(ValType.EXTERNREF);
    /** {@code exnref}: {@code (ref null exn)}. */
    private static final int EXNREF = REF | NULLABLE | (ABSTRACT + HeapType.Kind.EXN.ordinal());
    private static final int[] NONE = new int[0];

    private static final int MAX_PAGES = 65536;
    /** Most pages of a 64-bit memory: 2^48 (the spec's limit, 2^64 bytes). */
    private static final long MAX_PAGES64 = 1L << 48;
    /** Most elements of a 32-bit table. */
    private static final long MAX_TABLE32 = 0xFFFF_FFFFL;

    private final WasmModule module;
    private final byte[] bytes;
    private final int[][] typeParams;
    private final int[][] typeResults;
    /** For each typeidx, the first typeidx equivalent to it (spec 3.0 §3.2.1, iso-recursive). */
    private final int[] typeRep;
    private final BitSet declaredRefs = new BitSet();
    private final WasmVersion version;

    private Validator(WasmModule module, byte[] bytes, WasmVersion version) {
        this.module = module;
        this.bytes = bytes;
        this.version = version;
        List<FuncType> types = module.types();
        int n = types.size();
        typeParams = new int[n][];
        typeResults = new int[n][];
        typeRep = new int[n];
        int[] starts = module.recGroupStarts();
        // a type may refer to the types before it and to those of its own recursive group
        for (int i = 0; i < n; i++) {
            int end = i;
            while (end < n && starts[end] == starts[i]) {
                end++;
            }
            checkTypeRefs(types.get(i).paramTypes(), end);
            checkTypeRefs(types.get(i).resultTypes(), end);
        }
        int[] canon = new dev.kiln.abi.TypeCanonicalizer().canonicalize(types, starts);
        java.util.Map<Integer, Integer> first = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            Integer seen = first.putIfAbsent(canon[i], i);
            typeRep[i] = seen == null ? i : seen;
        }
        for (int i = 0; i < n; i++) {
            typeParams[i] = codes(types.get(i).paramTypes(), -1);
            typeResults[i] = codes(types.get(i).resultTypes(), -1);
        }
    }

    private static void checkTypeRefs(List<ValueType> ts, int limit) {
        for (ValueType v : ts) {
            if (v instanceof RefType r && r.heapType().isConcrete() && r.heapType().typeIndex() >= limit) {
                throw invalid("unknown type " + Integer.toUnsignedString(r.heapType().typeIndex()), -1, -1);
            }
        }
    }

    /**
     * The operand-stack code of a precise type; {@code unknown type N} for a concrete heap type
     * outside the type section.
     */
    private int code(ValueType v, int func, long offset) {
        if (v instanceof RefType r) {
            return refCode(r.nullable(), heapCode(r.heapType(), func, offset));
        }
        return code((ValType) v);
    }

    private int heapCode(HeapType h, int func, long offset) {
        if (h.isConcrete()) {
            int t = h.typeIndex();
            if (t >= typeRep.length) {
                throw invalid("unknown type " + Integer.toUnsignedString(t), func, offset);
            }
            return typeRep[t];
        }
        return ABSTRACT + h.kind().ordinal();
    }

    private static int refCode(boolean nullable, int heap) {
        return REF | (nullable ? NULLABLE : 0) | heap;
    }

    private int[] codes(List<ValueType> ts, long offset) {
        if (ts.isEmpty()) {
            return NONE;
        }
        int[] r = new int[ts.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = code(ts.get(i), -1, offset);
        }
        return r;
    }

    private static boolean isRef(int t) {
        return (t & REF) != 0;
    }

    private static boolean isNullable(int t) {
        return (t & NULLABLE) != 0;
    }

    private static int heap(int t) {
        return t & HEAP_MASK & ~NULLABLE;
    }

    private static HeapType.Kind abstractKind(int heap) {
        return HeapType.Kind.values()[heap - ABSTRACT];
    }

    /** The top of a heap code's hierarchy, as an abstract heap code. */
    private static int topOf(int heap) {
        if (heap == BOT) {
            return BOT;
        }
        HeapType.Kind k = heap >= ABSTRACT ? abstractKind(heap) : HeapType.Kind.CONCRETE;
        return ABSTRACT + (k == HeapType.Kind.CONCRETE ? HeapType.FUNC : HeapType.of(k)).top().ordinal();
    }

    /**
     * Heap subtyping (spec 3.0 §3.3.2 "Heap Types" under §3.3 "Matching"): reflexive; the bottom type
     * of a hierarchy below every type in it; a concrete function type below {@code func}; i31, struct
     * and array below eq below any. Concrete types match only equivalent types (no declared supertypes
     * before the GC proposal).
     */
    static boolean heapMatches(int a, int e) {
        if (a == e || a == BOT) {
            return true;
        }
        if (e == BOT) {
            return false;
        }
        if (a < ABSTRACT) {
            return e == ABSTRACT + HeapType.Kind.FUNC.ordinal();
        }
        HeapType.Kind ka = abstractKind(a);
        int top = topOf(a);
        if (e >= ABSTRACT && topOf(e) != top) {
            return false;
        }
        if (e < ABSTRACT && top != ABSTRACT + HeapType.Kind.FUNC.ordinal()) {
            return false;
        }
        HeapType ha = HeapType.of(ka);
        if (ka == ha.bottom()) {
            return true;
        }
        if (e < ABSTRACT) {
            return false;
        }
        HeapType.Kind ke = abstractKind(e);
        return switch (ka) {
            case I31, STRUCT, ARRAY -> ke == HeapType.Kind.EQ || ke == HeapType.Kind.ANY;
            case EQ -> ke == HeapType.Kind.ANY;
            default -> false;
        };
    }

    /** Value subtyping (spec 3.0 §3.3.3): equal number types; references by nullability and heap type. */
    static boolean matches(int actual, int expected) {
        if (actual == expected || actual == UNKNOWN || expected == UNKNOWN) {
            return true;
        }
        if (!isRef(actual) || !isRef(expected)) {
            return false;
        }
        if (isNullable(actual) && !isNullable(expected)) {
            return false;
        }
        return heapMatches(heap(actual), heap(expected));
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
        return switch (t) {
            case FUNCREF -> REF | NULLABLE | (ABSTRACT + HeapType.Kind.FUNC.ordinal());
            case EXTERNREF -> REF | NULLABLE | (ABSTRACT + HeapType.Kind.EXTERN.ordinal());
            default -> t.ordinal() + 1;
        };
    }

    private static String name(int code) {
        if (code == UNKNOWN) {
            return "unknown";
        }
        if (!isRef(code)) {
            return TYPES[code - 1].toString();
        }
        int h = heap(code);
        String heap = h == BOT ? "bot" : h >= ABSTRACT ? HeapType.of(abstractKind(h)).toString() : Integer.toString(h);
        if (code == FUNCREF) {
            return "funcref";
        }
        if (code == EXTERNREF) {
            return "externref";
        }
        return "(ref " + (isNullable(code) ? "null " : "") + heap + ")";
    }

    private static InvalidModuleException invalid(String reason, int func, long offset) {
        return new InvalidModuleException(reason, func, offset);
    }

    // ---- module level ---------------------------------------------------------------------------

    /**
     * Validates everything in {@code module} but its function bodies, which the result validates one at
     * a time, from any number of threads at once: a compiler validates each body on its worker, just
     * before translating it. {@link #validate(WasmModule, byte[])} is this and then every body in order.
     *
     * @param module the decoded module
     * @param bytes  the bytes it was decoded from
     * @return the validator of the function bodies
     * @throws InvalidModuleException   on the first validation error found outside the function bodies
     * @throws MalformedModuleException only if {@code bytes} is not what {@code module} was decoded from
     */
    public static FunctionBodies validateAllButBodies(WasmModule module, byte[] bytes) {
        Validator v = new Validator(module, bytes, WasmVersion.WASM_3_0);
        v.validateModuleFields();
        return v.new FunctionBodies();
    }

    /** Told of a function body's calls as {@link FunctionBodies#validate(int, CallListener)} reads them. */
    @FunctionalInterface
    public interface CallListener {
        /**
         * One call instruction, valid so far.
         *
         * @param op        {@link Opcode#CALL}, {@link Opcode#RETURN_CALL},
         *                  {@link Opcode#RETURN_CALL_INDIRECT} or {@link Opcode#RETURN_CALL_REF}
         * @param funcIndex the callee's funcidx (imported functions first) for the first two, -1 for
         *                  the others
         * @param loopDepth how many {@code loop} instructions enclose the call in the body (0: none)
         */
        void call(Opcode op, int funcIndex, int loopDepth);
    }

    /** The function bodies of a module whose other parts are valid ({@link #validateAllButBodies}). Thread-safe. */
    public final class FunctionBodies {
        private FunctionBodies() {
        }

        /**
         * Validates the body of the defined function {@code definedIndex} (funcidx minus the imported
         * functions), spec §3.4.
         *
         * @throws InvalidModuleException   if it is invalid, with the funcidx and the byte offset
         * @throws MalformedModuleException if it cannot be read
         */
        public void validate(int definedIndex) {
            validate(definedIndex, null);
        }

        /**
         * Validates the body of the defined function {@code definedIndex} as {@link #validate(int)}
         * does, telling {@code calls} of its calls as they are read, in the order of the body.
         *
         * @param calls told of each {@code call} and {@code return_call} with its funcidx, and of each
         *              {@code return_call_indirect} and {@code return_call_ref} with funcidx -1, in code
         *              that cannot be reached too; null for none
         * @throws InvalidModuleException   if it is invalid, with the funcidx and the byte offset (the
         *                                  calls before the error have been told)
         * @throws MalformedModuleException if it cannot be read
         */
        public void validate(int definedIndex, CallListener calls) {
            FunctionValidator v = new FunctionValidator();
            v.calls = calls;
            v.validate(module.importedFunctionCount() + definedIndex, module.code().get(definedIndex));
        }

        /**
         * The functions (funcidx, imported ones included) that may be referenced as values: those named
         * anywhere in the module outside the function bodies and the start section, in exports, element
         * segments, global and table initializers (spec §3.4.10, the context's {@code refs}). A valid
         * body's {@code ref.func} names only these, so a function outside them is reached, if at all,
         * through direct calls alone. A new set on each call.
         */
        public BitSet declaredFunctionReferences() {
            return (BitSet) declaredRefs.clone();
        }
    }

    private void validateModule() {
        validateModuleFields();
        FunctionValidator fv = new FunctionValidator();
        for (int i = 0; i < module.code().size(); i++) {
            fv.validate(module.importedFunctionCount() + i, module.code().get(i));
        }
    }

    /** Everything but the function bodies. */
    private void validateModuleFields() {
        for (Import imp : module.imports()) {
            switch (imp.desc()) {
                case ImportDesc.Func f -> checkTypeIndex(f.typeIndex(), imp.offset());
                case TableType t -> {
                    code(t.refType(), -1, imp.offset());
                    checkTableLimits(t, imp.offset());
                }
                case MemoryType m -> checkMemoryLimits(m, imp.offset());
                case GlobalType g -> code(g.valueType(), -1, imp.offset());
                case ImportDesc.Tag t -> checkTagType(t.typeIndex(), imp.offset());
            }
        }
        for (int i = module.importedTagCount(); i < module.tagCount(); i++) {
            checkTagType(module.tagTypeIndex(i), -1);
        }
        for (int i = 0; i < module.definedFunctionCount(); i++) {
            int off = i < module.code().size() ? module.code().get(i).bodyStart() : -1;
            checkTypeIndex(module.definedFunctionTypeIndex(i), off);
        }
        for (int i = 0; i < module.tables().size(); i++) {
            TableType t = module.tables().get(i);
            checkTableLimits(t, -1);
            int et = code(t.refType(), -1, -1);
            ConstExpr init = i < module.tableInits().size() ? module.tableInits().get(i) : null;
            if (init != null) {
                // tables precede globals: their initializers see the imported globals only
                checkConstExpr(init, et, module.importedGlobalCount());
            } else if (!isNullable(et)) {
                throw invalid("type mismatch: a table of non-nullable " + name(et)
                        + " needs an initializer expression", -1, -1);
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
            checkConstExpr(g.init(), code(g.type().valueType(), -1, g.init().start()), v3 ? importedGlobals + i : importedGlobals);
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
                case TAG -> checkTag(e.index(), -1, e.offset());
            }
            if (!names.add(e.name())) {
                throw invalid("duplicate export name", -1, e.offset());
            }
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
        int elemType = code(e.refType(), -1, e.offsetInModule());
        if (e.mode() == ElementSegment.Mode.ACTIVE) {
            checkTable(e.tableIndex(), -1, e.offsetInModule());
            int tableType = code(module.tableType(e.tableIndex()).refType(), -1, e.offsetInModule());
            if (!matches(elemType, tableType)) {
                throw invalid("type mismatch: element segment of " + name(elemType) + " for a table of "
                        + name(tableType), -1, e.offsetInModule());
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

    /** A tag's type (spec 3.0 §3.2.11 "Tag types"): a function type with no results. */
    private void checkTagType(int t, long offset) {
        checkTypeIndex(t, offset);
        if (!module.types().get(t).results().isEmpty()) {
            throw invalid("non-empty tag result type", -1, offset);
        }
    }

    private void checkTag(int t, int func, long offset) {
        if (t < 0 || t >= module.tagCount()) {
            throw invalid("unknown tag " + Integer.toUnsignedString(t), func, offset);
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
                case REF_NULL -> t = refCode(true, heapCode(r.heapType(), -1, r.offset()));
                case REF_FUNC -> {
                    checkFunction(r.index(), -1, r.offset());
                    t = refCode(false, typeRep[module.functionTypeIndex(r.index())]);
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
                    t = code(gt.valueType(), -1, r.offset());
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
                    if (sp != 1 || !matches(stack[0], expected)) {
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
    /** A legacy {@code try} block before its first handler. */
    private static final int TRY = 4;
    /** A legacy {@code catch} or {@code catch_all} handler (the target of {@code rethrow}). */
    private static final int CATCH = 5;

    /** The appendix algorithm over one function body; reused across functions. */
    private final class FunctionValidator {
        private CallListener calls; // null: none
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
        /** How many of the control frames are {@code loop}s. */
        private int loops;
        private int paramCount;
        private int[] params;
        private long[] runEnds = new long[8];
        private int[] runTypes = new int[8];
        private int runs;
        /** Whether a declared local has a non-defaultable type (spec 3.0 §3.4.1 "local initialization"). */
        private boolean anyNonDefaultable;
        /** Non-defaultable locals set so far, innermost last; each control frame remembers its height. */
        private long[] inits = new long[8];
        private int initSp;
        private final java.util.HashSet<Long> initialized = new java.util.HashSet<>();
        private int[] ctlInitHeight = new int[16];

        void validate(int funcidx, FunctionBody body) {
            func = funcidx;
            int typeIndex = module.functionTypeIndex(funcidx);
            params = typeParams[typeIndex];
            paramCount = params.length;
            runs = 0;
            anyNonDefaultable = false;
            initSp = 0;
            initialized.clear();
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
                runTypes[runs] = code(d.valueType(), func, body.bodyStart());
                anyNonDefaultable |= isRef(runTypes[runs]) && !isNullable(runTypes[runs]);
                runs++;
            }
            if (reader == null) {
                reader = new CodeReader(bytes, body.codeStart(), body.codeEnd());
            } else {
                reader.reset(body.codeStart(), body.codeEnd());
            }
            vsp = 0;
            csp = 0;
            loops = 0;
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

        /**
         * The type of local {@code index} for {@code local.get}: {@code uninitialized local} if it is
         * non-defaultable and not set on every path to here (spec 3.0 §3.4.1).
         */
        private int readLocal(int index) {
            int t = localType(index);
            if (anyNonDefaultable && isRef(t) && !isNullable(t)
                    && Integer.toUnsignedLong(index) >= paramCount
                    && !initialized.contains(Integer.toUnsignedLong(index))) {
                throw error("uninitialized local " + Integer.toUnsignedString(index));
            }
            return t;
        }

        /** Records that {@code local.set}/{@code local.tee} initialised local {@code index}. */
        private void writeLocal(int index, int type) {
            long i = Integer.toUnsignedLong(index);
            if (anyNonDefaultable && isRef(type) && !isNullable(type) && i >= paramCount && initialized.add(i)) {
                if (initSp == inits.length) {
                    inits = Arrays.copyOf(inits, initSp * 2);
                }
                inits[initSp++] = i;
            }
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

        /** Pops a reference operand (or the unknown type); {@code type mismatch} for a number or vector. */
        private int popRef() {
            int t = pop();
            if (t != UNKNOWN && !isRef(t)) {
                throw error("type mismatch: expected a reference but got " + name(t));
            }
            return t;
        }

        private int pop(int expected) {
            if (vsp == ctlHeight[csp - 1]) {
                if (ctlUnreachable[csp - 1]) {
                    return expected;
                }
                throw error("type mismatch: expected " + name(expected) + " but the stack is empty");
            }
            int actual = vals[--vsp];
            if (!matches(actual, expected)) {
                throw mismatch(expected, actual);
            }
            return actual == UNKNOWN ? expected : actual;
        }

        private void popVals(int[] ts) {
            for (int i = ts.length - 1; i >= 0; i--) {
                pop(ts[i]);
            }
        }

        /**
         * {@link #popVals} with the reference interpreter's wording on a mismatch ({@code type mismatch:
         * instruction requires [i32] but stack has [i64]}), which the exception-handling tests expect.
         */
        private void popOperands(int[] ts) {
            int height = ctlHeight[csp - 1];
            int available = Math.min(ts.length, vsp - height);
            boolean ok = available == ts.length || ctlUnreachable[csp - 1];
            for (int k = 0; ok && k < available; k++) {
                ok = matches(vals[vsp - available + k], ts[ts.length - available + k]);
            }
            if (!ok) {
                throw error("type mismatch: instruction requires " + names(ts) + " but stack has "
                        + names(Arrays.copyOfRange(vals, vsp - available, vsp)));
            }
            popVals(ts);
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
                ctlInitHeight = Arrays.copyOf(ctlInitHeight, n);
            }
            ctlInitHeight[csp] = initSp;
            ctlKind[csp] = kind;
            ctlParams[csp] = in;
            ctlResults[csp] = out;
            ctlHeight[csp] = vsp;
            ctlUnreachable[csp] = false;
            csp++;
            if (kind == LOOP) {
                loops++;
            }
            pushVals(in);
        }

        private void popCtrl() {
            int f = csp - 1;
            popVals(ctlResults[f]);
            if (vsp != ctlHeight[f]) {
                throw error("type mismatch: " + (vsp - ctlHeight[f]) + " value(s) left on the stack at the end of a block");
            }
            // locals initialised inside the block are uninitialised again after it
            while (initSp > ctlInitHeight[f]) {
                initialized.remove(inits[--initSp]);
            }
            if (ctlKind[f] == LOOP) {
                loops--;
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
                RefType rt = reader.blockRefType();
                return new int[] {rt != null ? code(rt, func, reader.offset()) : code(CodeReader.blockValType(bt))};
            }
            checkTypeIndex(bt);
            return typeResults[bt];
        }

        /** The typeidx of tag {@code t}; {@code unknown tag N} if there is no such tag. */
        private int tagType(int t) {
            if (t < 0 || t >= module.tagCount()) {
                throw error("unknown tag " + Integer.toUnsignedString(t));
            }
            return module.tagTypeIndex(t);
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
            return code(module.tableType(t).refType(), func, reader.offset());
        }

        private int elemSegmentType(int e) {
            if (e < 0 || e >= module.elements().size()) {
                throw error("unknown elem segment " + Integer.toUnsignedString(e));
            }
            return code(module.elements().get(e).refType(), func, reader.offset());
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
                    if (!matches(src, dst)) {
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
                    if (!matches(et, tt)) {
                        throw mismatch(tt, et);
                    }
                    pop(I32);
                    pop(I32);
                    pop(tableAddress(r.index2()));
                }
                case CALL_INDIRECT -> {
                    int et = tableElem(r.index2());
                    if (!matches(et, FUNCREF)) {
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
                    if (calls != null) {
                        calls.call(op, -1, loops);
                    }
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
                    if (kind == IF && !sameOrSubtypes(in, out)) {
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
                case THROW -> {
                    popOperands(typeParams[tagType(r.index())]);
                    unreachable();
                }
                case THROW_REF -> {
                    pop(EXNREF);
                    unreachable();
                }
                case TRY_TABLE -> {
                    int bt = r.blockType();
                    int[] in = blockParams(bt);
                    int[] out = blockResults(bt);
                    for (int i = 0; i < r.catchCount(); i++) {
                        int kind = r.catchKind(i);
                        int[] payload = kind < ExceptionOpcodes.CATCH_ALL ? typeParams[tagType(r.catchTag(i))] : NONE;
                        if (kind == ExceptionOpcodes.CATCH_REF || kind == ExceptionOpcodes.CATCH_ALL_REF) {
                            payload = Arrays.copyOf(payload, payload.length + 1);
                            payload[payload.length - 1] = EXNREF & ~NULLABLE;
                        }
                        int[] lt = labelTypes(label(r.catchLabel(i)));
                        if (lt.length != payload.length) {
                            throw error("type mismatch: catch clause delivers " + names(payload) + " to a label of "
                                    + names(lt));
                        }
                        for (int k = 0; k < lt.length; k++) {
                            if (!matches(payload[k], lt[k])) {
                                throw mismatch(lt[k], payload[k]);
                            }
                        }
                    }
                    popVals(in);
                    pushCtrl(BLOCK, in, out);
                }
                case TRY -> {
                    int bt = r.blockType();
                    int[] in = blockParams(bt);
                    int[] out = blockResults(bt);
                    popVals(in);
                    pushCtrl(TRY, in, out);
                }
                case CATCH, CATCH_ALL -> {
                    int f = csp - 1;
                    if (ctlKind[f] != TRY && ctlKind[f] != CATCH) {
                        throw error("catch outside a try");
                    }
                    int[] out = ctlResults[f];
                    int[] payload = op == Opcode.CATCH ? typeParams[tagType(r.index())] : NONE;
                    popCtrl();
                    pushCtrl(CATCH, NONE, out);
                    pushVals(payload);
                }
                case DELEGATE -> {
                    int f = csp - 1;
                    if (ctlKind[f] != TRY) {
                        throw error("delegate outside a try");
                    }
                    int[] out = ctlResults[f];
                    popCtrl();
                    // the label is counted from the frames around the try
                    if (Integer.toUnsignedLong(r.index()) >= csp) {
                        throw error("unknown label " + Integer.toUnsignedString(r.index()));
                    }
                    pushVals(out);
                }
                case RETHROW -> {
                    int l = label(r.index());
                    if (ctlKind[l] != CATCH) {
                        throw error("invalid rethrow label");
                    }
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
                            if (!matches(actual, ts[k])) {
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
                    if (calls != null) {
                        calls.call(op, f, loops);
                    }
                }
                case CALL_INDIRECT -> {
                    int et = tableElem(r.index2());
                    if (!matches(et, FUNCREF)) {
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
                    if (calls != null) {
                        calls.call(op, f, loops);
                    }
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
                    int t = code(r.selectValueType(0), func, r.offset());
                    pop(I32);
                    pop(t);
                    pop(t);
                    push(t);
                }
                case LOCAL_GET -> push(readLocal(r.index()));
                case LOCAL_SET -> {
                    int t = localType(r.index());
                    pop(t);
                    writeLocal(r.index(), t);
                }
                case LOCAL_TEE -> {
                    int t = localType(r.index());
                    pop(t);
                    writeLocal(r.index(), t);
                    push(t);
                }
                case GLOBAL_GET -> push(code(module.globalType(global(r.index())).valueType(), func, r.offset()));
                case GLOBAL_SET -> {
                    GlobalType gt = module.globalType(global(r.index()));
                    if (!gt.mutable()) {
                        throw error(version == WasmVersion.WASM_2_0 ? "global is immutable" : "immutable global");
                    }
                    pop(code(gt.valueType(), func, r.offset()));
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
                case REF_NULL -> push(refCode(true, heapCode(r.heapType(), func, r.offset())));
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
                    push(refCode(false, typeRep[module.functionTypeIndex(f)]));
                }
                case REF_AS_NON_NULL -> {
                    int t = popRef();
                    push(t == UNKNOWN ? REF | BOT : t & ~NULLABLE);
                }
                case BR_ON_NULL -> {
                    int l = label(r.index());
                    int t = popRef();
                    int[] ts = labelTypes(l);
                    popVals(ts);
                    pushVals(ts);
                    push(t == UNKNOWN ? REF | BOT : t & ~NULLABLE);
                }
                case BR_ON_NON_NULL -> {
                    int l = label(r.index());
                    int t = popRef();
                    int[] ts = labelTypes(l);
                    if (ts.length == 0 || !isRef(ts[ts.length - 1])) {
                        throw error("type mismatch: br_on_non_null needs a label whose last type is a reference");
                    }
                    int nonNull = t == UNKNOWN ? REF | BOT : t & ~NULLABLE;
                    if (!matches(nonNull, ts[ts.length - 1])) {
                        throw mismatch(ts[ts.length - 1], nonNull);
                    }
                    int[] rest = Arrays.copyOf(ts, ts.length - 1);
                    popVals(rest);
                    pushVals(rest);
                }
                case CALL_REF, RETURN_CALL_REF -> {
                    int t = r.index();
                    checkTypeIndex(t);
                    pop(refCode(true, typeRep[t]));
                    popVals(typeParams[t]);
                    if (op == Opcode.CALL_REF) {
                        pushVals(typeResults[t]);
                    } else {
                        int[] want = ctlResults[0];
                        int[] got = typeResults[t];
                        if (want.length != got.length) {
                            throw error("type mismatch: return_call_ref callee has " + got.length
                                    + " results, the function " + want.length);
                        }
                        for (int i = 0; i < got.length; i++) {
                            if (!matches(got[i], want[i])) {
                                throw mismatch(want[i], got[i]);
                            }
                        }
                        unreachable();
                        if (calls != null) {
                            calls.call(op, -1, loops);
                        }
                    }
                }
                default -> throw new AssertionError("unhandled " + op);
            }
        }
    }

    private static boolean sameOrSubtypes(int[] in, int[] out) {
        if (in.length != out.length) {
            return false;
        }
        for (int i = 0; i < in.length; i++) {
            if (!matches(in[i], out[i])) {
                return false;
            }
        }
        return true;
    }
}
