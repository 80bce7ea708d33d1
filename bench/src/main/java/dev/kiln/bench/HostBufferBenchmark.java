package dev.kiln.bench;

import dev.kiln.Engine;
import dev.kiln.Func;
import dev.kiln.Instance;
import dev.kiln.Linker;
import dev.kiln.Memory;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Val;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import dev.kiln.builtins.HostBuffers;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Summing the bytes of a 1 MiB buffer owned by the host (a native {@link MemorySegment}) from Wasm,
 * four ways (compile-time builtins, DESIGN §4):
 * <ul>
 * <li>{@code builtin}: through the ready-made {@link HostBuffers} builtin ({@code get-u8(handle, i)}),
 *     linked into the guest and inlined at compile time: zero copy, checked access;</li>
 * <li>{@code hostFunction}: through a Java host-function import called once per byte;</li>
 * <li>{@code copyIntoMemory}: copying the buffer into the instance's linear memory first (the copy
 *     is measured), then a plain Wasm loop;</li>
 * <li>{@code plainWasm}: the plain Wasm loop over bytes already in its own linear memory (the bound).</li>
 * </ul>
 * Every guest loop has the same shape (a do-while over i64 offsets adding {@code u8} values into an
 * i64). Time per whole sum, in microseconds. Aim: {@code builtin} at least 20 times faster than
 * {@code hostFunction} and within 1.5 times {@code plainWasm}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class HostBufferBenchmark {
    /** Bytes summed: 1 MiB. */
    public static final int SIZE = 1 << 20;

    private static final String BUILTIN_GUEST = """
            (module
              (import "host-buffers" "len" (func $len (param i32) (result i64)))
              (import "host-buffers" "get-u8" (func $get (param i32 i64) (result i32)))
              (func (export "sum") (param $h i32) (result i64)
                (local $i i64) (local $n i64) (local $sum i64)
                (local.set $n (call $len (local.get $h)))
                (if (i64.eqz (local.get $n)) (then (return (i64.const 0))))
                (loop $next
                  (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (call $get (local.get $h) (local.get $i)))))
                  (local.set $i (i64.add (local.get $i) (i64.const 1)))
                  (br_if $next (i64.lt_u (local.get $i) (local.get $n))))
                (local.get $sum)))
            """;

    private static final String HOST_GUEST = """
            (module
              (import "env" "get" (func $get (param i64) (result i32)))
              (func (export "sum") (param $n i64) (result i64)
                (local $i i64) (local $sum i64)
                (if (i64.eqz (local.get $n)) (then (return (i64.const 0))))
                (loop $next
                  (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (call $get (local.get $i)))))
                  (local.set $i (i64.add (local.get $i) (i64.const 1)))
                  (br_if $next (i64.lt_u (local.get $i) (local.get $n))))
                (local.get $sum)))
            """;

    private static final String MEMORY_GUEST = """
            (module
              (memory (export "memory") 17)
              (func (export "sum") (param $n i64) (result i64)
                (local $i i64) (local $sum i64)
                (if (i64.eqz (local.get $n)) (then (return (i64.const 0))))
                (loop $next
                  (local.set $sum (i64.add (local.get $sum) (i64.load8_u (i32.wrap_i64 (local.get $i)))))
                  (local.set $i (i64.add (local.get $i) (i64.const 1)))
                  (br_if $next (i64.lt_u (local.get $i) (local.get $n))))
                (local.get $sum)))
            """;

    private Arena arena;
    private MemorySegment buffer;
    private HostBuffers buffers;
    private Store builtinStore;
    private Store store;
    private int handle;
    private MethodHandle builtinSum;
    private MethodHandle hostSum;
    private MethodHandle memorySum;
    private MemorySegment linearMemory;
    private long expected;

    /** Fills the buffer and compiles and instantiates the four guests. */
    @Setup(Level.Trial)
    public void setup() {
        Engine engine = Engine.create();
        arena = Arena.ofShared();
        buffer = arena.allocate(SIZE, 64);
        for (int i = 0; i < SIZE; i++) {
            byte b = (byte) (i * 31 + 7);
            buffer.set(ValueLayout.JAVA_BYTE, i, b);
            expected += b & 0xFF;
        }
        buffers = new HostBuffers(4);
        handle = buffers.register(buffer);
        builtinStore = new Store(engine, buffers.storeData());
        Module builtin = Module.builder(engine).exposeUnsafeIntrinsics("unsafe-intrinsics")
                .compileTimeBuiltin(HostBuffers.NAME, HostBuffers.builtin()).compile(bytes(BUILTIN_GUEST));
        builtinSum = Instance.create(builtinStore, builtin).func("sum").handle();

        store = new Store(engine);
        MemorySegment buf = buffer;
        Func get = Func.wrap(store, FuncType.of(List.of(ValType.I64), List.of(ValType.I32)),
                args -> new Val[] {Val.i32(buf.get(ValueLayout.JAVA_BYTE, args[0].i64()) & 0xFF)});
        hostSum = new Linker().define("env", "get", get).instantiate(store, Module.compile(engine, bytes(HOST_GUEST)))
                .func("sum").handle();
        Instance mem = Instance.create(store, Module.compile(engine, bytes(MEMORY_GUEST)));
        memorySum = mem.func("sum").handle();
        Memory memory = mem.memory("memory");
        linearMemory = memory.segment();
        check();
    }

    private void check() {
        try {
            long[] got = {builtin(), hostFunction(), copyIntoMemory(), plainWasm()};
            for (long g : got) {
                if (g != expected) {
                    throw new IllegalStateException("sum " + g + ", expected " + expected);
                }
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Frees the stores, the table and the buffer. */
    @TearDown(Level.Trial)
    public void tearDown() {
        builtinStore.close();
        store.close();
        buffers.close();
        arena.close();
    }

    /** Through the inlined HostBuffers builtin: zero copy. */
    @Benchmark
    public long builtin() throws Throwable {
        return (long) builtinSum.invokeExact(handle);
    }

    /** Through a Java host function per byte. */
    @Benchmark
    public long hostFunction() throws Throwable {
        return (long) hostSum.invokeExact((long) SIZE);
    }

    /** Copy into linear memory, then the plain loop. */
    @Benchmark
    public long copyIntoMemory() throws Throwable {
        MemorySegment.copy(buffer, 0, linearMemory, 0, SIZE);
        return (long) memorySum.invokeExact((long) SIZE);
    }

    /** The plain loop over the guest's own linear memory (the data is already there). */
    @Benchmark
    public long plainWasm() throws Throwable {
        return (long) memorySum.invokeExact((long) SIZE);
    }
}
