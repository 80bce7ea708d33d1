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
 *
 * <p>Then Wasmtime's zero-copy example, incrementing each byte of another 1 MiB host buffer in place
 * ({@code Increment} benchmarks): {@code zeroCopyIncrement} through {@code get}/{@code set} builtins
 * that share a bounds-check helper, all inlined (the store data is the buffer's address and length);
 * {@code hostFunctionIncrement} through {@code get}/{@code set} host functions; {@code plainWasmIncrement}
 * the same loop over linear memory. Aim (issue 20): the builtin within 1.1 times the plain loop and
 * at least 30 times faster than the host functions.
 *
 * <p>And a builtin with a cold slow path ({@code slowPathBuiltin}): {@code next()} returns the next
 * byte of a window of the buffer (cursor and end in the store data) and, when the window is used up,
 * calls a helper that calls a Java host function to move the window on (4 KiB at a time). The fast
 * path is inlined into the guest's loop; the slow path stays a call, taken once per 4096 bytes.
 * Compare with {@code builtin}.
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

    private static final String ZERO_COPY_BUILTIN = """
            (module
              (import "unsafe-intrinsics" "store-data-address" (func $sda (result i64)))
              (import "unsafe-intrinsics" "u64-native-load" (func $ld64 (param i64) (result i64)))
              (import "unsafe-intrinsics" "u8-native-load" (func $ld8 (param i64) (result i32)))
              (import "unsafe-intrinsics" "u8-native-store" (func $st8 (param i64 i32)))
              (func $base (result i64) (call $ld64 (call $sda)))
              (func $len (export "len") (result i32) (i32.wrap_i64 (call $ld64 (i64.add (call $sda) (i64.const 8)))))
              (func $bounds-check (param $i i32)
                (if (i32.ge_u (local.get $i) (call $len)) (then (unreachable))))
              (func (export "get") (param $i i32) (result i32)
                (call $bounds-check (local.get $i))
                (call $ld8 (i64.add (call $base) (i64.extend_i32_u (local.get $i)))))
              (func (export "set") (param $i i32) (param $v i32)
                (call $bounds-check (local.get $i))
                (call $st8 (i64.add (call $base) (i64.extend_i32_u (local.get $i))) (local.get $v))))
            """;

    /** The increment loop; {@code %s} is the module of get, set and len ("host" or "env"). */
    private static final String INCREMENT_GUEST = """
            (module
              (import "%1$s" "len" (func $len (result i32)))
              (import "%1$s" "get" (func $get (param i32) (result i32)))
              (import "%1$s" "set" (func $set (param i32 i32)))
              (func (export "increment_all") (local $i i32) (local $n i32)
                (local.set $n (call $len))
                (block $done
                  (br_if $done (i32.eqz (local.get $n)))
                  (loop $next
                    (call $set (local.get $i) (i32.add (call $get (local.get $i)) (i32.const 1)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br_if $next (i32.lt_u (local.get $i) (local.get $n)))))))
            """;

    private static final String INCREMENT_MEMORY_GUEST = """
            (module
              (memory (export "memory") 17)
              (func (export "increment_all") (param $n i32) (local $i i32)
                (block $done
                  (br_if $done (i32.eqz (local.get $n)))
                  (loop $next
                    (i32.store8 (local.get $i) (i32.add (i32.load8_u (local.get $i)) (i32.const 1)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br_if $next (i32.lt_u (local.get $i) (local.get $n)))))))
            """;

    private static final String READER_BUILTIN = """
            (module
              (import "unsafe-intrinsics" "store-data-address" (func $sda (result i64)))
              (import "unsafe-intrinsics" "u64-native-load" (func $ld64 (param i64) (result i64)))
              (import "unsafe-intrinsics" "u64-native-store" (func $st64 (param i64 i64)))
              (import "unsafe-intrinsics" "u8-native-load" (func $ld8 (param i64) (result i32)))
              (import "env" "refill" (func $host-refill (result i32)))
              (func $refill (result i32) (call $host-refill))
              (func (export "next") (result i32) (local $cursor i64)
                (local.set $cursor (call $ld64 (call $sda)))
                (if (result i32) (i64.lt_u (local.get $cursor) (call $ld64 (i64.add (call $sda) (i64.const 8))))
                  (then
                    (call $st64 (call $sda) (i64.add (local.get $cursor) (i64.const 1)))
                    (call $ld8 (local.get $cursor)))
                  (else (call $refill)))))
            """;

    private static final String READER_GUEST = """
            (module
              (import "reader" "next" (func $next (result i32)))
              (func (export "sum") (param $n i64) (result i64) (local $sum i64)
                (block $done
                  (br_if $done (i64.eqz (local.get $n)))
                  (loop $again
                    (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (call $next))))
                    (local.set $n (i64.sub (local.get $n) (i64.const 1)))
                    (br_if $again (i32.wrap_i64 (local.get $n)))))
                (local.get $sum)))
            """;

    /**
     * Bytes the slow path of the reader builtin makes available at a time: 4096, or the system
     * property {@code kiln.bench.window} (a power of two up to {@link #SIZE}), so that the cost of
     * the loop and of the host calls of its slow path can be told apart.
     */
    public static final int WINDOW = window();

    private static int window() {
        int w = Integer.getInteger("kiln.bench.window", 4096);
        if (w <= 0 || w > SIZE || Integer.bitCount(w) != 1) {
            throw new IllegalArgumentException("kiln.bench.window must be a power of two up to " + SIZE + ": " + w);
        }
        return w;
    }

    private Arena arena;
    private MemorySegment incBuffer;
    private MemorySegment incData;
    private MemorySegment readerData;
    private long readerNext;
    private Store incStore;
    private Store incHostStore;
    private Store readerStore;
    private MethodHandle zeroCopyIncrement;
    private MethodHandle hostIncrement;
    private MethodHandle memoryIncrement;
    private MethodHandle readerSum;
    private MemorySegment buffer;
    private HostBuffers buffers;
    private Store builtinStore;
    private Store store;
    private int handle;
    private MethodHandle builtinSum;
    private Store unguardedStore;
    private MethodHandle unguardedSum;
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
        Engine unguardedEngine = Engine.builder()
                .compileOptions(engine.compileOptions().withSpectreGuard(false)).build();
        unguardedStore = new Store(unguardedEngine, buffers.storeData());
        Module unguarded = Module.builder(unguardedEngine).exposeUnsafeIntrinsics("unsafe-intrinsics")
                .compileTimeBuiltin(HostBuffers.NAME, HostBuffers.builtin()).compile(bytes(BUILTIN_GUEST));
        unguardedSum = Instance.create(unguardedStore, unguarded).func("sum").handle();

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

        incBuffer = arena.allocate(SIZE, 64);
        incData = arena.allocate(16, 8);
        incData.set(ValueLayout.JAVA_LONG, 0, incBuffer.address());
        incData.set(ValueLayout.JAVA_LONG, 8, SIZE);
        incStore = new Store(engine, incData);
        Module zeroCopy = Module.builder(engine).exposeUnsafeIntrinsics("unsafe-intrinsics")
                .compileTimeBuiltin("host", bytes(ZERO_COPY_BUILTIN)).compile(bytes(INCREMENT_GUEST.formatted("host")));
        zeroCopyIncrement = Instance.create(incStore, zeroCopy).func("increment_all").handle();
        incHostStore = new Store(engine);
        MemorySegment inc = incBuffer;
        Func len = Func.wrap(incHostStore, FuncType.of(List.of(), List.of(ValType.I32)), args -> new Val[] {Val.i32(SIZE)});
        Func getByte = Func.wrap(incHostStore, FuncType.of(List.of(ValType.I32), List.of(ValType.I32)),
                args -> new Val[] {Val.i32(inc.get(ValueLayout.JAVA_BYTE, args[0].i32() & 0xFFFF_FFFFL) & 0xFF)});
        Func setByte = Func.wrap(incHostStore, FuncType.of(List.of(ValType.I32, ValType.I32), List.of()), args -> {
            inc.set(ValueLayout.JAVA_BYTE, args[0].i32() & 0xFFFF_FFFFL, (byte) args[1].i32());
            return new Val[0];
        });
        hostIncrement = new Linker().define("env", "len", len).define("env", "get", getByte).define("env", "set", setByte)
                .instantiate(incHostStore, Module.compile(engine, bytes(INCREMENT_GUEST.formatted("env"))))
                .func("increment_all").handle();
        memoryIncrement = Instance.create(store, Module.compile(engine, bytes(INCREMENT_MEMORY_GUEST)))
                .func("increment_all").handle();

        readerData = arena.allocate(16, 8); // cursor = end = 0: the first next() refills
        readerStore = new Store(engine, readerData);
        Func refill = Func.wrap(readerStore, FuncType.of(List.of(), List.of(ValType.I32)), args -> {
            long start = readerNext;
            readerNext = (readerNext + WINDOW) % SIZE;
            readerData.set(ValueLayout.JAVA_LONG, 0, buffer.address() + start + 1);
            readerData.set(ValueLayout.JAVA_LONG, 8, buffer.address() + start + WINDOW);
            return new Val[] {Val.i32(buffer.get(ValueLayout.JAVA_BYTE, start) & 0xFF)};
        });
        Module reader = Module.builder(engine).exposeUnsafeIntrinsics("unsafe-intrinsics")
                .compileTimeBuiltin("reader", bytes(READER_BUILTIN)).compile(bytes(READER_GUEST));
        readerSum = new Linker().define("env", "refill", refill).instantiate(readerStore, reader).func("sum").handle();
        check();
        checkIncrement();
    }

    private void checkIncrement() {
        try {
            for (MethodHandle h : new MethodHandle[] {zeroCopyIncrement, hostIncrement}) {
                byte before = incBuffer.get(ValueLayout.JAVA_BYTE, SIZE - 1);
                h.invokeExact();
                if (incBuffer.get(ValueLayout.JAVA_BYTE, SIZE - 1) != (byte) (before + 1)) {
                    throw new IllegalStateException("the last byte was not incremented");
                }
            }
            long sum = slowPathBuiltin();
            if (sum != expected) {
                throw new IllegalStateException("slow-path builtin sum " + sum + ", expected " + expected);
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void check() {
        try {
            long[] got = {builtin(), builtinWithoutSpectreGuard(), hostFunction(), copyIntoMemory(), plainWasm()};
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
        unguardedStore.close();
        store.close();
        incStore.close();
        incHostStore.close();
        readerStore.close();
        buffers.close();
        arena.close();
    }

    /** Through the inlined HostBuffers builtin: zero copy. */
    @Benchmark
    public long builtin() throws Throwable {
        return (long) builtinSum.invokeExact(handle);
    }

    /**
     * The same builtin compiled with {@code CompileOptions.withSpectreGuard(false)} (the CLI's
     * {@code --no-spectre-guard}): the bounds check stays, the {@code cmov} that clamps a speculated index goes.
     */
    @Benchmark
    public long builtinWithoutSpectreGuard() throws Throwable {
        return (long) unguardedSum.invokeExact(handle);
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

    /** Wasmtime's zero-copy example: each byte of the host buffer incremented through inlined get/set builtins. */
    @Benchmark
    public void zeroCopyIncrement() throws Throwable {
        zeroCopyIncrement.invokeExact();
    }

    /** The same increment through Java host functions get and set, per byte. */
    @Benchmark
    public void hostFunctionIncrement() throws Throwable {
        hostIncrement.invokeExact();
    }

    /** The same increment over the guest's own linear memory (the bound). */
    @Benchmark
    public void plainWasmIncrement() throws Throwable {
        memoryIncrement.invokeExact(SIZE);
    }

    /** Summing through a builtin whose fast path is inlined and whose slow path calls Java every 4 KiB. */
    @Benchmark
    public long slowPathBuiltin() throws Throwable {
        return (long) readerSum.invokeExact((long) SIZE);
    }
}
