package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.CompileTimeBuiltins;
import dev.kiln.abi.CpuFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CompileCache}: hits, keys, verification of entries, atomic stores, eviction, read-only directories. */
class CompileCacheTest {
    @TempDir
    Path dir;

    private final List<String> warnings = new CopyOnWriteArrayList<>();

    private static byte[] fac(int variant) {
        return ("""
                (module
                  (func $fac (export "fac") (param $n i64) (result i64)
                    (if (result i64) (i64.le_s (local.get $n) (i64.const 1))
                      (then (i64.const %d))
                      (else (i64.mul (local.get $n) (call $fac (i64.sub (local.get $n) (i64.const 1))))))))
                """.formatted(variant)).getBytes(StandardCharsets.UTF_8);
    }

    private CompileCache cache(long maxBytes) {
        return CompileCache.open(dir.resolve("cache"), maxBytes, warnings::add);
    }

    private static Engine engine(CompileCache cache) {
        return Engine.builder().compileCache(cache).build();
    }

    private static long fac(Module m, long n) {
        try (Store store = new Store(m.engine())) {
            return Instance.create(store, m).func("fac").call(Val.i64(n))[0].i64();
        }
    }

    private static List<Path> entries(CompileCache cache) throws IOException {
        if (!Files.isDirectory(cache.directory())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cache.directory())) {
            return s.filter(p -> p.toString().endsWith(".kiln")).sorted().toList();
        }
    }

    @Test
    void secondCompileIsAHitOnTheStoredArtifact() throws IOException {
        CompileCache cache = cache(CompileCache.DEFAULT_MAX_BYTES);
        Module first = Module.compile(engine(cache), fac(1));
        assertEquals(3628800L, fac(first, 10));
        assertEquals(0, cache.hits());
        assertEquals(1, cache.misses());
        Path entry = cache.entryFor(fac(1), CompileOptions.defaults(), CompileTimeBuiltins.none());
        assertEquals(List.of(entry), entries(cache));
        assertArrayEquals(first.serialize(), Files.readAllBytes(entry));

        // A new cache object (as in another process) finds it.
        CompileCache again = cache(CompileCache.DEFAULT_MAX_BYTES);
        Module second = Module.compile(engine(again), fac(1));
        assertEquals(1, again.hits());
        assertEquals(0, again.misses());
        assertEquals(3628800L, fac(second, 10));
        assertEquals(List.of(), warnings);
    }

    @Test
    void theKeyCoversTheModuleTheOptionsAndTheBuiltins() {
        CompileCache cache = cache(CompileCache.DEFAULT_MAX_BYTES);
        CompileOptions host = CompileOptions.defaults();
        Path base = cache.entryFor(fac(1), host, CompileTimeBuiltins.none());
        assertNotEquals(base, cache.entryFor(fac(2), host, CompileTimeBuiltins.none()));
        assertNotEquals(base, cache.entryFor(fac(1), host.withCpuFeatures(EnumSet.noneOf(CpuFeature.class)),
                CompileTimeBuiltins.none()));
        assertNotEquals(base, cache.entryFor(fac(1), host, CompileTimeBuiltins.none().withIntrinsicsNamespace("unsafe")));
        assertEquals(base, cache.entryFor(fac(1), host, CompileTimeBuiltins.none()));
        // -1 (this machine's features) and the same features spelled out are one key.
        assertEquals(base, cache.entryFor(fac(1), host.withCpuFeatures(CpuFeature.host()), CompileTimeBuiltins.none()));
    }

    @Test
    void aCorruptEntryIsRefusedRecompiledAndReplaced() throws IOException {
        CompileCache cache = cache(CompileCache.DEFAULT_MAX_BYTES);
        Module.compile(engine(cache), fac(1));
        Path entry = entries(cache).get(0);
        byte[] good = Files.readAllBytes(entry);

        byte[] truncated = java.util.Arrays.copyOf(good, good.length / 2);
        Files.write(entry, truncated);
        Module m = Module.compile(engine(cache), fac(1));
        assertEquals(3628800L, fac(m, 10));
        assertEquals(1, cache.rejected());
        assertEquals(1, warnings.size(), warnings::toString);
        assertTrue(warnings.get(0).contains(entry.toString()) && warnings.get(0).contains("failed verification"),
                warnings::toString);
        assertArrayEquals(good, Files.readAllBytes(entry), "the entry is replaced by a fresh artifact");

        // An entry of another module under this module's key (a valid artifact, the wrong input).
        Path other = dir.resolve("other.kiln");
        Files.write(other, Module.compile(Engine.create(), fac(7)).serialize());
        Files.copy(other, entry, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(3628800L, fac(Module.compile(engine(cache), fac(1)), 10), "not 7 * 10!/1");
        assertEquals(2, cache.rejected());
        assertTrue(warnings.get(1).contains("compiled from another module"), warnings::toString);
        assertArrayEquals(good, Files.readAllBytes(entry));
    }

    @Test
    void aFullCacheEvictsTheLeastRecentlyUsedEntries() throws IOException {
        long one = Module.compile(Engine.create(), fac(0)).serialize().length;
        CompileCache cache = cache(3 * one + one / 2); // room for three entries
        Engine engine = engine(cache);
        List<Path> stored = new ArrayList<>();
        for (int v = 1; v <= 3; v++) {
            Module.compile(engine, fac(v));
            Path e = cache.entryFor(fac(v), CompileOptions.defaults(), CompileTimeBuiltins.none());
            Files.setLastModifiedTime(e, FileTime.fromMillis(System.currentTimeMillis() - (10 - v) * 60_000L));
            stored.add(e);
        }
        assertEquals(3, entries(cache).size());
        assertEquals(0, cache.evicted());
        Module.compile(engine, fac(1)); // a hit makes entry 1 the most recently used
        assertEquals(1, cache.hits());

        Module.compile(engine, fac(4)); // over the limit: down to 3/4 of it, the oldest first
        List<Path> left = entries(cache);
        assertEquals(2, cache.evicted(), left::toString);
        assertFalse(left.contains(stored.get(1)), "entry 2 was the least recently used");
        assertFalse(left.contains(stored.get(2)), "entry 3 was next");
        assertTrue(left.contains(stored.get(0)) && left.size() == 2, left::toString);
        assertTrue(left.stream().mapToLong(p -> p.toFile().length()).sum() <= cache.maxBytes());
    }

    @Test
    void anUnwritableDirectoryRunsWithoutCachingAndSaysSoOnce() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        CompileCache cache = CompileCache.open(file.resolve("kiln"), CompileCache.DEFAULT_MAX_BYTES, warnings::add);
        Engine engine = engine(cache);
        assertEquals(3628800L, fac(Module.compile(engine, fac(1)), 10));
        assertEquals(12L, fac(Module.compile(engine, fac(2)), 3)); // 3 * 2 * 2: base case 2
        assertTrue(cache.isReadOnly());
        assertEquals(1, warnings.size(), warnings::toString);
        assertTrue(warnings.get(0).startsWith("cannot write to the compile cache " + file.resolve("kiln")), warnings::toString);
        assertTrue(warnings.get(0).endsWith("running without caching"), warnings::toString);
    }

    @Test
    void concurrentCompilesOfOneModuleLeaveOneValidEntry() throws Exception {
        CompileCache cache = cache(CompileCache.DEFAULT_MAX_BYTES);
        Engine engine = engine(cache);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> fac(Module.compile(engine, fac(1)), 10)));
            }
            for (Future<Long> f : results) {
                assertEquals(3628800L, f.get());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(8, cache.hits() + cache.misses());
        assertEquals(0, cache.rejected(), warnings::toString);
        try (Stream<Path> s = Files.list(cache.directory())) {
            assertEquals(1, s.count(), "one entry and no temporary files left");
        }
        assertEquals(3628800L, fac(Module.load(Engine.create(), entries(cache).get(0)), 10));
    }

    // ---- files seen before ----

    private Path moduleFile(int variant) throws IOException {
        Path file = dir.resolve("fac.wat");
        Files.write(file, fac(variant));
        return file;
    }

    private static List<Path> inputRecords(CompileCache cache) throws IOException {
        try (Stream<Path> s = Files.list(cache.directory())) {
            return s.filter(p -> p.toString().endsWith(".input")).toList();
        }
    }

    @Test
    void aFileSeenBeforeIsNeitherReadNorHashedAgain() throws IOException {
        CompileCache cache = cache(CompileCache.DEFAULT_MAX_BYTES).settleMillis(0);
        Path file = moduleFile(1);
        assertEquals(3628800L, fac(Module.compile(engine(cache), file), 10));
        assertEquals(1, cache.inputsHashed());
        assertEquals(1, inputRecords(cache).size());

        // Another process (a new cache object) knows the file by its record.
        CompileCache again = cache(CompileCache.DEFAULT_MAX_BYTES);
        assertEquals(3628800L, fac(Module.compile(engine(again), file), 10));
        assertEquals(0, again.inputsHashed());
        assertEquals(1, again.hits());
        // The same, through the builder.
        assertEquals(3628800L, fac(Module.builder(engine(again)).compile(file), 10));
        assertEquals(0, again.inputsHashed());
        assertEquals(2, again.hits());
        assertEquals(List.of(), warnings);
    }

    @Test
    void aFileRewrittenWithItsOldModificationTimeIsReadAgain() throws IOException {
        CompileCache cache = cache(CompileCache.DEFAULT_MAX_BYTES).settleMillis(0);
        Path file = moduleFile(1);
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
        Files.setLastModifiedTime(file, old);
        assertEquals(3628800L, fac(Module.compile(engine(cache), file), 10));

        // Same size, same modification time (as cp -p or touch -d leave it): only the status-change
        // time tells, and it does.
        Files.write(file, fac(2));
        Files.setLastModifiedTime(file, old);
        assertEquals(2 * 3628800L, fac(Module.compile(engine(cache), file), 10), "not the module of the old bytes");
        assertEquals(2, cache.inputsHashed());
        assertEquals(1, inputRecords(cache).size(), "the file's one record is replaced");
        assertEquals(2 * 3628800L, fac(Module.compile(engine(cache), file), 10));
        assertEquals(2, cache.inputsHashed());
    }

    @Test
    void aFileChangedWithinTheSettleTimeIsHashedEveryTime() throws IOException {
        CompileCache cache = cache(CompileCache.DEFAULT_MAX_BYTES); // SETTLE_MILLIS: the file was just written
        Path file = moduleFile(1);
        Module.compile(engine(cache), file);
        Module.compile(engine(cache), file);
        assertEquals(2, cache.inputsHashed());
        assertEquals(1, cache.hits(), "the entry is found by the file's hash");
        assertEquals(List.of(), inputRecords(cache));
    }

    private static String withField(String line, int index, String value) {
        String[] f = line.split(" ", 7);
        f[index] = value;
        return String.join(" ", f);
    }

    @Test
    void aRecordMadeWithOtherOptionsStillSparesReadingTheFile() throws IOException {
        CompileCache cache = cache(CompileCache.DEFAULT_MAX_BYTES).settleMillis(0);
        Path file = moduleFile(4);
        Engine plain = engine(cache);
        Engine other = Engine.builder().compileCache(cache)
                .compileOptions(CompileOptions.defaults().withCpuFeatures(EnumSet.noneOf(CpuFeature.class))).build();
        Module.compile(plain, file);
        Module.compile(other, file); // a miss: this entry is compiled, and the record now holds its key
        assertEquals(2, cache.misses());
        assertEquals(2, cache.inputsHashed());
        // The record's key is the other options': the plain key is computed from the recorded hash.
        Path record = inputRecords(cache).get(0);
        String otherOptions = Files.readString(record);
        assertEquals(4 * 3628800L, fac(Module.compile(plain, file), 10));
        assertEquals(otherOptions, Files.readString(record), "the same build's record is kept for either");
        assertEquals(4 * 3628800L, fac(Module.compile(other, file), 10));
        assertEquals(2, cache.inputsHashed());
        assertEquals(2, cache.hits());
    }

    /** A module file compiled once through a cache that records it at once, and its record. */
    private record Recorded(CompileCache cache, Path file, Path record, String line) {
    }

    private Recorded recordedFile(int variant) throws IOException {
        CompileCache cache = cache(CompileCache.DEFAULT_MAX_BYTES).settleMillis(0);
        Path file = moduleFile(variant);
        Module.compile(engine(cache), file);
        Path record = inputRecords(cache).get(0);
        return new Recorded(cache, file, record, Files.readString(record));
    }

    @Test
    void aRecordMadeByAnotherBuildIsReplacedByThisOnesAfterAHit() throws IOException {
        Recorded r = recordedFile(5);
        // As an older Kiln left it: its build in the settings, the key of its own entry.
        String[] f = r.line().split(" ", 7);
        int buildAt = f[6].indexOf(' ') + 1; // past "<n>:kiln-compile-cache-1 "
        int colon = f[6].indexOf(':', buildAt);
        int buildEnd = colon + 1 + Integer.parseInt(f[6].substring(buildAt, colon));
        String settings = f[6].substring(0, buildAt) + "12:0.0.1+before" + f[6].substring(buildEnd);
        Files.writeString(r.record(), withField(withField(r.line(), 5, "0".repeat(64)), 6, settings));

        CompileCache again = cache(CompileCache.DEFAULT_MAX_BYTES);
        assertEquals(5 * 3628800L, fac(Module.compile(engine(again), r.file()), 10));
        assertEquals(0, again.inputsHashed(), "the recorded hash still spares reading the file");
        assertEquals(1, again.hits());
        assertEquals(r.line(), Files.readString(r.record()), "this build's key and settings are recorded");
        assertEquals(List.of(), warnings);
    }

    @Test
    void aDamagedInputRecordIsIgnoredAndReplaced() throws IOException {
        Recorded r = recordedFile(3);
        CompileCache cache = r.cache();
        Path file = r.file();
        Path record = r.record();
        String good = r.line();
        for (String damaged : List.of("", "kiln-input-1 1 2 3 zz", good.replace("kiln-input-1", "kiln-input-9"),
                good.substring(0, good.length() - 1), withField(good, 1, "0"),
                // well formed, but a key whose entry is not there (the record outlived it)
                withField(good, 5, "0".repeat(64)))) {
            Files.writeString(record, damaged);
            long hashed = cache.inputsHashed();
            assertEquals(3 * 3628800L, fac(Module.compile(engine(cache), file), 10), damaged);
            assertEquals(hashed + 1, cache.inputsHashed(), damaged);
            assertEquals(good, Files.readString(record));
        }
        assertEquals(List.of(), warnings);
    }
}
