package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.count;
import static dev.kiln.compiler.opt.OptTestSupport.ir;
import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Value;
import java.util.List;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Verifier;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Constant folding and algebraic simplification, on IR printed before and after. */
class SimplifierTest {
    private static IrFunction simplified(String wat) {
        IrFunction f = ir(wat, 0);
        String before = print(f);
        Simplifier.run(f);
        Verifier.verify(f);
        DeadCodeElimination.run(f);
        System.out.println("before:\n" + before + "after:\n" + print(f));
        return f;
    }

    /** The value the function returns once folded: its return operand must be a constant. */
    private static long returnedConstant(IrFunction f) {
        Inst ret = f.blocks().get(f.blocks().size() - 1).terminator();
        assertEquals(Op.RETURN, ret.op(), print(f));
        Inst def = ret.arg(0).definingInst();
        assertTrue(def != null && (def.op() == Op.ICONST || def.op() == Op.FCONST), print(f));
        return def.imm();
    }

    /** Expected values derived by hand from the spec's definitions (§4.3.2 integer operations). */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "i32; (i32.add (i32.const 0x7fffffff) (i32.const 1)); -2147483648",
        "i32; (i32.sub (i32.const 0) (i32.const 1)); -1",
        "i32; (i32.mul (i32.const 0x10000) (i32.const 0x10000)); 0",
        "i32; (i32.shl (i32.const 1) (i32.const 33)); 2",
        "i32; (i32.shr_s (i32.const -8) (i32.const 1)); -4",
        "i32; (i32.shr_u (i32.const -8) (i32.const 1)); 2147483644",
        "i32; (i32.rotl (i32.const 0x80000001) (i32.const 1)); 3",
        "i32; (i32.rotr (i32.const 1) (i32.const 33)); -2147483648",
        "i64; (i64.rotl (i64.const 1) (i64.const 65)); 2",
        "i64; (i64.shr_u (i64.const -1) (i64.const 127)); 1",
        "i32; (i32.clz (i32.const 0)); 32",
        "i32; (i32.clz (i32.const 1)); 31",
        "i64; (i64.ctz (i64.const 0)); 64",
        "i32; (i32.popcnt (i32.const -1)); 32",
        "i32; (i32.div_s (i32.const -7) (i32.const 2)); -3",
        "i32; (i32.rem_s (i32.const -7) (i32.const 2)); -1",
        "i32; (i32.div_u (i32.const -1) (i32.const 2)); 2147483647",
        "i32; (i32.rem_u (i32.const -1) (i32.const 10)); 5",
        "i32; (i32.rem_s (i32.const 0x80000000) (i32.const -1)); 0",
        "i64; (i64.extend_i32_u (i32.const -1)); 4294967295",
        "i64; (i64.extend_i32_s (i32.const -1)); -1",
        "i32; (i32.wrap_i64 (i64.const 0x100000005)); 5",
        "i32; (i32.extend8_s (i32.const 0x80)); -128",
        "i64; (i64.extend32_s (i64.const 0xffffffff)); -1",
        "i32; (i32.lt_u (i32.const -1) (i32.const 1)); 0",
        "i32; (i32.lt_s (i32.const -1) (i32.const 1)); 1",
        "i32; (i64.eqz (i64.const 0)); 1",
        "i32; (i32.trunc_f64_s (f64.const -3.9)); -3",
        "i32; (i32.trunc_sat_f32_u (f32.const -5)); 0",
        "i32; (i32.trunc_sat_f64_s (f64.const 1e10)); 2147483647",
        "i32; (i32.trunc_sat_f64_s (f64.const nan)); 0",
        "i32; (i32.reinterpret_f32 (f32.const 1.0)); 1065353216",
        "i32; (f64.lt (f64.const nan) (f64.const 1)); 0",
        "i32; (f64.ne (f64.const nan) (f64.const nan)); 1",
    })
    void foldsIntegerOperationsWithWasmSemantics(String type, String expr, long expected) {
        IrFunction f = simplified("(module (func (result " + type + ") " + expr + "))");
        assertEquals(expected, returnedConstant(f), print(f));
        DeadCodeElimination.run(f);
        assertEquals(2, OptTestSupport.size(f), print(f)); // the constant and the return
    }

    @Test
    void leavesTrappingDivisionsAndNaNResultsAlone() {
        IrFunction f = simplified("""
                (module (func (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
                """ + ")");
        assertEquals(1, count(f, Op.SDIV), print(f));
        f = simplified("(module (func (result i32) (i32.rem_u (i32.const 5) (i32.const 0))))");
        assertEquals(1, count(f, Op.UREM), print(f));
        f = simplified("(module (func (result i32) (i32.trunc_f32_s (f32.const 3e9))))");
        assertEquals(1, count(f, Op.FCVT_TO_SINT), print(f));
        f = simplified("(module (func (result f32) (f32.div (f32.const 0) (f32.const 0))))");
        assertEquals(1, count(f, Op.FDIV), print(f)); // 0/0 is a NaN: which one is the hardware's choice
        f = simplified("(module (func (result f64) (f64.add (f64.const nan:0x4) (f64.const 1))))");
        assertEquals(1, count(f, Op.FADD), print(f));
    }

    @Test
    void foldsFloatArithmeticBitExactly() {
        IrFunction f = simplified("(module (func (result f64) (f64.add (f64.const 0.1) (f64.const 0.2))))");
        assertEquals(Double.doubleToRawLongBits(0.30000000000000004), returnedConstant(f));
        f = simplified("(module (func (result f32) (f32.mul (f32.const 3) (f32.const 0.5))))");
        assertEquals(Float.floatToRawIntBits(1.5f), returnedConstant(f));
        f = simplified("(module (func (result f32) (f32.min (f32.const 0) (f32.const -0))))");
        assertEquals(0x8000_0000L, returnedConstant(f)); // min(+0, -0) = -0
        f = simplified("(module (func (result f32) (f32.neg (f32.const nan:0x200000))))");
        assertEquals(0xFFA0_0000L, returnedConstant(f)); // a sign flip is exact on NaNs too
        f = simplified("(module (func (result f64) (f64.nearest (f64.const 2.5))))");
        assertEquals(Double.doubleToRawLongBits(2.0), returnedConstant(f)); // ties to even
        f = simplified("(module (func (result f32) (f32.demote_f64 (f64.const 0x1.000001p0))))");
        assertEquals(Float.floatToRawIntBits(1.0f), returnedConstant(f)); // halfway: to even
    }

    @Test
    void removesIdentities() {
        IrFunction f = simplified("""
                (module (func (param $x i32) (result i32)
                  (i32.shl (i32.xor (i32.or (i32.and (i32.mul (i32.add (local.get $x) (i32.const 0))
                    (i32.const 1)) (i32.const -1)) (i32.const 0)) (i32.const 0)) (i32.const 32))))
                """);
        assertEquals("v0", f.blocks().get(f.blocks().size() - 1).terminator().arg(0).toString(), print(f));
        f = simplified("""
                (module (func (param $x i64) (result i64)
                  (i64.add (i64.sub (local.get $x) (local.get $x))
                           (i64.add (i64.xor (local.get $x) (local.get $x)) (i64.mul (local.get $x) (i64.const 0))))))
                """);
        assertEquals(0, returnedConstant(f), print(f));
    }

    @Test
    void reducesStrength() {
        IrFunction f = simplified("""
                (module (func (param $x i32) (result i32)
                  (i32.add (i32.mul (local.get $x) (i32.const 8))
                    (i32.add (i32.div_u (local.get $x) (i32.const 16)) (i32.rem_u (local.get $x) (i32.const 4))))))
                """);
        String ir = print(f);
        assertEquals(0, count(f, Op.IMUL) + count(f, Op.UDIV) + count(f, Op.UREM), ir);
        assertTrue(ir.contains("ishl.i32 v0, v"), ir);
        assertTrue(ir.contains("ushr.i32 v0, v"), ir);
        assertTrue(ir.contains("band.i32 v0, v"), ir);
        assertTrue(ir.contains("iconst.i32 3"), ir);
        assertTrue(ir.contains("iconst.i32 4"), ir);
    }

    @Test
    void invertsNegatedComparisonsAndFoldsSelect() {
        IrFunction f = simplified("""
                (module (func (param $a i32) (param $b i32) (result i32)
                  (select (i32.eqz (i32.lt_s (local.get $a) (local.get $b))) (local.get $b) (i32.const 1))))
                """);
        String ir = print(f);
        assertTrue(ir.contains("icmp.sge v0, v1"), ir);
        assertEquals(1, count(f, Op.ICMP), ir);
        assertEquals(0, count(f, Op.SELECT), ir);
        f = simplified("""
                (module (func (param $a i32) (param $c i32) (result i32)
                  (select (local.get $a) (local.get $a) (local.get $c))))
                """);
        assertEquals(0, count(f, Op.SELECT), print(f));
    }

    @Test
    void constantBranchBecomesJumpAndDeadArmGoes() {
        IrFunction f = ir("""
                (module (func (param $x i32) (result i32)
                  (if (result i32) (i32.const 0)
                    (then (i32.div_s (local.get $x) (i32.const 0)))
                    (else (i32.add (local.get $x) (i32.const 1))))))
                """, 0);
        int blocksBefore = f.blocks().size();
        assertTrue(Simplifier.run(f));
        Verifier.verify(f);
        String ir = print(f);
        assertEquals(0, count(f, Op.BRIF), ir);
        assertEquals(0, count(f, Op.SDIV), ir);
        assertTrue(f.blocks().size() < blocksBefore, ir);
    }

    @Test
    void constantAddressFoldsIntoTheBoundsCheck() {
        IrFunction f = simplified("(module (memory 1) (func (result i32) (i32.load (i32.const 0))))");
        assertEquals(1, count(f, Op.TRAPIF), print(f));
        Inst check = null;
        for (Inst i : f.entry().insts()) {
            check = i.op() == Op.TRAPIF ? i : check;
        }
        assertEquals(4, OptUtil.iconst(check.arg(0)), print(f)); // index 0 + 4 bytes; the length stays loaded
    }

    private static IrFunction checkOf(long a, long b) {
        IrFunction f = new IrFunction(0, "t", new FuncType(List.of(ValType.I32), List.of(ValType.I32)));
        Block entry = f.newBlock();
        f.place(entry);
        Value p = entry.addParam(IrType.I32);
        Value x = entry.append1(Op.ICONST, IrType.I64, a);
        Value y = entry.append1(Op.ICONST, IrType.I64, b);
        entry.append(Op.TRAPIF, List.of(x, y), 5, Cond.UGT, null, List.of());
        Block next = f.newBlock();
        f.place(next);
        entry.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(next, List.of())), List.of());
        next.append(Op.RETURN, List.of(p), 0, null, null, List.of());
        Verifier.verify(f);
        return f;
    }

    @Test
    void trapifOnConstantsIsRemovedOrBecomesTrap() {
        IrFunction never = checkOf(1, 2);
        assertTrue(Simplifier.run(never));
        Verifier.verify(never);
        assertEquals(0, count(never, Op.TRAPIF), print(never));
        assertEquals(Op.RETURN, never.entry().terminator().op(), print(never)); // and the blocks merged
        IrFunction always = checkOf(-1, 2); // unsigned: 2^64 - 1 > 2
        assertTrue(Simplifier.run(always));
        Verifier.verify(always);
        assertEquals(0, count(always, Op.TRAPIF), print(always));
        assertEquals(1, always.blocks().size(), print(always));
        assertEquals(Op.TRAP, always.entry().terminator().op(), print(always));
        assertEquals(5, always.entry().terminator().imm());
    }

    @Test
    void keepsBehaviourOnRandomInputs() {
        String wat = """
                (module (func (param $a i32) (param $b i32) (result i32)
                  (i32.add
                    (i32.mul (i32.add (local.get $a) (i32.const 0)) (i32.const 16))
                    (i32.xor (i32.rotl (local.get $b) (i32.const 0)) (i32.shr_u (local.get $a) (i32.const 35)))
                  )
                  (i32.div_u (i32.const 100))
                  (i32.rem_u (i32.const 8))
                  (select (local.get $b) (i32.eqz (i32.ne (local.get $a) (local.get $b))))))
                """;
        var t = OptTestSupport.translateAll(wat);
        IrFunction before = t.functions().get(0);
        IrFunction after = OptTestSupport.translateAll(wat).functions().get(0);
        Simplifier.run(after);
        Verifier.verify(after);
        assertFalse(print(after).contains("rotl"), print(after));
        assertFalse(print(after).contains("urem"), print(after));
        Random r = new Random(42);
        for (int i = 0; i < 500; i++) {
            long a = r.nextInt();
            long b = i % 7 == 0 ? a : r.nextInt();
            assertEquals(OptTestSupport.run(t, before, 0, a, b), OptTestSupport.run(t, after, 0, a, b), a + ", " + b);
        }
    }

    @Test
    void branchesToATrapBecomeTrapifsOnTheComparison() {
        String wat = """
                (module
                  (func (param $i i32) (param $n i32) (result i32)
                    (if (i32.ge_u (local.get $i) (local.get $n)) (then (unreachable)))
                    (if (i32.eqz (local.get $n)) (then (unreachable)))
                    (if (local.get $i) (then (nop)) (else (unreachable)))
                    (i32.add (local.get $i) (local.get $n))))
                """;
        IrFunction f = simplified(wat);
        assertEquals(0, count(f, Op.BRIF), print(f));
        assertEquals(0, count(f, Op.TRAP), print(f));
        assertEquals(3, count(f, Op.TRAPIF), print(f));
        assertEquals(1, f.blocks().size(), print(f));
        OptTestSupport.Translated t = OptTestSupport.translateAll(wat);
        for (long[] in : new long[][] {{1, 2}, {2, 2}, {0, 5}, {1, 0}, {3, 7}}) {
            assertEquals(OptTestSupport.run(t, t.functions().get(0), 1, in), OptTestSupport.run(t, f, 1, in),
                    java.util.Arrays.toString(in));
        }
    }

    /**
     * After blocks merge, the simplifier sweeps again only when the merge changed what its rules
     * read: a merged block's parameters, now the jump's arguments (here a call's result as the
     * inliner leaves it, 5, which then folds with 3), or a block that now only traps (here the
     * {@code then} arm, a nested block's jump to the {@code unreachable} after it, on which the
     * {@code brif} then becomes a {@code trapif}).
     */
    @Test
    void aMergeThatBindsParametersOrMakesATrapBlockIsSweptAgain() {
        // as the inliner leaves a call's result: block1's parameter, passed by its only predecessor
        IrFunction f = new IrFunction(0, "t", new FuncType(List.of(), List.of(ValType.I32)));
        Block entry = f.newBlock();
        f.place(entry);
        Value five = entry.append1(Op.ICONST, IrType.I32, 5);
        Block next = f.newBlock();
        f.place(next);
        Value p = next.addParam(IrType.I32);
        entry.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(next, List.of(five))), List.of());
        Value sum = next.append1(Op.IADD, IrType.I32, 0, p, next.append1(Op.ICONST, IrType.I32, 3));
        next.append(Op.RETURN, List.of(sum), 0, null, null, List.of());
        Verifier.verify(f);
        assertTrue(Simplifier.run(f));
        Verifier.verify(f);
        DeadCodeElimination.run(f);
        assertEquals(8, returnedConstant(f));
        f = simplified("""
                (module (func (param $c i32) (result i32)
                  (if (local.get $c) (then (block (nop)) (unreachable)))
                  (i32.const 1)))
                """);
        assertEquals(0, count(f, Op.BRIF), print(f));
        assertEquals(1, count(f, Op.TRAPIF), print(f));
    }
}
