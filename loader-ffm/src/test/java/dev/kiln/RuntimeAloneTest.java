package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.ArtifactMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The runtime on its own (JPMS, no compiler), stores on several threads, and instance churn. */
class RuntimeAloneTest {
    private static final String FAC = """
            (module
              (memory 1)
              (func $fac (export "fac") (param i64) (result i64)
                (if (result i64) (i64.le_s (local.get 0) (i64.const 1))
                  (then (i64.const 1))
                  (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1))))))))
            """;

    private static Path classesOf(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void aPrecompiledArtifactRunsWithOnlyTheRuntimeModules() throws Exception {
        Path artifact = Files.createTempFile("kiln-alone", ".kiln");
        try {
            Files.write(artifact, Module.compile(Engine.create(), FAC.getBytes(StandardCharsets.UTF_8)).serialize());
            String javaExe = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // abi and loader-ffm as named modules (their class directories hold module-info.class); no compiler
            String modulePath = classesOf(ArtifactMetadata.class) + java.io.File.pathSeparator + classesOf(Engine.class);
            Process p = new ProcessBuilder(javaExe, "--module-path", modulePath, "--add-modules", "dev.kiln",
                    "--enable-native-access=dev.kiln", "-cp", classesOf(dev.kiln.it.NoCompilerMain.class).toString(),
                    "dev.kiln.it.NoCompilerMain", artifact.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("fac(10)=3628800"), out);
            assertTrue(out.contains("compile: Module.compile needs the Kiln compiler"), out);
            assertTrue(out.contains("load a precompiled artifact with Module.load"), out);
            assertTrue(out.contains("compiler module present: false"), out);
        } finally {
            Files.deleteIfExists(artifact);
        }
    }

    @Test
    void separateStoresRunConcurrentlyOnSeparateThreads() throws Exception {
        Engine engine = Engine.create();
        Module m = Module.compile(engine, """
                (module (memory 1)
                  (func (export "work") (param $seed i32) (result i32) (local $i i32) (local $acc i32)
                    (local.set $acc (local.get $seed))
                    (block $done (loop $next
                      (br_if $done (i32.ge_u (local.get $i) (i32.const 100000)))
                      (i32.store (i32.and (i32.mul (local.get $i) (i32.const 4)) (i32.const 0xfffc)) (local.get $acc))
                      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 1103515245)) (i32.const 12345)))
                      (local.set $i (i32.add (local.get $i) (i32.const 1)))
                      (br $next)))
                    (local.get $acc)))
                """.getBytes(StandardCharsets.UTF_8));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<int[]>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                Callable<int[]> job = () -> {
                    try (Store store = new Store(engine)) {
                        Instance i = Instance.create(store, m);
                        int[] results = new int[20];
                        for (int k = 0; k < results.length; k++) {
                            results[k] = i.func("work").call(Val.i32(seed + k))[0].i32();
                        }
                        return results;
                    }
                };
                futures.add(pool.submit(job));
            }
            for (int t = 0; t < 8; t++) {
                int[] got = futures.get(t).get(120, TimeUnit.SECONDS);
                for (int k = 0; k < got.length; k++) {
                    int acc = t + k;
                    for (int i = 0; i < 100000; i++) {
                        acc = acc * 1103515245 + 12345;
                    }
                    assertEquals(acc, got[k], "thread " + t + " call " + k);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    @Test
    void instantiateAndCloseOneHundredThousandTimesKeepsResidentMemoryFlat() throws Exception {
        Engine engine = Engine.create();
        Module m = Module.compile(engine, FAC.getBytes(StandardCharsets.UTF_8));
        Runnable cycle = () -> {
            try (Store store = new Store(engine)) {
                Instance.create(store, m).func("fac").call(Val.i64(5));
            }
        };
        // a first round of 100,000 cycles lets the JVM settle (JIT code, heap and malloc arenas growing to
        // their working size); a leak grows the second round as much as the first
        for (int i = 0; i < 100_000; i++) {
            cycle.run();
        }
        System.gc();
        long before = residentKiB();
        for (int i = 0; i < 100_000; i++) {
            cycle.run();
        }
        System.gc();
        long after = residentKiB();
        long heap = Runtime.getRuntime().totalMemory() / 1024;
        // each cycle maps a 64 KiB page and an 8 GiB reservation: a leak of either would show as
        // gigabytes, a leak of 1 KiB per cycle as 100 MB
        assertTrue(after - before < 48 * 1024, "resident memory grew from " + before + " KiB to " + after
                + " KiB over 100,000 cycles after 100,000 more (heap committed " + heap + " KiB)");
    }
}
