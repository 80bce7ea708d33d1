package dev.kiln.compiler.ir;

import dev.kiln.compiler.wasm.Opcode;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * The lane-wise SIMD instructions of Wasm 2.0 (§4.4.3) that are scalar IR operations with a vector
 * result type (see {@link IrType}): the instruction applies the scalar operation of the same name to
 * each lane, with that operation's semantics for one lane of the result's shape. The rest of the SIMD
 * instructions (shuffles, lane access, splats, saturating and pairwise arithmetic, narrowing and
 * widening, reductions) stay {@link Op#SIMD} with the Wasm opcode.
 *
 * <table>
 * <caption>Lane-wise forms</caption>
 * <tr><th>IR</th><th>Wasm</th><th>lane semantics</th></tr>
 * <tr><td>{@code iadd}, {@code isub}, {@code imul} {@code .i8x16 ... .i64x2}</td><td>{@code add},
 * {@code sub}, {@code mul}</td><td>modulo 2^lane bits</td></tr>
 * <tr><td>{@code band}, {@code bor}, {@code bxor} {@code .v128}</td><td>{@code v128.and/or/xor}</td>
 * <td>bitwise, no shape</td></tr>
 * <tr><td>{@code ishl}, {@code sshr}, {@code ushr} {@code .i8x16 ... .i64x2} (vector, i32)</td>
 * <td>{@code shl}, {@code shr_s}, {@code shr_u}</td><td>every lane by the i32 count modulo the lane
 * width</td></tr>
 * <tr><td>{@code icmp.cond} {@code .i8x16 ... .i64x2}</td><td>{@code eq ... ge_u}</td><td>all ones
 * where the condition holds, else zero</td></tr>
 * <tr><td>{@code popcnt.i8x16}</td><td>{@code i8x16.popcnt}</td><td></td></tr>
 * <tr><td>{@code fadd ... fmax}, {@code fsqrt ... fnearest} {@code .f32x4}/{@code .f64x2}</td>
 * <td>{@code add ... max}, {@code sqrt ... nearest}</td><td>as the scalar operation (NaN rules included)</td></tr>
 * <tr><td>{@code fcmp.cond} {@code .i32x4}/{@code .i64x2}</td><td>{@code f32x4.eq ... f64x2.ge}</td>
 * <td>the lane mask; the result's lane width tells f32 from f64 operands</td></tr>
 * <tr><td>{@code fcvt_from_sint/uint.f32x4}</td><td>{@code f32x4.convert_i32x4_s/u}</td><td></td></tr>
 * <tr><td>{@code fcvt_to_sint/uint_sat.i32x4}</td><td>{@code i32x4.trunc_sat_f32x4_s/u}</td><td></td></tr>
 * </table>
 *
 * <p>Backends keep one table keyed by Wasm opcode: {@link #opcode(Inst)} gives it for either form.
 * Immutable and thread-safe.
 */
public final class LaneOps {
    /** The IR form of a lane-wise Wasm instruction: operation, result type, and condition if a comparison. */
    public record Form(Op op, IrType type, Cond cond, FloatCond floatCond) {
    }

    private static final Map<Opcode, Form> FORMS = new EnumMap<>(Opcode.class);
    private static final Map<Form, Opcode> OPCODES = new HashMap<>();

    private LaneOps() {
    }

    private static void put(Opcode o, Op op, IrType t) {
        put(o, new Form(op, t, null, null));
    }

    private static void put(Opcode o, Form form) {
        FORMS.put(o, form);
        OPCODES.put(form, o);
    }

    private static void ints(String shape, IrType t) {
        put(Opcode.valueOf(shape + "_ADD"), Op.IADD, t);
        put(Opcode.valueOf(shape + "_SUB"), Op.ISUB, t);
        if (t != IrType.I8X16) {
            put(Opcode.valueOf(shape + "_MUL"), Op.IMUL, t);
        }
        put(Opcode.valueOf(shape + "_SHL"), Op.ISHL, t);
        put(Opcode.valueOf(shape + "_SHR_S"), Op.SSHR, t);
        put(Opcode.valueOf(shape + "_SHR_U"), Op.USHR, t);
        put(Opcode.valueOf(shape + "_EQ"), new Form(Op.ICMP, t, Cond.EQ, null));
        put(Opcode.valueOf(shape + "_NE"), new Form(Op.ICMP, t, Cond.NE, null));
        put(Opcode.valueOf(shape + "_LT_S"), new Form(Op.ICMP, t, Cond.SLT, null));
        put(Opcode.valueOf(shape + "_GT_S"), new Form(Op.ICMP, t, Cond.SGT, null));
        put(Opcode.valueOf(shape + "_LE_S"), new Form(Op.ICMP, t, Cond.SLE, null));
        put(Opcode.valueOf(shape + "_GE_S"), new Form(Op.ICMP, t, Cond.SGE, null));
        if (t != IrType.I64X2) { // i64x2 has only the signed comparisons
            put(Opcode.valueOf(shape + "_LT_U"), new Form(Op.ICMP, t, Cond.ULT, null));
            put(Opcode.valueOf(shape + "_GT_U"), new Form(Op.ICMP, t, Cond.UGT, null));
            put(Opcode.valueOf(shape + "_LE_U"), new Form(Op.ICMP, t, Cond.ULE, null));
            put(Opcode.valueOf(shape + "_GE_U"), new Form(Op.ICMP, t, Cond.UGE, null));
        }
    }

    private static void floats(String shape, IrType t) {
        String[] names = {"ADD", "SUB", "MUL", "DIV", "MIN", "MAX", "SQRT", "ABS", "NEG", "CEIL", "FLOOR", "TRUNC", "NEAREST"};
        Op[] ops = {Op.FADD, Op.FSUB, Op.FMUL, Op.FDIV, Op.FMIN, Op.FMAX, Op.FSQRT, Op.FABS, Op.FNEG, Op.FCEIL, Op.FFLOOR,
                Op.FTRUNC, Op.FNEAREST};
        for (int i = 0; i < names.length; i++) {
            put(Opcode.valueOf(shape + "_" + names[i]), ops[i], t);
        }
        for (FloatCond c : FloatCond.values()) {
            put(Opcode.valueOf(shape + "_" + c.name()), new Form(Op.FCMP, t.maskType(), null, c));
        }
    }

    static {
        ints("I8X16", IrType.I8X16);
        ints("I16X8", IrType.I16X8);
        ints("I32X4", IrType.I32X4);
        ints("I64X2", IrType.I64X2);
        put(Opcode.I8X16_POPCNT, Op.POPCNT, IrType.I8X16);
        put(Opcode.V128_AND, Op.BAND, IrType.V128);
        put(Opcode.V128_OR, Op.BOR, IrType.V128);
        put(Opcode.V128_XOR, Op.BXOR, IrType.V128);
        floats("F32X4", IrType.F32X4);
        floats("F64X2", IrType.F64X2);
        put(Opcode.F32X4_CONVERT_I32X4_S, Op.FCVT_FROM_SINT, IrType.F32X4);
        put(Opcode.F32X4_CONVERT_I32X4_U, Op.FCVT_FROM_UINT, IrType.F32X4);
        put(Opcode.I32X4_TRUNC_SAT_F32X4_S, Op.FCVT_TO_SINT_SAT, IrType.I32X4);
        put(Opcode.I32X4_TRUNC_SAT_F32X4_U, Op.FCVT_TO_UINT_SAT, IrType.I32X4);
    }

    /** The IR form of Wasm SIMD instruction {@code op}, or {@code null} if it stays {@link Op#SIMD}. */
    public static Form form(Opcode op) {
        return FORMS.get(op);
    }

    /** The operations that have lane-wise forms. */
    private static final java.util.Set<Op> LANE_WISE = java.util.EnumSet.of(Op.IADD, Op.ISUB, Op.IMUL, Op.BAND, Op.BOR,
            Op.BXOR, Op.ISHL, Op.SSHR, Op.USHR, Op.ICMP, Op.POPCNT, Op.FADD, Op.FSUB, Op.FMUL, Op.FDIV, Op.FMIN, Op.FMAX,
            Op.FSQRT, Op.FABS, Op.FNEG, Op.FCEIL, Op.FFLOOR, Op.FTRUNC, Op.FNEAREST, Op.FCMP, Op.FCVT_FROM_SINT,
            Op.FCVT_FROM_UINT, Op.FCVT_TO_SINT_SAT, Op.FCVT_TO_UINT_SAT);

    /**
     * Whether {@code inst} is a lane-wise operation: an arithmetic, bitwise, comparison or conversion
     * operation with a vector result (loads, calls, {@code select} and the like only carry vectors).
     */
    public static boolean isLaneOp(Inst inst) {
        // the vector result first: most instructions are scalar, and it is two field loads
        return inst.resultCount() == 1 && inst.result().type().isVector() && LANE_WISE.contains(inst.op());
    }

    /**
     * The Wasm SIMD opcode (after the {@code 0xFD} prefix) that {@code inst} computes: its immediate
     * for {@link Op#SIMD}, the table's entry for a lane-wise operation.
     *
     * @throws IllegalArgumentException if {@code inst} is neither (a vector form the table lacks)
     */
    public static Opcode opcode(Inst inst) {
        if (inst.op() == Op.SIMD) {
            return Opcode.decode(0xFD, (int) inst.imm());
        }
        if (isLaneOp(inst)) {
            FloatCond fc = inst.op() == Op.FCMP ? FloatCond.values()[(int) inst.imm()] : null;
            Opcode o = OPCODES.get(new Form(inst.op(), inst.result().type(), inst.op() == Op.ICMP ? inst.cond() : null, fc));
            if (o != null) {
                return o;
            }
        }
        throw new IllegalArgumentException("no Wasm SIMD instruction computes " + inst);
    }

    /**
     * Appends the IR form of lane-wise instruction {@code op} (see {@link #form}) to {@code b}.
     *
     * @throws IllegalArgumentException if {@code op} has no lane-wise form
     */
    public static Value append(Block b, Opcode op, Value... args) {
        Form form = FORMS.get(op);
        if (form == null) {
            throw new IllegalArgumentException(op + " is not lane-wise");
        }
        long imm = form.floatCond() != null ? form.floatCond().ordinal() : 0;
        return b.append(form.op(), java.util.List.of(args), imm, form.cond(), null, java.util.List.of(form.type())).result();
    }
}
