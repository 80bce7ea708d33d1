package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.FloatCond;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.LaneOps;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.wasm.Opcode;

/**
 * Constant folding over vectors: the value of a lane-wise operation ({@link LaneOps}) or of a
 * {@link Op#SIMD} constructor, lane accessor or bitwise operation whose operands are constants
 * ({@code v128.const}, {@code iconst}, {@code fconst}), computed lane by lane with the scalar
 * folding rules of {@link Fold} (Wasm 2.0 §4.4.3: each lane as the scalar instruction of that
 * shape; NaN results as {@link Fold#floatOp} gives them, a canonical NaN, which the spec allows
 * wherever a lane's result is a NaN). A vector constant is two i64 halves, lane 0 in the low bits of
 * the first (little-endian lane order). Stateless and thread-safe.
 */
final class VectorFold {
    private VectorFold() {
    }

    /** Whether {@code v} is a {@code v128.const} (a {@code simd} with two {@code iconst} halves). */
    static boolean isConst(Value v) {
        Inst d = v.definingInst();
        return d != null && d.op() == Op.SIMD && d.imm() == Opcode.V128_CONST.code()
                && OptUtil.isIconst(d.arg(0)) && OptUtil.isIconst(d.arg(1));
    }

    /** The {low, high} halves of {@code v128.const} {@code v} (see {@link #isConst}). */
    static long[] constOf(Value v) {
        Inst d = v.definingInst();
        return new long[] {OptUtil.iconst(d.arg(0)), OptUtil.iconst(d.arg(1))};
    }

    /** Lane {@code k} of {@code bits} width of {@code v}, zero-extended. */
    static long lane(long[] v, int k, int bits) {
        int at = k * bits;
        long x = v[at >>> 6] >>> (at & 63);
        return bits == 64 ? x : x & ((1L << bits) - 1);
    }

    private static void setLane(long[] v, int k, int bits, long x) {
        int at = k * bits;
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        v[at >>> 6] = v[at >>> 6] & ~(mask << (at & 63)) | (x & mask) << (at & 63);
    }

    private static long sext(long x, int bits) {
        return bits == 64 ? x : x << (64 - bits) >> (64 - bits);
    }

    /** What a folded instruction becomes: a vector constant, or a scalar constant of the result type. */
    record Result(long[] vector, long scalar) {
    }

    /**
     * The constant {@code inst} computes, or {@code null} when an operand is not constant, the
     * operation is not folded here, or a lane's value is left to run time (as {@link Fold} leaves it).
     */
    static Result fold(Inst inst) {
        if (LaneOps.isLaneOp(inst)) {
            long[] v = laneOp(inst);
            return v == null ? null : new Result(v, 0);
        }
        if (inst.op() == Op.SIMD && inst.resultCount() == 1) {
            return simd(inst);
        }
        return null;
    }

    private static long[] laneOp(Inst inst) {
        Op op = inst.op();
        IrType t = inst.result().type();
        boolean shift = op == Op.ISHL || op == Op.SSHR || op == Op.USHR;
        for (int a = 0; a < inst.args().size(); a++) {
            if (shift && a == 1 ? !OptUtil.isIconst(inst.arg(1)) : !isConst(inst.arg(a))) {
                return null;
            }
        }
        long[] x = constOf(inst.arg(0));
        long[] y = inst.args().size() > 1 && !shift ? constOf(inst.arg(1)) : null;
        switch (op) {
            case BAND, BOR, BXOR -> {
                long[] r = new long[2];
                for (int h = 0; h < 2; h++) {
                    r[h] = op == Op.BAND ? x[h] & y[h] : op == Op.BOR ? x[h] | y[h] : x[h] ^ y[h];
                }
                return r;
            }
            default -> {
            }
        }
        int bits = t.laneBits();
        long[] r = new long[2];
        for (int k = 0; k < t.lanes(); k++) {
            Long lane = lane(inst, op, t, bits, x, y, k);
            if (lane == null) {
                return null;
            }
            setLane(r, k, bits, lane);
        }
        return r;
    }

    private static Long lane(Inst inst, Op op, IrType t, int bits, long[] x, long[] y, int k) {
        long a = lane(x, k, bits);
        long b = y == null ? 0 : lane(y, k, bits);
        long ones = bits == 64 ? -1L : (1L << bits) - 1;
        return switch (op) {
            case IADD -> a + b;
            case ISUB -> a - b;
            case IMUL -> a * b;
            case ISHL -> a << (OptUtil.iconst(inst.arg(1)) & (bits - 1));
            case USHR -> a >>> (OptUtil.iconst(inst.arg(1)) & (bits - 1));
            case SSHR -> sext(a, bits) >> (OptUtil.iconst(inst.arg(1)) & (bits - 1));
            case POPCNT -> (long) Long.bitCount(a);
            case ICMP -> {
                Cond c = inst.cond();
                boolean signed = c == Cond.SLT || c == Cond.SGT || c == Cond.SLE || c == Cond.SGE;
                yield c.eval(signed ? sext(a, bits) : a, signed ? sext(b, bits) : b, 64) ? ones : 0L;
            }
            case FADD, FSUB, FMUL, FDIV, FMIN, FMAX, FSQRT, FABS, FNEG, FCEIL, FFLOOR, FTRUNC, FNEAREST ->
                    Fold.floatOp(op, t.laneType(), a, b);
            case FCMP -> Fold.fcmp(FloatCond.values()[(int) inst.imm()], bits == 32 ? IrType.F32 : IrType.F64, a, b) != 0
                    ? ones : 0L;
            case FCVT_FROM_SINT, FCVT_FROM_UINT -> Fold.convert(op, IrType.I32, IrType.F32, (int) a);
            case FCVT_TO_SINT_SAT, FCVT_TO_UINT_SAT -> Fold.convert(op, IrType.F32, IrType.I32, a);
            default -> null;
        };
    }

    private static Result simd(Inst inst) {
        Opcode op = Opcode.decode(0xFD, (int) inst.imm());
        switch (op) {
            case I8X16_SPLAT, I16X8_SPLAT, I32X4_SPLAT, I64X2_SPLAT, F32X4_SPLAT, F64X2_SPLAT -> {
                Value s = inst.arg(0);
                if (!OptUtil.isIconst(s) && !OptUtil.isFconst(s)) {
                    return null;
                }
                int bits = op == Opcode.I8X16_SPLAT ? 8 : op == Opcode.I16X8_SPLAT ? 16
                        : op == Opcode.I32X4_SPLAT || op == Opcode.F32X4_SPLAT ? 32 : 64;
                long[] r = new long[2];
                for (int k = 0; k < 128 / bits; k++) {
                    setLane(r, k, bits, s.definingInst().imm());
                }
                return new Result(r, 0);
            }
            case I8X16_EXTRACT_LANE_S, I8X16_EXTRACT_LANE_U, I16X8_EXTRACT_LANE_S, I16X8_EXTRACT_LANE_U, I32X4_EXTRACT_LANE,
                    I64X2_EXTRACT_LANE, F32X4_EXTRACT_LANE, F64X2_EXTRACT_LANE -> {
                if (!isConst(inst.arg(0))) {
                    return null;
                }
                int bits = 128 / op.laneCount();
                long x = lane(constOf(inst.arg(0)), inst.aux(), bits);
                boolean signed = op == Opcode.I8X16_EXTRACT_LANE_S || op == Opcode.I16X8_EXTRACT_LANE_S;
                return new Result(null, OptUtil.canon(inst.result().type(), signed ? sext(x, bits) : x));
            }
            case I8X16_REPLACE_LANE, I16X8_REPLACE_LANE, I32X4_REPLACE_LANE, I64X2_REPLACE_LANE, F32X4_REPLACE_LANE,
                    F64X2_REPLACE_LANE -> {
                Value s = inst.arg(1);
                if (!isConst(inst.arg(0)) || !OptUtil.isIconst(s) && !OptUtil.isFconst(s)) {
                    return null;
                }
                long[] r = constOf(inst.arg(0));
                setLane(r, inst.aux(), 128 / op.laneCount(), s.definingInst().imm());
                return new Result(r, 0);
            }
            case V128_NOT, V128_ANDNOT, V128_BITSELECT, V128_ANY_TRUE, I8X16_NEG, I16X8_NEG, I32X4_NEG, I64X2_NEG -> {
                for (Value a : inst.args()) {
                    if (!isConst(a)) {
                        return null;
                    }
                }
                long[] x = constOf(inst.arg(0));
                long[] r = new long[2];
                switch (op) {
                    case V128_NOT -> {
                        r[0] = ~x[0];
                        r[1] = ~x[1];
                    }
                    case V128_ANDNOT -> {
                        long[] y = constOf(inst.arg(1));
                        r[0] = x[0] & ~y[0];
                        r[1] = x[1] & ~y[1];
                    }
                    case V128_BITSELECT -> {
                        long[] y = constOf(inst.arg(1));
                        long[] c = constOf(inst.arg(2));
                        r[0] = x[0] & c[0] | y[0] & ~c[0];
                        r[1] = x[1] & c[1] | y[1] & ~c[1];
                    }
                    case V128_ANY_TRUE -> {
                        return new Result(null, (x[0] | x[1]) != 0 ? 1 : 0);
                    }
                    default -> {
                        int bits = op == Opcode.I8X16_NEG ? 8 : op == Opcode.I16X8_NEG ? 16 : op == Opcode.I32X4_NEG ? 32 : 64;
                        for (int k = 0; k < 128 / bits; k++) {
                            setLane(r, k, bits, -lane(x, k, bits));
                        }
                    }
                }
                return new Result(r, 0);
            }
            default -> {
                return null;
            }
        }
    }
}
