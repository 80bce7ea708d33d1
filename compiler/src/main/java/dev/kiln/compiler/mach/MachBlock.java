package dev.kiln.compiler.mach;

import java.util.ArrayList;
import java.util.List;

/**
 * A basic block of machine instructions, ending in a branch, return or trap. {@link #index} is the
 * block's position in the layout; {@link #firstInst} and {@link #endInst} are instruction numbers
 * given by the allocator (over all blocks in layout order). Not thread-safe.
 *
 * @param <I> the backend's instruction class
 */
public final class MachBlock<I extends MachInst> {
    /** Position in the layout. */
    public int index;
    /** The instructions, in order. */
    public final List<I> insts = new ArrayList<>();
    /** Successors, in the order of the final instruction's targets (a block may appear twice). */
    public final List<MachBlock<I>> succs = new ArrayList<>(2);
    /** First instruction number (set by the allocator). */
    public int firstInst;
    /** One past the last instruction number (set by the allocator). */
    public int endInst;

    /** A block at layout position {@code index}. */
    public MachBlock(int index) {
        this.index = index;
    }

    /** Appends {@code inst} and returns it. */
    public I add(I inst) {
        insts.add(inst);
        return inst;
    }

    /** The last instruction, or {@code null} when empty. */
    public I last() {
        return insts.isEmpty() ? null : insts.get(insts.size() - 1);
    }

    @Override
    public String toString() {
        return "mb" + index;
    }
}
