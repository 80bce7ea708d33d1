package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.FloatCond;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;

/**
 * Evaluation of IR operations on constants with exact WebAssembly semantics (spec §4.3 "Numerics"):
 * integers wrap modulo 2^N, shift and rotate counts are taken modulo the width, and operations that
 * would trap are not evaluated. Float results are computed with Java's IEEE 754 arithmetic (round to
 * nearest even, which is what Wasm requires); a result that is NaN is not folded, because Wasm lets
 * the hardware pick among several NaN bit patterns and the compiled code must match what it would
 * compute at run time. Integer values are passed and returned as {@code long}s holding the bits
 * (sign-extended for i32, as in {@code iconst}); float values as their IEEE bits ({@code f32} in the
 * low 32 bits, zero-extended, as in {@code fconst}). Stateless and thread-safe.
 */
public final class Fold {
    private Fold() {
    }

    /**
     * Evaluates a binary integer operation of type {@code t} ({@link IrType#I32} or {@link IrType#I64}).
     *
     * @return the result bits (canonical), or {@code null} if the operation would trap or is not a
     *         foldable binary integer operation
     */
    public static Long intBinary(Op op, IrType t, long a, long b) {
        boolean w32 = t == IrType.I32;
        int ia = (int) a;
        int ib = (int) b;
        long r;
        switch (op) {
            case IADD -> r = a + b;
            case ISUB -> r = a - b;
            case IMUL -> r = a * b;
            case UMULHI -> r = w32 ? ((a & 0xFFFF_FFFFL) * (b & 0xFFFF_FFFFL)) >>> 32 : Math.unsignedMultiplyHigh(a, b);
            case SMULHI -> r = w32 ? ((long) ia * ib) >> 32 : Math.multiplyHigh(a, b);
            case BAND -> r = a & b;
            case BOR -> r = a | b;
            case BXOR -> r = a ^ b;
            case ISHL -> r = w32 ? ia << (ib & 31) : a << (b & 63);
            case SSHR -> r = w32 ? ia >> (ib & 31) : a >> (b & 63);
            case USHR -> r = w32 ? ia >>> (ib & 31) : a >>> (b & 63);
            case ROTL -> r = w32 ? Integer.rotateLeft(ia, ib) : Long.rotateLeft(a, (int) b);
            case ROTR -> r = w32 ? Integer.rotateRight(ia, ib) : Long.rotateRight(a, (int) b);
            case SDIV -> {
                if (w32 ? ib == 0 || (ia == Integer.MIN_VALUE && ib == -1) : b == 0 || (a == Long.MIN_VALUE && b == -1)) {
                    return null;
                }
                r = w32 ? ia / ib : a / b;
            }
            case UDIV -> {
                if (w32 ? ib == 0 : b == 0) {
                    return null;
                }
                r = w32 ? Integer.divideUnsigned(ia, ib) : Long.divideUnsigned(a, b);
            }
            case SREM -> {
                if (w32 ? ib == 0 : b == 0) {
                    return null;
                }
                r = w32 ? ia % ib : a % b; // Java: MIN % -1 == 0, as in Wasm
            }
            case UREM -> {
                if (w32 ? ib == 0 : b == 0) {
                    return null;
                }
                r = w32 ? Integer.remainderUnsigned(ia, ib) : Long.remainderUnsigned(a, b);
            }
            default -> {
                return null;
            }
        }
        return OptUtil.canon(t, r);
    }

    /**
     * Evaluates a unary integer operation: {@code clz ctz popcnt bswap} (type t), {@code uextend sextend}
     * (i32 to i64), {@code ireduce} (i64 to i32), {@code sextend_low} (width {@code imm}).
     *
     * @param t the result type
     * @return the result bits, or {@code null} if {@code op} is none of these
     */
    public static Long intUnary(Op op, IrType t, long a, long imm) {
        boolean w32 = t == IrType.I32;
        long r;
        switch (op) {
            case CLZ -> r = w32 ? Integer.numberOfLeadingZeros((int) a) : Long.numberOfLeadingZeros(a);
            case CTZ -> r = w32 ? Integer.numberOfTrailingZeros((int) a) : Long.numberOfTrailingZeros(a);
            case POPCNT -> r = w32 ? Integer.bitCount((int) a) : Long.bitCount(a);
            case BSWAP -> r = w32 ? Integer.reverseBytes((int) a) : Long.reverseBytes(a);
            case UEXTEND -> r = a & 0xFFFF_FFFFL;
            case SEXTEND, IREDUCE -> r = (int) a;
            case SEXTEND_LOW -> {
                if (imm == 8) {
                    r = (byte) a;
                } else if (imm == 16) {
                    r = (short) a;
                } else if (imm == 32) {
                    r = (int) a;
                } else {
                    return null;
                }
            }
            default -> {
                return null;
            }
        }
        return OptUtil.canon(t, r);
    }

    /** {@code icmp.cond a, b} on integers of type {@code t}: 1 or 0. */
    public static long icmp(Cond cond, IrType t, long a, long b) {
        return cond.eval(a, b, t.bits()) ? 1 : 0;
    }

    private static double toDouble(IrType t, long bits) {
        return t == IrType.F32 ? Float.intBitsToFloat((int) bits) : Double.longBitsToDouble(bits);
    }

    private static boolean isNaN(IrType t, long bits) {
        return Double.isNaN(toDouble(t, bits));
    }

    /** The {@code fconst} bits of {@code d} as a value of type {@code t} ({@code d} must be exact in t). */
    private static long bitsOf(IrType t, double d) {
        return t == IrType.F32 ? Float.floatToRawIntBits((float) d) & 0xFFFF_FFFFL : Double.doubleToRawLongBits(d);
    }

    /**
     * Evaluates a float operation with float result of type {@code t}: binary {@code fadd fsub fmul
     * fdiv fmin fmax fcopysign}, unary {@code fsqrt fabs fneg fceil ffloor ftrunc fnearest}
     * ({@code b} ignored).
     *
     * @return the result bits, or {@code null} if the result (or an operand of an arithmetic
     *         operation) is NaN or {@code op} is none of these
     */
    public static Long floatOp(Op op, IrType t, long a, long b) {
        boolean f32 = t == IrType.F32;
        // sign-bit operations are exact on every bit pattern, NaNs included (spec: fneg, fabs, fcopysign)
        long sign = f32 ? 0x8000_0000L : Long.MIN_VALUE;
        long mask = f32 ? 0xFFFF_FFFFL : -1L;
        switch (op) {
            case FNEG -> {
                return (a ^ sign) & mask;
            }
            case FABS -> {
                return a & ~sign & mask;
            }
            case FCOPYSIGN -> {
                return ((a & ~sign) | (b & sign)) & mask;
            }
            default -> {
            }
        }
        if (isNaN(t, a) || isNaN(t, b)) {
            return null;
        }
        double r;
        if (f32) {
            float x = Float.intBitsToFloat((int) a);
            float y = Float.intBitsToFloat((int) b);
            float v;
            switch (op) {
                case FADD -> v = x + y;
                case FSUB -> v = x - y;
                case FMUL -> v = x * y;
                case FDIV -> v = x / y;
                case FMIN -> v = Math.min(x, y);
                case FMAX -> v = Math.max(x, y);
                // sqrt, ceil, floor, trunc and nearest of a float computed in double round back exactly
                case FSQRT -> v = (float) Math.sqrt(x);
                case FCEIL -> v = (float) Math.ceil(x);
                case FFLOOR -> v = (float) Math.floor(x);
                case FTRUNC -> v = (float) (x < 0 ? Math.ceil(x) : Math.floor(x));
                case FNEAREST -> v = (float) Math.rint(x);
                default -> {
                    return null;
                }
            }
            r = v;
        } else {
            double x = Double.longBitsToDouble(a);
            double y = Double.longBitsToDouble(b);
            switch (op) {
                case FADD -> r = x + y;
                case FSUB -> r = x - y;
                case FMUL -> r = x * y;
                case FDIV -> r = x / y;
                case FMIN -> r = Math.min(x, y);
                case FMAX -> r = Math.max(x, y);
                case FSQRT -> r = Math.sqrt(x);
                case FCEIL -> r = Math.ceil(x);
                case FFLOOR -> r = Math.floor(x);
                case FTRUNC -> r = x < 0 ? Math.ceil(x) : Math.floor(x);
                case FNEAREST -> r = Math.rint(x);
                default -> {
                    return null;
                }
            }
        }
        if (Double.isNaN(r)) {
            return null;
        }
        return bitsOf(t, r);
    }

    /** {@code fcmp.cond a, b} on floats of type {@code t}: 1 or 0 (NaN operands compare unordered). */
    public static long fcmp(FloatCond cond, IrType t, long a, long b) {
        return cond.eval(toDouble(t, a), toDouble(t, b)) ? 1 : 0;
    }

    /**
     * Evaluates a conversion: {@code fpromote fdemote} (float to float), {@code fcvt_from_sint
     * fcvt_from_uint} (integer of type {@code from} to float {@code to}), the trapping and saturating
     * {@code fcvt_to_*} (float to integer), {@code bitcast}.
     *
     * @return the result bits, or {@code null} if the conversion would trap, would give NaN, or is not
     *         folded (u64 to float above 2^63)
     */
    public static Long convert(Op op, IrType from, IrType to, long a) {
        switch (op) {
            case BITCAST -> {
                if (to == IrType.I32) {
                    return (long) (int) a;
                }
                if (to == IrType.F32) {
                    return a & 0xFFFF_FFFFL;
                }
                return a;
            }
            case FPROMOTE, FDEMOTE -> {
                if (isNaN(from, a)) {
                    return null;
                }
                return bitsOf(to, to == IrType.F32 ? (float) toDouble(from, a) : toDouble(from, a));
            }
            case FCVT_FROM_SINT -> {
                long v = from == IrType.I32 ? (int) a : a;
                return to == IrType.F32 ? bitsOf(to, (float) v) : bitsOf(to, (double) v);
            }
            case FCVT_FROM_UINT -> {
                long v = from == IrType.I32 ? a & 0xFFFF_FFFFL : a;
                if (v < 0) {
                    return null; // u64 at or above 2^63: Java has no unsigned conversion; left to run time
                }
                return to == IrType.F32 ? bitsOf(to, (float) v) : bitsOf(to, (double) v);
            }
            case FCVT_TO_SINT, FCVT_TO_UINT, FCVT_TO_SINT_SAT, FCVT_TO_UINT_SAT -> {
                double d = toDouble(from, a);
                boolean sat = op == Op.FCVT_TO_SINT_SAT || op == Op.FCVT_TO_UINT_SAT;
                boolean signed = op == Op.FCVT_TO_SINT || op == Op.FCVT_TO_SINT_SAT;
                if (Double.isNaN(d)) {
                    return sat ? 0L : null;
                }
                double t = d < 0 ? Math.ceil(d) : Math.floor(d);
                boolean w32 = to == IrType.I32;
                // exact bounds: [min, max] of the target as doubles (2^31, 2^32, 2^63, 2^64 are exact)
                double lo = signed ? (w32 ? -0x1p31 : -0x1p63) : 0;
                double hiExclusive = signed ? (w32 ? 0x1p31 : 0x1p63) : (w32 ? 0x1p32 : 0x1p64);
                long minBits = signed ? (w32 ? Integer.MIN_VALUE : Long.MIN_VALUE) : 0;
                long maxBits = signed ? (w32 ? Integer.MAX_VALUE : Long.MAX_VALUE) : (w32 ? 0xFFFF_FFFFL : -1L);
                if (t < lo) {
                    return sat ? OptUtil.canon(to, minBits) : null;
                }
                if (t >= hiExclusive) {
                    return sat ? OptUtil.canon(to, maxBits) : null;
                }
                long r;
                if (!signed && !w32 && t >= 0x1p63) {
                    r = (long) (t - 0x1p63) + Long.MIN_VALUE;
                } else {
                    r = (long) t;
                }
                return OptUtil.canon(to, r);
            }
            default -> {
                return null;
            }
        }
    }
}
