package dev.kiln.arch.aarch64;

import static dev.kiln.arch.aarch64.Arrangement.B16;
import static dev.kiln.arch.aarch64.Arrangement.B8;
import static dev.kiln.arch.aarch64.Arrangement.D2;
import static dev.kiln.arch.aarch64.Arrangement.H4;
import static dev.kiln.arch.aarch64.Arrangement.H8;
import static dev.kiln.arch.aarch64.Arrangement.S2;
import static dev.kiln.arch.aarch64.Arrangement.S4;

import dev.kiln.abi.CompileException;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.LaneOps;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.wasm.Opcode;
import java.util.EnumMap;
import java.util.Map;

/**
 * Instruction selection for the fixed-width SIMD operations ({@code Op.SIMD}, Wasm 2.0 §4.4.3, and the
 * relaxed ones of Wasm 3.0) on AArch64's Advanced SIMD (NEON), part of every AArch64 CPU. Most Wasm
 * instructions are one NEON instruction: those are the table {@link #RULES} (Wasm opcode to NEON
 * instruction and arrangement, operands swapped for {@code lt}/{@code le}, the result inverted for
 * {@code ne}); the others are short sequences here. Where NEON's semantics are Wasm's no fix-up is
 * needed: {@code fmin}/{@code fmax} propagate NaN and order -0 below +0, {@code fcvtzs}/{@code fcvtzu}
 * saturate and give 0 for NaN, {@code tbl} gives 0 for an index of 16 or more (swizzle),
 * {@code sqrdmulh} is {@code q15mulr_sat_s}, {@code sqxtn}/{@code sqxtun} the saturating narrows,
 * {@code fcvtn}/{@code sqxtn} (not the {@code 2} forms) zero the high half ({@code _zero} forms).
 * Sequences:
 * <ul>
 *   <li>shifts mask the count by the lane width; a variable count is {@code dup}ed and shifted with
 *       {@code ushl}/{@code sshl} (a right shift by the negated count), a constant one is an immediate;</li>
 *   <li>{@code bitmask}: the sign spread ({@code sshr}), an {@code and} with each lane's bit, then the
 *       lanes summed ({@code addv}; {@code addp} for i64x2; for i8x16 the two halves interleaved first so
 *       that one 16-bit sum holds both bytes); {@code any_true}/{@code all_true}: {@code umaxp}/
 *       {@code uminv} (for i64x2 {@code cmeq #0} then {@code umaxp}) and a compare of the scalar;</li>
 *   <li>{@code shuffle}: {@code zip1/2}, {@code uzp1/2}, {@code trn1/2}, {@code ext} or {@code dup} when
 *       the mask is exactly one of them (on the operands in either order, or one operand twice), a
 *       single {@code tbl} when it takes bytes of one operand, else one {@code tbl} per operand (indices
 *       of the other set out of range, giving 0) and {@code orr};</li>
 *   <li>{@code i64x2.mul} (NEON has no 64-bit lane multiply): both lanes through general registers;
 *       {@code dot}: {@code smull} + {@code smull2} + {@code addp}; {@code pmin}/{@code pmax}: a
 *       {@code fcmgt} mask and a bitwise select; {@code select} of a v128 and {@code bitselect}: {@code
 *       ((a ^ b) & mask) ^ b} ({@code eor}, {@code and}, {@code eor}: {@code bsl} would read three
 *       registers, one more than the emitter has scratch registers for when all are spilled).</li>
 * </ul>
 * The relaxed instructions take NEON's natural choice: {@code relaxed_swizzle} is {@code tbl} (0 for
 * 16..255), the {@code relaxed_trunc} forms are the saturating conversions, {@code relaxed_madd}/{@code
 * nmadd} multiply and add unfused ({@code fmul}, {@code fadd}/{@code fsub}: the x86-64 backend's choice,
 * so both backends give the same bits; {@code fmla} reads three registers, see select below),
 * {@code relaxed_laneselect} is the bitwise select,
 * {@code relaxed_min}/{@code max} are {@code fmin}/{@code fmax} (Wasm's min/max), {@code
 * relaxed_q15mulr_s} is {@code sqrdmulh} (saturating: {@code 0x7fff} for {@code -1 * -1}), the {@code
 * relaxed_dot} forms treat both operands as signed ({@code smull}, {@code addp}; the i32 form then
 * {@code saddlp} and {@code add}), exact for the i7 range. Every opcode of 2.0 and of relaxed SIMD is
 * handled; an unknown one is a {@link CompileException} naming the instruction and the function.
 * Not thread-safe: part of one function's {@link Lowering}.
 */
final class NeonLowering {
    /** One NEON instruction for a Wasm instruction: operands in order or swapped, the result optionally inverted. */
    private record Rule(NeonOp op, Arrangement t, boolean swap, boolean invert, int imm) {
    }

    private static final Map<Opcode, Rule> RULES = new EnumMap<>(Opcode.class);

    private static void rule(NeonOp op, String opcodes) {
        rule(op, null, false, false, opcodes);
    }

    /** Adds {@code opcodes} (names of {@link Opcode}); {@code t} null: the arrangement of the opcode's lane shape. */
    private static void rule(NeonOp op, Arrangement t, boolean swap, boolean invert, String opcodes) {
        for (String name : opcodes.trim().split("\\s+")) {
            Opcode o = Opcode.valueOf(name);
            Arrangement shape = t != null ? t : switch (name.substring(0, name.indexOf('_'))) {
                case "I8X16", "V128" -> B16;
                case "I16X8" -> H8;
                case "I32X4", "F32X4" -> S4;
                case "I64X2", "F64X2" -> D2;
                default -> throw new IllegalStateException(name);
            };
            if (RULES.put(o, new Rule(op, shape, swap, invert, 0)) != null) {
                throw new IllegalStateException("two rules for " + name);
            }
        }
    }

    static {
        rule(NeonOp.ADD, "I8X16_ADD I16X8_ADD I32X4_ADD I64X2_ADD");
        rule(NeonOp.SUB, "I8X16_SUB I16X8_SUB I32X4_SUB I64X2_SUB");
        rule(NeonOp.MUL, "I16X8_MUL I32X4_MUL");
        rule(NeonOp.SQADD, "I8X16_ADD_SAT_S I16X8_ADD_SAT_S");
        rule(NeonOp.UQADD, "I8X16_ADD_SAT_U I16X8_ADD_SAT_U");
        rule(NeonOp.SQSUB, "I8X16_SUB_SAT_S I16X8_SUB_SAT_S");
        rule(NeonOp.UQSUB, "I8X16_SUB_SAT_U I16X8_SUB_SAT_U");
        rule(NeonOp.SMIN, "I8X16_MIN_S I16X8_MIN_S I32X4_MIN_S");
        rule(NeonOp.UMIN, "I8X16_MIN_U I16X8_MIN_U I32X4_MIN_U");
        rule(NeonOp.SMAX, "I8X16_MAX_S I16X8_MAX_S I32X4_MAX_S");
        rule(NeonOp.UMAX, "I8X16_MAX_U I16X8_MAX_U I32X4_MAX_U");
        rule(NeonOp.URHADD, "I8X16_AVGR_U I16X8_AVGR_U");
        rule(NeonOp.SQRDMULH, "I16X8_Q15MULR_SAT_S I16X8_RELAXED_Q15MULR_S");
        rule(NeonOp.CMEQ, "I8X16_EQ I16X8_EQ I32X4_EQ I64X2_EQ");
        rule(NeonOp.CMEQ, null, false, true, "I8X16_NE I16X8_NE I32X4_NE I64X2_NE");
        rule(NeonOp.CMGT, "I8X16_GT_S I16X8_GT_S I32X4_GT_S I64X2_GT_S");
        rule(NeonOp.CMGT, null, true, false, "I8X16_LT_S I16X8_LT_S I32X4_LT_S I64X2_LT_S");
        rule(NeonOp.CMGE, "I8X16_GE_S I16X8_GE_S I32X4_GE_S I64X2_GE_S");
        rule(NeonOp.CMGE, null, true, false, "I8X16_LE_S I16X8_LE_S I32X4_LE_S I64X2_LE_S");
        rule(NeonOp.CMHI, "I8X16_GT_U I16X8_GT_U I32X4_GT_U");
        rule(NeonOp.CMHI, null, true, false, "I8X16_LT_U I16X8_LT_U I32X4_LT_U");
        rule(NeonOp.CMHS, "I8X16_GE_U I16X8_GE_U I32X4_GE_U");
        rule(NeonOp.CMHS, null, true, false, "I8X16_LE_U I16X8_LE_U I32X4_LE_U");
        rule(NeonOp.FADD, "F32X4_ADD F64X2_ADD");
        rule(NeonOp.FSUB, "F32X4_SUB F64X2_SUB");
        rule(NeonOp.FMUL, "F32X4_MUL F64X2_MUL");
        rule(NeonOp.FDIV, "F32X4_DIV F64X2_DIV");
        rule(NeonOp.FMIN, "F32X4_MIN F64X2_MIN F32X4_RELAXED_MIN F64X2_RELAXED_MIN");
        rule(NeonOp.FMAX, "F32X4_MAX F64X2_MAX F32X4_RELAXED_MAX F64X2_RELAXED_MAX");
        rule(NeonOp.FCMEQ, "F32X4_EQ F64X2_EQ");
        rule(NeonOp.FCMEQ, null, false, true, "F32X4_NE F64X2_NE");
        rule(NeonOp.FCMGT, "F32X4_GT F64X2_GT");
        rule(NeonOp.FCMGT, null, true, false, "F32X4_LT F64X2_LT");
        rule(NeonOp.FCMGE, "F32X4_GE F64X2_GE");
        rule(NeonOp.FCMGE, null, true, false, "F32X4_LE F64X2_LE");
        rule(NeonOp.AND, "V128_AND");
        rule(NeonOp.ORR, "V128_OR");
        rule(NeonOp.EOR, "V128_XOR");
        rule(NeonOp.BIC, "V128_ANDNOT");
        rule(NeonOp.TBL, B16, false, false, "I8X16_SWIZZLE I8X16_RELAXED_SWIZZLE");
        rule(NeonOp.ABS, "I8X16_ABS I16X8_ABS I32X4_ABS I64X2_ABS");
        rule(NeonOp.NEG, "I8X16_NEG I16X8_NEG I32X4_NEG I64X2_NEG");
        rule(NeonOp.CNT, "I8X16_POPCNT");
        rule(NeonOp.NOT, "V128_NOT");
        rule(NeonOp.FABS, "F32X4_ABS F64X2_ABS");
        rule(NeonOp.FNEG, "F32X4_NEG F64X2_NEG");
        rule(NeonOp.FSQRT, "F32X4_SQRT F64X2_SQRT");
        rule(NeonOp.FRINTP, "F32X4_CEIL F64X2_CEIL");
        rule(NeonOp.FRINTM, "F32X4_FLOOR F64X2_FLOOR");
        rule(NeonOp.FRINTZ, "F32X4_TRUNC F64X2_TRUNC");
        rule(NeonOp.FRINTN, "F32X4_NEAREST F64X2_NEAREST");
        rule(NeonOp.SCVTF, "F32X4_CONVERT_I32X4_S");
        rule(NeonOp.UCVTF, "F32X4_CONVERT_I32X4_U");
        rule(NeonOp.FCVTZS, "I32X4_TRUNC_SAT_F32X4_S I32X4_RELAXED_TRUNC_F32X4_S");
        rule(NeonOp.FCVTZU, "I32X4_TRUNC_SAT_F32X4_U I32X4_RELAXED_TRUNC_F32X4_U");
        rule(NeonOp.FCVTL, S2, false, false, "F64X2_PROMOTE_LOW_F32X4");
        rule(NeonOp.FCVTN, S2, false, false, "F32X4_DEMOTE_F64X2_ZERO");
        // widening: the arrangement names the source (the 128-bit one takes the high half)
        rule(NeonOp.SADDLP, B16, false, false, "I16X8_EXTADD_PAIRWISE_I8X16_S");
        rule(NeonOp.SADDLP, H8, false, false, "I32X4_EXTADD_PAIRWISE_I16X8_S");
        rule(NeonOp.UADDLP, B16, false, false, "I16X8_EXTADD_PAIRWISE_I8X16_U");
        rule(NeonOp.UADDLP, H8, false, false, "I32X4_EXTADD_PAIRWISE_I16X8_U");
        rule(NeonOp.SSHLL, B8, false, false, "I16X8_EXTEND_LOW_I8X16_S");
        rule(NeonOp.SSHLL, B16, false, false, "I16X8_EXTEND_HIGH_I8X16_S");
        rule(NeonOp.SSHLL, H4, false, false, "I32X4_EXTEND_LOW_I16X8_S");
        rule(NeonOp.SSHLL, H8, false, false, "I32X4_EXTEND_HIGH_I16X8_S");
        rule(NeonOp.SSHLL, S2, false, false, "I64X2_EXTEND_LOW_I32X4_S");
        rule(NeonOp.SSHLL, S4, false, false, "I64X2_EXTEND_HIGH_I32X4_S");
        rule(NeonOp.USHLL, B8, false, false, "I16X8_EXTEND_LOW_I8X16_U");
        rule(NeonOp.USHLL, B16, false, false, "I16X8_EXTEND_HIGH_I8X16_U");
        rule(NeonOp.USHLL, H4, false, false, "I32X4_EXTEND_LOW_I16X8_U");
        rule(NeonOp.USHLL, H8, false, false, "I32X4_EXTEND_HIGH_I16X8_U");
        rule(NeonOp.USHLL, S2, false, false, "I64X2_EXTEND_LOW_I32X4_U");
        rule(NeonOp.USHLL, S4, false, false, "I64X2_EXTEND_HIGH_I32X4_U");
        rule(NeonOp.SMULL, B8, false, false, "I16X8_EXTMUL_LOW_I8X16_S");
        rule(NeonOp.SMULL, B16, false, false, "I16X8_EXTMUL_HIGH_I8X16_S");
        rule(NeonOp.SMULL, H4, false, false, "I32X4_EXTMUL_LOW_I16X8_S");
        rule(NeonOp.SMULL, H8, false, false, "I32X4_EXTMUL_HIGH_I16X8_S");
        rule(NeonOp.SMULL, S2, false, false, "I64X2_EXTMUL_LOW_I32X4_S");
        rule(NeonOp.SMULL, S4, false, false, "I64X2_EXTMUL_HIGH_I32X4_S");
        rule(NeonOp.UMULL, B8, false, false, "I16X8_EXTMUL_LOW_I8X16_U");
        rule(NeonOp.UMULL, B16, false, false, "I16X8_EXTMUL_HIGH_I8X16_U");
        rule(NeonOp.UMULL, H4, false, false, "I32X4_EXTMUL_LOW_I16X8_U");
        rule(NeonOp.UMULL, H8, false, false, "I32X4_EXTMUL_HIGH_I16X8_U");
        rule(NeonOp.UMULL, S2, false, false, "I64X2_EXTMUL_LOW_I32X4_U");
        rule(NeonOp.UMULL, S4, false, false, "I64X2_EXTMUL_HIGH_I32X4_U");
    }

    private final Lowering l;

    NeonLowering(Lowering l) {
        this.l = l;
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private int use(Value v) {
        return l.use(v);
    }

    /** dst = op(src, src2) in arrangement t (src2 NONE for one operand). */
    private void op(NeonOp op, Arrangement t, int dst, int src, int src2) {
        l.neonOp(op, t, dst, src, src2, 0);
    }

    /** A new v128 register = op(src, src2). */
    private int op(NeonOp op, Arrangement t, int src, int src2) {
        int d = l.newVectorVreg();
        op(op, t, d, src, src2);
        return d;
    }

    private int shiftImm(NeonOp op, Arrangement t, int src, int shift) {
        int d = l.newVectorVreg();
        l.neonOp(op, t, d, src, MInst.NONE, shift);
        return d;
    }

    /** A new v128 register holding {@code lo} (bytes 0..7) and {@code hi} (bytes 8..15). */
    private int vconst(long lo, long hi) {
        int d = l.newVectorVreg();
        vconstInto(d, lo, hi);
        return d;
    }

    private void vconstInto(int d, long lo, long hi) {
        MInst m = new MInst(MOp.VCONST);
        m.dst = d;
        m.imm = lo;
        m.imm2 = hi;
        l.emit(m.defs(d));
    }

    /** A copy of v128 register {@code src} in a new register (for instructions that overwrite their destination). */
    private int copy(int src) {
        int d = l.newVectorVreg();
        l.mov(d, src, IrType.V128);
        return d;
    }

    private void into(Inst inst, int src) {
        l.mov(l.vreg(inst.result()), src, IrType.V128);
    }

    /**
     * {@code mask ? a : b} bitwise, as {@code ((a ^ b) & mask) ^ b}: three instructions of two operands
     * each, where {@code bsl} would read three registers (its destination the mask) and leave the
     * emitter, with two scratch registers, stuck when all three are spilled.
     */
    int select(int mask, int a, int b) {
        int diff = op(NeonOp.EOR, B16, a, b);
        int masked = op(NeonOp.AND, B16, diff, mask);
        return op(NeonOp.EOR, B16, masked, b);
    }

    /** A general register with the bits of the low 32 ({@code size} W) or 64 bits of v register {@code v}. */
    private void toGpr(int dst, int v, Size size) {
        MInst m = new MInst(MOp.BITCAST_F2I);
        m.size = size;
        m.fsize = size == Size.W ? FpSize.S : FpSize.D;
        m.dst = dst;
        m.src = v;
        l.emit(m.uses(v).defs(dst));
    }

    /** v register {@code dst} = the low 32 ({@code size} W) or 64 bits of general register {@code src}, the rest zero. */
    private void fromGpr(int dst, int src, Size size) {
        MInst m = new MInst(MOp.BITCAST_I2F);
        m.size = size;
        m.fsize = size == Size.W ? FpSize.S : FpSize.D;
        m.dst = dst;
        m.src = src;
        l.emit(m.uses(src).defs(dst));
    }

    /** i32 result {@code dst} = (general register {@code x} of {@code size} compared with 0) {@code cond}. */
    private void setIf(int dst, int x, Size size, Cond cond) {
        MInst c = new MInst(MOp.CMP_RI);
        c.size = size;
        c.src = x;
        c.imm = 0;
        l.emit(c.uses(x));
        MInst s = new MInst(MOp.CSET);
        s.size = Size.W;
        s.cond = cond;
        s.dst = dst;
        l.emit(s.defs(dst));
    }

    // ---- loads straight into v registers --------------------------------------------------------------

    /**
     * The heap load that SIMD operation {@code simd} ({@code previous} the instruction before it in its
     * block) can take straight into a v
     * register, or null: a widening load ({@code v128.load8x8_s ... load32x2_u}), {@code load32_zero},
     * {@code load64_zero}, or a 32- or 64-bit splat, whose operand is an unsigned load of exactly that
     * width used only here and placed immediately before it (so no store comes between). Its lowering
     * is then {@code ldr s/d} and the vector instruction, without a trip through a general register.
     */
    static Inst vectorLoad(Inst simd, Inst previous, int[] useCount) {
        Opcode op = Opcode.decode(0xFD, (int) simd.imm());
        int width = switch (op) {
            case V128_LOAD8X8_S, V128_LOAD8X8_U, V128_LOAD16X4_S, V128_LOAD16X4_U, V128_LOAD32X2_S, V128_LOAD32X2_U,
                    V128_LOAD64_ZERO, I64X2_SPLAT -> 8;
            case V128_LOAD32_ZERO, I32X4_SPLAT -> 4;
            default -> 0;
        };
        if (width == 0) {
            return null;
        }
        Inst load = simd.arg(0).definingInst();
        if (load == null || load != previous || load.op() != dev.kiln.compiler.ir.Op.LOAD
                || useCount[simd.arg(0).id()] != 1 || (load.aux() & 0xF) != width || (load.aux() & 16) != 0) {
            return null;
        }
        return load;
    }

    /**
     * The v register holding operand 0 of {@code simd} in its low 32 or 64 bits ({@code size}): the
     * folded load itself ({@link #vectorLoad}), or the general register moved over ({@code fmov}).
     */
    private int lowBits(Inst simd, Size size) {
        int t = l.newVectorVreg();
        if (l.isFolded(simd.arg(0))) {
            l.heapLoad(simd.arg(0).definingInst(), t, size == Size.W ? FpSize.S : FpSize.D);
        } else {
            fromGpr(t, use(simd.arg(0)), size);
        }
        return t;
    }

    // ---- lowering -----------------------------------------------------------------------------------

    void lower(Inst inst) {
        Opcode op = LaneOps.opcode(inst);
        Rule r = RULES.get(op);
        if (r != null) {
            lowerRule(inst, r);
            return;
        }
        int lane = inst.aux();
        switch (op) {
            case V128_CONST -> vconstInto(l.vreg(inst.result()), Lowering.constOf(inst.arg(0)), Lowering.constOf(inst.arg(1)));
            case I8X16_SHUFFLE -> into(inst, shuffle(inst.arg(0), inst.arg(1),
                    Lowering.constOf(inst.arg(2)), Lowering.constOf(inst.arg(3))));
            // ---- memory forms (the scalar load is IR) ----
            case V128_LOAD8X8_S, V128_LOAD8X8_U, V128_LOAD16X4_S, V128_LOAD16X4_U, V128_LOAD32X2_S, V128_LOAD32X2_U -> {
                int t = lowBits(inst, Size.X);
                int k = op.ordinal() - Opcode.V128_LOAD8X8_S.ordinal();
                boolean signed = k % 2 == 0;
                l.neonOp(signed ? NeonOp.SSHLL : NeonOp.USHLL, Arrangement.half(k / 2), l.vreg(inst.result()), t, MInst.NONE, 0);
            }
            case V128_LOAD32_ZERO -> into(inst, lowBits(inst, Size.W));
            case V128_LOAD64_ZERO -> into(inst, lowBits(inst, Size.X));
            case I32X4_SPLAT, I64X2_SPLAT -> {
                if (l.isFolded(inst.arg(0))) {
                    boolean w = op == Opcode.I32X4_SPLAT;
                    l.neonOp(NeonOp.DUP_ELEMENT, w ? S4 : D2, l.vreg(inst.result()), lowBits(inst, w ? Size.W : Size.X), MInst.NONE, 0);
                } else {
                    l.neonOp(NeonOp.DUP_GENERAL, op == Opcode.I32X4_SPLAT ? S4 : D2, l.vreg(inst.result()), use(inst.arg(0)), MInst.NONE, 0);
                }
            }
            // ---- splat, lanes ----
            case I8X16_SPLAT, I16X8_SPLAT -> l.neonOp(NeonOp.DUP_GENERAL, op == Opcode.I8X16_SPLAT ? B16 : H8,
                    l.vreg(inst.result()), use(inst.arg(0)), MInst.NONE, 0);
            case F32X4_SPLAT -> l.neonOp(NeonOp.DUP_ELEMENT, S4, l.vreg(inst.result()), use(inst.arg(0)), MInst.NONE, 0);
            case F64X2_SPLAT -> l.neonOp(NeonOp.DUP_ELEMENT, D2, l.vreg(inst.result()), use(inst.arg(0)), MInst.NONE, 0);
            case I8X16_EXTRACT_LANE_S -> l.neonOp(NeonOp.SMOV, B16, l.vreg(inst.result()), use(inst.arg(0)), MInst.NONE, lane);
            case I16X8_EXTRACT_LANE_S -> l.neonOp(NeonOp.SMOV, H8, l.vreg(inst.result()), use(inst.arg(0)), MInst.NONE, lane);
            case I8X16_EXTRACT_LANE_U -> l.neonOp(NeonOp.UMOV, B16, l.vreg(inst.result()), use(inst.arg(0)), MInst.NONE, lane);
            case I16X8_EXTRACT_LANE_U -> l.neonOp(NeonOp.UMOV, H8, l.vreg(inst.result()), use(inst.arg(0)), MInst.NONE, lane);
            case I32X4_EXTRACT_LANE -> l.neonOp(NeonOp.UMOV, S4, l.vreg(inst.result()), use(inst.arg(0)), MInst.NONE, lane);
            case I64X2_EXTRACT_LANE -> l.neonOp(NeonOp.UMOV, D2, l.vreg(inst.result()), use(inst.arg(0)), MInst.NONE, lane);
            case F32X4_EXTRACT_LANE -> l.neonOp(NeonOp.DUP_SCALAR, S4, l.vreg(inst.result()), use(inst.arg(0)), MInst.NONE, lane);
            case F64X2_EXTRACT_LANE -> l.neonOp(NeonOp.DUP_SCALAR, D2, l.vreg(inst.result()), use(inst.arg(0)), MInst.NONE, lane);
            case I8X16_REPLACE_LANE, I16X8_REPLACE_LANE, I32X4_REPLACE_LANE, I64X2_REPLACE_LANE,
                    F32X4_REPLACE_LANE, F64X2_REPLACE_LANE -> {
                boolean fp = op == Opcode.F32X4_REPLACE_LANE || op == Opcode.F64X2_REPLACE_LANE;
                Arrangement t = switch (op) {
                    case I8X16_REPLACE_LANE -> B16;
                    case I16X8_REPLACE_LANE -> H8;
                    case I32X4_REPLACE_LANE, F32X4_REPLACE_LANE -> S4;
                    default -> D2;
                };
                int v = copy(use(inst.arg(0)));
                l.neonOp(fp ? NeonOp.INS_ELEMENT : NeonOp.INS_GENERAL, t, v, use(inst.arg(1)), MInst.NONE, lane);
                into(inst, v);
            }
            // ---- bitwise ----
            case V128_BITSELECT, I8X16_RELAXED_LANESELECT, I16X8_RELAXED_LANESELECT, I32X4_RELAXED_LANESELECT,
                    I64X2_RELAXED_LANESELECT -> into(inst, select(use(inst.arg(2)), use(inst.arg(0)), use(inst.arg(1))));
            case V128_ANY_TRUE -> {
                int t = op(NeonOp.UMAXP, S4, use(inst.arg(0)), use(inst.arg(0)));
                int x = l.newVreg();
                toGpr(x, t, Size.X);
                setIf(l.vreg(inst.result()), x, Size.X, Cond.NE);
            }
            case I8X16_ALL_TRUE, I16X8_ALL_TRUE, I32X4_ALL_TRUE -> {
                int t = l.newVectorVreg();
                l.neonOp(NeonOp.UMINV, Arrangement.full(op == Opcode.I8X16_ALL_TRUE ? 0 : op == Opcode.I16X8_ALL_TRUE ? 1 : 2),
                        t, use(inst.arg(0)), MInst.NONE, 0);
                int x = l.newVreg();
                toGpr(x, t, Size.W);
                setIf(l.vreg(inst.result()), x, Size.W, Cond.NE);
            }
            case I64X2_ALL_TRUE -> {
                int z = op(NeonOp.CMEQ_ZERO, D2, use(inst.arg(0)), MInst.NONE);
                int t = op(NeonOp.UMAXP, S4, z, z);
                int x = l.newVreg();
                toGpr(x, t, Size.X);
                setIf(l.vreg(inst.result()), x, Size.X, Cond.EQ);
            }
            case I8X16_BITMASK -> {
                int bits = lanesBits(B16, use(inst.arg(0)), 0x8040201008040201L, 0x8040201008040201L);
                int hi = l.newVectorVreg();
                l.neonOp(NeonOp.EXT, B16, hi, bits, bits, 8);
                int z = op(NeonOp.ZIP1, B16, bits, hi); // halfword k = lane k's bit | lane k+8's bit << 8
                sumInto(inst, NeonOp.ADDV, H8, z);
            }
            case I16X8_BITMASK -> sumInto(inst, NeonOp.ADDV, H8,
                    lanesBits(H8, use(inst.arg(0)), 0x0008000400020001L, 0x0080004000200010L));
            case I32X4_BITMASK -> sumInto(inst, NeonOp.ADDV, S4,
                    lanesBits(S4, use(inst.arg(0)), 0x0000000200000001L, 0x0000000800000004L));
            case I64X2_BITMASK -> sumInto(inst, NeonOp.ADDP_SCALAR, D2, lanesBits(D2, use(inst.arg(0)), 1, 2));
            // ---- shifts ----
            case I8X16_SHL, I16X8_SHL, I32X4_SHL, I64X2_SHL -> shift(inst, op, NeonOp.SHL, NeonOp.USHL, false);
            case I8X16_SHR_S, I16X8_SHR_S, I32X4_SHR_S, I64X2_SHR_S -> shift(inst, op, NeonOp.SSHR, NeonOp.SSHL, true);
            case I8X16_SHR_U, I16X8_SHR_U, I32X4_SHR_U, I64X2_SHR_U -> shift(inst, op, NeonOp.USHR, NeonOp.USHL, true);
            // ---- sequences ----
            case I8X16_NARROW_I16X8_S -> narrow(inst, NeonOp.SQXTN, B8);
            case I8X16_NARROW_I16X8_U -> narrow(inst, NeonOp.SQXTUN, B8);
            case I16X8_NARROW_I32X4_S -> narrow(inst, NeonOp.SQXTN, H4);
            case I16X8_NARROW_I32X4_U -> narrow(inst, NeonOp.SQXTUN, H4);
            case I64X2_MUL -> i64x2Mul(inst);
            case I32X4_DOT_I16X8_S -> into(inst, dot(use(inst.arg(0)), use(inst.arg(1)), H4, S4));
            case I16X8_RELAXED_DOT_I8X16_I7X16_S -> into(inst, dot(use(inst.arg(0)), use(inst.arg(1)), B8, H8));
            case I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S -> {
                int d16 = dot(use(inst.arg(0)), use(inst.arg(1)), B8, H8);
                int d32 = l.newVectorVreg();
                op(NeonOp.SADDLP, H8, d32, d16, MInst.NONE);
                op(NeonOp.ADD, S4, l.vreg(inst.result()), d32, use(inst.arg(2)));
            }
            case F32X4_PMIN, F64X2_PMIN, F32X4_PMAX, F64X2_PMAX -> {
                Arrangement t = op == Opcode.F32X4_PMIN || op == Opcode.F32X4_PMAX ? S4 : D2;
                int a = use(inst.arg(0));
                int b = use(inst.arg(1));
                // pmin: b < a ? b : a; pmax: a < b ? b : a
                boolean min = op == Opcode.F32X4_PMIN || op == Opcode.F64X2_PMIN;
                int mask = min ? op(NeonOp.FCMGT, t, a, b) : op(NeonOp.FCMGT, t, b, a);
                into(inst, select(mask, b, a));
            }
            case F64X2_CONVERT_LOW_I32X4_S, F64X2_CONVERT_LOW_I32X4_U -> {
                boolean signed = op == Opcode.F64X2_CONVERT_LOW_I32X4_S;
                int wide = shiftImm(signed ? NeonOp.SSHLL : NeonOp.USHLL, S2, use(inst.arg(0)), 0);
                op(signed ? NeonOp.SCVTF : NeonOp.UCVTF, D2, l.vreg(inst.result()), wide, MInst.NONE);
            }
            case I32X4_TRUNC_SAT_F64X2_S_ZERO, I32X4_TRUNC_SAT_F64X2_U_ZERO, I32X4_RELAXED_TRUNC_F64X2_S_ZERO,
                    I32X4_RELAXED_TRUNC_F64X2_U_ZERO -> {
                boolean signed = op == Opcode.I32X4_TRUNC_SAT_F64X2_S_ZERO || op == Opcode.I32X4_RELAXED_TRUNC_F64X2_S_ZERO;
                int t = op(signed ? NeonOp.FCVTZS : NeonOp.FCVTZU, D2, use(inst.arg(0)), MInst.NONE);
                op(signed ? NeonOp.SQXTN : NeonOp.UQXTN, S2, l.vreg(inst.result()), t, MInst.NONE);
            }
            case F32X4_RELAXED_MADD, F32X4_RELAXED_NMADD, F64X2_RELAXED_MADD, F64X2_RELAXED_NMADD -> {
                Arrangement t = op == Opcode.F32X4_RELAXED_MADD || op == Opcode.F32X4_RELAXED_NMADD ? S4 : D2;
                boolean negate = op == Opcode.F32X4_RELAXED_NMADD || op == Opcode.F64X2_RELAXED_NMADD;
                int product = op(NeonOp.FMUL, t, use(inst.arg(0)), use(inst.arg(1)));
                op(negate ? NeonOp.FSUB : NeonOp.FADD, t, l.vreg(inst.result()), use(inst.arg(2)), product);
            }
            default -> throw new CompileException("the AArch64 backend cannot lower the SIMD instruction "
                    + op.mnemonic() + " (function " + l.function().funcIndex() + ")");
        }
    }

    private void lowerRule(Inst inst, Rule r) {
        int a = use(inst.arg(0));
        int b = inst.args().size() > 1 ? use(inst.arg(1)) : MInst.NONE;
        int dst = r.invert ? l.newVectorVreg() : l.vreg(inst.result());
        switch (r.op.form()) {
            case SHIFT_LONG -> l.neonOp(r.op, r.t, dst, a, MInst.NONE, 0);
            default -> op(r.op, r.t, dst, r.swap ? b : a, r.swap ? a : b);
        }
        if (r.invert) {
            op(NeonOp.NOT, B16, l.vreg(inst.result()), dst, MInst.NONE);
        }
    }

    /** Each lane of {@code v}: its bit of {@code (lo, hi)} where its sign bit is set, else 0. */
    private int lanesBits(Arrangement t, int v, long lo, long hi) {
        int sign = shiftImm(NeonOp.SSHR, t, v, t.elementBits() - 1);
        return op(NeonOp.AND, B16, sign, vconst(lo, hi));
    }

    /** The i32 result = the lanes of {@code v} summed by {@code sum} ({@code addv} or scalar {@code addp}). */
    private void sumInto(Inst inst, NeonOp sum, Arrangement t, int v) {
        int s = op(sum, t, v, MInst.NONE);
        toGpr(l.vreg(inst.result()), s, Size.W);
    }

    private void shift(Inst inst, Opcode op, NeonOp byImmediate, NeonOp byRegister, boolean right) {
        String shape = op.name().substring(0, op.name().indexOf('_'));
        Arrangement t = switch (shape) {
            case "I8X16" -> B16;
            case "I16X8" -> H8;
            case "I32X4" -> S4;
            default -> D2;
        };
        int bits = t.elementBits();
        int a = use(inst.arg(0));
        Value count = inst.arg(1);
        int dst = l.vreg(inst.result());
        if (Lowering.isConst(count)) {
            int n = (int) (Lowering.constOf(count) & (bits - 1));
            if (n == 0) {
                into(inst, a);
            } else {
                l.neonOp(byImmediate, t, dst, a, MInst.NONE, n);
            }
            return;
        }
        int masked = l.newVreg();
        l.aluImm(MInst.Alu.AND, Size.W, masked, use(count), bits - 1);
        int amount = masked;
        if (right) {
            amount = l.newVreg();
            MInst neg = new MInst(MOp.NEG);
            neg.size = Size.W;
            neg.dst = amount;
            neg.src = masked;
            l.emit(neg.uses(masked).defs(amount));
        }
        int vcount = l.newVectorVreg();
        l.neonOp(NeonOp.DUP_GENERAL, t, vcount, amount, MInst.NONE, 0);
        op(byRegister, t, dst, a, vcount);
    }

    /** Saturating narrow of a (low half of the result) and b (high half); {@code t} the 64-bit result arrangement. */
    private void narrow(Inst inst, NeonOp op, Arrangement t) {
        int v = op(op, t, use(inst.arg(0)), MInst.NONE);
        op(op, Arrangement.full(t.size()), v, use(inst.arg(1)), MInst.NONE);
        into(inst, v);
    }

    /** The pairwise sums of the lane products of a and b: {@code smull}, {@code smull2}, {@code addp}. */
    private int dot(int a, int b, Arrangement half, Arrangement wide) {
        int lo = op(NeonOp.SMULL, half, a, b);
        int hi = op(NeonOp.SMULL, Arrangement.full(half.size()), a, b);
        return op(NeonOp.ADDP, wide, lo, hi);
    }

    private void i64x2Mul(Inst inst) {
        int a = use(inst.arg(0));
        int b = use(inst.arg(1));
        int[] products = new int[2];
        for (int k = 0; k < 2; k++) {
            int x = l.newVreg();
            int y = l.newVreg();
            l.neonOp(NeonOp.UMOV, D2, x, a, MInst.NONE, k);
            l.neonOp(NeonOp.UMOV, D2, y, b, MInst.NONE, k);
            products[k] = l.newVreg();
            MInst m = new MInst(MOp.ALU_RR);
            m.alu = MInst.Alu.MUL;
            m.size = Size.X;
            m.dst = products[k];
            m.src = x;
            m.src2 = y;
            l.emit(m.uses(x, y).defs(products[k]));
        }
        int v = l.newVectorVreg();
        fromGpr(v, products[0], Size.X);
        l.neonOp(NeonOp.INS_GENERAL, D2, v, products[1], MInst.NONE, 1);
        into(inst, v);
    }

    // ---- shuffle --------------------------------------------------------------------------------------

    private static final NeonOp[] PERMUTES = {NeonOp.ZIP1, NeonOp.ZIP2, NeonOp.UZP1, NeonOp.UZP2, NeonOp.TRN1, NeonOp.TRN2};

    /** The byte of {@code x:y} (0..15 x, 16..31 y) that permute {@code op} in arrangement {@code t} puts in byte {@code i}. */
    static int permuteSource(NeonOp op, Arrangement t, int i) {
        int es = t.elementBits() / 8;
        int n = 16 / es;
        int j = i / es;
        int half = n / 2;
        int src = switch (op) {
            case ZIP1 -> (j % 2) * n + j / 2;
            case ZIP2 -> (j % 2) * n + half + j / 2;
            case UZP1 -> j < half ? 2 * j : n + 2 * (j - half);
            case UZP2 -> j < half ? 2 * j + 1 : n + 2 * (j - half) + 1;
            case TRN1 -> j % 2 == 0 ? j : n + j - 1;
            case TRN2 -> j % 2 == 0 ? j + 1 : n + j;
            default -> throw new IllegalArgumentException(op.toString());
        };
        return (src / n) * 16 + (src % n) * es + i % es;
    }

    /**
     * {@code i8x16.shuffle a b} with lane indices {@code lo} (bytes 0..7) and {@code hi} (8..15): a
     * permute instruction, {@code ext} or {@code dup} when the mask is one, else {@code tbl}.
     */
    private int shuffle(Value av, Value bv, long lo, long hi) {
        int[] mask = new int[16];
        boolean fromA = true;
        boolean fromB = true;
        for (int i = 0; i < 16; i++) {
            mask[i] = (int) ((i < 8 ? lo >>> 8 * i : hi >>> 8 * (i - 8)) & 0xFF) & 31;
            fromA &= mask[i] < 16;
            fromB &= mask[i] >= 16;
        }
        int a = use(av);
        int b = use(bv);
        // operand pairs (x, y) and how the mask's byte numbers map to them
        int[][] pairs = {{a, b, 0}, {b, a, 1}, {a, a, 2}, {b, b, 3}};
        for (int[] p : pairs) {
            for (NeonOp op : PERMUTES) {
                for (int size = 0; size < 4; size++) {
                    Arrangement t = Arrangement.full(size);
                    boolean match = true;
                    for (int i = 0; i < 16 && match; i++) {
                        match = mask[i] == mapped(permuteSource(op, t, i), p[2]);
                    }
                    if (match) {
                        return op(op, t, p[0], p[1]);
                    }
                }
            }
            for (int k = 1; k < 16; k++) {
                boolean match = true;
                for (int i = 0; i < 16 && match; i++) {
                    match = mask[i] == mapped(k + i, p[2]);
                }
                if (match) {
                    int d = l.newVectorVreg();
                    l.neonOp(NeonOp.EXT, B16, d, p[0], p[1], k);
                    return d;
                }
            }
        }
        if (fromA || fromB) {
            for (int size = 3; size >= 0; size--) {
                int es = 1 << size;
                int first = mask[0] & 15;
                boolean dup = first % es == 0;
                for (int i = 0; i < 16 && dup; i++) {
                    dup = (mask[i] & 15) == first + i % es;
                }
                if (dup) {
                    int d = l.newVectorVreg();
                    l.neonOp(NeonOp.DUP_ELEMENT, Arrangement.full(size), d, fromA ? a : b, MInst.NONE, first / es);
                    return d;
                }
            }
            return op(NeonOp.TBL, B16, fromA ? a : b, vconst(indexBytes(mask, fromA ? 0 : 16, 0), indexBytes(mask, fromA ? 0 : 16, 8)));
        }
        int ta = op(NeonOp.TBL, B16, a, vconst(indexBytes(mask, 0, 0), indexBytes(mask, 0, 8)));
        int tb = op(NeonOp.TBL, B16, b, vconst(indexBytes(mask, 16, 0), indexBytes(mask, 16, 8)));
        return op(NeonOp.ORR, B16, ta, tb);
    }

    /** Byte {@code src} of {@code x:y} as a shuffle index for operand pair kind {@code kind} (see {@link #shuffle}). */
    private static int mapped(int src, int kind) {
        return switch (kind) {
            case 0 -> src;
            case 1 -> src ^ 16;
            case 2 -> src & 15;
            default -> (src & 15) | 16;
        };
    }

    /** 8 {@code tbl} indices from byte {@code from} of the mask for the operand whose bytes are {@code base..base+15}; others 0xFF (zero). */
    private static long indexBytes(int[] mask, int base, int from) {
        long x = 0;
        for (int i = 7; i >= 0; i--) {
            int m = mask[from + i] - base;
            x = x << 8 | (m >= 0 && m < 16 ? m : 0xFF);
        }
        return x;
    }
}
