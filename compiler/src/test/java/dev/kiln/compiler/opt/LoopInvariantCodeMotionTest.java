package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.count;
import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.ir.Verifier;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Loop-invariant code motion: what leaves the loop, what must stay, and preheader creation. */
class LoopInvariantCodeMotionTest {
    private static OptTestSupport.Translated t;

    private static IrFunction licm(String wat) {
        t = OptTestSupport.translateAll(wat);
        IrFunction f = OptTestSupport.translateAll(wat).functions().get(0);
        OptTestSupport.invariantLoads(t).mark(f);
        DeadCodeElimination.run(f);
        String before = print(f);
        LoopInvariantCodeMotion.run(f);
        Verifier.verify(f);
        System.out.println("before:\n" + before + "after:\n" + print(f));
        return f;
    }

    /** Whether {@code b} lies on a cycle (can reach itself), i.e. is inside some loop. */
    static boolean inLoop(Block b) {
        Set<Block> seen = new HashSet<>();
        Deque<Block> work = new ArrayDeque<>(b.successors());
        while (!work.isEmpty()) {
            Block x = work.poll();
            if (x == b) {
                return true;
            }
            if (seen.add(x)) {
                work.addAll(x.successors());
            }
        }
        return false;
    }

    private static int countInLoops(IrFunction f, Op op) {
        return countInLoops(f, i -> i.op() == op);
    }

    private static int countInLoops(IrFunction f, java.util.function.Predicate<Inst> which) {
        int n = 0;
        for (Block b : f.blocks()) {
            if (inLoop(b)) {
                for (Inst i : b.insts()) {
                    n += which.test(i) ? 1 : 0;
                }
            }
        }
        return n;
    }

    /** Loads of a table's size or entries address ({@code VMTableDefinition} fields). */
    private static int tableFieldLoadsInLoops(IrFunction f) {
        return countInLoops(f, i -> i.op() == Op.LOAD && OptUtil.isRuntimeAccess(i));
    }

    private static void sameBehaviour(IrFunction after, int pages, long[]... inputs) {
        IrFunction before = t.functions().get(0);
        for (long[] in : inputs) {
            assertEquals(OptTestSupport.run(t, before, pages, in), OptTestSupport.run(t, after, pages, in),
                    java.util.Arrays.toString(in));
        }
    }

    private static final String SUM = """
            (module (global $g (mut i32) (i32.const 3)) (memory 1)
              (func (param $n i32) (param $a i32) (param $b i32) (result i32) (local $acc i32)
                (block $done (loop $next
                  (br_if $done (i32.eqz (local.get $n)))
                  (local.set $acc (i32.add (local.get $acc)
                    (i32.add (i32.mul (local.get $a) (local.get $b)) (global.get $g))))
                  %s
                  (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                  (br $next)))
                (local.get $acc)))
            """;

    @Test
    void hoistsPureArithmeticAndGlobalReads() {
        IrFunction f = licm(SUM.formatted(""));
        assertEquals(0, countInLoops(f, Op.IMUL), print(f));
        assertEquals(0, countInLoops(f, Op.VMCTX_LOAD), print(f)); // nothing in the loop writes $g
        assertEquals(1, countInLoops(f, Op.ISUB), print(f)); // n - 1 depends on the loop
        sameBehaviour(f, 1, new long[] {0, 2, 3}, new long[] {5, 2, 3}, new long[] {100, -7, 9});
    }

    @Test
    void keepsGlobalReadsInALoopThatWritesThem() {
        IrFunction f = licm(SUM.formatted("(global.set $g (i32.add (global.get $g) (i32.const 1)))"));
        assertEquals(0, countInLoops(f, Op.IMUL), print(f));
        assertEquals(2, countInLoops(f, Op.VMCTX_LOAD), print(f));
        sameBehaviour(f, 1, new long[] {0, 2, 3}, new long[] {5, 2, 3});
    }

    /** The instructions of {@code op} outside every loop (the entry, the preheader, the exit). */
    private static List<Inst> preheaderInsts(IrFunction f, Op op) {
        List<Inst> out = new java.util.ArrayList<>();
        for (Block b : f.blocks()) {
            if (!inLoop(b)) {
                for (Inst i : b.insts()) {
                    if (i.op() == op) {
                        out.add(i);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void mergesEqualInstructionsHoistedFromSeveralArms() {
        // both arms of the if compute a * b + $g; neither dominates the other, so GVN leaves two copies,
        // which LICM hoists into one preheader: one copy stays, so one value is live across the loop
        IrFunction f = licm("""
                (module (global $g (mut i32) (i32.const 3)) (memory 1)
                  (func (param $n i32) (param $a i32) (param $b i32) (result i32) (local $acc i32)
                    (block $done (loop $next
                      (br_if $done (i32.eqz (local.get $n)))
                      (if (i32.and (local.get $n) (i32.const 1))
                        (then (local.set $acc (i32.add (local.get $acc)
                          (i32.add (i32.mul (local.get $a) (local.get $b)) (global.get $g)))))
                        (else (local.set $acc (i32.xor (local.get $acc)
                          (i32.add (i32.mul (local.get $a) (local.get $b)) (global.get $g))))))
                      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                      (br $next)))
                    (local.get $acc)))
                """);
        assertEquals(0, countInLoops(f, Op.IMUL), print(f));
        assertEquals(0, countInLoops(f, Op.VMCTX_LOAD), print(f));
        assertEquals(1, preheaderInsts(f, Op.IMUL).size(), print(f));
        assertEquals(1, preheaderInsts(f, Op.VMCTX_LOAD).size(), print(f));
        assertEquals(1, preheaderInsts(f, Op.IADD).size(), print(f)); // a * b + $g, once
        sameBehaviour(f, 1, new long[] {0, 2, 3}, new long[] {5, 2, 3}, new long[] {100, -7, 9});
    }

    private static final String TABLE_SIZE_LOOP = """
            (module (table 3 funcref) (memory 1) (global $g (mut i32) (i32.const 0))
              (func (param $n i32) (result i32) (local $acc i32)
                (block $done (loop $next
                  (br_if $done (i32.eqz (local.get $n)))
                  (local.set $acc (i32.add (local.get $acc) (table.size)))
                  %s
                  (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                  (br $next)))
                (local.get $acc))
              (func $f (drop (table.grow (ref.null func) (i32.const 1)))))
            """;

    @Test
    void hoistsTableSizeOnlyOutOfLoopsThatCannotGrowTheTable() {
        // issue 23: table.size read in a loop that grows the table, itself or through a call, stays
        assertEquals(1, tableFieldLoadsInLoops(licm(TABLE_SIZE_LOOP.formatted(
                "(drop (table.grow (ref.null func) (i32.const 1)))"))));
        assertEquals(1, tableFieldLoadsInLoops(licm(TABLE_SIZE_LOOP.formatted("(call $f)"))));
        assertEquals(1, tableFieldLoadsInLoops(licm(TABLE_SIZE_LOOP.formatted("(memory.grow (i32.const 1)) (drop)"))));
        // table.set writes the table (a runtime store): table.size's read and table.set's own reads of
        // the size and the entries address all stay
        assertEquals(3, tableFieldLoadsInLoops(licm(TABLE_SIZE_LOOP.formatted(
                "(table.set (i32.const 0) (ref.null func))"))));
        // stores to memory and globals cannot change a table's size
        IrFunction f = licm(TABLE_SIZE_LOOP.formatted(
                "(i32.store (local.get $n) (local.get $acc)) (global.set $g (local.get $acc))"));
        assertEquals(0, tableFieldLoadsInLoops(f), print(f));
        sameBehaviour(f, 1, new long[] {0}, new long[] {3});
    }

    private static final String TABLE_GET_LOOP = """
            (module (table $t 3 funcref) (memory 1)
              (func (param $n i32) (param $i i32) (result i32) (local $acc i32)
                (block $done (loop $next
                  (br_if $done (i32.eqz (local.get $n)))
                  (local.set $acc (i32.add (local.get $acc)
                    (ref.is_null (table.get $t (local.get $i)))))
                  %s
                  (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                  (br $next)))
                (local.get $acc))
              (func $f (drop (table.grow (ref.null func) (i32.const 1)))))
            """;

    @Test
    void tableEntryLoadsStayBehindTheirBoundsCheck() {
        // the entry read depends on the bounds check, which is not in the loop header: never hoisted
        IrFunction f = licm(TABLE_GET_LOOP.formatted("(i32.store (local.get $n) (local.get $acc))"));
        assertEquals(1, countInLoops(f, i -> i.op() == Op.LOAD && OptUtil.isRuntimeAccess(i)
                && !OptUtil.isDefinitionField(i)), print(f));
        assertEquals(1, countInLoops(f, i -> i.op() == Op.TRAPIF && i.imm() == TrapCode.TABLE_OUT_OF_BOUNDS.code()),
                print(f));
        sameBehaviour(f, 1, new long[] {0, 0}, new long[] {3, 1}, new long[] {2, 7});
        // a loop that grows the table keeps the size and entries address reads too
        IrFunction g = licm(TABLE_GET_LOOP.formatted("(call $f)"));
        assertEquals(3, tableFieldLoadsInLoops(g), print(g));
    }

    @Test
    void keepsMemorySizeInALoopThatCallsOrGrows() {
        String loop = """
                (module (memory 1)
                  (func (param $n i32) (result i32) (local $acc i32)
                    (block $done (loop $next
                      (br_if $done (i32.eqz (local.get $n)))
                      (local.set $acc (i32.add (local.get $acc) (memory.size)))
                      %s
                      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                      (br $next)))
                    (local.get $acc))
                  (func $f (drop (memory.grow (i32.const 1)))))
                """;
        assertEquals(1, countInLoops(licm(loop.formatted("(call $f)")), Op.VMCTX_LOAD));
        assertEquals(1, countInLoops(licm(loop.formatted("(drop (memory.grow (i32.const 1)))")), Op.VMCTX_LOAD));
        assertEquals(0, countInLoops(licm(loop.formatted("(i32.store (local.get $n) (local.get $acc))")), Op.VMCTX_LOAD));
    }

    @Test
    void storesDoNotPinVmctxReadsButLoadsStay() {
        IrFunction f = licm(SUM.formatted("(i32.store (local.get $a) (i32.load (local.get $b)))"));
        // the memory's length and base are VMContext reads: a store to linear memory does not change them
        assertEquals(0, countInLoops(f, Op.VMCTX_LOAD), print(f));
        assertEquals(1, countInLoops(f, Op.LOAD), print(f));
        // the checks are not in the header (the exit test comes first), so they stay
        assertEquals(2, countInLoops(f, Op.TRAPIF), print(f));
        sameBehaviour(f, 1, new long[] {0, 70000, 70000}, new long[] {3, 8, 16}, new long[] {3, 65533, 0});
    }

    @Test
    void hoistsChecksOnlyFromTheLoopHeader() {
        // do { acc += mem[p]; } while (--n): the load's check is in the header, which runs on entry
        IrFunction f = licm("""
                (module (memory 1)
                  (func (param $n i32) (param $p i32) (result i32) (local $acc i32)
                    (loop $next
                      (local.set $acc (i32.add (local.get $acc) (i32.load (local.get $p))))
                      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
                      (br_if $next))
                    (local.get $acc)))
                """);
        assertEquals(0, countInLoops(f, Op.TRAPIF), print(f));
        assertEquals(1, countInLoops(f, Op.LOAD), print(f));
        sameBehaviour(f, 1, new long[] {3, 8}, new long[] {1, 65533}, new long[] {2, 65532});
    }

    @Test
    void doesNotHoistChecksAfterAnEffectInTheHeader() {
        IrFunction f = licm("""
                (module (memory 1)
                  (func (param $n i32) (param $p i32) (result i32) (local $acc i32)
                    (loop $next
                      (i32.store (i32.const 0) (local.get $n))
                      (local.set $acc (i32.add (local.get $acc) (i32.load (local.get $p))))
                      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
                      (br_if $next))
                    (local.get $acc)))
                """);
        // the store's check (constant address) may go; the load's check must follow the store
        assertEquals(1, countInLoops(f, Op.TRAPIF), print(f));
        sameBehaviour(f, 1, new long[] {3, 8}, new long[] {2, 65533});
    }

    @Test
    void createsAPreheaderForSeveralOutsideEdges() {
        // block0(c, x): brif c, block1(x), block1(0); block1(i): k = x * 3; i2 = i + k; brif i2 <u 100, block1(i2), block2
        IrFunction f = new IrFunction(0, "t", new FuncType(List.of(ValType.I32, ValType.I32), List.of(ValType.I32)));
        Block b0 = f.newBlock();
        f.place(b0);
        Value c = b0.addParam(IrType.I32);
        Value x = b0.addParam(IrType.I32);
        Block b1 = f.newBlock();
        f.place(b1);
        Block b2 = f.newBlock();
        f.place(b2);
        Value zero = b0.append1(Op.ICONST, IrType.I32, 0);
        b0.append(Op.BRIF, List.of(c), 0, null, List.of(new BlockCall(b1, List.of(x)), new BlockCall(b1, List.of(zero))),
                List.of());
        Value i = b1.addParam(IrType.I32);
        Value three = b1.append1(Op.ICONST, IrType.I32, 3);
        Value k = b1.append1(Op.IMUL, IrType.I32, 0, x, three);
        Value i2 = b1.append1(Op.IADD, IrType.I32, 0, i, k);
        Value hundred = b1.append1(Op.ICONST, IrType.I32, 100);
        Value lt = b1.append(Op.ICMP, List.of(i2, hundred), 0, Cond.ULT, null, List.of(IrType.I32)).result();
        b1.append(Op.BRIF, List.of(lt), 0, null, List.of(new BlockCall(b1, List.of(i2)), new BlockCall(b2, List.of())),
                List.of());
        b2.append(Op.RETURN, List.of(i2), 0, null, null, List.of());
        Verifier.verify(f);
        var tr = new OptTestSupport.Translated(null, List.of(f), dev.kiln.abi.VMContextLayout.forModule(0, List.of(), 0));
        List<OptTestSupport.Outcome> before = new java.util.ArrayList<>();
        long[][] inputs = {{0, 7}, {1, 7}, {1, 200}, {0, 1}};
        for (long[] in : inputs) {
            before.add(OptTestSupport.run(tr, f, 0, in));
        }
        int blocks = f.blocks().size();
        assertTrue(LoopInvariantCodeMotion.run(f));
        Verifier.verify(f);
        String ir = print(f);
        assertEquals(blocks + 1, f.blocks().size(), ir);
        Block ph = f.blocks().get(1);
        assertEquals(1, ph.params().size(), ir);
        assertEquals(Op.JUMP, ph.terminator().op(), ir);
        assertTrue(ph.insts().stream().anyMatch(in -> in.op() == Op.IMUL), ir);
        assertFalse(b1.insts().stream().anyMatch(in -> in.op() == Op.IMUL), ir);
        for (int n = 0; n < inputs.length; n++) {
            assertEquals(before.get(n), OptTestSupport.run(tr, f, 0, inputs[n]), ir);
        }
    }
}
