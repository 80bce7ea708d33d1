package dev.kiln.compiler.mach;

import java.util.function.IntUnaryOperator;
import java.util.function.UnaryOperator;

/**
 * One machine instruction over virtual and physical registers, as the shared layer (allocator, split
 * resolution, block layout) sees it; a backend's instruction class extends it and keeps its
 * ISA-specific operands to itself.
 *
 * <p>Registers are ints: below {@link RegisterDescriptor#count()} physical, from there virtual.
 * {@link #uses} and {@link #defs} list every register the instruction reads and writes, physical ones
 * included (argument registers of a call, registers it clobbers): they drive liveness and the fixed
 * intervals of the allocator.
 *
 * <p>A class, not an interface: the shared layer is generic over the backend's instruction class
 * ({@code I extends MachInst}), and C1, which compiles the {@code kiln} launcher's compiler, checks
 * every cast of such an element to an interface in a runtime stub, and calls an interface's methods
 * through an itable stub.
 */
public abstract class MachInst {
    /** For subclasses. */
    protected MachInst() {
    }

    /** "No register". */
    public static final int NONE = -1;

    /** How {@link #hintDst} relates to {@link #hintSrc}, for the allocator's register hints. */
    public enum Hint {
        /** No hint. */
        NONE,
        /** A copy {@code dst <- src}: both would like the same register (the copy then disappears). */
        COPY,
        /** The result would like its operand's register when the operand dies here ({@code x = x + k}). */
        TIED,
    }

    /** Every register read, in operand order (a register may appear twice). */
    public abstract int[] uses();

    /** Every register written. */
    public abstract int[] defs();

    /**
     * Whether the physical registers this instruction defines are written before all its operands are
     * read (x86 {@code cqo} before {@code idiv} reads its divisor): they then cannot hold an operand.
     */
    public abstract boolean earlyClobber();

    /** The kind of register hint this instruction gives. */
    public abstract Hint hint();

    /** The destination of the hint ({@link #hint} not {@code NONE}). */
    public abstract int hintDst();

    /** The source of the hint ({@link #hint} not {@code NONE}). */
    public abstract int hintSrc();

    /**
     * Whether this is a parallel move: every {@link #moveDsts}{@code [i]} receives
     * {@link #moveSrcs}{@code [i]} at once (block arguments, split resolution).
     */
    public abstract boolean isParallelMove();

    /** Destinations of a parallel move. */
    public abstract int[] moveDsts();

    /** Sources of a parallel move; {@link #NONE} where the source is a constant. */
    public abstract int[] moveSrcs();

    /** Whether this is an unconditional jump to {@link #jumpTarget}. */
    public abstract boolean isJump();

    /** Whether this transfers control to blocks (jump, conditional branch, jump table): moves on its edges go before it. */
    public abstract boolean isBranch();

    /** The target of an unconditional jump. */
    public abstract MachBlock<?> jumpTarget();

    /** Replaces every block this instruction branches to by {@code f.apply(block)}. */
    public abstract void retarget(UnaryOperator<MachBlock<?>> f);

    /** Replaces every register operand {@code r} (uses, defs and the ISA's own fields) by {@code f.applyAsInt(r)}. */
    public abstract void mapRegisters(IntUnaryOperator f);
}
