package dev.kiln.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our C programs (src/test/c), compiled at test time by clang-16 to wasm32-wasi and by the native C
 * compiler, run under Kiln and natively with the same arguments, environment, stdin and a fresh
 * working directory (preopened as "." under Kiln): stdout and the exit status must be the same.
 * Skipped, with the reason, when clang-16 or wasi-libc is missing.
 */
class CProgramsTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void toolchain() {
        String missing = Toolchain.missing();
        assumeTrue(missing == null, () -> "C programs skipped: " + missing);
    }

    private Guest.Outcome[] both(String name, List<String> args, Map<String, String> env, String stdin) throws Exception {
        Path[] built = Toolchain.build(name);
        Path kilnDir = Files.createDirectory(tmp.resolve("kiln"));
        Path nativeDir = Files.createDirectory(tmp.resolve("native"));
        Guest.Outcome k = Guest.run(built[0], args, env, kilnDir, stdin);
        Guest.Outcome n = Guest.runNative(built[1], args, env, nativeDir, stdin);
        assertEquals(n.stdout(), k.stdout(), () -> name + " printed something else under Kiln; native:\n" + n + "\nKiln:\n" + k);
        // WASI's exit status is a u32; a process's is its low 8 bits
        assertEquals(n.status(), k.status() & 0xFF, () -> name + " exit status; native:\n" + n + "\nKiln:\n" + k);
        return new Guest.Outcome[] {k, n};
    }

    @Test
    void fileIoInAPreopenedDirectory() throws Exception {
        Guest.Outcome k = both("fileio", List.of("fileio"), Map.of(), "")[0];
        assertEquals(0, k.status());
        assertTrue(k.stdout().contains("lines 1000 sum 332833500"), k::toString);
        assertTrue(k.stdout().contains("work: data.txt hard link@ raw.bin renamed.txt sub/"), k::toString);
        try (var s = Files.list(tmp.resolve("kiln"))) {
            assertEquals(0, s.count(), "the program removed everything it made");
        }
    }

    @Test
    void argumentsEnvironmentAndStdin() throws Exception {
        Guest.Outcome k = both("argsenv", List.of("argsenv", "x y", "", "ünïcödé", "--flag"),
                Map.of("HOME", "/home/kiln", "A", "1", "EMPTY", "", "WITH_EQ", "a=b"), "abc\nhello world\nlast")[0];
        assertTrue(k.stdout().contains("argv[3] = \"ünïcödé\""), k::toString);
        assertTrue(k.stdout().contains("stdin 2: dlrow olleh"), k::toString);
        assertTrue(k.stdout().contains("environ 4"), k::toString);
    }

    @Test
    void clocksAndSleeping() throws Exception {
        Guest.Outcome k = both("clocks", List.of("clocks"), Map.of(), "")[0];
        assertTrue(!k.stdout().contains(" 0\n"), () -> "some clock property failed:\n" + k);
    }

    @Test
    void heavyMalloc() throws Exception {
        Guest.Outcome k = both("heap", List.of("heap"), Map.of(), "")[0];
        assertTrue(k.stdout().startsWith("checksum "), k::toString);
    }

    @Test
    void printfAndStrtodOfFloats() throws Exception {
        Guest.Outcome k = both("floats", List.of("floats"), Map.of(), "")[0];
        assertTrue(k.stdout().contains("0.1 | 0.100000 | 0.100 | 1.000000e-01 | 0.10000000000000001"), k::toString);
    }

    @ParameterizedTest
    @CsvSource({"return,0", "return,3", "exit,0", "exit,7", "exit,255", "_exit,42", "return,256"})
    void exitStatuses(String mode, int status) throws Exception {
        Guest.Outcome[] r = both("exitcode", List.of("exitcode", mode, Integer.toString(status)), Map.of(), "");
        assertEquals(mode.equals("_exit") ? "" : "atexit handler ran\n",
                r[0].stdout().substring(r[0].stdout().indexOf(mode) + mode.length()).replaceFirst("^\n", ""));
        assertEquals(status, r[0].status(), "WasiContext.run gives proc_exit's full value");
        assertEquals(status & 0xFF, r[1].status());
    }
}
