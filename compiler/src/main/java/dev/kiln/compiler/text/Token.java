package dev.kiln.compiler.text;

import java.nio.charset.StandardCharsets;

/**
 * One token of the WebAssembly text format (spec §6.3 "Lexical Format").
 *
 * @param kind the token class
 * @param text the source text of the token (for {@link Kind#STRING} the raw source including quotes;
 *     for {@link Kind#ID} the name including the leading {@code $})
 * @param bytes for {@link Kind#STRING}: the decoded byte string (escapes resolved, other characters
 *     UTF-8 encoded); {@code null} otherwise
 * @param line 1-based source line
 * @param column 1-based source column in UTF-16 chars
 */
public record Token(Kind kind, String text, byte[] bytes, int line, int column) {

    /** Token classes of spec §6.3.1 (numbers are classified later, by the context that reads them). */
    public enum Kind {
        /** {@code (} */
        LPAREN,
        /** {@code )} */
        RPAREN,
        /** A keyword: starts with a lowercase letter {@code a-z} (e.g. {@code i32.add}, {@code offset=4}). */
        KEYWORD,
        /** An identifier {@code $name}. */
        ID,
        /** A number-shaped token: integer, float, {@code inf}, {@code nan}, {@code nan:0x...}, with optional sign. */
        NUMBER,
        /** A string literal. */
        STRING,
        /** Anything else (the spec's {@code reserved} tokens); always an error where it is read. */
        RESERVED,
        /** End of input. */
        EOF
    }

    /** The string contents decoded as UTF-8, for names. */
    public String stringValue() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** {@code true} if this is the keyword {@code kw}. */
    public boolean isKeyword(String kw) {
        return kind == Kind.KEYWORD && text.equals(kw);
    }

    @Override
    public String toString() {
        return kind + "(" + text + ")@" + line + ":" + column;
    }
}
