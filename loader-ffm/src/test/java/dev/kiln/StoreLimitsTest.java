package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.ValType;
import org.junit.jupiter.api.Test;

/** {@link StoreLimits}: memory and table sizes, object counts. */
class StoreLimitsTest extends StoreFixture {
    private static final String GROWER = """
            (module
              (memory (export "memory") 1)
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
              (func (export "size") (result i32) (memory.size))
              (func (export "poke") (param i32) (i32.store8 (local.get 0) (i32.const 1))))
            """;

    @Test
    void aGuestGrowingPastTheMemoryLimitGetsMinusOne() {
        store.limits(StoreLimits.builder().memorySize(4 * Memory.PAGE_SIZE + 100).build()); // 4 whole pages
        Instance i = Instance.create(store, compile(GROWER));
        Func grow = i.func("grow");
        assertEquals(1, grow.call(Val.i32(2))[0].i32());
        assertEquals(-1, grow.call(Val.i32(2))[0].i32(), "5 pages > 4");
        assertEquals(3, grow.call(Val.i32(1))[0].i32(), "up to the limit is fine");
        assertEquals(-1, grow.call(Val.i32(1))[0].i32());
        assertEquals(4, i.func("size").call()[0].i32());
        assertEquals(-1, i.memory("memory").grow(1), "from Java too");
        i.func("poke").call(Val.i32((int) (4 * Memory.PAGE_SIZE - 1)));
        assertThrows(Trap.class, () -> i.func("poke").call(Val.i32((int) (4 * Memory.PAGE_SIZE))));
    }

    @Test
    void aGuestGrowingPastTheMemoryLimitTrapsWhenAsked() {
        store.limits(StoreLimits.builder().memorySize(4 * Memory.PAGE_SIZE).trapOnGrowFailure(true).build());
        Instance i = Instance.create(store, compile(GROWER));
        Func grow = i.func("grow");
        assertEquals(1, grow.call(Val.i32(3))[0].i32(), "up to the limit is fine");
        ResourceLimitException e = assertThrows(ResourceLimitException.class, () -> grow.call(Val.i32(1)));
        assertTrue(e.getMessage().contains("growing a memory of 4 pages by 1")
                && e.getMessage().contains("limit of 262144 bytes"), e.getMessage());
        assertEquals(4, i.func("size").call()[0].i32(), "nothing was grown");
        assertEquals(-1, i.memory("memory").grow(1), "Java's Memory.grow still answers -1");
        assertEquals(4, grow.call(Val.i32(0))[0].i32(), "the instance stays usable");
    }

    @Test
    void withoutALimitTheDeclaredMaximumHolds() {
        Instance i = Instance.create(store, compile("""
                (module (memory 1 3) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
                """));
        assertEquals(-1, i.func("grow").call(Val.i32(3))[0].i32());
        assertEquals(1, i.func("grow").call(Val.i32(2))[0].i32());
    }

    @Test
    void instantiationAboveALimitIsRefusedNamingIt() {
        store.limits(StoreLimits.builder().memorySize(Memory.PAGE_SIZE).build());
        ResourceLimitException e = assertThrows(ResourceLimitException.class,
                () -> Instance.create(store, compile("(module (memory 2))")));
        assertTrue(e.getMessage().contains("memory 0 needs 2 pages (131072 bytes)")
                && e.getMessage().contains("limit is 65536 bytes"), e.getMessage());
        assertThrows(ResourceLimitException.class, () -> Memory.create(store, 2, -1));

        store.limits(StoreLimits.builder().tableElements(10).build());
        e = assertThrows(ResourceLimitException.class, () -> Instance.create(store, compile("(module (table 11 funcref))")));
        assertTrue(e.getMessage().contains("table of 11 elements"), e.getMessage());
    }

    @Test
    void countsOfInstancesTablesAndMemories() {
        store.limits(StoreLimits.builder().instances(2).memories(1).tables(1).build());
        Module plain = compile("(module (func (export \"f\")))");
        Instance.create(store, compile("(module (memory 1) (table 1 funcref))"));
        ResourceLimitException e = assertThrows(ResourceLimitException.class,
                () -> Instance.create(store, compile("(module (memory 1))")));
        assertTrue(e.getMessage().contains("2 memories in the store, its limit is 1"), e.getMessage());
        assertThrows(ResourceLimitException.class, () -> Table.create(store, ValType.FUNCREF, 0, -1));
        Instance.create(store, plain);
        e = assertThrows(ResourceLimitException.class, () -> Instance.create(store, plain));
        assertTrue(e.getMessage().contains("3 instances in the store, its limit is 2"), e.getMessage());
    }

    private static final String TABLE_GROWER = """
            (module
              (table (export "t") 1 funcref)
              (func (export "grow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))
            """;

    @Test
    void tableGrowPastTheLimitGetsMinusOneOrThrowsWhenAsked() {
        store.limits(StoreLimits.builder().tableElements(4).build());
        Instance i = Instance.create(store, compile(TABLE_GROWER));
        assertEquals(1, i.func("grow").call(Val.i32(3))[0].i32());
        assertEquals(-1, i.func("grow").call(Val.i32(1))[0].i32());
        assertEquals(-1, i.table("t").grow(1, new Val(ValType.FUNCREF, 0)));

        store.limits(StoreLimits.builder().tableElements(4).trapOnGrowFailure(true).build());
        ResourceLimitException e = assertThrows(ResourceLimitException.class, () -> i.func("grow").call(Val.i32(1)));
        assertTrue(e.getMessage().contains("limit of 4 elements"), e.getMessage());
        assertEquals(4, i.table("t").size());
        assertEquals(4, i.func("grow").call(Val.i32(0))[0].i32(), "the instance stays usable");
    }
}
