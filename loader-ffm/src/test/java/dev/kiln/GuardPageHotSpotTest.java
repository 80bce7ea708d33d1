package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.TrapCode;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The guard-page signal handler next to HotSpot's own uses of SIGSEGV: implicit null checks in
 * JIT-compiled code, stack banging, safepoints, on several threads at once; and faults that are not
 * Wasm out-of-bounds accesses still crash the JVM loudly (in a child JVM).
 */
class GuardPageHotSpotTest {
    private static final String OOB = """
            (module
              (memory 1)
              (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
              (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1))))
            """;

    static final class Node {
        int value;
        Node next;
    }

    /** A field load that C2 compiles with an implicit null check (a fault on address 0 + offset). */
    static int read(Node n) {
        return n.value;
    }

    static int depth(int n) {
        return n == 0 ? 0 : 1 + depth(n + 1);
    }

    @Test
    void aTrapStormOnFourThreadsLeavesHotSpotsNullChecksAndStackBangingWorking() throws Exception {
        Engine engine = GuardPageBoundsChecksTest.guardEngine();
        Module module = Module.compile(engine, OOB.getBytes(StandardCharsets.UTF_8));
        int threads = 4;
        int trapsPerThread = 2500;
        AtomicBoolean stormDone = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(threads + 2);
        try {
            List<Future<Integer>> storm = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                storm.add(pool.submit(() -> {
                    int traps = 0;
                    try (Store store = new Store(engine)) {
                        Instance i = Instance.create(store, module);
                        Func load = i.func("load");
                        Func store32 = i.func("store");
                        for (int k = 0; k < trapsPerThread; k++) {
                            int addr = 65536 + ((k * 7919 + seed) & 0xFFFF) * 4;
                            try {
                                if ((k & 1) == 0) {
                                    load.call(Val.i32(addr));
                                } else {
                                    store32.call(Val.i32(addr), Val.i32(k));
                                }
                            } catch (Trap e) {
                                assertEquals(TrapCode.MEMORY_OUT_OF_BOUNDS, e.kind());
                                traps++;
                            }
                            store32.call(Val.i32(k & 0xFFF0), Val.i32(k));
                            assertEquals(k, load.call(Val.i32(k & 0xFFF0))[0].i32());
                        }
                    }
                    return traps;
                }));
            }
            // Java code faulting on purpose while the storm runs: NPEs from compiled code...
            Future<long[]> npes = pool.submit(() -> {
                Node[] nodes = new Node[64];
                for (int k = 0; k < nodes.length; k++) {
                    if (k % 8 != 0) {
                        nodes[k] = new Node();
                        nodes[k].value = k;
                    }
                }
                long thrown = 0;
                long expected = 0;
                long sum = 0;
                for (long round = 0; !stormDone.get() || round < 200_000; round++) {
                    Node n = nodes[(int) (round & 63)];
                    if (n == null) {
                        expected++;
                    }
                    try {
                        sum += read(n);
                    } catch (NullPointerException e) {
                        thrown++;
                    }
                }
                return new long[] {expected, thrown, sum};
            });
            // ...and stack overflows (stack banging into the guard pages)
            Future<Integer> overflows = pool.submit(() -> {
                int caught = 0;
                for (int k = 0; !stormDone.get() || k < 20; k++) {
                    try {
                        depth(1);
                    } catch (StackOverflowError e) {
                        caught++;
                    }
                }
                return caught;
            });
            int total = 0;
            for (Future<Integer> f : storm) {
                total += f.get(5, TimeUnit.MINUTES);
            }
            stormDone.set(true);
            assertEquals(threads * trapsPerThread, total);
            long[] npe = npes.get(5, TimeUnit.MINUTES);
            assertTrue(npe[0] > 0);
            assertEquals(npe[0], npe[1], "every null dereference threw a NullPointerException");
            assertTrue(overflows.get(5, TimeUnit.MINUTES) >= 20);
            System.gc(); // a safepoint with every thread stopped; the JVM must still be healthy afterwards
            assertThrows(NullPointerException.class, () -> read(null));
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The {@code java} that starts the child JVM: this JVM's own, or the launcher named by the system
     * property {@code kiln.test.java} (the emulated AArch64 stage passes its qemu wrapper there, since
     * the host cannot execute the emulated JVM's {@code bin/java} itself).
     */
    private static String javaLauncher() {
        String launcher = System.getProperty("kiln.test.java", "");
        return launcher.isEmpty() ? Path.of(System.getProperty("java.home"), "bin", "java").toString() : launcher;
    }

    private static String runChild(String mode) throws Exception {
        String javaExe = javaLauncher();
        Path dir = Files.createTempDirectory("kiln-guard-crash");
        try {
            Process p = new ProcessBuilder(javaExe, "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + dir.resolve("hs_err.log"),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    GuardFaultMain.class.getName(), mode).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
            assertNotEquals(0, p.exitValue(), out);
            assertTrue(Files.exists(dir.resolve("hs_err.log")), "no HotSpot error report:\n" + out);
            return out;
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    @Test
    void aFaultInKilnCodeOutsideAnyReservationCrashesTheJvmWithHotSpotsReport() throws Exception {
        String out = runChild("kiln-code");
        assertTrue(out.contains("wasm trap: out of bounds memory access"), out);
        assertTrue(out.contains("calling"), out);
        assertTrue(out.contains("A fatal error has been detected by the Java Runtime Environment"), out);
        assertTrue(out.contains("SIGSEGV"), out);
        assertTrue(!out.contains("survived") && !out.contains("Trap"), out);
    }

    @Test
    void aFaultInJavaCodeInsideAReservationCrashesTheJvmWithHotSpotsReport() throws Exception {
        String out = runChild("java-code");
        assertTrue(out.contains("reading"), out);
        assertTrue(out.contains("A fatal error has been detected by the Java Runtime Environment"), out);
        assertTrue(out.contains("SIGSEGV"), out);
        assertTrue(!out.contains("survived"), out);
    }
}
