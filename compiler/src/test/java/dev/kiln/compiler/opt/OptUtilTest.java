package dev.kiln.compiler.opt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.IrFunction;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The loop tests the passes share: a backward branch, and the loop depth of each block. */
class OptUtilTest {
    private static final String WAT = """
            (module
              (func $straight (param i32) (result i32)
                (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2))))
              (func $counted (param i32)
                (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))
              (func $nested (param i32)
                (loop $outer
                  (loop $inner (br_if $inner (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
                  (br_if $outer (local.get 0)))))
            """;

    @Test
    void aFunctionHasABackwardBranchExactlyWhenItLoops() {
        var fs = OptTestSupport.translateAll(WAT).functions();
        assertFalse(OptUtil.hasBackwardBranch(fs.get(0)));
        assertTrue(OptUtil.hasBackwardBranch(fs.get(1)));
        assertTrue(OptUtil.hasBackwardBranch(fs.get(2)));
    }

    @Test
    void loopDepthsCountTheLoopsAroundEachBlock() {
        var fs = OptTestSupport.translateAll(WAT).functions();
        IrFunction straight = fs.get(0);
        assertArrayEquals(new int[straight.blockIdBound()], OptUtil.loopDepths(straight));
        int[] counted = OptUtil.loopDepths(fs.get(1));
        assertEquals(0, counted[fs.get(1).entry().id()]);
        assertEquals(1, Arrays.stream(counted).max().getAsInt());
        IrFunction nested = fs.get(2);
        int[] depths = OptUtil.loopDepths(nested);
        assertEquals(2, Arrays.stream(depths).max().getAsInt(), "the inner loop is inside the outer one");
        int ones = 0;
        for (Block b : nested.blocks()) {
            ones += depths[b.id()] == 1 ? 1 : 0;
        }
        assertTrue(ones > 0, "some block is in the outer loop only");
    }
}
