package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.ValType;
import dev.kiln.compiler.ir.LaneOps;
import dev.kiln.compiler.wasm.Opcode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Constant folding over vectors agrees with the machine code: for every lane-wise SIMD instruction
 * ({@code LaneOps}) and every other one the optimizer folds (splats, lane access, {@code not},
 * {@code andnot}, {@code bitselect}, {@code any_true}, integer {@code neg}), a function applying it to
 * constant operands (folded at compile time) returns what the same instruction computes at run time on
 * the same operands passed as parameters. The operands mix edge values of the lane shape (zero, -1, the
 * extremes, -0, infinities, NaNs with payloads, ties for rounding, values past the i32 range) with random
 * bits. Where a lane's result is a NaN the spec lets the payload vary (Wasm 2.0 §4.3.3), so two NaNs
 * agree; every other lane must agree bit for bit.
 */
class SimdConstantFoldingTest extends StoreFixture {
    private static final int OPERAND_SETS = 6;

    SimdConstantFoldingTest() {
        super(verifyingEngine());
    }

    /** One instruction applied to one set of operands. */
    private record Case(Opcode op, long[][] vectors, long scalar, int lane) {
    }

    private static final long[] INTS = {0, 1, -1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFFL, 0x8000_0000L,
        0xFFFF_FFFFL, Long.MAX_VALUE, Long.MIN_VALUE, 0x5555_5555_5555_5555L};
    private static final float[] F32 = {0f, -0f, 1f, -1.5f, 2.5f, 3.5f, -2.5f, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE, Float.MAX_VALUE, 2147483648f, -2147483904f, 4294967296f, 0.5f};
    private static final double[] F64 = {0, -0.0, 1, -1.5, 2.5, 3.5, -2.5, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, Double.NaN, Double.MIN_VALUE, Double.MAX_VALUE, 2147483648.0, 0.1, 1e300, 0.5};

    /** The lane shape an instruction reads its vector operands in: "i8x16" ... "f64x2", or "v128". */
    private static String operandShape(Opcode op) {
        String m = op.mnemonic();
        if (m.contains("convert_i32x4")) {
            return "i32x4";
        }
        if (m.contains("trunc_sat_f32x4")) {
            return "f32x4";
        }
        return m.substring(0, m.indexOf('.'));
    }

    private static long laneValue(String shape, Random r) {
        boolean edge = r.nextInt(3) != 0;
        return switch (shape) {
            case "f32x4" -> edge ? f32bits(F32[r.nextInt(F32.length)], r) : r.nextInt() & 0xFFFF_FFFFL;
            case "f64x2" -> {
                if (!edge) {
                    yield r.nextLong();
                }
                double d = F64[r.nextInt(F64.length)];
                yield Double.isNaN(d) && r.nextBoolean() ? 0x7FF4_0000_0000_0001L | (r.nextBoolean() ? Long.MIN_VALUE : 0)
                        : Double.doubleToRawLongBits(d);
            }
            default -> edge ? INTS[r.nextInt(INTS.length)] : r.nextLong();
        };
    }

    private static long f32bits(float f, Random r) {
        if (Float.isNaN(f) && r.nextBoolean()) {
            return 0x7FA0_0001L | (r.nextBoolean() ? 0x8000_0000L : 0); // a NaN with a payload, either sign
        }
        return Float.floatToRawIntBits(f) & 0xFFFF_FFFFL;
    }

    private static long[] vector(String shape, Random r) {
        int bits = switch (shape) {
            case "i8x16" -> 8;
            case "i16x8" -> 16;
            case "i32x4", "f32x4" -> 32;
            default -> 64;
        };
        long[] v = new long[2];
        for (int k = 0; k < 128 / bits; k++) {
            long x = laneValue(shape.equals("v128") ? "i64x2" : shape, r);
            int at = k * bits;
            long mask = bits == 64 ? -1L : (1L << bits) - 1;
            v[at >>> 6] |= (x & mask) << (at & 63);
        }
        return v;
    }

    /** The instructions the optimizer folds, in the order of the opcode table. */
    private static List<Opcode> folded() {
        List<Opcode> ops = new ArrayList<>();
        for (Opcode op : Opcode.values()) {
            String m = op.mnemonic();
            boolean other = m.endsWith(".splat") || m.contains("extract_lane") || m.contains("replace_lane")
                    || m.equals("v128.not") || m.equals("v128.andnot") || m.equals("v128.bitselect") || m.equals("v128.any_true")
                    || m.matches("i(8x16|16x8|32x4|64x2)\\.neg");
            if (op.prefix() == 0xFD && (LaneOps.form(op) != null || other)) {
                ops.add(op);
            }
        }
        return ops;
    }

    private static String vconst(long[] v) {
        return String.format(Locale.ROOT, "(v128.const i64x2 %d %d)", v[0], v[1]);
    }

    /** A scalar operand of type {@code t} from its bits: a constant (folded), or parameter {@code param}. */
    private static String scalar(ValType t, long bits, int param) {
        String get = param < 0 ? null : "(local.get " + param + ")";
        return switch (t) {
            case I32 -> get != null ? get : "(i32.const " + (int) bits + ")";
            case I64 -> get != null ? get : "(i64.const " + bits + ")";
            case F32 -> "(f32.reinterpret_i32 " + (get != null ? get : "(i32.const " + (int) bits + ")") + ")";
            case F64 -> "(f64.reinterpret_i64 " + (get != null ? get : "(i64.const " + bits + ")") + ")";
            default -> throw new IllegalArgumentException(t.toString());
        };
    }

    /** The parameter type a scalar operand of type {@code t} is passed as (floats as their bits). */
    private static ValType bitsType(ValType t) {
        return t == ValType.F32 ? ValType.I32 : t == ValType.F64 ? ValType.I64 : t;
    }

    /** The body applying {@code c.op}: constant operands when {@code folded}, else parameters 0, 1, ... */
    private static String body(Case c, boolean folded) {
        List<ValType> in = c.op().operandTypes();
        StringBuilder sb = new StringBuilder("(").append(c.op().mnemonic());
        if (c.op().immediate() == Opcode.Immediate.LANE) {
            sb.append(' ').append(c.lane());
        }
        int v = 0;
        for (int i = 0; i < in.size(); i++) {
            sb.append(' ');
            if (in.get(i) == ValType.V128) {
                sb.append(folded ? vconst(c.vectors()[v]) : "(local.get " + i + ")");
                v++;
            } else {
                sb.append(scalar(in.get(i), c.scalar(), folded ? -1 : i));
            }
        }
        sb.append(')');
        ValType out = c.op().resultTypes().get(0);
        return out == ValType.F32 ? "(i32.reinterpret_f32 " + sb + ")" : out == ValType.F64 ? "(i64.reinterpret_f64 " + sb + ")" : sb.toString();
    }

    private static ValType resultBitsType(Opcode op) {
        return bitsType(op.resultTypes().get(0));
    }

    @Test
    void foldedConstantsEqualTheMachineCode() {
        Random r = new Random(20261205);
        List<Case> cases = new ArrayList<>();
        for (Opcode op : folded()) {
            String shape = operandShape(op);
            for (int s = 0; s < OPERAND_SETS; s++) {
                long[][] vs = new long[3][];
                for (int i = 0; i < 3; i++) {
                    vs[i] = vector(shape, r);
                }
                ValType scalarType = op.operandTypes().stream().filter(t -> t != ValType.V128).findFirst().orElse(ValType.I32);
                long scalar = op.mnemonic().contains("sh") ? new long[] {0, 1, 7, 8, 15, 31, 32, 33, 63, 64, -1, 200}[r.nextInt(12)]
                        : laneValue(scalarType == ValType.F32 ? "f32x4" : scalarType == ValType.F64 ? "f64x2" : "i64x2", r);
                if (scalarType == ValType.I32 || scalarType == ValType.F32) {
                    scalar = (int) scalar;
                }
                cases.add(new Case(op, vs, scalar, op.laneCount() == 0 ? 0 : r.nextInt(op.laneCount())));
            }
        }
        assertTrue(cases.size() > 600, cases.size() + " cases");
        StringBuilder wat = new StringBuilder("(module\n");
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            String result = resultBitsType(c.op()).name().toLowerCase(Locale.ROOT);
            wat.append("  (func (export \"k").append(i).append("\") (result ").append(result).append(") ")
                    .append(body(c, true)).append(")\n");
            wat.append("  (func (export \"r").append(i).append("\")");
            for (ValType t : c.op().operandTypes()) {
                wat.append(" (param ").append(bitsType(t).name().toLowerCase(Locale.ROOT)).append(')');
            }
            wat.append(" (result ").append(result).append(") ").append(body(c, false)).append(")\n");
        }
        wat.append(")");
        Instance inst = Instance.create(store, compile(wat.toString()));
        int checked = 0;
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            List<Val> args = new ArrayList<>();
            int v = 0;
            for (ValType t : c.op().operandTypes()) {
                if (t == ValType.V128) {
                    args.add(Val.v128(c.vectors()[v][0], c.vectors()[v][1]));
                    v++;
                } else {
                    args.add(bitsType(t) == ValType.I32 ? Val.i32((int) c.scalar()) : Val.i64(c.scalar()));
                }
            }
            Val folded = inst.func("k" + i).call()[0];
            Val computed = inst.func("r" + i).call(args.toArray(Val[]::new))[0];
            String what = body(c, true);
            switch (resultBitsType(c.op())) {
                case I32 -> assertEquals(computed.i32(), folded.i32(), what);
                case I64 -> assertEquals(computed.i64(), folded.i64(), what);
                default -> assertVectorsAgree(c.op(), computed, folded, what);
            }
            checked++;
        }
        assertEquals(cases.size(), checked);
    }

    private static void assertVectorsAgree(Opcode op, Val expected, Val actual, String what) {
        String m = op.mnemonic();
        boolean floats = (m.startsWith("f32x4.") || m.startsWith("f64x2.")) && !m.contains("extract") && !m.contains("replace")
                && !m.endsWith(".splat") && !m.endsWith("q") && !m.endsWith("ne") && !m.endsWith("lt") && !m.endsWith("gt")
                && !m.endsWith("le") && !m.endsWith("ge");
        long[] e = {expected.v128Low(), expected.v128High()};
        long[] a = {actual.v128Low(), actual.v128High()};
        if (!floats) {
            assertEquals(String.format("%016x%016x", e[1], e[0]), String.format("%016x%016x", a[1], a[0]), what);
            return;
        }
        boolean f32 = m.startsWith("f32x4.");
        for (int k = 0; k < (f32 ? 4 : 2); k++) {
            long x = f32 ? (e[k >> 1] >>> (32 * (k & 1))) & 0xFFFF_FFFFL : e[k];
            long y = f32 ? (a[k >> 1] >>> (32 * (k & 1))) & 0xFFFF_FFFFL : a[k];
            boolean nx = f32 ? Float.isNaN(Float.intBitsToFloat((int) x)) : Double.isNaN(Double.longBitsToDouble(x));
            boolean ny = f32 ? Float.isNaN(Float.intBitsToFloat((int) y)) : Double.isNaN(Double.longBitsToDouble(y));
            if (nx && ny) {
                continue; // both NaN: the payload may differ (§4.3.3)
            }
            assertEquals(Long.toHexString(x), Long.toHexString(y), what + " lane " + k);
        }
    }
}
