package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.Engine;
import dev.kiln.Module;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln run}'s compile cache across processes, through the {@code ./kiln} script (as
 * {@link LauncherTest} runs it): concurrent runs of one module, a module file recorded by its identity,
 * a corrupt entry, a full cache, a read-only cache directory.
 */
class CompileCacheCliTest {
    private static final Path SCRIPT = Path.of("..", "kiln");

    @TempDir
    Path tmp;

    /** A WASI command that writes {@code text} and a newline to stdout with {@code fd_write}. */
    private static String hello(String text) {
        int len = text.length() + 1;
        return """
                (module
                  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
                  (memory (export "memory") 1)
                  (data (i32.const 16) "%s\\n")
                  (func (export "_start")
                    (i32.store (i32.const 0) (i32.const 16))
                    (i32.store (i32.const 4) (i32.const %d))
                    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
                """.formatted(text, len);
    }

    private record Run(int exit, String out, String err) {
    }

    private static Process start(List<String> prefix, String... args) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("KILN_CLASSPATH", System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")));
        pb.environment().remove("KILN_CACHE_DIR");
        return pb.start();
    }

    private static Run finish(Process p) throws IOException, InterruptedException {
        var err = new java.util.concurrent.CompletableFuture<String>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.completeExceptionally(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "./kiln did not finish");
        t.join();
        return new Run(p.exitValue(), out, err.join());
    }

    private static Run kiln(String... args) throws IOException, InterruptedException {
        return finish(start(List.of(), args));
    }

    private Path module(String name, String text) throws IOException {
        return Files.writeString(tmp.resolve(name), hello(text));
    }

    /**
     * The cache's entries and temporary files; not the records of module files' identities, which a
     * run writes once the module file has been unchanged for a while (CompileCache.SETTLE_MILLIS).
     */
    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.toString().endsWith(".input")).sorted().toList();
        }
    }

    private static void assumeScript() {
        assumeTrue(Files.isExecutable(SCRIPT), "no ./kiln at " + SCRIPT.toAbsolutePath());
    }

    @Test
    void concurrentRunsOfOneModuleShareOneEntry() throws Exception {
        assumeScript();
        Path cache = tmp.resolve("cache");
        Path wat = module("hello.wat", "hello, cache");
        List<Process> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(start(List.of(), "run", "--cache-dir", cache.toString(), wat.toString()));
        }
        for (Process p : runs) {
            Run r = finish(p);
            assertEquals(new Run(0, "hello, cache\n", ""), r);
        }
        List<Path> entries = files(cache);
        assertEquals(1, entries.size(), "one entry, no temporary files: " + entries);
        Path entry = entries.get(0);
        assertTrue(entry.getFileName().toString().matches("[0-9a-f]{64}\\.kiln"), entry::toString);
        Module.load(Engine.create(), entry); // a valid artifact

        // A later run is a hit: the entry is used (its time refreshed), not written again.
        Object inode = Files.getAttribute(entry, "unix:ino");
        Files.setLastModifiedTime(entry, java.nio.file.attribute.FileTime.fromMillis(0));
        assertEquals(new Run(0, "hello, cache\n", ""), kiln("run", "--cache-dir", cache.toString(), wat.toString()));
        assertEquals(inode, Files.getAttribute(entry, "unix:ino"));
        assertNotEquals(0L, Files.getLastModifiedTime(entry).toMillis());

        // --no-cache and -C cache=n neither read nor write it.
        Files.delete(entry);
        assertEquals(0, kiln("run", "--no-cache", "--cache-dir", cache.toString(), wat.toString()).exit());
        assertEquals(0, kiln("run", "-C", "cache=n", "-C", "cache-dir=" + cache, wat.toString()).exit());
        assertEquals(List.of(), files(cache));
    }

    @Test
    void aSettledModuleFileIsRecordedAndARewriteWithItsOldTimesIsStillSeen() throws Exception {
        assumeScript();
        Path cache = tmp.resolve("cache");
        Path wat = module("settled.wat", "first");
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        Files.setLastModifiedTime(wat, old);
        Thread.sleep(dev.kiln.CompileCache.SETTLE_MILLIS + 100); // the status-change time is now's: let it settle
        assertEquals(new Run(0, "first\n", ""), kiln("run", "--cache-dir", cache.toString(), wat.toString()));
        List<Path> records;
        try (Stream<Path> s = Files.list(cache)) {
            records = s.filter(p -> p.toString().endsWith(".input")).toList();
        }
        assertEquals(1, records.size(), "the settled file is recorded: " + records);
        assertEquals(new Run(0, "first\n", ""), kiln("run", "--cache-dir", cache.toString(), wat.toString()));

        // The same length and modification time, other bytes: the record no longer matches.
        Files.writeString(wat, hello("other"));
        Files.setLastModifiedTime(wat, old);
        assertEquals(new Run(0, "other\n", ""), kiln("run", "--cache-dir", cache.toString(), wat.toString()));
    }

    @Test
    void aModuleFromAPipeIsReadOnce() throws Exception {
        assumeScript();
        Path cache = tmp.resolve("cache");
        for (int i = 0; i < 2; i++) { // compiled, then from the cache
            Process p = start(List.of(), "run", "--cache-dir", cache.toString(), "/dev/stdin");
            try (var in = p.getOutputStream()) {
                in.write(hello("piped").getBytes(StandardCharsets.UTF_8));
            }
            assertEquals(new Run(0, "piped\n", ""), finish(p));
        }
        try (Stream<Path> s = Files.list(cache)) {
            assertEquals(List.of(), s.filter(p -> p.toString().endsWith(".input")).toList(), "a pipe is not recorded");
        }
    }

    @Test
    void aCorruptEntryIsRefusedRecompiledAndReplaced() throws Exception {
        assumeScript();
        Path cache = tmp.resolve("cache");
        Path wat = module("hello.wat", "fresh");
        assertEquals(0, kiln("run", "-C", "cache-dir=" + cache, wat.toString()).exit());
        Path entry = files(cache).get(0);
        byte[] good = Files.readAllBytes(entry);
        byte[] bad = good.clone();
        bad[4] = 1; // ELFCLASS32
        Files.write(entry, bad);

        Run r = kiln("run", "-C", "cache-dir=" + cache, wat.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("fresh\n", r.out());
        assertTrue(r.err().startsWith("Warning: compile cache entry " + entry.toAbsolutePath() + " failed verification ("),
                r.err());
        assertTrue(r.err().endsWith("; compiling the module again\n") && r.err().lines().count() == 1, r.err());
        assertTrue(java.util.Arrays.equals(good, Files.readAllBytes(entry)), "the entry was replaced");
        assertEquals(new Run(0, "fresh\n", ""), kiln("run", "-C", "cache-dir=" + cache, wat.toString()));
    }

    @Test
    void aFullCacheEvictsTheLeastRecentlyUsedEntries() throws Exception {
        assumeScript();
        Path cache = tmp.resolve("cache");
        Path first = module("m1.wat", "one");
        assertEquals(0, kiln("run", "--cache-dir", cache.toString(), first.toString()).exit());
        long size = Files.size(files(cache).get(0));
        String limit = "cache-max-size=" + (size * 5 / 2); // two entries fit, a third does not
        List<Path> made = new ArrayList<>(files(cache));
        for (int i = 2; i <= 3; i++) {
            for (Path p : files(cache)) { // older than anything the next run writes
                Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(p)
                        .toMillis() - 60_000));
            }
            Path wat = module("m" + i + ".wat", "module " + i);
            Run r = kiln("run", "--cache-dir", cache.toString(), "-C", limit, wat.toString());
            assertEquals(new Run(0, "module " + i + "\n", ""), r);
            made.add(files(cache).stream().filter(p -> !made.contains(p)).findFirst().orElseThrow());
        }
        List<Path> left = files(cache);
        assertEquals(List.of(made.get(2)), left, "the two older entries were evicted to stay under 3/4 of the limit");
        assertEquals(2, kiln("run", "-C", "cache-max-size=lots", first.toString()).exit());
    }

    @Test
    void aReadOnlyCacheDirectoryRunsWithoutCachingAndSaysSoOnce() throws Exception {
        assumeScript();
        Path cache = Files.createDirectory(tmp.resolve("cache"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("r-xr-xr-x"));
        List<String> prefix = List.of();
        if ("root".equals(System.getProperty("user.name"))) {
            // root writes anywhere unless it lacks CAP_DAC_OVERRIDE: run the command without it.
            assumeTrue(new File("/usr/bin/setpriv").canExecute(), "running as root and util-linux's setpriv is missing");
            prefix = List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--");
        }
        try {
            Path wat = module("hello.wat", "read-only");
            Run r = finish(start(prefix, "run", "--cache-dir", cache.toString(), wat.toString()));
            assertEquals(0, r.exit(), r::toString);
            assertEquals("read-only\n", r.out());
            assertEquals("Warning: cannot write to the compile cache " + cache.toAbsolutePath()
                    + " (permission denied); running without caching\n", r.err());
            assertEquals(List.of(), files(cache));
        } finally {
            Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
