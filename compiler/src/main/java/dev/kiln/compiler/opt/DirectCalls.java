package dev.kiln.compiler.opt;

import dev.kiln.compiler.wasm.CodeReader;
import dev.kiln.compiler.wasm.FunctionBody;
import dev.kiln.compiler.wasm.Opcode;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * The direct calls of one function read from its Wasm body, without translating it: the edges of the
 * {@link CallGraph} and the {@link TailCallReach.TailCalls} that {@link TailCallReach} needs, for a
 * driver that builds both before any function is translated.
 *
 * <p>What the body says is what its IR as translated says ({@link dev.kiln.compiler.ir.Op#CALL} and
 * {@link dev.kiln.compiler.ir.Op#RETURN_CALL} instructions), or more: every {@code call} and
 * {@code return_call} of a defined function is an edge, and every {@code return_call_indirect},
 * {@code return_call_ref} and {@code return_call} of an imported function not lowered in place leaves
 * the instance, including those in code that cannot be reached (which the translator drops). Only the
 * translator makes direct calls, one per {@code call}/{@code return_call} it keeps, so the call graph
 * has every edge of the IR, which bottom-up inlining relies on (a callee's component is compiled before
 * its callers'); an extra edge from unreachable code can only order or group components more than
 * needed. Stateless and thread-safe.
 *
 * @param definedCallees the defined functions called directly ({@code call} or {@code return_call}), each
 *                       once, as {@code funcidx - imported}, in the order of their first call in the body
 * @param tailCalls      the body's tail calls, or {@code null} when it has none
 */
public record DirectCalls(int[] definedCallees, TailCallReach.TailCalls tailCalls) {
    /**
     * Reads the direct calls of {@code body}, which must have been validated.
     *
     * @param bytes          the module's binary
     * @param body           the function's body in {@code bytes}
     * @param imported       the module's imported function count (funcidx below it are imports)
     * @param defined        the module's defined function count
     * @param loweredInPlace whether a direct call to a funcidx is lowered in place (an intrinsic), so
     *                       that a {@code return_call} of it returns instead of leaving the instance
     * @throws dev.kiln.compiler.wasm.MalformedModuleException if the body is not well encoded
     */
    public static DirectCalls of(byte[] bytes, FunctionBody body, int imported, int defined,
            IntPredicate loweredInPlace) {
        CodeReader r = new CodeReader(bytes, body.codeStart(), body.codeEnd());
        int[] callees = new int[4];
        int n = 0;
        java.util.BitSet seen = null; // once the linear search below gets long
        boolean leaves = false;
        int[] tailCallees = null;
        int tails = 0;
        while (r.hasNext()) {
            Opcode op = r.next();
            if (op == Opcode.RETURN_CALL_INDIRECT || op == Opcode.RETURN_CALL_REF) {
                leaves = true;
                continue;
            }
            if (op != Opcode.CALL && op != Opcode.RETURN_CALL) {
                continue;
            }
            int funcIndex = r.index();
            long callee = (long) funcIndex - imported;
            if (callee < 0) {
                leaves |= op == Opcode.RETURN_CALL && !loweredInPlace.test(funcIndex);
                continue;
            }
            if (callee >= defined) {
                continue;
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
                continue;
            }
            if (seen != null) {
                seen.set(c);
            }
            if (n == callees.length) {
                callees = Arrays.copyOf(callees, n * 2);
            }
            callees[n++] = c;
        }
        TailCallReach.TailCalls tailCalls = leaves || tails > 0
                ? new TailCallReach.TailCalls(leaves, tails == 0 ? new int[0] : Arrays.copyOf(tailCallees, tails))
                : null;
        return new DirectCalls(Arrays.copyOf(callees, n), tailCalls);
    }
}
