package dev.kiln.cli;

import static dev.kiln.cli.Cli.kiln;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A C program built with {@code clang-16 -g} whose {@code name} section is removed: {@code kiln
 * inspect}, the artifact's symbols ({@code kiln objdump}) and its metadata name its functions from
 * DWARF; with damaged DWARF it still runs and {@code kiln inspect} says why the DWARF was ignored.
 */
class DwarfNamesCliTest {
    @TempDir
    static Path dir;
    /** The program with DWARF 5 and no name section. */
    static Path stripped;

    @BeforeAll
    static void build() throws Exception {
        WasiClang.require();
        Path c = Files.writeString(dir.resolve("squares.c"), """
                #include <stdio.h>
                static int __attribute__((noinline)) square(int x) { return x * x; }
                int __attribute__((noinline)) sum_of_squares(int n) {
                    int s = 0;
                    for (int i = 0; i < n; i++) s += square(i);
                    return s;
                }
                int __attribute__((noinline)) twice(int x) { return 2 * x; }
                int main(int argc, char **argv) { printf("%d\\n", sum_of_squares(twice(argc) + 3)); return 0; }
                """);
        // Compiled and linked in two steps: clang -O would run wasm-opt on the linked module.
        exec("clang-16", "--target=wasm32-wasi", "--sysroot=/usr", "-O1", "-g", "-gdwarf-5", "-c", "-o",
                dir.resolve("squares.o").toString(), c.toString());
        exec("clang-16", "--target=wasm32-wasi", "--sysroot=/usr", "-o", dir.resolve("squares.wasm").toString(),
                dir.resolve("squares.o").toString());
        stripped = Files.write(dir.resolve("stripped.wasm"),
                withoutCustomSection(Files.readAllBytes(dir.resolve("squares.wasm")), "name"));
    }

    @Test
    void inspectAndTheArtifactNameFunctionsFromDwarf() throws Exception {
        Cli.Result original = kiln("inspect", dir.resolve("squares.wasm").toString());
        assertTrue(original.out().contains("function names: name section\n"), original::toString);
        int funcidx = funcidx(original.out(), "sum_of_squares");

        Cli.Result r = kiln("inspect", stripped.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("function names: DWARF .debug_info"), r::toString);
        assertEquals(funcidx, funcidx(r.out(), "sum_of_squares"), r.out());
        assertTrue(!r.out().contains("DWARF ignored"), r::toString);

        Cli.Result json = kiln("inspect", "--json", stripped.toString());
        assertTrue(json.out().contains("\"functionNames\":\"dwarf\""), json::toString);

        // The compiled artifact's metadata and symbols carry the names.
        Path artifact = dir.resolve("stripped.kiln");
        Cli.Result compiled = kiln("compile", "-o", artifact.toString(), stripped.toString());
        assertEquals(0, compiled.exit(), compiled::toString);
        Cli.Result meta = kiln("inspect", artifact.toString());
        assertTrue(meta.out().contains("sum_of_squares"), meta::toString);
        if (ObjdumpCommand.findProgram("objdump") != null) {
            // sum_of_squares keeps its code, under its DWARF name; twice, as small as a call, is inlined
            // into its only caller, main, which leaves it no code of its own
            Cli.Result dump = kiln("objdump", "--function", "sum_of_squares", artifact.toString());
            assertEquals(0, dump.exit(), dump::toString);
            assertTrue(dump.out().contains("<wasm[" + funcidx + "]::sum_of_squares>:"), dump::toString);
            int twice = funcidx(original.out(), "twice");
            Cli.Result inlined = kiln("objdump", "--function", "twice", artifact.toString());
            assertEquals(1, inlined.exit(), inlined::toString);
            assertTrue(inlined.err().contains("'twice' (funcidx " + twice + ") has no code of its own"),
                    inlined::toString);
        }
    }

    @Test
    void damagedDwarfRunsAndInspectSaysWhy() throws Exception {
        byte[] bytes = Files.readAllBytes(stripped);
        WasmSections.Section abbrev = WasmSections.of(bytes).stream()
                .filter(s -> s.name().equals("custom \".debug_abbrev\"")).findFirst().orElseThrow();
        int firstCode = abbrev.contentOffset() + 1 + ".debug_abbrev".length(); // after the name's length and bytes
        assertEquals(1, bytes[firstCode], "the first abbreviation has code 1");
        bytes[firstCode] = 0x7e;
        Path damaged = Files.write(dir.resolve("damaged.wasm"), bytes);

        Cli.Result inspect = kiln("inspect", damaged.toString());
        assertEquals(0, inspect.exit(), inspect::toString);
        assertTrue(inspect.out().contains("function names: none\n"), inspect::toString);
        assertTrue(inspect.out().contains("DWARF ignored: .debug_info offset 0x"), inspect::toString);
        assertTrue(inspect.out().contains("unknown abbreviation code 1"), inspect::toString);

        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        Cli.Result run;
        try {
            run = kiln("run", "--no-cache", damaged.toString(), "x");
        } finally {
            System.setOut(stdout);
        }
        assertEquals(0, run.exit(), run::toString);
        assertEquals("91\n", captured.toString(StandardCharsets.UTF_8), "argc 2: the squares of 0 to 2 * 2 + 2");
    }

    private static int funcidx(String inspectOutput, String name) {
        Matcher m = Pattern.compile("funcidx (\\d+) " + Pattern.quote(name) + ":").matcher(inspectOutput);
        assertTrue(m.find(), () -> "no funcidx named " + name + " in\n" + inspectOutput);
        return Integer.parseInt(m.group(1));
    }

    /** {@code module} without its (first) custom section called {@code name}. */
    static byte[] withoutCustomSection(byte[] module, String name) {
        WasmSections.Section s = WasmSections.of(module).stream()
                .filter(x -> x.name().equals("custom \"" + name + "\"")).findFirst().orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(module, 0, s.headerOffset());
        int end = s.contentOffset() + s.size();
        out.write(module, end, module.length - end);
        return out.toByteArray();
    }

    private static void exec(String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, List.of(command) + "\n" + log);
    }
}
