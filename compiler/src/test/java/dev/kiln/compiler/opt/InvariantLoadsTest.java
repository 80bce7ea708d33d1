package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.abi.VMMemoryDefinition;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Verifier;
import org.junit.jupiter.api.Test;

/**
 * Alias facts: loads of VMContext fields that nothing changes during a call are merged across calls
 * and stores and hoisted out of loops that call; the fields that calls can change are not.
 */
class InvariantLoadsTest {
    private static OptTestSupport.Translated t;

    private static IrFunction optimize(String wat) {
        t = OptTestSupport.translateAll(wat);
        IrFunction f = OptTestSupport.translateAll(wat).functions().get(0);
        boolean[] mutable = new boolean[t.module().globals().size()];
        for (int g = 0; g < mutable.length; g++) {
            mutable[g] = t.module().globals().get(g).type().mutable();
        }
        new InvariantLoads(t.layout(), new boolean[0], mutable).mark(f);
        Pipeline.optimize(f, (java.util.function.IntFunction<IrFunction>) null, true);
        Verifier.verify(f);
        System.out.println(print(f));
        return f;
    }

    private static int vmctxLoads(IrFunction f, long offset, boolean inLoopsOnly) {
        int n = 0;
        for (Block b : f.blocks()) {
            if (inLoopsOnly && !LoopInvariantCodeMotionTest.inLoop(b)) {
                continue;
            }
            for (Inst i : b.insts()) {
                n += i.op() == Op.VMCTX_LOAD && i.imm() == offset ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void theMemoryBaseIsLoadedOnceAcrossCallsButItsLengthAgainAfterEach() {
        IrFunction f = optimize("""
                (module (memory 1)
                  (func (param $p i32) (result i32)
                    (i32.add (i32.load (local.get $p))
                      (i32.add (call 1) (i32.load offset=4 (local.get $p)))))
                  (func (result i32) (drop (memory.grow (i32.const 1))) (i32.const 0)))
                """);
        int base = t.layout().memoryBase(0) + VMMemoryDefinition.BASE;
        assertEquals(1, vmctxLoads(f, base, false), print(f));
        assertEquals(2, vmctxLoads(f, t.layout().memoryLength(0), false), print(f));
        OptTestSupport.Outcome r = OptTestSupport.run(t, f, 1, 8);
        assertEquals(OptTestSupport.run(t, t.functions().get(0), 1, 8), r);
    }

    @Test
    void aLoopThatCallsKeepsItsLengthLoadsButNotItsBaseOrImmutableGlobals() {
        IrFunction f = optimize("""
                (module (memory 1) (global $k i32 (i32.const 5)) (global $m (mut i32) (i32.const 5))
                  (func (param $n i32) (result i32) (local $acc i32)
                    (block $done (loop $next
                      (br_if $done (i32.eqz (local.get $n)))
                      (call 1)
                      (local.set $acc (i32.add (local.get $acc)
                        (i32.add (i32.load (local.get $n)) (i32.add (global.get $k) (global.get $m)))))
                      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                      (br $next)))
                    (local.get $acc))
                  (func (global.set $m (i32.add (global.get $m) (i32.const 1)))))
                """);
        assertEquals(0, vmctxLoads(f, t.layout().memoryBase(0) + VMMemoryDefinition.BASE, true), print(f));
        assertEquals(1, vmctxLoads(f, t.layout().memoryLength(0), true), print(f));
        assertEquals(0, vmctxLoads(f, t.layout().global(0), true), print(f)); // immutable
        assertEquals(1, vmctxLoads(f, t.layout().global(1), true), print(f)); // the callee sets it
    }
}
