package dev.kiln.arch.x86_64;

import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;

/**
 * Instruction selection for scalar floating point (SSE2, SSE4.1 rounding): two-address
 * {@code addss/addsd}-style forms whose constant operand is read from the RIP-relative pool, sign
 * masks for {@code abs/neg/copysign}, {@code ucomis} comparisons, and conversions. Wasm's
 * {@code min}/{@code max} and trapping float-to-int conversion differ from what the ISA's own
 * instructions do and are ISA hooks ({@link #minMax}, {@link #floatToInt}). Not thread-safe: part of
 * one function's {@link Lowering}.
 */
final class FloatLowering extends LoweringRules {
    FloatLowering(Lowering l) {
        super(l);
    }

    @Override
    void lower(Inst inst) {
        switch (inst.op()) {
            case FADD -> floatBinary(inst, MInst.FloatOp.ADD);
            case FSUB -> floatBinary(inst, MInst.FloatOp.SUB);
            case FMUL -> floatBinary(inst, MInst.FloatOp.MUL);
            case FDIV -> floatBinary(inst, MInst.FloatOp.DIV);
            case FMIN, FMAX -> minMax(inst);
            case FABS, FNEG -> {
                Size s = sizeOf(inst.result().type());
                int dst = vreg(inst.result());
                mov(s, dst, use(inst.arg(0)));
                boolean abs = inst.op() == Op.FABS;
                floatMask(dst, s, abs ? MInst.FloatOp.AND : MInst.FloatOp.XOR, abs ? ~signBit(s) : signBit(s));
            }
            case FCOPYSIGN -> {
                Size s = sizeOf(inst.result().type());
                int dst = vreg(inst.result());
                int ra = use(inst.arg(0));
                int rb = use(inst.arg(1));
                int sign = newXmmVreg();
                mov(s, sign, rb);
                floatMask(sign, s, MInst.FloatOp.AND, signBit(s));
                mov(s, dst, ra);
                floatMask(dst, s, MInst.FloatOp.AND, ~signBit(s));
                MInst m = new MInst(MOp.FALU);
                m.size = s;
                m.fop = MInst.FloatOp.OR;
                m.dst = dst;
                m.src = sign;
                emit(m.uses(dst, sign).defs(dst));
            }
            case FSQRT -> floatUnary(inst, MOp.FSQRT, 0);
            case FNEAREST -> floatUnary(inst, MOp.FROUND, 0);
            case FFLOOR -> floatUnary(inst, MOp.FROUND, 1);
            case FCEIL -> floatUnary(inst, MOp.FROUND, 2);
            case FTRUNC -> floatUnary(inst, MOp.FROUND, 3);
            case FPROMOTE, FDEMOTE -> floatUnary(inst, MOp.FCVT, 0);
            case FCMP -> {
                if (useCount(inst.result()) == 1 && singleUseIsFusibleFloat(inst)) {
                    return; // emitted at its use
                }
                int ra = use(inst.arg(0));
                int rb = use(inst.arg(1));
                int dst = vreg(inst.result());
                MInst m = new MInst(MOp.FCMP_SET);
                m.size = sizeOf(inst.arg(0).type());
                m.dst = dst;
                m.src = ra;
                m.src2 = rb;
                m.imm = inst.imm();
                emit(m.uses(ra, rb).defs(dst));
            }
            case FCVT_FROM_SINT, FCVT_FROM_UINT -> {
                int dst = vreg(inst.result());
                int ra = use(inst.arg(0));
                MInst m = new MInst(MOp.CVT_I2F);
                m.size = sizeOf(inst.result().type());
                m.signed = inst.op() == Op.FCVT_FROM_SINT;
                m.imm = inst.arg(0).type().bits();
                m.dst = dst;
                m.src = ra;
                emit(m.uses(ra).defs(dst));
            }
            case FCVT_TO_SINT, FCVT_TO_UINT, FCVT_TO_SINT_SAT, FCVT_TO_UINT_SAT -> floatToInt(inst);
            case BITCAST -> {
                int dst = vreg(inst.result());
                int ra = use(inst.arg(0));
                MInst m = new MInst(isFloat(inst.result().type()) ? MOp.BITCAST_I2F : MOp.BITCAST_F2I);
                m.size = sizeOf(inst.result().type());
                m.dst = dst;
                m.src = ra;
                emit(m.uses(ra).defs(dst));
            }
            default -> throw new IllegalStateException("not a float operation: " + inst.op());
        }
    }

    /**
     * ISA hook: Wasm {@code fmin}/{@code fmax} (f32 or f64): NaN when either operand is NaN, and
     * {@code -0 < +0}. An ISA must provide exactly that. x86-64: {@code minss/maxss} return the
     * second operand when either is NaN or both are zeros, so the emitted {@link MOp#FMINMAX}
     * (imm 0 min, 1 max; two-address) handles equal operands ({@code or}/{@code and} of the bits
     * picks the right zero) and unordered ones (a NaN result) before the plain instruction.
     */
    private void minMax(Inst inst) {
        Size s = sizeOf(inst.result().type());
        int dst = vreg(inst.result());
        int ra = use(inst.arg(0));
        int rb = use(inst.arg(1));
        mov(s, dst, ra);
        MInst m = new MInst(MOp.FMINMAX);
        m.size = s;
        m.dst = dst;
        m.src = rb;
        m.imm = inst.op() == Op.FMAX ? 1 : 0;
        emit(m.uses(dst, rb).defs(dst));
    }

    /**
     * ISA hook: float-to-integer conversion toward zero ({@code fcvt_to_sint/uint}, i32 or i64 from
     * f32 or f64). An ISA must provide: the trapping forms trap {@code invalid conversion to integer}
     * on NaN and {@code integer overflow} when the truncated value is out of the result's range; the
     * saturating forms give 0 for NaN and the nearest bound out of range. x86-64: {@code cvttss2si}
     * gives the "integer indefinite" value ({@code MIN}) for all of those and has no unsigned form,
     * so the emitted {@link MOp#CVT_F2I} (imm is the float width) checks a {@code MIN} result against
     * NaN and the range bounds, converts unsigned i32 through a 64-bit conversion and unsigned i64
     * values of 2^63 or more by subtracting 2^63 first.
     */
    private void floatToInt(Inst inst) {
        int dst = vreg(inst.result());
        int ra = use(inst.arg(0));
        MInst m = new MInst(MOp.CVT_F2I);
        m.size = sizeOf(inst.result().type());
        m.signed = inst.op() == Op.FCVT_TO_SINT || inst.op() == Op.FCVT_TO_SINT_SAT;
        m.saturating = inst.op() == Op.FCVT_TO_SINT_SAT || inst.op() == Op.FCVT_TO_UINT_SAT;
        m.imm = inst.arg(0).type().bits();
        m.dst = dst;
        m.src = ra;
        emit(m.uses(ra).defs(dst));
    }

    private static long signBit(Size s) {
        return s == Size.S32 ? 0x8000_0000L : Long.MIN_VALUE;
    }

    private void floatMask(int dst, Size s, MInst.FloatOp op, long mask) {
        MInst m = new MInst(MOp.FALU_CONST);
        m.size = s;
        m.fop = op;
        m.dst = dst;
        m.imm = s == Size.S32 ? mask & 0xFFFF_FFFFL : mask;
        emit(m.uses(dst).defs(dst));
    }

    private void floatBinary(Inst inst, MInst.FloatOp op) {
        Value a = inst.arg(0);
        Value b = inst.arg(1);
        boolean commutes = op == MInst.FloatOp.ADD || op == MInst.FloatOp.MUL;
        if (commutes && (l.isFoldedLoad(a) || !l.isFoldedLoad(b) && (preferAsDestination(b, a)
                || (isAnyConst(a) && !isAnyConst(b))))) {
            Value t = a; // IEEE addition and multiplication commute (NaN payloads aside, which Wasm leaves open)
            a = b;
            b = t;
        }
        Size s = sizeOf(inst.result().type());
        int dst = vreg(inst.result());
        if (isAnyConst(b) && !isAnyConst(a)) {
            // the constant is read from the pool by the instruction itself: addsd xmm, [rip+c]
            mov(s, dst, use(a));
            MInst m = new MInst(MOp.FALU_CONST);
            m.size = s;
            m.fop = op;
            m.dst = dst;
            m.imm = b.definingInst().imm();
            emit(m.uses(dst).defs(dst));
            return;
        }
        if (l.isFoldedLoad(b)) {
            // the operand is read from memory by the instruction itself: addsd xmm, [m]
            mov(s, dst, use(a));
            MInst m = new MInst(MOp.FALU_RM);
            m.size = s;
            m.fop = op;
            m.dst = dst;
            emitWithMemoryOperand(m, b.definingInst(), true);
            return;
        }
        twoAddressFloat(op, s, dst, a, b);
    }

    private void twoAddressFloat(MInst.FloatOp op, Size s, int dst, Value a, Value b) {
        int ra = use(a);
        int rb = use(b);
        mov(s, dst, ra);
        MInst m = new MInst(MOp.FALU);
        m.size = s;
        m.fop = op;
        m.dst = dst;
        m.src = rb;
        emit(m.uses(dst, rb).defs(dst));
    }

    private void floatUnary(Inst inst, MOp op, int mode) {
        int dst = vreg(inst.result());
        int ra = use(inst.arg(0));
        MInst m = new MInst(op);
        m.size = sizeOf(inst.result().type());
        m.dst = dst;
        m.src = ra;
        m.imm = mode;
        emit(m.uses(ra).defs(dst));
    }
}
