package dev.kiln.arch.aarch64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.abi.BoundsChecks;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.Target;
import dev.kiln.abi.elf.ElfFile;
import dev.kiln.abi.elf.ElfReader;
import dev.kiln.abi.elf.FunctionSymbol;
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
 * Disassembly golden tests for the AArch64 backend, the layout of the x86-64 ones: each {@code *.wat}
 * file under {@code arch-aarch64/src/test/resources/golden/} starts with the header line
 * {@value #TARGET_HEADER}, holds a WAT module and, after the marker line {@value #MARKER}, the expected
 * disassembly of every compiled Wasm function ({@code wasm[N]} symbols), each line prefixed with
 * {@code ";; "}. One dynamic test per file: the module is compiled with the real pipeline
 * ({@link ModuleCompiler} over {@link Aarch64Backend}: a cross-compilation on an x86-64 machine; IR
 * verification on, one worker, explicit bounds checks, plus the options named by {@value #OPTION_PREFIX}
 * lines: {@code epoch-interruption}, {@code consume-fuel}, {@code guard-bounds-checks}), disassembled by
 * {@code aarch64-linux-gnu-objdump} and normalised by {@link Objdump}, and compared with the expectation.
 *
 * <p><b>Updating:</b> run with {@code -Dkiln.golden.update=true}; each file's expectation is then
 * rewritten in the source tree instead of compared. Review the diff before committing.
 *
 * <p>Without the AArch64 binutils the tests are skipped with a message, and fail under {@code CI=true}.
 */
class GoldenDisassemblyTest {
    static final String MARKER = ";; ---- expected ----";
    static final String TARGET_HEADER = ";; target = aarch64";
    static final String UPDATE_PROPERTY = "kiln.golden.update";
    static final String OPTION_PREFIX = ";; option: ";

    static Path goldenDir() {
        String base = System.getProperty("basedir");
        Path dir = Path.of(base != null ? base : System.getProperty("user.dir"), "src", "test", "resources", "golden");
        if (!Files.isDirectory(dir)) {
            dir = Path.of(System.getProperty("user.dir"), "arch-aarch64", "src", "test", "resources", "golden");
        }
        return dir;
    }

    @TestFactory
    Stream<DynamicTest> goldenFiles() throws IOException {
        Path dir = goldenDir();
        if (!Files.isDirectory(dir)) {
            fail("golden directory not found: " + dir);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".wat")).sorted().toList();
        }
        if (files.isEmpty()) {
            fail("no .wat files in " + dir);
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), f.toUri(), () -> {
            GnuAs.require();
            check(f);
        }));
    }

    /** A golden file split at the marker: the WAT source and the expected lines, or null. */
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
                    throw new IllegalArgumentException("line " + (i + 1) + ": expectation lines must start with \";; \": " + l);
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

    static byte[] compile(String source, String name) {
        CompileOptions options = CompileOptions.defaults().withVerifyIr(true).withCpuFeatures(EnumSet.noneOf(
                dev.kiln.abi.CpuFeature.class));
        options = new CompileOptions(options.verifyIr(), 1, options.cpuFeatures())
                .withEpochInterruption(source.contains(OPTION_PREFIX + "epoch-interruption"))
                .withConsumeFuel(source.contains(OPTION_PREFIX + "consume-fuel"))
                // explicit bounds checks unless a file asks for guard pages, whatever the default
                .withBoundsChecks(source.contains(OPTION_PREFIX + "guard-bounds-checks") ? BoundsChecks.GUARD
                        : BoundsChecks.EXPLICIT);
        return new ModuleCompiler(new Aarch64Backend()).compile(source.getBytes(StandardCharsets.UTF_8), name, options);
    }

    /** Compiles {@code source} for AArch64 and returns the normalised disassembly of every Wasm function. */
    static List<String> disassemble(String source, String name) throws IOException {
        byte[] artifact = compile(source, name);
        ElfFile elf = ElfReader.parse(artifact, name);
        if (elf.target() != Target.AARCH64) {
            fail(name + ": the artifact is for " + elf.target());
        }
        for (dev.kiln.abi.elf.Section s : elf.sections()) {
            if (s.isAllocated() && s.addr() % 65536 != 0) {
                fail(name + ": section " + s.name() + " at " + s.addr() + " is not aligned for 64 KiB pages");
            }
        }
        Map<String, List<Objdump.Insn>> listings = Objdump.disassemble(artifact);
        byte[] text = elf.sectionBytes(".text");
        long textAddress = elf.text().addr();
        List<String> out = new ArrayList<>();
        for (FunctionSymbol s : elf.symbols().stream()
                .sorted((a, b) -> Long.compare(a.textOffset(), b.textOffset())).toList()) {
            if (!s.name().startsWith("wasm[")) {
                continue;
            }
            if (!out.isEmpty()) {
                out.add("");
            }
            out.add(s.name() + ":");
            out.addAll(Objdump.normalise(s, listings.get(s.name()), text, textAddress));
        }
        return out;
    }

    static void check(Path file) throws IOException {
        String name = file.getFileName().toString();
        String content = Files.readString(file);
        if (!content.startsWith(TARGET_HEADER + "\n")) {
            fail(name + " must start with the header line \"" + TARGET_HEADER + "\"");
        }
        GoldenFile golden = GoldenFile.parse(content);
        List<String> actual = disassemble(golden.source(), name);
        if (Boolean.getBoolean(UPDATE_PROPERTY)) {
            String updated = golden.render(actual);
            if (!updated.equals(content)) {
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
