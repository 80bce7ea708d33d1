package dev.kiln.fuzz;

import dev.kiln.abi.CompileException;
import dev.kiln.compiler.text.Command;
import dev.kiln.compiler.text.Script;
import dev.kiln.compiler.text.Wast;
import dev.kiln.compiler.text.WastModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Seeds for mutation fuzzing from the WebAssembly spec testsuite (2.0): the modules of every
 * {@code .wast} script (SIMD ones excluded), as binaries and as text. The testsuite is found like the
 * spec tests find it: {@code KILN_TESTSUITE} (system property or environment variable), else
 * {@code ../shared/wasm-testsuite/2.0} beside the repository.
 */
final class SpecCorpus {
    private SpecCorpus() {
    }

    /** The testsuite directory, or null when there is none. */
    static Path find() {
        String configured = System.getProperty("KILN_TESTSUITE", System.getenv("KILN_TESTSUITE"));
        if (configured != null) {
            return Files.isDirectory(Path.of(configured)) ? Path.of(configured) : null;
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared").resolve("wasm-testsuite").resolve("2.0");
            if (Files.exists(p.resolve("mvnw")) && Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static List<Path> scripts(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".wast") && !f.getFileName().toString().startsWith("simd"))
                    .sorted().toList();
        }
    }

    /** The binary of every module in the scripts that converts (valid or not). */
    static List<byte[]> binaries(Path dir) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (Path f : scripts(dir)) {
            Script script;
            try {
                script = Wast.parse(Files.readString(f, StandardCharsets.UTF_8), f.getFileName().toString());
            } catch (CompileException e) {
                continue;
            }
            for (Command c : script.commands()) {
                WastModule m = switch (c) {
                    case Command.Module x -> x.module();
                    case Command.AssertInvalid x -> x.module();
                    case Command.AssertUnlinkable x -> x.module();
                    case Command.AssertUninstantiable x -> x.module();
                    default -> null;
                };
                if (m != null) {
                    try {
                        out.add(m.binary());
                    } catch (CompileException e) {
                        // not convertible: not a seed
                    }
                }
            }
        }
        return out;
    }

    /** The text of every top-level {@code (module ...)} form written in text (not binary or quote). */
    static List<String> texts(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path f : scripts(dir)) {
            String s = Files.readString(f, StandardCharsets.UTF_8);
            int depth = 0;
            int start = -1;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"') { // a string: skip to its end
                    for (i++; i < s.length() && s.charAt(i) != '"'; i++) {
                        if (s.charAt(i) == '\\') {
                            i++;
                        }
                    }
                } else if (c == ';' && i + 1 < s.length() && s.charAt(i + 1) == ';') {
                    i = Math.max(i, s.indexOf('\n', i) < 0 ? s.length() : s.indexOf('\n', i));
                } else if (c == '(' && i + 1 < s.length() && s.charAt(i + 1) == ';') {
                    int end = s.indexOf(";)", i + 2);
                    i = end < 0 ? s.length() : end + 1;
                } else if (c == '(') {
                    if (depth == 0 && s.startsWith("(module", i)) {
                        start = i;
                    } else if (depth == 0) {
                        start = -1;
                    }
                    depth++;
                } else if (c == ')') {
                    depth--;
                    if (depth == 0 && start >= 0) {
                        String text = s.substring(start, i + 1);
                        if (!text.matches("(?s)\\(module(\\s+\\$[^\\s()]+)?\\s+(binary|quote)\\b.*")) {
                            out.add(text);
                        }
                        start = -1;
                    }
                }
            }
        }
        return out;
    }
}
