package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.count;
import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Verifier;
import org.junit.jupiter.api.Test;

/**
 * The optimizer over {@code Op.SIMD}: GVN merges only operations with the same opcode, lane and
 * operands; the simplifier and constant folding leave vector operations alone (they do not fold them),
 * and dead ones go.
 */
class SimdOptimizationTest {

    private static IrFunction optimize(String wat) {
        IrFunction f = OptTestSupport.translateAll(wat).functions().get(0);
        Simplifier.run(f);
        Verifier.verify(f);
        GlobalValueNumbering.run(f);
        Verifier.verify(f);
        Simplifier.run(f);
        DeadCodeElimination.run(f);
        Verifier.verify(f);
        return f;
    }

    private static int simd(IrFunction f, String mnemonic) {
        int n = 0;
        for (var b : f.blocks()) {
            for (Inst i : b.insts()) {
                n += i.op() == Op.SIMD && i.toString().contains(" " + mnemonic) ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void gvnMergesEqualVectorOperationsOnly() {
        IrFunction f = optimize("""
                (module (func (param $a v128) (result i32)
                  (i32.add
                    (i32.add (i32x4.extract_lane 0 (i32x4.add (local.get $a) (local.get $a)))
                             (i32x4.extract_lane 1 (i32x4.add (local.get $a) (local.get $a))))
                    (i32x4.extract_lane 1 (i8x16.add (local.get $a) (local.get $a))))))
                """);
        assertEquals(1, simd(f, "i32x4.add"), print(f));
        assertEquals(1, simd(f, "i8x16.add"), print(f));
        assertEquals(3, simd(f, "i32x4.extract_lane"), print(f)); // lanes 0 and 1 of one vector, lane 1 of another
    }

    @Test
    void constantsAreNotFoldedAndDeadVectorsGo() {
        IrFunction f = optimize("""
                (module (func (result i32) (local $unused v128)
                  (local.set $unused (i16x8.mul (v128.const i16x8 1 2 3 4 5 6 7 8) (v128.const i16x8 1 1 1 1 1 1 1 1)))
                  (i32x4.extract_lane 3
                    (i32x4.sub (v128.const i32x4 1 2 3 4) (v128.const i32x4 1 2 3 4)))))
                """);
        assertEquals(0, simd(f, "i16x8.mul"), print(f));
        assertEquals(1, simd(f, "i32x4.sub"), print(f)); // x - x of vectors is not rewritten as a scalar 0
        assertEquals(0, count(f, Op.ISUB), print(f));
    }
}
