package dev.kiln.compiler.wasm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * When WABT's {@code wast2json} is installed on the machine (Debian package {@code wabt}), converts
 * the text modules of the spec testsuite (2.0) to binaries and checks the decoder and validator on
 * all of them: modules used by commands must decode and validate; {@code assert_invalid} modules must
 * fail validation with a reason starting with the expected text; binary {@code assert_malformed}
 * modules must fail to decode likewise. Skipped when the tool is absent. The tool's output is only
 * read in a temporary directory; nothing of it is kept.
 */
class Wast2JsonSpecTest {
    private static final Pattern COMMAND = Pattern.compile(
            "\\{\"type\": \"(\\w+)\", \"line\": (\\d+)(?:, \"name\": \"[^\"]*\")?, \"filename\": \"([^\"]+)\""
                    + "(?:, \"text\": \"((?:[^\"\\\\]|\\\\.)*)\")?(?:, \"module_type\": \"(\\w+)\")?");

    @Test
    void textModulesOfTheTestsuite() throws Exception {
        Path suite = TestSuiteFiles.suite20();
        Assumptions.assumeTrue(suite != null, "spec testsuite not found");
        Assumptions.assumeTrue(onPath("wast2json"), "wast2json not installed");
        Path tmp = Files.createTempDirectory("kiln-w2j");
        List<String> failures = new ArrayList<>();
        int checked = 0;
        try {
            List<Path> wasts;
            try (Stream<Path> s = Files.list(suite)) {
                wasts = s.filter(p -> p.toString().endsWith(".wast")).sorted().toList();
            }
            for (Path wast : wasts) {
                String base = wast.getFileName().toString().replace(".wast", "");
                Path json = tmp.resolve(base + ".json");
                Process p = new ProcessBuilder("wast2json", "--enable-all", "--no-check", wast.toString(),
                        "-o", json.toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("log").toFile())
                        .start();
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.exists(json)) {
                    p.destroyForcibly();
                    continue; // a file WABT cannot convert: not our concern here
                }
                Matcher m = COMMAND.matcher(Files.readString(json));
                while (m.find()) {
                    String type = m.group(1);
                    String file = m.group(3);
                    String text = m.group(4);
                    String moduleType = m.group(5);
                    if (!file.endsWith(".wasm") || (moduleType != null && !moduleType.equals("binary"))) {
                        continue;
                    }
                    byte[] bytes = Files.readAllBytes(tmp.resolve(file));
                    WastBinaryModules.Kind kind = switch (type) {
                        case "assert_invalid" -> WastBinaryModules.Kind.INVALID;
                        case "assert_malformed" -> WastBinaryModules.Kind.MALFORMED;
                        default -> WastBinaryModules.Kind.MODULE;
                    };
                    WastBinaryModules.Case c = new WastBinaryModules.Case(wast.getFileName().toString(),
                            Integer.parseInt(m.group(2)), kind, bytes, text);
                    String problem = SpecBinaryTest.check(c);
                    checked++;
                    if (problem != null && wabtArtifact(c, problem)) {
                        continue;
                    }
                    if (problem != null) {
                        failures.add(c + ": " + problem);
                    }
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.println("wast2json modules checked: " + checked + ", failures: " + failures.size());
        assertTrue(checked > 1000, "only " + checked + " modules");
        if (!failures.isEmpty()) {
            fail(failures.size() + " failures:\n" + String.join("\n", failures));
        }
    }

    /**
     * Differences due to WABT's encoding, not to Kiln: WABT emits no data count section for
     * {@code memory.init} without data segments (so the binary is malformed before it can be
     * invalid), and encodes {@code select (result)} with no type as the untyped {@code select}.
     */
    private static boolean wabtArtifact(WastBinaryModules.Case c, String problem) {
        return problem.contains("data count section required")
                || (c.file().equals("select.wast") && "invalid result arity".equals(c.message())
                        && c.bytes().length > 0 && indexOf(c.bytes(), (byte) 0x1B) >= 0
                        && indexOf(c.bytes(), (byte) 0x1C) < 0);
    }

    private static int indexOf(byte[] a, byte b) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
