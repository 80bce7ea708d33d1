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
        TailCalls[] calls = new TailCalls[ir.length];
        for (int i = 0; i < ir.length; i++) {
            calls[i] = TailCalls.of(ir[i], imported, ir.length);
        }
        return anotherInstance(calls);
    }

    /**
     * The tail calls of one function that {@link #anotherInstance} needs, so that a driver may keep
     * these instead of the function's IR.
     *
     * @param leavesInstance whether a block ends in {@code return_call_ref} or in {@code return_call}
     *                       of an imported function
     * @param definedCallees the defined functions (funcidx {@code - imported}) that blocks end in a
     *                       {@code return_call} of, in block order, repeats kept
     */
    public record TailCalls(boolean leavesInstance, int[] definedCallees) {
        /**
         * The tail calls of {@code f} as translated, or {@code null} when it has none (the common
         * case, so that a module's summaries stay small); {@code defined} functions follow the
         * {@code imported} ones. Linear in the blocks of {@code f}.
         */
        public static TailCalls of(IrFunction f, int imported, int defined) {
            boolean leaves = false;
            int[] callees = new int[0];
            for (Block b : f.blocks()) {
                Inst t = b.terminator();
                if (t == null) {
                    continue;
                }
                if (t.op() == Op.RETURN_CALL_REF || t.op() == Op.RETURN_CALL && t.imm() < imported) {
                    leaves = true;
                } else if (t.op() == Op.RETURN_CALL && t.imm() - imported < defined) {
                    callees = java.util.Arrays.copyOf(callees, callees.length + 1);
                    callees[callees.length - 1] = (int) (t.imm() - imported);
                }
            }
            return leaves || callees.length > 0 ? new TailCalls(leaves, callees) : null;
        }
    }

    /**
     * {@link #anotherInstance(IrFunction[], int)} from each defined function's {@link TailCalls}
     * ({@code null} for none), index {@code i} for funcidx {@code imported + i}.
     */
    public static BitSet anotherInstance(TailCalls[] calls) {
        int n = calls.length;
        List<List<Integer>> tailCallers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            tailCallers.add(null);
        }
        BitSet result = new BitSet(n);
        Deque<Integer> work = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            TailCalls c = calls[i];
            if (c == null) {
                continue;
            }
            if (c.leavesInstance()) {
                result.set(i);
                work.add(i);
            }
            for (int callee : c.definedCallees()) {
                if (tailCallers.get(callee) == null) {
                    tailCallers.set(callee, new ArrayList<>(1));
                }
                tailCallers.get(callee).add(i);
            }
        }
        while (!work.isEmpty()) {
            List<Integer> callers = tailCallers.get(work.poll());
            if (callers == null) {
                continue;
            }
            for (int caller : callers) {
                if (!result.get(caller)) {
                    result.set(caller);
                    work.add(caller);
                }
            }
        }
        return result;
    }
}
