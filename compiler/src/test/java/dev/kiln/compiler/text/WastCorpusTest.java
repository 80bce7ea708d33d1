package dev.kiln.compiler.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Parses every {@code .wast} file of the Wasm 2.0 spec testsuite and converts every module that is
 * not inside {@code assert_malformed} to binary; where WABT's {@code wast2json} is installed, the
 * bytes are compared with WABT's (no name section on our side).
 */
class WastCorpusTest {

    private static List<Path> wastFiles() throws IOException {
        Path dir = TestSuiteDir.find();
        Assumptions.assumeTrue(dir != null,
                "Wasm spec testsuite not found (set KILN_TESTSUITE); skipping the WAST corpus tests");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".wast")).sorted().toList();
        }
    }

    private static List<WastModule> modulesOf(Command c) {
        return switch (c) {
            case Command.Module m -> List.of(m.module());
            case Command.AssertTrap t when t.module() != null -> List.of(t.module());
            case Command.AssertInvalid a -> List.of(a.module());
            case Command.AssertUnlinkable a -> List.of(a.module());
            case Command.AssertUninstantiable a -> List.of(a.module());
            default -> List.of();
        };
    }

    @Test
    void everyScriptParsesAndEveryWellFormedModuleConverts() throws IOException {
        List<Path> files = wastFiles();
        int commands = 0, converted = 0, malformedText = 0, malformedRejected = 0;
        List<String> failures = new ArrayList<>();
        for (Path f : files) {
            Script s = Wast.parse(Files.readString(f, StandardCharsets.UTF_8), f.getFileName().toString());
            commands += s.commands().size();
            for (Command c : s.commands()) {
                for (WastModule m : modulesOf(c)) {
                    try {
                        byte[] b = m.binary(true, dev.kiln.compiler.wasm.WasmVersion.WASM_2_0);
                        if (m.kind() != WastModule.Kind.BINARY) {
                            assertEquals(0x6d736100, (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16
                                    | (b[3] & 0xFF) << 24);
                        }
                        converted++;
                    } catch (TextFormatException e) {
                        failures.add(f.getFileName() + ":" + c.line() + ": " + e.getMessage());
                    }
                }
                if (c instanceof Command.AssertMalformed am && am.module().kind() != WastModule.Kind.BINARY) {
                    malformedText++;
                    try {
                        am.module().binary(true, dev.kiln.compiler.wasm.WasmVersion.WASM_2_0);
                        failures.add(f.getFileName() + ":" + c.line() + ": accepted malformed module, expected \""
                                + am.message() + "\"");
                    } catch (TextFormatException e) {
                        malformedRejected++;
                        if (!e.reason().startsWith(am.message())) {
                            failures.add(f.getFileName() + ":" + c.line() + ": expected \"" + am.message()
                                    + "\", got \"" + e.reason() + "\"");
                        }
                    }
                }
            }
        }
        System.out.printf("WAST corpus: %d files, %d commands, %d modules converted, %d/%d malformed text modules"
                + " rejected%n", files.size(), commands, converted, malformedRejected, malformedText);
        if (!failures.isEmpty()) {
            fail(failures.size() + " failures:\n" + String.join("\n", failures.subList(0, Math.min(80, failures.size()))));
        }
        assertTrue(converted > 1000, "too few modules converted: " + converted);
    }

    private static final Pattern JSON_MODULE = Pattern.compile(
            "\\{\"type\": \"(\\w+)\", \"line\": (\\d+), (?:\"name\": \"[^\"]*\", )?\"filename\": \"([^\"]+\\.wasm)\"");

    @Test
    void bytesMatchWabtWast2json() throws Exception {
        List<Path> files = wastFiles();
        if ("true".equals(System.getenv("CI"))) {
            org.junit.jupiter.api.Assertions.assertTrue(onPath("wast2json"),
                    "wast2json (Debian package wabt) is needed under CI=true; .ci/run installs it");
        }
        Assumptions.assumeTrue(onPath("wast2json"), "wast2json (Debian package wabt) not installed; skipping");
        Path tmp = Files.createTempDirectory("kiln-wast2json");
        int compared = 0, skippedFiles = 0;
        List<String> failures = new ArrayList<>();
        for (Path f : files) {
            String base = f.getFileName().toString().replace(".wast", "");
            Path out = tmp.resolve(base);
            Files.createDirectories(out);
            Process pr = new ProcessBuilder("wast2json", "--no-check", f.toAbsolutePath().toString(),
                    "-o", out.resolve(base + ".json").toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!pr.waitFor(60, TimeUnit.SECONDS) || pr.exitValue() != 0) {
                pr.destroy();
                skippedFiles++; // WABT 1.0.32 rejects a few valid 2.0 scripts
                continue;
            }
            String json = Files.readString(out.resolve(base + ".json"));
            Map<Integer, String> wasmByLine = new HashMap<>();
            Matcher mt = JSON_MODULE.matcher(json);
            while (mt.find()) {
                wasmByLine.put(Integer.parseInt(mt.group(2)), mt.group(3));
            }
            Script s = Wast.parse(Files.readString(f, StandardCharsets.UTF_8), base);
            for (Command c : s.commands()) {
                for (WastModule m : modulesOf(c)) {
                    String file = wasmByLine.get(c.line());
                    if (file == null || m.kind() == WastModule.Kind.BINARY) {
                        continue;
                    }
                    byte[] expected = Files.readAllBytes(out.resolve(file));
                    byte[] actual = m.binary(false, dev.kiln.compiler.wasm.WasmVersion.WASM_2_0);
                    compared++;
                    if (!java.util.Arrays.equals(expected, actual)) {
                        failures.add(base + ".wast:" + c.line() + " differs from " + file + " (sizes "
                                + expected.length + " vs " + actual.length + ", first difference at byte "
                                + java.util.Arrays.mismatch(expected, actual) + ")");
                    }
                }
            }
        }
        System.out.printf("wast2json comparison: %d modules byte-identical of %d compared, %d files skipped%n",
                compared - failures.size(), compared, skippedFiles);
        if (!failures.isEmpty()) {
            fail(failures.size() + " differences:\n" + String.join("\n", failures.subList(0, Math.min(60, failures.size()))));
        }
        assertTrue(compared > 1000, "too few modules compared: " + compared);
    }

    private static boolean onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unused")
    private static void unused() {
        assertArrayEquals(new byte[0], new byte[0]);
    }
}
