package dev.kiln.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.bench.engines.WasmEngine;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;

/**
 * The benchmarks' smoke mode, run by {@code ./mvnw verify}: every kernel executes once (small n) on
 * every engine, SIMD builds included, and every engine that runs a kernel must return native code's checksum. Engines that
 * cannot run a kernel (Kiln today for most of them) are listed with their reason, not failed. Skipped
 * with the build script's message when the kernels could not be built (no clang).
 */
class KernelSmokeTest {

    @Test
    void everyEngineAgreesWithNativeCodeOnEveryKernelItRuns() {
        KernelFiles.unavailableReason().ifPresent(r -> Assumptions.abort("kernels not built, smoke test skipped: " + r));
        List<Probe.Outcome> outcomes = Probe.run(WasmEngine.all(), Kernel.ALL, true);
        List<String> failures = new ArrayList<>();
        StringBuilder table = new StringBuilder("kernel smoke run (n/a = the engine cannot run the kernel):\n");
        for (Probe.Outcome o : outcomes) {
            table.append(String.format(Locale.ROOT, "  %-17s %-17s %s%n", o.engine(), o.kernel(),
                    o.ok() ? String.format(Locale.ROOT, "0x%08x", o.checksum()) : "n/a: " + o.reason()));
            if (o.engine().equals("native") && !o.ok()) {
                failures.add("native " + o.kernel() + ": " + o.reason());
            }
            // A wrong checksum or a failure while running is a bug; "cannot load" is an honest n/a.
            if (!o.ok() && (o.reason().startsWith("wrong checksum") || o.reason().startsWith("failed while running"))) {
                failures.add(o.engine() + " " + o.kernel() + ": " + o.reason());
            }
        }
        System.out.print(table);
        assertTrue(failures.isEmpty(), "engines disagree with native code:\n" + String.join("\n", failures));
        // Kiln must run at least the memory-less integer kernels written for it, and on x86-64 (whose
        // backend has every SIMD instruction) every SIMD build.
        List<String> required = new ArrayList<>(List.of("collatz", "inthash", "fib", "fibtail"));
        if (List.of("amd64", "x86_64").contains(System.getProperty("os.arch"))) {
            Kernel.ALL.stream().filter(Kernel::simd).map(Kernel::name).forEach(required::add);
        }
        for (String k : required) {
            assertTrue(outcomes.stream().anyMatch(o -> o.engine().equals("kiln") && o.kernel().equals(k) && o.ok()),
                    () -> "Kiln should run " + k + ": " + outcomes.stream().filter(o -> o.engine().equals("kiln")
                            && o.kernel().equals(k)).map(Probe.Outcome::reason).toList());
        }
    }

    @Test
    void simdBuildsHaveSimdInstructionsAndScalarBuildsNone() {
        KernelFiles.unavailableReason().ifPresent(r -> Assumptions.abort("kernels not built: " + r));
        assertTrue(Kernel.ALL.stream().filter(Kernel::simd).count() >= 2, "the SIMD builds are listed");
        for (Kernel k : Kernel.ALL) {
            int simd = KernelFiles.simdInstructionCount(KernelFiles.wasm(k.name()));
            if (k.simd()) {
                assertTrue(simd > 0, () -> k.name() + ".wasm has no SIMD instruction: clang no longer vectorizes "
                        + k.source() + ".c, drop it from Kernel.VECTORIZED");
            } else {
                assertEquals(0, simd, () -> k.name() + ".wasm, built without -msimd128, has SIMD instructions");
            }
        }
        // the hand-vectorized kernels are the same computation in both builds
        for (String k : List.of("charclass", "dotf32")) {
            int n = Kernel.named(k).smokeN();
            assertEquals(run(k, n), run(k + Kernel.SIMD_SUFFIX, n));
        }
    }

    @Test
    void nativeChecksumsMatchIndependentJavaComputations() {
        KernelFiles.unavailableReason().ifPresent(r -> Assumptions.abort("kernels not built, smoke test skipped: " + r));
        // fib(15) = 610; collatz and crc32 recomputed in Java from their definitions.
        assertEquals(610, run("fib", 15));
        long total = 0;
        for (long i = 1; i <= 2000; i++) {
            long x = i;
            while (x != 1) {
                x = (x & 1) != 0 ? 3 * x + 1 : x >>> 1;
                total++;
            }
        }
        assertEquals((int) (total ^ (total >>> 32)), run("collatz", 2000));
        // fibtail: fib(1 + i % 90) mod 2^32 for i < n, folded FNV-1a style over their bytes
        int h = 0x811C9DC5;
        for (int i = 0; i < 300; i++) {
            int a = 0;
            int b = 1;
            for (int k = 1 + i % 90; k > 0; k--) {
                int next = a + b;
                a = b;
                b = next;
            }
            for (int byteIndex = 0; byteIndex < 4; byteIndex++) {
                h ^= (a >>> (8 * byteIndex)) & 0xFF;
                h *= 16777619;
            }
        }
        assertEquals(h, run("fibtail", 300));
        int seed = 0xC0FFEE;
        byte[] data = new byte[8192];
        for (int i = 0; i < data.length; i++) {
            seed ^= seed << 13;
            seed ^= seed >>> 17;
            seed ^= seed << 5;
            data[i] = (byte) seed;
        }
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(data);
        assertEquals((int) crc.getValue(), run("crc32", 8192));
    }

    private static int run(String kernel, int n) {
        Probe.Outcome o = Probe.runOne(WasmEngine.byId("native").orElseThrow(), Kernel.named(kernel), n, null);
        assertTrue(o.ok(), o.reason());
        return o.checksum();
    }

    @Test
    void benchmarkParametersListEveryEngineAndKernel() throws Exception {
        String[] engines = KernelBenchmark.class.getField("engine").getAnnotation(Param.class).value();
        String[] kernels = KernelBenchmark.class.getField("kernel").getAnnotation(Param.class).value();
        assertEquals(WasmEngine.ids(), Arrays.asList(engines));
        assertEquals(Kernel.ALL.stream().map(Kernel::name).toList(), Arrays.asList(kernels));
    }

    @Test
    void everyCSourceIsAKernel() throws Exception {
        KernelFiles.unavailableReason().ifPresent(r -> Assumptions.abort("kernels not built: " + r));
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("kernels/KERNELS")) {
            assertNotNull(in);
            List<String> built = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().sorted().toList();
            assertEquals(Kernel.ALL.stream().filter(k -> !k.simd()).map(Kernel::name).sorted().toList(), built);
        }
    }

    @Test
    void chartHasOneBarPerValueAndEscapesText() {
        String svg = RatioChart.svg("t <&>", List.of("a", "b"), List.of("x", "y"),
                new double[][] {{2.0, Double.NaN}, {0.5, 300}});
        assertTrue(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assertTrue(svg.strip().endsWith("</svg>"));
        // 3 bars + 2 legend swatches + the background.
        assertEquals(6, svg.split("<rect ", -1).length - 1);
        assertTrue(svg.contains("t &lt;&amp;&gt;"));
        // The axis spans the decades 0.1 .. 1000 around the values 0.5 and 300.
        assertTrue(svg.contains(">×1000<") && svg.contains(">×0.1<"), svg);
        assertFalse(svg.contains("NaN"));
        assertTrue(svg.contains("n/a (y)"));
    }
}
