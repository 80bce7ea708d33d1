package dev.kiln.compiler.text;

import dev.kiln.abi.HeapType;
import dev.kiln.abi.RefType;
import dev.kiln.abi.ValType;
import dev.kiln.abi.ValueType;
import dev.kiln.compiler.wasm.Opcode;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Recursive-descent parser for one text module (spec §6.6 "Modules", §6.5 "Instructions") that
 * encodes the binary module (spec chapter 5) directly.
 *
 * <p>Two passes over the module fields: the first assigns indices to every identifier ({@code $f})
 * in each index space (imports first, as the text format requires) and records explicit type
 * definitions; the second parses each field and encodes it, resolving identifiers and appending
 * implicit function types (from type uses, block types and {@code call_indirect}) to the type section
 * in order of occurrence. Not thread-safe; one instance per module.
 */
final class WatParser {
    private static final Set<String> STRUCTURAL_KEYWORDS = Set.of(
            "module", "type", "func", "param", "result", "local", "import", "export", "table", "memory",
            "global", "elem", "data", "start", "mut", "funcref", "externref", "i32", "i64", "f32", "f64",
            "v128", "extern", "offset", "item", "declare", "then", "else", "end", "block", "loop", "if",
            "binary", "quote", "ref", "i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2", "register",
            "invoke", "get", "assert_return", "assert_trap", "assert_exhaustion", "assert_invalid",
            "assert_malformed", "assert_unlinkable", "assert_uninstantiable", "input", "output", "script",
            "nan:canonical", "nan:arithmetic", "ref.extern", "tag", "try_table", "catch_ref", "catch_all_ref",
            "exn", "noexn", "exnref", "nullexnref", "assert_exception", "ref.exn");

    private final List<Token> toks;
    private int p;
    private final boolean emitNames;

    WatParser(List<Token> toks, int start, boolean emitNames) {
        this.toks = toks;
        this.p = start;
        this.emitNames = emitNames;
    }

    /**
     * Wasm 2.0 text: limits and memarg offsets are u32 ({@code i32 constant out of range} beyond),
     * as the 2.0 testsuite's {@code assert_malformed} commands expect; 3.0 reads them as u64 and
     * leaves the range to validation.
     */
    private boolean wasm2;

    WatParser version(dev.kiln.compiler.wasm.WasmVersion v) {
        wasm2 = v == dev.kiln.compiler.wasm.WasmVersion.WASM_2_0;
        return this;
    }

    /** An optional address type {@code i32} or {@code i64} (Wasm 3.0); true for i64. */
    private boolean addressType64() {
        if (peek().isKeyword("i64")) {
            next();
            return true;
        }
        if (peek().isKeyword("i32")) {
            next();
        }
        return false;
    }

    int position() {
        return p;
    }

    void p(int pos) {
        p = pos;
    }

    // ---------------------------------------------------------------- entry points

    /** Parses a whole text: one {@code (module ...)} or a bare list of module fields. */
    static byte[] parseText(String text, boolean emitNames) {
        return parseText(text, emitNames, dev.kiln.compiler.wasm.WasmVersion.WASM_3_0);
    }

    /** {@link #parseText(String, boolean)} for one edition of the text format. */
    static byte[] parseText(String text, boolean emitNames, dev.kiln.compiler.wasm.WasmVersion version) {
        List<Token> toks = Lexer.tokenize(text);
        WatParser w = new WatParser(toks, 0, emitNames).version(version);
        byte[] out;
        if (w.peek().kind() == Token.Kind.LPAREN && w.peek(1).isKeyword("module")) {
            out = w.parseModuleForm().bytes();
        } else {
            out = w.parseFields();
        }
        if (w.peek().kind() != Token.Kind.EOF) {
            throw w.unexpected(w.peek());
        }
        return out;
    }

    /** Result of parsing a {@code (module ...)} form. */
    record ModuleForm(String id, Kind kind, byte[] bytes, String quoteText, int line) {
        enum Kind { TEXT, BINARY, QUOTE }
    }

    /**
     * Parses {@code (module $id? field*)}, {@code (module $id? binary "..."*)} or
     * {@code (module $id? quote "..."*)} at the current position. For binary and quote forms the
     * contents are kept; {@code bytes} is the binary for text and binary forms and, for quote forms,
     * {@code null} unless {@code convertQuote} is set.
     */
    ModuleForm parseModuleForm(boolean convertQuote) {
        Token open = expect(Token.Kind.LPAREN);
        expectKw("module");
        if (peek().isKeyword("definition")) {
            next(); // a Wasm 3.0 script's module definition: the module itself is the same
        }
        String id = peek().kind() == Token.Kind.ID ? next().text() : null;
        if (peek().isKeyword("binary")) {
            next();
            ByteWriter w = new ByteWriter();
            while (peek().kind() == Token.Kind.STRING) {
                w.bytes(next().bytes());
            }
            expect(Token.Kind.RPAREN);
            return new ModuleForm(id, ModuleForm.Kind.BINARY, w.toByteArray(), null, open.line());
        }
        if (peek().isKeyword("quote")) {
            next();
            ByteWriter w = new ByteWriter();
            boolean first = true;
            while (peek().kind() == Token.Kind.STRING) {
                if (!first) {
                    w.u8(' ');
                }
                first = false;
                w.bytes(next().bytes());
            }
            expect(Token.Kind.RPAREN);
            String text = decodeUtf8Source(w.toByteArray());
            byte[] bytes = null;
            if (convertQuote) {
                bytes = parseText(text, emitNames);
            }
            return new ModuleForm(id, ModuleForm.Kind.QUOTE, bytes, text, open.line());
        }
        byte[] bytes = parseFields();
        expect(Token.Kind.RPAREN);
        return new ModuleForm(id, ModuleForm.Kind.TEXT, bytes, null, open.line());
    }

    ModuleForm parseModuleForm() {
        return parseModuleForm(true);
    }

    /** Decodes quoted module source; invalid UTF-8 is a {@code malformed UTF-8 encoding} error. */
    static String decodeUtf8Source(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new TextFormatException("malformed UTF-8 encoding", 0, 0);
        }
    }

    // ---------------------------------------------------------------- token helpers

    Token peek() {
        return toks.get(p);
    }

    Token peek(int k) {
        int i = Math.min(p + k, toks.size() - 1);
        return toks.get(i);
    }

    Token next() {
        Token t = toks.get(p);
        if (t.kind() != Token.Kind.EOF) {
            p++;
        }
        return t;
    }

    boolean atLParenKw(String kw) {
        return peek().kind() == Token.Kind.LPAREN && peek(1).isKeyword(kw);
    }

    Token expect(Token.Kind kind) {
        Token t = peek();
        if (t.kind() != kind) {
            throw unexpected(t);
        }
        return next();
    }

    Token expectKw(String kw) {
        Token t = peek();
        if (!t.isKeyword(kw)) {
            throw unexpected(t);
        }
        return next();
    }

    static TextFormatException err(Token t, String reason) {
        return new TextFormatException(reason, t.line(), t.column());
    }

    /** The error for a token that cannot appear here, worded like the reference interpreter. */
    static TextFormatException unexpected(Token t) {
        if (t.kind() == Token.Kind.RESERVED) {
            return err(t, "unknown operator " + t.text());
        }
        if (t.kind() == Token.Kind.KEYWORD && !isKnownKeyword(t.text())) {
            return err(t, "unknown operator " + t.text());
        }
        if (t.kind() == Token.Kind.EOF) {
            return err(t, "unexpected end of input");
        }
        return err(t, "unexpected token " + t.text());
    }

    static boolean isKnownKeyword(String kw) {
        if (STRUCTURAL_KEYWORDS.contains(kw) || Opcode.byMnemonic(kw) != null) {
            return true;
        }
        if (kw.startsWith("offset=") || kw.startsWith("align=")) {
            return Literals.isInteger(kw.substring(kw.indexOf('=') + 1));
        }
        return false;
    }

    /** Runs a literal conversion, re-throwing its error at the token's position. */
    static <T> T lit(Token t, Supplier<T> conv) {
        try {
            return conv.get();
        } catch (TextFormatException e) {
            throw err(t, e.reason());
        }
    }

    /** Skips one balanced S-expression starting at the current {@code (}. */
    void skipSexpr() {
        int depth = 0;
        do {
            Token t = next();
            switch (t.kind()) {
                case LPAREN -> depth++;
                case RPAREN -> depth--;
                case EOF -> throw unexpected(t);
                default -> { }
            }
        } while (depth > 0);
    }

    // ---------------------------------------------------------------- module state

    record FuncType(List<ValueType> params, List<ValueType> results) { }

    /** One index space with its identifier map. */
    static final class Space {
        final String what;
        final Map<String, Integer> ids = new HashMap<>();
        int count;

        Space(String what) {
            this.what = what;
        }

        void declare(Token id) {
            if (id != null) {
                if (ids.containsKey(id.text())) {
                    throw err(id, "duplicate " + what);
                }
                ids.put(id.text(), count);
            }
            count++;
        }
    }

    private final Space types = new Space("type");
    private final Space funcs = new Space("func");
    private final Space tables = new Space("table");
    private final Space mems = new Space("memory");
    private final Space globals = new Space("global");
    private final Space tags = new Space("tag");
    private final List<byte[]> tagEntries = new ArrayList<>();
    private final Space elems = new Space("elem");
    private final Space datas = new Space("data");

    private final List<FuncType> typeList = new ArrayList<>();
    /** Explicit {@code (rec ...)} groups: first typeidx to number of types. */
    private final Map<Integer, Integer> recGroups = new HashMap<>();
    private final List<byte[]> importEntries = new ArrayList<>();
    private final List<Integer> funcTypeIdx = new ArrayList<>();
    private final List<byte[]> codeEntries = new ArrayList<>();
    private final List<byte[]> tableEntries = new ArrayList<>();
    private final List<byte[]> memEntries = new ArrayList<>();
    private final List<byte[]> globalEntries = new ArrayList<>();
    private final List<byte[]> exportEntries = new ArrayList<>();
    private final List<byte[]> elemEntries = new ArrayList<>();
    private final List<byte[]> dataEntries = new ArrayList<>();
    private Long start;
    private boolean needDataCount;
    private int importedFuncs;
    private final Map<Integer, String> funcNames = new TreeMap<>();
    private final Map<Integer, Map<Integer, String>> localNames = new TreeMap<>();

    // ---------------------------------------------------------------- fields

    /** Parses module fields up to (not including) a {@code )} or EOF and returns the binary module. */
    byte[] parseFields() {
        int startPos = p;
        declarePass();
        p = startPos;
        while (peek().kind() == Token.Kind.LPAREN) {
            field();
        }
        return encode();
    }

    /** Pass 1: assigns indices to identifiers and parses type definitions. */
    private void declarePass() {
        predeclareTypes();
        String lastDefinition = null;
        Token startField = null;
        while (peek().kind() == Token.Kind.LPAREN) {
            int fieldStart = p;
            next();
            Token kw = peek();
            if (kw.kind() != Token.Kind.KEYWORD) {
                throw unexpected(kw);
            }
            next();
            switch (kw.text()) {
                case "type" -> {
                    p = fieldStart;
                    typeField();
                    continue;
                }
                case "rec" -> {
                    int first = typeList.size();
                    while (atLParenKw("type")) {
                        typeField();
                    }
                    expect(Token.Kind.RPAREN);
                    if (typeList.size() > first) {
                        recGroups.put(first, typeList.size() - first);
                    }
                    continue;
                }
                case "import" -> {
                    if (lastDefinition != null) {
                        throw err(kw, "import after " + lastDefinition);
                    }
                    expect(Token.Kind.STRING);
                    expect(Token.Kind.STRING);
                    expect(Token.Kind.LPAREN);
                    Token k = peek();
                    Token id = peek(1).kind() == Token.Kind.ID ? peek(1) : null;
                    spaceOf(k).declare(id);
                }
                case "func", "table", "memory", "global", "tag" -> {
                    Token id = peek().kind() == Token.Kind.ID ? next() : null;
                    while (atLParenKw("export")) {
                        skipSexpr();
                    }
                    boolean isImport = atLParenKw("import");
                    Space s = spaceOf(kw);
                    if (isImport) {
                        if (lastDefinition != null) {
                            throw err(kw, "import after " + lastDefinition);
                        }
                        s.declare(id);
                    } else {
                        s.declare(id);
                        lastDefinition = kw.text().equals("func") ? "function" : kw.text();
                        if (kw.text().equals("tag")) {
                            p = fieldStart;
                            skipSexpr();
                            continue;
                        }
                        if (kw.text().equals("table")) {
                            if (peek().isKeyword("i64") || peek().isKeyword("i32")) {
                                next();
                            }
                            if (atRefType(0)) {
                                refType();
                                if (atLParenKw("elem")) {
                                    elems.declare(null);
                                }
                            }
                        }
                        if (kw.text().equals("memory") && atLParenKw("data")) {
                            datas.declare(null);
                        }
                    }
                }
                case "elem" -> elems.declare(peek().kind() == Token.Kind.ID ? peek() : null);
                case "data" -> datas.declare(peek().kind() == Token.Kind.ID ? peek() : null);
                case "start" -> {
                    if (startField != null) {
                        throw err(kw, "multiple start sections");
                    }
                    startField = kw;
                }
                case "export" -> { }
                default -> throw unexpected(kw);
            }
            p = fieldStart;
            skipSexpr();
        }
    }

    private boolean atLParenAt(int k, String kw) {
        return peek(k).kind() == Token.Kind.LPAREN && peek(k + 1).isKeyword(kw);
    }

    private Space spaceOf(Token kind) {
        return switch (kind.text()) {
            case "func" -> funcs;
            case "table" -> tables;
            case "memory" -> mems;
            case "global" -> globals;
            case "tag" -> tags;
            default -> throw unexpected(kind);
        };
    }

    /** Pass 2: one field. */
    private void field() {
        int fieldStart = p;
        expect(Token.Kind.LPAREN);
        Token kw = next();
        switch (kw.text()) {
            case "type", "rec" -> {
                // parsed in pass 1
                p = fieldStart;
                skipSexpr();
            }
            case "import" -> importField();
            case "func" -> funcField();
            case "table" -> tableField();
            case "memory" -> memoryField();
            case "global" -> globalField();
            case "tag" -> tagField();
            case "export" -> exportField();
            case "start" -> {
                start = index(funcs);
                expect(Token.Kind.RPAREN);
            }
            case "elem" -> elemField();
            case "data" -> dataField();
            default -> throw unexpected(kw);
        }
    }

    /**
     * Declares the identifiers of every {@code (type ...)} field, also inside {@code (rec ...)}, before
     * any type is parsed: a type may refer to later ones of its recursive group (and, invalidly, to
     * later types elsewhere, which the validator reports as {@code unknown type}).
     */
    private void predeclareTypes() {
        int save = p;
        while (peek().kind() == Token.Kind.LPAREN) {
            int fieldStart = p;
            if (atLParenKw("type")) {
                next();
                next();
                types.declare(peek().kind() == Token.Kind.ID ? peek() : null);
            } else if (atLParenKw("rec")) {
                next();
                next();
                while (atLParenKw("type")) {
                    int typeStart = p;
                    next();
                    next();
                    types.declare(peek().kind() == Token.Kind.ID ? peek() : null);
                    p = typeStart;
                    skipSexpr();
                }
            }
            p = fieldStart;
            skipSexpr();
        }
        p = save;
    }

    private void typeField() {
        expect(Token.Kind.LPAREN);
        expectKw("type");
        if (peek().kind() == Token.Kind.ID) {
            next();
        }
        expect(Token.Kind.LPAREN);
        boolean sub = peek().isKeyword("sub");
        if (sub) {
            // (sub final? (func ...)) without supertypes; declared supertypes need the GC proposal
            next();
            if (peek().isKeyword("final")) {
                next();
            }
            if (atIndex()) {
                throw err(peek(), "declared supertypes need the GC proposal, which Kiln does not support yet");
            }
            expect(Token.Kind.LPAREN);
        }
        expectKw("func");
        List<ValueType> params = new ArrayList<>();
        List<ValueType> results = new ArrayList<>();
        paramsAndResults(params, results, null, true);
        expect(Token.Kind.RPAREN);
        if (sub) {
            expect(Token.Kind.RPAREN);
        }
        expect(Token.Kind.RPAREN);
        typeList.add(new FuncType(List.copyOf(params), List.copyOf(results)));
    }

    /**
     * Parses {@code (param ...)* (result ...)*}. Returns true if any clause was present.
     * {@code paramNames} (may be null) receives one entry (id or null) per parameter.
     */
    private boolean paramsAndResults(List<ValueType> params, List<ValueType> results, List<Token> paramNames,
                                     boolean allowNames) {
        boolean any = false;
        while (atLParenKw("param")) {
            any = true;
            next();
            next();
            if (peek().kind() == Token.Kind.ID) {
                Token id = next();
                if (!allowNames) {
                    throw unexpected(id);
                }
                params.add(valType());
                if (paramNames != null) {
                    paramNames.add(id);
                }
            } else {
                while (peek().kind() != Token.Kind.RPAREN) {
                    params.add(valType());
                    if (paramNames != null) {
                        paramNames.add(null);
                    }
                }
            }
            expect(Token.Kind.RPAREN);
        }
        while (atLParenKw("result")) {
            any = true;
            next();
            next();
            while (peek().kind() != Token.Kind.RPAREN) {
                results.add(valType());
            }
            expect(Token.Kind.RPAREN);
        }
        if (atLParenKw("param")) {
            throw unexpected(peek(1)); // params must precede results
        }
        return any;
    }

    /**
     * A value type (spec 3.0 §6.4.5): a number or vector type, a reference shorthand ({@code funcref},
     * {@code externref}, {@code nullfuncref}, ...) or {@code (ref null? heaptype)}.
     */
    ValueType valType() {
        Token t = next();
        if (t.kind() == Token.Kind.LPAREN && peek().isKeyword("ref")) {
            next();
            boolean nullable = false;
            if (peek().isKeyword("null")) {
                next();
                nullable = true;
            }
            HeapType h = heapType();
            expect(Token.Kind.RPAREN);
            return new RefType(nullable, h);
        }
        if (t.kind() == Token.Kind.KEYWORD) {
            switch (t.text()) {
                case "i32": return ValType.I32;
                case "i64": return ValType.I64;
                case "f32": return ValType.F32;
                case "f64": return ValType.F64;
                case "v128": return ValType.V128;
                case "funcref": return RefType.FUNCREF;
                case "externref": return RefType.EXTERNREF;
                default: {
                    HeapType.Kind k = SHORTHANDS.get(t.text());
                    if (k != null) {
                        return new RefType(true, HeapType.of(k));
                    }
                }
            }
        }
        throw unexpected(t);
    }

    /** The reference type shorthands of Wasm 3.0 (funcref and externref are handled with the 2.0 types). */
    private static final Map<String, HeapType.Kind> SHORTHANDS = Map.ofEntries(
            Map.entry("nullfuncref", HeapType.Kind.NOFUNC), Map.entry("nullexternref", HeapType.Kind.NOEXTERN),
            Map.entry("exnref", HeapType.Kind.EXN), Map.entry("nullexnref", HeapType.Kind.NOEXN),
            Map.entry("anyref", HeapType.Kind.ANY), Map.entry("eqref", HeapType.Kind.EQ),
            Map.entry("i31ref", HeapType.Kind.I31), Map.entry("structref", HeapType.Kind.STRUCT),
            Map.entry("arrayref", HeapType.Kind.ARRAY), Map.entry("nullref", HeapType.Kind.NONE));

    /** A heap type (spec 3.0 §6.4.3): an abstract heap type keyword or a type index. */
    HeapType heapType() {
        if (atIndex()) {
            return HeapType.concrete((int) index(types));
        }
        Token t = next();
        if (t.kind() == Token.Kind.KEYWORD) {
            for (HeapType.Kind k : HeapType.Kind.values()) {
                if (k != HeapType.Kind.CONCRETE && k.name().toLowerCase(java.util.Locale.ROOT).equals(t.text())) {
                    return HeapType.of(k);
                }
            }
        }
        throw unexpected(t);
    }

    private RefType refType() {
        Token t = peek();
        ValueType v = valType();
        if (!(v instanceof RefType r)) {
            throw unexpected(t);
        }
        return r;
    }

    /** Whether a reference type starts here: a shorthand keyword or {@code (ref ...)}. */
    private boolean atRefType(int k) {
        Token t = peek(k);
        return t.isKeyword("funcref") || t.isKeyword("externref")
                || (t.kind() == Token.Kind.KEYWORD && SHORTHANDS.containsKey(t.text()))
                || (t.kind() == Token.Kind.LPAREN && peek(k + 1).isKeyword("ref"));
    }

    /** Encodes a value type: the one-byte shorthands where they exist, else {@code 0x63/0x64 heaptype}. */
    static void writeType(ByteWriter w, ValueType v) {
        if (v instanceof RefType r) {
            HeapType h = r.heapType();
            if (r.nullable() && !h.isConcrete()) {
                w.u8(h.kind().code());
                return;
            }
            w.u8(r.nullable() ? 0x63 : 0x64);
            writeHeapType(w, h);
        } else {
            w.u8(((ValType) v).code());
        }
    }

    static void writeHeapType(ByteWriter w, HeapType h) {
        if (h.isConcrete()) {
            w.s64(h.typeIndex());
        } else {
            w.u8(h.kind().code());
        }
    }

    /** Type use (spec §6.6.3): returns the typeidx; {@code paramNames} receives parameter ids if given. */
    private int typeUse(List<Token> paramNames, boolean allowNames) {
        Token start = peek();
        Long explicit = null;
        if (atLParenKw("type")) {
            next();
            next();
            explicit = index(types);
            expect(Token.Kind.RPAREN);
        }
        List<ValueType> params = new ArrayList<>();
        List<ValueType> results = new ArrayList<>();
        List<Token> names = new ArrayList<>();
        boolean inline = paramsAndResults(params, results, names, allowNames);
        if (explicit != null) {
            int idx = (int) (long) explicit;
            FuncType ft = idx >= 0 && idx < typeList.size() ? typeList.get(idx) : null;
            if (inline) {
                if (ft == null) {
                    throw err(start, "unknown type");
                }
                if (!ft.params().equals(params) || !ft.results().equals(results)) {
                    throw err(start, "inline function type");
                }
                if (paramNames != null) {
                    paramNames.addAll(names);
                }
            } else if (paramNames != null && ft != null) {
                for (int i = 0; i < ft.params().size(); i++) {
                    paramNames.add(null);
                }
            }
            return idx;
        }
        if (paramNames != null) {
            paramNames.addAll(names);
        }
        return internType(new FuncType(List.copyOf(params), List.copyOf(results)));
    }

    private int internType(FuncType ft) {
        int i = typeList.indexOf(ft);
        if (i >= 0) {
            return i;
        }
        typeList.add(ft);
        types.count++;
        return typeList.size() - 1;
    }

    /** An index (u32 or {@code $id}) into {@code space}. Returns it as a long to keep u32 range. */
    long index(Space space) {
        Token t = next();
        if (t.kind() == Token.Kind.NUMBER) {
            return lit(t, () -> Literals.parseUnsigned(t.text(), 32));
        }
        if (t.kind() == Token.Kind.ID) {
            Integer i = space.ids.get(t.text());
            if (i == null) {
                throw err(t, "unknown " + space.what + " " + t.text());
            }
            return i;
        }
        throw unexpected(t);
    }

    private boolean atIndex() {
        Token.Kind k = peek().kind();
        return k == Token.Kind.NUMBER || k == Token.Kind.ID;
    }

    private byte[] name() {
        Token t = expect(Token.Kind.STRING);
        checkUtf8(t);
        return t.bytes();
    }

    static void checkUtf8(Token t) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(t.bytes()));
        } catch (CharacterCodingException e) {
            throw err(t, "malformed UTF-8 encoding");
        }
    }

    /** Inline {@code (export "name")*} abbreviations for the entity {@code index} of {@code kind}. */
    private void inlineExports(int kind, long index) {
        while (atLParenKw("export")) {
            next();
            next();
            byte[] n = name();
            expect(Token.Kind.RPAREN);
            addExport(n, kind, index);
        }
    }

    private void addExport(byte[] n, int kind, long index) {
        ByteWriter w = new ByteWriter();
        w.name(n);
        w.u8(kind);
        w.u32(index);
        exportEntries.add(w.toByteArray());
    }

    /** Inline {@code (import "m" "n")}: returns the import's name prefix bytes or null. */
    private byte[] inlineImport() {
        if (!atLParenKw("import")) {
            return null;
        }
        next();
        next();
        ByteWriter w = new ByteWriter();
        w.name(name());
        w.name(name());
        expect(Token.Kind.RPAREN);
        return w.toByteArray();
    }

    private int funcCount() {
        return funcTypeIdx.size() + importedFuncs;
    }

    private int tableCount, memCount, globalCount;

    private void importField() {
        ByteWriter w = new ByteWriter();
        w.name(name());
        w.name(name());
        expect(Token.Kind.LPAREN);
        Token kind = next();
        Token id = peek().kind() == Token.Kind.ID ? next() : null;
        switch (kind.text()) {
            case "func" -> {
                int fi = funcCount();
                importedFuncs++;
                if (id != null) {
                    funcNames.put(fi, id.text().substring(1));
                }
                w.u8(0);
                w.u32(Integer.toUnsignedLong(typeUse(null, true)));
            }
            case "table" -> {
                tableCount++;
                w.u8(1);
                tableType(w);
            }
            case "memory" -> {
                memCount++;
                w.u8(2);
                limits(w, addressType64());
            }
            case "global" -> {
                globalCount++;
                w.u8(3);
                globalType(w);
            }
            case "tag" -> {
                tagCount++;
                w.u8(4);
                w.u8(0);
                w.u32(Integer.toUnsignedLong(typeUse(null, true)));
            }
            default -> throw unexpected(kind);
        }
        expect(Token.Kind.RPAREN);
        expect(Token.Kind.RPAREN);
        importEntries.add(w.toByteArray());
    }

    private void tableType(ByteWriter w) {
        ByteWriter lim = new ByteWriter();
        limits(lim, addressType64());
        writeType(w, refType());
        w.bytes(lim);
    }

    /** Limits (binary flags 0x00/0x01, 0x04/0x05 for address type i64), bounds u64 (2.0: u32). */
    private void limits(ByteWriter w, boolean is64) {
        Token minTok = expect(Token.Kind.NUMBER);
        long min = limit(minTok, is64);
        if (peek().kind() == Token.Kind.NUMBER) {
            Token maxTok = next();
            long max = limit(maxTok, is64);
            w.u8(is64 ? 5 : 1);
            w.u32(min);
            w.u32(max);
        } else {
            w.u8(is64 ? 4 : 0);
            w.u32(min);
        }
    }

    private long limit(Token t, boolean is64) {
        if (wasm2 && !is64) {
            return u32Limit(t);
        }
        try {
            return Literals.parseUnsigned(t.text(), 64);
        } catch (TextFormatException e) {
            if (e.reason().equals("constant out of range")) {
                throw err(t, "i64 constant out of range");
            }
            throw err(t, e.reason());
        }
    }

    private long u32Limit(Token t) {
        try {
            return Literals.parseUnsigned(t.text(), 32);
        } catch (TextFormatException e) {
            if (e.reason().equals("constant out of range")) {
                throw err(t, "i32 constant out of range");
            }
            throw err(t, e.reason());
        }
    }

    private void globalType(ByteWriter w) {
        if (atLParenKw("mut")) {
            next();
            next();
            writeType(w, valType());
            w.u8(1);
            expect(Token.Kind.RPAREN);
        } else {
            writeType(w, valType());
            w.u8(0);
        }
    }

    private void funcField() {
        Token id = peek().kind() == Token.Kind.ID ? next() : null;
        int fi = funcCount();
        inlineExports(0, fi);
        byte[] imp = inlineImport();
        if (id != null) {
            funcNames.put(fi, id.text().substring(1));
        }
        if (imp != null) {
            ByteWriter w = new ByteWriter();
            w.bytes(imp);
            w.u8(0);
            w.u32(Integer.toUnsignedLong(typeUse(null, true)));
            expect(Token.Kind.RPAREN);
            importEntries.add(w.toByteArray());
            importedFuncs++;
            return;
        }
        List<Token> paramNames = new ArrayList<>();
        int typeIdx = typeUse(paramNames, true);
        funcTypeIdx.add(typeIdx);
        Ctx ctx = new Ctx();
        Map<Integer, String> names = new TreeMap<>();
        int li = 0;
        for (Token n : paramNames) {
            if (n != null) {
                if (ctx.locals.containsKey(n.text())) {
                    throw err(n, "duplicate local");
                }
                ctx.locals.put(n.text(), li);
                names.put(li, n.text().substring(1));
            }
            li++;
        }
        List<ValueType> locals = new ArrayList<>();
        while (atLParenKw("local")) {
            next();
            next();
            if (peek().kind() == Token.Kind.ID) {
                Token n = next();
                if (ctx.locals.containsKey(n.text())) {
                    throw err(n, "duplicate local");
                }
                ctx.locals.put(n.text(), li);
                names.put(li, n.text().substring(1));
                locals.add(valType());
                li++;
            } else {
                while (peek().kind() != Token.Kind.RPAREN) {
                    locals.add(valType());
                    li++;
                }
            }
            expect(Token.Kind.RPAREN);
        }
        ByteWriter body = new ByteWriter();
        // locals, run-length compressed
        List<ValueType> runTypes = new ArrayList<>();
        List<int[]> runs = new ArrayList<>();
        for (ValueType t : locals) {
            if (!runs.isEmpty() && runTypes.get(runTypes.size() - 1).equals(t)) {
                runs.get(runs.size() - 1)[0]++;
            } else {
                runs.add(new int[] {1});
                runTypes.add(t);
            }
        }
        body.u32(runs.size());
        for (int i = 0; i < runs.size(); i++) {
            body.u32(runs.get(i)[0]);
            writeType(body, runTypes.get(i));
        }
        instrs(body, ctx);
        expect(Token.Kind.RPAREN);
        body.u8(0x0B);
        ByteWriter entry = new ByteWriter();
        entry.u32(body.size());
        entry.bytes(body);
        codeEntries.add(entry.toByteArray());
        if (!names.isEmpty()) {
            localNames.put(fi, names);
        }
    }

    private void tableField() {
        if (peek().kind() == Token.Kind.ID) {
            next();
        }
        int ti = tableCount++;
        inlineExports(1, ti);
        byte[] imp = inlineImport();
        if (imp != null) {
            ByteWriter w = new ByteWriter();
            w.bytes(imp);
            w.u8(1);
            tableType(w);
            expect(Token.Kind.RPAREN);
            importEntries.add(w.toByteArray());
            return;
        }
        int typeStart = position();
        boolean t64 = addressType64();
        RefType inlineType = atRefType(0) ? refType() : null;
        if (inlineType != null && atLParenKw("elem")) {
            RefType rt = inlineType;
            expect(Token.Kind.LPAREN);
            expectKw("elem");
            ElemItems items = new ElemItems();
            items.refType = rt;
            if (peek().kind() == Token.Kind.LPAREN) {
                while (peek().kind() == Token.Kind.LPAREN) {
                    items.exprs.add(elemExpr());
                }
            } else {
                items.funcIdx = new ArrayList<>();
                while (atIndex()) {
                    items.funcIdx.add(index(funcs));
                }
            }
            expect(Token.Kind.RPAREN);
            expect(Token.Kind.RPAREN);
            int n = items.size();
            ByteWriter w = new ByteWriter();
            writeType(w, rt);
            w.u8(t64 ? 5 : 1);
            w.u32(n);
            w.u32(n);
            tableEntries.add(w.toByteArray());
            elemEntries.add(encodeElem(0, ti, new byte[] {(byte) (t64 ? 0x42 : 0x41), 0x00, 0x0B}, items));
            return;
        }
        p(typeStart);
        ByteWriter w = new ByteWriter();
        tableType(w);
        if (peek().kind() == Token.Kind.LPAREN) {
            // Wasm 3.0: a table with an initializer expression, encoded 0x40 0x00 tabletype expr
            ByteWriter t = new ByteWriter();
            t.u8(0x40);
            t.u8(0x00);
            t.bytes(w);
            instrs(t, new Ctx());
            t.u8(0x0B);
            w = t;
        }
        expect(Token.Kind.RPAREN);
        tableEntries.add(w.toByteArray());
    }

    private void memoryField() {
        if (peek().kind() == Token.Kind.ID) {
            next();
        }
        int mi = memCount++;
        inlineExports(2, mi);
        byte[] imp = inlineImport();
        if (imp != null) {
            ByteWriter w = new ByteWriter();
            w.bytes(imp);
            w.u8(2);
            limits(w, addressType64());
            expect(Token.Kind.RPAREN);
            importEntries.add(w.toByteArray());
            return;
        }
        boolean is64 = addressType64();
        if (atLParenKw("data")) {
            next();
            next();
            ByteWriter data = new ByteWriter();
            while (peek().kind() == Token.Kind.STRING) {
                data.bytes(next().bytes());
            }
            expect(Token.Kind.RPAREN);
            expect(Token.Kind.RPAREN);
            long pages = (data.size() + 65535L) / 65536L;
            ByteWriter w = new ByteWriter();
            w.u8(is64 ? 5 : 1);
            w.u32(pages);
            w.u32(pages);
            memEntries.add(w.toByteArray());
            dataEntries.add(encodeData(0, mi, new byte[] {(byte) (is64 ? 0x42 : 0x41), 0x00, 0x0B}, data.toByteArray()));
            return;
        }
        ByteWriter w = new ByteWriter();
        limits(w, is64);
        expect(Token.Kind.RPAREN);
        memEntries.add(w.toByteArray());
    }

    private void globalField() {
        if (peek().kind() == Token.Kind.ID) {
            next();
        }
        int gi = globalCount++;
        inlineExports(3, gi);
        byte[] imp = inlineImport();
        ByteWriter w = new ByteWriter();
        if (imp != null) {
            w.bytes(imp);
            w.u8(3);
            globalType(w);
            expect(Token.Kind.RPAREN);
            importEntries.add(w.toByteArray());
            return;
        }
        globalType(w);
        instrs(w, new Ctx());
        w.u8(0x0B);
        expect(Token.Kind.RPAREN);
        globalEntries.add(w.toByteArray());
    }

    private int tagCount;

    /** {@code (tag id? (export "n")* (import "m" "n")? typeuse)} (Wasm 3.0 text format §6.6.8 "Tags"). */
    private void tagField() {
        if (peek().kind() == Token.Kind.ID) {
            next();
        }
        int ti = tagCount++;
        inlineExports(4, ti);
        byte[] imp = inlineImport();
        ByteWriter w = new ByteWriter();
        if (imp != null) {
            w.bytes(imp);
            w.u8(4);
        }
        w.u8(0);
        w.u32(Integer.toUnsignedLong(typeUse(null, true)));
        expect(Token.Kind.RPAREN);
        (imp != null ? importEntries : tagEntries).add(w.toByteArray());
    }

    private void exportField() {
        byte[] n = name();
        expect(Token.Kind.LPAREN);
        Token kind = next();
        int k;
        long idx;
        switch (kind.text()) {
            case "func" -> { k = 0; idx = index(funcs); }
            case "table" -> { k = 1; idx = index(tables); }
            case "memory" -> { k = 2; idx = index(mems); }
            case "global" -> { k = 3; idx = index(globals); }
            case "tag" -> { k = 4; idx = index(tags); }
            default -> throw unexpected(kind);
        }
        expect(Token.Kind.RPAREN);
        expect(Token.Kind.RPAREN);
        addExport(n, k, idx);
    }

    /** Items of an element segment: either function indices or constant expressions. */
    private static final class ElemItems {
        RefType refType = RefType.FUNCREF;
        List<Long> funcIdx;
        final List<byte[]> exprs = new ArrayList<>();

        int size() {
            return funcIdx != null ? funcIdx.size() : exprs.size();
        }
    }

    /** {@code (item instr*)} or a single folded instruction; returns the expr bytes with {@code end}. */
    private byte[] elemExpr() {
        ByteWriter w = new ByteWriter();
        if (atLParenKw("item")) {
            next();
            next();
            instrs(w, new Ctx());
            expect(Token.Kind.RPAREN);
        } else {
            foldedInstr(w, new Ctx());
        }
        w.u8(0x0B);
        return w.toByteArray();
    }

    /** {@code (offset instr*)} or a single folded instruction; returns the expr bytes with {@code end}. */
    private byte[] offsetExpr() {
        ByteWriter w = new ByteWriter();
        if (atLParenKw("offset")) {
            next();
            next();
            instrs(w, new Ctx());
            expect(Token.Kind.RPAREN);
        } else {
            foldedInstr(w, new Ctx());
        }
        w.u8(0x0B);
        return w.toByteArray();
    }

    private void elemField() {
        if (peek().kind() == Token.Kind.ID) {
            next();
        }
        int mode; // 0 active, 1 passive, 2 declarative
        long table = 0;
        byte[] offset = null;
        if (peek().isKeyword("declare")) {
            next();
            mode = 2;
        } else if (atLParenKw("table")) {
            next();
            next();
            table = index(tables);
            expect(Token.Kind.RPAREN);
            mode = 0;
            offset = offsetExpr();
        } else if (peek().kind() == Token.Kind.LPAREN && !atRefType(0)) {
            mode = 0;
            offset = offsetExpr();
        } else {
            mode = 1;
        }
        ElemItems items = new ElemItems();
        if (peek().isKeyword("func")) {
            next();
            items.funcIdx = new ArrayList<>();
            while (atIndex()) {
                items.funcIdx.add(index(funcs));
            }
        } else if (atRefType(0)) {
            items.refType = refType();
            while (peek().kind() == Token.Kind.LPAREN) {
                items.exprs.add(elemExpr());
            }
        } else if (mode == 0) {
            items.funcIdx = new ArrayList<>();
            while (atIndex()) {
                items.funcIdx.add(index(funcs));
            }
        } else {
            throw unexpected(peek());
        }
        expect(Token.Kind.RPAREN);
        elemEntries.add(encodeElem(mode, table, offset, items));
    }

    /** Returns the function index if {@code expr} is exactly {@code ref.func x; end}, else -1. */
    private static long refFuncIndex(byte[] expr) {
        if (expr.length < 3 || (expr[0] & 0xFF) != 0xD2 || expr[expr.length - 1] != 0x0B) {
            return -1;
        }
        long v = 0;
        int shift = 0;
        int i = 1;
        while (i < expr.length - 1) {
            int b = expr[i++] & 0xFF;
            v |= (long) (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        return i == expr.length - 1 ? v : -1;
    }

    /** Encodes an element segment (spec §5.5.12), choosing the compact form as wat2wasm does. */
    private byte[] encodeElem(int mode, long table, byte[] offset, ElemItems items) {
        if (items.funcIdx != null && !items.refType.equals(RefType.FUNCREF)) {
            // function indices of a typed table's inline elem: (ref.func x) expressions of its type
            for (long f : items.funcIdx) {
                ByteWriter e = new ByteWriter();
                e.u8(0xD2);
                e.u32(f);
                e.u8(0x0B);
                items.exprs.add(e.toByteArray());
            }
            items.funcIdx = null;
        }
        List<Long> funcIdx = items.funcIdx;
        if (funcIdx == null && items.refType.equals(RefType.FUNCREF) && wasm2) {
            // the compact funcidx form (as wat2wasm writes it); not in 3.0, where it has type (ref func)
            List<Long> all = new ArrayList<>();
            for (byte[] e : items.exprs) {
                long f = refFuncIndex(e);
                if (f < 0) {
                    all = null;
                    break;
                }
                all.add(f);
            }
            funcIdx = all;
        }
        boolean exprs = funcIdx == null;
        ByteWriter w = new ByteWriter();
        int flags;
        boolean explicitTable = mode == 0 && (table != 0 || !items.refType.equals(RefType.FUNCREF));
        if (mode == 0) {
            flags = explicitTable ? 2 : 0;
        } else if (mode == 1) {
            flags = 1;
        } else {
            flags = 3;
        }
        if (exprs) {
            flags |= 4;
        }
        w.u8(flags);
        if (explicitTable) {
            w.u32(table);
        }
        if (mode == 0) {
            w.bytes(offset);
        }
        if (flags != 0 && flags != 4) {
            if (exprs) {
                writeType(w, items.refType);
            } else {
                w.u8(0x00); // elemkind funcref
            }
        }
        if (exprs) {
            w.u32(items.exprs.size());
            for (byte[] e : items.exprs) {
                w.bytes(e);
            }
        } else {
            w.u32(funcIdx.size());
            for (long f : funcIdx) {
                w.u32(f);
            }
        }
        return w.toByteArray();
    }

    private void dataField() {
        if (peek().kind() == Token.Kind.ID) {
            next();
        }
        int mode = 1;
        long mem = 0;
        byte[] offset = null;
        if (atLParenKw("memory")) {
            next();
            next();
            mem = index(mems);
            expect(Token.Kind.RPAREN);
            mode = 0;
            offset = offsetExpr();
        } else if (peek().kind() == Token.Kind.LPAREN) {
            mode = 0;
            offset = offsetExpr();
        }
        ByteWriter data = new ByteWriter();
        while (peek().kind() == Token.Kind.STRING) {
            data.bytes(next().bytes());
        }
        expect(Token.Kind.RPAREN);
        dataEntries.add(encodeData(mode, mem, offset, data.toByteArray()));
    }

    private static byte[] encodeData(int mode, long mem, byte[] offset, byte[] data) {
        ByteWriter w = new ByteWriter();
        if (mode == 1) {
            w.u8(1);
        } else if (mem == 0) {
            w.u8(0);
            w.bytes(offset);
        } else {
            w.u8(2);
            w.u32(mem);
            w.bytes(offset);
        }
        w.name(data);
        return w.toByteArray();
    }

    // ---------------------------------------------------------------- instructions

    /** Per-function context: local names and the label stack (innermost last). */
    static final class Ctx {
        final Map<String, Integer> locals = new HashMap<>();
        final List<String> labels = new ArrayList<>();
    }

    /** Parses instructions until {@code )}, {@code end}, {@code else} or EOF. */
    void instrs(ByteWriter out, Ctx c) {
        while (true) {
            Token t = peek();
            if (t.kind() == Token.Kind.RPAREN || t.kind() == Token.Kind.EOF
                    || t.isKeyword("end") || t.isKeyword("else")) {
                return;
            }
            instr(out, c);
        }
    }

    private void instr(ByteWriter out, Ctx c) {
        Token t = peek();
        if (t.kind() == Token.Kind.LPAREN) {
            foldedInstr(out, c);
            return;
        }
        if (t.kind() != Token.Kind.KEYWORD) {
            throw unexpected(t);
        }
        next();
        switch (t.text()) {
            case "block", "loop" -> {
                String label = optLabel();
                out.u8(t.text().equals("block") ? 0x02 : 0x03);
                blockType(out);
                c.labels.add(label);
                instrs(out, c);
                expectKw("end");
                endLabel(label);
                c.labels.remove(c.labels.size() - 1);
                out.u8(0x0B);
            }
            case "try_table" -> {
                String label = optLabel();
                out.u8(0x1F);
                blockType(out);
                catchClauses(out, c);
                c.labels.add(label);
                instrs(out, c);
                expectKw("end");
                endLabel(label);
                c.labels.remove(c.labels.size() - 1);
                out.u8(0x0B);
            }
            case "if" -> {
                String label = optLabel();
                out.u8(0x04);
                blockType(out);
                c.labels.add(label);
                instrs(out, c);
                if (peek().isKeyword("else")) {
                    next();
                    endLabel(label);
                    out.u8(0x05);
                    instrs(out, c);
                }
                expectKw("end");
                endLabel(label);
                c.labels.remove(c.labels.size() - 1);
                out.u8(0x0B);
            }
            default -> plainInstr(t, out, c);
        }
    }

    private String optLabel() {
        return peek().kind() == Token.Kind.ID ? next().text() : null;
    }

    private void endLabel(String label) {
        if (peek().kind() == Token.Kind.ID) {
            Token id = next();
            if (!id.text().equals(label)) {
                throw err(id, "mismatching label");
            }
        }
    }

    void foldedInstr(ByteWriter out, Ctx c) {
        expect(Token.Kind.LPAREN);
        Token t = peek();
        if (t.kind() != Token.Kind.KEYWORD) {
            throw unexpected(t);
        }
        next();
        switch (t.text()) {
            case "block", "loop" -> {
                String label = optLabel();
                out.u8(t.text().equals("block") ? 0x02 : 0x03);
                blockType(out);
                c.labels.add(label);
                instrs(out, c);
                expect(Token.Kind.RPAREN);
                c.labels.remove(c.labels.size() - 1);
                out.u8(0x0B);
            }
            case "try_table" -> {
                String label = optLabel();
                out.u8(0x1F);
                blockType(out);
                catchClauses(out, c);
                c.labels.add(label);
                instrs(out, c);
                expect(Token.Kind.RPAREN);
                c.labels.remove(c.labels.size() - 1);
                out.u8(0x0B);
            }
            case "if" -> {
                String label = optLabel();
                ByteWriter bt = new ByteWriter();
                blockType(bt);
                while (peek().kind() == Token.Kind.LPAREN && !atLParenKw("then")) {
                    foldedInstr(out, c);
                }
                out.u8(0x04);
                out.bytes(bt);
                c.labels.add(label);
                expect(Token.Kind.LPAREN);
                expectKw("then");
                instrs(out, c);
                expect(Token.Kind.RPAREN);
                if (atLParenKw("else")) {
                    next();
                    next();
                    out.u8(0x05);
                    instrs(out, c);
                    expect(Token.Kind.RPAREN);
                }
                expect(Token.Kind.RPAREN);
                c.labels.remove(c.labels.size() - 1);
                out.u8(0x0B);
            }
            default -> {
                ByteWriter op = new ByteWriter();
                plainInstr(t, op, c);
                while (peek().kind() == Token.Kind.LPAREN) {
                    foldedInstr(out, c);
                }
                expect(Token.Kind.RPAREN);
                out.bytes(op);
            }
        }
    }

    /** Block type (spec §6.5.2): {@code 0x40}, a valtype, or an s33 typeidx, as wat2wasm chooses. */
    private void blockType(ByteWriter out) {
        Token start = peek();
        if (atLParenKw("type")) {
            int idx = typeUse(null, false);
            FuncType ft = idx < typeList.size() ? typeList.get(idx) : null;
            if (ft != null && ft.params().isEmpty() && ft.results().size() <= 1) {
                if (ft.results().isEmpty()) {
                    out.u8(0x40);
                } else {
                    writeType(out, ft.results().get(0));
                }
            } else {
                out.s64(idx);
            }
            return;
        }
        List<ValueType> params = new ArrayList<>();
        List<ValueType> results = new ArrayList<>();
        paramsAndResults(params, results, null, false);
        if (params.isEmpty() && results.size() <= 1) {
            if (results.isEmpty()) {
                out.u8(0x40);
            } else {
                writeType(out, results.get(0));
            }
        } else {
            out.s64(internType(new FuncType(List.copyOf(params), List.copyOf(results))));
        }
    }

    /**
     * The catch clauses of a {@code try_table} (text §6.5.2): {@code (catch tagidx labelidx)},
     * {@code (catch_ref tagidx labelidx)}, {@code (catch_all labelidx)}, {@code (catch_all_ref labelidx)};
     * labels are resolved outside the {@code try_table}.
     */
    private void catchClauses(ByteWriter out, Ctx c) {
        ByteWriter clauses = new ByteWriter();
        int n = 0;
        while (peek().kind() == Token.Kind.LPAREN) {
            Token kw = peek(1);
            int kind;
            if (kw.isKeyword("catch")) {
                kind = 0;
            } else if (kw.isKeyword("catch_ref")) {
                kind = 1;
            } else if (kw.isKeyword("catch_all")) {
                kind = 2;
            } else if (kw.isKeyword("catch_all_ref")) {
                kind = 3;
            } else {
                break;
            }
            next();
            next();
            clauses.u8(kind);
            if (kind < 2) {
                clauses.u32(index(tags));
            }
            clauses.u32(labelIdx(c));
            expect(Token.Kind.RPAREN);
            n++;
        }
        out.u32(n);
        out.bytes(clauses);
    }

    private static void opcode(ByteWriter out, Opcode op) {
        if (op.prefix() != 0) {
            out.u8(op.prefix());
            out.u32(op.code());
        } else {
            out.u8(op.code());
        }
    }

    private long labelIdx(Ctx c) {
        Token t = next();
        if (t.kind() == Token.Kind.NUMBER) {
            return lit(t, () -> Literals.parseUnsigned(t.text(), 32));
        }
        if (t.kind() == Token.Kind.ID) {
            for (int i = c.labels.size() - 1; i >= 0; i--) {
                if (t.text().equals(c.labels.get(i))) {
                    return c.labels.size() - 1 - i;
                }
            }
            throw err(t, "unknown label " + t.text());
        }
        throw unexpected(t);
    }

    private long localIdx(Ctx c) {
        Token t = next();
        if (t.kind() == Token.Kind.NUMBER) {
            return lit(t, () -> Literals.parseUnsigned(t.text(), 32));
        }
        if (t.kind() == Token.Kind.ID) {
            Integer i = c.locals.get(t.text());
            if (i == null) {
                throw err(t, "unknown local " + t.text());
            }
            return i;
        }
        throw unexpected(t);
    }

    private void plainInstr(Token kw, ByteWriter out, Ctx c) {
        String m = kw.text();
        if (m.equals("select")) {
            List<ValueType> results = new ArrayList<>();
            boolean typed = false;
            while (atLParenKw("result")) {
                typed = true;
                next();
                next();
                while (peek().kind() != Token.Kind.RPAREN) {
                    results.add(valType());
                }
                expect(Token.Kind.RPAREN);
            }
            if (typed) {
                out.u8(0x1C);
                out.u32(results.size());
                for (ValueType v : results) {
                    writeType(out, v);
                }
            } else {
                out.u8(0x1B);
            }
            return;
        }
        Opcode op = Opcode.byMnemonic(m);
        if (op == null) {
            throw unexpected(kw);
        }
        switch (op) {
            case BLOCK, LOOP, IF, ELSE, END, TRY_TABLE, TRY, CATCH, CATCH_ALL, DELEGATE -> throw err(kw, "unexpected token " + m);
            default -> { }
        }
        opcode(out, op);
        switch (op.immediate()) {
            case NONE -> { }
            case LABEL -> out.u32(labelIdx(c));
            case BR_TABLE -> {
                List<Long> labels = new ArrayList<>();
                labels.add(labelIdx(c));
                while (atIndex()) {
                    labels.add(labelIdx(c));
                }
                out.u32(labels.size() - 1);
                for (long l : labels) {
                    out.u32(l);
                }
            }
            case FUNCIDX -> out.u32(index(funcs));
            case TAGIDX -> out.u32(index(tags));
            case GLOBALIDX -> out.u32(index(globals));
            case LOCALIDX -> out.u32(localIdx(c));
            case ELEMIDX -> out.u32(index(elems));
            case DATAIDX -> {
                needDataCount = true;
                out.u32(index(datas));
            }
            case TABLEIDX -> out.u32(atIndex() ? index(tables) : 0);
            case CALL_INDIRECT -> {
                long table = atIndex() ? index(tables) : 0;
                out.u32(Integer.toUnsignedLong(typeUse(null, false)));
                out.u32(table);
            }
            case MEMARG -> memarg(out, op);
            case MEMARG_LANE -> {
                memarg(out, op);
                out.u8(laneIndex());
            }
            case MEMIDX, MEMORY_FILL -> out.u32(atIndex() ? index(mems) : 0);
            case MEMORY_COPY -> {
                if (atIndex()) {
                    long dst = index(mems);
                    long src = index(mems);
                    out.u32(dst);
                    out.u32(src);
                } else {
                    out.u8(0);
                    out.u8(0);
                }
            }
            case MEMORY_INIT -> {
                needDataCount = true;
                if (atIndexSpaceTableFirst()) {
                    long mem = index(mems);
                    out.u32(index(datas));
                    out.u32(mem);
                } else {
                    out.u32(index(datas));
                    out.u8(0);
                }
            }
            case TABLE_INIT -> {
                long first = index(atIndexSpaceTableFirst() ? tables : elems);
                if (atIndex()) {
                    long elem = index(elems);
                    out.u32(elem);
                    out.u32(first);
                } else {
                    out.u32(first);
                    out.u32(0);
                }
            }
            case TABLE_COPY -> {
                if (atIndex()) {
                    long dst = index(tables);
                    long src = index(tables);
                    out.u32(dst);
                    out.u32(src);
                } else {
                    out.u32(0);
                    out.u32(0);
                }
            }
            case I32 -> {
                Token t = expectNumber();
                out.s64((int) (long) lit(t, () -> Literals.parseInt(t.text(), 32)));
            }
            case I64 -> {
                Token t = expectNumber();
                out.s64(lit(t, () -> Literals.parseInt(t.text(), 64)));
            }
            case F32 -> {
                Token t = expectNumber();
                out.f32(lit(t, () -> Literals.parseF32Bits(t.text())));
            }
            case F64 -> {
                Token t = expectNumber();
                out.f64(lit(t, () -> Literals.parseF64Bits(t.text())));
            }
            case REF_NULL -> writeHeapType(out, heapType());
            case TYPEIDX -> out.u32(index(types));
            case V128_CONST -> out.bytes(v128Const(this));
            case SHUFFLE -> {
                List<Token> lanes = new ArrayList<>();
                while (peek().kind() == Token.Kind.NUMBER) {
                    lanes.add(next());
                }
                for (Token l : lanes) {
                    laneValue(l);
                }
                if (lanes.size() != 16) {
                    throw err(kw, "invalid lane length");
                }
                for (Token l : lanes) {
                    out.u8(laneValue(l));
                }
            }
            case LANE -> out.u8(laneIndex());
            default -> throw err(kw, "unexpected token " + m);
        }
    }

    /** For {@code table.init x y}: the first index is a table only when a second index follows. */
    private boolean atIndexSpaceTableFirst() {
        Token.Kind k = peek(1).kind();
        return k == Token.Kind.NUMBER || k == Token.Kind.ID;
    }

    private Token expectNumber() {
        Token t = peek();
        if (t.kind() != Token.Kind.NUMBER) {
            throw unexpected(t);
        }
        return next();
    }

    /** A lane index immediate: a nat (no sign, no fraction), below 256. */
    private int laneIndex() {
        Token t = peek();
        String s = t.text();
        if (t.kind() != Token.Kind.NUMBER || s.startsWith("+") || s.startsWith("-") || !Literals.isInteger(s)) {
            throw unexpected(t);
        }
        next();
        return laneValue(t);
    }

    private int laneValue(Token t) {
        String s = t.text();
        // the reference interpreter's wording changed with Wasm 3.0
        String malformed = wasm2 ? "malformed lane index" : "i8 constant out of range";
        if (s.startsWith("+") || s.startsWith("-") || !Literals.isInteger(s)) {
            throw err(t, malformed);
        }
        java.math.BigInteger v = Literals.integerValue(s);
        if (v.bitLength() > 8) {
            throw err(t, malformed);
        }
        return v.intValue();
    }

    /** Parses {@code shape lane*} after {@code v128.const}; returns the 16 little-endian bytes. */
    static byte[] v128Const(WatParser w) {
        Token shape = w.next();
        int lanes;
        int bits;
        boolean isFloat = false;
        switch (shape.kind() == Token.Kind.KEYWORD ? shape.text() : "") {
            case "i8x16" -> { lanes = 16; bits = 8; }
            case "i16x8" -> { lanes = 8; bits = 16; }
            case "i32x4" -> { lanes = 4; bits = 32; }
            case "i64x2" -> { lanes = 2; bits = 64; }
            case "f32x4" -> { lanes = 4; bits = 32; isFloat = true; }
            case "f64x2" -> { lanes = 2; bits = 64; isFloat = true; }
            default -> throw unexpected(shape);
        }
        List<Token> literals = new ArrayList<>();
        while (w.peek().kind() == Token.Kind.NUMBER) {
            literals.add(w.next());
        }
        if (literals.size() != lanes) {
            Token t = w.peek();
            if (literals.size() < lanes && (t.kind() == Token.Kind.RESERVED
                    || t.kind() == Token.Kind.KEYWORD && !isKnownKeyword(t.text()))) {
                throw unexpected(t);
            }
            throw err(literals.isEmpty() ? t : literals.get(0), "wrong number of lane literals");
        }
        ByteWriter out = new ByteWriter();
        for (Token t : literals) {
            long v;
            if (isFloat) {
                v = bits == 32 ? lit(t, () -> (long) Literals.parseF32Bits(t.text()))
                        : lit(t, () -> Literals.parseF64Bits(t.text()));
            } else {
                final int b = bits;
                v = lit(t, () -> Literals.parseInt(t.text(), b));
            }
            for (int k = 0; k < bits / 8; k++) {
                out.u8((int) (v >>> (8 * k)));
            }
        }
        return out.toByteArray();
    }

    private void memarg(ByteWriter out, Opcode op) {
        long offset = 0;
        int alignLog2 = op.naturalAlignment();
        long mem = 0;
        if (op.immediate() == Opcode.Immediate.MEMARG_LANE) {
            // v128.load8_lane memidx? memarg laneidx: a number is the memidx only if more follows
            Token n = peek(1);
            boolean more = n.kind() == Token.Kind.NUMBER || n.kind() == Token.Kind.KEYWORD
                    && (n.text().startsWith("offset=") || n.text().startsWith("align="));
            if (peek().kind() == Token.Kind.ID || peek().kind() == Token.Kind.NUMBER && more) {
                mem = index(mems);
            }
        } else if (atIndex()) {
            mem = index(mems);
        }
        if (peek().kind() == Token.Kind.KEYWORD && peek().text().startsWith("offset=")) {
            Token t = next();
            offset = wasm2 ? memargValue(t, t.text().substring(7)) : memargOffset64(t, t.text().substring(7));
        }
        if (peek().kind() == Token.Kind.KEYWORD && peek().text().startsWith("align=")) {
            Token t = next();
            long a = wasm2 ? memargValue(t, t.text().substring(6)) : memargOffset64(t, t.text().substring(6));
            if (a == 0 || Long.bitCount(a) != 1) {
                throw err(t, "alignment must be a power of two");
            }
            alignLog2 = Long.numberOfTrailingZeros(a);
        }
        if (mem != 0) {
            out.u32(alignLog2 | 64); // Wasm 3.0 multi-memory: bit 6 says a memidx follows
            out.u32(mem);
        } else {
            out.u32(alignLog2);
        }
        out.u32(offset);
    }

    /** A Wasm 3.0 memarg offset: a u64 (validation checks it against the memory's address type). */
    private static long memargOffset64(Token t, String num) {
        if (!Literals.isInteger(num) || num.startsWith("+") || num.startsWith("-")) {
            throw err(t, "unknown operator " + t.text());
        }
        try {
            return Literals.parseUnsigned(num, 64);
        } catch (TextFormatException e) {
            throw err(t, "i64 constant out of range");
        }
    }

    private static long memargValue(Token t, String num) {
        if (!Literals.isInteger(num) || num.startsWith("+") || num.startsWith("-")) {
            throw err(t, "unknown operator " + t.text());
        }
        try {
            return Literals.parseUnsigned(num, 32);
        } catch (TextFormatException e) {
            throw err(t, "i32 constant out of range");
        }
    }

    // ---------------------------------------------------------------- encoding

    private byte[] encode() {
        ByteWriter m = new ByteWriter();
        m.bytes(new byte[] {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00});
        if (!typeList.isEmpty()) {
            ByteWriter s;
            // a recursive group counts as one entry of the type section
            int entries = 0;
            for (int i = 0; i < typeList.size(); i += recGroups.getOrDefault(i, 1)) {
                entries++;
            }
            s = new ByteWriter();
            s.u32(entries);
            for (int i = 0; i < typeList.size(); i++) {
                Integer group = recGroups.get(i);
                if (group != null) {
                    s.u8(0x4E);
                    s.u32(group);
                }
                FuncType ft = typeList.get(i);
                s.u8(0x60);
                s.u32(ft.params().size());
                for (ValueType v : ft.params()) {
                    writeType(s, v);
                }
                s.u32(ft.results().size());
                for (ValueType v : ft.results()) {
                    writeType(s, v);
                }
            }
            section(m, 1, s);
        }
        vecSection(m, 2, importEntries);
        if (!funcTypeIdx.isEmpty()) {
            ByteWriter s = new ByteWriter();
            s.u32(funcTypeIdx.size());
            for (int t : funcTypeIdx) {
                s.u32(t);
            }
            section(m, 3, s);
        }
        vecSection(m, 4, tableEntries);
        vecSection(m, 5, memEntries);
        vecSection(m, 13, tagEntries);
        vecSection(m, 6, globalEntries);
        vecSection(m, 7, exportEntries);
        if (start != null) {
            ByteWriter s = new ByteWriter();
            s.u32(start);
            section(m, 8, s);
        }
        vecSection(m, 9, elemEntries);
        if (needDataCount) {
            ByteWriter s = new ByteWriter();
            s.u32(dataEntries.size());
            section(m, 12, s);
        }
        vecSection(m, 10, codeEntries);
        vecSection(m, 11, dataEntries);
        if (emitNames && (!funcNames.isEmpty() || !localNames.isEmpty())) {
            ByteWriter s = new ByteWriter();
            s.name("name".getBytes(StandardCharsets.UTF_8));
            if (!funcNames.isEmpty()) {
                ByteWriter sub = new ByteWriter();
                sub.u32(funcNames.size());
                for (Map.Entry<Integer, String> e : funcNames.entrySet()) {
                    sub.u32(e.getKey());
                    sub.name(e.getValue().getBytes(StandardCharsets.UTF_8));
                }
                section(s, 1, sub);
            }
            if (!localNames.isEmpty()) {
                ByteWriter sub = new ByteWriter();
                sub.u32(localNames.size());
                for (Map.Entry<Integer, Map<Integer, String>> e : localNames.entrySet()) {
                    sub.u32(e.getKey());
                    sub.u32(e.getValue().size());
                    for (Map.Entry<Integer, String> l : e.getValue().entrySet()) {
                        sub.u32(l.getKey());
                        sub.name(l.getValue().getBytes(StandardCharsets.UTF_8));
                    }
                }
                section(s, 2, sub);
            }
            section(m, 0, s);
        }
        return m.toByteArray();
    }

    private static void section(ByteWriter m, int id, ByteWriter content) {
        m.u8(id);
        m.u32(content.size());
        m.bytes(content);
    }

    private static void vecSection(ByteWriter m, int id, List<byte[]> entries) {
        if (entries.isEmpty()) {
            return;
        }
        ByteWriter s = new ByteWriter();
        s.u32(entries.size());
        for (byte[] e : entries) {
            s.bytes(e);
        }
        section(m, id, s);
    }

    @SuppressWarnings("unused")
    private static String hex(byte[] b) {
        return Arrays.toString(b);
    }
}
