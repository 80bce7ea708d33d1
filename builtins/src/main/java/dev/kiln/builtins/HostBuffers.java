package dev.kiln.builtins;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

/**
 * A ready-made compile-time builtin: zero-copy access from Wasm to native buffers of the host.
 * Java registers {@link MemorySegment}s as integer handles in a table kept in store data; the
 * builtin ({@link #builtin()}, WAT resource {@code dev/kiln/builtins/host-buffers.wat}) exports, over
 * handles, {@code len (h i32) -> i64}, {@code get-u8}/{@code get-u32 (h i32, offset i64) -> i32},
 * {@code get-u64 (h, offset) -> i64}, and {@code set-u8}/{@code set-u32 (h, offset, value i32)},
 * {@code set-u64 (h, offset, value i64)} (offsets in bytes, native byte order, any alignment). Every
 * access uses the checked intrinsics: a handle that is not registered, or an offset with
 * {@code offset + size > length}, traps with {@code out of bounds memory access}. The guest's calls
 * are inlined; in a loop the table look-ups are hoisted, so a loop over a buffer does one load per
 * element.
 *
 * <p>The complete example: a guest summing the bytes of a Java-owned buffer.
 * <pre>{@code
 * String guest = """
 *     (module
 *       (import "host-buffers" "len" (func $len (param i32) (result i64)))
 *       (import "host-buffers" "get-u8" (func $get (param i32 i64) (result i32)))
 *       (func (export "sum") (param $h i32) (result i64)
 *         (local $i i64) (local $n i64) (local $sum i64)
 *         (local.set $n (call $len (local.get $h)))
 *         (if (i64.eqz (local.get $n)) (then (return (i64.const 0))))
 *         (loop $next
 *           (local.set $sum (i64.add (local.get $sum)
 *             (i64.extend_i32_u (call $get (local.get $h) (local.get $i)))))
 *           (local.set $i (i64.add (local.get $i) (i64.const 1)))
 *           (br_if $next (i64.lt_u (local.get $i) (local.get $n))))
 *         (local.get $sum)))
 *     """;
 * Engine engine = Engine.create();
 * Module module = Module.builder(engine)
 *         .exposeUnsafeIntrinsics("unsafe-intrinsics")
 *         .compileTimeBuiltin(HostBuffers.NAME, HostBuffers.builtin())
 *         .compile(guest.getBytes(StandardCharsets.UTF_8));
 * try (Arena arena = Arena.ofConfined();
 *      HostBuffers buffers = new HostBuffers(16);
 *      Store store = new Store(engine, buffers.storeData())) {
 *     MemorySegment data = arena.allocate(1 << 20);         // the host's buffer
 *     data.fill((byte) 1);
 *     int h = buffers.register(data);                        // no copy
 *     Instance instance = Instance.create(store, module);
 *     long sum = instance.func("sum").call(Val.i32(h))[0].i64();   // 1048576
 *     buffers.unregister(h);
 * }
 * }</pre>
 *
 * <p>Memory: the table and its header live in memory owned by this object ({@link #close()} frees
 * them); registered segments stay owned by the caller, whose arena must stay open while the segment
 * is registered and Wasm may run. Store data is a single pointer: an embedder that needs its own
 * store data as well puts {@link #HEADER} first in its own struct and copies {@link #storeData()}'s
 * 16 bytes there (and again after the table grows, see {@link #register}). Not thread-safe: use it
 * from the thread that uses the store.
 */
public final class HostBuffers implements AutoCloseable {
    /** The conventional builtin name, {@code "host-buffers"}: the module name the guest imports from. */
    public static final String NAME = "host-buffers";

    /**
     * The store-data struct the builtin reads: {@code u64 entries} (address of the handle table) and
     * {@code u64 entriesBytes} (its size in bytes, 16 per handle).
     */
    public static final StructLayout HEADER = MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("entries"),
            ValueLayout.JAVA_LONG.withName("entriesBytes"));

    private final Arena arena = Arena.ofShared();
    private final MemorySegment header;
    private MemorySegment table;
    private int next;
    private final Deque<Integer> free = new ArrayDeque<>();
    private MemorySegment[] segments;

    /**
     * An empty table with room for {@code capacity} handles (it grows when needed).
     *
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    public HostBuffers(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        header = arena.allocate(HEADER);
        table = arena.allocate(16L * capacity, 16);
        segments = new MemorySegment[capacity];
        publish();
    }

    private void publish() {
        header.set(ValueLayout.JAVA_LONG, 0, table.address());
        header.set(ValueLayout.JAVA_LONG, 8, table.byteSize());
    }

    /** The builtin module (WAT text) to pass to {@code compileTimeBuiltin(NAME, ...)}. */
    public static byte[] builtin() {
        try (InputStream in = HostBuffers.class.getResourceAsStream("host-buffers.wat")) {
            if (in == null) {
                throw new IllegalStateException("resource dev/kiln/builtins/host-buffers.wat is missing from kiln-builtins");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The store data to give the store ({@code new Store(engine, storeData())}): a {@link #HEADER}. */
    public MemorySegment storeData() {
        return header;
    }

    /**
     * Registers {@code segment} (no copy: Wasm reads and writes it in place) and returns its handle,
     * the smallest free one. Growing the table moves it; the header in {@link #storeData()} is
     * updated, so this must not be called while Wasm code of the store runs.
     *
     * @throws IllegalArgumentException if {@code segment} is a heap segment (it has no stable address)
     * @throws IllegalStateException    if closed
     */
    public int register(MemorySegment segment) {
        Objects.requireNonNull(segment);
        if (!segment.isNative()) {
            throw new IllegalArgumentException("only native segments can be shared with Wasm, not heap segments");
        }
        int h;
        if (!free.isEmpty()) {
            h = free.pop();
        } else {
            h = next++;
            if (16L * (h + 1) > table.byteSize()) {
                MemorySegment bigger = arena.allocate(table.byteSize() * 2, 16);
                bigger.copyFrom(table);
                table = bigger; // the old table stays allocated until close (the arena frees both)
                segments = java.util.Arrays.copyOf(segments, segments.length * 2);
                publish();
            }
        }
        table.set(ValueLayout.JAVA_LONG, 16L * h, segment.address());
        table.set(ValueLayout.JAVA_LONG, 16L * h + 8, segment.byteSize());
        segments[h] = segment;
        return h;
    }

    /**
     * Forgets handle {@code h}: Wasm accesses through it trap from now on, and the handle may be
     * given out again.
     *
     * @throws IllegalArgumentException if {@code h} is not registered
     */
    public void unregister(int h) {
        get(h);
        table.set(ValueLayout.JAVA_LONG, 16L * h, 0);
        table.set(ValueLayout.JAVA_LONG, 16L * h + 8, 0);
        segments[h] = null;
        free.push(h);
    }

    /**
     * The segment registered as {@code h}.
     *
     * @throws IllegalArgumentException if {@code h} is not registered
     */
    public MemorySegment get(int h) {
        if (h < 0 || h >= next || segments[h] == null) {
            throw new IllegalArgumentException("handle " + h + " is not registered");
        }
        return segments[h];
    }

    /** Frees the table and header; registered segments are not touched. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
