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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole-module compile time (decode, validate, translate, optimize, generate, package) of large real
 * modules: wabt's {@code wast2json} and {@code wat2wasm} built for WASI, from the
 * {@code com.dylibso.chicory:wabt} artifact. MB/s = module size / time per op; {@code threads}
 * is the number of functions compiled at once (1 gives the per-core rate).
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

    private byte[] bytes;
    private Engine engine;

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
        engine = Engine.builder().compileOptions(new CompileOptions(false, threads, -1)).build();
    }

    /** Compiles the whole module. */
    @Benchmark
    public Module compile() {
        return Module.compile(engine, bytes);
    }
}
