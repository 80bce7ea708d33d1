package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.BoundsChecks;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.TrapCode;
import dev.kiln.loader.GuardSignalHandler;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * Guard-page bounds checks (BoundsChecks.GUARD): loads and stores of 32-bit memories carry no check,
 * out-of-bounds accesses fault and the generated signal handler turns the fault into the same trap an
 * explicit check raises.
 */
class GuardPageBoundsChecksTest extends StoreFixture {
    GuardPageBoundsChecksTest() {
        super(guardEngine());
    }

    static Engine guardEngine() {
        return Engine.builder().compileOptions(CompileOptions.defaults().withVerifyIr(true)
                .withBoundsChecks(BoundsChecks.GUARD)).build();
    }

    static final String ACCESS = """
            (module
              (memory (export "mem") 1 4)
              (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
              (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
              (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
              (func (export "loadFar") (param i32) (result i32) (i32.load offset=4294967295 (local.get 0)))
              (func (export "store32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
              (func (export "store64") (param i32 i64) (i64.store offset=8 (local.get 0) (local.get 1)))
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
              (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
            )
            """;

    private static void assertOutOfBounds(Runnable r) {
        Trap t = assertThrows(Trap.class, r::run);
        assertEquals(TrapCode.MEMORY_OUT_OF_BOUNDS, t.kind());
        assertTrue(t.getMessage().contains("out of bounds memory access"), t.getMessage());
    }

    @Test
    void theArtifactRecordsGuardModeAndTheHandlerIsInstalledOnInstantiation() {
        Module m = compile(ACCESS);
        assertEquals(BoundsChecks.GUARD, m.metadata().options().boundsChecks());
        Instance.create(store, m);
        assertTrue(GuardSignalHandler.isInstalled());
    }

    @Test
    void aMemoryReusedFromTheReservationPoolIsZeroAndGuardedAtItsNewSize() {
        Module m = compile(ACCESS);
        long base;
        try (Store first = new Store(store.engine())) {
            Instance i = Instance.create(first, m);
            assertEquals(1, i.func("grow").call(Val.i32(2))[0].i32());
            i.func("store64").call(Val.i32(3 * 65536 - 16), Val.i64(-1));
            i.func("fill").call(Val.i32(0), Val.i32(0x5a), Val.i32(3 * 65536));
            base = i.memory("mem").segment().address();
        }
        try (Store second = new Store(store.engine())) {
            Instance i = Instance.create(second, m);
            MemorySegment mem = i.memory("mem").segment();
            // the pool hands the last reservation back first (unless the pool is turned off)
            if (dev.kiln.loader.LinearMemoryReservation.POOL_CAPACITY > 0) {
                assertEquals(base, mem.address());
            }
            assertEquals(65536, mem.byteSize());
            assertEquals(-1, mem.mismatch(MemorySegment.ofArray(new byte[65536])), "a reused memory kept data");
            assertEquals(0, i.func("load32").call(Val.i32(65532))[0].i32());
            // the pages the first instance grew into are inaccessible again: the guard handler traps
            assertOutOfBounds(() -> i.func("load8").call(Val.i32(65536)));
            assertOutOfBounds(() -> i.func("store32").call(Val.i32(2 * 65536), Val.i32(1)));
            assertEquals(1, i.func("grow").call(Val.i32(1))[0].i32());
            assertEquals(0, i.func("load64").call(Val.i32(2 * 65536 - 8))[0].i64(), "grown pages read as zero");
        }
    }

    @Test
    void inBoundsAccessesWorkAndOutOfBoundsOnesTrapWithoutWriting() {
        Instance i = Instance.create(store, compile(ACCESS));
        MemorySegment mem = i.memory("mem").segment();
        i.func("store32").call(Val.i32(65532), Val.i32(0x11223344));
        assertEquals(0x11223344, i.func("load32").call(Val.i32(65532))[0].i32());
        assertEquals(0x11, i.func("load8").call(Val.i32(65535))[0].i32());
        byte[] before = mem.toArray(ValueLayout.JAVA_BYTE);
        assertOutOfBounds(() -> i.func("load32").call(Val.i32(65533)));
        assertOutOfBounds(() -> i.func("load64").call(Val.i32(65529)));
        assertOutOfBounds(() -> i.func("load8").call(Val.i32(65536)));
        assertOutOfBounds(() -> i.func("load32").call(Val.i32(-1)));
        assertOutOfBounds(() -> i.func("loadFar").call(Val.i32(-1)));
        assertOutOfBounds(() -> i.func("loadFar").call(Val.i32(0)));
        assertOutOfBounds(() -> i.func("store32").call(Val.i32(65534), Val.i32(-1)));
        assertOutOfBounds(() -> i.func("store64").call(Val.i32(65524), Val.i64(-1)));
        assertOutOfBounds(() -> i.func("store32").call(Val.i32(Integer.MIN_VALUE), Val.i32(-1)));
        assertOutOfBounds(() -> i.func("fill").call(Val.i32(65000), Val.i32(7), Val.i32(1000)));
        assertArrayEquals(before, mem.toArray(ValueLayout.JAVA_BYTE), "a trapping access wrote memory");
        // the instance is still usable after traps
        assertEquals(0x11223344, i.func("load32").call(Val.i32(65532))[0].i32());
    }

    @Test
    void growingMakesTheNewPagesAccessibleAndOnlyThose() {
        Instance i = Instance.create(store, compile(ACCESS));
        assertOutOfBounds(() -> i.func("load32").call(Val.i32(65536)));
        assertEquals(1, i.func("grow").call(Val.i32(2))[0].i32());
        i.func("store32").call(Val.i32(3 * 65536 - 4), Val.i32(42));
        assertEquals(42, i.func("load32").call(Val.i32(3 * 65536 - 4))[0].i32());
        assertOutOfBounds(() -> i.func("load32").call(Val.i32(3 * 65536 - 3)));
        assertEquals(-1, i.func("grow").call(Val.i32(2))[0].i32());
        assertOutOfBounds(() -> i.func("load8").call(Val.i32(3 * 65536)));
    }

    @Test
    void severalMemoriesAndInstancesEachTrapAtTheirOwnLength() {
        Module m = compile("""
                (module
                  (import "env" "shared" (memory 1))
                  (memory $big 3)
                  (func (export "shared") (param i32) (result i32) (i32.load8_u 0 (local.get 0)))
                  (func (export "big") (param i32) (result i32) (i32.load8_u $big (local.get 0)))
                  (func (export "putShared") (param i32 i32) (i32.store8 0 (local.get 0) (local.get 1)))
                  (func (export "grow") (param i32) (result i32) (memory.grow 0 (local.get 0))))
                """);
        Memory shared = Memory.create(store, 1, 2);
        Linker linker = new Linker().define("env", "shared", shared);
        Instance a = linker.instantiate(store, m);
        Instance b = linker.instantiate(store, m);
        a.func("putShared").call(Val.i32(65535), Val.i32(9));
        assertEquals(9, b.func("shared").call(Val.i32(65535))[0].i32(), "the imported memory is shared");
        assertEquals(0, a.func("big").call(Val.i32(3 * 65536 - 1))[0].i32());
        assertOutOfBounds(() -> a.func("shared").call(Val.i32(65536)));
        assertOutOfBounds(() -> b.func("big").call(Val.i32(3 * 65536)));
        assertEquals(1, a.func("grow").call(Val.i32(1))[0].i32());
        assertEquals(0, b.func("shared").call(Val.i32(2 * 65536 - 1))[0].i32(), "b sees a's growth");
        assertOutOfBounds(() -> b.func("shared").call(Val.i32(2 * 65536)));
        // another store with its own instance of the same module: its own memories
        try (Store other = new Store(engine)) {
            Instance c = new Linker().define("env", "shared", Memory.create(other, 1, 1)).instantiate(other, m);
            assertEquals(0, c.func("shared").call(Val.i32(65535))[0].i32());
            assertOutOfBounds(() -> c.func("shared").call(Val.i32(65536)));
        }
        assertEquals(9, a.func("shared").call(Val.i32(65535))[0].i32());
    }

    @Test
    void aScaledIndexWithAStaticOffsetBeyondEveryImmediateAddressesAndTrapsRight() {
        // (x & 255) << 2 plus a constant cannot wrap: the constant becomes the access's static offset and
        // the shift a scaled index (HeapAddressFolding); AArch64's load immediates do not reach 20128
        Instance i = Instance.create(store, compile("""
                (module (memory (export "mem") 1)
                  (func (export "get") (param i32) (result i32)
                    (i32.load (i32.add (i32.shl (i32.and (local.get 0) (i32.const 255)) (i32.const 2))
                                       (i32.const 20128))))
                  (func (export "put") (param i32 i32)
                    (i32.store (i32.add (i32.shl (i32.and (local.get 0) (i32.const 255)) (i32.const 2))
                                        (i32.const 20128)) (local.get 1)))
                  (func (export "far") (param i32) (result i32)
                    (i32.load offset=64516 (i32.shl (i32.and (local.get 0) (i32.const 255)) (i32.const 2)))))
                """));
        MemorySegment mem = i.memory("mem").segment();
        mem.set(ValueLayout.JAVA_INT_UNALIGNED, 20128 + 4 * 7, 0x01234567);
        assertEquals(0x01234567, i.func("get").call(Val.i32(7))[0].i32());
        assertEquals(0x01234567, i.func("get").call(Val.i32(7 + 256))[0].i32());
        i.func("put").call(Val.i32(9), Val.i32(-5));
        assertEquals(-5, mem.get(ValueLayout.JAVA_INT_UNALIGNED, 20128 + 4 * 9));
        mem.set(ValueLayout.JAVA_INT_UNALIGNED, 65532, 77);
        assertEquals(77, i.func("far").call(Val.i32(254))[0].i32()); // 64516 + 1016: the last word
        assertEquals(0, i.func("far").call(Val.i32(0))[0].i32());
        assertOutOfBounds(() -> i.func("far").call(Val.i32(255))); // 64516 + 1020: one byte past
    }

    @Test
    void anUnusedOutOfBoundsLoadStillTraps() {
        Instance i = Instance.create(store, compile("""
                (module (memory 1)
                  (func (export "drop") (param i32) (drop (i64.load (local.get 0))))
                  (func (export "loop") (param i32 i32) (local $k i32)
                    (loop $l
                      (drop (i32.load (local.get 0)))
                      (local.set $k (i32.add (local.get $k) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $k) (local.get 1))))))
                """));
        i.func("drop").call(Val.i32(65528));
        assertOutOfBounds(() -> i.func("drop").call(Val.i32(65529)));
        assertOutOfBounds(() -> i.func("loop").call(Val.i32(65536), Val.i32(10)));
        i.func("loop").call(Val.i32(0), Val.i32(10));
    }
}
