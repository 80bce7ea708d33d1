package dev.kiln.arch.aarch64;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.Target;
import dev.kiln.abi.elf.ElfReader;
import dev.kiln.compiler.ModuleCompiler;
import dev.kiln.compiler.text.Command;
import dev.kiln.compiler.text.Script;
import dev.kiln.compiler.text.Wast;
import dev.kiln.compiler.text.WastModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Cross-compiles every module the files of the Wasm 2.0 testsuite define (SIMD included) (with
 * {@code module}, as text or binary) for AArch64 on the machine running the build, with the IR verifier
 * on: instruction selection, register allocation and emission see every construct of the suite at
 * native speed, and each artifact must read back as an AArch64 ELF file. Running the code is the work
 * of the emulated stage ({@code .ci/aarch64-stage}). The same for the modules of the Wasm 3.0 files
 * that stage runs ({@link #WASM30_FILES}: tail calls, relaxed SIMD, exception handling). The suite
 * directories: {@code KILN_TESTSUITE}, else {@code ../../shared/wasm-testsuite/2.0}, and
 * {@code KILN_TESTSUITE_3}, else {@code ../../shared/wasm-testsuite/3.0}; without one the test fails
 * under {@code CI=true} and is skipped otherwise, with one message.
 */
class CrossCompileSpecModulesTest {
    static Path suiteDir() {
        String configured = System.getProperty("KILN_TESTSUITE", System.getenv("KILN_TESTSUITE"));
        return configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of("..", "..", "shared", "wasm-testsuite", "2.0").toAbsolutePath().normalize();
    }

    /** The Wasm 3.0 suite: {@code KILN_TESTSUITE_3}, else {@code ../../shared/wasm-testsuite/3.0}. */
    static Path suiteDir30() {
        String configured = System.getProperty("KILN_TESTSUITE_3", System.getenv("KILN_TESTSUITE_3"));
        return configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of("..", "..", "shared", "wasm-testsuite", "3.0").toAbsolutePath().normalize();
    }

    /**
     * The Wasm 3.0 files the emulated stage runs on AArch64 ({@code SpecTestsuiteAarch64Test}): tail
     * calls, relaxed SIMD and exception handling.
     */
    static final List<String> WASM30_FILES = List.of("return_call.wast", "return_call_indirect.wast",
            "return_call_ref.wast", "i8x16_relaxed_swizzle.wast", "i16x8_relaxed_q15mulr_s.wast",
            "i32x4_relaxed_trunc.wast", "relaxed_dot_product.wast", "relaxed_laneselect.wast",
            "relaxed_madd_nmadd.wast", "relaxed_min_max.wast", "tag.wast", "throw.wast", "throw_ref.wast",
            "try_table.wast");

    @TestFactory
    Stream<DynamicTest> everyModuleCompiles() throws IOException {
        Path dir = suiteDir();
        List<Path> files = List.of();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(p -> p.toString().endsWith(".wast")).sorted().toList();
            }
        }
        return compileAll(files, dir, "2.0", "KILN_TESTSUITE");
    }

    @TestFactory
    Stream<DynamicTest> everyModuleOfTheWasm30FilesCompiles() {
        Path dir = suiteDir30();
        List<Path> files = WASM30_FILES.stream().map(dir::resolve).filter(Files::isRegularFile).toList();
        if (!files.isEmpty() && files.size() != WASM30_FILES.size()) {
            fail("the Wasm 3.0 testsuite at " + dir + " lacks some of " + WASM30_FILES);
        }
        return compileAll(files, dir, "3.0", "KILN_TESTSUITE_3");
    }

    private static Stream<DynamicTest> compileAll(List<Path> files, Path dir, String version, String property) {
        if (files.isEmpty()) {
            String msg = "no Wasm " + version + " testsuite (.wast files) at " + dir + "; set " + property;
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(msg);
            }
            org.junit.jupiter.api.Assumptions.abort(msg);
        }
        CompileOptions options = CompileOptions.defaults().withVerifyIr(true)
                .withCpuFeatures(java.util.EnumSet.noneOf(dev.kiln.abi.CpuFeature.class));
        ModuleCompiler compiler = new ModuleCompiler(new Aarch64Backend());
        return files.stream().map(f -> DynamicTest.dynamicTest(version + " " + f.getFileName(), () -> {
            Script script = Wast.parse(Files.readString(f), f.getFileName().toString());
            int compiled = 0;
            for (Command c : script.commands()) {
                if (c instanceof Command.Module m && m.module().kind() != WastModule.Kind.QUOTE) {
                    String name = f.getFileName() + ":" + m.line();
                    byte[] artifact = compiler.compile(m.module().binary(), name, options);
                    assertTrue(ElfReader.parse(artifact, name).target() == Target.AARCH64, name);
                    compiled++;
                }
            }
            assertTrue(compiled > 0 || script.commands().stream().noneMatch(c -> c instanceof Command.Module),
                    "no module compiled in " + f);
        }));
    }
}
