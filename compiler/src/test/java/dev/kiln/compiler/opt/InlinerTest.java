package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.count;
import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Verifier;
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
        assertEquals(2, count(f, Op.CALL), print(f));
        assertFalse(Inliner.inlinable(t.functions().get(0)));
        assertFalse(Inliner.inlinable(t.functions().get(1)), print(t.functions().get(1)));
        IrFunction fib = t.functions().get(0);
        assertFalse(Inliner.run(OptTestSupport.translateAll(wat).functions().get(0), i -> fib), "no self-inlining");
    }

    @Test
    void inlinesMemoryAccessesAndTraps() {
        String wat = """
                (module (memory 1)
                  (func $get (param $p i32) (result i32) (i32.load (local.get $p)))
                  (func $fail (unreachable))
                  (func (param $p i32) (result i32)
                    (if (i32.lt_s (local.get $p) (i32.const 0)) (then (call $fail)))
                    (call $get (local.get $p))))
                """;
        IrFunction f = inline(wat, 2);
        assertEquals(0, count(f, Op.CALL), print(f));
        assertEquals(1, count(f, Op.TRAP), print(f)); // $fail's unreachable
        sameBehaviour(f, 2, new long[] {0}, new long[] {-1}, new long[] {65532}, new long[] {65533});
    }
}
