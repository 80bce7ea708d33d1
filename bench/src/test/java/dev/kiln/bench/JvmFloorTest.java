package dev.kiln.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link JvmFloor} in fresh JVMs, as {@code bench/startup} runs it. */
class JvmFloorTest {
    private record Outcome(int status, String out, String err) {
    }

    private static Outcome run(String mode) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), JvmFloor.class.getName(), mode)).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Outcome(p.waitFor(), out, err);
    }

    @Test
    void theFfmFloorWritesItsLineThroughTheSyscallHandleAndCallsItsUpcall() throws Exception {
        Outcome o = run("ffm");
        assertEquals(0, o.status(), o.err());
        assertEquals("hello, world\n", o.out()); // written by write(2) through the downcall, not System.out
    }

    @Test
    void theTrivialMainPrintsItsLine() throws Exception {
        Outcome o = run("main");
        assertEquals(0, o.status(), o.err());
        assertEquals("hello, world" + System.lineSeparator(), o.out());
    }

    @Test
    void anUnknownModeFailsWithItsUsage() throws Exception {
        Outcome o = run("floor");
        assertEquals(1, o.status());
        assertTrue(o.err().contains("usage: JvmFloor main | ffm"), o.err());
    }
}
