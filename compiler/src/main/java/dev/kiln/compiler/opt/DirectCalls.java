package dev.kiln.compiler.opt;

import dev.kiln.compiler.wasm.Opcode;
import dev.kiln.compiler.wasm.Validator;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * The direct calls of one function, read from its Wasm body while it is validated, without translating
 * it: the edges of the {@link CallGraph} and the {@link TailCallReach.TailCalls} that
 * {@link TailCallReach} needs, for a driver that builds both before any function is translated.
 *
 * <p>What the body says is what its IR as translated says ({@link dev.kiln.compiler.ir.Op#CALL} and
 * {@link dev.kiln.compiler.ir.Op#RETURN_CALL} instructions), or more: every {@code call} and
 * {@code return_call} of a defined function is an edge, and every {@code return_call_indirect},
 * {@code return_call_ref} and {@code return_call} of an imported function not lowered in place leaves
 * the instance, including those in code that cannot be reached (which the translator drops). Only the
 * translator makes direct calls, one per {@code call}/{@code return_call} it keeps, so the call graph
 * has every edge of the IR, which bottom-up inlining relies on (a callee's component is compiled before
 * its callers'); an extra edge from unreachable code can only order or group components more than
 * needed. Immutable and thread-safe.
 *
 * @param definedCallees the defined functions called directly ({@code call} or {@code return_call}), each
 *                       once, as {@code funcidx - imported}, in the order of their first call in the body
 * @param tailCalls      the body's tail calls, or {@code null} when it has none
 */
public record DirectCalls(int[] definedCallees, TailCallReach.TailCalls tailCalls) {
    /**
     * Validates the body of the defined function {@code definedIndex} and reads its direct calls in
     * the same pass over its instructions.
     *
     * @param bodies         the module's function bodies, its other parts validated
     * @param definedIndex   the function's funcidx minus {@code imported}
     * @param imported       the module's imported function count (funcidx below it are imports)
     * @param defined        the module's defined function count
     * @param loweredInPlace whether a direct call to a funcidx is lowered in place (an intrinsic), so
     *                       that a {@code return_call} of it returns instead of leaving the instance
     * @throws dev.kiln.compiler.wasm.InvalidModuleException   if the body is invalid
     * @throws dev.kiln.compiler.wasm.MalformedModuleException if the body is not well encoded
     */
    public static DirectCalls validateAndRead(Validator.FunctionBodies bodies, int definedIndex, int imported,
            int defined, IntPredicate loweredInPlace) {
        Reader reader = new Reader(imported, defined, loweredInPlace);
        bodies.validate(definedIndex, reader);
        return reader.result();
    }

    /** Collects the calls a validator reads from one body. */
    private static final class Reader implements Validator.CallListener {
        private final int imported;
        private final int defined;
        private final IntPredicate loweredInPlace;
        private int[] callees = new int[4];
        private int n;
        private java.util.BitSet seen; // once the linear search below gets long
        private boolean leaves;
        private int[] tailCallees;
        private int tails;

        Reader(int imported, int defined, IntPredicate loweredInPlace) {
            this.imported = imported;
            this.defined = defined;
            this.loweredInPlace = loweredInPlace;
        }

        @Override
        public void call(Opcode op, int funcIndex) {
            if (op == Opcode.RETURN_CALL_INDIRECT || op == Opcode.RETURN_CALL_REF) {
                leaves = true;
                return;
            }
            long callee = (long) funcIndex - imported;
            if (callee < 0) {
                leaves |= op == Opcode.RETURN_CALL && !loweredInPlace.test(funcIndex);
                return;
            }
            if (callee >= defined) {
                return;
            }
            int c = (int) callee;
            if (op == Opcode.RETURN_CALL) {
                if (tailCallees == null) {
                    tailCallees = new int[2];
                } else if (tails == tailCallees.length) {
                    tailCallees = Arrays.copyOf(tailCallees, tails * 2);
                }
                tailCallees[tails++] = c;
            }
            boolean dup;
            if (seen != null) {
                dup = seen.get(c);
            } else {
                dup = false;
                for (int j = 0; j < n && !dup; j++) {
                    dup = callees[j] == c;
                }
                if (!dup && n >= 16) {
                    seen = new java.util.BitSet(defined);
                    for (int j = 0; j < n; j++) {
                        seen.set(callees[j]);
                    }
                }
            }
            if (dup) {
                return;
            }
            if (seen != null) {
                seen.set(c);
            }
            if (n == callees.length) {
                callees = Arrays.copyOf(callees, n * 2);
            }
            callees[n++] = c;
        }

        DirectCalls result() {
            TailCallReach.TailCalls tailCalls = leaves || tails > 0
                    ? new TailCallReach.TailCalls(leaves, tails == 0 ? new int[0] : Arrays.copyOf(tailCallees, tails))
                    : null;
            return new DirectCalls(Arrays.copyOf(callees, n), tailCalls);
        }
    }
}
