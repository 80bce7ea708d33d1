package dev.kiln.arch.x86_64;

import java.util.Arrays;

/**
 * Where each loop header of a function starts relative to the 64-byte windows in which the front end
 * fetches code and caches decoded instructions. The emission of the function records, for every
 * loop header block, the offsets of its instructions from its start, its length, and where the loop's
 * last back edge ends, in the layout without the headers' pads ({@link Record}); each header's pad of
 * NOPs (run once on entering the loop from above) is then sized at the assembler's final layout to
 * put the header at the offset within a window that {@link #pad} chooses. A function with loops
 * starts on a window boundary.
 *
 * <p>The rule, in order of precedence:
 * <ol>
 * <li>a header block of at most one window (for a loop of one block, the whole loop; for a dispatch
 *     loop, the dispatch up to its indirect jump) touches one window if it can: a second window is one
 *     more fetch on every iteration;
 * <li>the window entered by the back edge holds at most {@value #MAX_INSTRUCTIONS_AFTER_TARGET}
 *     instruction starts from the header on;
 * <li>a loop of at most {@value #MAX_PLACED_LOOP_WINDOWS} windows, from its header to the end of its
 *     last back edge, touches as few windows as its length allows;
 * <li>the least padding.
 * </ol>
 * A longer header or loop is not placed by its length: one window more in three or more saves at
 * most a third of its fetches, and padding for it took 22% of the NOP bytes of LLVM's
 * {@code llvm.core.wasm} (0.4 MB), where every measured slowdown came from loops of two windows.
 *
 * <p>Measured on the kernels (AMD EPYC, family 26; each function's loop headers moved in 4-byte steps
 * over a whole window, minimum of 10 rounds, twice): LU decomposition's inner loop (17 instructions,
 * 73 bytes) took 4.4-4.6 ms with 13-15 of its instructions in the window its back edge enters and
 * 2.9-3.2 ms with 12 or fewer; the matrix multiply's (15 instructions, 70 bytes) 1.3-1.4 ms with 13 and
 * 0.71-0.82 ms with 12 or fewer; the bytecode interpreter's dispatch block (8 instructions, 39 bytes)
 * 4.3-4.6 ms within one window and 5.1-5.9 ms when its indirect jump crossed into the next. The fixed
 * 32-byte alignment this replaces put each of them on one side or the other depending on the code
 * before it. Stateless; thread-safe.
 */
final class LoopPlacement {
    /** The fetch and decoded-instruction window, in bytes; functions with padded loops start on one. */
    static final int WINDOW = 64;

    /** Instruction starts, from the branch target on, that one window may hold without a slowdown. */
    static final int MAX_INSTRUCTIONS_AFTER_TARGET = 12;

    private LoopPlacement() {
    }

    /**
     * The NOP bytes (0 to {@value #WINDOW} - 1) to put before a loop header block about to be emitted
     * at byte {@code position} of a function that starts on a window boundary.
     *
     * @param position the header's offset in the function, bytes
     * @param starts   offsets of the header block's instructions from its start, ascending (repeats allowed)
     * @param length   the header block's length in bytes, at least 1
     * @param loopLength bytes from the header's start to the end of the loop's last back edge
     */
    static int pad(int position, int[] starts, int length, int loopLength) {
        int best = 0;
        long bestCost = Long.MAX_VALUE;
        for (int p = 0; p < WINDOW; p++) {
            int at = Math.floorMod(position + p, WINDOW);
            long dense = instructionsInFirstWindow(at, starts) > MAX_INSTRUCTIONS_AFTER_TARGET ? 1 : 0;
            long header = length <= WINDOW ? windows(at, length) : 0;
            long loop = loopLength <= MAX_PLACED_LOOP_WINDOWS * WINDOW ? windows(at, loopLength) : 0;
            // lexicographic: a placed loop touches at most MAX_PLACED_LOOP_WINDOWS + 1 windows, below the radix
            long cost = ((header * 2 + dense) * (MAX_PLACED_LOOP_WINDOWS + 2) + loop) * WINDOW + p;
            if (cost < bestCost) {
                bestCost = cost;
                best = p;
            }
        }
        return best;
    }

    /** Windows that {@code length} bytes placed {@code at} bytes into a window touch. */
    private static long windows(int at, int length) {
        return (at + Math.max(1, length) - 1) / WINDOW + 1;
    }

    /** Loops longer than this many windows are not placed by their length. */
    static final int MAX_PLACED_LOOP_WINDOWS = 2;

    /** Distinct instruction starts that fall in the window of a block placed {@code at} bytes into one. */
    static int instructionsInFirstWindow(int at, int[] starts) {
        int n = 0;
        int last = -1;
        for (int s : starts) {
            if (at + s >= WINDOW) {
                break;
            }
            if (s != last) {
                n++;
                last = s;
            }
        }
        return n;
    }

    /**
     * An emission's record: where each block started and ended and where each instruction started.
     * Not thread-safe (one per emission).
     */
    static final class Record {
        private final int[] blockStart;
        private final int[] blockEnd;
        private final int[] loopEnd;
        private int[] instructionStarts = new int[256];
        private int instructions;

        Record(int blocks) {
            blockStart = new int[blocks];
            blockEnd = new int[blocks];
            loopEnd = new int[blocks];
            Arrays.fill(blockStart, -1);
            Arrays.fill(blockEnd, -1);
        }

        void blockStarts(int block, int position) {
            blockStart[block] = position;
        }

        void blockEnds(int block, int position) {
            blockEnd[block] = position;
        }

        /** Records that {@code latch} branches back to {@code header}: the loop extends to the latch's end. */
        void backEdge(int latch, int header) {
            // a latch that only jumps back was not emitted: every branch to it goes to the header
            loopEnd[header] = Math.max(loopEnd[header], Math.max(blockStart[latch], blockEnd[latch]));
        }

        void instructionStarts(int position) {
            if (instructions == instructionStarts.length) {
                instructionStarts = Arrays.copyOf(instructionStarts, instructions * 2);
            }
            instructionStarts[instructions++] = position;
        }

        /**
         * Moves every recorded position through {@code toFinal} (an emission offset to a final one, order
         * kept), so that the record describes the code as it lands.
         */
        void remap(java.util.function.IntUnaryOperator toFinal) {
            for (int b = 0; b < blockStart.length; b++) {
                if (blockStart[b] >= 0) {
                    blockStart[b] = toFinal.applyAsInt(blockStart[b]);
                }
                if (blockEnd[b] >= 0) {
                    blockEnd[b] = toFinal.applyAsInt(blockEnd[b]);
                }
            }
            for (int i = 0; i < instructions; i++) {
                instructionStarts[i] = toFinal.applyAsInt(instructionStarts[i]);
            }
        }

        /** The pad for {@code block} emitted at {@code position} in the final emission; -1 if not recorded. */
        int padFor(int block, int position) {
            int start = blockStart[block];
            int end = blockEnd[block];
            if (start < 0 || end <= start) {
                return -1;
            }
            int from = Arrays.binarySearch(instructionStarts, 0, instructions, start);
            if (from < 0) {
                from = -from - 1;
            }
            while (from > 0 && instructionStarts[from - 1] == start) {
                from--;
            }
            int to = from;
            while (to < instructions && instructionStarts[to] < end) {
                to++;
            }
            int[] relative = new int[to - from];
            for (int i = from; i < to; i++) {
                relative[i - from] = instructionStarts[i] - start;
            }
            return pad(position, relative, end - start, Math.max(end, loopEnd[block]) - start);
        }
    }
}
