package dev.kiln.arch.aarch64;

import dev.kiln.compiler.mach.MachBlock;
import dev.kiln.compiler.mach.MachInst;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.function.UnaryOperator;

/**
 * One AArch64 MIR instruction. Registers are ints as {@link Aarch64Registers} numbers them:
 * {@code 0..30} are {@code x0..x30}, 31 is {@code sp}, {@code 32..63} {@code v0..v31}, values
 * {@code >= }{@link Aarch64Registers#VREG_BASE} virtual registers. {@link #uses} and {@link #defs} list
 * every register read and written (physical ones included) for liveness and register allocation;
 * the other fields are the operands the emitter needs. Not thread-safe.
 */
final class MInst implements MachInst {
    /** Integer ALU operations of {@link MOp#ALU_RR} and {@link MOp#ALU_RI}. */
    enum Alu { ADD, SUB, AND, ORR, EOR, BIC, LSL, LSR, ASR, ROR, MUL, }

    /** Binary float operations of {@link MOp#FALU}. */
    enum FAlu { ADD, SUB, MUL, DIV, MIN, MAX }

    /** Unary float operations of {@link MOp#FUNARY}. */
    enum FUnary { ABS, NEG, SQRT, NEAREST, FLOOR, CEIL, TRUNC, CVT }

    final MOp op;
    /** Integer operand size (W: i32, X: i64). */
    Size size = Size.X;
    /** Float operand size where the instruction has float operands. */
    FpSize fsize = FpSize.D;
    int dst = NONE;
    int src = NONE;
    int src2 = NONE;
    int src3 = NONE;
    long imm;
    Cond cond;
    Alu alu;
    FAlu falu;
    FUnary funary;
    /** Shift applied to src2 of {@link MOp#ALU_RR} and {@link MOp#CMP_RR} (null: none). */
    Shift shift;
    int shiftAmount;
    boolean signed;
    boolean saturating;
    boolean negate;
    boolean checkOverflow;
    /** Access width in bytes of heap loads and stores; the table of {@link MOp#CALL_INDIRECT}. */
    int width;
    /** Bytes of stack arguments the callee of a call pops. */
    int popped;
    MachBlock<MInst> target;
    MachBlock<MInst> target2;
    List<MachBlock<MInst>> tableTargets;
    int[] pdst;
    int[] psrc;
    long[] pconst;
    boolean[] pwide;
    int[] uses = new int[0];
    int[] defs = new int[0];

    MInst(MOp op) {
        this.op = op;
    }

    static boolean isVirtual(int reg) {
        return reg >= Aarch64Registers.VREG_BASE;
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
    public int[] uses() {
        return uses;
    }

    @Override
    public int[] defs() {
        return defs;
    }

    @Override
    public boolean earlyClobber() {
        return false;
    }

    @Override
    public Hint hint() {
        return op == MOp.MOV ? Hint.COPY : Hint.NONE;
    }

    @Override
    public int hintDst() {
        return dst;
    }

    @Override
    public int hintSrc() {
        return src;
    }

    @Override
    public boolean isParallelMove() {
        return op == MOp.PMOVE;
    }

    @Override
    public int[] moveDsts() {
        return pdst;
    }

    @Override
    public int[] moveSrcs() {
        return psrc;
    }

    @Override
    public boolean isJump() {
        return op == MOp.JMP;
    }

    @Override
    public boolean isBranch() {
        return op == MOp.JMP || op == MOp.BCOND || op == MOp.CBNZ || op == MOp.BR_TABLE;
    }

    @Override
    public MachBlock<?> jumpTarget() {
        return target;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void retarget(UnaryOperator<MachBlock<?>> f) {
        if (target != null) {
            target = (MachBlock<MInst>) f.apply(target);
        }
        if (target2 != null) {
            target2 = (MachBlock<MInst>) f.apply(target2);
        }
        if (tableTargets != null) {
            List<MachBlock<MInst>> t = new java.util.ArrayList<>(tableTargets.size());
            for (MachBlock<MInst> x : tableTargets) {
                t.add((MachBlock<MInst>) f.apply(x));
            }
            tableTargets = t;
        }
    }

    @Override
    public void mapRegisters(IntUnaryOperator f) {
        dst = map(f, dst);
        src = map(f, src);
        src2 = map(f, src2);
        src3 = map(f, src3);
        mapAll(f, uses);
        mapAll(f, defs);
        if (pdst != null) {
            mapAll(f, pdst);
        }
        if (psrc != null) {
            mapAll(f, psrc);
        }
    }

    private static int map(IntUnaryOperator f, int r) {
        return r == NONE ? NONE : f.applyAsInt(r);
    }

    private static void mapAll(IntUnaryOperator f, int[] regs) {
        for (int i = 0; i < regs.length; i++) {
            regs[i] = map(f, regs[i]);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(op.name().toLowerCase(java.util.Locale.ROOT));
        if (alu != null) {
            sb.append('.').append(alu.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (cond != null) {
            sb.append('.').append(cond.mnemonic());
        }
        sb.append(' ').append(size);
        for (int r : new int[] {dst, src, src2, src3}) {
            if (r != NONE) {
                sb.append(' ').append(Aarch64Registers.DESCRIPTOR.describe(r));
            }
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
}
