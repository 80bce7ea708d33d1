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
 * <p>For the driver that keeps a callee's IR only while the {@link Inliner} might copy it, each callee
 * also has the deepest {@code loop} nesting of its {@code call}s in the body. The inliner's loop depth of
 * a call site (natural loops of the translated IR, {@link OptUtil#loopDepths}) is never more: a natural
 * loop's blocks lie inside the one Wasm {@code loop} its header comes from, since structured control
 * enters a {@code loop} only at its start.
 *
 * @param definedCallees the defined functions called directly ({@code call} or {@code return_call}), each
 *                       once, as {@code funcidx - imported}, in the order of their first call in the body
 * @param loopDepths     by position in {@code definedCallees}: the most {@code loop} instructions that
 *                       enclose one of the body's {@code call}s of that function, or -1 when it is only
 *                       tail-called ({@code return_call}, which the inliner leaves alone)
 * @param tailCalls      the body's tail calls, or {@code null} when it has none
 */
public record DirectCalls(int[] definedCallees, int[] loopDepths, TailCallReach.TailCalls tailCalls) {
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
        private int[] depths = new int[4];
        private int n;
        private boolean leaves;
        private int[] tailCallees;
        private int tails;

        Reader(int imported, int defined, IntPredicate loweredInPlace) {
            this.imported = imported;
            this.defined = defined;
            this.loweredInPlace = loweredInPlace;
        }

        @Override
        public void call(Opcode op, int funcIndex, int loopDepth) {
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
            int depth = op == Opcode.CALL ? loopDepth : -1;
            int at = find(c);
            if (at >= 0) {
                depths[at] = Math.max(depths[at], depth);
                return;
            }
            if (n == callees.length) {
                callees = Arrays.copyOf(callees, n * 2);
                depths = Arrays.copyOf(depths, n * 2);
            }
            depths[n] = depth;
            callees[n++] = c;
            if (slots != null) {
                if (2 * n > slots.length) {
                    index(slots.length * 2);
                } else {
                    slots[slot(c)] = n; // the empty slot find stopped at
                }
            } else if (n > LINEAR) {
                index(4 * n);
            }
        }

        /** Up to this many callees, {@link #find} searches them in order; beyond, through {@link #slots}. */
        private static final int LINEAR = 16;

        /**
         * Once there are more than {@link #LINEAR} callees: an open-addressing hash table (linear
         * probing, a power of two long, at most half full) of each callee's position in
         * {@code callees} plus one; 0 is an empty slot.
         */
        private int[] slots;

        /** The position of {@code c} in {@code callees}, or -1. */
        private int find(int c) {
            if (slots == null) {
                for (int j = 0; j < n; j++) {
                    if (callees[j] == c) {
                        return j;
                    }
                }
                return -1;
            }
            return slots[slot(c)] - 1;
        }

        /** The slot holding {@code c}, or the empty slot where it would go. */
        private int slot(int c) {
            int mask = slots.length - 1;
            int h = (c * 0x9E3779B9) >>> 7 & mask;
            while (slots[h] != 0 && callees[slots[h] - 1] != c) {
                h = h + 1 & mask;
            }
            return h;
        }

        /** Makes {@link #slots} of at least {@code capacity} slots (rounded up to a power of two) for every callee. */
        private void index(int capacity) {
            slots = new int[Integer.highestOneBit(capacity - 1) << 1];
            for (int j = 0; j < n; j++) {
                slots[slot(callees[j])] = j + 1;
            }
        }

        DirectCalls result() {
            TailCallReach.TailCalls tailCalls = leaves || tails > 0
                    ? new TailCallReach.TailCalls(leaves, tails == 0 ? new int[0] : Arrays.copyOf(tailCallees, tails))
                    : null;
            return new DirectCalls(Arrays.copyOf(callees, n), Arrays.copyOf(depths, n), tailCalls);
        }
    }
}
