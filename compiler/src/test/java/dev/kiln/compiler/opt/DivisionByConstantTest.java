package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.count;
import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Verifier;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Division and remainder by constants: the multiply-and-shift sequences compute exactly what Java's
 * division computes (the reference) for every divisor shape (small, large, even, odd, powers of two
 * and their negations, the N+1-bit unsigned reciprocals, the negative signed ones) on edge and
 * random dividends, run by the IR interpreter; the divisions that can trap stay divisions.
 */
class DivisionByConstantTest {
    private static final String[] OPS = {"div_s", "div_u", "rem_s", "rem_u"};

    private static Set<Long> divisors(int bits, Random rnd) {
        Set<Long> ds = new LinkedHashSet<>();
        for (long d = -130; d <= 130; d++) {
            ds.add(d);
        }
        long min = bits == 32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
        long max = bits == 32 ? Integer.MAX_VALUE : Long.MAX_VALUE;
        for (long d : new long[] {641, 1000, 3600, 6700417, 1_000_000_007, 0x7FFF_FFFF, 0x8000_0001L, 0xFFFF_FFFFL,
            0xFFFF_FFFEL, 0xFFFF_FFF9L, 274177, 0x1_0000_0001L, 10_000_000_000L, max, max - 1, min + 1, min + 7, min,
            -1_000_000_007}) {
            ds.add(bits == 32 ? (long) (int) d : d);
        }
        for (int k = 2; k < bits; k++) {
            long p = 1L << k;
            ds.add(bits == 32 ? (long) (int) p : p);
            ds.add(bits == 32 ? (long) (int) -p : -p);
            ds.add(bits == 32 ? (long) (int) (p + 1) : p + 1);
            ds.add(bits == 32 ? (long) (int) (p - 1) : p - 1);
        }
        for (int i = 0; i < 40; i++) {
            long d = bits == 32 ? rnd.nextInt() : rnd.nextLong() >> rnd.nextInt(60);
            ds.add(d);
        }
        return ds;
    }

    private static List<Long> dividends(int bits, Random rnd) {
        List<Long> xs = new ArrayList<>();
        long min = bits == 32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
        long max = bits == 32 ? Integer.MAX_VALUE : Long.MAX_VALUE;
        for (long x : new long[] {0, 1, -1, 2, -2, 7, -7, 9, 10, 99, 100, -100, 1_000_000_007, min, min + 1, max, max - 1,
            0xFFFF_FFFEL, 0x8000_0000L, 0x7FFF_FFFFL}) {
            xs.add(x);
        }
        for (int i = 0; i < 60; i++) {
            xs.add(rnd.nextLong() >> rnd.nextInt(64));
        }
        List<Long> canon = new ArrayList<>();
        for (long x : xs) {
            canon.add(bits == 32 ? (long) (int) x : x);
        }
        return canon;
    }

    private static Long reference(String op, int bits, long x, long d) {
        if (bits == 32) {
            int a = (int) x;
            int b = (int) d;
            if (b == 0 || (op.equals("div_s") && a == Integer.MIN_VALUE && b == -1)) {
                return null;
            }
            return (long) switch (op) {
                case "div_s" -> a / b;
                case "div_u" -> Integer.divideUnsigned(a, b);
                case "rem_s" -> a % b;
                default -> Integer.remainderUnsigned(a, b);
            };
        }
        if (d == 0 || (op.equals("div_s") && x == Long.MIN_VALUE && d == -1)) {
            return null;
        }
        return switch (op) {
            case "div_s" -> x / d;
            case "div_u" -> Long.divideUnsigned(x, d);
            case "rem_s" -> x % d;
            default -> Long.remainderUnsigned(x, d);
        };
    }

    @Test
    void everyDivisorShapeMatchesJavaDivision() {
        Random rnd = new Random(7);
        int checked = 0;
        for (int bits : new int[] {32, 64}) {
            String t = "i" + bits;
            List<Long> xs = dividends(bits, rnd);
            List<Long> ds = new ArrayList<>(divisors(bits, rnd));
            // one module per chunk of divisors: four functions per divisor
            for (int from = 0; from < ds.size(); from += 64) {
                List<Long> chunk = ds.subList(from, Math.min(ds.size(), from + 64));
                StringBuilder wat = new StringBuilder("(module\n");
                for (long d : chunk) {
                    for (String op : OPS) {
                        wat.append("(func (param ").append(t).append(") (result ").append(t).append(") (").append(t).append('.')
                                .append(op).append(" (local.get 0) (").append(t).append(".const ").append(d).append(")))\n");
                    }
                }
                var tr = OptTestSupport.translateAll(wat.append(')').toString());
                for (int c = 0; c < chunk.size(); c++) {
                    long d = chunk.get(c);
                    for (int o = 0; o < OPS.length; o++) {
                        IrFunction f = tr.functions().get(c * OPS.length + o);
                        Simplifier.run(f);
                        DeadCodeElimination.run(f);
                        Verifier.verify(f);
                        String op = OPS[o];
                        boolean canTrap = d == 0 || (op.equals("div_s") && d == -1);
                        int divs = count(f, Op.SDIV) + count(f, Op.UDIV) + count(f, Op.SREM) + count(f, Op.UREM);
                        long min = bits == 32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
                        if (!canTrap && d != min) {
                            assertEquals(0, divs, t + "." + op + " by " + d + " still divides:\n" + print(f));
                        }
                        for (long x : xs) {
                            Long want = reference(op, bits, x, d);
                            var out = OptTestSupport.run(tr, f, 0, x);
                            String what = t + "." + op + " " + x + " by " + d + "\n" + print(f);
                            if (want == null) {
                                assertTrue(out.trap() != 0, what);
                            } else {
                                assertEquals(0, out.trap(), what);
                                assertEquals(want, out.results().get(0), what);
                            }
                            checked++;
                        }
                    }
                }
            }
        }
        assertTrue(checked > 100_000, "checked " + checked);
    }

    @Test
    void reciprocalsFollowTheKnownValues() {
        // Hacker's Delight, table 10-1 and 10-2 (32 bits): d=7 unsigned needs the 33-bit form
        assertEquals(new DivisionByConstant.UnsignedMagic(0x24924925L, 3, true), DivisionByConstant.unsignedMagic(7, 32));
        assertEquals(new DivisionByConstant.UnsignedMagic(0xCCCCCCCDL, 3, false), DivisionByConstant.unsignedMagic(10, 32));
        assertEquals(new DivisionByConstant.SignedMagic(0x92492493L, 2), DivisionByConstant.signedMagic(7, 32));
        assertEquals(new DivisionByConstant.SignedMagic(0x66666667L, 2), DivisionByConstant.signedMagic(10, 32));
        assertEquals(new DivisionByConstant.SignedMagic(0x55555556L, 0), DivisionByConstant.signedMagic(3, 32));
        assertThrows(IllegalArgumentException.class, () -> DivisionByConstant.unsignedMagic(8, 32));
        assertThrows(IllegalArgumentException.class, () -> DivisionByConstant.signedMagic(Integer.MIN_VALUE, 32));
    }

    @Test
    void divisionByTenIsAMultiplyAndAShift() {
        IrFunction f = OptTestSupport.ir("(module (func (param i32) (result i32) (i32.div_u (local.get 0) (i32.const 10))))", 0);
        Simplifier.run(f);
        DeadCodeElimination.run(f);
        System.out.println(print(f));
        assertEquals(1, count(f, Op.UMULHI), print(f));
        assertEquals(1, count(f, Op.USHR), print(f));
        assertEquals(0, count(f, Op.UDIV), print(f));
    }
}
