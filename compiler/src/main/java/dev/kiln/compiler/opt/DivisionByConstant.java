package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.math.BigInteger;
import java.util.List;

/**
 * Division and remainder by a constant as multiplication by a fixed-point reciprocal, after
 * T. Granlund and P. Montgomery, "Division by Invariant Integers using Multiplication" (PLDI 1994),
 * §4 (unsigned) and §5 (signed), in the formulation of H. Warren, <i>Hacker's Delight</i> (2nd ed.),
 * chapter 10. The rewritten operations cannot trap, so only divisors for which Wasm's division cannot
 * trap are handled: any non-zero divisor for {@code udiv}/{@code urem}; for {@code sdiv}/{@code srem}
 * any divisor except {@code 0}, {@code -1} (which traps on {@code MIN / -1}) and {@code MIN}.
 *
 * <p>For an N-bit unsigned division by d (not a power of two, which {@link Simplifier} turns into a
 * shift), the smallest {@code s} is chosen with {@code m = ceil(2^(N+s) / d) < 2^N} and
 * {@code m*d - 2^(N+s) <= 2^s}; then {@code x / d = umulhi(x, m) >> s} for every N-bit x. When no such
 * s exists below {@code l = ceil(log2 d)}, m has N+1 bits and the quotient is
 * {@code (t + ((x - t) >> 1)) >> (l - 1)} with {@code t = umulhi(x, m - 2^N)}, unless d is even and
 * {@code d >> z} (z trailing zeros) has an N-bit reciprocal for the (N-z)-bit dividend {@code x >> z}.
 *
 * <p>For a signed division by d with {@code |d| = 2^k} the quotient is
 * {@code (x + (x >>s (k-1) >>u (N-k))) >>s k} (rounding toward zero by adding {@code 2^k - 1} to
 * negative dividends), negated for negative d. Otherwise the smallest {@code p >= N} is chosen with
 * {@code m = ceil(2^p / |d|)} and {@code m*|d| - 2^p <= 2^(p-N+1)}; then
 * {@code trunc(x / |d|) = (smulhi(x, m) [+ x when m >= 2^(N-1)]) >>s (p - N) + (x >>u (N-1))}.
 * Remainders are {@code x - (x / d) * d}. Stateless and thread-safe.
 */
public final class DivisionByConstant {
    private DivisionByConstant() {
    }

    /** An unsigned reciprocal: {@code x / d = umulhi(x, magic) >> shift}, or the N+1-bit form when {@code add}. */
    record UnsignedMagic(long magic, int shift, boolean add) {
    }

    /** A signed reciprocal for {@code |d|}: {@code magic} as an N-bit pattern, {@code shift = p - N}. */
    record SignedMagic(long magic, int shift) {
    }

    /**
     * The unsigned reciprocal of {@code d} (an N-bit pattern, {@code bits} 32 or 64).
     *
     * @throws IllegalArgumentException if d is 0 or a power of two
     */
    static UnsignedMagic unsignedMagic(long d, int bits) {
        return unsignedMagic(d, bits, bits);
    }

    /**
     * The unsigned reciprocal of {@code d} for dividends below {@code 2^dividendBits}: the exactness
     * condition relaxes to {@code m*d - 2^(N+s) <= 2^(N+s-dividendBits)} (Granlund-Montgomery, Thm 4.2).
     */
    static UnsignedMagic unsignedMagic(long d, int bits, int dividendBits) {
        BigInteger bd = unsigned(d, bits);
        if (bd.signum() == 0 || bd.bitCount() == 1) {
            throw new IllegalArgumentException("no reciprocal needed for divisor " + bd);
        }
        int l = bd.subtract(BigInteger.ONE).bitLength(); // ceil(log2 d)
        BigInteger twoN = BigInteger.ONE.shiftLeft(bits);
        for (int s = 0; s <= l; s++) {
            BigInteger pow = BigInteger.ONE.shiftLeft(bits + s);
            BigInteger m = ceilDiv(pow, bd);
            BigInteger slack = BigInteger.ONE.shiftLeft(bits + s - dividendBits);
            if (m.compareTo(twoN) < 0 && m.multiply(bd).subtract(pow).compareTo(slack) <= 0) {
                return new UnsignedMagic(m.longValue(), s, false);
            }
        }
        BigInteger m = ceilDiv(BigInteger.ONE.shiftLeft(bits + l), bd);
        return new UnsignedMagic(m.subtract(twoN).longValue(), l, true);
    }

    /**
     * The signed reciprocal of {@code |d|} (N = {@code bits}).
     *
     * @throws IllegalArgumentException if |d| is 0, 1 or a power of two, or d is MIN
     */
    static SignedMagic signedMagic(long d, int bits) {
        BigInteger ad = BigInteger.valueOf(d).abs();
        if (ad.compareTo(BigInteger.TWO) < 0 || ad.bitCount() == 1 || ad.bitLength() >= bits) {
            throw new IllegalArgumentException("no signed reciprocal for divisor " + d);
        }
        for (int p = bits; ; p++) {
            BigInteger pow = BigInteger.ONE.shiftLeft(p);
            BigInteger m = ceilDiv(pow, ad);
            if (m.multiply(ad).subtract(pow).compareTo(BigInteger.ONE.shiftLeft(p - bits + 1)) <= 0) {
                if (m.bitLength() > bits) {
                    throw new IllegalStateException("signed reciprocal of " + d + " needs more than " + bits + " bits");
                }
                return new SignedMagic(m.longValue(), p - bits);
            }
        }
    }

    /**
     * Replaces {@code inst} (an {@code sdiv udiv srem urem} at index {@code i} of {@code b} whose divisor
     * is an {@code iconst}) by the multiply-and-shift sequence, inserted at {@code i}; its result is
     * aliased to the sequence's. Returns false (and changes nothing) for divisors this class does not
     * handle (see the class comment) and for unsigned powers of two.
     */
    static boolean expand(Block b, int i, Inst inst) {
        IrType t = inst.result().type();
        int bits = t.bits();
        long d = OptUtil.iconst(inst.arg(1));
        Value x = inst.arg(0);
        Op op = inst.op();
        boolean signed = op == Op.SDIV || op == Op.SREM;
        long min = bits == 32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
        if (d == 0 || (signed && (d == -1 || d == 1 || d == min))) {
            return false;
        }
        long ud = bits == 32 ? d & 0xFFFF_FFFFL : d;
        if (!signed && ud != 0 && (ud & (ud - 1)) == 0) {
            return false;
        }
        Emitter e = new Emitter(b, i, t);
        Value q = signed ? signedQuotient(e, x, d, bits) : unsignedQuotient(e, x, d, bits);
        Value r = q;
        if (op == Op.SREM || op == Op.UREM) {
            r = e.op(Op.ISUB, x, e.op(Op.IMUL, q, e.k(d)));
        }
        inst.result().aliasTo(r);
        b.insts().remove(e.at);
        return true;
    }

    private static Value unsignedQuotient(Emitter e, Value x, long d, int bits) {
        UnsignedMagic mg = unsignedMagic(d, bits);
        long ud = bits == 32 ? d & 0xFFFF_FFFFL : d;
        int z = Long.numberOfTrailingZeros(ud);
        if (mg.add() && z > 0) {
            // an even divisor: x >> z has z fewer bits, for which d >> z may have an N-bit reciprocal
            UnsignedMagic odd = unsignedMagic(ud >>> z, bits, bits - z);
            if (!odd.add()) {
                Value t = e.op(Op.UMULHI, e.op(Op.USHR, x, e.k(z)), e.k(odd.magic()));
                return odd.shift() == 0 ? t : e.op(Op.USHR, t, e.k(odd.shift()));
            }
        }
        Value t = e.op(Op.UMULHI, x, e.k(mg.magic()));
        if (!mg.add()) {
            return mg.shift() == 0 ? t : e.op(Op.USHR, t, e.k(mg.shift()));
        }
        Value half = e.op(Op.USHR, e.op(Op.ISUB, x, t), e.k(1));
        return e.op(Op.USHR, e.op(Op.IADD, t, half), e.k(mg.shift() - 1));
    }

    private static Value signedQuotient(Emitter e, Value x, long d, int bits) {
        long ad = Math.abs(d);
        Value q;
        if ((ad & (ad - 1)) == 0) {
            int k = Long.numberOfTrailingZeros(ad);
            Value sign = k == 1 ? x : e.op(Op.SSHR, x, e.k(k - 1));
            Value bias = e.op(Op.USHR, sign, e.k(bits - k));
            q = e.op(Op.SSHR, e.op(Op.IADD, x, bias), e.k(k));
        } else {
            SignedMagic mg = signedMagic(d, bits);
            Value t = e.op(Op.SMULHI, x, e.k(mg.magic()));
            boolean negativeMagic = bits == 32 ? (int) mg.magic() < 0 : mg.magic() < 0;
            if (negativeMagic) {
                t = e.op(Op.IADD, t, x); // smulhi took m as m - 2^N
            }
            if (mg.shift() > 0) {
                t = e.op(Op.SSHR, t, e.k(mg.shift()));
            }
            q = e.op(Op.IADD, t, e.op(Op.USHR, x, e.k(bits - 1)));
        }
        return d < 0 ? e.op(Op.ISUB, e.k(0), q) : q;
    }

    private static BigInteger unsigned(long v, int bits) {
        BigInteger b = BigInteger.valueOf(v);
        return b.signum() < 0 ? b.add(BigInteger.ONE.shiftLeft(bits)).mod(BigInteger.ONE.shiftLeft(bits))
                : b.mod(BigInteger.ONE.shiftLeft(bits));
    }

    private static BigInteger ceilDiv(BigInteger a, BigInteger b) {
        BigInteger[] qr = a.divideAndRemainder(b);
        return qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    }

    /** Appends instructions of one type at a moving index of a block. */
    private static final class Emitter {
        final Block b;
        final IrType t;
        int at;

        Emitter(Block b, int at, IrType t) {
            this.b = b;
            this.at = at;
            this.t = t;
        }

        Value k(long c) {
            return OptUtil.insertIconst(b, at++, t, c);
        }

        Value op(Op op, Value a, Value c) {
            return OptUtil.insert(b, at++, op, List.of(a, c), 0, null, t).result();
        }
    }
}
