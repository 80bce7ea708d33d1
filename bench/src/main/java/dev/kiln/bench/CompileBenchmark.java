package dev.kiln.bench;

import dev.kiln.Engine;
import dev.kiln.Module;
import dev.kiln.abi.CompileOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
 * Whole-module compile time (decode, validate, translate, optimize, generate, package) of large real
 * modules: wabt's {@code wast2json} and {@code wat2wasm} built for WASI, from the
 * {@code com.dylibso.chicory:wabt} artifact. Throughput is quoted per byte of code section (the
 * function bodies: 680,179 of wast2json's 1,523,335 bytes; the rest is mostly data), i.e. code-section
 * bytes / time per op; {@code threads} is the number of functions compiled at once (1 gives the
 * per-core rate).
 *
 * <p>{@code engine=wasmtime} compiles the same bytes with Wasmtime 7's Cranelift (wasmtime-java,
 * {@code Module.fromBinary}, no compilation cache) for comparison. Wasmtime compiles functions on
 * rayon's global pool, whose size this benchmark cannot set: run it with {@code RAYON_NUM_THREADS=1}
 * in the environment (inherited by the JMH fork) for its per-core rate; {@code threads} is ignored.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CompileBenchmark {
    /** Which module: a resource at the root of the wabt artifact. */
    @Param({"wast2json", "wat2wasm"})
    public String module;

    /** Functions compiled in parallel; 0 = one per processor. */
    @Param({"1", "0"})
    public int threads;

    /** Which compiler: {@code kiln}, or {@code wasmtime} (Cranelift) for comparison. */
    @Param({"kiln"})
    public String engine;

    private byte[] bytes;
    private Engine kiln;
    private io.github.kawamuray.wasmtime.Engine wasmtime;

    /** Loads the module. */
    @Setup
    public void load() {
        try (InputStream in = CompileBenchmark.class.getClassLoader().getResourceAsStream(module)) {
            if (in == null) {
                throw new IllegalStateException(module + " is not on the class path (com.dylibso.chicory:wabt)");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        switch (engine) {
            case "kiln" -> kiln = Engine.builder().compileOptions(new CompileOptions(false, threads, -1)).build();
            case "wasmtime" -> wasmtime = new io.github.kawamuray.wasmtime.Engine();
            default -> throw new IllegalArgumentException("engine must be kiln or wasmtime, not " + engine);
        }
    }

    /** Releases Wasmtime's engine. */
    @TearDown
    public void close() {
        if (wasmtime != null) {
            wasmtime.close();
        }
    }

    /** Compiles the whole module. */
    @Benchmark
    public Object compile() {
        if (kiln != null) {
            return Module.compile(kiln, bytes);
        }
        io.github.kawamuray.wasmtime.Module m = io.github.kawamuray.wasmtime.Module.fromBinary(wasmtime, bytes);
        m.close();
        return m;
    }
}
