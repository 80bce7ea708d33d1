package dev.kiln.builtins;

import static dev.kiln.builtins.SmokeTest.ENGINE;
import static dev.kiln.builtins.SmokeTest.wat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Instance;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Trap;
import dev.kiln.abi.TrapCode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * Wasmtime's zero-copy example compiled and run, with the buffer placed so that the loop's stores
 * miss the store data (the checked loop of {@code opt.LoopVersioning}, with the buffer's address and
 * length read once) or overwrite it (the original loop, which reads both again each element): the
 * results must be exactly those of the loop as written. The store data is {@code struct { u64
 * address; u64 length; }} at the start of a 1 KiB segment, so that even a wrong loop would stay
 * inside memory the test owns.
 */
class ZeroCopyVersioningTest {
    static final String BUILTIN = """
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

    static final String GUEST = """
            (module
              (import "host" "len" (func $len (result i32)))
              (import "host" "get" (func $get (param i32) (result i32)))
              (import "host" "set" (func $set (param i32 i32)))
              (func (export "increment_all") (local $i i32) (local $n i32)
                (local.set $n (call $len))
                (block $done
                  (br_if $done (i32.eqz (local.get $n)))
                  (loop $next
                    (call $set (local.get $i) (i32.add (call $get (local.get $i)) (i32.const 1)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br_if $next (i32.lt_u (local.get $i) (local.get $n)))))))
            """;

    private static final Module MODULE = Module.builder(ENGINE).exposeUnsafeIntrinsics("unsafe-intrinsics")
            .compileTimeBuiltin("host", wat(BUILTIN)).compile(wat(GUEST));

    /**
     * Runs {@code increment_all} with the buffer at byte {@code offset} of the segment (whose first 16
     * bytes are the store data) and {@code length}; returns the segment's bytes afterwards, or throws
     * the trap.
     */
    private static byte[] run(MemorySegment segment, long offset, long length) {
        for (int k = 0; k < segment.byteSize(); k++) {
            segment.set(ValueLayout.JAVA_BYTE, k, (byte) (k * 13));
        }
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, segment.address() + offset);
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, length);
        try (Store store = new Store(ENGINE, segment)) {
            Instance.create(store, MODULE).func("increment_all").call();
        }
        return segment.toArray(ValueLayout.JAVA_BYTE);
    }

    /** What the loop as written does, on a copy of the segment's bytes (store data at 0). */
    private static byte[] reference(byte[] bytes, long base, int n) {
        for (int i = 0; i < n; i++) {
            long len = readLong(bytes, 8) & 0xFFFF_FFFFL;
            if ((i & 0xFFFF_FFFFL) >= len) {
                throw new Trap(TrapCode.UNREACHABLE);
            }
            long address = readLong(bytes, 0) - base;
            bytes[(int) (address + i)]++;
        }
        return bytes;
    }

    private static long readLong(byte[] b, int at) {
        long v = 0;
        for (int k = 7; k >= 0; k--) {
            v = (v << 8) | (b[at + k] & 0xFF);
        }
        return v;
    }

    private static byte[] initial(MemorySegment segment, long offset, long length) {
        byte[] b = new byte[(int) segment.byteSize()];
        for (int k = 0; k < b.length; k++) {
            b[k] = (byte) (k * 13);
        }
        MemorySegment copy = MemorySegment.ofArray(b);
        copy.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, segment.address() + offset);
        copy.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, length);
        return b;
    }

    @Test
    void aBufferBesideTheStoreDataIsIncrementedOnce() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(1024, 16);
            for (long[] c : new long[][] {{16, 1008}, {100, 500}, {512, 1}}) {
                byte[] expected = reference(initial(s, c[0], c[1]), s.address(), (int) c[1]);
                assertArrayEquals(expected, run(s, c[0], c[1]), "buffer at " + c[0] + ", length " + c[1]);
            }
        }
    }

    @Test
    void aBufferOverTheStoreDataSeesEachIncrementOfItsAddress() {
        // address = the store data itself, length 2: the first increment moves the buffer to sda + 1, so
        // the second writes sda + 2 (sda + 1 in a loop that had read the address once)
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(1024, 16);
            byte[] before = initial(s, 0, 2);
            byte[] after = run(s, 0, 2);
            assertEquals((byte) (before[0] + 1), after[0]);
            assertEquals(before[1], after[1]);
            assertEquals((byte) (before[2] + 1), after[2]);
            assertArrayEquals(reference(initial(s, 0, 2), s.address(), 2), after);
        }
    }

    @Test
    void aBufferOverTheLengthTrapsWhenTheLengthDrops() {
        // address = the length field, length 0xFF: the first increment wraps its low byte to 0, so the
        // second element fails the bounds check (a loop that had read the length once would go on)
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(1024, 16);
            Trap t = assertThrows(Trap.class, () -> run(s, 8, 0xFF));
            assertEquals(TrapCode.UNREACHABLE, t.kind());
            assertEquals(0, s.get(ValueLayout.JAVA_BYTE, 8));
            assertEquals(0, s.get(ValueLayout.JAVA_BYTE, 9)); // the length's second byte, never reached
            assertThrows(Trap.class, () -> reference(initial(s, 8, 0xFF), s.address(), 0xFF));
        }
    }
}
