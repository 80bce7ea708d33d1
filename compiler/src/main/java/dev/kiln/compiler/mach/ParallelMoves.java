package dev.kiln.compiler.mach;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Sequentializes a parallel move: every destination receives its source's old value at once, so a
 * move whose destination is still to be read waits, and a cycle ({@code a <- b, b <- a}) is broken by
 * parking one value in a scratch register of its class. Locations are ints as in
 * {@link LinearScan#location}: registers, or {@link LinearScan#SLOT_BASE} plus a spill slot.
 * Stateless.
 */
public final class ParallelMoves {
    private ParallelMoves() {
    }

    /** Receives the moves in an order that is correct one at a time. */
    @FunctionalInterface
    public interface Sink {
        /** Copies the whole value at location {@code src} to location {@code dst} ({@code dst != src}). */
        void move(int dst, int src);
    }

    /**
     * Emits {@code moves} ({@code {dst, src}} pairs, destinations distinct; pairs with {@code dst == src}
     * are dropped) to {@code sink}.
     *
     * @param park the scratch register (of the right class) for parking the value at the destination of
     *             the pending move {@code {dst, src}}; never a destination or source of {@code moves}
     */
    public static void sequentialize(List<int[]> moves, ToIntFunction<int[]> park, Sink sink) {
        List<int[]> todo = new ArrayList<>(moves.size());
        for (int mI = 0; mI < moves.size(); mI++) {
            int[] m = moves.get(mI);
            if (m[0] != m[1]) {
                todo.add(new int[] {m[0], m[1]});
            }
        }
        while (!todo.isEmpty()) {
            int ready = -1;
            for (int i = 0; i < todo.size() && ready < 0; i++) {
                int dst = todo.get(i)[0];
                boolean blocked = false;
                for (int oI = 0; oI < todo.size(); oI++) {
                    int[] o = todo.get(oI);
                    if (o != todo.get(i) && o[1] == dst) {
                        blocked = true;
                        break;
                    }
                }
                if (!blocked) {
                    ready = i;
                }
            }
            if (ready >= 0) {
                int[] mv = todo.remove(ready);
                sink.move(mv[0], mv[1]);
                continue;
            }
            // a cycle: park the value of one destination and redirect its readers there
            int parked = todo.get(0)[0];
            int scratch = park.applyAsInt(todo.get(0));
            sink.move(scratch, parked);
            for (int oI = 0; oI < todo.size(); oI++) {
                int[] o = todo.get(oI);
                if (o[1] == parked) {
                    o[1] = scratch;
                }
            }
        }
    }
}
