package dev.kiln.compiler.text;

import dev.kiln.compiler.wasm.MalformedModuleException;

/**
 * A WebAssembly text module (WAT, spec chapter 6 "Text Format") or a WAST script does not parse or
 * cannot be converted to a binary module.
 *
 * <p>{@link #reason()} starts with the wording of the spec reference interpreter where the testsuite
 * checks it ({@code unknown operator}, {@code unexpected token}, {@code constant out of range},
 * {@code unknown label}, {@code alignment}, {@code duplicate func}, {@code malformed UTF-8 encoding},
 * ...), so that {@code assert_malformed} can be matched by prefix. {@link #getMessage()} adds the
 * 1-based {@code line:column} of the offending token. {@link #offset()} is always -1 (there is no byte
 * offset in text). Instances are immutable.
 */
public final class TextFormatException extends MalformedModuleException {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;

    /**
     * @param reason the spec wording, e.g. {@code "unexpected token"}
     * @param line 1-based line of the offending token, or 0 if unknown
     * @param column 1-based column (in UTF-16 chars) of the offending token, or 0 if unknown
     */
    public TextFormatException(String reason, int line, int column) {
        super(reason, -1);
        this.line = line;
        this.column = column;
    }

    /** 1-based line of the offending token, or 0 if unknown. */
    public int line() {
        return line;
    }

    /** 1-based column (UTF-16 chars) of the offending token, or 0 if unknown. */
    public int column() {
        return column;
    }

    /** The reason followed by {@code " at line:column"}. */
    @Override
    public String getMessage() {
        return line > 0 ? reason() + " at " + line + ":" + column : reason();
    }
}
