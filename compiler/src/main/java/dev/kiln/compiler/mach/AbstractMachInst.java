package dev.kiln.compiler.mach;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.function.UnaryOperator;

/**
 * The ISA-neutral part of a backend's machine instruction: the register operands every ISA's
 * instructions have (a destination and up to three sources), the explicit {@link #uses}/{@link #defs}
 * lists, parallel-move operands and branch targets, with the {@link MachInst} plumbing over them
 * (register renaming, retargeting, move and hint operands). A backend's instruction class extends it
 * with its opcode and ISA-specific operands and answers the opcode-dependent questions
 * ({@link #hint}, {@link #isJump}, {@link #isBranch}, {@link #isParallelMove}, {@link #earlyClobber}).
 *
 * <p>The fields are public because the backend's lowering, allocator glue and emitter read and
 * write them directly; the package is exported only to the {@code arch-*} modules. Registers are ints
 * as {@link MachInst} describes them; {@link #NONE} where an operand is absent. Not thread-safe.
 *
 * @param <I> the backend's instruction class (its blocks are {@code MachBlock<I>})
 */
public abstract class AbstractMachInst<I extends AbstractMachInst<I>> extends MachInst {
    /** The destination register, or {@link #NONE}. */
    public int dst = NONE;
    /** The first source register, or {@link #NONE}. */
    public int src = NONE;
    /** A second source register, or {@link #NONE}. */
    public int src2 = NONE;
    /** A third source register, or {@link #NONE}. */
    public int src3 = NONE;
    /** The (first) branch target: of a jump, the taken side of a conditional branch. */
    public MachBlock<I> target;
    /** The second branch target (the fall-through side of a two-way branch), or null. */
    public MachBlock<I> target2;
    /** The targets of a jump table, or null. */
    public List<MachBlock<I>> tableTargets;
    /** Destinations of a parallel move. */
    public int[] pdst;
    /** Sources of a parallel move; {@link #NONE} where the source is the constant {@code pconst[i]}. */
    public int[] psrc;
    /** Constant sources of a parallel move, where {@code psrc[i]} is {@link #NONE}. */
    public long[] pconst;
    /** Every register read (physical ones included), in operand order. */
    public int[] uses = NO_REGISTERS;
    /** Every register written (physical ones included). */
    public int[] defs = NO_REGISTERS;

    /**
     * The empty register list every instruction starts with, shared: an empty array has nothing to
     * rename in place, and most instructions set their lists right after construction.
     */
    private static final int[] NO_REGISTERS = new int[0];
    /**
     * The IR instruction this one was lowered from (its Wasm offset and inlined frames go into the
     * frame info of trap sites and calls), or null (moves, spills, prologue code).
     */
    public dev.kiln.compiler.ir.Inst source;

    /** This instruction as the backend's instruction class. */
    @SuppressWarnings("unchecked")
    private I self() {
        return (I) this;
    }

    /** Sets the registers this instruction reads; returns this instruction. */
    public I uses(int... regs) {
        this.uses = regs;
        return self();
    }

    /** Sets the registers this instruction writes; returns this instruction. */
    public I defs(int... regs) {
        this.defs = regs;
        return self();
    }

    @Override
    public int[] uses() {
        return uses;
    }

    @Override
    public int[] defs() {
        return defs;
    }

    /** The destination register ({@link #dst}). */
    @Override
    public int hintDst() {
        return dst;
    }

    /** The first source register ({@link #src}). */
    @Override
    public int hintSrc() {
        return src;
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
    public MachBlock<?> jumpTarget() {
        return target;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void retarget(UnaryOperator<MachBlock<?>> f) {
        if (target != null) {
            target = (MachBlock<I>) f.apply(target);
        }
        if (target2 != null) {
            target2 = (MachBlock<I>) f.apply(target2);
        }
        if (tableTargets != null) {
            List<MachBlock<I>> t = new ArrayList<>(tableTargets.size());
            for (MachBlock<I> x : tableTargets) {
                t.add((MachBlock<I>) f.apply(x));
            }
            tableTargets = t;
        }
    }

    /**
     * Renames {@link #dst}, {@link #src}, {@link #src2}, {@link #src3}, {@link #uses}, {@link #defs}
     * and the parallel-move operands; a subclass with further register operands overrides this and
     * calls it.
     */
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

    /** {@code f(r)}, or {@link #NONE} where {@code r} is {@link #NONE}. */
    protected static int map(IntUnaryOperator f, int r) {
        return r == NONE ? NONE : f.applyAsInt(r);
    }

    /** Applies {@link #map} to every element of {@code regs} in place. */
    protected static void mapAll(IntUnaryOperator f, int[] regs) {
        for (int i = 0; i < regs.length; i++) {
            regs[i] = map(f, regs[i]);
        }
    }
}
