package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.ActiveData;
import dev.kiln.abi.TrapCode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Data segments: the active ones' bytes come compressed from {@link ActiveData#SECTION} and every
 * instance gets them again; the passive ones' stay in {@code .rodata} for {@code memory.init}.
 */
class ActiveDataSegmentsTest extends StoreFixture {
    /** A WAT string literal of {@code bytes}. */
    private static String literal(byte[] bytes) {
        StringBuilder b = new StringBuilder("\"");
        for (byte x : bytes) {
            b.append(String.format("\\%02x", x & 0xff));
        }
        return b.append('"').toString();
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 97 < 60 ? 0 : i * seed);
        }
        return b;
    }

    @Test
    void everyInstanceGetsTheActiveSegmentsAndMemoryInitReadsThePassiveOne() {
        byte[] big = pattern(70_000, 13);
        byte[] small = "kiln".getBytes(StandardCharsets.UTF_8);
        byte[] passive = pattern(300, 5);
        String wat = "(module (memory (export \"mem\") 2)"
                + " (data (i32.const 16) " + literal(big) + ")"
                + " (data (i32.const 100000) " + literal(small) + ")"
                + " (data $p " + literal(passive) + ")"
                + " (func (export \"init\") (param i32 i32 i32) (memory.init $p (local.get 0) (local.get 1) (local.get 2))))";
        Module m = compile(wat);
        assertTrue(m.code().elf().section(ActiveData.SECTION).isPresent(), "active segments in " + ActiveData.SECTION);
        assertTrue(m.code().elf().section(ActiveData.SECTION).get().size() < big.length / 3,
                "compressed: " + m.code().elf().section(ActiveData.SECTION).get().size() + " bytes");
        Instance first = Instance.create(store, m);
        Memory mem = first.memory("mem");
        assertArrayEquals(big, mem.read(16, big.length));
        assertArrayEquals(small, mem.read(100_000, small.length));
        assertArrayEquals(new byte[16], mem.read(0, 16), "around the segments: zeros");
        mem.write(16, new byte[] {1, 2, 3});
        first.func("init").call(Val.i32(65_536 + 40_000), Val.i32(10), Val.i32(200));
        assertArrayEquals(Arrays.copyOfRange(passive, 10, 210), mem.read(65_536 + 40_000, 200));
        // a second instance of the module: the segments again, untouched by the first one's writes
        Instance second = Instance.create(store, m);
        assertArrayEquals(big, second.memory("mem").read(16, big.length));
        assertArrayEquals(small, second.memory("mem").read(100_000, small.length));
        // an active segment is dropped once copied: memory.init of nothing from a passive one still works
        second.func("init").call(Val.i32(0), Val.i32(300), Val.i32(0));
        Trap t = assertThrows(Trap.class, () -> second.func("init").call(Val.i32(0), Val.i32(250), Val.i32(51)));
        assertEquals(TrapCode.MEMORY_OUT_OF_BOUNDS, t.kind());
    }

    @Test
    void anActiveSegmentOutOfBoundsFailsInstantiationAfterTheOnesBeforeIt() {
        byte[] first = pattern(1_000, 3);
        String wat = "(module (memory (export \"mem\") 1)"
                + " (data (i32.const 0) " + literal(first) + ")"
                + " (data (i32.const 65530) \"0123456789\"))";
        Module m = compile(wat);
        Memory shared = Memory.create(store, 1, 1);
        String imported = wat.replace("(memory (export \"mem\") 1)", "(import \"env\" \"mem\" (memory 1))");
        Module withImport = compile(imported);
        Trap t = assertThrows(Trap.class, () -> Instance.create(store, withImport, shared));
        assertEquals(TrapCode.MEMORY_OUT_OF_BOUNDS, t.kind());
        assertArrayEquals(first, shared.read(0, first.length), "the segment before the failing one was written");
        assertThrows(Trap.class, () -> Instance.create(store, m));
    }
}
