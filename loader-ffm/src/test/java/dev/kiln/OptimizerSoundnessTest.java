package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.ValType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What loops and calls can change, read inside loops: every value the optimizer may treat as pure,
 * invariant or redundant (table and memory sizes, globals, VMContext fields, loads after calls and
 * stores) is read in a loop that changes it, directly, through a call, through an indirect call or
 * through the host re-entering. Each expected result follows from the spec's semantics.
 */
class OptimizerSoundnessTest extends StoreFixture {
    OptimizerSoundnessTest() {
        super(verifyingEngine());
    }

    private Instance instantiate(String wat) {
        return Instance.create(store, compile(wat));
    }

    private int i32(Instance i, String name, Val... args) {
        return i.func(name).call(args)[0].i32();
    }

    @Test
    void tableSizeInALoopThatGrowsTheTable() {
        // the reduced fuzzer case of issue 23: V8 gives 6; a table.size hoisted out of the loop gives 3
        Instance i = instantiate("""
                (module
                  (table 3 funcref)
                  (func (export "run") (result i32) (local $n i32) (local $size i32)
                    (loop $l
                      (drop (table.grow (ref.null func) (i32.const 1)))
                      (local.set $size (table.size))
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
                    (local.get $size)))
                """);
        assertEquals(6, i32(i, "run"));
    }

    @Test
    void tableSizeReadInTheLoopWhileACalleeGrowsIt() {
        Instance i = instantiate("""
                (module
                  (table 3 funcref)
                  (func $grow (drop (table.grow (ref.null func) (i32.const 1))))
                  (func (export "run") (result i32) (local $n i32) (local $sum i32)
                    (loop $l
                      (local.set $sum (i32.add (local.get $sum) (table.size)))
                      (call $grow)
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
                    (i32.add (i32.mul (local.get $sum) (i32.const 100)) (table.size))))
                """);
        assertEquals((3 + 4 + 5) * 100 + 6, i32(i, "run"));
    }

    @Test
    void tableSizeOfAnImportedTableGrownByTheHost() {
        Table table = Table.create(store, ValType.FUNCREF, 2, 100);
        Func grow = Func.wrap(store, FuncType.of(List.of(), List.of()), args -> {
            table.grow(2, Val.nullRef(ValType.FUNCREF));
            return new Val[0];
        });
        Module m = compile("""
                (module
                  (import "env" "t" (table 2 funcref))
                  (import "env" "grow" (func $grow))
                  (func (export "run") (result i32) (local $n i32) (local $sum i32)
                    (loop $l
                      (local.set $sum (i32.add (local.get $sum) (table.size)))
                      (call $grow)
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
                    (local.get $sum)))
                """);
        Instance i = new Linker().define("env", "t", table).define("env", "grow", grow).instantiate(store, m);
        assertEquals(2 + 4 + 6, i32(i, "run"));
    }

    @Test
    void tableSizeWhileAnIndirectCalleeGrowsIt() {
        Instance i = instantiate("""
                (module
                  (type $v (func))
                  (table 3 funcref)
                  (elem (i32.const 0) $grow)
                  (func $grow (drop (table.grow (ref.null func) (i32.const 2))))
                  (func (export "run") (result i32) (local $n i32) (local $sum i32)
                    (loop $l
                      (local.set $sum (i32.add (local.get $sum) (table.size)))
                      (call_indirect (type $v) (i32.const 0))
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
                    (local.get $sum)))
                """);
        assertEquals(3 + 5 + 7, i32(i, "run"));
    }

    @Test
    void tableGetAfterACalleeSetsTheEntry() {
        Instance i = instantiate("""
                (module
                  (type $r (func (result i32)))
                  (table 2 funcref)
                  (elem (i32.const 0) $one)
                  (elem declare func $two)
                  (func $one (result i32) (i32.const 1))
                  (func $two (result i32) (i32.const 2))
                  (func $swap (table.set (i32.const 0) (ref.func $two)))
                  (func (export "run") (result i32) (local $n i32) (local $sum i32)
                    (loop $l
                      (local.set $sum (i32.add (local.get $sum)
                        (i32.add (call_indirect (type $r) (i32.const 0))
                                 (i32.mul (i32.const 10) (ref.is_null (table.get (i32.const 1)))))))
                      (call $swap)
                      (table.set (i32.const 1) (table.get (i32.const 0)))
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
                    (local.get $sum)))
                """);
        // first iteration: $one and a null entry 1 (1 + 10); then $two and entry 1 set (2, 2)
        assertEquals(11 + 2 + 2, i32(i, "run"));
    }

    @Test
    void callIndirectChecksSeeTableSetsAndGrowthInTheSameLoop() {
        // call_indirect's table bounds, entry, null and type checks are IR: the entry and size reads
        // must not be merged or hoisted across the table.set and table.grow of the loop, while Wasm
        // stores (which cannot change a table) sit between them
        Instance i = instantiate("""
                (module
                  (type $r (func (result i32)))
                  (type $other (func (param i32) (result i32)))
                  (memory 1)
                  (table 2 funcref)
                  (elem declare func $one $two $wrong)
                  (func $one (result i32) (i32.const 1))
                  (func $two (result i32) (i32.const 2))
                  (func $wrong (param i32) (result i32) (local.get 0))
                  (func $try (param $i i32) (result i32)
                    (call_indirect (type $r) (local.get $i)))
                  (func (export "run") (result i32) (local $n i32) (local $sum i32)
                    (table.set (i32.const 0) (ref.func $one))
                    (loop $l
                      (i32.store (i32.const 0) (local.get $n))
                      (local.set $sum (i32.add (local.get $sum) (call_indirect (type $r) (i32.const 0))))
                      (i32.store (i32.const 4) (local.get $sum))
                      (table.set (i32.const 0) (ref.func $two))
                      (local.set $sum (i32.add (local.get $sum)
                        (i32.mul (i32.const 10) (call_indirect (type $r) (i32.const 0)))))
                      (drop (table.grow (ref.func $one) (i32.const 1)))
                      (local.set $sum (i32.add (local.get $sum)
                        (i32.mul (i32.const 100) (call_indirect (type $r) (i32.add (i32.const 2) (local.get $n))))))
                      (table.set (i32.const 0) (ref.func $one))
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
                    (local.get $sum))
                  (func (export "beyond") (result i32)
                    (call $try (i32.add (table.size) (i32.const 0))))
                  (func (export "null") (result i32)
                    (table.set (i32.const 1) (ref.null func))
                    (call $try (i32.const 1)))
                  (func (export "mismatch") (result i32)
                    (table.set (i32.const 1) (ref.func $wrong))
                    (call $try (i32.const 1))))
                """);
        // each iteration: $one (1), then $two (20), then entry 2+n, which the grow just filled with $one (100)
        assertEquals(3 * 121, i32(i, "run"));
        assertEquals(TrapCode.UNDEFINED_ELEMENT, assertThrows(Trap.class, () -> i.func("beyond").call()).kind());
        assertEquals(TrapCode.UNINITIALIZED_ELEMENT, assertThrows(Trap.class, () -> i.func("null").call()).kind());
        assertEquals(TrapCode.INDIRECT_CALL_TYPE_MISMATCH, assertThrows(Trap.class, () -> i.func("mismatch").call()).kind());
    }

    @Test
    void bulkMemoryChecksSeeGrowthInTheLoop() {
        // memory.fill/copy/init bounds are IR over the memory's length, which memory.grow (a libcall)
        // changes: each iteration's copy into the page the iteration grew must pass
        Instance i = instantiate("""
                (module
                  (memory 1 4)
                  (data $d "abcd")
                  (func (export "run") (result i32) (local $n i32) (local $at i32)
                    (loop $l
                      (drop (memory.grow (i32.const 1)))
                      (local.set $at (i32.add (i32.mul (local.get $n) (i32.const 65536)) (i32.const 65532)))
                      (memory.fill (local.get $at) (i32.const 7) (i32.const 4))
                      (memory.init $d (i32.add (local.get $at) (i32.const 2)) (i32.const 0) (i32.const 2))
                      (memory.copy (i32.add (local.get $at) (i32.const 4)) (local.get $at) (i32.const 4))
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 2))))
                    (i32.add (i32.load (i32.const 65536)) (i32.load (i32.const 131072)))))
                """);
        int word = 7 | 7 << 8 | 'a' << 16 | 'b' << 24;
        assertEquals(word + word, i32(i, "run"));
    }

    @Test
    void memorySizeInALoopThatGrowsMemory() {
        Instance i = instantiate("""
                (module
                  (memory 1 10)
                  (func $grow (drop (memory.grow (i32.const 1))))
                  (func (export "direct") (result i32) (local $n i32) (local $sum i32)
                    (loop $l
                      (local.set $sum (i32.add (local.get $sum) (memory.size)))
                      (drop (memory.grow (i32.const 1)))
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
                    (i32.add (i32.mul (local.get $sum) (i32.const 100)) (memory.size)))
                  (func (export "callee") (result i32) (local $n i32) (local $sum i32)
                    (loop $l
                      (local.set $sum (i32.add (local.get $sum) (memory.size)))
                      (call $grow)
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
                    (local.get $sum)))
                """);
        assertEquals((1 + 2 + 3) * 100 + 4, i32(i, "direct"));
        assertEquals(4 + 5 + 6, i32(i, "callee"));
    }

    @Test
    void accessesBeyondTheOldSizeAfterGrowingInTheLoop() {
        // a bounds check against a length read before the loop would trap on the second iteration
        Instance i = instantiate("""
                (module
                  (memory 1 10)
                  (func $grow (drop (memory.grow (i32.const 1))))
                  (func (export "run") (result i32) (local $n i32) (local $sum i32)
                    (loop $l
                      (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (local.get $n))
                      (local.set $sum (i32.add (local.get $sum)
                        (i32.load (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)))))
                      (call $grow)
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 4))))
                    (i32.add (local.get $sum) (i32.load (i32.const 262140)))))
                """);
        assertEquals(0 + 1 + 2 + 3 + 3, i32(i, "run"));
    }

    @Test
    void memorySizeOfAnImportedMemoryGrownByTheHostAndByAnotherInstance() {
        Memory memory = Memory.create(store, 1, 20);
        Func grow = Func.wrap(store, FuncType.of(List.of(), List.of()), args -> {
            memory.grow(2);
            return new Val[0];
        });
        Instance other = new Linker().define("env", "mem", memory).instantiate(store, compile("""
                (module (import "env" "mem" (memory 1))
                  (func (export "grow") (drop (memory.grow (i32.const 1)))))
                """));
        Module m = compile("""
                (module
                  (import "env" "mem" (memory 1))
                  (import "env" "host_grow" (func $host_grow))
                  (import "other" "grow" (func $other_grow))
                  (func (export "run") (result i32) (local $n i32) (local $sum i32)
                    (loop $l
                      (local.set $sum (i32.add (local.get $sum) (memory.size)))
                      (call $host_grow)
                      (local.set $sum (i32.add (local.get $sum) (i32.mul (i32.const 100) (memory.size))))
                      (call $other_grow)
                      ;; the last byte of the memory as it is now must be reachable
                      (i32.store8 (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)) (i32.const 7))
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 2))))
                    (local.get $sum)))
                """);
        Instance i = new Linker().define("env", "mem", memory).define("env", "host_grow", grow)
                .instance("other", other).instantiate(store, m);
        // sizes: 1, then 3 after the host, 4 after the other instance, 6, 7
        assertEquals(1 + 300 + 4 + 600, i32(i, "run"));
        assertEquals(7, memory.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 7 * 65536 - 1));
    }

    @Test
    void globalsSetByTheLoopByACalleeAndByTheHost() {
        Global imported = Global.create(store, ValType.I32, true, Val.i32(5));
        Func bump = Func.wrap(store, FuncType.of(List.of(), List.of()), args -> {
            imported.set(Val.i32(imported.get().i32() + 10));
            return new Val[0];
        });
        Module m = compile("""
                (module
                  (import "env" "g" (global $imp (mut i32)))
                  (import "env" "bump" (func $bump))
                  (global $own (mut i32) (i32.const 1))
                  (func $inc (global.set $own (i32.add (global.get $own) (i32.const 1))))
                  (func $inc_imp (global.set $imp (i32.add (global.get $imp) (i32.const 1))))
                  (func (export "own") (result i32) (local $n i32) (local $sum i32)
                    (loop $l
                      (local.set $sum (i32.add (local.get $sum) (global.get $own)))
                      (call $inc)
                      (local.set $sum (i32.add (local.get $sum) (global.get $own)))
                      (global.set $own (i32.mul (global.get $own) (i32.const 2)))
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
                    (local.get $sum))
                  (func (export "imported") (result i32) (local $n i32) (local $sum i32)
                    (loop $l
                      (local.set $sum (i32.add (local.get $sum) (global.get $imp)))
                      (call $bump)
                      (local.set $sum (i32.add (local.get $sum) (global.get $imp)))
                      (call $inc_imp)
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 2))))
                    (local.get $sum)))
                """);
        Instance i = new Linker().define("env", "g", imported).define("env", "bump", bump).instantiate(store, m);
        // own: 1,2 (->4), 4,5 (->10), 10,11 (->22)
        assertEquals(1 + 2 + 4 + 5 + 10 + 11, i32(i, "own"));
        // imported: 5,15 (->16), 16,26 (->27)
        assertEquals(5 + 15 + 16 + 26, i32(i, "imported"));
        assertEquals(27, imported.get().i32());
    }

    @Test
    void loadsAfterStoresCallsAndBulkMemoryInTheLoop() {
        Instance i = instantiate("""
                (module
                  (memory 1)
                  (func $store (param i32) (i32.store (i32.const 8) (local.get 0)))
                  (func (export "run") (result i32) (local $n i32) (local $sum i32)
                    (loop $l
                      (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 8))))
                      (call $store (i32.add (local.get $n) (i32.const 10)))
                      (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 8))))
                      (memory.fill (i32.const 8) (i32.const 1) (i32.const 1))
                      (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 8))))
                      (memory.copy (i32.const 8) (i32.const 16) (i32.const 4))
                      (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 8))))
                      (i32.store (i32.const 16) (local.get $n))
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
                    (local.get $sum)))
                """);
        // the same steps on two ints standing for the words at 8 and 16 (little-endian: memory.fill
        // of one byte at 8 replaces the low byte)
        int expected = 0;
        int at8 = 0;
        int at16 = 0;
        for (int n = 0; n < 3; n++) {
            expected += at8;
            at8 = n + 10;
            expected += at8;
            at8 = (at8 & ~0xFF) | 1;
            expected += at8;
            at8 = at16;
            expected += at8;
            at16 = n;
        }
        assertEquals(expected, i32(i, "run"));
    }

    @Test
    void dataDropInTheLoopMakesTheNextMemoryInitTrap() {
        Instance i = instantiate("""
                (module
                  (memory 1)
                  (data $d "abcd")
                  (func (export "run") (param $k i32) (result i32) (local $n i32)
                    (loop $l
                      (memory.init $d (i32.const 0) (i32.const 0) (i32.const 4))
                      (data.drop $d)
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (local.get $k))))
                    (i32.load8_u (i32.const 3))))
                """);
        assertEquals('d', i32(i, "run", Val.i32(1)));
        Trap t = org.junit.jupiter.api.Assertions.assertThrows(Trap.class, () -> i.func("run").call(Val.i32(2)));
        assertEquals(dev.kiln.abi.TrapCode.MEMORY_OUT_OF_BOUNDS, t.kind());
    }

    @Test
    void theHostReEntersAndChangesEverything() {
        Instance[] self = new Instance[1];
        Func reenter = Func.wrap(store, FuncType.of(List.of(), List.of()), args -> {
            self[0].func("mutate").call();
            return new Val[0];
        });
        Module m = compile("""
                (module
                  (import "env" "reenter" (func $reenter))
                  (memory 1 10)
                  (table 1 funcref)
                  (global $g (mut i32) (i32.const 0))
                  (func (export "mutate")
                    (drop (memory.grow (i32.const 1)))
                    (drop (table.grow (ref.null func) (i32.const 1)))
                    (global.set $g (i32.add (global.get $g) (i32.const 1)))
                    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))
                  (func (export "run") (result i32) (local $n i32) (local $sum i32)
                    (loop $l
                      (call $reenter)
                      (local.set $sum (i32.add (local.get $sum)
                        (i32.add (i32.add (memory.size) (i32.mul (i32.const 10) (table.size)))
                                 (i32.add (i32.mul (i32.const 100) (global.get $g))
                                          (i32.mul (i32.const 1000) (i32.load (i32.const 0)))))))
                      (local.set $n (i32.add (local.get $n) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $n) (i32.const 3))))
                    (local.get $sum)))
                """);
        Instance i = new Linker().define("env", "reenter", reenter).instantiate(store, m);
        self[0] = i;
        int expected = 0;
        for (int k = 1; k <= 3; k++) {
            expected += (1 + k) + 10 * (1 + k) + 100 * k + 1000 * k;
        }
        assertEquals(expected, i32(i, "run"));
    }

    @Test
    void theStoreDataCannotChangeDuringACall() {
        // compiled code keeps the store-data address across calls, so a host function may not change it
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment data = arena.allocate(16);
            Func set = Func.wrap(store, FuncType.of(List.of(), List.of()), args -> {
                store.setData(data);
                return new Val[0];
            });
            Instance i = new Linker().define("env", "set", set).instantiate(store, compile("""
                    (module (import "env" "set" (func $set)) (func (export "run") (call $set)))
                    """));
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> i.func("run").call());
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("store data"), e.getMessage());
            store.setData(data); // outside a call it may
            assertEquals(data.address(), store.data().address());
        }
    }
}
