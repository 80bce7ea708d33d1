package dev.kiln.compiler.text;

import java.util.ArrayList;
import java.util.List;

/**
 * A tolerant scan of a script for its top-level S-expressions, used when the text cannot be
 * tokenized (so that every command can still be counted and reported). Strings, line comments and
 * nested block comments are skipped as the lexer skips them; an unclosed string ends at its line, an
 * unclosed comment at the end of the text. Stateless and thread-safe.
 */
final class TopLevelForms {
    private TopLevelForms() {
    }

    /**
     * One top-level form.
     *
     * @param line 1-based line of its opening parenthesis
     * @param keyword the keyword after the parenthesis ({@code module}, {@code assert_return}, ...), or
     *     {@code "?"}
     */
    record Form(int line, String keyword) { }

    static List<Form> scan(String text) {
        List<Form> forms = new ArrayList<>();
        int depth = 0;
        int line = 1;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
            } else if (c == ';' && i + 1 < n && text.charAt(i + 1) == ';') {
                while (i + 1 < n && text.charAt(i + 1) != '\n') {
                    i++;
                }
            } else if (c == '(' && i + 1 < n && text.charAt(i + 1) == ';') {
                int nest = 1;
                i += 2;
                while (i < n && nest > 0) {
                    char d = text.charAt(i);
                    if (d == '\n') {
                        line++;
                    } else if (d == '(' && i + 1 < n && text.charAt(i + 1) == ';') {
                        nest++;
                        i++;
                    } else if (d == ';' && i + 1 < n && text.charAt(i + 1) == ')') {
                        nest--;
                        i++;
                    }
                    i++;
                }
                i--;
            } else if (c == '"') {
                i++;
                while (i < n && text.charAt(i) != '"' && text.charAt(i) != '\n') {
                    if (text.charAt(i) == '\\') {
                        i++;
                    }
                    i++;
                }
                if (i < n && text.charAt(i) == '\n') {
                    line++;
                }
            } else if (c == '(') {
                if (depth == 0) {
                    int j = i + 1;
                    while (j < n && Character.isWhitespace(text.charAt(j))) {
                        j++;
                    }
                    int k = j;
                    while (k < n && Lexer.isIdChar(text.charAt(k))) {
                        k++;
                    }
                    forms.add(new Form(line, k > j ? text.substring(j, k) : "?"));
                }
                depth++;
            } else if (c == ')') {
                depth = Math.max(0, depth - 1);
            }
        }
        return forms;
    }
}
