package dev.kiln.compiler.wasm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Test-only extraction of the {@code (module binary "...")} forms of the spec testsuite's .wast
 * files, with the assertion (if any) that wraps them. A tiny S-expression scanner, not a WAST parser.
 */
final class WastBinaryModules {
    private WastBinaryModules() {
    }

    enum Kind { MODULE, MALFORMED, INVALID, OTHER }

    record Case(String file, int line, Kind kind, byte[] bytes, String message) {
        @Override
        public String toString() {
            return file + ":" + line + " " + kind + (message != null ? " \"" + message + "\"" : "");
        }
    }

    static List<Case> load(Path suite) throws IOException {
        List<Case> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(suite)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".wast")).sorted().toList()) {
                scan(f.getFileName().toString(), Files.readString(f), out);
            }
        }
        return out;
    }

    private static void scan(String file, String s, List<Case> out) {
        // Walk top-level forms.
        int i = 0;
        int n = s.length();
        while (i < n) {
            i = skipSpace(s, i);
            if (i >= n) {
                break;
            }
            if (s.charAt(i) != '(') {
                i++;
                continue;
            }
            int formEnd = matching(s, i);
            String head = word(s, i + 1);
            if (head.equals("module")) {
                Case c = binaryModule(file, s, i, formEnd, Kind.MODULE, null);
                if (c != null) {
                    out.add(c);
                }
            } else if (head.equals("assert_malformed") || head.equals("assert_invalid")) {
                int inner = skipSpace(s, i + 1 + head.length());
                if (inner < formEnd && s.charAt(inner) == '(' && word(s, inner + 1).equals("module")) {
                    int innerEnd = matching(s, inner);
                    int msgStart = skipSpace(s, innerEnd + 1);
                    String msg = new String((byte[]) string(s, msgStart)[0], StandardCharsets.UTF_8);
                    Kind k = head.equals("assert_malformed") ? Kind.MALFORMED : Kind.INVALID;
                    Case c = binaryModule(file, s, inner, innerEnd, k, msg);
                    if (c != null) {
                        out.add(c);
                    }
                }
            }
            i = formEnd + 1;
        }
    }

    private static Case binaryModule(String file, String s, int start, int end, Kind kind, String msg) {
        int i = skipSpace(s, start + 1 + "module".length());
        if (s.charAt(i) == '$') {
            while (!Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            i = skipSpace(s, i);
        }
        if (!s.startsWith("binary", i)) {
            return null;
        }
        i += "binary".length();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (true) {
            i = skipSpace(s, i);
            if (i >= end || s.charAt(i) != '"') {
                break;
            }
            Object[] r = string(s, i);
            bytes.writeBytes((byte[]) r[0]);
            i = (Integer) r[1];
        }
        int line = 1;
        for (int k = 0; k < start; k++) {
            if (s.charAt(k) == '\n') {
                line++;
            }
        }
        return new Case(file, line, kind, bytes.toByteArray(), msg);
    }

    /** Decodes the WAST string literal at {@code i}; returns {bytes, index after closing quote}. */
    private static Object[] string(String s, int i) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        i++;
        while (s.charAt(i) != '"') {
            char c = s.charAt(i);
            if (c == '\\') {
                char e = s.charAt(i + 1);
                switch (e) {
                    case 'n' -> { out.write('\n'); i += 2; }
                    case 't' -> { out.write('\t'); i += 2; }
                    case 'r' -> { out.write('\r'); i += 2; }
                    case '\\', '"', '\'' -> { out.write(e); i += 2; }
                    case 'u' -> {
                        int close = s.indexOf('}', i);
                        int cp = Integer.parseInt(s.substring(i + 3, close), 16);
                        out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                        i = close + 1;
                    }
                    default -> {
                        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                        i += 3;
                    }
                }
            } else {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                i++;
            }
        }
        return new Object[] {out.toByteArray(), i + 1};
    }

    private static String word(String s, int i) {
        i = skipSpace(s, i);
        int j = i;
        while (j < s.length() && !Character.isWhitespace(s.charAt(j)) && s.charAt(j) != '(' && s.charAt(j) != ')') {
            j++;
        }
        return s.substring(i, j);
    }

    private static int skipSpace(String s, int i) {
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (s.startsWith(";;", i)) {
                int nl = s.indexOf('\n', i);
                i = nl < 0 ? n : nl + 1;
            } else if (s.startsWith("(;", i)) {
                i = blockCommentEnd(s, i);
            } else {
                break;
            }
        }
        return i;
    }

    private static int blockCommentEnd(String s, int i) {
        int depth = 0;
        while (i < s.length()) {
            if (s.startsWith("(;", i)) {
                depth++;
                i += 2;
            } else if (s.startsWith(";)", i)) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return i;
    }

    /** Index of the ')' matching the '(' at {@code i}, skipping strings and comments. */
    private static int matching(String s, int i) {
        int depth = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '"') {
                i++;
                while (s.charAt(i) != '"') {
                    i += s.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
            } else if (s.startsWith(";;", i)) {
                int nl = s.indexOf('\n', i);
                i = nl < 0 ? n : nl + 1;
            } else if (s.startsWith("(;", i)) {
                i = blockCommentEnd(s, i);
            } else if (c == '(') {
                depth++;
                i++;
            } else if (c == ')') {
                depth--;
                if (depth == 0) {
                    return i;
                }
                i++;
            } else {
                i++;
            }
        }
        return n - 1;
    }
}
