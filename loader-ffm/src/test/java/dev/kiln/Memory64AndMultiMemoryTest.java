package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.TrapCode;
import dev.kiln.abi.ValType;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Wasm 3.0 memory64, multi-memory and extended constant expressions through the runtime. */
class Memory64AndMultiMemoryTest extends StoreFixture {
    Memory64AndMultiMemoryTest() {
        super(verifyingEngine());
    }

    private Instance instantiate(String wat) {
        return Instance.create(store, Module.compile(engine, wat.getBytes(StandardCharsets.UTF_8)));
    }

    /** Resident set size of this process in KiB (Linux {@code /proc/self/status}). */
    private static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    @Test
    void aMemoryBeyond4GiBIsSparseAndTrapsExactlyAtItsEnd() throws IOException {
        long pages = 65536 + 16; // 4 GiB + 1 MiB
        long end = pages * 65536;
        Instance i = instantiate("""
                (module
                  (memory (export "mem") i64 65552 70000)
                  (func (export "load") (param i64) (result i64) (i64.load (local.get 0)))
                  (func (export "load8") (param i64) (result i32) (i32.load8_u (local.get 0)))
                  (func (export "store") (param i64 i64) (i64.store (local.get 0) (local.get 1)))
                  (func (export "load_off") (param i64) (result i64) (i64.load offset=0x100000000 (local.get 0)))
                  (func (export "size") (result i64) (memory.size))
                  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0))))
                """);
        long before = residentKiB();
        Memory mem = i.memory("mem");
        assertTrue(mem.is64());
        assertEquals(end, mem.byteSize());
        assertEquals(pages, i.func("size").call()[0].i64());
        // beyond 4 GiB, through the index and through the static offset
        i.func("store").call(Val.i64(0x1_0000_0008L), Val.i64(0x1122_3344_5566_7788L));
        assertEquals(0x1122_3344_5566_7788L, i.func("load").call(Val.i64(0x1_0000_0008L))[0].i64());
        assertEquals(0x1122_3344_5566_7788L, i.func("load_off").call(Val.i64(8))[0].i64());
        assertEquals(0x1122_3344_5566_7788L, mem.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0x1_0000_0008L));
        // the last bytes, and one byte past them
        i.func("store").call(Val.i64(end - 8), Val.i64(-2));
        assertEquals(-2, i.func("load").call(Val.i64(end - 8))[0].i64());
        assertEquals(0xFE, i.func("load8").call(Val.i64(end - 8))[0].i32());
        assertEquals(0xFF, i.func("load8").call(Val.i64(end - 1))[0].i32());
        for (long bad : new long[] {end - 7, end, end + 1, -1, -8, Long.MIN_VALUE, 1L << 48}) {
            Trap t = assertThrows(Trap.class, () -> i.func("load").call(Val.i64(bad)), Long.toHexString(bad));
            assertEquals(TrapCode.MEMORY_OUT_OF_BOUNDS, t.kind());
        }
        assertThrows(Trap.class, () -> i.func("load8").call(Val.i64(end)));
        assertThrows(Trap.class, () -> i.func("load_off").call(Val.i64(end - 0x1_0000_0000L - 7)));
        // grow past 4 GiB + 1 MiB, then the new end
        assertEquals(pages, i.func("grow").call(Val.i64(16))[0].i64());
        assertEquals(-1, i.func("grow").call(Val.i64(1L << 40))[0].i64());
        assertEquals(0, i.func("load").call(Val.i64(end))[0].i64());
        // only the touched pages became resident: far less than the 4 GiB
        long grown = residentKiB() - before;
        assertTrue(grown < 256 * 1024, "resident memory grew by " + grown + " KiB");
    }

    @Test
    void aMinimumBeyondTheReservationLimitIsAnInstantiationError() {
        long pages = Memory.MEMORY64_RESERVATION_LIMIT / Memory.PAGE_SIZE + 1;
        Module m = Module.compile(engine, ("(module (memory i64 " + pages + "))").getBytes(StandardCharsets.UTF_8));
        LinkException e = assertThrows(LinkException.class, () -> Instance.create(store, m));
        assertTrue(e.getMessage().contains("memory 0") && e.getMessage().contains("reservation"), e.getMessage());
    }

    @Test
    void severalMemoriesWithCopiesBetweenThem() {
        Memory imported = Memory.create(store, 1, 2);
        Module m = Module.compile(engine, """
                (module
                  (memory $a (import "env" "a") 1 2)
                  (memory $b (export "b") 1 4)
                  (memory $c (export "c") i64 1)
                  (data (memory $b) (i32.const 8) "hello")
                  (func (export "copy_ba") (param i32 i32 i32) (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2)))
                  (func (export "copy_ca") (param i64 i32 i32) (memory.copy $c $a (local.get 0) (local.get 1) (local.get 2)))
                  (func (export "load_b") (param i32) (result i32) (i32.load8_u $b (local.get 0)))
                  (func (export "store_c") (param i64 i32) (i32.store8 $c (local.get 0) (local.get 1)))
                  (func (export "size_b") (result i32) (memory.size $b))
                  (func (export "grow_b") (param i32) (result i32) (memory.grow $b (local.get 0)))
                  (func (export "fill_c") (param i64 i32 i64) (memory.fill $c (local.get 0) (local.get 1) (local.get 2))))
                """.getBytes(StandardCharsets.UTF_8));
        Instance i = Instance.create(store, m, imported);
        assertEquals(104, i.func("load_b").call(Val.i32(8))[0].i32()); // 'h'
        i.func("copy_ba").call(Val.i32(100), Val.i32(8), Val.i32(5));
        assertEquals("hello", new String(imported.segment().asSlice(100, 5).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.US_ASCII));
        i.func("copy_ca").call(Val.i64(65531), Val.i32(100), Val.i32(5));
        assertEquals('o', i.memory("c").segment().get(ValueLayout.JAVA_BYTE, 65535));
        assertThrows(Trap.class, () -> i.func("copy_ca").call(Val.i64(65532), Val.i32(100), Val.i32(5)));
        assertEquals(1, i.func("size_b").call()[0].i32());
        assertEquals(1, i.func("grow_b").call(Val.i32(2))[0].i32());
        assertEquals(-1, i.func("grow_b").call(Val.i32(2))[0].i32());
        assertEquals(3, i.memory("b").size());
        i.func("fill_c").call(Val.i64(10), Val.i32(7), Val.i64(3));
        assertEquals(7, i.memory("c").segment().get(ValueLayout.JAVA_BYTE, 12));
        assertThrows(Trap.class, () -> i.func("fill_c").call(Val.i64(-1), Val.i32(7), Val.i64(2)));
        assertEquals(1, imported.size());
        assertFalse(imported.is64());
        assertEquals(3, i.memories().size());
    }

    @Test
    void extendedConstantExpressionsReadImportedAndEarlierGlobals() {
        Linker linker = new Linker();
        linker.define("env", "base", Global.create(store, ValType.I32, false, Val.i32(100)));
        Instance i = linker.instantiate(store, Module.compile(engine, """
                (module
                  (global $base (import "env" "base") i32)
                  (global $twice i32 (i32.mul (global.get $base) (i32.const 2)))
                  (global $k i64 (i64.sub (i64.const 10) (i64.const 3)))
                  (memory (export "mem") 1)
                  (data (i32.add (global.get $twice) (i32.const 8)) "x")
                  (func (export "twice") (result i32) (global.get $twice))
                  (func (export "k") (result i64) (global.get $k)))
                """.getBytes(StandardCharsets.UTF_8)));
        assertEquals(200, i.func("twice").call()[0].i32());
        assertEquals(7, i.func("k").call()[0].i64());
        assertEquals('x', i.memory("mem").segment().get(ValueLayout.JAVA_BYTE, 208));
    }
}
