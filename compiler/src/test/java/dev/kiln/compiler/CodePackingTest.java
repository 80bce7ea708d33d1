package dev.kiln.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The order of functions in {@code .text} that fills the padding before window-aligned ones. */
class CodePackingTest {
    /**
     * Padding bytes beyond the 16-byte alignment of every piece when the pieces are placed in
     * {@code order} from {@code start}, as the linker does.
     */
    private static long padding(int start, int[] order, int[] lengths, int[] alignments) {
        long pos = start;
        long pad = 0;
        for (int i : order) {
            int align = Math.max(16, alignments[i]);
            long unit = (pos + 15) / 16 * 16;
            long at = (pos + align - 1) / align * align;
            pad += at - unit;
            pos = at + lengths[i];
        }
        return pad;
    }

    @Test
    void withoutLargerAlignmentsTheOrderIsFuncidxOrder() {
        int[] lengths = {5, 100, 17, 64};
        assertArrayEquals(new int[] {0, 1, 2, 3}, CodePacking.order(0, lengths, new int[] {16, 16, 16, 16}, 16));
        // two different alignments beyond the unit: no packing
        assertArrayEquals(new int[] {0, 1, 2, 3}, CodePacking.order(0, lengths, new int[] {16, 32, 16, 64}, 16));
    }

    @Test
    void aLaterFunctionOfTheMissingLengthGoesBeforeTheAlignedOne() {
        // from 16: C needs 48 bytes of padding; of the three after it, B (40 -> 48 bytes) fills it
        int[] lengths = {64, 16, 40, 20};
        int[] alignments = {64, 16, 16, 16};
        int[] order = CodePacking.order(16, lengths, alignments, 16);
        assertArrayEquals(new int[] {2, 0, 1, 3}, order);
        assertEquals(0, padding(16, order, lengths, alignments));
        assertEquals(48, padding(16, new int[] {0, 1, 2, 3}, lengths, alignments));
    }

    @Test
    void twoOrThreeFunctionsFillWhenNoneFitsAlone() {
        // from 48: the aligned function needs 16 bytes; after it come 32 and 48: 32 + 48 = 80 = 16 mod 64
        int[] lengths = {10, 32, 48};
        int[] alignments = {64, 16, 16};
        int[] order = CodePacking.order(48, lengths, alignments, 16);
        assertArrayEquals(new int[] {1, 2, 0}, order);
        assertEquals(0, padding(48, order, lengths, alignments));
        // from 0 nothing is needed: funcidx order
        assertArrayEquals(new int[] {0, 1, 2}, CodePacking.order(0, lengths, alignments, 16));
        // three of 16 for 48
        int[] three = {8, 16, 16, 16};
        int[] threeAlign = {64, 16, 16, 16};
        int[] o3 = CodePacking.order(16, three, threeAlign, 16);
        assertArrayEquals(new int[] {1, 2, 3, 0}, o3);
        assertEquals(0, padding(16, o3, three, threeAlign));
        // none within reach: the padding stays
        int[] far = new int[CodePacking.LOOKAHEAD + 2];
        int[] farAlign = new int[far.length];
        java.util.Arrays.fill(far, 64);
        java.util.Arrays.fill(farAlign, 16);
        farAlign[0] = 64;
        far[far.length - 1] = 48;
        int[] o4 = CodePacking.order(16, far, farAlign, 16);
        for (int i = 0; i < far.length; i++) {
            assertEquals(i, o4[i]);
        }
    }

    @Test
    void everyPieceIsPlacedOnceAndFewMove() {
        Random random = new Random(19);
        int n = 5000;
        int[] lengths = new int[n];
        int[] alignments = new int[n];
        int aligned = 0;
        for (int i = 0; i < n; i++) {
            lengths[i] = 1 + random.nextInt(random.nextBoolean() ? 60 : 900);
            alignments[i] = random.nextInt(4) == 0 ? 64 : 16;
            aligned += alignments[i] == 64 ? 1 : 0;
        }
        int[] order = CodePacking.order(96, lengths, alignments, 16);
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < n; i++) {
            assertEquals(i, sorted[i], "a permutation");
        }
        int[] position = new int[n];
        for (int k = 0; k < n; k++) {
            position[order[k]] = k;
        }
        int lastAligned = -1;
        for (int i = 0; i < n; i++) {
            if (alignments[i] == 64) {
                assertTrue(position[i] > lastAligned, "aligned functions keep their order");
                lastAligned = position[i];
            }
            assertTrue(Math.abs(position[i] - i) <= CodePacking.LOOKAHEAD, "piece " + i + " moved to " + position[i]);
        }
        int descents = 0;
        for (int k = 0; k + 1 < n; k++) {
            descents += order[k] > order[k + 1] ? 1 : 0;
        }
        assertTrue(descents <= 2 * aligned, descents + " places out of funcidx order, " + aligned + " aligned functions");
        int[] identity = new int[n];
        for (int i = 0; i < n; i++) {
            identity[i] = i;
        }
        long before = padding(96, identity, lengths, alignments);
        long after = padding(96, order, lengths, alignments);
        assertTrue(after * 4 < before, "padding " + before + " -> " + after);
    }
}
