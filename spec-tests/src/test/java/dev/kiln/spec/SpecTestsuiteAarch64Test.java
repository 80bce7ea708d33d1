package dev.kiln.spec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.Target;
import dev.kiln.compiler.wasm.WasmVersion;
import java.io.IOException;
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
 * The files of the Wasm 2.0 testsuite, the 58 SIMD files included (NEON lowering, {@code
 * arch-aarch64/.../NeonLowering.java}) except those listed in {@link #SIMD_PENDING}, and the Wasm 3.0 tail-call,
 * relaxed-SIMD and exception-handling files
 * ({@link #WASM30_FILES}), end to end on an AArch64 JVM: compiled by the AArch64 backend and run by the loader,
 * with no failed and no skipped command. On this project's x86-64 machines it runs in the emulated
 * AArch64 JVM of {@code .ci/aarch64-stage} (Surefire's {@code jvm} parameter); in an x86-64 JVM it is
 * left out by the module's Surefire configuration, and fails if named (the x86-64 run is
 * {@link SpecTestsuiteTest}). 18 files run again through serialize, file
 * and load, as on x86-64. The table goes to
 * {@code spec-tests/target/spec-report-aarch64.md}, with the columns of {@code spec-report.md}.
 * The rest of the Wasm 3.0 suite (typed references, GC, memory64, ...) runs on x86-64 only
 * ({@link SpecTestsuiteTest}).
 * The system property {@code kiln.spec.only} (file names, comma-separated) restricts the run to those
 * files, for a quick loop under emulation; the stage never sets it.
 */
class SpecTestsuiteAarch64Test {
    private static final List<SpecRunner.FileResult> RESULTS = Collections.synchronizedList(new ArrayList<>());

    /** SIMD files of 2.0 that do not pass on AArch64 yet, left out (none). */
    static final List<String> SIMD_PENDING = List.of();

    /** Whether file {@code name} runs: not pending, and named by {@code kiln.spec.only} if that is set. */
    static boolean selected(String name) {
        String only = System.getProperty("kiln.spec.only", "");
        return !SIMD_PENDING.contains(name) && (only.isBlank() || List.of(only.split(",")).contains(name));
    }

    @TestFactory
    Stream<DynamicTest> wasm20() throws IOException {
        if (Target.host() != Target.AARCH64) {
            throw new IllegalStateException("SpecTestsuiteAarch64Test runs on an AArch64 JVM (see .ci/aarch64-stage);"
                    + " this JVM runs on " + Target.host());
        }
        List<Path> files = SpecTestsuiteTest.scripts(SpecTestsuiteTest.suiteDir(), "2.0", "KILN_TESTSUITE",
                SpecTestsuiteTest.COMMIT_20).stream()
                .filter(f -> selected(f.getFileName().toString())).toList();
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            SpecRunner.FileResult r = SpecRunner.run(f, false, WasmVersion.WASM_2_0);
            RESULTS.add(r);
            String bad = r.commands().stream()
                    .filter(c -> c.outcome() != SpecRunner.Outcome.PASSED)
                    .limit(20).map(c -> c.outcome() + " line " + c.line() + " " + c.kind() + ": " + c.detail())
                    .collect(Collectors.joining("\n"));
            assertTrue(bad.isEmpty(), r.count(SpecRunner.Outcome.FAILED) + " commands failed, "
                    + r.count(SpecRunner.Outcome.SKIPPED) + " skipped:\n" + bad);
        }));
    }

    /**
     * The Wasm 3.0 files of the features the AArch64 backend has beyond 2.0: tail calls, relaxed SIMD and
     * exception handling (the final {@code exnref} design; the suite has no files of the legacy encoding,
     * which {@code loader-ffm}'s {@code ExceptionHandlingTest} runs).
     */
    static final List<String> WASM30_FILES = List.of("return_call.wast", "return_call_indirect.wast",
            "return_call_ref.wast", "i8x16_relaxed_swizzle.wast", "i16x8_relaxed_q15mulr_s.wast",
            "i32x4_relaxed_trunc.wast", "relaxed_dot_product.wast", "relaxed_laneselect.wast",
            "relaxed_madd_nmadd.wast", "relaxed_min_max.wast", "tag.wast", "throw.wast", "throw_ref.wast",
            "try_table.wast");

    @TestFactory
    Stream<DynamicTest> wasm30() throws IOException {
        Path dir = SpecTestsuiteTest.suiteDir30();
        SpecTestsuiteTest.scripts(dir, "3.0", "KILN_TESTSUITE_3", SpecTestsuiteTest.COMMIT_30);
        return WASM30_FILES.stream().filter(SpecTestsuiteAarch64Test::selected).map(name -> DynamicTest.dynamicTest("3.0 " + name, () -> {
            SpecRunner.FileResult r = SpecRunner.run(dir.resolve(name));
            RESULTS.add(r);
            String bad = r.commands().stream()
                    .filter(c -> c.outcome() != SpecRunner.Outcome.PASSED)
                    .limit(20).map(c -> c.outcome() + " line " + c.line() + " " + c.kind() + ": " + c.detail())
                    .collect(Collectors.joining("\n"));
            assertTrue(bad.isEmpty() && r.count(SpecRunner.Outcome.PASSED) > 0, r.count(SpecRunner.Outcome.FAILED)
                    + " commands failed, " + r.count(SpecRunner.Outcome.SKIPPED) + " skipped:\n" + bad);
        }));
    }

    /** {@link SpecTestsuiteTest#AOT_FILES} through serialize, file and load: artifacts aligned for 64 KiB pages mapped from a file. */
    @TestFactory
    Stream<DynamicTest> wasm20AheadOfTime() throws IOException {
        Path dir = SpecTestsuiteTest.suiteDir();
        SpecTestsuiteTest.scripts(dir, "2.0", "KILN_TESTSUITE", SpecTestsuiteTest.COMMIT_20);
        return SpecTestsuiteTest.AOT_FILES.stream().filter(SpecTestsuiteAarch64Test::selected).map(name -> DynamicTest.dynamicTest("aot " + name, () -> {
            SpecRunner.FileResult r = SpecRunner.run(dir.resolve(name), true, WasmVersion.WASM_2_0);
            assertTrue(r.count(SpecRunner.Outcome.FAILED) == 0 && r.count(SpecRunner.Outcome.PASSED) > 0,
                    name + ": " + r.count(SpecRunner.Outcome.PASSED) + " passed, " + r.count(SpecRunner.Outcome.FAILED)
                            + " failed");
        }));
    }

    @AfterAll
    static void writeReport() throws IOException {
        if (RESULTS.isEmpty()) {
            return;
        }
        List<SpecRunner.FileResult> sorted = new ArrayList<>(RESULTS);
        sorted.sort((a, b) -> a.file().compareTo(b.file()));
        SpecReport.write(Path.of("target", "spec-report-aarch64.md"), "Spec testsuite report (AArch64: Wasm 2.0, Wasm 3.0 tail calls, relaxed SIMD and exception handling)",
                SpecTestsuiteTest.suiteDir().toString(), sorted);
    }
}
