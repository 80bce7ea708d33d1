package dev.kiln.arch.x86_64;

import dev.kiln.abi.CpuFeature;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;

/**
 * Instruction selection for integer arithmetic, comparisons as values, {@code select} and the
 * integer conversions: two-address ALU forms with immediates, {@code lea} for additions (with a
 * scaled index for {@code x + (y << 1..3)}), {@code imul} by a constant, shifts by {@code cl} or an
 * immediate, {@code setcc}/{@code cmov} after a fused compare, and the high half of products for
 * division by a constant. Division itself is an ISA hook ({@link #division}). Not thread-safe: part
 * of one function's {@link Lowering}.
 */
final class IntegerLowering extends LoweringRules {
    IntegerLowering(Lowering l) {
        super(l);
    }

    @Override
    void lower(Inst inst) {
        switch (inst.op()) {
            case IADD -> {
                if (l.isFoldedAdd(inst.result())) {
                    return; // computed by the lea of the iadd that uses it
                }
                Inst inner = inst.arg(0).definingInst();
                if (l.isFoldedAdd(inst.arg(0)) && inner != null) {
                    // (a + b) + c: lea d, [a + b*1 + c]
                    MInst m = new MInst(MOp.LEA);
                    m.size = sizeOf(inst.result().type());
                    m.dst = vreg(inst.result());
                    m.src = use(inner.arg(0));
                    m.src2 = use(inner.arg(1));
                    m.scale = 1;
                    m.imm = imm32(inst.arg(1));
                    emit(m.uses(m.src, m.src2).defs(m.dst));
                    return;
                }
                alu(inst, AluOp.ADD, true);
            }
            case ISUB -> alu(inst, AluOp.SUB, false);
            case BAND -> {
                if (!l.isTestedAnd(inst.result())) {
                    alu(inst, AluOp.AND, true);
                }
            }
            case BOR -> alu(inst, AluOp.OR, true);
            case BXOR -> alu(inst, AluOp.XOR, true);
            case IMUL -> {
                if (l.isFoldedMul(inst.result())) {
                    return; // computed by the lea of the iadd that uses it
                }
                int scale = Lowering.leaMultiplierScale(inst);
                if (scale > 0) {
                    // x * 3, 5 or 9: lea d, [x + x*2, 4 or 8] (one cycle, three-address)
                    leaMultiple(inst, scale, 0, vreg(inst.result()));
                    return;
                }
                Value a = inst.arg(0);
                Value b = inst.arg(1);
                if ((fitsImm32(a) && !fitsImm32(b)) || preferAsDestination(b, a)) {
                    Value t = a;
                    a = b;
                    b = t;
                }
                Size s = sizeOf(inst.result().type());
                int dst = vreg(inst.result());
                if (fitsImm32(b)) {
                    immediateForm(MOp.IMUL_RRI, null, s, dst, use(a), imm32(b));
                } else {
                    twoAddress(MOp.IMUL_RR, null, s, dst, a, b);
                }
            }
            case ISHL -> {
                if (!l.isFoldedShift(inst.result())) {
                    shift(inst, ShiftOp.SHL);
                }
            }
            case SSHR -> shift(inst, ShiftOp.SAR);
            case USHR -> shift(inst, ShiftOp.SHR);
            case ROTL -> shift(inst, ShiftOp.ROL);
            case ROTR -> shift(inst, ShiftOp.ROR);
            case UMULHI -> {
                if (!l.isMulhiShifted(inst.result())) {
                    mulhi(inst, false, vreg(inst.result()), 0);
                }
            }
            case SMULHI -> mulhi(inst, true, vreg(inst.result()), 0);
            case SDIV, UDIV, SREM, UREM -> division(inst);
            case ICMP -> {
                if (useCount(inst.result()) == 1 && singleUseIsFusible(inst)) {
                    return; // emitted at its use
                }
                Cond c = emitCompare(inst);
                int dst = vreg(inst.result());
                MInst m = new MInst(MOp.SETCC);
                m.size = Size.S32;
                m.cond = c;
                m.dst = dst;
                emit(m.defs(dst));
            }
            case SELECT -> {
                Value c = inst.arg(0);
                Size s = sizeOf(inst.result().type());
                int dst = vreg(inst.result());
                int ra;
                int rb = use(inst.arg(2));
                Cond takeB;
                if (fusible(c, inst)) {
                    ra = isConst(inst.arg(1)) ? MInst.NONE : use(inst.arg(1));
                    takeB = emitCompare(c.definingInst()).negate();
                } else {
                    ra = isConst(inst.arg(1)) ? MInst.NONE : use(inst.arg(1));
                    testCondition(c);
                    takeB = Cond.E;
                }
                if (ra == MInst.NONE && isFloat(inst.result().type())) {
                    ra = use(inst.arg(1)); // never reached: float constants are not isConst
                }
                if (ra == MInst.NONE) {
                    MInst m = new MInst(MOp.MOV_RI); // mov imm does not touch the flags
                    m.size = s;
                    m.dst = dst;
                    m.imm = inst.arg(1).definingInst().imm();
                    emit(m.defs(dst));
                } else {
                    mov(s, dst, ra);
                }
                MInst m = new MInst(isFloat(inst.result().type()) ? MOp.XCMOV : MOp.CMOV);
                m.size = s;
                m.cond = takeB;
                m.dst = dst;
                m.src = rb;
                emit(m.uses(dst, rb).defs(dst));
            }
            case BSWAP -> {
                Size s = sizeOf(inst.result().type());
                int dst = vreg(inst.result());
                mov(s, dst, use(inst.arg(0)));
                MInst m = new MInst(MOp.BSWAP);
                m.size = s;
                m.dst = dst;
                emit(m.uses(dst).defs(dst));
            }
            case CLZ, CTZ, POPCNT -> {
                int dst = vreg(inst.result());
                int ra = use(inst.arg(0));
                MInst m = new MInst(MOp.BITCOUNT);
                m.size = sizeOf(inst.result().type());
                m.imm = inst.op() == Op.CLZ ? 0 : inst.op() == Op.CTZ ? 1 : 2;
                m.dst = dst;
                m.src = ra;
                emit(m.uses(ra).defs(dst));
            }
            // i32 values are kept zero-extended in their 64-bit registers (see the class comment), so
            // wrap must clear the upper half and extend_u shares its operand's register
            case IREDUCE -> zext32(vreg(inst.result()), use(inst.arg(0)));
            case UEXTEND -> l.shareOrCopy(inst.result(), use(inst.arg(0))); // the same bits: one virtual register
            case SEXTEND -> movsx(Size.S64, 32, vreg(inst.result()), use(inst.arg(0)));
            case SEXTEND_LOW -> movsx(sizeOf(inst.result().type()), (int) inst.imm(), vreg(inst.result()),
                    use(inst.arg(0)));
            default -> throw new IllegalStateException("not an integer operation: " + inst.op());
        }
    }

    private void alu(Inst inst, AluOp op, boolean commutative) {
        Value a = inst.arg(0);
        Value b = inst.arg(1);
        Value fromMemory = l.isFoldedLoad(b) ? b : commutative && l.isFoldedLoad(a) ? a : null;
        if (fromMemory != null) {
            // mov dst, a; op dst, [m]: the load folded into its only use (see Lowering#isFoldedLoad)
            Size s = sizeOf(inst.result().type());
            int dst = vreg(inst.result());
            mov(s, dst, use(fromMemory == b ? a : b));
            aluWithMemory(op, s, dst, fromMemory.definingInst());
            return;
        }
        if (commutative && ((fitsImm32(a) && !fitsImm32(b)) || preferAsDestination(b, a))) {
            Value t = a;
            a = b;
            b = t;
        }
        Size s = sizeOf(inst.result().type());
        int dst = vreg(inst.result());
        if (op == AluOp.SUB && isConst(a) && a.definingInst().imm() == 0) {
            mov(s, dst, use(b));
            MInst m = new MInst(MOp.NEG);
            m.size = s;
            m.dst = dst;
            emit(m.uses(dst).defs(dst));
            return;
        }
        if (op == AluOp.ADD && (l.isFoldedMul(a) || l.isFoldedMul(b))) {
            Value product = l.isFoldedMul(a) ? a : b;
            Inst mul = product.definingInst();
            leaMultiple(mul, Lowering.leaMultiplierScale(mul), imm32(product == a ? b : a), dst);
            return;
        }
        // additions are three-address through lea: no copy of an operand that stays live
        boolean negatable = fitsImm32(b) && imm32(b) != Integer.MIN_VALUE;
        if (op == AluOp.ADD && (l.isFoldedShift(a) || l.isFoldedShift(b))) {
            Value shifted = l.isFoldedShift(b) ? b : a;
            Value other = shifted == b ? a : b;
            Inst shl = shifted.definingInst();
            MInst m = new MInst(MOp.LEA);
            m.size = s;
            m.dst = dst;
            m.scale = 1 << l.scaledIndexShift(shifted, curIr());
            if (isConst(other)) {
                m.imm = imm32(other); // lea r, [x*scale + c]: no base register
                m.src2 = use(shl.arg(0));
                emit(m.uses(m.src2).defs(dst));
                return;
            }
            m.src = use(other);
            m.src2 = use(shl.arg(0));
            emit(m.uses(m.src, m.src2).defs(dst));
            return;
        }
        if (op == AluOp.ADD || (op == AluOp.SUB && negatable)) {
            MInst m = new MInst(MOp.LEA);
            m.size = s;
            m.dst = dst;
            m.src = use(a);
            if (fitsImm32(b)) {
                m.imm = op == AluOp.ADD ? imm32(b) : -imm32(b);
                emit(m.uses(m.src).defs(dst));
            } else {
                m.src2 = use(b);
                emit(m.uses(m.src, m.src2).defs(dst));
            }
            return;
        }
        if (fitsImm32(b)) {
            mov(s, dst, use(a));
            immediateForm(MOp.ALU_RI, op, s, dst, dst, imm32(b));
        } else {
            twoAddress(MOp.ALU_RR, op, s, dst, a, b);
        }
    }

    /** {@code lea dst, [x + x*scale + disp]} for {@code mul}, an {@code imul} of x by {@code scale + 1}. */
    private void leaMultiple(Inst mul, int scale, int disp, int dst) {
        Value x = LoweringRules.isConst(mul.arg(0)) ? mul.arg(1) : mul.arg(0);
        int rx = use(x);
        MInst m = new MInst(MOp.LEA);
        m.size = sizeOf(mul.result().type());
        m.dst = dst;
        m.src = rx;
        m.src2 = rx;
        m.scale = scale;
        m.imm = disp;
        emit(m.uses(rx).defs(dst));
    }

    /**
     * {@code dst = src op imm}: IMUL_RRI (three-address) or ALU_RI (two-address, {@code src == dst},
     * already copied by the caller).
     */
    private void immediateForm(MOp op, AluOp alu, Size s, int dst, int src, int imm) {
        MInst m = new MInst(op);
        m.size = s;
        m.alu = alu;
        m.dst = dst;
        m.imm = imm;
        if (op == MOp.IMUL_RRI) {
            m.src = src;
            emit(m.uses(src).defs(dst));
        } else {
            emit(m.uses(dst).defs(dst));
        }
    }

    /** {@code mov dst, a; op dst, b}: the x86 two-address form of {@code dst = a op b}. */
    private void twoAddress(MOp op, AluOp alu, Size s, int dst, Value a, Value b) {
        int ra = use(a);
        int rb = use(b);
        mov(s, dst, ra);
        MInst m = new MInst(op);
        m.size = s;
        m.alu = alu;
        m.dst = dst;
        m.src = rb;
        emit(m.uses(dst, rb).defs(dst));
    }

    private void shift(Inst inst, ShiftOp op) {
        Size s = sizeOf(inst.result().type());
        int dst = vreg(inst.result());
        Value b = inst.arg(1);
        if (op == ShiftOp.SHR && l.isMulhiShifted(inst.arg(0))) {
            mulhi(inst.arg(0).definingInst(), false, dst, (int) b.definingInst().imm() & 31);
            return;
        }
        if (isConst(b)) {
            mov(s, dst, use(inst.arg(0)));
            MInst m = new MInst(MOp.SHIFT_RI);
            m.size = s;
            m.shift = op;
            m.dst = dst;
            m.imm = b.definingInst().imm() & (s == Size.S32 ? 31 : 63);
            emit(m.uses(dst).defs(dst));
            return;
        }
        if (op != ShiftOp.ROL && op != ShiftOp.ROR && l.cpuFeatures().contains(CpuFeature.BMI2)) {
            // three operands, the count in any register: no copy into cl
            MInst m = new MInst(MOp.SHIFTX);
            m.size = s;
            m.shift = op;
            m.dst = dst;
            m.src = use(inst.arg(0));
            m.src2 = use(b);
            emit(m.uses(m.src, m.src2).defs(dst));
            return;
        }
        int rcx = Gpr.RCX.encoding();
        int rb = use(b);
        int ra = use(inst.arg(0));
        mov(Size.S32, rcx, rb);
        mov(s, dst, ra);
        MInst m = new MInst(MOp.SHIFT_CL);
        m.size = s;
        m.shift = op;
        m.dst = dst;
        emit(m.uses(dst, rcx).defs(dst));
    }

    /**
     * The high half of a product ({@code umulhi}/{@code smulhi}, from division by constants). i32: the
     * operands, zero- or sign-extended to 64 bits, multiply exactly in a 64-bit {@code imul}, whose bits
     * 63..32 shifted down are the result (zero-extended, as i32 values are kept); i64: the one-operand
     * {@code mul}/{@code imul} into rdx:rax.
     */
    private void mulhi(Inst inst, boolean signed, int dst, int extraShift) {
        Value a = inst.arg(0);
        Value b = inst.arg(1);
        if (isConst(a)) {
            Value t = a;
            a = b;
            b = t;
        }
        if (inst.result().type() == IrType.I32) {
            int ra = use(a);
            if (signed) {
                movsx(Size.S64, 32, dst, ra);
            } else {
                mov(Size.S64, dst, ra);
            }
            long c = isConst(b) ? b.definingInst().imm() : 0; // i32 constants are stored sign-extended
            if (isConst(b) && (signed || c >= 0)) {
                immediateForm(MOp.IMUL_RRI, null, Size.S64, dst, dst, (int) c);
            } else {
                int rb = use(b);
                if (signed) {
                    int sb = newVreg();
                    movsx(Size.S64, 32, sb, rb);
                    rb = sb;
                }
                MInst m = new MInst(MOp.IMUL_RR);
                m.size = Size.S64;
                m.dst = dst;
                m.src = rb;
                emit(m.uses(dst, rb).defs(dst));
            }
            MInst sh = new MInst(MOp.SHIFT_RI);
            sh.size = Size.S64;
            sh.shift = ShiftOp.SHR;
            sh.dst = dst;
            sh.imm = 32 + extraShift;
            emit(sh.uses(dst).defs(dst));
            return;
        }
        int rax = Gpr.RAX.encoding();
        int rdx = Gpr.RDX.encoding();
        int ra = use(a);
        int rb = use(b);
        mov(Size.S64, rax, ra);
        MInst m = new MInst(MOp.MULHI);
        m.size = Size.S64;
        m.signed = signed;
        m.src = rb;
        emit(m.uses(rax, rb).defs(rax, rdx));
        mov(Size.S64, dst, rdx);
    }

    /**
     * ISA hook: Wasm integer division and remainder ({@code sdiv udiv srem urem}, i32 or i64), which
     * trap themselves. An ISA must provide: a divisor of 0 traps {@code integer divide by zero}; a
     * signed quotient {@code MIN / -1} traps {@code integer overflow}; a signed remainder
     * {@code MIN rem -1} is 0 and does not trap; otherwise the quotient rounds toward zero and the
     * remainder has the dividend's sign. x86-64: {@code div}/{@code idiv} of {@code rdx:rax} raise
     * {@code #DE} for a zero divisor and for {@code MIN / -1}, which must never reach the JVM's
     * signal handler, so the emitted {@link MOp#DIVREM} tests the divisor (and {@code -1} for the
     * signed forms) before dividing; quotient in {@code rax}, remainder in {@code rdx}.
     */
    private void division(Inst inst) {
        boolean signed = inst.op() == Op.SDIV || inst.op() == Op.SREM;
        boolean remainder = inst.op() == Op.SREM || inst.op() == Op.UREM;
        Size s = sizeOf(inst.result().type());
        int rax = Gpr.RAX.encoding();
        int rdx = Gpr.RDX.encoding();
        int ra = use(inst.arg(0));
        int rb = use(inst.arg(1));
        mov(s, rax, ra);
        MInst m = new MInst(MOp.DIVREM);
        m.size = s;
        m.signed = signed;
        m.remainder = remainder;
        m.src = rb;
        m.earlyClobber = true; // cdq/cqo writes rdx before idiv reads the divisor
        emit(m.uses(rax, rb).defs(rax, rdx));
        mov(s, vreg(inst.result()), remainder ? rdx : rax);
    }
}
