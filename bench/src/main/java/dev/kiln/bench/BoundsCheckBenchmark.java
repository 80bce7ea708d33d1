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
 * The cost of explicit bounds checks on a 64-bit memory (Wasm 3.0 memory64) against the same loop on
 * a 32-bit memory: {@code sum} adds the 64-bit words of 1 MiB, three loads per iteration at offsets 0,
 * 8 and 16 from one index (so bounds-check elimination has checks to merge), and {@code copy} moves
 * words from one half to the other. {@code addressType} selects {@code i32} or {@code i64}: the
 * modules are the same text with the index type changed. Time per whole loop, in microseconds. Aim:
 * i64 within 1.1 times i32.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class BoundsCheckBenchmark {
    /** Bytes the loops walk over: 1 MiB. */
    public static final int SIZE = 1 << 20;

    @Param({"i32", "i64"})
    public String addressType;

    private Store store;
    private Func sum;
    private Func copy;
    private Val size;
    private Val half;

    /** The benchmark module for address type {@code t} ({@code i32} or {@code i64}). */
    static String module(String t) {
        return """
                (module
                  (memory (export "mem") T 32)
                  (func (export "sum") (param $n T) (result i64) (local $i T) (local $acc i64)
                    (loop $next
                      (local.set $acc (i64.add (local.get $acc)
                        (i64.add (i64.load (local.get $i))
                          (i64.add (i64.load offset=8 (local.get $i)) (i64.load offset=16 (local.get $i))))))
                      (local.set $i (T.add (local.get $i) (T.const 24)))
                      (br_if $next (T.lt_u (local.get $i) (local.get $n))))
                    (local.get $acc))
                  (func (export "copy") (param $n T) (local $i T)
                    (loop $next
                      (i64.store offset=524288 (local.get $i) (i64.load (local.get $i)))
                      (local.set $i (T.add (local.get $i) (T.const 8)))
                      (br_if $next (T.lt_u (local.get $i) (local.get $n))))))
                """.replace("T.", t + ".").replace(" T ", " " + t + " ").replace(" T)", " " + t + ")");
    }

    @Setup
    public void setUp() {
        Engine engine = Engine.create();
        store = new Store(engine);
        Instance i = Instance.create(store, Module.compile(engine, module(addressType).getBytes(StandardCharsets.UTF_8)));
        sum = i.func("sum");
        copy = i.func("copy");
        boolean wide = addressType.equals("i64");
        size = wide ? Val.i64(SIZE - 24) : Val.i32(SIZE - 24);
        Val half = wide ? Val.i64(SIZE / 2) : Val.i32(SIZE / 2);
        copy.call(half); // warm the pages
        this.half = half;
    }

    @TearDown
    public void tearDown() {
        store.close();
    }

    @Benchmark
    public long sum() {
        return sum.call(size)[0].i64();
    }

    @Benchmark
    public void copy() {
        copy.call(half);
    }
}
