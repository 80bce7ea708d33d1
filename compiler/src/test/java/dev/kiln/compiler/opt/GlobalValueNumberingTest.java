package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.count;
import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Verifier;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Global value numbering: which duplicates merge and which must not. */
class GlobalValueNumberingTest {
    private static OptTestSupport.Translated t;

    private static IrFunction gvn(String wat) {
        t = OptTestSupport.translateAll(wat);
        IrFunction f = OptTestSupport.translateAll(wat).functions().get(0);
        String before = print(f);
        GlobalValueNumbering.run(f);
        Verifier.verify(f);
        DeadCodeElimination.run(f);
        Verifier.verify(f);
        System.out.println("before:\n" + before + "after:\n" + print(f));
        return f;
    }

    private static void sameBehaviour(IrFunction after, int pages, long[]... inputs) {
        IrFunction before = t.functions().get(0);
        for (long[] in : inputs) {
            assertEquals(OptTestSupport.run(t, before, pages, in), OptTestSupport.run(t, after, pages, in),
                    java.util.Arrays.toString(in));
        }
    }

    /** Runtime loads (table definition fields and entries) that read what {@code pred} accepts. */
    private static int runtimeLoads(IrFunction f, java.util.function.Predicate<dev.kiln.compiler.ir.Inst> pred) {
        int n = 0;
        for (var b : f.blocks()) {
            for (var i : b.insts()) {
                n += i.op() == Op.LOAD && OptUtil.isRuntimeAccess(i) && pred.test(i) ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void tableReadsMergeAcrossMemoryStoresButNotAcrossTableWrites() {
        // table.size and table.get twice around an i32.store: the store cannot change the table, so the
        // size, the entries address and the entry are read once
        IrFunction f = gvn("""
                (module (table 4 funcref) (memory 1)
                  (func (param $i i32) (result i32) (local $a i32)
                    (local.set $a (ref.is_null (table.get (local.get $i))))
                    (i32.store (i32.const 0) (table.size))
                    (i32.add (i32.add (local.get $a) (ref.is_null (table.get (local.get $i)))) (table.size))))
                """);
        assertEquals(3, runtimeLoads(f, i -> true), print(f));
        sameBehaviour(f, 1, new long[] {0}, new long[] {3}, new long[] {9});
        // a table.set between them writes the table: the second table.get reads the entry again
        IrFunction g = gvn("""
                (module (table 4 funcref) (elem declare func 0)
                  (func (param $i i32) (result i32) (local $a i32)
                    (local.set $a (ref.is_null (table.get (local.get $i))))
                    (table.set (i32.const 1) (ref.func 0))
                    (i32.add (local.get $a) (ref.is_null (table.get (local.get $i))))))
                """);
        assertEquals(2, runtimeLoads(g, i -> !OptUtil.isIconst(i.arg(1))), print(g)); // the two entry reads
        sameBehaviour(g, 0, new long[] {0}, new long[] {1}, new long[] {9});
    }

    @Test
    void mergesCommutedDuplicatesInOneBlock() {
        IrFunction f = gvn("""
                (module (func (param $a i32) (param $b i32) (result i32)
                  (i32.add (i32.mul (local.get $a) (local.get $b)) (i32.mul (local.get $b) (local.get $a)))))
                """);
        assertEquals(1, count(f, Op.IMUL), print(f));
        sameBehaviour(f, 0, new long[] {3, 4}, new long[] {-7, 1 << 20});
    }

    @Test
    void reusesDominatingValueButNotSiblings() {
        IrFunction f = gvn("""
                (module (func (param $a i32) (param $b i32) (result i32) (local $s i32)
                  (local.set $s (i32.sub (local.get $a) (local.get $b)))
                  (if (result i32) (local.get $a)
                    (then (i32.add (local.get $s) (i32.sub (local.get $a) (local.get $b))))
                    (else (i32.add (i32.shl (local.get $b) (local.get $a)) (i32.shl (local.get $b) (local.get $a)))))
                  (i32.add (i32.shl (local.get $b) (local.get $a)))))
                """);
        // the sub in the then-arm reuses the entry's; the two shl in the else-arm merge, but the one after
        // the join is not dominated by them (the then-arm does not compute it)
        assertEquals(1, count(f, Op.ISUB), print(f));
        assertEquals(2, count(f, Op.ISHL), print(f));
        sameBehaviour(f, 0, new long[] {0, 5}, new long[] {3, 5});
    }

    @Test
    void mergesLoadsAndChecksWithinABlockUntilAStore() {
        IrFunction f = gvn("""
                (module (memory 1) (func (param $p i32) (result i32)
                  (i32.add (i32.load (local.get $p)) (i32.load (local.get $p)))
                  (i32.store (local.get $p) (i32.const 7))
                  (i32.load (local.get $p))
                  (i32.add)))
                """);
        // one bounds check and one length load for all three accesses; the load after the store stays
        assertEquals(1, count(f, Op.TRAPIF), print(f));
        assertEquals(2, count(f, Op.LOAD), print(f));
        // vmctx loads: the length and the base once each (a store to memory does not change the VMContext)
        assertEquals(2, count(f, Op.VMCTX_LOAD), print(f));
        sameBehaviour(f, 1, new long[] {0}, new long[] {65532}, new long[] {65533}, new long[] {-1});
    }

    @Test
    void globalLoadsMergeAcrossBlocksUnlessWritten() {
        IrFunction f = gvn("""
                (module (global $g (mut i32) (i32.const 0)) (global $h (mut i32) (i32.const 0))
                  (func (param $a i32) (result i32)
                    (global.get $g)
                    (if (local.get $a) (then (global.set $h (i32.const 1))))
                    (global.get $g)
                    (i32.add)
                    (if (i32.eqz (local.get $a)) (then (global.set $g (i32.const 2))))
                    (global.get $g)
                    (i32.add)))
                """);
        // $g is read three times: the second read only follows a write to $h, the third may follow one to $g
        String ir = print(f);
        assertEquals(2, count(f, Op.VMCTX_LOAD), ir);
        sameBehaviour(f, 0, new long[] {0}, new long[] {1});
    }

    @Test
    void loadsDoNotMergeAcrossACallOrGrow() {
        IrFunction f = gvn("""
                (module (memory 1)
                  (func (param $p i32) (result i32)
                    (i32.load (local.get $p))
                    (drop (memory.grow (i32.const 1)))
                    (i32.load (local.get $p))
                    (i32.add)))
                """);
        assertEquals(2, count(f, Op.LOAD), print(f));
        assertEquals(2, count(f, Op.TRAPIF), print(f));
        sameBehaviour(f, 1, new long[] {0}, new long[] {65536}, new long[] {65532});
    }

    @Test
    void divisionsMergeOnlyWhenDominated() {
        IrFunction f = gvn("""
                (module (func (param $a i32) (param $b i32) (result i32)
                  (i32.add (i32.div_s (local.get $a) (local.get $b)) (i32.div_s (local.get $a) (local.get $b)))))
                """);
        assertEquals(1, count(f, Op.SDIV), print(f));
        Random r = new Random(1);
        for (int i = 0; i < 200; i++) {
            sameBehaviour(f, 0, new long[] {r.nextInt(), i % 5 == 0 ? 0 : i % 7 == 0 ? -1 : r.nextInt(100)});
        }
        sameBehaviour(f, 0, new long[] {Integer.MIN_VALUE, -1});
        assertFalse(GlobalValueNumbering.run(f), "a second run finds nothing more");
    }
}
