package dev.kiln.compiler;

import java.util.ArrayDeque;

/**
 * The order in which the functions of a module go into {@code .text}, so that functions aligned to a
 * window (x86-64: functions with loops start on a 64-byte boundary, see the backend's loop placement)
 * are not preceded by padding when other code can fill it. The window is the largest alignment asked
 * for; a module whose functions ask for two different ones beyond the unit keeps funcidx order.
 *
 * <p>Functions go in funcidx order, except that before a window-aligned function whose start would
 * need padding, the fewest functions among the next {@value #LOOKAHEAD} that are aligned only to the
 * {@code unit} (16 bytes) and whose lengths, rounded up to the unit, make the position a multiple of
 * the window are moved there (one of the exact remainder, else two or three; the earliest of each
 * remainder). When no such set is that near, the padding stays. The other functions keep their order,
 * so that the tables keyed by code address (frame sites, call sites), which delta-encode function
 * indices, stay nearly as small as in funcidx order. The result depends only on the lengths and
 * alignments: compiling a module twice gives the same layout.
 *
 * <p>Stateless; thread-safe.
 */
final class CodePacking {
    /** How many functions after a window-aligned one may be moved before it to fill its padding. */
    static final int LOOKAHEAD = 32;

    private CodePacking() {
    }

    /**
     * The placement order of pieces of code.
     *
     * @param start      the offset in {@code .text} where the first piece may go, a multiple of {@code unit}
     * @param lengths    each piece's length in bytes
     * @param alignments each piece's alignment in bytes, a power of two
     * @param unit       the alignment every piece gets at least (16), a power of two
     * @return a permutation of the piece indices: funcidx order when no piece is aligned beyond
     *         {@code unit}, or when pieces are aligned to more than one larger boundary
     */
    static int[] order(int start, int[] lengths, int[] alignments, int unit) {
        int n = lengths.length;
        int window = unit;
        for (int a : alignments) {
            window = Math.max(window, a);
        }
        for (int a : alignments) {
            if (a > unit && a != window) {
                window = unit;
            }
        }
        int[] out = new int[n];
        if (window == unit) {
            for (int i = 0; i < n; i++) {
                out[i] = i;
            }
            return out;
        }
        int classes = window / unit;
        // the unit-aligned pieces among the next LOOKAHEAD, by remainder class, in funcidx order
        @SuppressWarnings("unchecked")
        ArrayDeque<Integer>[] ahead = new ArrayDeque[classes];
        for (int c = 0; c < classes; c++) {
            ahead[c] = new ArrayDeque<>();
        }
        boolean[] taken = new boolean[n];
        int k = 0;
        long pos = start;
        int added = 0;
        for (int i = 0; i < n; i++) {
            if (taken[i]) {
                continue; // placed earlier, into padding
            }
            for (; added < n && added <= i + LOOKAHEAD; added++) {
                int c = remainderClass(lengths[added], unit, window);
                if (alignments[added] <= unit && c != 0) {
                    ahead[c].addLast(added);
                }
            }
            for (ArrayDeque<Integer> d : ahead) {
                while (!d.isEmpty() && d.peekFirst() <= i) {
                    d.pollFirst();
                }
            }
            if (alignments[i] == window) {
                int need = (int) ((window - pos % window) % window) / unit;
                int[] set = need == 0 ? null : fitting(need, ahead, classes);
                if (set != null) {
                    for (int c : set) {
                        int j = ahead[c].pollFirst();
                        taken[j] = true;
                        out[k++] = j;
                        pos += rounded(lengths[j], unit);
                    }
                }
                pos = (pos + window - 1) / window * window;
            }
            out[k++] = i;
            pos += rounded(lengths[i], unit);
        }
        return out;
    }

    private static long rounded(int length, int unit) {
        return ((long) length + unit - 1) / unit * unit;
    }

    /** The length rounded up to the unit, modulo the window, in units. */
    private static int remainderClass(int length, int unit, int window) {
        return (int) (rounded(length, unit) % window / unit);
    }

    /**
     * The remainder classes (in units) of the fewest pieces at hand whose sum is {@code need} modulo
     * the window ({@code classes} units), at most three pieces, or null. Among sets of one size, the
     * first found: classes in ascending order.
     */
    private static int[] fitting(int need, ArrayDeque<Integer>[] ahead, int classes) {
        if (!ahead[need].isEmpty()) {
            return new int[] {need};
        }
        for (int a = 1; a < classes; a++) {
            for (int b = a; b < classes; b++) {
                if ((a + b) % classes == need && available(ahead, a, b)) {
                    return new int[] {a, b};
                }
            }
        }
        for (int a = 1; a < classes; a++) {
            for (int b = a; b < classes; b++) {
                for (int c = b; c < classes; c++) {
                    if ((a + b + c) % classes == need && available(ahead, a, b, c)) {
                        return new int[] {a, b, c};
                    }
                }
            }
        }
        return null;
    }

    /** Whether there is a piece at hand for each of {@code cs} (a class named twice needs two). */
    private static boolean available(ArrayDeque<Integer>[] ahead, int... cs) {
        int[] count = new int[ahead.length];
        for (int c : cs) {
            if (++count[c] > ahead[c].size()) {
                return false;
            }
        }
        return true;
    }
}
