package dev.kiln.bench;

import dev.kiln.bench.engines.LoadedKernel;
import dev.kiln.bench.engines.NotAvailableException;
import dev.kiln.bench.engines.WasmEngine;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time per call of a kernel's {@code run(n)} on one engine: native code, Kiln, or a peer runtime, all on
 * the same Wasm bytes. Compiling and instantiating happen in {@link #setUp()} and are not measured.
 * The setup first runs the native library and the engine once and fails (JMH then reports the error
 * and goes on) when the engine cannot run the kernel or its checksum differs from native code's.
 *
 * <p>The two parameters list every engine ({@link WasmEngine#ids()}) and every kernel
 * ({@link Kernel#ALL}); {@code bench/report} runs only the pairs that its probe found runnable and
 * shows the others as {@code n/a} with the reason. GraalWasm needs the JVM flags of
 * {@link Report#graalJvmArgs} to run optimized; without them its setup fails rather than measure its
 * interpreter.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss16m",
        "-D" + dev.kiln.bench.engines.GraalWasmEngine.REQUIRE_COMPILER + "=true"})
public class KernelBenchmark {
    /** The engine's id, see {@link WasmEngine#ids()}. */
    @Param({"native", "kiln", "chicory-interp", "chicory-compiler", "wasmtime", "graalwasm"})
    public String engine;

    /** The kernel's name, see {@link Kernel#ALL}; {@code <name>.simd} is the build with {@code -msimd128}. */
    @Param({"collatz", "inthash", "fib", "fibtail", "sieve", "matmul", "matmul.simd", "nbody", "nbody.simd", "fannkuch",
            "fannkuch.simd", "spectralnorm", "spectralnorm.simd", "mandelbrot", "sha256", "sha256.simd", "crc32",
            "crc32.simd", "quicksort", "binarytrees", "hashmap", "lz", "lz.simd", "interp", "interp.simd", "bytescan", "lu",
            "lu.simd", "charclass", "charclass.simd", "dotf32", "dotf32.simd"})
    public String kernel;

    /** The argument of {@code run}; 0 means the kernel's {@link Kernel#benchN()}. */
    @Param("0")
    public int n;

    private LoadedKernel loaded;
    private int arg;

    /**
     * Loads the kernel on the engine and checks one call against native code.
     *
     * @throws IllegalStateException if the kernels were not built, the engine cannot run this kernel
     *                               (the message says why), or the checksums differ
     */
    @Setup
    public void setUp() throws NotAvailableException {
        KernelFiles.unavailableReason().ifPresent(r -> {
            throw new IllegalStateException("kernels unavailable: " + r);
        });
        Kernel k = Kernel.named(kernel);
        arg = n == 0 ? k.benchN() : n;
        WasmEngine e = WasmEngine.byId(engine).orElseThrow(
                () -> new IllegalArgumentException("no engine " + engine + "; engines: " + WasmEngine.ids()));
        byte[] wasm = KernelFiles.wasm(kernel);
        int expected;
        try (LoadedKernel reference = WasmEngine.byId("native").orElseThrow().load(kernel, wasm)) {
            expected = reference.run(arg);
        }
        loaded = e.load(kernel, wasm);
        int got = loaded.run(arg);
        if (got != expected) {
            loaded.close();
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "%s returned 0x%08x for %s(%d), native code 0x%08x", engine, got, kernel, arg, expected));
        }
    }

    /** One call of {@code run(n)}; returns the checksum so it is consumed. */
    @Benchmark
    public int run() {
        return loaded.run(arg);
    }

    /** Releases the engine's instance. */
    @TearDown
    public void tearDown() {
        if (loaded != null) {
            loaded.close();
        }
    }
}
