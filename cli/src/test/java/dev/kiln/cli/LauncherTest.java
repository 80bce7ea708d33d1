package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./kiln} script end to end in a subprocess: finds a JDK, passes the arguments, and
 * returns the command's exit status. The build step is skipped through {@code KILN_CLASSPATH} (the
 * class path of this test run), so no Maven runs inside Maven.
 */
class LauncherTest {
    private static final Path SCRIPT = Path.of("..", "kiln");

    private record Run(int exit, String out, String err) {
    }

    private static Run launch(String... args) throws IOException, InterruptedException {
        return launch(java.util.Map.of(), args);
    }

    private static Run launch(java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new java.util.ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("KILN_CLASSPATH", cp);
        pb.environment().remove("KILN_JAVA_OPTS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().putAll(env);
        File errFile = File.createTempFile("kiln-launcher", ".err");
        try {
            pb.redirectError(errFile);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(true, p.waitFor(60, TimeUnit.SECONDS), "./kiln did not finish");
            return new Run(p.exitValue(), out, Files.readString(errFile.toPath()));
        } finally {
            errFile.delete();
        }
    }

    @Test
    void theScriptRunsTheCommandAndReturnsItsExitStatus() throws Exception {
        assumeTrue(Files.isExecutable(SCRIPT), "no ./kiln at " + SCRIPT.toAbsolutePath());
        Run ok = launch("run", "--invoke", "fac", "../examples/fac.wat", "20");
        assertEquals(0, ok.exit(), ok::toString);
        assertEquals(LongStream.rangeClosed(1, 20).reduce(1, (a, b) -> a * b) + "\n", ok.out());
        assertEquals("", ok.err());

        Path trap = Files.createTempFile("kiln-trap", ".wat");
        try {
            Files.writeString(trap, "(module (func (export \"_start\") unreachable))");
            Run t = launch("run", trap.toString());
            assertEquals(134, t.exit(), t::toString);
            assertTrue(t.err().startsWith("Error: wasm trap: unreachable\nerror while executing at wasm backtrace:\n"), t::toString);
        } finally {
            Files.delete(trap);
        }
        assertEquals(2, launch("run").exit());
    }

    /** The JVM's command-line flags, which -XX:+PrintCommandLineFlags prints as the first line of stdout. */
    private static List<String> flags(Run r) {
        return List.of(r.out().lines().findFirst().orElse("").split(" "));
    }

    @Test
    void theScriptChoosesC1AndACollectorUnlessTheUserDoes() throws Exception {
        assumeTrue(Files.isExecutable(SCRIPT), "no ./kiln at " + SCRIPT.toAbsolutePath());
        Run ours = launch(java.util.Map.of("KILN_JAVA_OPTS", "-XX:+PrintCommandLineFlags"), "run", "--invoke", "fac",
                "../examples/fac.wat", "5");
        assertEquals(0, ours.exit(), ours::toString);
        assertTrue(ours.out().endsWith("\n120\n"), ours::toString);
        List<String> f = flags(ours);
        assertTrue(f.contains("-XX:TieredStopAtLevel=1"), f::toString);
        assertEquals(1, (f.contains("-XX:+UseSerialGC") ? 1 : 0) + (f.contains("-XX:+UseParallelGC") ? 1 : 0), f::toString);
        // the parallel collector on two CPUs or more (the script counts those online, as this JVM does here)
        assertTrue(f.contains(Runtime.getRuntime().availableProcessors() > 1 ? "-XX:+UseParallelGC" : "-XX:+UseSerialGC"),
                f::toString);
        assertEquals(hugePagesOnRequest(), f.contains("-XX:+UseTransparentHugePages"), f::toString);

        // a choice in the user's options replaces Kiln's: no conflicting collectors, their JIT level
        Run theirs = launch(java.util.Map.of("KILN_JAVA_OPTS", "-XX:+PrintCommandLineFlags -XX:TieredStopAtLevel=4",
                "JDK_JAVA_OPTIONS", "-XX:+UseG1GC"), "run", "--invoke", "fac", "../examples/fac.wat", "5");
        assertEquals(0, theirs.exit(), theirs::toString);
        assertTrue(theirs.out().endsWith("\n120\n"), theirs::toString);
        f = flags(theirs);
        assertTrue(f.contains("-XX:+UseG1GC") && f.contains("-XX:TieredStopAtLevel=4"), f::toString);
        assertTrue(!f.contains("-XX:+UseSerialGC") && !f.contains("-XX:+UseParallelGC") && !f.contains("-XX:TieredStopAtLevel=1"),
                f::toString);
    }

    /** Whether this kernel gives transparent huge pages on request ({@code [madvise]}): then the launchers ask for them. */
    static boolean hugePagesOnRequest() throws java.io.IOException {
        Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        return Files.isReadable(mode) && Files.readString(mode).contains("[madvise]");
    }
}
