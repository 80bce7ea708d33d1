package dev.kiln.compiler.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LexerTest {

    private static List<Token.Kind> kinds(String s) {
        return Lexer.tokenize(s).stream().map(Token::kind).toList();
    }

    @Test
    void classifiesTokensAndTracksPositions() {
        List<Token> t = Lexer.tokenize("(module $m\n  (func i32.add 0x1_0 -1.5e3 nan:0x7 inf offset=4))");
        assertEquals(List.of(Token.Kind.LPAREN, Token.Kind.KEYWORD, Token.Kind.ID, Token.Kind.LPAREN,
                Token.Kind.KEYWORD, Token.Kind.KEYWORD, Token.Kind.NUMBER, Token.Kind.NUMBER, Token.Kind.NUMBER,
                Token.Kind.NUMBER, Token.Kind.KEYWORD, Token.Kind.RPAREN, Token.Kind.RPAREN, Token.Kind.EOF),
                t.stream().map(Token::kind).toList());
        assertEquals("$m", t.get(2).text());
        assertEquals(1, t.get(2).line());
        assertEquals(9, t.get(2).column());
        assertEquals(2, t.get(4).line());
        assertEquals(4, t.get(4).column());
        assertEquals("offset=4", t.get(10).text());
    }

    @Test
    void skipsLineAndNestedBlockComments() {
        assertEquals(List.of(Token.Kind.LPAREN, Token.Kind.KEYWORD, Token.Kind.RPAREN, Token.Kind.EOF),
                kinds("(;a (; nested ;) b;) (func;;comment\n)"));
        TextFormatException e = assertThrows(TextFormatException.class, () -> Lexer.tokenize("\n  (; (; ;)"));
        assertEquals("unclosed comment", e.reason());
        assertEquals(2, e.line());
        assertEquals(3, e.column());
    }

    @Test
    void decodesStringEscapes() {
        Token s = Lexer.tokenize("\"a\\t\\n\\r\\\"\\'\\\\\\00\\ff\\u{41}\\u{1F600}\u00e9\"").get(0);
        assertEquals(Token.Kind.STRING, s.kind());
        byte[] expected = {'a', '\t', '\n', '\r', '"', '\'', '\\', 0, (byte) 0xFF, 'A',
            (byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80, (byte) 0xC3, (byte) 0xA9};
        assertArrayEquals(expected, s.bytes());
        assertEquals("illegal escape", assertThrows(TextFormatException.class,
                () -> Lexer.tokenize("\"\\q\"")).reason());
        assertEquals("illegal escape", assertThrows(TextFormatException.class,
                () -> Lexer.tokenize("\"\\u{D800}\"")).reason());
        assertEquals("unclosed string", assertThrows(TextFormatException.class,
                () -> Lexer.tokenize("\"abc")).reason());
        assertEquals("x", new String(Lexer.tokenize("\"x\"").get(0).bytes(), StandardCharsets.UTF_8));
    }

    @Test
    void gluedTokensAreReserved() {
        assertEquals(Token.Kind.RESERVED, Lexer.tokenize("0$l").get(0).kind());
        assertEquals(Token.Kind.RESERVED, Lexer.tokenize("$l\"a\"").get(0).kind());
        assertEquals(Token.Kind.RESERVED, Lexer.tokenize("\"a\"\"b\"").get(0).kind());
        assertEquals(Token.Kind.RESERVED, Lexer.tokenize("1__0").get(0).kind());
        assertEquals(Token.Kind.KEYWORD, Lexer.tokenize("i32.const0").get(0).kind());
        assertEquals(Token.Kind.ID, Lexer.tokenize("$l$l").get(0).kind());
        assertEquals(Token.Kind.NUMBER, Lexer.tokenize("-0x1.fp-3").get(0).kind());
        // parentheses delimit tokens without space
        assertEquals(List.of(Token.Kind.LPAREN, Token.Kind.KEYWORD, Token.Kind.LPAREN, Token.Kind.KEYWORD,
                Token.Kind.RPAREN, Token.Kind.RPAREN, Token.Kind.EOF), kinds("(func(nop))"));
    }
}
