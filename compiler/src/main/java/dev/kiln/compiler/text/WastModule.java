package dev.kiln.compiler.text;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A module written in a WAST script: {@code (module $id? field*)}, {@code (module $id? binary "..."*)}
 * or {@code (module $id? quote "..."*)}.
 *
 * <p>Text modules are kept as tokens and converted on demand by {@link #binary()}, so that a module
 * of an {@code assert_malformed} (or an invalid one) never makes the whole script fail to parse.
 * Binary modules keep their bytes unchanged (they may be malformed); quoted modules keep their source
 * text. Immutable and thread-safe (each {@link #binary()} call converts afresh).
 */
public final class WastModule {
    /** How the module is written. */
    public enum Kind {
        /** {@code (module field*)}: text. */
        TEXT,
        /** {@code (module binary "..."*)}: the concatenated string bytes are the binary module. */
        BINARY,
        /** {@code (module quote "..."*)}: the concatenated strings (joined by spaces) are module text. */
        QUOTE
    }

    private final String id;
    private final Kind kind;
    private final int line;
    private final List<Token> tokens;
    private final int start;
    private final byte[] bytes;
    private final byte[] quoteBytes;

    WastModule(String id, Kind kind, int line, List<Token> tokens, int start, byte[] bytes, byte[] quoteBytes) {
        this.id = id;
        this.kind = kind;
        this.line = line;
        this.tokens = tokens;
        this.start = start;
        this.bytes = bytes;
        this.quoteBytes = quoteBytes;
    }

    /** The module's {@code $id} (with the {@code $}), or {@code null}. */
    public String id() {
        return id;
    }

    /** How the module is written. */
    public Kind kind() {
        return kind;
    }

    /** 1-based script line of the {@code (module}. */
    public int line() {
        return line;
    }

    /**
     * For {@link Kind#QUOTE}: the module source text (invalid UTF-8 replaced by U+FFFD); otherwise
     * {@code null}.
     */
    public String quoteText() {
        return quoteBytes == null ? null : new String(quoteBytes, StandardCharsets.UTF_8);
    }

    /** The binary module with a name section; see {@link #binary(boolean)}. */
    public byte[] binary() {
        return binary(true);
    }

    /**
     * The binary module: for {@link Kind#BINARY} a copy of the bytes as written (not checked); for
     * {@link Kind#TEXT} and {@link Kind#QUOTE} the result of converting the text as
     * {@link Wat#parseModule(String, boolean)} does.
     *
     * @param nameSection whether converted text gets a {@code name} custom section
     * @throws TextFormatException if the text is malformed (positions of {@link Kind#QUOTE} modules are
     *     relative to the quoted text; quoted bytes that are not UTF-8 give
     *     {@code malformed UTF-8 encoding})
     */
    public byte[] binary(boolean nameSection) {
        return binary(nameSection, dev.kiln.compiler.wasm.WasmVersion.WASM_3_0);
    }

    /**
     * The binary module, text converted as one edition of the spec reads it: Wasm 2.0 text has u32
     * limits and memarg offsets ({@code i32 constant out of range} beyond), 3.0 text u64 ones.
     *
     * @see #binary(boolean)
     */
    public byte[] binary(boolean nameSection, dev.kiln.compiler.wasm.WasmVersion version) {
        return switch (kind) {
            case BINARY -> bytes.clone();
            case QUOTE -> WatParser.parseText(WatParser.decodeUtf8Source(quoteBytes), nameSection, version);
            case TEXT -> {
                WatParser w = new WatParser(tokens, start, nameSection).version(version);
                if (w.atLParenKw("module")) {
                    yield w.parseModuleForm().bytes();
                }
                // a script that is just module fields (an inline module)
                byte[] b = w.parseFields();
                if (w.peek().kind() != Token.Kind.EOF) {
                    throw WatParser.unexpected(w.peek());
                }
                yield b;
            }
        };
    }

    @Override
    public String toString() {
        return "module" + (id != null ? " " + id : "") + " (" + kind + ", line " + line + ")";
    }
}
