package dev.kiln.spec;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * One dynamic test per {@code .wast} file of the Wasm 2.0 testsuite. The directory comes from the
 * system property or environment variable {@code KILN_TESTSUITE}, else {@code ../shared/wasm-testsuite/2.0}
 * beside the repository; when it is missing the tests are skipped with one message. The per-file
 * table goes to {@code spec-tests/target/spec-report.md}.
 */
class SpecTestsuiteTest {
    private static final List<SpecRunner.FileResult> RESULTS = Collections.synchronizedList(new ArrayList<>());

    static Path suiteDir() {
        String configured = System.getProperty("KILN_TESTSUITE", System.getenv("KILN_TESTSUITE"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        // the module directory is <repo>/spec-tests; the suite lives beside the repository
        return Path.of("..", "..", "shared", "wasm-testsuite", "2.0").toAbsolutePath().normalize();
    }

    @TestFactory
    Stream<DynamicTest> wasm20() throws IOException {
        Path dir = suiteDir();
        assumeTrue(Files.isDirectory(dir), "spec testsuite not found at " + dir
                + " (set KILN_TESTSUITE to the directory of the 2.0 .wast files); skipping the spec tests");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".wast")).sorted().toList();
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            SpecRunner.FileResult r = SpecRunner.run(f);
            RESULTS.add(r);
            assertTrue(r.error() == null, r.error());
            String failures = r.commands().stream().filter(c -> c.outcome() == SpecRunner.Outcome.FAILED)
                    .limit(20).map(c -> "line " + c.line() + " " + c.kind() + ": " + c.detail())
                    .collect(Collectors.joining("\n"));
            assertTrue(failures.isEmpty(), r.count(SpecRunner.Outcome.FAILED) + " commands failed:\n" + failures);
        }));
    }

    /** A representative set of scripts run through serialize -> file -> load (the ahead-of-time path). */
    static final List<String> AOT_FILES = List.of("i32.wast", "i64.wast", "f32.wast", "f64.wast", "conversions.wast",
            "memory.wast", "memory_grow.wast", "bulk.wast", "call_indirect.wast", "linking.wast", "imports.wast",
            "elem.wast", "table_grow.wast", "global.wast", "start.wast", "br_table.wast", "func.wast", "traps.wast");

    @TestFactory
    Stream<DynamicTest> wasm20AheadOfTime() {
        Path dir = suiteDir();
        assumeTrue(Files.isDirectory(dir), "spec testsuite not found at " + dir + "; skipping the spec tests");
        return AOT_FILES.stream().map(name -> DynamicTest.dynamicTest("aot " + name, () -> {
            Path f = dir.resolve(name);
            assumeTrue(Files.exists(f), "no " + f);
            SpecRunner.FileResult r = SpecRunner.run(f, true);
            assertTrue(r.error() == null, r.error());
            String failures = r.commands().stream().filter(c -> c.outcome() == SpecRunner.Outcome.FAILED)
                    .limit(20).map(c -> "line " + c.line() + " " + c.kind() + ": " + c.detail())
                    .collect(Collectors.joining("\n"));
            assertTrue(failures.isEmpty(), r.count(SpecRunner.Outcome.FAILED) + " commands failed:\n" + failures);
            assertTrue(r.count(SpecRunner.Outcome.PASSED) > 0, "nothing ran in " + name);
        }));
    }

    @AfterAll
    static void writeReport() throws IOException {
        if (RESULTS.isEmpty()) {
            return;
        }
        List<SpecRunner.FileResult> sorted = new ArrayList<>(RESULTS);
        sorted.sort((a, b) -> a.file().compareTo(b.file()));
        SpecReport.write(Path.of("target", "spec-report.md"), suiteDir().toString(), sorted);
    }
}
