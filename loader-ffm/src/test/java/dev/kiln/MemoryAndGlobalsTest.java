package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.abi.TrapCode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Linear memory, bounds checks, bulk memory, data segments and globals through the runtime. */
class MemoryAndGlobalsTest extends StoreFixture {
    MemoryAndGlobalsTest() {
        super(verifyingEngine());
    }

    private Instance instantiate(String wat) {
        return Instance.create(store, Module.compile(engine, wat.getBytes(StandardCharsets.UTF_8)));
    }

    private static final String ACCESS = """
            (module
              (memory (export "mem") 1 3)
              (data (i32.const 16) "\\01\\02\\03\\04\\05\\06\\07\\08\\ff\\fe")
              (func (export "i32.load") (param i32) (result i32) (i32.load (local.get 0)))
              (func (export "i64.load") (param i32) (result i64) (i64.load (local.get 0)))
              (func (export "i32.load8_s") (param i32) (result i32) (i32.load8_s (local.get 0)))
              (func (export "i32.load8_u") (param i32) (result i32) (i32.load8_u (local.get 0)))
              (func (export "i32.load16_s") (param i32) (result i32) (i32.load16_s (local.get 0)))
              (func (export "i64.load32_s") (param i32) (result i64) (i64.load32_s (local.get 0)))
              (func (export "i64.load32_u") (param i32) (result i64) (i64.load32_u offset=4 (local.get 0)))
              (func (export "f64.load") (param i32) (result f64) (f64.load (local.get 0)))
              (func (export "i32.store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
              (func (export "i64.store") (param i32 i64) (i64.store offset=8 (local.get 0) (local.get 1)))
              (func (export "f32.store") (param i32 f32) (f32.store (local.get 0) (local.get 1)))
              (func (export "size") (result i32) (memory.size))
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
              (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
              (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
              (func (export "sum") (param $p i32) (param $n i32) (result i64) (local $acc i64)
                (block $done (loop $next
                  (br_if $done (i32.eqz (local.get $n)))
                  (local.set $acc (i64.add (local.get $acc) (i64.load8_u (local.get $p))))
                  (local.set $p (i32.add (local.get $p) (i32.const 1)))
                  (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                  (br $next)))
                (local.get $acc)))
            """;

    @Test
    void loadsAndStoresOfEveryWidthAgainstTheJavaView() {
        Instance i = instantiate(ACCESS);
        MemorySegment mem = i.memory("mem").segment();
        assertEquals(65536, mem.byteSize());
        assertEquals(0x04030201, i.func("i32.load").call(Val.i32(16))[0].i32());
        assertEquals(0x0807060504030201L, i.func("i64.load").call(Val.i32(16))[0].i64());
        assertEquals(-1, i.func("i32.load8_s").call(Val.i32(24))[0].i32());
        assertEquals(255, i.func("i32.load8_u").call(Val.i32(24))[0].i32());
        assertEquals((short) 0xFEFF, i.func("i32.load16_s").call(Val.i32(24))[0].i32());
        // bytes ff fe 00 00 at 24: a positive i32, so sign extension keeps it
        assertEquals(0x0000FEFFL, i.func("i64.load32_s").call(Val.i32(24))[0].i64());
        assertEquals(-257L, i.func("i64.load32_s").call(Val.i32(22))[0].i64() >> 16);
        assertEquals(0x08070605L, i.func("i64.load32_u").call(Val.i32(16))[0].i64());
        i.func("i32.store8").call(Val.i32(100), Val.i32(0x1FF));
        assertEquals((byte) 0xFF, mem.get(ValueLayout.JAVA_BYTE, 100));
        assertEquals(0, mem.get(ValueLayout.JAVA_BYTE, 101));
        i.func("i64.store").call(Val.i32(200), Val.i64(0x1122334455667788L));
        assertEquals(0x1122334455667788L, mem.get(ValueLayout.JAVA_LONG_UNALIGNED, 208));
        i.func("f32.store").call(Val.i32(301), Val.f32(1.5f));
        assertEquals(1.5f, mem.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 301));
        mem.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, 400, Math.PI);
        assertEquals(Math.PI, i.func("f64.load").call(Val.i32(400))[0].f64());
        Random rnd = new Random(7);
        long want = 0;
        for (int k = 0; k < 5000; k++) {
            byte b = (byte) rnd.nextInt();
            mem.set(ValueLayout.JAVA_BYTE, 1000 + k, b);
            want += b & 0xFF;
        }
        assertEquals(want, i.func("sum").call(Val.i32(1000), Val.i32(5000))[0].i64());
    }

    @Test
    void accessesOutOfBoundsByOneByteTrap() {
        Instance i = instantiate(ACCESS);
        assertEquals(0, i.func("i32.load").call(Val.i32(65532))[0].i32());
        assertEquals(TrapCode.MEMORY_OUT_OF_BOUNDS, assertThrows(Trap.class, () -> i.func("i32.load").call(Val.i32(65533))).kind());
        assertEquals("out of bounds memory access",
                assertThrows(Trap.class, () -> i.func("i64.load").call(Val.i32(65529))).getMessage().lines().findFirst()
                        .orElseThrow());
        assertThrows(Trap.class, () -> i.func("i32.load").call(Val.i32(-1)));
        assertThrows(Trap.class, () -> i.func("i64.load32_u").call(Val.i32(65529)));
        assertEquals(0, i.func("i64.load32_u").call(Val.i32(65528))[0].i64());
        assertThrows(Trap.class, () -> i.func("i64.store").call(Val.i32(65521), Val.i64(1)));
        i.func("i64.store").call(Val.i32(65520), Val.i64(1));
        assertThrows(Trap.class, () -> i.func("i32.store8").call(Val.i32(65536), Val.i32(1)));
    }

    @Test
    void memoryGrowCommitsPagesUpToTheMaximum() {
        Instance i = instantiate(ACCESS);
        assertEquals(1, i.func("size").call()[0].i32());
        assertThrows(Trap.class, () -> i.func("i32.load").call(Val.i32(65536)));
        assertEquals(1, i.func("grow").call(Val.i32(1))[0].i32());
        assertEquals(2, i.func("size").call()[0].i32());
        assertEquals(0, i.func("i32.load").call(Val.i32(65536 * 2 - 4))[0].i32());
        i.func("i32.store8").call(Val.i32(65536 * 2 - 1), Val.i32(9));
        assertEquals(9, i.memory("mem").segment().get(ValueLayout.JAVA_BYTE, 65536 * 2 - 1));
        assertEquals(-1, i.func("grow").call(Val.i32(2))[0].i32(), "beyond the maximum of 3 pages");
        assertEquals(2, i.func("grow").call(Val.i32(0))[0].i32());
        assertEquals(2, i.func("grow").call(Val.i32(1))[0].i32());
        assertEquals(3, i.memory("mem").size());
        assertEquals(-1, i.func("grow").call(Val.i32(-1))[0].i32());
        assertEquals(-1, i.memory("mem").grow(1));
    }

    @Test
    void bulkMemoryFillAndOverlappingCopy() {
        Instance i = instantiate(ACCESS);
        MemorySegment mem = i.memory("mem").segment();
        i.func("fill").call(Val.i32(1000), Val.i32(0xAB), Val.i32(50));
        for (int k = 0; k < 50; k++) {
            assertEquals((byte) 0xAB, mem.get(ValueLayout.JAVA_BYTE, 1000 + k));
        }
        assertEquals(0, mem.get(ValueLayout.JAVA_BYTE, 1050));
        byte[] ref = new byte[200];
        for (int k = 0; k < 200; k++) {
            ref[k] = (byte) k;
            mem.set(ValueLayout.JAVA_BYTE, 2000 + k, (byte) k);
        }
        i.func("copy").call(Val.i32(2010), Val.i32(2000), Val.i32(100)); // forward overlap: dst above src
        System.arraycopy(ref.clone(), 0, ref, 10, 100);
        i.func("copy").call(Val.i32(2050), Val.i32(2060), Val.i32(100)); // backward overlap: dst below src
        System.arraycopy(ref.clone(), 60, ref, 50, 100);
        assertArrayEquals(ref, mem.asSlice(2000, 200).toArray(ValueLayout.JAVA_BYTE));
        assertThrows(Trap.class, () -> i.func("fill").call(Val.i32(65500), Val.i32(1), Val.i32(37)));
        i.func("fill").call(Val.i32(65500), Val.i32(1), Val.i32(36));
        assertThrows(Trap.class, () -> i.func("copy").call(Val.i32(0), Val.i32(65536), Val.i32(1)));
        i.func("copy").call(Val.i32(65536), Val.i32(0), Val.i32(0));
    }

    @Test
    void passiveDataSegmentsInitAndDrop() {
        Instance i = instantiate("""
                (module
                  (memory (export "m") 1)
                  (data $d "hello, kiln")
                  (func (export "init") (param i32 i32 i32) (memory.init $d (local.get 0) (local.get 1) (local.get 2)))
                  (func (export "drop") (data.drop $d)))
                """);
        i.func("init").call(Val.i32(10), Val.i32(7), Val.i32(4));
        assertEquals("kiln", new String(i.memory("m").segment().asSlice(10, 4).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII));
        assertThrows(Trap.class, () -> i.func("init").call(Val.i32(0), Val.i32(8), Val.i32(4)));
        i.func("drop").call();
        assertThrows(Trap.class, () -> i.func("init").call(Val.i32(0), Val.i32(0), Val.i32(1)));
        i.func("init").call(Val.i32(0), Val.i32(0), Val.i32(0));
    }

    @Test
    void activeSegmentOutOfBoundsFailsInstantiation() {
        Module m = Module.compile(engine, """
                (module (memory 1) (data (i32.const 65530) "1234567"))
                """.getBytes(StandardCharsets.UTF_8));
        assertEquals(TrapCode.MEMORY_OUT_OF_BOUNDS, assertThrows(Trap.class, () -> Instance.create(store, m)).kind());
    }

    @Test
    void globalsReadWrittenByWasmAndJava() {
        Instance i = instantiate("""
                (module
                  (global $c (export "counter") (mut i32) (i32.const 40))
                  (global $k (export "k") f64 (f64.const 2.5))
                  (global $big (mut i64) (i64.const -5))
                  (func (export "bump") (result i32)
                    (global.set $c (i32.add (global.get $c) (i32.const 1)))
                    (global.get $c))
                  (func (export "scale") (param f64) (result f64) (f64.mul (local.get 0) (global.get $k)))
                  (func (export "big") (result i64) (global.set $big (i64.mul (global.get $big) (i64.const 3))) (global.get $big)))
                """);
        assertEquals(41, i.func("bump").call()[0].i32());
        assertEquals(41, i.global("counter").get().i32());
        i.global("counter").set(Val.i32(100));
        assertEquals(101, i.func("bump").call()[0].i32());
        assertEquals(5.0, i.func("scale").call(Val.f64(2))[0].f64());
        assertEquals(-15, i.func("big").call()[0].i64());
        assertThrows(IllegalStateException.class, () -> i.global("k").set(Val.f64(1)));
        assertEquals(2.5, i.global("k").get().f64());
    }
}
