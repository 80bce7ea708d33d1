package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import dev.kiln.cli.UnpackedDistribution.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI distribution ({@code kiln-cli-VERSION-bin.tar.gz}, built in {@code package}) as a user gets
 * it: unpacked into a temporary directory and run from there in a subprocess whose environment holds
 * only a JDK on {@code PATH} (plus the system's {@code /usr/bin:/bin} for the launcher's shell tools),
 * no {@code JAVA_HOME}, no {@code KILN_JDK}, an empty home directory, and a working directory outside
 * the repository. The launcher's start-up cache is off except in the test of that cache.
 */
class DistributionIT {
    @TempDir
    static Path tmp;
    static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        home = UnpackedDistribution.unpack(tmp);
    }

    /**
     * Runs {@code command} in {@code dir} with a JDK on PATH and nothing else of this machine's Java
     * setup; the launcher's start-up cache is off ({@code KILN_AOT=off}: no background trainer).
     */
    private static Run run(Path dir, String stdin, String... command) throws IOException, InterruptedException {
        return run(dir, Map.of("KILN_AOT", "off"), stdin, command);
    }

    /** Runs {@code command} as {@link #run(Path, String, String...)} does, with the variables {@code extraEnv}. */
    private static Run run(Path dir, Map<String, String> extraEnv, String stdin, String... command)
            throws IOException, InterruptedException {
        return UnpackedDistribution.run(tmp, dir, extraEnv, stdin, 120, command);
    }

    @Test
    void binKilnRunsAnExportedFunction() throws Exception {
        Run r = run(home, "", "bin/kiln", "run", "--invoke", "fib", "examples/fib.wat", "30");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("832040\n", r.out());
        assertEquals("", r.err(), "no warnings (native access is enabled)");
    }

    @Test
    void binKilnChoosesC1AndACollectorUnlessKilnJavaOptsDoes() throws Exception {
        Run ours = run(home, Map.of("KILN_AOT", "off", "KILN_JAVA_OPTS", "-XX:+PrintCommandLineFlags"), "", "bin/kiln", "run",
                "--invoke", "fib", "examples/fib.wat", "10");
        assertEquals(0, ours.exit(), ours::toString);
        List<String> flags = List.of(ours.out().lines().findFirst().orElse("").split(" "));
        assertTrue(flags.contains("-XX:TieredStopAtLevel=1"), flags::toString);
        assertEquals(1, (flags.contains("-XX:+UseSerialGC") ? 1 : 0) + (flags.contains("-XX:+UseParallelGC") ? 1 : 0),
                flags::toString);
        assertTrue(flags.contains(Runtime.getRuntime().availableProcessors() > 1 ? "-XX:+UseParallelGC" : "-XX:+UseSerialGC"),
                flags::toString);
        assertEquals(LauncherTest.hugePagesOnRequest(), flags.contains("-XX:+UseTransparentHugePages"), flags::toString);
        assertTrue(ours.out().endsWith("\n55\n"), ours::toString);

        Run theirs = run(home, Map.of("KILN_AOT", "off", "KILN_JAVA_OPTS", "-XX:+PrintCommandLineFlags -XX:+UseG1GC"), "",
                "bin/kiln", "run", "--invoke", "fib", "examples/fib.wat", "10");
        assertEquals(0, theirs.exit(), theirs::toString);
        flags = List.of(theirs.out().lines().findFirst().orElse("").split(" "));
        assertTrue(flags.contains("-XX:+UseG1GC") && !flags.contains("-XX:+UseSerialGC") && !flags.contains("-XX:+UseParallelGC"),
                flags::toString);
    }

    @Test
    void binKilnRunsAWasiProgramThroughASymbolicLink() throws Exception {
        // A WASI command: writes its argument count and "hello\n" with fd_write, reads stdin's first
        // byte back out, and exits with proc_exit(7).
        String wat = """
                (module
                  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
                  (memory (export "memory") 1)
                  (data (i32.const 16) "hello\\n")
                  (func (export "_start")
                    ;; argc at 64; write the digit argc + '0' at 80
                    (drop (call $args_sizes_get (i32.const 64) (i32.const 68)))
                    (i32.store8 (i32.const 80) (i32.add (i32.load (i32.const 64)) (i32.const 48)))
                    ;; iovec at 0: (80, 1) then (16, 6)
                    (i32.store (i32.const 0) (i32.const 80)) (i32.store (i32.const 4) (i32.const 1))
                    (i32.store (i32.const 8) (i32.const 16)) (i32.store (i32.const 12) (i32.const 6))
                    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 96)))
                    ;; read one byte of stdin to 100 and echo it
                    (i32.store (i32.const 0) (i32.const 100)) (i32.store (i32.const 4) (i32.const 1))
                    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 96)))
                    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 96)))
                    (call $proc_exit (i32.const 7))))
                """;
        Path work = Files.createDirectories(tmp.resolve("work"));
        Files.writeString(work.resolve("hello.wat"), wat);
        Path link = Files.createDirectories(tmp.resolve("links")).resolve("kiln");
        Files.createSymbolicLink(link, home.resolve("bin/kiln"));
        Run r = run(work, "Z", link.toString(), "run", "hello.wat", "a", "b");
        assertEquals(7, r.exit(), r::toString);
        assertEquals("3hello\nZ", r.out());
        assertEquals("", r.err());
    }

    @Test
    void theLauncherTrainsItsStartUpCacheInTheBackgroundAndLaterRunsMapIt() throws Exception {
        Path cache = Files.createDirectories(tmp.resolve("start-up-cache"));
        Path jvmCache = cache.resolve("jvm");
        boolean aot = Runtime.version().feature() >= 25;
        Map<String, String> env = Map.of("KILN_CACHE_DIR", cache.toString());

        // The first run goes on without a cache (it does not wait for one) and prints only its own output.
        Run first = run(home, env, "", "bin/kiln", "run", "--invoke", "fib", "examples/fib.wat", "25");
        assertEquals(0, first.exit(), first::toString);
        assertEquals("75025\n", first.out());
        assertEquals("", first.err(), "the trainer prints nothing");

        // JDK 25+: a detached trainer writes kiln-KEY.aot; JDK 22-24: the JVM wrote kiln-KEY.jsa on exit.
        String suffix = aot ? ".aot" : ".jsa";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        List<Path> caches = List.of();
        while (System.nanoTime() < deadline) {
            caches = cacheFiles(jvmCache, suffix);
            if (!caches.isEmpty()) {
                break;
            }
            Thread.sleep(500);
        }
        assertEquals(1, caches.size(), "one start-up cache in " + jvmCache + " within 240 s: " + caches);
        assertTrue(caches.get(0).getFileName().toString().matches("kiln-[0-9a-f]{64}\\" + suffix), caches::toString);
        assertTrue(Files.size(caches.get(0)) > 1 << 20, "a cache of more than 1 MiB");

        // The next run maps it (KILN_AOT=verbose: the JVM's log of the cache on stderr) and prints the same.
        Map<String, String> verbose = new java.util.HashMap<>(env);
        verbose.put("KILN_AOT", "verbose");
        Run second = run(home, verbose, "", "bin/kiln", "run", "--invoke", "fib", "examples/fib.wat", "25");
        assertEquals(0, second.exit(), second::toString);
        assertEquals("75025\n", second.out());
        if (aot) {
            assertTrue(second.err().contains("Opened AOT cache " + caches.get(0)), second::toString);
            assertTrue(second.err().contains("Using AOT-linked classes: true"), second::toString);
        } else {
            assertTrue(second.err().contains(caches.get(0).toString()), second::toString);
        }
        assertFalse(second.err().contains("[error]") || second.err().contains("[warning]"), second::toString);
        assertEquals(List.of(), cacheFiles(jvmCache, ".tmp-"), "no temporary files are left");

        // KILN_AOT=off neither uses nor makes a cache.
        Path other = Files.createDirectories(tmp.resolve("no-start-up-cache"));
        Run off = run(home, Map.of("KILN_CACHE_DIR", other.toString(), "KILN_AOT", "off"),
                "", "bin/kiln", "run", "--invoke", "fib", "examples/fib.wat", "25");
        assertEquals(0, off.exit(), off::toString);
        assertEquals("75025\n", off.out());
        assertFalse(Files.exists(other.resolve("jvm")), "KILN_AOT=off starts no trainer");
    }

    /**
     * The files in {@code dir} that are caches ({@code kiln-...} names ending with {@code part}), or,
     * for {@code part} {@code .tmp-}, the temporary files of a trainer.
     */
    private static List<Path> cacheFiles(Path dir, String part) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.filter(p -> {
                String name = p.getFileName().toString();
                return part.equals(".tmp-") ? name.startsWith(part) : name.startsWith("kiln-") && name.endsWith(part);
            }).sorted().toList();
        }
    }

    @Test
    void theJlinkArchiveRunsOnItsOwnRuntime() throws Exception {
        String property = System.getProperty("kiln.distribution.jlink");
        org.junit.jupiter.api.Assumptions.assumeTrue(property != null,
                "the archive with a Java runtime is built only with -Pjlink");
        Path archive = Path.of(property);
        assertTrue(Files.isRegularFile(archive), "no archive at " + archive + " (built by mvn -Pjlink package)");
        Path unpacked = Files.createDirectory(tmp.resolve("jlink"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", unpacked.toString()).inheritIO().start();
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0, "tar -xzf " + archive);
        Path jlinkHome = unpacked.resolve("kiln-" + System.getProperty("kiln.version"));
        assertTrue(Files.isExecutable(jlinkHome.resolve("runtime/bin/java")));

        // No JDK on PATH: the launcher takes runtime/ (the JVM's java.home says so).
        ProcessBuilder pb = new ProcessBuilder(jlinkHome.resolve("bin/kiln").toString(), "run", "--invoke", "fib",
                "examples/fib.wat", "30").directory(jlinkHome.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().put("HOME", Files.createDirectories(tmp.resolve("jlink-home")).toString());
        pb.environment().put("KILN_AOT", "off");
        pb.environment().put("KILN_JAVA_OPTS", "-XshowSettings:properties");
        Path err = tmp.resolve("jlink-stderr");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String stderr = Files.readString(err);
        assertEquals(0, p.exitValue(), stderr);
        assertEquals("832040\n", out);
        assertTrue(stderr.contains("java.home = " + jlinkHome.resolve("runtime")), stderr);
    }

    @Test
    void theJarRunsWithJavaDashJarThroughItsManifest() throws Exception {
        Path lib = home.resolve("lib");
        Path cliJar = lib.resolve("kiln-cli-" + System.getProperty("kiln.version") + ".jar");
        try (JarFile jar = new JarFile(cliJar.toFile())) {
            Manifest m = jar.getManifest();
            assertEquals("ALL-UNNAMED", m.getMainAttributes().getValue("Enable-Native-Access"));
            assertEquals("dev.kiln.cli.Main", m.getMainAttributes().getValue("Main-Class"));
            for (String entry : m.getMainAttributes().getValue("Class-Path").split(" ")) {
                assertTrue(Files.isRegularFile(lib.resolve(entry)), "Class-Path entry " + entry + " is in lib/");
            }
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Run r = run(home, "", java, "-jar", cliJar.toString(), "run", "--invoke", "fac", "examples/fac.wat", "10");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("3628800\n", r.out());
        assertEquals("", r.err(), "the manifest enables native access: no warning");
    }

    @Test
    void theDistributionCarriesNoTestOrBenchmarkCode() throws Exception {
        List<String> jars = new ArrayList<>();
        try (var s = Files.list(home.resolve("lib"))) {
            s.forEach(p -> jars.add(p.getFileName().toString()));
        }
        assertTrue(jars.stream().anyMatch(j -> j.startsWith("kiln-arch-x86_64-")), jars::toString);
        // Picocli is compiled into the cli jar with Kiln's release (class files the AOT cache can link)
        assertFalse(jars.stream().anyMatch(j -> j.startsWith("picocli-")), jars::toString);
        try (JarFile cli = new JarFile(home.resolve("lib/kiln-cli-" + System.getProperty("kiln.version") + ".jar").toFile());
                var in = cli.getInputStream(cli.getEntry("picocli/CommandLine.class"))) {
            byte[] header = in.readNBytes(8);
            int major = (header[6] & 0xFF) << 8 | header[7] & 0xFF;
            assertTrue(major >= 66, "picocli/CommandLine.class has class file version " + major + ", not Java 22's 66 or later");
        }
        assertFalse(jars.stream().anyMatch(j -> j.startsWith("junit") || j.startsWith("kiln-bench")
                || j.startsWith("kiln-spec-tests") || j.startsWith("jmh")), jars::toString);
        assertTrue(Files.isExecutable(home.resolve("bin/kiln")));
    }
}
