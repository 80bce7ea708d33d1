package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.count;
import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.ir.Verifier;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link InductionCheckElimination}: {@code for (i = start; i < n; i += step) { check(i, len); sum += i }}
 * built by hand, the check removed exactly when every value of {@code i} is provably below {@code len},
 * and each function run before and after on the reference interpreter.
 */
class InductionCheckEliminationTest {
    private static final long OOB = 1;

    /**
     * {@code f(n: i32, m: i32) -> i32}: entered when {@code n != 0} with {@code i = start}; in the loop
     * {@code trapif.uge i, checked} ({@code n} or {@code m}), {@code i += step}, repeated while
     * {@code i <u n}; returns the sum of the {@code i} seen.
     */
    private static IrFunction loop(long start, long step, boolean checkM) {
        return loop(start, step, checkM, false);
    }

    /** As above; with {@code compareOld} the exit test is {@code i <u n} (before the increment). */
    private static IrFunction loop(long start, long step, boolean checkM, boolean compareOld) {
        IrFunction f = new IrFunction(0, "t", new FuncType(List.of(ValType.I32, ValType.I32), List.of(ValType.I32)));
        Block entry = f.newBlock();
        f.place(entry);
        Value n = entry.addParam(IrType.I32);
        Value m = entry.addParam(IrType.I32);
        Block h = f.newBlock();
        f.place(h);
        Value i = h.addParam(IrType.I32);
        Value sum = h.addParam(IrType.I32);
        Block exit = f.newBlock();
        f.place(exit);
        Value total = exit.addParam(IrType.I32);
        Value s = entry.append1(Op.ICONST, IrType.I32, start);
        Value zero = entry.append1(Op.ICONST, IrType.I32, 0);
        entry.append(Op.BRIF, List.of(n), 0, null, List.of(new BlockCall(h, List.of(s, zero)),
                new BlockCall(exit, List.of(zero))), List.of());
        h.append(Op.TRAPIF, List.of(i, checkM ? m : n), OOB, Cond.UGE, null, List.of());
        Value sum1 = h.append1(Op.IADD, IrType.I32, 0, sum, i);
        Value next = h.append1(Op.IADD, IrType.I32, 0, i, h.append1(Op.ICONST, IrType.I32, step));
        Value more = h.append(Op.ICMP, List.of(compareOld ? i : next, n), 0, Cond.ULT, null, List.of(IrType.I32)).result();
        h.append(Op.BRIF, List.of(more), 0, null, List.of(new BlockCall(h, List.of(next, sum1)),
                new BlockCall(exit, List.of(sum1))), List.of());
        exit.append(Op.RETURN, List.of(total), 0, null, null, List.of());
        Verifier.verify(f);
        return f;
    }

    private static void sameBehaviour(IrFunction before, IrFunction after) {
        var layout = VMContextLayout.forModule(0, List.of(), 0);
        long[][] inputs = {{0, 0}, {1, 1}, {10, 10}, {10, 5}, {10, 20}, {300, 3}};
        for (long[] in : inputs) {
            var m1 = new OptTestSupport.Machine(layout, x -> null, 1);
            var m2 = new OptTestSupport.Machine(layout, x -> null, 1);
            assertEquals(m1.run(before, in), m2.run(after, in), java.util.Arrays.toString(in) + "\n" + print(after));
        }
    }

    @Test
    void theCounterOfALoopBelowItsOwnBoundIsNotChecked() {
        IrFunction f = loop(0, 1, false);
        assertTrue(InductionCheckElimination.run(f), print(f));
        Verifier.verify(f);
        assertEquals(0, count(f, Op.TRAPIF), print(f));
        sameBehaviour(loop(0, 1, false), f);
    }

    @Test
    void aCheckAgainstAnotherLimitFromAnUncheckedStartOrAfterAnUncheckedStepStays() {
        for (IrFunction f : List.of(loop(0, 1, true), loop(5, 1, false), loop(0, 1, false, true))) {
            assertFalse(InductionCheckElimination.run(f), print(f));
            assertEquals(1, count(f, Op.TRAPIF), print(f));
        }
    }

    @Test
    void aCounterThatOnlyEverDecreasesBelowTheBoundIsNotCheckedEither() {
        // i = 0, then i - 1 = 0xFFFFFFFF, which the exit test i - 1 <u n lets through only when below n
        IrFunction f = loop(0, -1, false);
        assertTrue(InductionCheckElimination.run(f), print(f));
        sameBehaviour(loop(0, -1, false), f);
    }
}
