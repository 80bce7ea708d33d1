package dev.kiln.compiler.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Function names from DWARF for modules without a {@code name} section: C compiled by Debian's
 * clang-16 for wasm32-wasi with {@code -g} (DWARF 4 and 5; the program links wasi-libc, whose units
 * are DWARF 4 in both cases), the {@code name} section removed here, and the names compared with the
 * ones the linker wrote into that section. Damaged DWARF must leave the module decodable and valid,
 * with no DWARF names and the reason in {@link WasmModule#dwarfProblem()}.
 */
class DwarfNamesTest {
    /** A C program with a static function, an exported one, one inlined and also called through a pointer. */
    static final String PROGRAM = """
            #include <stdio.h>
            static int __attribute__((noinline)) square(int x) { return x * x; }
            int __attribute__((noinline)) sum_of_squares(int n) {
                int s = 0;
                for (int i = 0; i < n; i++) s += square(i);
                return s;
            }
            void __attribute__((noinline)) crash_here(int *p) { if (!p) __builtin_trap(); }
            static int twice(int x) { return 2 * x; }
            int (*volatile twice_pointer)(int) = twice;
            int main(int argc, char **argv) {
                printf("%d %d %d\\n", sum_of_squares(argc + 3), twice(argc), twice_pointer(argc));
                if (argc > 5) crash_here(0);
                return 0;
            }
            """;
    static final List<String> C_FUNCTIONS = List.of("square", "sum_of_squares", "crash_here", "twice", "main");

    /** {@code names.c} compiled with {@code -O1 -g -gdwarf-VERSION} and linked (without wasm-opt). */
    static byte[] compile(int dwarfVersion) throws Exception {
        String clang = System.getenv().getOrDefault("KILN_CLANG", "clang-16");
        boolean available = onPath(clang) && Files.exists(Path.of("/usr/lib/wasm32-wasi/libc.a"));
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(available, clang + " and wasi-libc are needed under CI=true; .ci/run installs them");
        }
        Assumptions.assumeTrue(available, clang + " or wasi-libc not installed (apt-get install clang-16 lld-16"
                + " wasi-libc libclang-rt-16-dev-wasm32); skipping");
        Path dir = Files.createDirectories(Path.of("target", "dwarf-programs").toAbsolutePath());
        Path source = Files.writeString(dir.resolve("names.c"), PROGRAM);
        Path object = dir.resolve("names-dwarf" + dwarfVersion + ".o");
        Path wasm = dir.resolve("names-dwarf" + dwarfVersion + ".wasm");
        // Two steps: clang -O runs wasm-opt after linking when it is on PATH, which rewrites (or drops) DWARF.
        exec(dir, clang, "--target=wasm32-wasi", "--sysroot=/usr", "-O1", "-g", "-gdwarf-" + dwarfVersion, "-c",
                "-o", object.toString(), source.toString());
        exec(dir, clang, "--target=wasm32-wasi", "--sysroot=/usr", "-o", wasm.toString(), object.toString());
        return Files.readAllBytes(wasm);
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5})
    void namesComeFromDwarfWhenTheNameSectionIsGone(int dwarfVersion) throws Exception {
        byte[] original = compile(dwarfVersion);
        WasmModule withNames = ModuleDecoder.decode(original);
        assertEquals(WasmModule.NameSource.NAME_SECTION, withNames.functionNameSource());
        Map<String, Integer> funcidx = new HashMap<>();
        withNames.functionNames().forEach((i, n) -> funcidx.put(n, i));

        WasmModule stripped = ModuleDecoder.decode(rewrite(original, "name", null));
        assertEquals(WasmModule.NameSource.DWARF, stripped.functionNameSource(), stripped.dwarfProblem());
        assertNull(stripped.dwarfProblem());
        for (String f : C_FUNCTIONS) {
            assertNotNull(funcidx.get(f), () -> f + " in the name section: " + withNames.functionNames());
            assertEquals(f, stripped.functionName(funcidx.get(f)), "funcidx " + funcidx.get(f));
        }
        // The libc functions (DWARF 4 units from wasi-libc's own build) get their linker names too, except
        // where one body has several names (aliases): the name section says one, the DWARF another.
        int same = 0;
        for (var e : stripped.functionNames().entrySet()) {
            if (e.getValue().equals(withNames.functionName(e.getKey()))) {
                same++;
            }
        }
        assertTrue(stripped.functionNames().size() >= withNames.functionNames().size() * 3 / 4,
                stripped.functionNames().size() + " DWARF names for " + withNames.functionNames().size() + " functions");
        assertTrue(same >= stripped.functionNames().size() * 9 / 10,
                same + " of " + stripped.functionNames().size() + " DWARF names are the name section's");
        Validator.validate(stripped, stripped.bytes());
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5})
    void damagedDwarfIsIgnoredWithTheReason(int dwarfVersion) throws Exception {
        byte[] stripped = rewrite(compile(dwarfVersion), "name", null);

        // .debug_info cut in the middle of its first unit.
        WasmModule truncated = ModuleDecoder.decode(rewrite(stripped, ".debug_info",
                info -> java.util.Arrays.copyOf(info, 40)));
        assertNoDwarfNames(truncated, "runs past the end of the section");

        // The first abbreviation's code changed: entries name a code that the table no longer has.
        WasmModule badAbbrev = ModuleDecoder.decode(rewrite(stripped, ".debug_abbrev", abbrev -> {
            byte[] b = abbrev.clone();
            assertEquals(1, b[0], "the first abbreviation has code 1");
            b[0] = 0x7e;
            return b;
        }));
        assertNoDwarfNames(badAbbrev, "unknown abbreviation code 1");

        // No .debug_abbrev at all.
        assertNoDwarfNames(ModuleDecoder.decode(rewrite(stripped, ".debug_abbrev", null)), "without a .debug_abbrev");

        // An unknown DWARF version in the first unit's header.
        WasmModule badVersion = ModuleDecoder.decode(rewrite(stripped, ".debug_info", info -> {
            byte[] b = info.clone();
            b[4] = 9;
            return b;
        }));
        assertNoDwarfNames(badVersion, "unsupported DWARF version 9");
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5})
    void randomlyMutatedDwarfNeverFailsTheModule(int dwarfVersion) throws Exception {
        byte[] stripped = rewrite(compile(dwarfVersion), "name", null);
        Random random = new Random(dwarfVersion);
        List<String> sections = new java.util.ArrayList<>(List.of(".debug_info", ".debug_abbrev", ".debug_str"));
        if (dwarfVersion == 5) {
            sections.addAll(List.of(".debug_str_offsets", ".debug_addr"));
        }
        int problems = 0;
        for (int i = 0; i < 300; i++) {
            String target = sections.get(i % sections.size());
            byte[] mutated = rewrite(stripped, target, content -> {
                byte[] b = content.clone();
                int flips = 1 + random.nextInt(8);
                for (int k = 0; k < flips && b.length > 0; k++) {
                    // Mostly the first bytes (unit headers and the first entries), sometimes anywhere.
                    int at = random.nextBoolean() ? random.nextInt(Math.min(b.length, 256)) : random.nextInt(b.length);
                    b[at] = (byte) random.nextInt(256);
                }
                return random.nextInt(4) == 0 ? java.util.Arrays.copyOf(b, random.nextInt(b.length + 1)) : b;
            });
            if (mutated.length == 0) {
                continue;
            }
            WasmModule m = ModuleDecoder.decode(mutated);
            Validator.validate(m, m.bytes());
            if (m.dwarfProblem() != null) {
                problems++;
                assertEquals(WasmModule.NameSource.NONE, m.functionNameSource());
            }
        }
        assertTrue(problems > 30, "mutations found problems in " + problems + " of 300 modules");
    }

    /**
     * The WASI testsuite's modules (C and Rust, built by their upstream toolchains) keep DWARF and a
     * {@code name} section: without the latter, every name read from DWARF must be the one the name
     * section gives the same funcidx (Rust's mangled linkage names included). The suite is
     * {@code KILN_WASI_TESTSUITE}, else {@code ../shared/wasi-testsuite} beside the repository; missing,
     * it fails under {@code CI=true} and skips otherwise.
     */
    @org.junit.jupiter.api.Test
    void wasiTestsuiteModulesGetTheirNameSectionNamesFromDwarf() throws Exception {
        String location = System.getProperty("KILN_WASI_TESTSUITE", System.getenv("KILN_WASI_TESTSUITE"));
        Path suite = location != null ? Path.of(location) : Path.of("..", "..", "shared", "wasi-testsuite").toAbsolutePath();
        boolean present = Files.isDirectory(suite.resolve("tests"));
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(present, "WASI testsuite not found at " + suite + "; CI=true requires it");
        }
        Assumptions.assumeTrue(present, "WASI testsuite not found at " + suite + "; skipping");
        List<Path> modules;
        try (var files = Files.walk(suite.resolve("tests"))) {
            modules = files.filter(f -> f.toString().endsWith(".wasm")).sorted().toList();
        }
        int withDwarf = 0;
        int named = 0;
        for (Path f : modules) {
            byte[] bytes = Files.readAllBytes(f);
            WasmModule original = ModuleDecoder.decode(bytes);
            boolean dwarf = original.customSections().stream().anyMatch(c -> c.name().equals(".debug_info"));
            if (!dwarf || original.functionNames().isEmpty()) {
                continue;
            }
            withDwarf++;
            WasmModule stripped = ModuleDecoder.decode(rewrite(bytes, "name", null));
            assertNull(stripped.dwarfProblem(), f.toString());
            assertEquals(WasmModule.NameSource.DWARF, stripped.functionNameSource(), f.toString());
            for (var e : stripped.functionNames().entrySet()) {
                assertEquals(original.functionName(e.getKey()), e.getValue(), f + " funcidx " + e.getKey());
            }
            named += stripped.functionNames().size();
        }
        assertTrue(withDwarf >= 10, withDwarf + " modules of " + suite + " have DWARF and a name section");
        assertTrue(named >= withDwarf * 20, named + " DWARF names in " + withDwarf + " modules");
    }

    private static void assertNoDwarfNames(WasmModule m, String reason) {
        assertEquals(WasmModule.NameSource.NONE, m.functionNameSource());
        assertTrue(m.functionNames().isEmpty(), () -> m.functionNames().toString());
        assertNotNull(m.dwarfProblem());
        assertTrue(m.dwarfProblem().contains(reason), m.dwarfProblem());
        Validator.validate(m, m.bytes());
    }

    /**
     * {@code module} with the custom section called {@code name} replaced by {@code change} applied to
     * its contents, or removed when {@code change} is null. Every other section is copied unchanged.
     */
    static byte[] rewrite(byte[] module, String name, UnaryOperator<byte[]> change) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(module, 0, 8);
        int pos = 8;
        boolean found = false;
        while (pos < module.length) {
            int start = pos;
            int id = module[pos++];
            long[] size = uleb(module, pos);
            pos = (int) size[1];
            int end = pos + (int) size[0];
            if (id == 0) {
                long[] nameLength = uleb(module, pos);
                int nameStart = (int) nameLength[1];
                String sectionName = new String(module, nameStart, (int) nameLength[0], StandardCharsets.UTF_8);
                if (sectionName.equals(name) && !found) {
                    found = true;
                    if (change != null) {
                        int contentStart = nameStart + (int) nameLength[0];
                        byte[] content = change.apply(java.util.Arrays.copyOfRange(module, contentStart, end));
                        ByteArrayOutputStream body = new ByteArrayOutputStream();
                        body.write(module, pos, contentStart - pos);
                        body.writeBytes(content);
                        out.write(0);
                        writeUleb(out, body.size());
                        out.writeBytes(body.toByteArray());
                    }
                    pos = end;
                    continue;
                }
            }
            out.write(module, start, end - start);
            pos = end;
        }
        assertTrue(found, "the module has a custom section " + name);
        return out.toByteArray();
    }

    private static long[] uleb(byte[] b, int pos) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int x = b[pos++] & 0xFF;
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return new long[] {v, pos};
            }
        }
    }

    private static void writeUleb(ByteArrayOutputStream out, long v) {
        do {
            int b = (int) (v & 0x7F);
            v >>>= 7;
            out.write(v != 0 ? b | 0x80 : b);
        } while (v != 0);
    }

    static boolean onPath(String cmd) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, cmd))) {
                return true;
            }
        }
        return false;
    }

    private static void exec(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + List.of(command));
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + "\n" + output);
    }
}
