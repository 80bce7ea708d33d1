package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.count;
import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Verifier;
import org.junit.jupiter.api.Test;

/** Redundant bounds-check elimination (after GVN has merged the length loads, as in the pipeline). */
class BoundsCheckEliminationTest {
    private static OptTestSupport.Translated t;

    private static IrFunction bce(String wat) {
        t = OptTestSupport.translateAll(wat);
        IrFunction f = OptTestSupport.translateAll(wat).functions().get(0);
        GlobalValueNumbering.run(f);
        DeadCodeElimination.run(f);
        String before = print(f);
        BoundsCheckElimination.run(f);
        Verifier.verify(f);
        DeadCodeElimination.run(f);
        Verifier.verify(f);
        System.out.println("before:\n" + before + "after:\n" + print(f));
        return f;
    }

    private static void sameBehaviour(IrFunction after, long[]... inputs) {
        IrFunction before = t.functions().get(0);
        for (long[] in : inputs) {
            var expected = OptTestSupport.run(t, before, 1, in);
            assertEquals(expected, OptTestSupport.run(t, after, 1, in), java.util.Arrays.toString(in));
        }
    }

    private static long checkedEnd(IrFunction f) {
        for (var b : f.blocks()) {
            for (Inst i : b.insts()) {
                if (i.op() == Op.TRAPIF) {
                    if (i.cond() == dev.kiln.compiler.ir.Cond.SGT) {
                        // the final form: base >s len - c
                        Inst lenc = i.arg(1).definingInst();
                        assertEquals(Op.ISUB, lenc.op(), print(f));
                        assertEquals(Op.UEXTEND, i.arg(0).definingInst().op(), print(f));
                        return OptUtil.iconst(lenc.arg(1));
                    }
                    Inst end = i.arg(0).definingInst();
                    return OptUtil.iconst(end.arg(1));
                }
            }
        }
        throw new AssertionError("no check");
    }

    @Test
    void narrowerCheckAfterAWiderOneGoes() {
        IrFunction f = bce("""
                (module (memory 1) (func (param $p i32) (result i32)
                  (i32.add (i32.load offset=8 (local.get $p)) (i32.load16_u offset=2 (local.get $p)))))
                """);
        assertEquals(1, count(f, Op.TRAPIF), print(f));
        assertEquals(12, checkedEnd(f), print(f));
        sameBehaviour(f, new long[] {0}, new long[] {65524}, new long[] {65525}, new long[] {-4});
    }

    @Test
    void consecutiveFieldAccessesShareOneWidenedCheck() {
        IrFunction f = bce("""
                (module (memory 1) (func (param $p i32) (result i64)
                  (i64.add (i64.load (local.get $p))
                    (i64.add (i64.load offset=8 (local.get $p)) (i64.load offset=16 (local.get $p))))))
                """);
        assertEquals(1, count(f, Op.TRAPIF), print(f));
        assertEquals(24, checkedEnd(f), print(f));
        sameBehaviour(f, new long[] {0}, new long[] {65512}, new long[] {65513}, new long[] {65530});
    }

    @Test
    void memory64AccessesShareOneGuardAndOneWidenedCheck() {
        // i64 index: a guard p <=u len, then p + c <= len; three accesses: one guard and one check remain
        IrFunction f = bce("""
                (module (memory i64 1) (func (param $p i64) (result i64)
                  (i64.add (i64.load (local.get $p))
                    (i64.add (i64.load offset=8 (local.get $p)) (i64.load offset=16 (local.get $p))))))
                """);
        assertEquals(2, count(f, Op.TRAPIF), print(f));
        sameBehaviour(f, new long[] {0}, new long[] {65512}, new long[] {65513}, new long[] {65536}, new long[] {-1},
                new long[] {-8}, new long[] {Long.MIN_VALUE}, new long[] {Long.MAX_VALUE});
    }

    @Test
    void memory64ReassociatedIndexIsNotReadAsGuarded() {
        // (p + 8) + 16 is folded to p + 24: the guard is on p + 8, so p + 24 must stay an unsigned check
        IrFunction f = bce("""
                (module (memory i64 1) (func (param $p i64) (result i32)
                  (i32.load offset=16 (i64.add (local.get $p) (i64.const 8)))))
                """);
        sameBehaviour(f, new long[] {0}, new long[] {65508}, new long[] {65509}, new long[] {-8}, new long[] {-12},
                new long[] {-24}, new long[] {-28});
    }

    @Test
    void noWideningAcrossAStore() {
        // the store at p must happen before the out-of-bounds load at p+65535 traps
        IrFunction f = bce("""
                (module (memory 1) (func (param $p i32) (result i32)
                  (i32.store8 (local.get $p) (i32.const 9))
                  (i32.load8_u offset=65535 (local.get $p))))
                """);
        assertEquals(2, count(f, Op.TRAPIF), print(f));
        sameBehaviour(f, new long[] {0}, new long[] {1}, new long[] {65535});
    }

    @Test
    void dominatingCheckCoversBranchesButSiblingsDoNot() {
        IrFunction f = bce("""
                (module (memory 1) (func (param $p i32) (param $c i32) (result i32)
                  (i32.load offset=4 (local.get $p))
                  (if (result i32) (local.get $c)
                    (then (i32.load8_u offset=1 (local.get $p)))
                    (else (i32.load offset=100 (local.get $p))))
                  (i32.add)))
                """);
        // the then-arm's check (p + 2) is covered by the entry's (p + 8); the else-arm's (p + 104) is not
        assertEquals(2, count(f, Op.TRAPIF), print(f));
        sameBehaviour(f, new long[] {0, 1}, new long[] {0, 0}, new long[] {65528, 1}, new long[] {65528, 0},
                new long[] {65529, 1});
    }

    @Test
    void memoryGrowStartsOver() {
        IrFunction f = bce("""
                (module (memory 1) (func (param $p i32) (result i32)
                  (i32.load offset=4 (local.get $p))
                  (drop (memory.grow (i32.const 1)))
                  (i32.load (local.get $p))
                  (i32.add)))
                """);
        assertEquals(2, count(f, Op.TRAPIF), print(f));
        assertTrue(BoundsCheckElimination.run(f) == false, "nothing further to do");
        sameBehaviour(f, new long[] {0}, new long[] {65532}, new long[] {70000});
    }
}
