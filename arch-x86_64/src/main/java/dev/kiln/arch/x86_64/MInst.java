package dev.kiln.arch.x86_64;

import java.util.List;

/**
 * One MIR instruction. Registers are ints: {@code 0..15} are physical general-purpose registers
 * ({@link Gpr#encoding()}), values {@code >= }{@link #VREG_BASE} are virtual registers. {@link #uses}
 * and {@link #defs} list every register read and written (physical ones included) for liveness and
 * register allocation; the remaining fields are the operands the emitter needs.
 */
final class MInst {
    /** First virtual register number. */
    static final int VREG_BASE = 32;
    /** Register number of xmm0; xmm0..xmm15 are 16..31. */
    static final int XMM_BASE = 16;
    static final int NONE = -1;

    final MOp op;
    Size size = Size.S64;
    int dst = NONE;
    int src = NONE;
    /** A second source operand where an instruction has three register operands ({@link MOp#FCMP_SET}). */
    int src2 = NONE;
    /** A third source operand (the value of {@link MOp#HEAP_STORE}). */
    int src3 = NONE;
    /** Scale (1, 2, 4, 8) of {@link MOp#LEA}'s second register. */
    int scale = 1;
    /** Access width in bytes of heap loads and stores. */
    int width;
    long imm;
    Cond cond;
    AluOp alu;
    ShiftOp shift;
    boolean signed;
    boolean remainder;
    boolean saturating;
    FloatOp fop;
    MBlock target;
    MBlock target2;
    List<MBlock> tableTargets;
    int[] pdst;
    int[] psrc;      // NONE where the source is the constant pconst[i]
    long[] pconst;
    Size[] psize;
    /** Whether physical registers this instruction defines are written before all its operands are read. */
    boolean earlyClobber;
    int[] uses = new int[0];
    int[] defs = new int[0];

    MInst(MOp op) {
        this.op = op;
    }

    static boolean isVirtual(int reg) {
        return reg >= VREG_BASE;
    }

    MInst uses(int... regs) {
        this.uses = regs;
        return this;
    }

    MInst defs(int... regs) {
        this.defs = regs;
        return this;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(op.name().toLowerCase());
        if (alu != null) {
            sb.append('.').append(alu.name().toLowerCase());
        }
        if (shift != null) {
            sb.append('.').append(shift.name().toLowerCase());
        }
        if (cond != null) {
            sb.append('.').append(cond.name().toLowerCase());
        }
        sb.append(' ').append(size);
        if (dst != NONE) {
            sb.append(" dst=").append(name(dst));
        }
        if (src != NONE) {
            sb.append(" src=").append(name(src));
        }
        sb.append(" imm=").append(imm);
        if (target != null) {
            sb.append(" -> ").append(target);
        }
        if (target2 != null) {
            sb.append(", ").append(target2);
        }
        return sb.toString();
    }

    static String name(int reg) {
        if (isVirtual(reg)) {
            return "%" + (reg - VREG_BASE);
        }
        return reg >= XMM_BASE ? Xmm.of(reg - XMM_BASE).name().toLowerCase() : Gpr.of(reg).name().toLowerCase();
    }

    /** Binary float operations of {@link MOp#FALU}. */
    enum FloatOp { ADD, SUB, MUL, DIV, AND, OR, XOR }
}
