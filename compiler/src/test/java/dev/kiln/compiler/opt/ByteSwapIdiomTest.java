package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.count;
import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Verifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Byte swaps written with shifts, masks and ors become {@code bswap} ({@link ByteSwapIdiom}, through
 * {@link Simplifier}): the forms clang emits for {@code __builtin_bswap32/64} and big-endian loads
 * become one {@code bswap} (plus a shift or mask for partial swaps), checked against
 * {@link Integer#reverseBytes}/{@link Long#reverseBytes} by the IR interpreter; rotates, two-source
 * trees and random trees of the same operations keep their values.
 */
class ByteSwapIdiomTest {
    private static final long[] INPUTS = {0, 1, -1, 0x0102_0304L, 0x8000_0000L, 0x7FFF_FFFFL, 0x0123_4567_89AB_CDEFL,
        0xFEDC_BA98_7654_3210L, Long.MIN_VALUE, 0xFFL, 0xFF00L};

    /** Simplifies function {@code index} of {@code wat} and checks it against the unsimplified one on many inputs. */
    private static IrFunction simplifiedAndChecked(String wat, int params, Random rnd) {
        var before = OptTestSupport.translateAll(wat);
        var after = OptTestSupport.translateAll(wat);
        IrFunction f = after.functions().get(0);
        Simplifier.run(f);
        DeadCodeElimination.run(f);
        Verifier.verify(f);
        List<long[]> args = new ArrayList<>();
        for (long a : INPUTS) {
            for (long b : INPUTS) {
                args.add(new long[] {a, b});
            }
        }
        for (int i = 0; i < 200; i++) {
            args.add(new long[] {rnd.nextLong(), rnd.nextLong()});
        }
        for (long[] a : args) {
            long[] p = params == 1 ? new long[] {a[0]} : a;
            if (wat.contains("(param i32")) {
                for (int k = 0; k < p.length; k++) {
                    p[k] = (int) p[k];
                }
            }
            var want = OptTestSupport.run(before, before.functions().get(0), 0, p);
            var got = OptTestSupport.run(after, f, 0, p);
            assertEquals(want.results(), got.results(), wat + "\n" + print(f));
        }
        return f;
    }

    private static long eval(String wat, long x) {
        var t = OptTestSupport.translateAll(wat);
        IrFunction f = t.functions().get(0);
        Simplifier.run(f);
        DeadCodeElimination.run(f);
        return OptTestSupport.run(t, f, 0, x).results().get(0);
    }

    @Test
    void clangsBswap32IsOneInstruction() {
        String wat = """
                (module (func (param i32) (result i32)
                  (i32.or
                    (i32.or (i32.shl (local.get 0) (i32.const 24))
                            (i32.shl (i32.and (local.get 0) (i32.const 0xff00)) (i32.const 8)))
                    (i32.or (i32.and (i32.shr_u (local.get 0) (i32.const 8)) (i32.const 0xff00))
                            (i32.shr_u (local.get 0) (i32.const 24))))))
                """;
        IrFunction f = simplifiedAndChecked(wat, 1, new Random(1));
        assertEquals(1, count(f, Op.BSWAP), print(f));
        assertEquals(0, count(f, Op.BOR) + count(f, Op.ISHL) + count(f, Op.USHR) + count(f, Op.BAND), print(f));
        for (long x : INPUTS) {
            assertEquals((long) Integer.reverseBytes((int) x), eval(wat, (int) x));
        }
    }

    @Test
    void aChainOfEightBytesIsBswap64() {
        StringBuilder e = new StringBuilder("(i64.shl (local.get 0) (i64.const 56))");
        for (int k = 1; k < 8; k++) {
            int shift = 56 - 16 * k;
            String piece = shift > 0
                    ? "(i64.shl (i64.and (local.get 0) (i64.const " + (0xFFL << (8 * k)) + ")) (i64.const " + shift + "))"
                    : "(i64.and (i64.shr_u (local.get 0) (i64.const " + -shift + ")) (i64.const " + (0xFFL << (8 * (7 - k))) + "))";
            e = new StringBuilder("(i64.or " + e + " " + piece + ")");
        }
        String wat = "(module (func (param i64) (result i64) " + e + "))";
        IrFunction f = simplifiedAndChecked(wat, 1, new Random(2));
        assertEquals(1, count(f, Op.BSWAP), print(f));
        assertEquals(0, count(f, Op.BOR), print(f));
        for (long x : INPUTS) {
            assertEquals(Long.reverseBytes(x), eval(wat, x));
        }
    }

    @Test
    void aSwapOfTheLowHalfIsBswapAndOneShift() {
        // bswap16 of the low half: ((x & 0xff) << 8) | ((x >> 8) & 0xff) = bswap(x) >> 16
        String wat = """
                (module (func (param i32) (result i32)
                  (i32.or (i32.shl (i32.and (local.get 0) (i32.const 0xff)) (i32.const 8))
                          (i32.and (i32.shr_u (local.get 0) (i32.const 8)) (i32.const 0xff)))))
                """;
        IrFunction f = simplifiedAndChecked(wat, 1, new Random(3));
        assertEquals(1, count(f, Op.BSWAP), print(f));
        assertEquals(1, count(f, Op.USHR), print(f));
        assertEquals(0, count(f, Op.BOR) + count(f, Op.BAND) + count(f, Op.ISHL), print(f));
    }

    @Test
    void theHighBytesSwappedInPlaceAreBswapAndAMask() {
        // bytes 0 and 1 of x swapped into bytes 3 and 2, the rest zero: bswap(x) & 0xffff0000
        String wat = """
                (module (func (param i32) (result i32)
                  (i32.or (i32.shl (local.get 0) (i32.const 24))
                          (i32.shl (i32.and (local.get 0) (i32.const 0xff00)) (i32.const 8)))))
                """;
        IrFunction f = simplifiedAndChecked(wat, 1, new Random(4));
        assertEquals(1, count(f, Op.BSWAP), print(f));
        assertEquals(1, count(f, Op.BAND), print(f));
        assertEquals(0, count(f, Op.BOR), print(f));
    }

    @Test
    void rotatesAndTwoSourcesAreNotSwaps() {
        String rotate = """
                (module (func (param i32) (result i32)
                  (i32.or (i32.shl (local.get 0) (i32.const 8)) (i32.shr_u (local.get 0) (i32.const 24)))))
                """;
        assertEquals(0, count(simplifiedAndChecked(rotate, 1, new Random(5)), Op.BSWAP));
        String twoSources = """
                (module (func (param i32 i32) (result i32)
                  (i32.or
                    (i32.or (i32.shl (local.get 0) (i32.const 24))
                            (i32.shl (i32.and (local.get 1) (i32.const 0xff00)) (i32.const 8)))
                    (i32.or (i32.and (i32.shr_u (local.get 0) (i32.const 8)) (i32.const 0xff00))
                            (i32.shr_u (local.get 1) (i32.const 24))))))
                """;
        IrFunction f = simplifiedAndChecked(twoSources, 2, new Random(6));
        assertEquals(0, count(f, Op.BSWAP), print(f));
        String overlapping = """
                (module (func (param i32) (result i32)
                  (i32.or (i32.shl (local.get 0) (i32.const 24)) (i32.shl (local.get 0) (i32.const 16)))))
                """;
        assertEquals(0, count(simplifiedAndChecked(overlapping, 1, new Random(7)), Op.BSWAP));
    }

    /** Random trees of the operations the analysis follows keep their values, whatever it rewrites. */
    @Test
    void randomTreesOfByteOperationsKeepTheirValues() {
        Random rnd = new Random(42);
        int swaps = 0;
        for (int n = 0; n < 300; n++) {
            boolean i64 = rnd.nextBoolean();
            String t = i64 ? "i64" : "i32";
            int w = i64 ? 8 : 4;
            String body = n % 2 == 0 ? tree(rnd, t, w, 4) : swapLike(rnd, t, w);
            String wat = "(module (func (param " + t + " " + t + ") (result " + t + ") " + body + "))";
            swaps += count(simplifiedAndChecked(wat, 2, rnd), Op.BSWAP);
        }
        assertTrue(swaps > 0, "no random tree was a byte swap: the generator no longer exercises the rewrite");
    }

    /**
     * An or of pieces that each move one byte of the first parameter to where a byte swap shifted by
     * a random number of bytes puts it; sometimes one piece is off by a byte or reads the second
     * parameter.
     */
    private static String swapLike(Random rnd, String t, int w) {
        int shift = rnd.nextInt(3) == 0 ? rnd.nextInt(2 * w - 1) - (w - 1) : 0;
        String e = null;
        for (int i = 0; i < w; i++) {
            int j = w - 1 - i - shift; // the source byte of result byte i
            if (j < 0 || j >= w || rnd.nextInt(6) == 0) {
                continue;
            }
            if (rnd.nextInt(20) == 0) {
                j = (j + 1) % w;
            }
            String x = rnd.nextInt(20) == 0 ? "(local.get 1)" : "(local.get 0)";
            long byteMask = 0xFFL << (8 * j);
            long resultMask = 0xFFL << (8 * i);
            int move = 8 * (i - j); // left when positive
            String piece;
            if (move == 0) {
                piece = "(" + t + ".and " + x + " (" + t + ".const " + c(w, byteMask) + "))";
            } else if (move > 0 && rnd.nextBoolean()) {
                piece = "(" + t + ".shl (" + t + ".and " + x + " (" + t + ".const " + c(w, byteMask) + ")) (" + t + ".const "
                        + move + "))";
            } else if (move > 0) {
                piece = "(" + t + ".and (" + t + ".rotl " + x + " (" + t + ".const " + move + ")) (" + t + ".const "
                        + c(w, resultMask) + "))";
            } else {
                piece = "(" + t + ".and (" + t + ".shr_u " + x + " (" + t + ".const " + -move + ")) (" + t + ".const "
                        + c(w, resultMask) + "))";
            }
            e = e == null ? piece : rnd.nextBoolean() ? "(" + t + ".or " + e + " " + piece + ")"
                    : "(" + t + ".or " + piece + " " + e + ")";
        }
        return e == null ? "(local.get 0)" : e;
    }

    private static long c(int w, long mask) {
        return w == 4 ? (int) mask : mask;
    }

    private static String tree(Random rnd, String t, int w, int depth) {
        if (depth == 0 || rnd.nextInt(5) == 0) {
            return rnd.nextInt(6) == 0 ? "(local.get 1)" : "(local.get 0)";
        }
        int k = 8 * rnd.nextInt(w);
        return switch (rnd.nextInt(6)) {
            case 0, 1 -> "(" + t + ".or " + tree(rnd, t, w, depth - 1) + " " + tree(rnd, t, w, depth - 1) + ")";
            case 2 -> {
                long mask = 0;
                for (int i = 0; i < w; i++) {
                    if (rnd.nextBoolean()) {
                        mask |= 0xFFL << (8 * i);
                    }
                }
                if (rnd.nextInt(8) == 0) {
                    mask ^= 0x10; // not a byte mask
                }
                yield "(" + t + ".and " + tree(rnd, t, w, depth - 1) + " (" + t + ".const " + (w == 4 ? (int) mask : mask)
                        + "))";
            }
            case 3 -> "(" + t + ".shl " + tree(rnd, t, w, depth - 1) + " (" + t + ".const " + k + "))";
            case 4 -> "(" + t + ".shr_u " + tree(rnd, t, w, depth - 1) + " (" + t + ".const " + k + "))";
            default -> "(" + t + (rnd.nextBoolean() ? ".rotl " : ".rotr ") + tree(rnd, t, w, depth - 1) + " (" + t
                    + ".const " + k + "))";
        };
    }
}
