package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;

/**
 * Which functions of a module may return to their caller with another instance's VMContext: those
 * that end in a tail call to an imported function or through a function record
 * ({@link Op#RETURN_CALL_REF}), whose callee then returns straight to the caller, and, transitively,
 * those that tail-call such a function directly ({@link Op#RETURN_CALL}). A backend that keeps the
 * VMContext in a callee-saved register reloads it after a call to one of them
 * ({@code FunctionEnvironment.mayReturnInAnotherInstance}). Stateless and thread-safe.
 */
public final class TailCallReach {
    private TailCallReach() {
    }

    /**
     * The defined functions (index {@code i} for funcidx {@code imported + i}, as in {@code ir}) that
     * may return with another instance's VMContext. Computed on the IR as translated: inlining only
     * turns tail calls into calls, so the answer stays conservative after optimization.
     */
    public static BitSet anotherInstance(IrFunction[] ir, int imported) {
        int n = ir.length;
        List<List<Integer>> tailCallers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            tailCallers.add(new ArrayList<>(0));
        }
        BitSet result = new BitSet(n);
        Deque<Integer> work = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            for (Block b : ir[i].blocks()) {
                Inst t = b.terminator();
                if (t == null) {
                    continue;
                }
                if (t.op() == Op.RETURN_CALL_REF || t.op() == Op.RETURN_CALL && t.imm() < imported) {
                    if (!result.get(i)) {
                        result.set(i);
                        work.add(i);
                    }
                } else if (t.op() == Op.RETURN_CALL && t.imm() - imported < n) {
                    tailCallers.get((int) (t.imm() - imported)).add(i);
                }
            }
        }
        while (!work.isEmpty()) {
            for (int caller : tailCallers.get(work.poll())) {
                if (!result.get(caller)) {
                    result.set(caller);
                    work.add(caller);
                }
            }
        }
        return result;
    }
}
