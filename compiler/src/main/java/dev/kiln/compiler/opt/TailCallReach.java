package dev.kiln.compiler.opt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;

/**
 * Which functions of a module may return to their caller with another instance's VMContext: those
 * that end in a tail call to an imported function or through a function record
 * ({@code return_call_indirect}, {@code return_call_ref}), whose callee then returns straight to the
 * caller, and, transitively, those that tail-call such a function directly ({@code return_call}). A
 * backend that keeps the VMContext in a callee-saved register reloads it after a call to one of them
 * ({@code FunctionEnvironment.mayReturnInAnotherInstance}). Read from the Wasm bodies
 * ({@link DirectCalls}): inlining only turns tail calls into calls, so the answer stays conservative
 * after optimization. Stateless and thread-safe.
 */
public final class TailCallReach {
    private TailCallReach() {
    }

    /**
     * The tail calls of one function that {@link #anotherInstance} needs ({@link DirectCalls#tailCalls()}).
     *
     * @param leavesInstance whether it has a {@code return_call_indirect}, a {@code return_call_ref} or
     *                       a {@code return_call} of an imported function not lowered in place
     * @param definedCallees the defined functions (funcidx {@code - imported}) it has a
     *                       {@code return_call} of, repeats kept
     */
    public record TailCalls(boolean leavesInstance, int[] definedCallees) {
    }

    /**
     * The defined functions (index {@code i} for funcidx {@code imported + i}) that may return with
     * another instance's VMContext, from each defined function's {@link TailCalls} ({@code null} for
     * none) at the same index.
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
