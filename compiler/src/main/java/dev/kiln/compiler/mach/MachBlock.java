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

    /**
     * The predecessors of each block of a layout, by block index, as one array (compressed sparse
     * rows): those of block i are {@code of[start[i]]} to {@code of[start[i + 1] - 1]}, in layout
     * order, once per entry of a successor list (a block that branches to one successor twice is there
     * twice).
     */
    public record Predecessors(int[] start, int[] of) {
        /**
         * The predecessors of {@code blocks}, whose {@link #index} must be their position in the list.
         * Arrays instead of a list per block: C1, which compiles the kiln launcher's compiler, allocates
         * every list, iterator and boxed index.
         */
        public static Predecessors of(List<? extends MachBlock<?>> blocks) {
            int n = blocks.size();
            int[] start = new int[n + 1];
            for (int i = 0; i < n; i++) {
                List<? extends MachBlock<?>> succs = blocks.get(i).succs;
                for (int k = 0; k < succs.size(); k++) {
                    start[succs.get(k).index + 1]++;
                }
            }
            for (int i = 0; i < n; i++) {
                start[i + 1] += start[i];
            }
            int[] of = new int[start[n]];
            int[] fill = java.util.Arrays.copyOf(start, n);
            for (int i = 0; i < n; i++) {
                List<? extends MachBlock<?>> succs = blocks.get(i).succs;
                for (int k = 0; k < succs.size(); k++) {
                    of[fill[succs.get(k).index]++] = i;
                }
            }
            return new Predecessors(start, of);
        }
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
