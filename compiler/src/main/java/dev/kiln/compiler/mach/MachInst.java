package dev.kiln.compiler.mach;

import java.util.function.IntUnaryOperator;
import java.util.function.UnaryOperator;

/**
 * One machine instruction over virtual and physical registers, as the shared layer (allocator, split
 * resolution, block layout) sees it; a backend's instruction class implements it and keeps its
 * ISA-specific operands to itself.
 *
 * <p>Registers are ints: below {@link RegisterDescriptor#count()} physical, from there virtual.
 * {@link #uses} and {@link #defs} list every register the instruction reads and writes, physical ones
 * included (argument registers of a call, registers it clobbers): they drive liveness and the fixed
 * intervals of the allocator.
 */
public interface MachInst {
    /** "No register". */
    int NONE = -1;

    /** How {@link #hintDst} relates to {@link #hintSrc}, for the allocator's register hints. */
    enum Hint {
        /** No hint. */
        NONE,
        /** A copy {@code dst <- src}: both would like the same register (the copy then disappears). */
        COPY,
        /** The result would like its operand's register when the operand dies here ({@code x = x + k}). */
        TIED,
    }

    /** Every register read, in operand order (a register may appear twice). */
    int[] uses();

    /** Every register written. */
    int[] defs();

    /**
     * Whether the physical registers this instruction defines are written before all its operands are
     * read (x86 {@code cqo} before {@code idiv} reads its divisor): they then cannot hold an operand.
     */
    boolean earlyClobber();

    /** The kind of register hint this instruction gives. */
    Hint hint();

    /** The destination of the hint ({@link #hint} not {@code NONE}). */
    int hintDst();

    /** The source of the hint ({@link #hint} not {@code NONE}). */
    int hintSrc();

    /**
     * Whether this is a parallel move: every {@link #moveDsts}{@code [i]} receives
     * {@link #moveSrcs}{@code [i]} at once (block arguments, split resolution).
     */
    boolean isParallelMove();

    /** Destinations of a parallel move. */
    int[] moveDsts();

    /** Sources of a parallel move; {@link #NONE} where the source is a constant. */
    int[] moveSrcs();

    /** Whether this is an unconditional jump to {@link #jumpTarget}. */
    boolean isJump();

    /** Whether this transfers control to blocks (jump, conditional branch, jump table): moves on its edges go before it. */
    boolean isBranch();

    /** The target of an unconditional jump. */
    MachBlock<?> jumpTarget();

    /** Replaces every block this instruction branches to by {@code f.apply(block)}. */
    void retarget(UnaryOperator<MachBlock<?>> f);

    /** Replaces every register operand {@code r} (uses, defs and the ISA's own fields) by {@code f.applyAsInt(r)}. */
    void mapRegisters(IntUnaryOperator f);
}
