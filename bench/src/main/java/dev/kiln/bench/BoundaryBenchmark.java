package dev.kiln.bench;

import dev.kiln.Engine;
import dev.kiln.Func;
import dev.kiln.Instance;
import dev.kiln.Linker;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Val;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The costs at the boundary between Java and Wasm code:
 * <ul>
 * <li>{@code javaToWasm}: a call of a trivial export through {@link Func#handle()} ({@code invokeExact});</li>
 * <li>{@code javaToWasmGeneric}: the same through {@link Func#call(Val...)};</li>
 * <li>{@code javaToWasmCritical}: the same through {@link Func#criticalHandle()} (a critical downcall:
 *     the module never calls into Java);</li>
 * <li>{@code javaToWasmConstant}, {@code javaToWasmCriticalConstant}: the two typed handles held in
 *     {@code static final} fields, as an embedder keeps a hot function, so that the JIT inlines the
 *     whole method-handle chain;</li>
 * <li>{@code wasmToJava}: per call of a Java host function from a Wasm loop (1000 calls per op);</li>
 * <li>{@code instantiate}: a new store, an instance of a small precompiled module (a memory with a
 *     data segment, a table, globals, a few functions), and closing the store.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class BoundaryBenchmark {
    private static final int HOST_CALLS = 1000;

    private Engine engine;
    private Store store;
    private Func identity;
    private MethodHandle identityHandle;
    private MethodHandle identityCritical;
    private MethodHandle hostLoop;
    private Module small;
    private int counter;

    /** Compiles and instantiates the modules. */
    @Setup(Level.Trial)
    public void setup() {
        engine = Engine.create();
        store = new Store(engine);
        Instance i = Instance.create(store, Module.compile(engine, """
                (module (func (export "id") (param i32) (result i32) (local.get 0)))
                """.getBytes(StandardCharsets.UTF_8)));
        identity = i.func("id");
        identityHandle = identity.handle();
        identityCritical = identity.criticalHandle();
        Func inc = Func.wrap(store, FuncType.of(List.of(ValType.I32), List.of(ValType.I32)),
                args -> new Val[] {Val.i32(args[0].i32() + 1)});
        Module loop = Module.compile(engine, """
                (module
                  (import "env" "inc" (func $inc (param i32) (result i32)))
                  (func (export "loop") (param $n i32) (result i32) (local $acc i32)
                    (block $done (loop $next
                      (br_if $done (i32.eqz (local.get $n)))
                      (local.set $acc (call $inc (local.get $acc)))
                      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                      (br $next)))
                    (local.get $acc)))
                """.getBytes(StandardCharsets.UTF_8));
        hostLoop = new Linker().define("env", "inc", inc).instantiate(store, loop).func("loop").handle();
        small = Module.compile(engine, """
                (module
                  (memory (export "memory") 1)
                  (data (i32.const 16) "kiln")
                  (table 4 funcref)
                  (global $g (mut i32) (i32.const 7))
                  (elem (i32.const 0) $f $g2)
                  (func $f (export "f") (param i32) (result i32) (i32.add (local.get 0) (global.get $g)))
                  (func $g2 (result i32) (i32.load (i32.const 16))))
                """.getBytes(StandardCharsets.UTF_8));
    }

    /** Closes the store. */
    @TearDown(Level.Trial)
    public void tearDown() {
        store.close();
    }

    /** Java to Wasm through the typed method handle. */
    @Benchmark
    public int javaToWasm() throws Throwable {
        return (int) identityHandle.invokeExact(counter++);
    }

    /** Java to Wasm through the typed method handle of a critical downcall. */
    @Benchmark
    public int javaToWasmCritical() throws Throwable {
        return (int) identityCritical.invokeExact(counter++);
    }

    /** The identity export's handles in constants (a store that lives as long as the JVM). */
    static final class Constants {
        static final MethodHandle TYPED;
        static final MethodHandle CRITICAL;

        static {
            Engine engine = Engine.create();
            Func id = Instance.create(new Store(engine), Module.compile(engine, """
                    (module (func (export "id") (param i32) (result i32) (local.get 0)))
                    """.getBytes(StandardCharsets.UTF_8))).func("id");
            TYPED = id.handle();
            CRITICAL = id.criticalHandle();
        }

        private Constants() {
        }
    }

    /** Java to Wasm through the typed method handle held in a constant. */
    @Benchmark
    public int javaToWasmConstant() throws Throwable {
        return (int) Constants.TYPED.invokeExact(counter++);
    }

    /** Java to Wasm through the critical typed method handle held in a constant. */
    @Benchmark
    public int javaToWasmCriticalConstant() throws Throwable {
        return (int) Constants.CRITICAL.invokeExact(counter++);
    }

    /** Java to Wasm through the generic {@code call(Val...)}. */
    @Benchmark
    public int javaToWasmGeneric() {
        return identity.call(Val.i32(counter++))[0].i32();
    }

    /** Wasm to Java: one host call per iteration of a Wasm loop; time per host call. */
    @Benchmark
    @OperationsPerInvocation(HOST_CALLS)
    public int wasmToJava() throws Throwable {
        return (int) hostLoop.invokeExact(HOST_CALLS);
    }

    /** Instantiating a small precompiled module in a fresh store, and closing the store. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int instantiate() {
        try (Store s = new Store(engine)) {
            return Instance.create(s, small).func("f").call(Val.i32(1))[0].i32();
        }
    }
}
