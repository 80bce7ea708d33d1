package dev.kiln.compiler.text;

import java.math.BigInteger;

/**
 * Conversion of numeric tokens of the text format (spec §6.3.2 "Numbers") to raw bits.
 *
 * <p>Integers may have a sign, {@code 0x} hex digits and {@code _} between digits. Floats are decimal
 * or hexadecimal (with {@code p} binary exponent), {@code inf}, {@code nan} (the canonical NaN: only the
 * top mantissa bit set) or {@code nan:0xN} (payload {@code 1 <= N < 2^mantissaBits}). Float values are
 * rounded exactly to the nearest representable value, ties to even, including subnormals; a value that
 * rounds to infinity is rejected. All methods are pure and thread-safe; errors are
 * {@link TextFormatException}s without a position ({@code line() == 0}), which the parsers re-throw
 * with the token's position.
 */
public final class Literals {
    private Literals() {
    }

    private static TextFormatException outOfRange() {
        return new TextFormatException("constant out of range", 0, 0);
    }

    private static TextFormatException unexpected() {
        return new TextFormatException("unexpected token", 0, 0);
    }

    /** The integer value of an unsigned or signed integer token, or {@code null} if it is not an integer. */
    static BigInteger integerValue(String text) {
        String s = text;
        boolean neg = false;
        if (s.startsWith("+") || s.startsWith("-")) {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        int radix = 10;
        if (s.startsWith("0x")) {
            radix = 16;
            s = s.substring(2);
        }
        if (s.isEmpty() || s.startsWith("_") || s.endsWith("_") || s.contains("__")) {
            return null;
        }
        s = s.replace("_", "");
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), radix) < 0) {
                return null;
            }
        }
        BigInteger v = new BigInteger(s, radix);
        return neg ? v.negate() : v;
    }

    /** {@code true} if the token text is an integer literal (no fraction, no exponent). */
    public static boolean isInteger(String text) {
        return integerValue(text) != null;
    }

    /**
     * An {@code iN} literal (spec: {@code uN} without sign, or {@code sN} with sign) as raw two's
     * complement bits in the low {@code bits} bits of the result (sign-extended for {@code bits == 64},
     * zero-extended otherwise).
     *
     * @param bits 8, 16, 32 or 64
     * @throws TextFormatException {@code unexpected token} if not an integer, {@code constant out of range}
     *     if outside {@code [-2^(bits-1), 2^bits - 1]} (signed forms: {@code [-2^(bits-1), 2^(bits-1) - 1]})
     */
    public static long parseInt(String text, int bits) {
        BigInteger v = integerValue(text);
        if (v == null) {
            throw unexpected();
        }
        boolean signed = text.startsWith("-") || text.startsWith("+");
        BigInteger min = BigInteger.ONE.shiftLeft(bits - 1).negate();
        BigInteger max = signed ? BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE)
                : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
        if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
            throw outOfRange();
        }
        long raw = v.longValue();
        return bits == 64 ? raw : raw & ((1L << bits) - 1);
    }

    /**
     * A {@code uN} literal (no sign allowed) as an unsigned value.
     *
     * @param bits 32 or 64
     * @throws TextFormatException {@code unexpected token} if not an unsigned integer,
     *     {@code constant out of range} if {@code >= 2^bits}
     */
    public static long parseUnsigned(String text, int bits) {
        if (text.startsWith("+") || text.startsWith("-")) {
            throw unexpected();
        }
        BigInteger v = integerValue(text);
        if (v == null) {
            throw unexpected();
        }
        if (v.bitLength() > bits) {
            throw outOfRange();
        }
        return v.longValue();
    }

    /** An {@code f32} literal as IEEE 754 binary32 bits (see class doc). */
    public static int parseF32Bits(String text) {
        return (int) parseFloatBits(text, 23, 8);
    }

    /** An {@code f64} literal as IEEE 754 binary64 bits (see class doc). */
    public static long parseF64Bits(String text) {
        return parseFloatBits(text, 52, 11);
    }

    /**
     * Parses a float literal into an IEEE 754 binary format with {@code mantBits} stored mantissa bits
     * and {@code expBits} exponent bits, rounding to nearest, ties to even.
     *
     * @throws TextFormatException {@code unexpected token} if the text is not a number,
     *     {@code constant out of range} on overflow or a NaN payload out of range
     */
    static long parseFloatBits(String text, int mantBits, int expBits) {
        String s = text;
        long sign = 0;
        if (s.startsWith("+") || s.startsWith("-")) {
            if (s.charAt(0) == '-') {
                sign = 1L << (mantBits + expBits);
            }
            s = s.substring(1);
        }
        long expAllOnes = ((1L << expBits) - 1) << mantBits;
        if (s.equals("inf")) {
            return sign | expAllOnes;
        }
        if (s.equals("nan")) {
            return sign | expAllOnes | (1L << (mantBits - 1));
        }
        if (s.startsWith("nan:0x")) {
            BigInteger payload = integerValue(s.substring(4));
            if (payload == null) {
                throw unexpected();
            }
            if (payload.signum() == 0 || payload.bitLength() > mantBits) {
                throw outOfRange();
            }
            return sign | expAllOnes | payload.longValue();
        }
        boolean hex = s.startsWith("0x");
        if (hex) {
            s = s.substring(2);
        }
        char expChar = hex ? 'p' : 'e';
        int e = s.toLowerCase().indexOf(expChar);
        String mant = e >= 0 ? s.substring(0, e) : s;
        String expPart = e >= 0 ? s.substring(e + 1) : "0";
        int dot = mant.indexOf('.');
        String intPart = dot >= 0 ? mant.substring(0, dot) : mant;
        String fracPart = dot >= 0 ? mant.substring(dot + 1) : "";
        int radix = hex ? 16 : 10;
        if (!digitsOk(intPart, radix, false) || !digitsOk(fracPart, radix, true)) {
            throw unexpected();
        }
        BigInteger exp = integerValue(expPart.startsWith("+") ? expPart.substring(1) : expPart);
        if (exp == null || expPart.contains("0x")) {
            throw unexpected();
        }
        String digits = (intPart + fracPart).replace("_", "");
        BigInteger num = new BigInteger(digits, radix);
        int fracDigits = fracPart.replace("_", "").length();
        if (num.signum() == 0) {
            return sign;
        }
        // decimal: value = num * 10^(exp - fracDigits); hex: value = num * 2^(exp - 4 * fracDigits)
        BigInteger scale = hex ? exp.subtract(BigInteger.valueOf(4L * fracDigits))
                : exp.subtract(BigInteger.valueOf(fracDigits));
        int bias = (1 << (expBits - 1)) - 1;
        long maxMag = (long) bias + 2;               // values >= 2^maxMag overflow for sure
        long minMag = -((long) bias + mantBits + 2); // values < 2^minMag round to zero for sure
        double log2Base = hex ? 1 : Math.log(10) / Math.log(2);
        long limit = 4L * digits.length() + 100_000;
        if (scale.compareTo(BigInteger.valueOf(limit)) > 0) {
            throw outOfRange();
        }
        if (scale.compareTo(BigInteger.valueOf(-limit)) < 0) {
            return sign;
        }
        long sc = scale.longValue();
        double approxLog2 = num.bitLength() + sc * log2Base;
        if (approxLog2 > maxMag + 8) {
            throw outOfRange();
        }
        if (approxLog2 + 8 < minMag) {
            return sign;
        }
        BigInteger n = num;
        BigInteger d = BigInteger.ONE;
        if (hex) {
            if (sc >= 0) {
                n = n.shiftLeft((int) sc);
            } else {
                d = d.shiftLeft((int) -sc);
            }
        } else {
            if (sc >= 0) {
                n = n.multiply(BigInteger.TEN.pow((int) sc));
            } else {
                d = BigInteger.TEN.pow((int) -sc);
            }
        }
        return sign | roundToBits(n, d, mantBits, expBits);
    }

    private static boolean digitsOk(String part, int radix, boolean mayBeEmpty) {
        if (part.isEmpty()) {
            return mayBeEmpty;
        }
        if (part.startsWith("_") || part.endsWith("_") || part.contains("__")) {
            return false;
        }
        for (int i = 0; i < part.length(); i++) {
            char ch = part.charAt(i);
            if (ch != '_' && Character.digit(ch, radix) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Rounds the positive rational {@code n/d} to the binary format; returns the unsigned bits. */
    private static long roundToBits(BigInteger n, BigInteger d, int mantBits, int expBits) {
        int p = mantBits + 1;
        int bias = (1 << (expBits - 1)) - 1;
        int emin = -(bias + mantBits - 1);
        long e = (long) n.bitLength() - d.bitLength() - p;
        BigInteger[] qr = divScaled(n, d, e);
        if (qr[0].bitLength() > p) {
            e++;
            qr = divScaled(n, d, e);
        } else if (qr[0].bitLength() < p) {
            e--;
            qr = divScaled(n, d, e);
        }
        if (e < emin) {
            e = emin;
            qr = divScaled(n, d, e);
        }
        BigInteger q = qr[0];
        BigInteger twiceRem = qr[1].shiftLeft(1);
        BigInteger divisor = qr[2];
        int cmp = twiceRem.compareTo(divisor);
        if (cmp > 0 || (cmp == 0 && q.testBit(0))) {
            q = q.add(BigInteger.ONE);
        }
        if (q.bitLength() > p) {
            q = q.shiftRight(1);
            e++;
        }
        long qv = q.longValue();
        if (q.bitLength() < p) {
            return qv; // subnormal or zero: biased exponent 0
        }
        long biased = e + mantBits + bias;
        if (biased >= (1L << expBits) - 1) {
            throw outOfRange();
        }
        return (biased << mantBits) | (qv & ((1L << mantBits) - 1));
    }

    /** {@code [floor(n / (d * 2^e)), remainder, divisor]} with the division done on integers. */
    private static BigInteger[] divScaled(BigInteger n, BigInteger d, long e) {
        BigInteger nn = n;
        BigInteger dd = d;
        if (e >= 0) {
            dd = dd.shiftLeft((int) e);
        } else {
            nn = nn.shiftLeft((int) -e);
        }
        BigInteger[] qr = nn.divideAndRemainder(dd);
        return new BigInteger[] {qr[0], qr[1], dd};
    }
}
