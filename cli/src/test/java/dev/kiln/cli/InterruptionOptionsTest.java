package dev.kiln.cli;

import static dev.kiln.cli.Cli.kiln;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln run -W timeout=... -W fuel=...} and their long forms. */
class InterruptionOptionsTest {
    static final String SPIN = """
            (module
              (func (export "spin") (loop $l (br $l)))
              (func (export "three") (result i32) (i32.add (i32.const 1) (i32.const 2))))
            """;

    @TempDir
    Path dir;

    private Path spin() throws IOException {
        return Files.writeString(dir.resolve("spin.wat"), SPIN);
    }

    @Test
    void timeoutInterruptsAnInfiniteLoop() throws IOException {
        String file = spin().toString();
        for (String[] args : new String[][] {{"-W", "timeout=100ms"}, {"--timeout", "0.1s"}}) {
            Cli.Result r = kiln("run", args[0], args[1], "--invoke", "spin", file);
            assertEquals(ExitCodes.TRAP, r.exit(), r::toString);
            assertTrue(r.err().contains("wasm trap: interrupt"), r::toString);
        }
        Cli.Result ok = kiln("run", "-W", "timeout=5s", "--invoke", "three", file);
        assertEquals(0, ok.exit(), ok::toString);
        assertEquals("3\n", ok.out());
    }

    @Test
    void fuelStopsAnInfiniteLoop() throws IOException {
        String file = spin().toString();
        Cli.Result r = kiln("run", "-W", "fuel=100000", "--invoke", "spin", file);
        assertEquals(ExitCodes.TRAP, r.exit(), r::toString);
        assertTrue(r.err().contains("wasm trap: all fuel consumed"), r::toString);
        Cli.Result enough = kiln("run", "--fuel", "3", "--invoke", "three", file);
        assertEquals(0, enough.exit(), enough::toString);
        assertEquals("3\n", enough.out());
        Cli.Result tooLittle = kiln("run", "--fuel", "2", "--invoke", "three", file);
        assertEquals(ExitCodes.TRAP, tooLittle.exit(), tooLittle::toString);
    }

    @Test
    void badOptionsAreUsageErrors() throws IOException {
        String file = spin().toString();
        Cli.Result unknown = kiln("run", "-W", "frobnicate=1", "--invoke", "three", file);
        assertEquals(ExitCodes.USAGE, unknown.exit(), unknown::toString);
        assertTrue(unknown.err().contains("unknown option frobnicate"), unknown::toString);
        Cli.Result badFuel = kiln("run", "-W", "fuel=-1", "--invoke", "three", file);
        assertEquals(ExitCodes.USAGE, badFuel.exit(), badFuel::toString);
        Cli.Result badTime = kiln("run", "--timeout", "soon", "--invoke", "three", file);
        assertEquals(ExitCodes.USAGE, badTime.exit(), badTime::toString);
        assertTrue(badTime.err().contains("--timeout soon"), badTime::toString);
    }

    @Test
    void anArtifactCompiledWithoutFuelIsRefusedWithFuel() throws IOException {
        Path wat = spin();
        Cli.Result compiled = kiln("compile", wat.toString());
        assertEquals(0, compiled.exit(), compiled::toString);
        Cli.Result r = kiln("run", "--allow-precompiled", "--fuel", "10", "--invoke", "three",
                dir.resolve("spin.kiln").toString());
        assertEquals(ExitCodes.ERROR, r.exit(), r::toString);
        assertTrue(r.err().contains("without fuel metering"), r::toString);
    }

    @Test
    void durations() {
        assertEquals(Duration.ofSeconds(5), WasmOptions.duration("t", "5s"));
        assertEquals(Duration.ofSeconds(5), WasmOptions.duration("t", "5"));
        assertEquals(Duration.ofMillis(100), WasmOptions.duration("t", "100ms"));
        assertEquals(Duration.ofMinutes(2), WasmOptions.duration("t", "2m"));
        assertEquals(Duration.ofMillis(1500), WasmOptions.duration("t", "1.5s"));
    }
}
