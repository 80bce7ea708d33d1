package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.count;
import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Verifier;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Inlining of small leaf functions: the call disappears and behaviour is unchanged. */
class InlinerTest {
    private static OptTestSupport.Translated t;

    /** Inlines into function {@code caller}; callees come from a separate translation, so they stay intact. */
    private static IrFunction inline(String wat, int caller) {
        t = OptTestSupport.translateAll(wat);
        var fresh = OptTestSupport.translateAll(wat);
        IrFunction f = fresh.functions().get(caller);
        String before = print(f);
        Inliner.run(f, i -> OptTestSupport.translateAll(wat).functions().get(i));
        Verifier.verify(f);
        System.out.println("before:\n" + before + "after:\n" + print(f));
        return f;
    }

    private static void sameBehaviour(IrFunction after, int caller, long[]... inputs) {
        IrFunction before = t.functions().get(caller);
        for (long[] in : inputs) {
            assertEquals(OptTestSupport.run(t, before, 1, in), OptTestSupport.run(t, after, 1, in),
                    java.util.Arrays.toString(in));
        }
    }

    @Test
    void inlinesASmallLeafWithSeveralReturns() {
        String wat = """
                (module
                  (func $max (param $a i32) (param $b i32) (result i32)
                    (if (i32.gt_s (local.get $a) (local.get $b)) (then (return (local.get $a))))
                    (local.get $b))
                  (func (param $x i32) (param $y i32) (result i32)
                    (i32.add (call $max (local.get $x) (local.get $y)) (call $max (local.get $y) (i32.const 10)))))
                """;
        IrFunction f = inline(wat, 1);
        assertEquals(0, count(f, Op.CALL), print(f));
        Random r = new Random(7);
        for (int i = 0; i < 100; i++) {
            sameBehaviour(f, 1, new long[] {r.nextInt(40) - 20, r.nextInt(40) - 20});
        }
        assertTrue(Simplifier.run(f) | DeadCodeElimination.run(f));
        Verifier.verify(f);
    }

    @Test
    void leavesRecursiveAndLargeCalleesAlone() {
        String wat = """
                (module
                  (func $fib (param $n i32) (result i32)
                    (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
                      (then (local.get $n))
                      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
                  (func $big (param $x i32) (result i32)
                    (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (local.get $x) (i32.const 1)) (local.get $x)) (i32.const 2)) (local.get $x)) (i32.const 3)) (local.get $x)) (i32.const 4)) (local.get $x)) (i32.const 5)) (local.get $x)) (i32.const 6)) (local.get $x)) (i32.const 7)) (local.get $x)) (i32.const 8)) (local.get $x)) (i32.const 9)) (local.get $x)) (i32.const 10)) (local.get $x)) (i32.const 11)) (local.get $x)) (i32.const 12)) (local.get $x)))
                  (func (param $x i32) (result i32)
                    (i32.add (call $fib (local.get $x)) (call $big (local.get $x)))))
                """;
        IrFunction f = inline(wat, 2);
        // $fib calls itself: no copy of it; $big is over the size limit outside loops
        assertEquals(2, count(f, Op.CALL), print(f));
        assertEquals(1, callsTo(f, 1), print(f));
        assertEquals(1, callsTo(f, 0), print(f));
        IrFunction fib = t.functions().get(0);
        assertFalse(Inliner.run(OptTestSupport.translateAll(wat).functions().get(0), i -> fib), "no self-inlining");
    }

    private static int callsTo(IrFunction f, int funcIndex) {
        int n = 0;
        for (var b : f.blocks()) {
            for (var i : b.insts()) {
                n += i.op() == Op.CALL && i.imm() == funcIndex ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void inlinesMemoryAccessesAndTraps() {
        String wat = """
                (module (memory 1)
                  (func $get (param $p i32) (result i32) (i32.load (local.get $p)))
                  (func $fail (unreachable))
                  (func (param $p i32) (result i32) (local $r i32)
                    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (call $fail)))
                    ;; in a loop (run once): $get, with its explicit bounds check, is larger than a call
                    (loop $again
                      (local.set $r (call $get (local.get $p)))
                      (br_if $again (i32.const 0)))
                    (local.get $r)))
                """;
        IrFunction f = inline(wat, 2);
        assertEquals(0, count(f, Op.CALL), print(f));
        assertEquals(1, count(f, Op.TRAP), print(f)); // $fail's unreachable
        sameBehaviour(f, 2, new long[] {0}, new long[] {-1}, new long[] {65532}, new long[] {65533});
    }

    private static final String BIG = """
              (func $big (param $x i32) (result i32)
                (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor
                (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor
                  (local.get $x) (i32.const 1)) (local.get $x)) (i32.const 2)) (local.get $x)) (i32.const 3))
                  (local.get $x)) (i32.const 4)) (local.get $x)) (i32.const 5)) (local.get $x))
                  (i32.const 6)) (local.get $x)) (i32.const 7)) (local.get $x)) (i32.const 8)) (local.get $x))
                  (i32.const 9)) (local.get $x)))
            """;

    @Test
    void aCalleeTooLargeOutsideLoopsIsInlinedInALoop() {
        String outside = "(module " + BIG + """
                  (func (param $x i32) (result i32) (call $big (local.get $x))))
                """;
        IrFunction f = inline(outside, 1);
        int size = Inliner.size(t.functions().get(0));
        assertTrue(size > Inliner.MAX_CALLEE_INSTS && size <= 2 * Inliner.MAX_CALLEE_INSTS, "size " + size);
        assertEquals(1, callsTo(f, 0), print(f));
        String inLoop = "(module " + BIG + """
                  (func (param $n i32) (result i32) (local $acc i32)
                    (block $done (loop $next
                      (br_if $done (i32.eqz (local.get $n)))
                      (local.set $acc (i32.add (local.get $acc) (call $big (local.get $n))))
                      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                      (br $next)))
                    (local.get $acc)))
                """;
        IrFunction g = inline(inLoop, 1);
        assertEquals(0, callsTo(g, 0), print(g));
        sameBehaviour(g, 1, new long[] {0}, new long[] {7}, new long[] {100});
    }

    @Test
    void outsideLoopsOnlyCalleesAsSmallAsTheCallAreInlined() {
        // $small is no larger than the call it replaces, $medium is: outside loops only $small is
        // inlined, in a loop both are
        String callees = """
                  (func $small (param $x i32) (result i32) (i32.mul (local.get $x) (i32.const 7)))
                  (func $medium (param $x i32) (result i32)
                    (i32.xor (i32.mul (i32.add (local.get $x) (i32.const 3)) (i32.const 7))
                      (i32.shr_u (i32.add (local.get $x) (i32.const 11)) (i32.const 2))))
                """;
        String outside = "(module " + callees + """
                  (func (param $x i32) (result i32) (i32.add (call $small (local.get $x)) (call $medium (local.get $x)))))
                """;
        IrFunction f = inline(outside, 2);
        int small = Inliner.size(t.functions().get(0));
        int medium = Inliner.size(t.functions().get(1));
        assertTrue(small <= Inliner.MAX_STRAIGHT_CALLEE_INSTS, "size " + small);
        assertTrue(medium > Inliner.MAX_STRAIGHT_CALLEE_INSTS && medium <= 2 * Inliner.MAX_CALLEE_INSTS, "size " + medium);
        assertEquals(0, callsTo(f, 0), print(f));
        assertEquals(1, callsTo(f, 1), print(f));
        sameBehaviour(f, 2, new long[] {0}, new long[] {-5}, new long[] {123456});
        String inLoop = "(module " + callees + """
                  (func (param $n i32) (result i32) (local $acc i32)
                    (block $done (loop $next
                      (br_if $done (i32.eqz (local.get $n)))
                      (local.set $acc (i32.add (local.get $acc)
                        (i32.add (call $small (local.get $n)) (call $medium (local.get $n)))))
                      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                      (br $next)))
                    (local.get $acc)))
                """;
        IrFunction g = inline(inLoop, 2);
        assertEquals(0, callsTo(g, 0) + callsTo(g, 1), print(g));
        sameBehaviour(g, 2, new long[] {0}, new long[] {7}, new long[] {100});
    }

    @Test
    void alwaysInlinedCalleesIgnoreTheSizeLimit() {
        String wat = "(module " + BIG + """
                  (func (param $x i32) (result i32) (call $big (local.get $x))))
                """;
        t = OptTestSupport.translateAll(wat);
        IrFunction f = OptTestSupport.translateAll(wat).functions().get(1);
        IrFunction big = t.functions().get(0);
        assertTrue(Inliner.run(f, Inliner.Policy.of(i -> i == 0 ? big : null, i -> i == 0, 0)));
        Verifier.verify(f);
        assertEquals(0, callsTo(f, 0), print(f));
        sameBehaviour(f, 1, new long[] {3}, new long[] {-9});
    }

    @Test
    void coldCallSitesStayCalls() {
        // a helper behind a branch to unreachable (a slow path ending in a trap) stays a call, even for
        // an always-inlined callee; the fast path is inlined
        String wat = """
                (module (memory 1)
                  (func $report (param $i i32) (i32.store (i32.const 0) (local.get $i)))
                  (func $get (param $i i32) (result i32)
                    (if (i32.ge_u (local.get $i) (i32.const 100))
                      (then (call $report (local.get $i)) (unreachable)))
                    (i32.load (i32.mul (local.get $i) (i32.const 4))))
                  (func (param $i i32) (result i32) (call $get (local.get $i))))
                """;
        t = OptTestSupport.translateAll(wat);
        IrFunction report = t.functions().get(0);
        IrFunction get = OptTestSupport.translateAll(wat).functions().get(1);
        assertTrue(Inliner.run(get, Inliner.Policy.of(i -> i == 0 ? report : null, i -> true, 0)) == false,
                "the call to $report is cold");
        IrFunction f = OptTestSupport.translateAll(wat).functions().get(2);
        assertTrue(Inliner.run(f, Inliner.Policy.of(i -> i == 1 ? get : null, i -> true, 0)));
        Verifier.verify(f);
        assertEquals(0, callsTo(f, 1), print(f));
        assertEquals(1, callsTo(f, 0), print(f));
        // the remaining call is in a block that cannot return: it ends in the trap
        for (var b : f.blocks()) {
            for (var i : b.insts()) {
                if (i.op() == Op.CALL) {
                    assertEquals(Op.TRAP, b.terminator().op(), print(f));
                }
            }
        }
    }

    @Test
    void calleesThatCallTheHostStayCalls() {
        // function 0 stands for an import (importedFunctions = 1): $refill calls it, so $refill is a
        // slow path into the host and is not inlined; $twice, which does not, is
        String wat = """
                (module
                  (func $host (param i32) (result i32) (local.get 0))
                  (func $refill (param $i i32) (result i32) (call $host (local.get $i)))
                  (func $twice (param $i i32) (result i32) (i32.add (local.get $i) (local.get $i)))
                  (func (param $i i32) (result i32) (i32.add (call $refill (local.get $i)) (call $twice (local.get $i)))))
                """;
        t = OptTestSupport.translateAll(wat);
        IrFunction f = OptTestSupport.translateAll(wat).functions().get(3);
        assertTrue(Inliner.run(f, Inliner.Policy.of(i -> i >= 1 ? t.functions().get(i) : null, i -> true, 1)));
        assertEquals(1, callsTo(f, 1), print(f));
        assertEquals(0, callsTo(f, 2), print(f));
    }

    @Test
    void theGrowthBudgetStopsInliningInOneCaller() {
        // 60 call sites of a callee as small as a call, outside loops: a small caller may grow by
        // MIN_GROWTH only, so only some are inlined, the cheapest (first) ones
        StringBuilder body = new StringBuilder("(local.get $x)");
        for (int k = 0; k < 60; k++) {
            body.insert(0, "(call $h ").append(")");
        }
        String wat = """
                (module
                  (func $h (param $x i32) (result i32)
                    (i32.xor (i32.mul (local.get $x) (i32.const 7)) (i32.const 3)))
                  (func (param $x i32) (result i32) %s))
                """.formatted(body);
        IrFunction f = inline(wat, 1);
        int left = callsTo(f, 0);
        int inlined = 60 - left;
        int calleeSize = Inliner.size(t.functions().get(0));
        assertTrue(calleeSize <= Inliner.MAX_STRAIGHT_CALLEE_INSTS, "size " + calleeSize);
        assertTrue(inlined > 0 && left > 0, inlined + " inlined, " + left + " left");
        assertTrue(inlined * (calleeSize - 1) <= Math.max(Inliner.MIN_GROWTH, Inliner.size(t.functions().get(1))),
                inlined + " of size " + calleeSize);
        sameBehaviour(f, 1, new long[] {5}, new long[] {-123456});
    }

    @Test
    void callsAfterACalleeThatAlwaysTrapsAreLeftWithTheDeadCode() {
        String wat = """
                (module
                  (func $fail (unreachable))
                  (func $one (result i32) (i32.const 1))
                  (func (param $p i32) (result i32)
                    (if (local.get $p) (then (call $fail) (drop (call $one))))
                    (call $one)))
                """;
        IrFunction f = inline(wat, 2);
        assertEquals(0, count(f, Op.CALL), print(f));
        sameBehaviour(f, 2, new long[] {0}, new long[] {1});
    }

    @Test
    void inlinedFramesAreRecorded() {
        // $leaf into $mid, then $mid (already holding $leaf) into the caller: an instruction of $leaf
        // in the caller names $leaf, inside $mid, inside the caller's own code
        String wat = """
                (module
                  (func $leaf (param $x i32) (result i32) (i32.mul (local.get $x) (i32.const 7)))
                  (func $mid (param $x i32) (result i32) (i32.add (call $leaf (local.get $x)) (i32.const 1)))
                  (func (param $x i32) (result i32) (i32.sub (call $mid (local.get $x)) (i32.const 2))))
                """;
        t = OptTestSupport.translateAll(wat);
        IrFunction leaf = t.functions().get(0);
        IrFunction mid = OptTestSupport.translateAll(wat).functions().get(1);
        assertTrue(Inliner.run(mid, i -> i == 0 ? leaf : null));
        Simplifier.run(mid); // as the pipeline leaves a callee: $leaf's blocks merged into $mid's
        assertTrue(Inliner.size(mid) <= Inliner.MAX_STRAIGHT_CALLEE_INSTS, print(mid));
        IrFunction f = OptTestSupport.translateAll(wat).functions().get(2);
        assertTrue(Inliner.run(f, i -> i == 1 ? mid : null));
        Verifier.verify(f);
        assertEquals(List.of(1, 0), f.inlineSites().stream().map(IrFunction.InlineSite::funcIndex).toList());
        assertEquals(List.of(0, 1), f.inlineSites().stream().map(IrFunction.InlineSite::parent).toList());
        // each site records where its call was: $top's call of $mid, then $mid's call of $leaf, earlier in the module
        int topCall = f.inlineSites().get(0).callOffset();
        int midCall = f.inlineSites().get(1).callOffset();
        assertTrue(midCall > 0 && topCall > midCall, f.inlineSites().toString());
        boolean sawMul = false;
        for (var b : f.blocks()) {
            for (var i : b.insts()) {
                if (i.op() == Op.IMUL) {
                    assertEquals(2, i.inlineSite(), print(f)); // $leaf's, whose parent is $mid's site 1
                    assertTrue(i.sourceOffset() > 0 && i.sourceOffset() < midCall, "$leaf's i32.mul: " + i.sourceOffset());
                    sawMul = true;
                }
                if (i.op() == Op.ISUB) {
                    assertEquals(0, i.inlineSite()); // the caller's own
                }
            }
        }
        assertTrue(sawMul, print(f));
        sameBehaviour(f, 2, new long[] {3}, new long[] {-5});
    }

    @Test
    void aTailCallInAnInlinedCalleeBecomesACallAndReturn() {
        String wat = """
                (module
                  (func $h (param $a i32) (param $b i32) (result i32)
                    (i32.sub (i32.mul (local.get $a) (i32.const 3)) (local.get $b)))
                  (func $g (param $a i32) (result i32)
                    (if (i32.lt_s (local.get $a) (i32.const 0)) (then (return (i32.const -1))))
                    (return_call $h (local.get $a) (i32.const 5)))
                  (func (param $x i32) (result i32)
                    (i32.add (call $g (local.get $x)) (i32.const 1))))
                """;
        IrFunction f = inline(wat, 2);
        assertEquals(0, count(f, Op.RETURN_CALL), print(f));
        assertEquals(1, callsTo(f, 0), "$g's tail call of $h is a call in the caller: " + print(f));
        assertEquals(0, callsTo(f, 1), print(f));
        for (long x : new long[] {-7, -1, 0, 1, 2, 1000, Integer.MAX_VALUE}) {
            sameBehaviour(f, 2, new long[] {x});
        }
    }

    @Test
    void aCallBeforeATailCallIsNotColdAndATailCallThroughATableIsNotInlined() {
        String wat = """
                (module
                  (type $t (func (param i32) (result i32)))
                  (table 1 funcref)
                  (func $leaf (param $a i32) (result i32) (i32.xor (local.get $a) (i32.const 9)))
                  (func $viaTable (param $a i32) (result i32)
                    (return_call_indirect (type $t) (local.get $a) (i32.const 0)))
                  (func $next (param $a i32) (result i32) (i32.add (local.get $a) (i32.const 1)))
                  (func (param $x i32) (result i32)
                    (drop (call $viaTable (local.get $x)))
                    (return_call $next (call $leaf (local.get $x)))))
                """;
        IrFunction f = inline(wat, 3);
        assertEquals(0, callsTo(f, 0), "the block ends in a tail call, which returns: not a cold site: " + print(f));
        assertEquals(1, callsTo(f, 1), "no non-tail call_ref to turn return_call_ref into: " + print(f));
        assertEquals(1, count(f, Op.RETURN_CALL), print(f));
    }
}
