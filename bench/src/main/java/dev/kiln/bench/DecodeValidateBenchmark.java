package dev.kiln.bench;

import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.Validator;
import dev.kiln.compiler.wasm.WasmModule;
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
 * Decode plus validate throughput on real modules: wabt's {@code wast2json} and {@code wat2wasm}
 * built for WASI (about 1.5 MB each), taken from the {@code com.dylibso.chicory:wabt} artifact.
 * Throughput in MB/s is the module size divided by the time per operation (see {@link #bytes}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DecodeValidateBenchmark {
    /** Which module: a resource at the root of the wabt artifact. */
    @Param({"wast2json", "wat2wasm"})
    public String module;

    /** The module's bytes. */
    public byte[] bytes;

    /** Loads the module. */
    @Setup
    public void load() {
        try (InputStream in = DecodeValidateBenchmark.class.getClassLoader().getResourceAsStream(module)) {
            if (in == null) {
                throw new IllegalStateException(module + " is not on the class path (com.dylibso.chicory:wabt)");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes and validates the whole module. */
    @Benchmark
    public WasmModule decodeAndValidate() {
        WasmModule m = ModuleDecoder.decode(bytes);
        Validator.validate(m, bytes);
        return m;
    }
}
