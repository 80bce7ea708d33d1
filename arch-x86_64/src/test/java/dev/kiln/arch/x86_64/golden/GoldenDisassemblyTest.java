package dev.kiln.arch.x86_64.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.abi.BoundsChecks;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.CpuFeature;
import dev.kiln.abi.elf.ElfFile;
import dev.kiln.abi.elf.ElfReader;
import dev.kiln.abi.elf.FunctionSymbol;
import dev.kiln.arch.x86_64.X86_64Backend;
import dev.kiln.compiler.ModuleCompiler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Disassembly golden tests for the x86-64 backend, after Cranelift's {@code filetests}: each
 * {@code *.wat} file under {@code arch-x86_64/src/test/resources/golden/} holds a WAT module and,
 * after the marker line {@value #MARKER}, the expected disassembly of every compiled Wasm function
 * ({@code wasm[N]} symbols in funcidx order; trampolines and the unwind stub are not pinned), each line prefixed with
 * {@code ";; "} so the whole file stays valid WAT. One dynamic test per file: the text before the
 * marker is compiled with the real pipeline ({@link ModuleCompiler} over {@link X86_64Backend}, IR
 * verification on, a fixed CPU feature set {@link #FEATURES} so the output does not depend on the
 * machine, one worker, plus the options named by {@value #OPTION_PREFIX} lines), disassembled by GNU {@code objdump} and normalised by {@link Objdump}
 * (addresses dropped, branch targets as local labels {@code .L0, .L1, ...}), and compared with the
 * expectation.
 *
 * <p><b>Updating:</b> run with the system property {@code kiln.golden.update=true}, e.g.
 * {@code ./mvnw -B -q -pl arch-x86_64 -am test -Dtest='Golden*' -Dsurefire.failIfNoSpecifiedTests=false
 * -Dkiln.golden.update=true}; every file's expectation is then rewritten in the source tree
 * ({@code src/test/resources/golden}, found from the {@code basedir} system property or the working
 * directory) instead of being compared. Review the diff with {@code git diff} before committing.
 * A file without the marker fails (with the update hint) unless updating.
 *
 * <p>Skipped, with a message, when {@code objdump} is not on the PATH (or the {@code kiln.objdump}
 * property names a missing executable).
 */
class GoldenDisassemblyTest {
    /** The line separating the WAT module from its expectation. */
    static final String MARKER = ";; ---- expected ----";

    /** The CPU features the golden code is compiled for, independent of the machine running the test. */
    static final EnumSet<CpuFeature> FEATURES = EnumSet.of(CpuFeature.SSE4_1, CpuFeature.POPCNT);

    static final String UPDATE_PROPERTY = "kiln.golden.update";

    /**
     * A comment line in the WAT source turning on a compile option for that file:
     * {@code ;; option: epoch-interruption}, {@code ;; option: consume-fuel},
     * {@code ;; option: guard-bounds-checks} (every other file is compiled with explicit bounds checks) or
     * {@code ;; option: bmi} (BMI1 and BMI2 added to {@link #FEATURES}), {@code ;; option: avx} (AVX added:
     * every xmm instruction VEX-encoded, three-operand forms) or {@code ;; option: avx2} (AVX and AVX2).
     */
    static final String OPTION_PREFIX = ";; option: ";

    static Path goldenDir() {
        String base = System.getProperty("basedir");
        Path dir = Path.of(base != null ? base : System.getProperty("user.dir"), "src", "test", "resources", "golden");
        if (!Files.isDirectory(dir)) {
            // run from the repository root
            dir = Path.of(System.getProperty("user.dir"), "arch-x86_64", "src", "test", "resources", "golden");
        }
        return dir;
    }

    @TestFactory
    Stream<DynamicTest> goldenFiles() throws IOException {
        Path dir = goldenDir();
        assumeTrue(Files.isDirectory(dir), "golden directory not found: " + dir);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".wat")).sorted().toList();
        }
        if (files.isEmpty()) {
            fail("no .wat files in " + dir);
        }
        boolean objdump = Objdump.available();
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), f.toUri(), () -> {
            assumeTrue(objdump, "GNU objdump (binutils) not found on the PATH: skipping the disassembly golden test "
                    + f.getFileName() + " (install binutils or set -Dkiln.objdump=/path/to/objdump)");
            check(f);
        }));
    }

    /** A golden file split at the marker: the WAT source and the expected lines (prefix removed), or null. */
    record GoldenFile(String source, List<String> expected) {
        static GoldenFile parse(String text) {
            List<String> lines = text.lines().toList();
            int at = lines.indexOf(MARKER);
            if (at < 0) {
                return new GoldenFile(text, null);
            }
            StringBuilder src = new StringBuilder();
            for (int i = 0; i < at; i++) {
                src.append(lines.get(i)).append('\n');
            }
            List<String> expected = new ArrayList<>();
            for (int i = at + 1; i < lines.size(); i++) {
                String l = lines.get(i);
                if (l.equals(";;")) {
                    expected.add("");
                } else if (l.startsWith(";; ")) {
                    expected.add(l.substring(3));
                } else if (!l.isBlank()) {
                    throw new IllegalArgumentException("line " + (i + 1) + ": expectation lines must start with \";; \": "
                            + l);
                }
            }
            while (!expected.isEmpty() && expected.getLast().isEmpty()) {
                expected.removeLast();
            }
            return new GoldenFile(src.toString(), expected);
        }

        String render(List<String> actual) {
            StringBuilder sb = new StringBuilder(source.stripTrailing()).append("\n\n").append(MARKER).append('\n');
            for (String l : actual) {
                sb.append(l.isEmpty() ? ";;" : ";; " + l).append('\n');
            }
            return sb.toString();
        }
    }

    /** Compiles {@code source} and returns the normalised disassembly of every Wasm function. */
    static List<String> disassemble(String source, String name) throws IOException {
        EnumSet<CpuFeature> features = EnumSet.copyOf(FEATURES);
        if (source.contains(OPTION_PREFIX + "bmi")) {
            features.add(CpuFeature.BMI1);
            features.add(CpuFeature.BMI2);
        }
        if (source.contains(OPTION_PREFIX + "avx")) { // also matches avx2
            features.add(CpuFeature.AVX);
        }
        if (source.contains(OPTION_PREFIX + "avx2")) {
            features.add(CpuFeature.AVX2);
        }
        CompileOptions options = CompileOptions.defaults().withVerifyIr(true).withCpuFeatures(features);
        options = new CompileOptions(options.verifyIr(), 1, options.cpuFeatures())
                .withEpochInterruption(source.contains(OPTION_PREFIX + "epoch-interruption"))
                .withConsumeFuel(source.contains(OPTION_PREFIX + "consume-fuel"))
                // explicit bounds checks unless a file asks for guard pages, whatever the default
                .withBoundsChecks(source.contains(OPTION_PREFIX + "guard-bounds-checks") ? BoundsChecks.GUARD
                        : BoundsChecks.EXPLICIT);
        byte[] artifact = new ModuleCompiler(new X86_64Backend())
                .compile(source.getBytes(StandardCharsets.UTF_8), name, options);
        ElfFile elf = ElfReader.parse(artifact, name);
        Map<String, List<Objdump.Insn>> listings = Objdump.disassemble(artifact, elf);
        List<FunctionSymbol> symbols = elf.symbols();
        List<String> out = new ArrayList<>();
        // in funcidx order: the linker may move a function before another to fill padding (CodePacking)
        for (FunctionSymbol s : symbols.stream().filter(x -> x.name().startsWith("wasm["))
                .sorted((a, b) -> Integer.compare(funcIndex(a.name()), funcIndex(b.name()))).toList()) {
            if (!out.isEmpty()) {
                out.add("");
            }
            out.add(s.name() + ":");
            out.addAll(Objdump.normalise(s, listings.get(s.name()), symbols, elf.sectionBytes(".text")));
        }
        return out;
    }

    /** N of a symbol {@code wasm[N]} or {@code wasm[N]::name}. */
    private static int funcIndex(String symbol) {
        return Integer.parseInt(symbol.substring("wasm[".length(), symbol.indexOf(']')));
    }

    static void check(Path file) throws IOException {
        String name = file.getFileName().toString();
        GoldenFile golden = GoldenFile.parse(Files.readString(file));
        List<String> actual = disassemble(golden.source(), name);
        if (Boolean.getBoolean(UPDATE_PROPERTY)) {
            String updated = golden.render(actual);
            if (!updated.equals(Files.readString(file))) {
                Files.writeString(file, updated);
            }
            return;
        }
        if (golden.expected() == null) {
            fail(name + " has no \"" + MARKER + "\" section; generate it with -D" + UPDATE_PROPERTY + "=true");
        }
        if (!golden.expected().equals(actual)) {
            int line = 0;
            while (line < Math.min(golden.expected().size(), actual.size())
                    && golden.expected().get(line).equals(actual.get(line))) {
                line++;
            }
            assertEquals(String.join("\n", golden.expected()), String.join("\n", actual),
                    name + ": the disassembly differs from the expectation, first at expectation line " + (line + 1)
                            + " (rerun with -D" + UPDATE_PROPERTY + "=true to accept the new code, then review the diff)");
        }
    }
}
