package dev.kiln.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link LoopPlacement}: the offsets chosen for loop headers within 64-byte windows. */
class LoopPlacementTest {
    /** LU decomposition's inner loop as Kiln emits it: 17 instructions, 73 bytes, one block. */
    private static final int[] LU_LOOP = {0, 4, 10, 14, 17, 23, 27, 33, 36, 42, 45, 48, 54, 58, 64, 68, 71};

    /** The bytecode interpreter's dispatch block: 8 instructions, 39 bytes, ending in {@code jmp r10}. */
    private static final int[] DISPATCH = {0, 3, 10, 13, 16, 22, 29, 33, 36};

    @Test
    void aLoopLongerThanAWindowKeepsAtMostTwelveInstructionsInTheWindowItsBackEdgeEnters() {
        for (int position = 0; position < 256; position++) {
            int pad = LoopPlacement.pad(position, LU_LOOP, 73, 73);
            int at = (position + pad) % LoopPlacement.WINDOW;
            assertTrue(LoopPlacement.instructionsInFirstWindow(at, LU_LOOP) <= 12,
                    "at " + at + " from position " + position);
            assertTrue((at + 72) / 64 == 1, "two windows, not three, at " + at);
        }
        // already well placed: no padding
        assertEquals(0, LoopPlacement.pad(12, LU_LOOP, 73, 73));
        assertEquals(0, LoopPlacement.pad(64 + 40, LU_LOOP, 73, 73));
        // on a window boundary, 13 or more instructions would be in the first window
        assertEquals(13, LoopPlacement.instructionsInFirstWindow(8, LU_LOOP));
        assertEquals(12, LoopPlacement.instructionsInFirstWindow(12, LU_LOOP));
        assertEquals(10, LoopPlacement.pad(0, LU_LOOP, 73, 73));
    }

    @Test
    void aDispatchBlockDoesNotCrossAWindow() {
        for (int position = 0; position < 128; position++) {
            int pad = LoopPlacement.pad(position, DISPATCH, 39, 400);
            int at = (position + pad) % LoopPlacement.WINDOW;
            assertTrue(at + 39 <= 64, "the dispatch crosses a window at " + at);
        }
        assertEquals(0, LoopPlacement.pad(25, DISPATCH, 39, 400));
        assertEquals(64 - 28, LoopPlacement.pad(28, DISPATCH, 39, 400));
    }

    @Test
    void aLoopOfSeveralBlocksTouchesAsFewWindowsAsItsLengthAllows() {
        int[] header = {0, 3, 10, 15}; // 21 bytes, then the rest of a 100-byte loop
        int pad = LoopPlacement.pad(40, header, 21, 100);
        int at = (40 + pad) % 64;
        assertTrue(at + 100 <= 128, "three windows at " + at);
        assertEquals(24, pad, "the least padding that keeps it to two windows");
    }

    @Test
    void loopsLongerThanTwoWindowsAndHeadersLongerThanOneAreNotPaddedForTheirLength() {
        int[] header = {0, 3, 10, 15}; // 21 bytes: in one window at 40
        assertEquals(24, LoopPlacement.pad(40, header, 21, 128), "a loop of two windows still is");
        assertEquals(0, LoopPlacement.pad(40, header, 21, 300), "five windows at best, six here: not worth 24 bytes");
        int[] longHeader = {0, 20, 40, 60, 80}; // 100 bytes, few instructions
        assertEquals(0, LoopPlacement.pad(40, longHeader, 100, 300), "three windows instead of two, in a long loop");
        assertEquals(24, LoopPlacement.pad(40, longHeader, 100, 100), "a loop of two windows is placed whatever its header");
        int[] denseLongHeader = new int[30]; // 30 instructions of 3 bytes: the back edge's window is still watched
        for (int i = 0; i < denseLongHeader.length; i++) {
            denseLongHeader[i] = 3 * i;
        }
        int pad = LoopPlacement.pad(0, denseLongHeader, 90, 300);
        assertTrue(LoopPlacement.instructionsInFirstWindow(pad % 64, denseLongHeader) <= 12, "pad " + pad);
    }

    @Test
    void theRecordGivesTheHeadersInstructionsAndTheLoopsEnd() {
        LoopPlacement.Record record = new LoopPlacement.Record(3);
        record.blockStarts(0, 0);
        record.instructionStarts(0);
        record.instructionStarts(5);
        record.blockEnds(0, 10);
        record.blockStarts(1, 10); // the header: 73 bytes, LU's loop
        for (int s : LU_LOOP) {
            record.instructionStarts(10 + s);
        }
        record.blockEnds(1, 83);
        record.blockStarts(2, 83); // a latch that only jumps back, not emitted
        record.backEdge(2, 1);
        assertEquals(LoopPlacement.pad(64, LU_LOOP, 73, 73), record.padFor(1, 64));
        assertEquals(10, record.padFor(1, 64));
        assertEquals(-1, record.padFor(2, 83), "a block that was not emitted has no placement");
    }
}
