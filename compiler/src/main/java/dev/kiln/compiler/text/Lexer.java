package dev.kiln.compiler.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Splits WebAssembly text (spec §6.3 "Lexical Format") into {@link Token}s.
 *
 * <p>Whitespace, line comments {@code ;; ...} and nested block comments {@code (; ... ;)} are skipped.
 * A maximal run of characters other than whitespace, parentheses, {@code ;} and string quotes becomes
 * one token: an identifier {@code $x}, a keyword (starting with {@code a-z}), a number (integers with
 * {@code _} separators and {@code 0x} hex, decimal and hex floats, {@code inf}, {@code nan},
 * {@code nan:0x...}), or a {@code reserved} token. A string glued to other characters without space
 * (e.g. {@code $l"a"}) is one reserved token, as the spec requires. Numbers are only checked for
 * their shape here; {@link Literals} converts them in context.
 *
 * <p>Stateless; {@link #tokenize(String)} is thread-safe.
 */
public final class Lexer {
    private static final String NUM = "[0-9](?:_?[0-9])*";
    private static final String HEXNUM = "[0-9a-fA-F](?:_?[0-9a-fA-F])*";
    private static final Pattern NUMBER = Pattern.compile("[+-]?(?:"
            + NUM + "(?:\\.(?:" + NUM + ")?)?(?:[eE][+-]?" + NUM + ")?"
            + "|0x" + HEXNUM + "(?:\\.(?:" + HEXNUM + ")?)?(?:[pP][+-]?" + NUM + ")?"
            + "|inf|nan|nan:0x" + HEXNUM + ")");

    private final String src;
    private int pos;
    private int line = 1;
    private int lineStart;

    private Lexer(String src) {
        this.src = src;
    }

    /**
     * Tokenizes {@code text}; the list always ends with one {@link Token.Kind#EOF} token.
     *
     * @throws TextFormatException on an unterminated string or block comment ({@code unclosed string},
     *     {@code unclosed comment}), an illegal escape ({@code illegal escape}) or an illegal character
     *     in a string ({@code illegal character}), with line:column
     */
    public static List<Token> tokenize(String text) {
        return new Lexer(text).run();
    }

    private List<Token> run() {
        List<Token> out = new ArrayList<>();
        while (true) {
            skipSpace();
            int l = line, c = pos - lineStart + 1;
            if (pos >= src.length()) {
                out.add(new Token(Token.Kind.EOF, "", null, l, c));
                return out;
            }
            char ch = src.charAt(pos);
            if (ch == '(') {
                pos++;
                out.add(new Token(Token.Kind.LPAREN, "(", null, l, c));
            } else if (ch == ')') {
                pos++;
                out.add(new Token(Token.Kind.RPAREN, ")", null, l, c));
            } else if (ch == ';') {
                // a lone ';' (";;" was consumed by skipSpace)
                pos++;
                out.add(new Token(Token.Kind.RESERVED, ";", null, l, c));
            } else {
                out.add(runToken(l, c));
            }
        }
    }

    private TextFormatException error(String reason) {
        return new TextFormatException(reason, line, pos - lineStart + 1);
    }

    private void skipSpace() {
        skipSpace(true);
    }

    /** Skips white space and comments, and annotations when {@code annotations} is set. */
    private void skipSpace(boolean annotations) {
        while (pos < src.length()) {
            char ch = src.charAt(pos);
            if (ch == ' ' || ch == '\t' || ch == '\r') {
                pos++;
            } else if (ch == '\n') {
                pos++;
                line++;
                lineStart = pos;
            } else if (ch == ';' && pos + 1 < src.length() && src.charAt(pos + 1) == ';') {
                while (pos < src.length() && src.charAt(pos) != '\n' && src.charAt(pos) != '\r') {
                    pos++;
                }
            } else if (ch == '(' && pos + 1 < src.length() && src.charAt(pos + 1) == ';') {
                blockComment();
            } else if (annotations && ch == '(' && pos + 1 < src.length() && src.charAt(pos + 1) == '@') {
                annotation();
            } else {
                return;
            }
        }
    }

    private void blockComment() {
        int l = line, c = pos - lineStart + 1;
        int depth = 0;
        while (true) {
            if (pos >= src.length()) {
                throw new TextFormatException("unclosed comment", l, c);
            }
            char ch = src.charAt(pos);
            if (ch == '(' && pos + 1 < src.length() && src.charAt(pos + 1) == ';') {
                depth++;
                pos += 2;
            } else if (ch == ';' && pos + 1 < src.length() && src.charAt(pos + 1) == ')') {
                depth--;
                pos += 2;
                if (depth == 0) {
                    return;
                }
            } else {
                pos++;
                if (ch == '\n') {
                    line++;
                    lineStart = pos;
                }
            }
        }
    }

    /**
     * Skips a custom annotation {@code (@id ...)} (Wasm 3.0, spec §6.3.3 "Annotations"), which the
     * text format treats like white space: the id is a run of identifier characters or a string,
     * the body any balanced sequence of tokens, parentheses (nested annotations included), strings and
     * comments.
     */
    private void annotation() {
        int l = line, c = pos - lineStart + 1;
        pos += 2; // "(@"
        if (pos < src.length() && src.charAt(pos) == '"') {
            byte[] id;
            try {
                id = string();
            } catch (TextFormatException e) {
                throw new TextFormatException("empty annotation id", l, c);
            }
            if (id.length == 0) {
                throw new TextFormatException("empty annotation id", l, c);
            }
            requireUtf8(id, l, c);
        } else {
            int start = pos;
            while (pos < src.length() && isIdChar(src.charAt(pos))) {
                pos++;
            }
            if (pos == start) {
                throw new TextFormatException("empty annotation id", l, c);
            }
        }
        int depth = 1;
        while (true) {
            skipSpace(false); // annotations nested in the body are only balanced, not checked
            if (pos >= src.length()) {
                throw new TextFormatException("unclosed annotation", l, c);
            }
            char ch = src.charAt(pos);
            if (ch == '(') {
                depth++;
                pos++;
            } else if (ch == ')') {
                pos++;
                if (--depth == 0) {
                    return;
                }
            } else if (ch == '"') {
                string();
            } else if (isIdChar(ch) || ",;[]{}".indexOf(ch) >= 0) {
                pos++;
            } else {
                throw error("illegal character");
            }
        }
    }

    private static void requireUtf8(byte[] b, int l, int c) {
        try {
            java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b));
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new TextFormatException("malformed UTF-8 encoding", l, c);
        }
    }

    private static boolean isDelimiter(char ch) {
        return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '(' || ch == ')' || ch == ';';
    }

    static boolean isIdChar(char ch) {
        return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                || "!#$%&'*+-./:<=>?@\\^_`|~".indexOf(ch) >= 0;
    }

    private Token runToken(int l, int c) {
        int start = pos;
        if (src.charAt(pos) == '$' && pos + 1 < src.length() && src.charAt(pos + 1) == '"') {
            Token id = quotedId(l, c);
            if (id != null) {
                return id;
            }
            pos = start;
        }
        int strings = 0;
        boolean onlyIdChars = true;
        byte[] firstString = null;
        int firstStringEnd = -1;
        while (pos < src.length() && !isDelimiter(src.charAt(pos))) {
            char ch = src.charAt(pos);
            if (ch == '"') {
                strings++;
                byte[] s = string();
                if (strings == 1) {
                    firstString = s;
                    firstStringEnd = pos;
                }
            } else {
                if (!isIdChar(ch)) {
                    onlyIdChars = false;
                }
                pos++;
            }
        }
        String text = src.substring(start, pos);
        if (strings == 1 && text.charAt(0) == '"' && firstStringEnd == pos) {
            return new Token(Token.Kind.STRING, text, firstString, l, c);
        }
        if (strings > 0 || !onlyIdChars) {
            return new Token(Token.Kind.RESERVED, text, null, l, c);
        }
        if (NUMBER.matcher(text).matches()) {
            return new Token(Token.Kind.NUMBER, text, null, l, c);
        }
        char first = text.charAt(0);
        if (text.equals("$")) {
            throw new TextFormatException("empty identifier", l, c);
        }
        if (first == '$' && text.length() > 1) {
            return new Token(Token.Kind.ID, text, null, l, c);
        }
        if (first >= 'a' && first <= 'z') {
            return new Token(Token.Kind.KEYWORD, text, null, l, c);
        }
        return new Token(Token.Kind.RESERVED, text, null, l, c);
    }

    /**
     * A quoted identifier {@code $"..."} (Wasm 3.0): the same identifier as {@code $} followed by the
     * string's characters. Returns null when more characters follow the string (a reserved token).
     */
    private Token quotedId(int l, int c) {
        pos++; // '$'
        byte[] name;
        try {
            name = string();
        } catch (TextFormatException e) {
            throw new TextFormatException("empty identifier", l, c);
        }
        if (pos < src.length() && !isDelimiter(src.charAt(pos))) {
            return null;
        }
        if (name.length == 0) {
            throw new TextFormatException("empty identifier", l, c);
        }
        requireUtf8(name, l, c);
        return new Token(Token.Kind.ID, "$" + new String(name, StandardCharsets.UTF_8), null, l, c);
    }

    /** Reads a string literal starting at the opening quote; returns its bytes. */
    private byte[] string() {
        int l = line, c = pos - lineStart + 1;
        pos++; // opening quote
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            if (pos >= src.length() || src.charAt(pos) == '\n') {
                throw new TextFormatException("unclosed string", l, c);
            }
            char ch = src.charAt(pos);
            if (ch == '"') {
                pos++;
                return out.toByteArray();
            }
            if (ch == '\\') {
                pos++;
                if (pos >= src.length()) {
                    throw new TextFormatException("unclosed string", l, c);
                }
                char e = src.charAt(pos);
                switch (e) {
                    case 't' -> { out.write('\t'); pos++; }
                    case 'n' -> { out.write('\n'); pos++; }
                    case 'r' -> { out.write('\r'); pos++; }
                    case '"' -> { out.write('"'); pos++; }
                    case '\'' -> { out.write('\''); pos++; }
                    case '\\' -> { out.write('\\'); pos++; }
                    case 'u' -> unicodeEscape(out);
                    default -> {
                        if (pos + 1 < src.length() && hex(e) >= 0 && hex(src.charAt(pos + 1)) >= 0) {
                            out.write(hex(e) * 16 + hex(src.charAt(pos + 1)));
                            pos += 2;
                        } else {
                            throw error("illegal escape");
                        }
                    }
                }
                continue;
            }
            if (ch < 0x20 || ch == 0x7f) {
                throw error("illegal character");
            }
            int cp = src.codePointAt(pos);
            pos += Character.charCount(cp);
            byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            out.write(utf8, 0, utf8.length);
        }
    }

    private void unicodeEscape(ByteArrayOutputStream out) {
        // at 'u'
        pos++;
        if (pos >= src.length() || src.charAt(pos) != '{') {
            throw error("illegal escape");
        }
        pos++;
        int start = pos;
        long cp = 0;
        boolean lastUnderscore = true;
        while (pos < src.length() && src.charAt(pos) != '}') {
            char ch = src.charAt(pos);
            if (ch == '_' && !lastUnderscore) {
                lastUnderscore = true;
            } else if (hex(ch) >= 0) {
                cp = cp * 16 + hex(ch);
                lastUnderscore = false;
                if (cp > 0x10FFFF) {
                    throw error("illegal escape");
                }
            } else {
                throw error("illegal escape");
            }
            pos++;
        }
        if (pos >= src.length() || pos == start || lastUnderscore) {
            throw error("illegal escape");
        }
        pos++; // '}'
        if (cp >= 0xD800 && cp < 0xE000) {
            throw error("illegal escape");
        }
        byte[] utf8 = new String(Character.toChars((int) cp)).getBytes(StandardCharsets.UTF_8);
        out.write(utf8, 0, utf8.length);
    }

    private static int hex(char ch) {
        if (ch >= '0' && ch <= '9') return ch - '0';
        if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
        if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
        return -1;
    }
}
