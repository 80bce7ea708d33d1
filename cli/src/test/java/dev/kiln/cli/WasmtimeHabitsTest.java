package dev.kiln.cli;

import static dev.kiln.cli.Cli.kiln;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command-line habits of Wasmtime users: {@code kiln FILE} runs, {@code --preload},
 * {@code -W unknown-imports-trap}, {@code kiln completion}.
 */
class WasmtimeHabitsTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void aFileAsFirstArgumentRunsIt() throws Exception {
        Path fac = Path.of("..", "examples", "fac.wat");
        Cli.Result r = kiln(fac.toString(), "--invoke", "fac", "5");
        assertEquals(2, r.exit(), "options after FILE belong to the guest, as with kiln run: " + r);
        r = kiln("--invoke", "fac", fac.toString(), "5");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("120\n", r.out());
        r = kiln("--invoke=fac", fac.toString(), "6");
        assertEquals("720\n", r.out(), r::toString);

        Path start = file("start.wat", "(module (func (export \"_start\") unreachable))");
        r = kiln(start.toString());
        assertEquals(134, r.exit(), r::toString);
        assertTrue(r.err().startsWith("Error: wasm trap: unreachable\nerror while executing at wasm backtrace:\n"), r::toString);

        Cli.Result typo = kiln("inpsect", "x.wat");
        assertEquals(2, typo.exit());
        assertTrue(typo.err().contains("Did you mean: kiln inspect"), typo::toString);
        assertEquals(0, kiln("--version").exit(), "top-level options stay top-level");
        Cli.Result missing = kiln("nothing-here.wasm");
        assertEquals(1, missing.exit());
        assertEquals("Error: nothing-here.wasm: no such file\n", missing.err());
    }

    @Test
    void preloadLinksAnotherModulesExports() throws Exception {
        Path lib = file("lib.wat", """
                (module
                  (global $count (mut i32) (i32.const 0))
                  (func (export "twice") (param i32) (result i32)
                    (global.set $count (i32.add (global.get $count) (i32.const 1)))
                    (i32.mul (local.get 0) (i32.const 2)))
                  (func (export "count") (result i32) global.get $count))
                """);
        Path main = file("main.wat", """
                (module
                  (import "lib" "twice" (func $twice (param i32) (result i32)))
                  (import "lib" "count" (func $count (result i32)))
                  (func (export "run") (param i32) (result i32)
                    (drop (call $twice (local.get 0)))
                    (i32.add (call $twice (local.get 0)) (i32.mul (call $count) (i32.const 1000)))))
                """);
        Cli.Result r = kiln("run", "--preload", "lib=" + lib, "--invoke", "run", main.toString(), "21");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("2042\n", r.out());

        Cli.Result without = kiln("run", "--invoke", "run", main.toString(), "21");
        assertEquals(1, without.exit());
        assertTrue(without.err().contains("unknown import \"lib\" \"twice\""), without::toString);
        assertTrue(without.err().contains("--preload"), without::toString);

        Cli.Result bad = kiln("run", "--preload", "lib", "--invoke", "run", main.toString(), "1");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--preload lib: expected NAME=FILE"), bad::toString);
    }

    @Test
    void unknownImportsTrapOnlyWhenCalled() throws Exception {
        Path m = file("m.wat", """
                (module
                  (import "env" "missing" (func $missing (param i32)))
                  (func (export "safe") (result i32) i32.const 7)
                  (func (export "unsafe") i32.const 1 call $missing))
                """);
        assertEquals(1, kiln("run", "--invoke", "safe", m.toString()).exit(), "without -W the import is unknown");
        Cli.Result ok = kiln("run", "-W", "unknown-imports-trap=y", "--invoke", "safe", m.toString());
        assertEquals(0, ok.exit(), ok::toString);
        assertEquals("7\n", ok.out());
        Cli.Result trap = kiln("-W", "unknown-imports-trap=y", "--invoke", "unsafe", m.toString());
        assertEquals(134, trap.exit(), trap::toString);
        assertTrue(trap.err().startsWith("Error: wasm trap: unknown import \"env\" \"missing\" was called"), trap::toString);
        assertTrue(trap.err().contains("\nerror while executing at wasm backtrace:\n    0: "), trap::toString);
        Cli.Result badKey = kiln("run", "-W", "frob=y", "--invoke", "safe", m.toString());
        assertEquals(2, badKey.exit());
        assertTrue(badKey.err().contains("unknown option frob"), badKey::toString);
    }

    @Test
    void completionScriptsRegisterWithTheShell() throws Exception {
        for (String shell : new String[] {"bash", "zsh"}) {
            Cli.Result r = kiln("completion", shell);
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.out().contains("inspect") && r.out().contains("--invoke") && r.out().contains("completion"), shell);
            Path script = file("kiln-" + shell + ".sh", r.out());
            if (shell.equals("bash")) {
                Process p = new ProcessBuilder("bash", "-c", "source " + script + " && complete -p kiln")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), out);
                assertTrue(out.contains("complete") && out.contains(" kiln"), out);
            } else {
                assertTrue(r.out().contains("bashcompinit"), "zsh loads bash completion support");
            }
        }
        Cli.Result fish = kiln("completion", "fish");
        assertEquals(2, fish.exit());
        assertTrue(fish.err().contains("use bash or zsh"), fish::toString);
    }
}
