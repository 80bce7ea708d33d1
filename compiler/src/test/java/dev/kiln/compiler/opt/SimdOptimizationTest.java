package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.count;
import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.LaneOps;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.ir.Verifier;
import dev.kiln.compiler.wasm.Opcode;
import org.junit.jupiter.api.Test;

/**
 * The optimizer over vectors: lane-wise instructions are scalar operations with lane-shaped types
 * ({@link LaneOps}); GVN merges only operations of the same operation, shape and operands; constant
 * operands fold lane by lane ({@link VectorFold}); the shape-independent identities hold; dead vectors
 * go. (That folded values equal what the machine code computes is checked natively, operation by
 * operation, by the runtime's {@code SimdConstantFoldingTest}.)
 */
class SimdOptimizationTest {

    private static IrFunction optimize(String wat) {
        IrFunction f = OptTestSupport.translateAll(wat).functions().get(0);
        Verifier.verify(f);
        Simplifier.run(f);
        Verifier.verify(f);
        GlobalValueNumbering.run(f);
        Verifier.verify(f);
        Simplifier.run(f);
        DeadCodeElimination.run(f);
        Verifier.verify(f);
        return f;
    }

    /** Instructions computing Wasm SIMD instruction {@code op}, in either IR form. */
    private static int wasm(IrFunction f, Opcode op) {
        int n = 0;
        for (var b : f.blocks()) {
            for (Inst i : b.insts()) {
                if ((i.op() == Op.SIMD || LaneOps.isLaneOp(i)) && LaneOps.opcode(i) == op) {
                    n++;
                }
            }
        }
        return n;
    }

    private static int vectorOps(IrFunction f) {
        int n = 0;
        for (var b : f.blocks()) {
            for (Inst i : b.insts()) {
                boolean constant = i.op() == Op.SIMD && i.imm() == Opcode.V128_CONST.code();
                n += (i.op() == Op.SIMD && !constant) || LaneOps.isLaneOp(i) ? 1 : 0;
            }
        }
        return n;
    }

    private static Inst only(IrFunction f, Op op) {
        Inst found = null;
        for (var b : f.blocks()) {
            for (Inst i : b.insts()) {
                if (i.op() == op) {
                    assertTrue(found == null, "one " + op + " only: " + print(f));
                    found = i;
                }
            }
        }
        assertNotNull(found, op + " in " + print(f));
        return found;
    }

    /** The iconst a function returns. */
    private static long returnedConstant(IrFunction f) {
        Inst ret = only(f, Op.RETURN);
        Value v = ret.arg(0).resolve();
        assertTrue(OptUtil.isIconst(v), "returns a constant: " + print(f));
        return OptUtil.iconst(v);
    }

    @Test
    void laneWiseInstructionsAreScalarOperationsWithLaneShapedTypes() {
        IrFunction f = OptTestSupport.translateAll("""
                (module (func (param $a v128) (param $b v128) (param $n i32) (result v128)
                  (v128.xor
                    (f64x2.lt (i32x4.add (local.get $a) (local.get $b)) (local.get $b))
                    (i16x8.shr_s (local.get $a) (local.get $n)))))
                """).functions().get(0);
        Verifier.verify(f);
        assertEquals(IrType.I32X4, only(f, Op.IADD).result().type(), print(f));
        Inst lt = only(f, Op.FCMP);
        assertEquals(IrType.I64X2, lt.result().type(), print(f)); // the mask of f64 lanes
        assertEquals(Opcode.F64X2_LT, LaneOps.opcode(lt));
        assertEquals(IrType.I16X8, only(f, Op.SSHR).result().type());
        assertEquals(IrType.V128, only(f, Op.BXOR).result().type()); // bitwise: no shape
        assertEquals(0, count(f, Op.SIMD), print(f));
    }

    @Test
    void gvnMergesEqualVectorOperationsOfOneShapeOnly() {
        IrFunction f = optimize("""
                (module (func (param $a v128) (result i32)
                  (i32.add
                    (i32.add (i32x4.extract_lane 0 (i32x4.add (local.get $a) (local.get $a)))
                             (i32x4.extract_lane 1 (i32x4.add (local.get $a) (local.get $a))))
                    (i32x4.extract_lane 1 (i8x16.add (local.get $a) (local.get $a))))))
                """);
        assertEquals(1, wasm(f, Opcode.I32X4_ADD), print(f));
        assertEquals(1, wasm(f, Opcode.I8X16_ADD), print(f));
        assertEquals(3, wasm(f, Opcode.I32X4_EXTRACT_LANE), print(f)); // lanes 0 and 1 of one vector, lane 1 of another
    }

    @Test
    void constantOperandsFoldLaneByLane() {
        // i16x8: 30000 + 30000 wraps to -5536 in lane 0; lane 7 is 8 * 8
        IrFunction f = optimize("""
                (module (func (result i32) (local $unused v128)
                  (local.set $unused (i16x8.mul (v128.const i16x8 1 2 3 4 5 6 7 8) (v128.const i16x8 1 1 1 1 1 1 1 1)))
                  (i32.add
                    (i16x8.extract_lane_s 0 (i16x8.add (v128.const i16x8 30000 0 0 0 0 0 0 0)
                                                       (v128.const i16x8 30000 0 0 0 0 0 0 0)))
                    (i16x8.extract_lane_u 7 (i16x8.mul (i16x8.splat (i32.const 8)) (i16x8.splat (i32.const 8)))))))
                """);
        assertEquals(-5536 + 64, returnedConstant(f), print(f));
        assertEquals(0, vectorOps(f), print(f));
    }

    @Test
    void comparisonsShiftsAndFloatsFold() {
        IrFunction f = optimize("""
                (module (func (result i32)
                  (i32.add
                    (i32.add
                      ;; i8 lane 0: -1 <s 1 holds (all ones, 255 unsigned); lane 1: 255 <u 1 does not
                      (i8x16.extract_lane_u 0 (i8x16.lt_s (v128.const i8x16 -1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)
                                                          (v128.const i8x16 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)))
                      (i8x16.extract_lane_u 1 (i8x16.lt_u (v128.const i8x16 0 -1 0 0 0 0 0 0 0 0 0 0 0 0 0 0)
                                                          (v128.const i8x16 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0))))
                    (i32.add
                      ;; shift counts are taken modulo the lane width: -128 >> 9 is -128 >> 1 = -64
                      (i8x16.extract_lane_s 2 (i8x16.shr_s (v128.const i8x16 0 0 -128 0 0 0 0 0 0 0 0 0 0 0 0 0) (i32.const 9)))
                      (i32x4.extract_lane 1 (i32x4.trunc_sat_f32x4_s
                        (f32x4.mul (v128.const f32x4 0 2.5 0 0) (f32x4.splat (f32.const 4)))))))))
                """);
        assertEquals(255 + 0 - 64 + 10, returnedConstant(f), print(f));
        assertEquals(0, vectorOps(f), print(f));
    }

    @Test
    void shapeIndependentIdentitiesHold() {
        IrFunction f = optimize("""
                (module (func (param $a v128) (param $b v128) (result v128)
                  (i32x4.add
                    (v128.or (v128.xor (local.get $a) (local.get $a))          ;; 0
                             (v128.and (local.get $b) (local.get $b)))         ;; b
                    (i32x4.shl (local.get $a) (i32.const 64)))))               ;; a (64 mod 32 = 0)
                """);
        assertEquals(0, count(f, Op.BXOR) + count(f, Op.BAND) + count(f, Op.BOR) + count(f, Op.ISHL), print(f));
        Inst add = only(f, Op.IADD);
        assertEquals(f.entry().params().get(1), add.arg(0).resolve(), print(f));
        assertEquals(f.entry().params().get(0), add.arg(1).resolve(), print(f));
    }

    @Test
    void operandsThatAreNotAllConstantStay() {
        IrFunction f = optimize("""
                (module (func (param $a v128) (result v128)
                  (f32x4.add (local.get $a) (v128.const f32x4 1 2 3 4))))
                """);
        assertEquals(1, count(f, Op.FADD), print(f));
        assertEquals(IrType.F32X4, only(f, Op.FADD).result().type());
    }
}
