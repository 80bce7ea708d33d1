package dev.kiln.bench;

import dev.kiln.Engine;
import dev.kiln.Func;
import dev.kiln.Instance;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Val;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Wasm exception handling (Wasm 3.0, {@code try_table}/{@code throw}), per iteration of a Wasm loop of
 * {@value #N}:
 * <ul>
 * <li>{@code throwCatch3Frames}: a call inside a {@code try_table} whose callee throws three frames
 *     down (the unwinder walks the call-site table, the catching frame dispatches on the tag);</li>
 * <li>{@code throwCatchLocal}: a throw caught by a {@code try_table} of the same function (a branch);</li>
 * <li>{@code callInTryNoThrow} and {@code callNoTry}: the same three-frame call chain that does not
 *     throw, inside a {@code try_table} and outside one: the normal-path cost of a call that may be
 *     resumed by the unwinder (everything spilled around it, the pending-exception check after it).</li>
 * </ul>
 * {@code encoding} picks the module: {@code try_table} ({@link #WAT}, the final 3.0 design) or
 * {@code legacy} ({@link LegacyExceptionKernel}: the same functions with {@code try}/{@code catch}, the
 * encoding clang emits and node 20's V8 runs; {@code bench/exceptions-v8} times that module on V8 too).
 * Each exception object stays allocated until the store closes, so each iteration gets a fresh store.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ExceptionBenchmark {
    static final int N = 1000;

    /** {@code try_table} (the WAT below) or {@code legacy} ({@link LegacyExceptionKernel#module()}). */
    @Param({"try_table", "legacy"})
    public String encoding;

    static final String WAT = """
            (module
              (tag $e (param i32))
              (func $f3 (param i32) (result i32)
                (if (i32.and (local.get 0) (i32.const 0x40000000)) (then (throw $e (local.get 0))))
                (i32.add (local.get 0) (i32.const 1)))
              (func $f2 (param i32) (result i32) (i32.add (call $f3 (local.get 0)) (i32.const 2)))
              (func $f1 (param i32) (result i32) (i32.add (call $f2 (local.get 0)) (i32.const 3)))
              (func (export "throwCatch3Frames") (param $n i32) (result i32) (local $acc i32)
                (loop $next
                  (block $h (result i32)
                    (try_table (result i32) (catch $e $h)
                      (call $f1 (i32.or (local.get $n) (i32.const 0x40000000))))
                    (br 0))
                  (local.set $acc (i32.add (local.get $acc)))
                  (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
                (local.get $acc))
              (func (export "throwCatchLocal") (param $n i32) (result i32) (local $acc i32)
                (loop $next
                  (block $h (result i32)
                    (try_table (catch $e $h) (throw $e (local.get $n)))
                    (i32.const 0))
                  (local.set $acc (i32.add (local.get $acc)))
                  (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
                (local.get $acc))
              (func (export "callInTryNoThrow") (param $n i32) (result i32) (local $acc i32)
                (loop $next
                  (block $h (result i32)
                    (try_table (result i32) (catch $e $h) (call $f1 (local.get $n))))
                  (local.set $acc (i32.add (local.get $acc)))
                  (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
                (local.get $acc))
              (func (export "callNoTry") (param $n i32) (result i32) (local $acc i32)
                (loop $next
                  (local.set $acc (i32.add (local.get $acc) (call $f1 (local.get $n))))
                  (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
                (local.get $acc)))
            """;

    private Engine engine;
    private Module module;
    private Store store;
    private Func throwCatch3Frames;
    private Func throwCatchLocal;
    private Func callInTryNoThrow;
    private Func callNoTry;

    /** Compiles the module once. */
    @Setup(Level.Trial)
    public void compile() {
        engine = Engine.create();
        module = Module.compile(engine, switch (encoding) {
            case "try_table" -> WAT.getBytes(StandardCharsets.UTF_8);
            case "legacy" -> LegacyExceptionKernel.module();
            default -> throw new IllegalArgumentException("encoding " + encoding + ": try_table or legacy");
        });
    }

    /** A fresh store per iteration (exception objects are freed with it). */
    @Setup(Level.Iteration)
    public void instantiate() {
        store = new Store(engine);
        Instance i = Instance.create(store, module);
        throwCatch3Frames = i.func("throwCatch3Frames");
        throwCatchLocal = i.func("throwCatchLocal");
        callInTryNoThrow = i.func("callInTryNoThrow");
        callNoTry = i.func("callNoTry");
    }

    /** Closes the iteration's store. */
    @TearDown(Level.Iteration)
    public void close() {
        store.close();
    }

    /** Throw three frames down, caught by the caller's try_table. */
    @Benchmark
    @OperationsPerInvocation(N)
    public int throwCatch3Frames() {
        return throwCatch3Frames.call(Val.i32(N))[0].i32();
    }

    /** Throw caught in the same function. */
    @Benchmark
    @OperationsPerInvocation(N)
    public int throwCatchLocal() {
        return throwCatchLocal.call(Val.i32(N))[0].i32();
    }

    /** The three-frame call chain inside a try_table, no throw. */
    @Benchmark
    @OperationsPerInvocation(N)
    public int callInTryNoThrow() {
        return callInTryNoThrow.call(Val.i32(N))[0].i32();
    }

    /** The three-frame call chain without a try_table. */
    @Benchmark
    @OperationsPerInvocation(N)
    public int callNoTry() {
        return callNoTry.call(Val.i32(N))[0].i32();
    }
}
