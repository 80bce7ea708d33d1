package dev.kiln.arch.x86_64;

import dev.kiln.compiler.mach.AbstractMachInst;

/**
 * One x86-64 MIR instruction. Registers are ints as {@link X86Registers} numbers them:
 * {@code 0..15} are general-purpose registers ({@link Gpr#encoding()}), {@code 16..31} xmm registers,
 * values {@code >= }{@link #VREG_BASE} are virtual registers. {@link #uses} and {@link #defs} list
 * every register read and written (physical ones included) for liveness and register allocation; the
 * remaining fields are the operands the emitter needs.
 */
final class MInst extends AbstractMachInst<MInst> {
    /** First virtual register number. */
    static final int VREG_BASE = 32;
    /** Register number of xmm0; xmm0..xmm15 are 16..31. */
    static final int XMM_BASE = 16;

    final MOp op;
    Size size = Size.S64;
    /** Scale (1, 2, 4, 8) of {@link MOp#LEA}'s second register. */
    int scale = 1;
    /** Bytes of stack arguments the callee of a call pops (the internal convention: callee pops). */
    int popped;
    /**
     * A call after which the VMContext register is reloaded from the frame: the callee may end in a
     * tail call into another instance, and so return with that instance's VMContext in it.
     */
    boolean reloadsVmctx;
    /**
     * A call inside a {@code try_table} with catch clauses: the unwinder may resume right after it
     * (see {@code ExceptionTables}); it clobbers every allocatable register and reloads the VMContext.
     */
    boolean inTry;
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
    /** The packed instruction of {@link MOp#VPACKED}/{@link MOp#VPACKED_CONST}. */
    PackedOp packed;
    /** Whether the {@link MOp#VPACKED} form only writes dst (pshufd, pmovsx, cvt ...), not reads it. */
    boolean packedWritesOnly;
    /** The shift of {@link MOp#VSHIFT}. */
    Assembler.PackedShift pshift;
    /** The high 64 bits of a 128-bit constant ({@link MOp#VCONST}, {@link MOp#VPACKED_CONST}). */
    long imm2;
    Size[] psize;
    /**
     * The first source of a VEX three-operand form ({@link VexForms}): {@code dst = vsrc1 op src} (or op
     * the constant or memory operand), dst not read. {@link #NONE} for the two-operand form
     * {@code dst = dst op src}. Set only when compiling with AVX.
     */
    int vsrc1 = NONE;
    /**
     * A {@link MOp#VMCTX_LOAD} of a field that never changes while the function runs (the IR's
     * {@code Op.INVARIANT}): reading it again anywhere gives the same value.
     */
    boolean invariant;
    /** Whether physical registers this instruction defines are written before all its operands are read. */
    boolean earlyClobber;

    MInst(MOp op) {
        this.op = op;
    }

    static boolean isVirtual(int reg) {
        return reg >= VREG_BASE;
    }

    @Override
    public boolean earlyClobber() {
        return earlyClobber;
    }

    @Override
    public Hint hint() {
        return op == MOp.LEA ? Hint.TIED : op == MOp.MOV_RR ? Hint.COPY : Hint.NONE;
    }

    @Override
    public void mapRegisters(java.util.function.IntUnaryOperator f) {
        super.mapRegisters(f);
        vsrc1 = map(f, vsrc1);
    }

    @Override
    public boolean isParallelMove() {
        return op == MOp.PMOVE;
    }

    @Override
    public boolean isJump() {
        return op == MOp.JMP;
    }

    @Override
    public boolean isBranch() {
        return op == MOp.JMP || op == MOp.JCC || op == MOp.BR_TABLE;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(op.name().toLowerCase());
        if (packed != null) {
            sb.append('.').append(packed.mnemonic());
        }
        if (pshift != null) {
            sb.append('.').append(pshift.name().toLowerCase());
        }
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
        if (vsrc1 != NONE) {
            sb.append(" src1=").append(name(vsrc1));
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
        return X86Registers.DESCRIPTOR.describe(reg);
    }

    /** Binary float operations of {@link MOp#FALU}. */
    enum FloatOp { ADD, SUB, MUL, DIV, AND, OR, XOR }
}
