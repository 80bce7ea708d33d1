package dev.kiln.arch.aarch64;

import dev.kiln.compiler.mach.AbstractMachInst;

/**
 * One AArch64 MIR instruction. Registers are ints as {@link Aarch64Registers} numbers them:
 * {@code 0..30} are {@code x0..x30}, 31 is {@code sp}, {@code 32..63} {@code v0..v31}, values
 * {@code >= }{@link Aarch64Registers#VREG_BASE} virtual registers. {@link #uses} and {@link #defs} list
 * every register read and written (physical ones included) for liveness and register allocation;
 * the other fields are the operands the emitter needs. Not thread-safe.
 */
final class MInst extends AbstractMachInst<MInst> {
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
    /**
     * A call whose callee may return with another instance's VMContext in x21 (it ends in a tail call
     * through a record or to an import): the caller saves x21 before and reloads it after.
     */
    boolean reloadsVmctx;
    /**
     * A call inside a {@code try_table} with catch clauses: the exception unwinder may resume right after
     * it (its call site says so in the exception tables; see {@link ExceptionLowering}).
     */
    boolean inTry;
    /** Heap access: the index register is scaled by the access size ({@code [base, index, lsl #log2(width)]}). */
    boolean scaledIndex;
    /**
     * Heap access: the index register holds a 32-bit memory's index (a zero-extended i32) and is read
     * as a W register extended by {@code uxtw} ({@code [base, windex, uxtw]}).
     */
    boolean extendIndex;
    /**
     * Heap store: an earlier load or store in the block accessed the same bytes (or more), so this one
     * is in bounds and needs no probe load in guard-page mode.
     */
    boolean inBounds;
    /** Access width in bytes of heap loads and stores. */
    int width;
    /** Bytes of stack arguments the callee of a call pops. */
    int popped;
    boolean[] pwide;
    /** A move, load or store of all 128 bits of a v128 ({@code mov v.16b}, {@code ldr q}, {@code str q}). */
    boolean q;
    /** The NEON instruction of {@link MOp#VOP}. */
    NeonOp neon;
    /** The arrangement of {@link MOp#VOP} (see {@link NeonOp} for which operand it names). */
    Arrangement arr;
    /** The high 64 bits of a {@link MOp#VCONST} ({@link #imm} holds the low 64). */
    long imm2;

    MInst(MOp op) {
        this.op = op;
    }

    static boolean isVirtual(int reg) {
        return reg >= Aarch64Registers.VREG_BASE;
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
    public boolean isParallelMove() {
        return op == MOp.PMOVE;
    }

    @Override
    public boolean isJump() {
        return op == MOp.JMP;
    }

    @Override
    public boolean isBranch() {
        return op == MOp.JMP || op == MOp.BCOND || op == MOp.CBNZ || op == MOp.TBNZ || op == MOp.BR_TABLE;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(op.name().toLowerCase(java.util.Locale.ROOT));
        if (neon != null) {
            sb.append('.').append(neon.mnemonic(arr)).append('.').append(arr);
        }
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
