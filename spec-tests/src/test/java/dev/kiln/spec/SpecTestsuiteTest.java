package dev.kiln.spec;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.compiler.wasm.WasmVersion;
import dev.kiln.abi.BoundsChecks;
import dev.kiln.abi.CompileOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * One dynamic test per {@code .wast} file of the Wasm 2.0 and Wasm 3.0 testsuites (WebAssembly/testsuite,
 * at the commits named in the README). The 2.0 directory comes from the system property or environment
 * variable {@code KILN_TESTSUITE}, else {@code ../shared/wasm-testsuite/2.0} beside the repository; the
 * 3.0 directory from {@code KILN_TESTSUITE_3}, else {@code ../shared/wasm-testsuite/3.0}. A missing
 * directory fails the tests under {@code CI=true} and otherwise prints one line saying what is missing
 * and where to get it. The per-file tables go to {@code spec-tests/target/spec-report.md} and
 * {@code spec-tests/target/spec-report-3.0.md}.
 *
 * <p>Every 2.0 file must pass with no failure, and the fixed-width SIMD ones ({@code simd_*}) also with
 * no skipped command. A 3.0 file must pass with no failure and no skipped
 * command unless it is listed in {@code wasm30-pending.txt} with the feature Kiln lacks for it; a
 * listed file still runs (its counts are in the report) and is reported as aborted, and a listed file
 * that passes completely fails the test, so that the list only ever shrinks.
 */
class SpecTestsuiteTest {
    private static final List<SpecRunner.FileResult> RESULTS = Collections.synchronizedList(new ArrayList<>());
    private static final List<SpecRunner.FileResult> RESULTS_30 = Collections.synchronizedList(new ArrayList<>());

    /** Upstream commits of WebAssembly/testsuite the two folders hold (README, "Running the tests"). */
    static final String COMMIT_20 = "a8101597d3c3c660086c3cd1eedee608ff18d3c3";
    static final String COMMIT_30 = "193e551ff22663995b1ac95dc62344133669e14b";

    static Path suiteDir() {
        return suiteDir("KILN_TESTSUITE", "2.0");
    }

    static Path suiteDir30() {
        return suiteDir("KILN_TESTSUITE_3", "3.0");
    }

    private static Path suiteDir(String variable, String version) {
        String configured = System.getProperty(variable, System.getenv(variable));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        // the module directory is <repo>/spec-tests; the suite lives beside the repository
        return Path.of("..", "..", "shared", "wasm-testsuite", version).toAbsolutePath().normalize();
    }

    /**
     * The {@code .wast} files of {@code dir}; when there are none: fails under {@code CI=true}, else
     * prints one line and aborts the test.
     */
    static List<Path> scripts(Path dir, String version, String variable, String commit) throws IOException {
        List<Path> files = List.of();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(p -> p.toString().endsWith(".wast")).sorted().toList();
            }
        }
        if (files.isEmpty()) {
            String msg = "spec-tests: no Wasm " + version + " testsuite (.wast files) at " + dir
                    + ": 0 spec tests run. Put the top-level .wast files of the WebAssembly/testsuite repository at commit "
                    + commit + " there, or set " + variable + " to their directory.";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(msg);
            }
            System.err.println(msg);
            Assumptions.abort(msg);
        }
        return files;
    }

    @TestFactory
    Stream<DynamicTest> wasm20() throws IOException {
        List<Path> files = scripts(suiteDir(), "2.0", "KILN_TESTSUITE", COMMIT_20);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            SpecRunner.FileResult r = SpecRunner.run(f, false, WasmVersion.WASM_2_0);
            RESULTS.add(r);
            assertNoFailures(r);
            if (r.file().startsWith("simd_")) {
                assertNoSkips(r);
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> wasm30() throws IOException {
        List<Path> files = scripts(suiteDir30(), "3.0", "KILN_TESTSUITE_3", COMMIT_30);
        Map<String, String> pending = pending30();
        return files.stream().map(f -> DynamicTest.dynamicTest("3.0 " + f.getFileName(), () -> {
            SpecRunner.FileResult r = SpecRunner.run(f);
            RESULTS_30.add(r);
            String why = pending.get(r.file());
            long failed = r.count(SpecRunner.Outcome.FAILED);
            long skipped = r.count(SpecRunner.Outcome.SKIPPED);
            if (why == null) {
                assertNoFailures(r);
                assertNoSkips(r);
                return;
            }
            assertTrue(failed + skipped > 0, r.file() + " now passes completely: remove it from wasm30-pending.txt");
            Assumptions.abort("pending (" + why + "): " + r.count(SpecRunner.Outcome.PASSED) + " passed, " + failed
                    + " failed, " + skipped + " skipped");
        }));
    }

    private static void assertNoSkips(SpecRunner.FileResult r) {
        long skipped = r.count(SpecRunner.Outcome.SKIPPED);
        assertTrue(skipped == 0, skipped + " commands skipped in " + r.file() + ", first: "
                + r.commands().stream().filter(c -> c.outcome() == SpecRunner.Outcome.SKIPPED).findFirst()
                        .map(c -> "line " + c.line() + " " + c.kind() + ": " + c.detail()).orElse(""));
    }

    private static void assertNoFailures(SpecRunner.FileResult r) {
        String failures = r.commands().stream().filter(c -> c.outcome() == SpecRunner.Outcome.FAILED)
                .limit(20).map(c -> "line " + c.line() + " " + c.kind() + ": " + c.detail())
                .collect(Collectors.joining("\n"));
        assertTrue(failures.isEmpty(), r.count(SpecRunner.Outcome.FAILED) + " commands failed:\n" + failures);
    }

    /** {@code wasm30-pending.txt}: file name, then what Kiln lacks for it; {@code #} starts a comment. */
    static Map<String, String> pending30() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        try (InputStream in = SpecTestsuiteTest.class.getResourceAsStream("/wasm30-pending.txt")) {
            if (in == null) {
                throw new IOException("wasm30-pending.txt is missing from the test resources");
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                String[] parts = l.split("\\s+", 2);
                m.put(parts[0], parts.length > 1 ? parts[1] : "not supported yet");
            }
        }
        return m;
    }

    /**
     * The fixed-width SIMD scripts ({@code simd_*}) compiled without AVX and AVX2 when this machine has
     * them: the other scripts run with the host's features, so that both the VEX (three-operand) and the
     * SSE4.1 (two-operand) code of the x86-64 backend pass the spec's SIMD tests. On a host without AVX
     * every script already runs on the SSE4.1 path, and this test aborts saying so.
     */
    @TestFactory
    Stream<DynamicTest> wasm20SimdWithoutAvx() throws IOException {
        List<Path> files = scripts(suiteDir(), "2.0", "KILN_TESTSUITE", COMMIT_20).stream()
                .filter(p -> p.getFileName().toString().startsWith("simd_")).toList();
        java.util.Set<dev.kiln.abi.CpuFeature> host = dev.kiln.abi.CpuFeature.host();
        Assumptions.assumeTrue(dev.kiln.abi.Target.host() == dev.kiln.abi.Target.X86_64
                && host.contains(dev.kiln.abi.CpuFeature.AVX), "no AVX on this machine: the SIMD scripts ran on SSE4.1");
        assertTrue(files.size() >= 58, "expected the 58 simd_* scripts of Wasm 2.0, found " + files.size());
        java.util.EnumSet<dev.kiln.abi.CpuFeature> sse = java.util.EnumSet.noneOf(dev.kiln.abi.CpuFeature.class);
        sse.addAll(host);
        sse.remove(dev.kiln.abi.CpuFeature.AVX);
        sse.remove(dev.kiln.abi.CpuFeature.AVX2);
        CompileOptions options = CompileOptions.defaults().withVerifyIr(true).withCpuFeatures(sse);
        return files.stream().map(f -> DynamicTest.dynamicTest("sse4.1 " + f.getFileName(), () -> {
            SpecRunner.FileResult r = SpecRunner.run(f, false, WasmVersion.WASM_2_0, options);
            assertNoFailures(r);
            assertNoSkips(r);
            assertTrue(r.count(SpecRunner.Outcome.PASSED) > 0, "nothing ran in " + f.getFileName());
        }));
    }

    /** A representative set of scripts run through serialize -> file -> load (the ahead-of-time path). */
    static final List<String> AOT_FILES = List.of("i32.wast", "i64.wast", "f32.wast", "f64.wast", "conversions.wast",
            "memory.wast", "memory_grow.wast", "bulk.wast", "call_indirect.wast", "linking.wast", "imports.wast",
            "elem.wast", "table_grow.wast", "global.wast", "start.wast", "br_table.wast", "func.wast", "traps.wast",
            "simd_lane.wast", "simd_f32x4_arith.wast");

    @TestFactory
    Stream<DynamicTest> wasm20AheadOfTime() throws IOException {
        Path dir = suiteDir();
        scripts(dir, "2.0", "KILN_TESTSUITE", COMMIT_20);
        return AOT_FILES.stream().map(name -> DynamicTest.dynamicTest("aot " + name, () -> {
            Path f = dir.resolve(name);
            assertTrue(Files.exists(f), "no " + f);
            SpecRunner.FileResult r = SpecRunner.run(f, true, WasmVersion.WASM_2_0);
            assertNoFailures(r);
            assertTrue(r.count(SpecRunner.Outcome.PASSED) > 0, "nothing ran in " + name);
        }));
    }

    /** The scripts that exercise linear-memory loads, stores, growth and traps. */
    static final List<String> MEMORY_FILES = List.of("address.wast", "align.wast", "binary-leb128.wast", "bulk.wast",
            "data.wast", "endianness.wast", "float_memory.wast", "imports.wast", "left-to-right.wast", "linking.wast",
            "load.wast", "memory.wast", "memory_copy.wast", "memory_fill.wast", "memory_grow.wast", "memory_init.wast",
            "memory_redundancy.wast", "memory_size.wast", "memory_trap.wast", "store.wast", "traps.wast",
            "unreachable.wast", "unwind.wast", "simd_address.wast", "simd_align.wast", "simd_load.wast",
            "simd_load_extend.wast", "simd_load_splat.wast", "simd_load_zero.wast", "simd_load8_lane.wast",
            "simd_load16_lane.wast", "simd_load32_lane.wast", "simd_load64_lane.wast", "simd_store.wast",
            "simd_store8_lane.wast", "simd_store16_lane.wast", "simd_store32_lane.wast", "simd_store64_lane.wast");

    /**
     * The memory scripts with the bounds-check mode that is not the default, so that both guard-page
     * and explicit checks run the spec's memory tests (every other script runs in the default mode).
     */
    @TestFactory
    Stream<DynamicTest> wasm20MemoryInTheOtherBoundsCheckMode() throws IOException {
        Path dir = suiteDir();
        scripts(dir, "2.0", "KILN_TESTSUITE", COMMIT_20);
        BoundsChecks other = CompileOptions.DEFAULT_BOUNDS_CHECKS == BoundsChecks.GUARD ? BoundsChecks.EXPLICIT
                : BoundsChecks.GUARD;
        return MEMORY_FILES.stream().map(name -> DynamicTest.dynamicTest(other.optionName() + " " + name, () -> {
            Path f = dir.resolve(name);
            assertTrue(Files.exists(f), "no " + f);
            SpecRunner.FileResult r = SpecRunner.run(f, false, WasmVersion.WASM_2_0, other);
            assertNoFailures(r);
            assertTrue(r.count(SpecRunner.Outcome.PASSED) > 0, "nothing ran in " + name);
        }));
    }

    @AfterAll
    static void writeReport() throws IOException {
        write(RESULTS, "spec-report.md", "Spec testsuite report", suiteDir());
        write(RESULTS_30, "spec-report-3.0.md", "Spec testsuite report (Wasm 3.0)", suiteDir30());
    }

    private static void write(List<SpecRunner.FileResult> results, String name, String title, Path dir)
            throws IOException {
        if (results.isEmpty()) {
            return;
        }
        List<SpecRunner.FileResult> sorted = new ArrayList<>(results);
        sorted.sort((a, b) -> a.file().compareTo(b.file()));
        SpecReport.write(Path.of("target", name), title, dir.toString(), sorted);
    }
}
