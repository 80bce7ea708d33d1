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

    /**
     * A start-up cache trained with other JVM options than a run's, when the user's KILN_JAVA_OPTS chose
     * them: the run goes without it and leaves it alone (trained again, it would be trained again
     * on the next run without those options). In a copy of the script's tree whose build is up to
     * date (a stamp, a class path file naming this test's class path, an empty cli jar) and whose
     * cache is a placeholder file trained "with" options no run has.
     */
    @Test
    void theUsersOwnJvmOptionsRunWithoutTheStartUpCacheAndKeepIt() throws Exception {
        assumeTrue(Files.isExecutable(SCRIPT), "no ./kiln at " + SCRIPT.toAbsolutePath());
        Path root = Files.createTempDirectory("kiln-launcher-root");
        try {
            Files.copy(SCRIPT, root.resolve("kiln"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            Files.createDirectories(root.resolve(".mvn"));
            Files.copy(SCRIPT.resolveSibling(".mvn").resolve("find-jdk.sh"), root.resolve(".mvn/find-jdk.sh"));
            Path target = Files.createDirectories(root.resolve("cli/target"));
            Files.createDirectories(target.resolve("classes/dev/kiln/cli"));
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Files.writeString(target.resolve("classpath.txt"), cp + "\n");
            Files.write(target.resolve("kiln-cli-0-SNAPSHOT.jar"), new byte[0]);
            Files.createFile(target.resolve("kiln-launcher.stamp"));
            Path aot = target.resolve("kiln.aot");
            Files.writeString(aot, "a placeholder: not a cache the JVM could map");
            Files.writeString(target.resolve("kiln.aot.options"), "options no run has\n");
            Files.setLastModifiedTime(aot, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));

            ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("kiln").toString(), "run", "--invoke", "fac",
                    Path.of("..", "examples", "fac.wat").toAbsolutePath().toString(), "5");
            pb.environment().remove("KILN_CLASSPATH");
            pb.environment().remove("JDK_JAVA_OPTIONS");
            pb.environment().remove("JAVA_TOOL_OPTIONS");
            pb.environment().put("KILN_JAVA_OPTS", "-XX:+PrintCommandLineFlags -XX:TieredStopAtLevel=4");
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the script did not finish");
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.endsWith("\n120\n"), out);
            assertTrue(out.lines().findFirst().orElse("").contains("-XX:TieredStopAtLevel=4"), out);
            assertTrue(!out.contains("AOTCache"), out); // the run did not use the cache
            assertEquals("a placeholder: not a cache the JVM could map", Files.readString(aot)); // nor train it again
            assertEquals("options no run has\n", Files.readString(target.resolve("kiln.aot.options")));
        } finally {
            try (var files = Files.walk(root)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Whether this kernel gives transparent huge pages on request ({@code [madvise]}): then the launchers ask for them. */
    static boolean hugePagesOnRequest() throws java.io.IOException {
        Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        return Files.isReadable(mode) && Files.readString(mode).contains("[madvise]");
    }
}
