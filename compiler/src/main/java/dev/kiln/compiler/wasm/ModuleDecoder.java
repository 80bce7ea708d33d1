package dev.kiln.compiler.wasm;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.RefType;
import dev.kiln.abi.ValType;
import dev.kiln.abi.ValueType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the WebAssembly 2.0 binary format (spec chapter 5) into a {@link WasmModule}.
 *
 * <p>Everything the binary format constrains is checked here, including every instruction of every
 * function body and constant expression (opcodes, immediates, {@code else}/{@code end} nesting), so
 * that a module that decodes is well formed and only {@link Validator} errors remain. Error wording
 * follows the reference interpreter, i.e. the spec testsuite's {@code assert_malformed} texts:
 * {@code magic header not detected}, {@code unknown binary version}, {@code unexpected end},
 * {@code unexpected end of section or function}, {@code section size mismatch},
 * {@code malformed section id}, {@code unexpected content after last section},
 * {@code integer representation too long}, {@code integer too large}, {@code length out of bounds},
 * {@code too many locals}, {@code function and code section have inconsistent lengths},
 * {@code data count and data section have inconsistent lengths}, {@code data count section required},
 * {@code malformed import kind}, {@code malformed export kind}, {@code malformed mutability},
 * {@code malformed UTF-8 encoding}, {@code malformed value type}, {@code malformed reference type},
 * {@code malformed function type}, {@code malformed elements segment kind},
 * {@code malformed element kind}, {@code malformed data segment kind}, {@code malformed memop flags},
 * {@code zero byte expected}, {@code illegal opcode}, {@code END opcode expected}. Like the reference
 * interpreter, reads inside a section are bounded by the end of the module, not of the section, and
 * the section size is checked afterwards; the testsuite matches these texts by prefix.
 *
 * <p>The {@code name} custom section (spec §7.4.1) is decoded into module, function and local names;
 * a malformed {@code name} section is ignored, as custom sections must not make a module malformed.
 * A module whose {@code name} section names no function gets function names from its DWARF
 * {@code .debug_info}, if any ({@link DwarfNames}; malformed DWARF is ignored too).
 *
 * <p>Thread-safe: each call works on its own state. The input array is not copied; the returned
 * module points into it. A code section of {@link #PARALLEL_SCAN_BYTES} or more is scanned on the
 * common fork-join pool as well as on the calling thread.
 */
public final class ModuleDecoder extends BinaryInput {
    private static final int MAGIC = 0x6D736100;

    /**
     * A code section of at least this many bytes has its bodies' instructions scanned in parallel
     * (on the common fork-join pool and the calling thread) once its bodies' boundaries are read:
     * the scan reads every instruction of the module, about 0.5 s on one core of a warm JVM for the
     * 63 MB of code of LLVM's {@code llvm.core.wasm} (0.35 s on two), longer while C1 compiles it.
     */
    static final int PARALLEL_SCAN_BYTES = 4 << 20;

    private final WasmModule module;
    private final CodeReader scanner;
    private final ExpressionScanner expressions;
    private final int parallelScanBytes;
    private boolean inSection;

    private ModuleDecoder(byte[] bytes, int parallelScanBytes) {
        super(bytes, 0, bytes.length);
        this.module = new WasmModule(bytes);
        this.scanner = new CodeReader(bytes, 0, bytes.length);
        this.expressions = new ExpressionScanner(scanner);
        this.parallelScanBytes = parallelScanBytes;
    }

    /**
     * Decodes a binary module.
     *
     * @param bytes the module's bytes (not copied; must not change afterwards)
     * @return the decoded module, well formed but not yet validated
     * @throws MalformedModuleException with the reference interpreter's wording and the byte offset
     *                                  when the bytes are not a well-formed Wasm 2.0 module
     */
    public static WasmModule decode(byte[] bytes) {
        return decode(bytes, WasmVersion.WASM_3_0);
    }

    /**
     * Decodes a binary module of one edition of the spec (see {@link WasmVersion}).
     *
     * @throws MalformedModuleException with the reference interpreter's wording and the byte offset
     *                                  when the bytes are not a well-formed module of that edition
     */
    public static WasmModule decode(byte[] bytes, WasmVersion version) {
        return decode(bytes, version, PARALLEL_SCAN_BYTES);
    }

    /**
     * {@link #decode(byte[], WasmVersion)} with the code section size from which its bodies are
     * scanned in parallel ({@link #PARALLEL_SCAN_BYTES}); the result and the error are the same
     * either way.
     */
    static WasmModule decode(byte[] bytes, WasmVersion version, int parallelScanBytes) {
        ModuleDecoder d = new ModuleDecoder(bytes, parallelScanBytes);
        d.version = version;
        d.scanner.setVersion(version);
        d.decodeModule();
        return d.module;
    }

    /** The edition being decoded. */
    private WasmVersion version = WasmVersion.WASM_3_0;

    @Override
    String eosMessage() {
        return inSection ? "unexpected end of section or function" : "unexpected end";
    }

    // Section ids in the order they must appear (spec §5.5.2); the data count section (12) sits
    // between the element (9) and code (10) sections.
    private static int rank(int id) {
        // the tag section (13) sits between the memory (5) and global (6) sections
        return switch (id) {
            case 12 -> 20;
            case 10 -> 22;
            case 11 -> 24;
            case 13 -> 11;
            default -> 2 * id;
        };
    }

    private void decodeModule() {
        if (readFixed32() != MAGIC) {
            throw malformed("magic header not detected", 0);
        }
        if (readFixed32() != 1) {
            throw malformed("unknown binary version", 4);
        }
        List<CustomSection> customs = new ArrayList<>();
        int lastRank = 0;
        int functionCount = 0;
        while (pos < bytes.length) {
            inSection = false;
            int idPos = pos;
            int id = readByte();
            if (id > 13 || id == 13 && version == WasmVersion.WASM_2_0) {
                throw malformed("malformed section id", idPos);
            }
            int size = readLength();
            int start = pos;
            int sectionEnd = start + size;
            currentSectionEnd = sectionEnd;
            if (id != 0) {
                int r = rank(id);
                if (r <= lastRank) {
                    throw malformed("unexpected content after last section", idPos);
                }
                lastRank = r;
            }
            inSection = true;
            switch (id) {
                case 0 -> customs.add(customSection(sectionEnd));
                case 1 -> typeSection();
                case 2 -> importSection();
                case 3 -> {
                    functionSection();
                    functionCount = module.functions.length;
                }
                case 4 -> tableSection();
                case 5 -> memorySection();
                case 6 -> globalSection();
                case 7 -> exportSection();
                case 8 -> {
                    module.startOffset = pos;
                    module.start = readU32();
                }
                case 9 -> elementSection();
                case 12 -> module.dataCount = readU32();
                case 10 -> codeSection();
                case 11 -> dataSection();
                case 13 -> tagSection();
                default -> throw new AssertionError(id);
            }
            if (pos != sectionEnd) {
                throw malformed("section size mismatch", sectionEnd);
            }
        }
        inSection = false;
        if (module.code.size() != functionCount) {
            throw malformed("function and code section have inconsistent lengths", bytes.length);
        }
        if (module.dataCount >= 0 && module.dataCount != module.data.size()) {
            throw malformed("data count and data section have inconsistent lengths", bytes.length);
        }
        module.customSections = WasmModule.freeze(customs);
        DwarfNames.fill(module);
    }

    // ---- sections -------------------------------------------------------------------------------

    private CustomSection customSection(int sectionEnd) {
        String name = name();
        if (pos > sectionEnd) {
            throw malformed("unexpected end", sectionEnd);
        }
        if (sectionEnd > bytes.length) {
            pos = bytes.length;
            throw eos();
        }
        CustomSection cs = new CustomSection(name, pos, sectionEnd);
        if (name.equals("name")) {
            NameSectionParser.parse(bytes, pos, sectionEnd, module);
        }
        pos = sectionEnd;
        return cs;
    }

    /**
     * The type section (binary §5.5.4): function types, and in Wasm 3.0 recursive type groups
     * ({@code 0x4E}) and subtype declarations ({@code 0x50}/{@code 0x4F}) without supertypes; struct
     * and array types and declared supertypes belong to the GC proposal and are rejected.
     */
    private void typeSection() {
        int n = readLength();
        List<FuncType> types = new ArrayList<>(Math.min(n, 1024));
        List<Integer> groupStarts = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            int at = pos;
            if (version == WasmVersion.WASM_3_0 && (bytes[Math.min(pos, bytes.length - 1)] & 0xFF) == 0x4E) {
                pos++;
                int m = readLength();
                int start = types.size();
                for (int k = 0; k < m; k++) {
                    types.add(subType());
                    groupStarts.add(start);
                }
            } else {
                groupStarts.add(types.size());
                types.add(version == WasmVersion.WASM_3_0 ? subType() : funcType(at));
            }
        }
        module.types = WasmModule.freeze(types);
        int[] starts = new int[groupStarts.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = groupStarts.get(i);
        }
        module.recGroupStarts = starts;
    }

    private FuncType subType() {
        int at = pos;
        int b = peekByte();
        if (b == 0x50 || b == 0x4F) {
            pos++;
            int supers = readLength();
            if (supers != 0) {
                throw malformed("declared supertypes need the GC proposal, which Kiln does not support yet", at);
            }
            at = pos;
        }
        return funcType(at);
    }

    private FuncType funcType(int at) {
        int b = typeByte();
        if (b != 0x60) {
            throw malformed(b == 0x5F || b == 0x5E ? "struct and array types need the GC proposal, which Kiln does not support yet"
                    : "malformed function type", at);
        }
        List<ValueType> params = valTypes();
        List<ValueType> results = valTypes();
        return FuncType.ofPrecise(params, results);
    }

    private List<ValueType> valTypes() {
        int n = readLength();
        if (n == 0) {
            return List.of();
        }
        ValueType[] ts = new ValueType[n];
        for (int i = 0; i < n; i++) {
            ts[i] = valType();
        }
        return List.of(ts);
    }

    private ValueType valType() {
        scanner.reset(pos, bytes.length);
        try {
            return scanner.readValueType();
        } finally {
            pos = scanner.position();
        }
    }

    private RefType refType() {
        int at = pos;
        ValueType t = valType();
        if (!(t instanceof RefType r)) {
            throw malformed("malformed reference type", at);
        }
        return r;
    }

    /** Whether the limits read last had address type i64 (flag 0x04, Wasm 3.0). */
    private boolean limits64;

    /**
     * Limits (binary §5.3.7): Wasm 3.0 reads a flags byte (0x00 min, 0x01 min max, 0x04 and 0x05 the
     * same for address type i64; anything else is {@code malformed limits flags}) and u64 bounds;
     * Wasm 2.0 a flag 0 or 1 and u32 bounds.
     */
    private Limits limits() {
        if (version == WasmVersion.WASM_2_0) {
            long flags = readUnsigned(1);
            long min = readU32AsLong();
            long max = flags == 1 ? readU32AsLong() : -1;
            limits64 = false;
            return new Limits(min, max);
        }
        int at = pos;
        int flags = readByte();
        if (flags != 0x00 && flags != 0x01 && flags != 0x04 && flags != 0x05) {
            throw malformed("malformed limits flags", at);
        }
        limits64 = (flags & 0x04) != 0;
        long min = readUnsigned(64);
        boolean hasMax = (flags & 0x01) != 0;
        long max = hasMax ? readUnsigned(64) : -1;
        return new Limits(min, max, hasMax);
    }

    private MemoryType memoryType() {
        Limits l = limits();
        return new MemoryType(l, limits64);
    }

    private TableType tableType() {
        RefType t = refType();
        Limits l = limits();
        return new TableType(t, l, limits64);
    }

    private GlobalType globalType() {
        ValueType t = valType();
        int at = pos;
        int m = readByte();
        if (m > 1) {
            throw malformed("malformed mutability", at);
        }
        return new GlobalType(t, m == 1);
    }

    private void importSection() {
        int n = readLength();
        List<Import> imports = new ArrayList<>(Math.min(n, 1024));
        int[] funcTypes = new int[Math.min(n, 1024)];
        int funcs = 0;
        for (int i = 0; i < n; i++) {
            int at = pos;
            String moduleName = name();
            String fieldName = name();
            int kindAt = pos;
            int kind = readByte();
            ImportDesc desc = switch (kind) {
                case 0 -> new ImportDesc.Func(readU32());
                case 1 -> tableType();
                case 2 -> memoryType();
                case 3 -> globalType();
                case 4 -> {
                    if (version == WasmVersion.WASM_2_0) {
                        throw malformed("malformed import kind", kindAt);
                    }
                    yield tagType();
                }
                default -> throw malformed("malformed import kind", kindAt);
            };
            switch (desc) {
                case ImportDesc.Func f -> {
                    if (funcs == funcTypes.length) {
                        funcTypes = java.util.Arrays.copyOf(funcTypes, funcs * 2 + 1);
                    }
                    funcTypes[funcs++] = f.typeIndex();
                }
                case TableType t -> module.importedTables++;
                case MemoryType m -> module.importedMemories++;
                case GlobalType g -> module.importedGlobals++;
                case ImportDesc.Tag t -> module.importedTags++;
            }
            imports.add(new Import(moduleName, fieldName, desc, at));
        }
        module.importedFunctions = funcs;
        module.importedFunctionTypes = java.util.Arrays.copyOf(funcTypes, funcs);
        module.imports = WasmModule.freeze(imports);
    }

    /** A tag type (binary §5.3.11 "Tag types"): the attribute byte 0x00 (exception) then a typeidx. */
    private ImportDesc.Tag tagType() {
        int at = pos;
        if (readByte() != 0) {
            throw malformed("malformed tag attribute", at);
        }
        return new ImportDesc.Tag(readU32());
    }

    /** The tag section (id 13, binary §5.5.8a "Tag section"): a vector of tag types. */
    private void tagSection() {
        int n = readLength();
        int[] ts = new int[n];
        for (int i = 0; i < n; i++) {
            ts[i] = tagType().typeIndex();
        }
        module.tags = ts;
    }

    private void functionSection() {
        int n = readLength();
        int[] fs = new int[n];
        for (int i = 0; i < n; i++) {
            fs[i] = readU32();
        }
        module.functions = fs;
    }

    private void tableSection() {
        int n = readLength();
        List<TableType> ts = new ArrayList<>(Math.min(n, 1024));
        List<ConstExpr> inits = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            if (version == WasmVersion.WASM_3_0 && pos < bytes.length && (bytes[pos] & 0xFF) == 0x40) {
                // a table with an initializer expression: 0x40 0x00 tabletype expr
                pos++;
                int at = pos;
                if (readByte() != 0) {
                    throw malformed("malformed table type", at);
                }
                ts.add(tableType());
                inits.add(constExpr());
            } else {
                ts.add(tableType());
                inits.add(null);
            }
        }
        module.tables = WasmModule.freeze(ts);
        module.tableInits = java.util.Collections.unmodifiableList(inits);
    }

    private void memorySection() {
        int n = readLength();
        List<MemoryType> ms = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            ms.add(memoryType());
        }
        module.memories = WasmModule.freeze(ms);
    }

    private void globalSection() {
        int n = readLength();
        List<Global> gs = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            GlobalType t = globalType();
            gs.add(new Global(t, constExpr()));
        }
        module.globals = WasmModule.freeze(gs);
    }

    private void exportSection() {
        int n = readLength();
        List<Export> es = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            int at = pos;
            String name = name();
            int kindAt = pos;
            ExternKind kind = ExternKind.fromCode(readByte());
            if (kind == null || kind == ExternKind.TAG && version == WasmVersion.WASM_2_0) {
                throw malformed("malformed export kind", kindAt);
            }
            es.add(new Export(name, kind, readU32(), at));
        }
        module.exports = WasmModule.freeze(es);
    }

    private void elementSection() {
        int n = readLength();
        List<ElementSegment> segs = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            int at = pos;
            long flags = readU32AsLong();
            if (flags > 7) {
                throw malformed("malformed elements segment kind", at);
            }
            int f = (int) flags;
            ElementSegment.Mode mode;
            if ((f & 1) == 0) {
                mode = ElementSegment.Mode.ACTIVE;
            } else {
                mode = (f & 2) == 0 ? ElementSegment.Mode.PASSIVE : ElementSegment.Mode.DECLARATIVE;
            }
            int table = -1;
            ConstExpr offset = null;
            if (mode == ElementSegment.Mode.ACTIVE) {
                table = (f & 2) != 0 ? readU32() : 0;
                offset = constExpr();
            }
            boolean exprs = (f & 4) != 0;
            // the funcidx encodings have type (ref func) (3.0 §5.5.12: ref.func of each index is never null)
            RefType elemType = exprs ? RefType.FUNCREF : new RefType(false, dev.kiln.abi.HeapType.FUNC);
            if (f != 0 && f != 4) {
                if (exprs) {
                    elemType = refType();
                } else {
                    int kindAt = pos;
                    if (readByte() != 0x00) {
                        throw malformed("malformed element kind", kindAt);
                    }
                }
            }
            int count = readLength();
            if (exprs) {
                List<ConstExpr> init = new ArrayList<>(Math.min(count, 1024));
                for (int k = 0; k < count; k++) {
                    init.add(constExpr());
                }
                segs.add(new ElementSegment(mode, table, offset, elemType.machineType(), null,
                        WasmModule.freeze(init), at, elemType));
            } else {
                int[] funcs = new int[count];
                for (int k = 0; k < count; k++) {
                    funcs[k] = readU32();
                }
                segs.add(new ElementSegment(mode, table, offset, elemType.machineType(), funcs, null, at, elemType));
            }
        }
        module.elements = WasmModule.freeze(segs);
    }

    /**
     * The code section (binary §5.5.13). Each body's instructions are scanned up to the {@code end}
     * that closes it, which must be where its size says it ends. A large section (at least
     * {@link #parallelScanBytes}) is read in two steps: the sizes and local declarations of all its
     * bodies, each body skipped by its size, then their instructions, in parallel. The error is the
     * one a body-by-body reading reports first: a body's scan fails before the sizes and declarations
     * of the bodies after it are read, so an error in reading those is reported only when the scans
     * of the bodies before it pass.
     */
    private void codeSection() {
        int n = readLength();
        boolean parallel = n > 1 && currentSectionEnd - pos >= parallelScanBytes;
        List<FunctionBody> bodies = new ArrayList<>(Math.min(n, 4096));
        List<FunctionBody.LocalDecl> decls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try {
                int size = readLength();
                int bodyStart = pos;
                int declCount = readLength();
                decls.clear();
                long total = 0;
                for (int k = 0; k < declCount; k++) {
                    long count = readU32AsLong();
                    total += count;
                    ValueType t = valType();
                    decls.add(new FunctionBody.LocalDecl(count, t));
                }
                if (total >= 0x1_0000_0000L) {
                    throw malformed("too many locals", bodyStart);
                }
                int codeStart = pos;
                int codeEnd = bodyStart + size;
                if (!parallel) {
                    codeEnd = expressions.scan(codeStart, bytes.length, true);
                    if (codeEnd != bodyStart + size) {
                        throw malformed("section size mismatch", bodyStart + size);
                    }
                }
                pos = codeEnd;
                bodies.add(new FunctionBody(bodyStart, codeStart, codeEnd, decls, total));
            } catch (RuntimeException e) {
                if (parallel) {
                    scanInParallel(bodies); // an earlier body's failure comes first
                }
                throw e;
            }
        }
        if (parallel) {
            scanInParallel(bodies);
        }
        module.code = WasmModule.freeze(bodies);
    }

    /**
     * Scans the instructions of {@code bodies}, whose boundaries are read, in pieces of about a
     * MiB on the common fork-join pool and this thread.
     *
     * @throws MalformedModuleException the failure of the first body, in order, whose scan fails or
     *                                  ends elsewhere than at its end ({@code section size mismatch})
     */
    private void scanInParallel(List<FunctionBody> bodies) {
        int n = bodies.size();
        int[] pieceStarts = new int[n + 1];
        int pieces = 0;
        long bytesInPiece = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (bytesInPiece >= 1 << 20) {
                pieceStarts[pieces++] = i;
                bytesInPiece = 0;
            }
            bytesInPiece += bodies.get(i).codeEnd() - bodies.get(i).codeStart();
        }
        pieceStarts[pieces] = n;
        int[] ends = new int[n];
        RuntimeException[] failures = new RuntimeException[n];
        int[] starts = pieceStarts;
        java.util.stream.IntStream.range(0, pieces).parallel().forEach(p -> {
            CodeReader reader = new CodeReader(bytes, 0, bytes.length);
            reader.setVersion(version);
            ExpressionScanner scan = new ExpressionScanner(reader);
            for (int i = starts[p]; i < starts[p + 1]; i++) {
                try {
                    ends[i] = scan.scan(bodies.get(i).codeStart(), bytes.length, true);
                } catch (RuntimeException e) {
                    failures[i] = e;
                    return; // the bodies after it in this piece cannot be the first failure
                }
            }
        });
        for (int i = 0; i < n; i++) {
            if (failures[i] != null) {
                throw failures[i];
            }
            if (ends[i] != bodies.get(i).codeEnd()) {
                throw malformed("section size mismatch", bodies.get(i).codeEnd());
            }
        }
    }

    private void dataSection() {
        int n = readLength();
        List<DataSegment> segs = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            int at = pos;
            long flags = readU32AsLong();
            boolean active;
            int memory = -1;
            ConstExpr offset = null;
            if (flags == 0) {
                active = true;
                memory = 0;
                offset = constExpr();
            } else if (flags == 1) {
                active = false;
            } else if (flags == 2) {
                active = true;
                memory = readU32();
                offset = constExpr();
            } else {
                throw malformed("malformed data segment kind", at);
            }
            int len = readLength();
            int dataStart = pos;
            skip(len);
            segs.add(new DataSegment(active, memory, offset, dataStart, len, at));
        }
        module.data = WasmModule.freeze(segs);
    }

    // ---- helpers --------------------------------------------------------------------------------

    private void skip(int n) {
        if (end - pos < n) {
            pos = end;
            throw eos();
        }
        pos += n;
    }

    private String name() {
        int n = readLength();
        int start = pos;
        skip(n);
        String s = Utf8.decode(bytes, start, n);
        if (s == null) {
            throw malformed("malformed UTF-8 encoding", start);
        }
        return s;
    }

    /** End of the section being decoded; constant expressions stop there in Wasm 3.0. */
    private int currentSectionEnd = Integer.MAX_VALUE;

    private ConstExpr constExpr() {
        int start = pos;
        // Wasm 3.0 reads an expression within its section; 2.0's reference interpreter read on
        int limit = version == WasmVersion.WASM_3_0 ? Math.min(currentSectionEnd, bytes.length) : bytes.length;
        scanner.reset(start, Math.max(start, limit));
        // Fast path: one instruction then end.
        Opcode op = scanner.next();
        long value = 0;
        ValType refType = null;
        byte[] v128 = null;
        switch (op) {
            case I32_CONST, I64_CONST, F32_CONST, F64_CONST -> value = scanner.i64();
            case GLOBAL_GET, REF_FUNC -> value = Integer.toUnsignedLong(scanner.index());
            case REF_NULL -> refType = scanner.refType();
            case V128_CONST -> v128 = scanner.v128().clone();
            default -> {
            }
        }
        if (op != Opcode.END && op != Opcode.BLOCK && op != Opcode.LOOP && op != Opcode.IF
                && op != Opcode.ELSE && scanner.hasNext() && bytes[scanner.position()] == 0x0B) {
            int endPos = scanner.position() + 1;
            pos = endPos;
            return new ConstExpr(start, endPos, op, value, refType, v128);
        }
        int endPos = expressions.scan(start, limit, false);
        pos = endPos;
        return new ConstExpr(start, endPos, null, 0, null, null);
    }

    /**
     * Checks an instruction sequence's encoding, each instruction's opcode and immediates and the
     * block/if/else/end nesting, the way the reference interpreter parses it. One per thread: it
     * keeps a reader and the nesting it has seen.
     */
    private final class ExpressionScanner {
        private final CodeReader r;
        private byte[] kinds = new byte[16]; // per open block: 0 block/loop/try_table, 1 if, 2 else, 3 try

        ExpressionScanner(CodeReader reader) {
            this.r = reader;
        }

        /**
         * Scans from {@code start} up to and including the final {@code end}, reading no further than
         * {@code limit}: the end of the module for a function body; for a constant expression, its
         * section's end in Wasm 3.0 (2.0's reference interpreter read on). In a function body
         * ({@code functionBody}), {@code memory.init} and {@code data.drop} need the data count section.
         *
         * @return the offset just after the final {@code end}
         * @throws MalformedModuleException at the first instruction that is malformed or misplaced
         */
        int scan(int start, int limit, boolean functionBody) {
            r.reset(start, Math.max(start, limit));
            int depth = 0;
            while (true) {
                Opcode op = r.next();
                switch (op) {
                    case BLOCK, LOOP, IF, TRY_TABLE, TRY -> {
                        if (depth == kinds.length) {
                            kinds = java.util.Arrays.copyOf(kinds, depth * 2);
                        }
                        kinds[depth++] = (byte) (op == Opcode.IF ? 1 : op == Opcode.TRY ? 3 : 0);
                    }
                    case CATCH, CATCH_ALL -> {
                        if (depth == 0 || kinds[depth - 1] != 3) {
                            throw malformed("END opcode expected", r.offset());
                        }
                    }
                    case DELEGATE -> {
                        if (depth == 0 || kinds[depth - 1] != 3) {
                            throw malformed("END opcode expected", r.offset());
                        }
                        depth--;
                    }
                    case ELSE -> {
                        if (depth == 0 || kinds[depth - 1] != 1) {
                            throw malformed("END opcode expected", r.offset());
                        }
                        kinds[depth - 1] = 2;
                    }
                    case END -> {
                        if (depth == 0) {
                            return r.position();
                        }
                        depth--;
                    }
                    case MEMORY_INIT, DATA_DROP -> {
                        if (functionBody && module.dataCount < 0) {
                            throw malformed("data count section required", r.offset());
                        }
                    }
                    default -> {
                    }
                }
            }
        }
    }

    /** Parser of the {@code name} custom section (spec §7.4); leaves the module untouched on errors. */
    private static final class NameSectionParser extends BinaryInput {
        private NameSectionParser(byte[] bytes, int start, int end) {
            super(bytes, start, end);
        }

        static void parse(byte[] bytes, int start, int end, WasmModule module) {
            NameSectionParser p = new NameSectionParser(bytes, start, end);
            try {
                p.parseInto(module);
            } catch (MalformedModuleException ignored) {
                // A malformed name section is ignored (spec §7.4: custom sections are not validated).
            }
        }

        private void parseInto(WasmModule module) {
            String moduleName = null;
            Map<Integer, String> functions = new HashMap<>();
            Map<Integer, Map<Integer, String>> locals = new HashMap<>();
            int lastId = -1;
            while (pos < end) {
                int id = readByte();
                int size = readLength();
                int subEnd = pos + size;
                if (id <= lastId) {
                    throw malformed("malformed name section", pos);
                }
                lastId = id;
                switch (id) {
                    case 0 -> moduleName = name();
                    case 1 -> functions = nameMap();
                    case 2 -> {
                        int n = readLength();
                        for (int i = 0; i < n; i++) {
                            int f = readU32();
                            locals.put(f, nameMap());
                        }
                    }
                    default -> pos = subEnd;
                }
                if (pos != subEnd) {
                    throw malformed("malformed name section", pos);
                }
            }
            Map<Integer, Map<Integer, String>> frozenLocals = new LinkedHashMap<>();
            locals.forEach((k, v) -> frozenLocals.put(k, Collections.unmodifiableMap(v)));
            module.moduleName = moduleName;
            module.functionNames = Collections.unmodifiableMap(functions);
            module.localNames = Collections.unmodifiableMap(frozenLocals);
        }

        private Map<Integer, String> nameMap() {
            int n = readLength();
            Map<Integer, String> m = new HashMap<>();
            for (int i = 0; i < n; i++) {
                int idx = readU32();
                m.put(idx, name());
            }
            return m;
        }

        private String name() {
            int n = readLength();
            if (end - pos < n) {
                throw eos();
            }
            String s = Utf8.decode(bytes, pos, n);
            if (s == null) {
                throw malformed("malformed UTF-8 encoding", pos);
            }
            pos += n;
            return s;
        }
    }

    /** Strict UTF-8 (spec §5.2.4): no overlong forms, no surrogates, nothing above U+10FFFF. */
    static final class Utf8 {
        private Utf8() {
        }

        /** Decodes {@code bytes[start, start+len)}, or returns {@code null} if it is not valid UTF-8. */
        static String decode(byte[] bytes, int start, int len) {
            int i = start;
            int end = start + len;
            boolean ascii = true;
            while (i < end) {
                int b = bytes[i] & 0xFF;
                if (b < 0x80) {
                    i++;
                    continue;
                }
                ascii = false;
                int need;
                int min;
                int cp;
                if (b >= 0xC2 && b <= 0xDF) {
                    need = 1;
                    min = 0x80;
                    cp = b & 0x1F;
                } else if (b >= 0xE0 && b <= 0xEF) {
                    need = 2;
                    min = 0x800;
                    cp = b & 0x0F;
                } else if (b >= 0xF0 && b <= 0xF4) {
                    need = 3;
                    min = 0x10000;
                    cp = b & 0x07;
                } else {
                    return null;
                }
                if (end - i - 1 < need) {
                    return null;
                }
                for (int k = 1; k <= need; k++) {
                    int c = bytes[i + k] & 0xFF;
                    if ((c & 0xC0) != 0x80) {
                        return null;
                    }
                    cp = cp << 6 | (c & 0x3F);
                }
                if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                    return null;
                }
                i += need + 1;
            }
            return new String(bytes, start, len, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        }
    }
}
