package dev.kiln.compiler.mach;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Loops from a block order in which Wasm's structured loops are contiguous (the order the translator
 * emits and the backends lay out): a branch from the block at position j back to the block at
 * position i &lt;= j makes positions i..j a loop. Stateless and thread-safe.
 */
public final class LayoutLoops {
    private LayoutLoops() {
    }

    /**
     * The loops of {@code order}, as {@code {first position, last position}}, one per back edge.
     *
     * @param position the position of a block in {@code order}, or -1 for a block outside it
     * @param successors a block's successors
     */
    public static <B> List<int[]> of(List<B> order, ToIntFunction<B> position,
            Function<B, ? extends List<B>> successors) {
        List<int[]> loops = new ArrayList<>();
        for (int j = 0; j < order.size(); j++) {
            var sList = successors.apply(order.get(j));
            for (int sIndex = 0; sIndex < sList.size(); sIndex++) {
                B s = sList.get(sIndex);
                int i = position.applyAsInt(s);
                if (i >= 0 && i <= j) {
                    loops.add(new int[] {i, j});
                }
            }
        }
        return loops;
    }

    /** How many of {@code loops} contain each of {@code count} positions. */
    public static int[] depths(int count, List<int[]> loops) {
        int[] depth = new int[count];
        for (int[] loop : loops) {
            for (int k = loop[0]; k <= loop[1]; k++) {
                depth[k]++;
            }
        }
        return depth;
    }
}
