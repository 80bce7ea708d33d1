package dev.kiln.arch.x86_64;

import dev.kiln.abi.CompileException;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.LaneOps;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.wasm.Opcode;

/**
 * Instruction selection for the fixed-width SIMD operations ({@code Op.SIMD}, Wasm 2.0 §4.4.3) on
 * SSE4.1 (which implies SSSE3), the x86-64 baseline for 128-bit SIMD: each Wasm instruction becomes a
 * short sequence of one-instruction MIR ({@link MOp#VPACKED} and friends) over virtual xmm registers,
 * so that register allocation and spilling stay exact. Where the ISA's instruction differs from Wasm's
 * semantics the sequence fixes it up, following the sequences V8 and Wasmtime use:
 * <ul>
 *   <li>{@code f32x4/f64x2.min/max}: {@code minps}/{@code maxps} in both operand orders, combined so
 *       that NaNs propagate (canonicalised) and {@code -0 < +0}; {@code pmin}/{@code pmax} are the
 *       plain instruction with the operands swapped;</li>
 *   <li>unsigned comparisons through {@code pminu*}/{@code pmaxu*} and {@code pcmpeq*}; 64-bit signed
 *       comparisons without SSE4.2's {@code pcmpgtq}, from the sign of the overflow-corrected
 *       difference; {@code i64x2.mul} from three {@code pmuludq}; {@code i64x2.shr_s} by the
 *       sign-extension identity {@code ((x >>> n) ^ m) - m}, {@code m = 2^63 >>> n};</li>
 *   <li>{@code i8x16} shifts through 16-bit lanes; shift counts are masked by the lane width;</li>
 *   <li>{@code swizzle} maps indices of 16 or more to a set top bit (saturating add of 0x70) so that
 *       {@code pshufb} writes 0; {@code shuffle} uses {@code pshufd} when the mask moves whole 32-bit
 *       lanes of one operand, {@code punpckl/h*} when it interleaves the halves of the two operands,
 *       {@code palignr} when it takes 16 consecutive bytes of their concatenation, else {@code pshufb}
 *       on each operand used and {@code por};</li>
 *   <li>saturating float-to-int conversions handle NaN (0) and both overflow directions explicitly;
 *       unsigned int-to-float conversions split the value so that every step is exact.</li>
 * </ul>
 * The relaxed instructions of Wasm 3.0 take one deterministic choice each, the same on every run and
 * CPU: {@code relaxed_swizzle} is {@code pshufb} itself (an index of 16..127 selects lane
 * {@code index & 15}, one of the spec's choices); the {@code relaxed_trunc} forms are the saturating
 * conversions; {@code relaxed_madd}/{@code nmadd} multiply and add unfused (no FMA in the baseline);
 * {@code relaxed_laneselect} is {@code bitselect}; {@code relaxed_min}/{@code max} are Wasm's
 * {@code min}/{@code max}; {@code relaxed_q15mulr_s} is {@code pmulhrsw} (0x8000 for
 * {@code -1 * -1}); the {@code relaxed_dot} forms are {@code pmaddubsw} with the i7 operand unsigned
 * (exact for the i7 range; no saturation is possible there).
 * With AVX the same sequences are emitted VEX-encoded and {@link VexForms} folds their
 * copy-then-operate pairs into three-operand forms; with AVX2 splats are one {@code vpbroadcast*}
 * ({@code vbroadcastss} for f32x4; f64x2 stays {@code pshufd}, also one instruction).
 * Not thread-safe: part of one function's {@link Lowering}.
 */
final class SimdLowering extends LoweringRules {
    private static final long ONES = -1L;

    SimdLowering(Lowering l) {
        super(l);
    }

    /**
     * The instructions that are one packed operation of their two operands ({@code copy a; op a, b}),
     * which {@link #binary} lowers; with AVX the second operand may be a v128 load read by the
     * instruction itself ({@link #memoryOperandForm}).
     */
    private static final java.util.Map<Opcode, PackedOp> BINARY = new java.util.EnumMap<>(Opcode.class);

    static {
        BINARY.put(Opcode.I64X2_EQ, PackedOp.PCMPEQQ);
        BINARY.put(Opcode.V128_AND, PackedOp.PAND);
        BINARY.put(Opcode.V128_OR, PackedOp.POR);
        BINARY.put(Opcode.V128_XOR, PackedOp.PXOR);
        BINARY.put(Opcode.I8X16_NARROW_I16X8_S, PackedOp.PACKSSWB);
        BINARY.put(Opcode.I8X16_NARROW_I16X8_U, PackedOp.PACKUSWB);
        BINARY.put(Opcode.I8X16_ADD, PackedOp.PADDB);
        BINARY.put(Opcode.I8X16_ADD_SAT_S, PackedOp.PADDSB);
        BINARY.put(Opcode.I8X16_ADD_SAT_U, PackedOp.PADDUSB);
        BINARY.put(Opcode.I8X16_SUB, PackedOp.PSUBB);
        BINARY.put(Opcode.I8X16_SUB_SAT_S, PackedOp.PSUBSB);
        BINARY.put(Opcode.I8X16_SUB_SAT_U, PackedOp.PSUBUSB);
        BINARY.put(Opcode.I8X16_MIN_S, PackedOp.PMINSB);
        BINARY.put(Opcode.I8X16_MIN_U, PackedOp.PMINUB);
        BINARY.put(Opcode.I8X16_MAX_S, PackedOp.PMAXSB);
        BINARY.put(Opcode.I8X16_MAX_U, PackedOp.PMAXUB);
        BINARY.put(Opcode.I8X16_AVGR_U, PackedOp.PAVGB);
        BINARY.put(Opcode.I16X8_NARROW_I32X4_S, PackedOp.PACKSSDW);
        BINARY.put(Opcode.I16X8_NARROW_I32X4_U, PackedOp.PACKUSDW);
        BINARY.put(Opcode.I16X8_ADD, PackedOp.PADDW);
        BINARY.put(Opcode.I16X8_ADD_SAT_S, PackedOp.PADDSW);
        BINARY.put(Opcode.I16X8_ADD_SAT_U, PackedOp.PADDUSW);
        BINARY.put(Opcode.I16X8_SUB, PackedOp.PSUBW);
        BINARY.put(Opcode.I16X8_SUB_SAT_S, PackedOp.PSUBSW);
        BINARY.put(Opcode.I16X8_SUB_SAT_U, PackedOp.PSUBUSW);
        BINARY.put(Opcode.I16X8_MUL, PackedOp.PMULLW);
        BINARY.put(Opcode.I16X8_MIN_S, PackedOp.PMINSW);
        BINARY.put(Opcode.I16X8_MIN_U, PackedOp.PMINUW);
        BINARY.put(Opcode.I16X8_MAX_S, PackedOp.PMAXSW);
        BINARY.put(Opcode.I16X8_MAX_U, PackedOp.PMAXUW);
        BINARY.put(Opcode.I16X8_AVGR_U, PackedOp.PAVGW);
        BINARY.put(Opcode.I32X4_ADD, PackedOp.PADDD);
        BINARY.put(Opcode.I32X4_SUB, PackedOp.PSUBD);
        BINARY.put(Opcode.I32X4_MUL, PackedOp.PMULLD);
        BINARY.put(Opcode.I32X4_MIN_S, PackedOp.PMINSD);
        BINARY.put(Opcode.I32X4_MIN_U, PackedOp.PMINUD);
        BINARY.put(Opcode.I32X4_MAX_S, PackedOp.PMAXSD);
        BINARY.put(Opcode.I32X4_MAX_U, PackedOp.PMAXUD);
        BINARY.put(Opcode.I32X4_DOT_I16X8_S, PackedOp.PMADDWD);
        BINARY.put(Opcode.I64X2_ADD, PackedOp.PADDQ);
        BINARY.put(Opcode.I64X2_SUB, PackedOp.PSUBQ);
        BINARY.put(Opcode.F32X4_ADD, PackedOp.ADDPS);
        BINARY.put(Opcode.F32X4_SUB, PackedOp.SUBPS);
        BINARY.put(Opcode.F32X4_MUL, PackedOp.MULPS);
        BINARY.put(Opcode.F32X4_DIV, PackedOp.DIVPS);
        BINARY.put(Opcode.F64X2_ADD, PackedOp.ADDPD);
        BINARY.put(Opcode.F64X2_SUB, PackedOp.SUBPD);
        BINARY.put(Opcode.F64X2_MUL, PackedOp.MULPD);
        BINARY.put(Opcode.F64X2_DIV, PackedOp.DIVPD);
        BINARY.put(Opcode.I8X16_RELAXED_SWIZZLE, PackedOp.PSHUFB);
        BINARY.put(Opcode.I16X8_RELAXED_Q15MULR_S, PackedOp.PMULHRSW);
    }

    /**
     * The packed operation of Wasm SIMD instruction {@code op} when it is one operation of its two
     * operands whose second operand may be a 16-byte memory operand (VEX encodings need no alignment;
     * SSE's would), else {@code null}. Either operand may be the memory one when {@link #commutes}.
     */
    static PackedOp memoryOperandForm(Opcode op) {
        return BINARY.get(op);
    }

    /** Whether {@code p} gives the same result with its operands swapped. */
    static boolean commutes(PackedOp p) {
        return COMMUTATIVE.contains(p);
    }

    @Override
    void lower(Inst inst) {
        Opcode op = override != null ? override : LaneOps.opcode(inst);
        PackedOp plain = BINARY.get(op);
        if (plain != null) {
            into(inst, binary(plain, inst));
            return;
        }
        int lane = inst.aux();
        if ((op == Opcode.I8X16_SPLAT || op == Opcode.I16X8_SPLAT || op == Opcode.I32X4_SPLAT || op == Opcode.I64X2_SPLAT
                || op == Opcode.F32X4_SPLAT) && l.cpuFeatures().contains(dev.kiln.abi.CpuFeature.AVX2)
                && l.cpuFeatures().contains(dev.kiln.abi.CpuFeature.AVX)) { // VEX code (CodeEmitter) needs AVX itself
            into(inst, broadcast(op, inst.arg(0)));
            return;
        }
        switch (op) {
            case V128_CONST -> vconstInto(vreg(inst.result()), constOf(inst.arg(0)), constOf(inst.arg(1)));
            case I8X16_SHUFFLE -> into(inst, shuffle(inst.arg(0), inst.arg(1), constOf(inst.arg(2)), constOf(inst.arg(3))));
            case I8X16_SWIZZLE -> {
                int idx = copy(use(inst.arg(1)));
                opConst(PackedOp.PADDUSB, idx, splat8(0x70), splat8(0x70));
                int r = copy(use(inst.arg(0)));
                op(PackedOp.PSHUFB, r, idx);
                into(inst, r);
            }
            // ---- memory forms (the scalar load is IR) ----
            case V128_LOAD8X8_S -> into(inst, unary(PackedOp.PMOVSXBW, gprToXmm(inst.arg(0), false)));
            case V128_LOAD8X8_U -> into(inst, unary(PackedOp.PMOVZXBW, gprToXmm(inst.arg(0), false)));
            case V128_LOAD16X4_S -> into(inst, unary(PackedOp.PMOVSXWD, gprToXmm(inst.arg(0), false)));
            case V128_LOAD16X4_U -> into(inst, unary(PackedOp.PMOVZXWD, gprToXmm(inst.arg(0), false)));
            case V128_LOAD32X2_S -> into(inst, unary(PackedOp.PMOVSXDQ, gprToXmm(inst.arg(0), false)));
            case V128_LOAD32X2_U -> into(inst, unary(PackedOp.PMOVZXDQ, gprToXmm(inst.arg(0), false)));
            case V128_LOAD32_ZERO -> into(inst, gprToXmm(inst.arg(0), true));
            case V128_LOAD64_ZERO -> into(inst, gprToXmm(inst.arg(0), false));
            // ---- splat, lanes ----
            case I8X16_SPLAT -> {
                int t = gprToXmm(inst.arg(0), true);
                op(PackedOp.PSHUFB, t, vconst(0, 0));
                into(inst, t);
            }
            case I16X8_SPLAT -> into(inst, unaryImm(PackedOp.PSHUFD,
                    unaryImm(PackedOp.PSHUFLW, gprToXmm(inst.arg(0), true), 0), 0));
            case I32X4_SPLAT -> into(inst, unaryImm(PackedOp.PSHUFD, gprToXmm(inst.arg(0), true), 0));
            case I64X2_SPLAT -> into(inst, unaryImm(PackedOp.PSHUFD, gprToXmm(inst.arg(0), false), 0x44));
            case F32X4_SPLAT -> into(inst, unaryImm(PackedOp.PSHUFD, use(inst.arg(0)), 0));
            case F64X2_SPLAT -> into(inst, unaryImm(PackedOp.PSHUFD, use(inst.arg(0)), 0x44));
            case I8X16_EXTRACT_LANE_S, I16X8_EXTRACT_LANE_S -> {
                int w = op == Opcode.I8X16_EXTRACT_LANE_S ? 1 : 2;
                int t = newVreg();
                pextr(w, t, use(inst.arg(0)), lane);
                movsx(Size.S32, 8 * w, vreg(inst.result()), t);
            }
            case I8X16_EXTRACT_LANE_U -> pextr(1, vreg(inst.result()), use(inst.arg(0)), lane);
            case I16X8_EXTRACT_LANE_U -> pextr(2, vreg(inst.result()), use(inst.arg(0)), lane);
            case I32X4_EXTRACT_LANE -> pextr(4, vreg(inst.result()), use(inst.arg(0)), lane);
            case I64X2_EXTRACT_LANE -> pextr(8, vreg(inst.result()), use(inst.arg(0)), lane);
            case F32X4_EXTRACT_LANE -> {
                if (lane == 0) {
                    mov(Size.S32, vreg(inst.result()), use(inst.arg(0)));
                } else {
                    unaryImmInto(vreg(inst.result()), PackedOp.PSHUFD, use(inst.arg(0)), lane);
                }
            }
            case F64X2_EXTRACT_LANE -> {
                if (lane == 0) {
                    mov(Size.S64, vreg(inst.result()), use(inst.arg(0)));
                } else {
                    unaryImmInto(vreg(inst.result()), PackedOp.PSHUFD, use(inst.arg(0)), 0xEE);
                }
            }
            case I8X16_REPLACE_LANE -> into(inst, pinsr(1, inst.arg(0), use(inst.arg(1)), lane));
            case I16X8_REPLACE_LANE -> into(inst, pinsr(2, inst.arg(0), use(inst.arg(1)), lane));
            case I32X4_REPLACE_LANE -> into(inst, pinsr(4, inst.arg(0), use(inst.arg(1)), lane));
            case I64X2_REPLACE_LANE -> into(inst, pinsr(8, inst.arg(0), use(inst.arg(1)), lane));
            case F32X4_REPLACE_LANE -> into(inst, pinsr(4, inst.arg(0), xmmToGpr(use(inst.arg(1)), true), lane));
            case F64X2_REPLACE_LANE -> into(inst, pinsr(8, inst.arg(0), xmmToGpr(use(inst.arg(1)), false), lane));
            // ---- comparisons ----
            case I8X16_EQ, I8X16_NE, I8X16_LT_S, I8X16_GT_S, I8X16_LE_S,
                 I8X16_GE_S, I8X16_LT_U, I8X16_GT_U, I8X16_LE_U, I8X16_GE_U,
                 I16X8_EQ, I16X8_NE, I16X8_LT_S, I16X8_GT_S, I16X8_LE_S,
                 I16X8_GE_S, I16X8_LT_U, I16X8_GT_U, I16X8_LE_U, I16X8_GE_U,
                 I32X4_EQ, I32X4_NE, I32X4_LT_S, I32X4_GT_S, I32X4_LE_S,
                 I32X4_GE_S, I32X4_LT_U, I32X4_GT_U, I32X4_LE_U, I32X4_GE_U
                 -> into(inst, integerCompare(op, inst));
            case I64X2_NE -> into(inst, not(binary(PackedOp.PCMPEQQ, inst)));
            case I64X2_LT_S -> into(inst, greater64(use(inst.arg(1)), use(inst.arg(0))));
            case I64X2_GT_S -> into(inst, greater64(use(inst.arg(0)), use(inst.arg(1))));
            case I64X2_LE_S -> into(inst, not(greater64(use(inst.arg(0)), use(inst.arg(1)))));
            case I64X2_GE_S -> into(inst, not(greater64(use(inst.arg(1)), use(inst.arg(0)))));
            case F32X4_EQ -> into(inst, binaryImm(PackedOp.CMPPS, use(inst.arg(0)), use(inst.arg(1)), 0));
            case F32X4_NE -> into(inst, binaryImm(PackedOp.CMPPS, use(inst.arg(0)), use(inst.arg(1)), 4));
            case F32X4_LT -> into(inst, binaryImm(PackedOp.CMPPS, use(inst.arg(0)), use(inst.arg(1)), 1));
            case F32X4_GT -> into(inst, binaryImm(PackedOp.CMPPS, use(inst.arg(1)), use(inst.arg(0)), 1));
            case F32X4_LE -> into(inst, binaryImm(PackedOp.CMPPS, use(inst.arg(0)), use(inst.arg(1)), 2));
            case F32X4_GE -> into(inst, binaryImm(PackedOp.CMPPS, use(inst.arg(1)), use(inst.arg(0)), 2));
            case F64X2_EQ -> into(inst, binaryImm(PackedOp.CMPPD, use(inst.arg(0)), use(inst.arg(1)), 0));
            case F64X2_NE -> into(inst, binaryImm(PackedOp.CMPPD, use(inst.arg(0)), use(inst.arg(1)), 4));
            case F64X2_LT -> into(inst, binaryImm(PackedOp.CMPPD, use(inst.arg(0)), use(inst.arg(1)), 1));
            case F64X2_GT -> into(inst, binaryImm(PackedOp.CMPPD, use(inst.arg(1)), use(inst.arg(0)), 1));
            case F64X2_LE -> into(inst, binaryImm(PackedOp.CMPPD, use(inst.arg(0)), use(inst.arg(1)), 2));
            case F64X2_GE -> into(inst, binaryImm(PackedOp.CMPPD, use(inst.arg(1)), use(inst.arg(0)), 2));
            // ---- bitwise ----
            case V128_NOT -> into(inst, not(copy(use(inst.arg(0)))));
            case V128_ANDNOT -> into(inst, swapped(PackedOp.PANDN, inst)); // pandn: ~dst & src
            case V128_BITSELECT -> {
                int c = use(inst.arg(2));
                int t = copy(use(inst.arg(0)));
                op(PackedOp.PAND, t, c);
                int u = copy(c);
                op(PackedOp.PANDN, u, use(inst.arg(1)));
                op(PackedOp.POR, t, u);
                into(inst, t);
            }
            case V128_ANY_TRUE -> {
                int t = copy(use(inst.arg(0)));
                op(PackedOp.PCMPEQB, t, vconst(0, 0));
                setIfMask(inst, 1, t, Cond.NE);
            }
            case I8X16_ALL_TRUE -> allTrue(inst, PackedOp.PCMPEQB);
            case I16X8_ALL_TRUE -> allTrue(inst, PackedOp.PCMPEQW);
            case I32X4_ALL_TRUE -> allTrue(inst, PackedOp.PCMPEQD);
            case I64X2_ALL_TRUE -> allTrue(inst, PackedOp.PCMPEQQ);
            case I8X16_BITMASK -> movmsk(vreg(inst.result()), 1, use(inst.arg(0)));
            case I16X8_BITMASK -> {
                int t = copy(use(inst.arg(0)));
                op(PackedOp.PACKSSWB, t, vconst(0, 0));
                movmsk(vreg(inst.result()), 1, t);
            }
            case I32X4_BITMASK -> movmsk(vreg(inst.result()), 4, use(inst.arg(0)));
            case I64X2_BITMASK -> movmsk(vreg(inst.result()), 8, use(inst.arg(0)));
            // ---- i8x16 ----
            case I8X16_ABS -> into(inst, unary(PackedOp.PABSB, use(inst.arg(0))));
            case I8X16_NEG -> into(inst, negate(PackedOp.PSUBB, inst));
            case I8X16_POPCNT -> into(inst, popcnt(use(inst.arg(0))));
            case I8X16_SHL, I8X16_SHR_S, I8X16_SHR_U -> into(inst, shift8(op, use(inst.arg(0)), inst.arg(1)));
            // ---- i16x8 ----
            case I16X8_EXTADD_PAIRWISE_I8X16_S -> {
                int t = vconst(splat8(1), splat8(1));
                op(PackedOp.PMADDUBSW, t, use(inst.arg(0))); // unsigned 1 x signed lanes
                into(inst, t);
            }
            case I16X8_EXTADD_PAIRWISE_I8X16_U -> {
                int t = copy(use(inst.arg(0)));
                opConst(PackedOp.PMADDUBSW, t, splat8(1), splat8(1)); // unsigned lanes x signed 1
                into(inst, t);
            }
            case I16X8_ABS -> into(inst, unary(PackedOp.PABSW, use(inst.arg(0))));
            case I16X8_NEG -> into(inst, negate(PackedOp.PSUBW, inst));
            case I16X8_Q15MULR_SAT_S -> {
                int t = binary(PackedOp.PMULHRSW, inst);
                int m = copy(t); // 0x8000 * 0x8000 gives 0x8000: saturate it to 0x7FFF
                opConst(PackedOp.PCMPEQW, m, splat16(0x8000), splat16(0x8000));
                op(PackedOp.PXOR, t, m);
                into(inst, t);
            }
            case I16X8_EXTEND_LOW_I8X16_S -> into(inst, unary(PackedOp.PMOVSXBW, use(inst.arg(0))));
            case I16X8_EXTEND_HIGH_I8X16_S -> into(inst, unary(PackedOp.PMOVSXBW, high(use(inst.arg(0)))));
            case I16X8_EXTEND_LOW_I8X16_U -> into(inst, unary(PackedOp.PMOVZXBW, use(inst.arg(0))));
            case I16X8_EXTEND_HIGH_I8X16_U -> into(inst, unary(PackedOp.PMOVZXBW, high(use(inst.arg(0)))));
            case I16X8_SHL -> into(inst, shift(PackedOp.PSLLW, Assembler.PackedShift.PSLLW, 15, inst));
            case I16X8_SHR_S -> into(inst, shift(PackedOp.PSRAW, Assembler.PackedShift.PSRAW, 15, inst));
            case I16X8_SHR_U -> into(inst, shift(PackedOp.PSRLW, Assembler.PackedShift.PSRLW, 15, inst));
            case I16X8_EXTMUL_LOW_I8X16_S -> into(inst, extmul(PackedOp.PMOVSXBW, PackedOp.PMULLW, false, inst));
            case I16X8_EXTMUL_HIGH_I8X16_S -> into(inst, extmul(PackedOp.PMOVSXBW, PackedOp.PMULLW, true, inst));
            case I16X8_EXTMUL_LOW_I8X16_U -> into(inst, extmul(PackedOp.PMOVZXBW, PackedOp.PMULLW, false, inst));
            case I16X8_EXTMUL_HIGH_I8X16_U -> into(inst, extmul(PackedOp.PMOVZXBW, PackedOp.PMULLW, true, inst));
            // ---- i32x4 ----
            case I32X4_EXTADD_PAIRWISE_I16X8_S -> {
                int t = copy(use(inst.arg(0)));
                opConst(PackedOp.PMADDWD, t, splat16(1), splat16(1));
                into(inst, t);
            }
            case I32X4_EXTADD_PAIRWISE_I16X8_U -> {
                // bias to signed, add pairs, then add back 2 * 0x8000 per pair
                int t = copy(use(inst.arg(0)));
                opConst(PackedOp.PXOR, t, splat16(0x8000), splat16(0x8000));
                opConst(PackedOp.PMADDWD, t, splat16(1), splat16(1));
                opConst(PackedOp.PADDD, t, splat32(0x10000), splat32(0x10000));
                into(inst, t);
            }
            case I32X4_ABS -> into(inst, unary(PackedOp.PABSD, use(inst.arg(0))));
            case I32X4_NEG -> into(inst, negate(PackedOp.PSUBD, inst));
            case I32X4_EXTEND_LOW_I16X8_S -> into(inst, unary(PackedOp.PMOVSXWD, use(inst.arg(0))));
            case I32X4_EXTEND_HIGH_I16X8_S -> into(inst, unary(PackedOp.PMOVSXWD, high(use(inst.arg(0)))));
            case I32X4_EXTEND_LOW_I16X8_U -> into(inst, unary(PackedOp.PMOVZXWD, use(inst.arg(0))));
            case I32X4_EXTEND_HIGH_I16X8_U -> into(inst, unary(PackedOp.PMOVZXWD, high(use(inst.arg(0)))));
            case I32X4_SHL -> into(inst, shift(PackedOp.PSLLD, Assembler.PackedShift.PSLLD, 31, inst));
            case I32X4_SHR_S -> into(inst, shift(PackedOp.PSRAD, Assembler.PackedShift.PSRAD, 31, inst));
            case I32X4_SHR_U -> into(inst, shift(PackedOp.PSRLD, Assembler.PackedShift.PSRLD, 31, inst));
            case I32X4_EXTMUL_LOW_I16X8_S -> into(inst, extmul(PackedOp.PMOVSXWD, PackedOp.PMULLD, false, inst));
            case I32X4_EXTMUL_HIGH_I16X8_S -> into(inst, extmul(PackedOp.PMOVSXWD, PackedOp.PMULLD, true, inst));
            case I32X4_EXTMUL_LOW_I16X8_U -> into(inst, extmul(PackedOp.PMOVZXWD, PackedOp.PMULLD, false, inst));
            case I32X4_EXTMUL_HIGH_I16X8_U -> into(inst, extmul(PackedOp.PMOVZXWD, PackedOp.PMULLD, true, inst));
            // ---- i64x2 ----
            case I64X2_ABS -> {
                int x = use(inst.arg(0));
                int sign = signMask64(x);
                int t = copy(x);
                op(PackedOp.PXOR, t, sign);
                op(PackedOp.PSUBQ, t, sign);
                into(inst, t);
            }
            case I64X2_NEG -> into(inst, negate(PackedOp.PSUBQ, inst));
            case I64X2_EXTEND_LOW_I32X4_S -> into(inst, unary(PackedOp.PMOVSXDQ, use(inst.arg(0))));
            case I64X2_EXTEND_HIGH_I32X4_S -> into(inst, unary(PackedOp.PMOVSXDQ, high(use(inst.arg(0)))));
            case I64X2_EXTEND_LOW_I32X4_U -> into(inst, unary(PackedOp.PMOVZXDQ, use(inst.arg(0))));
            case I64X2_EXTEND_HIGH_I32X4_U -> into(inst, unary(PackedOp.PMOVZXDQ, high(use(inst.arg(0)))));
            case I64X2_SHL -> into(inst, shift(PackedOp.PSLLQ, Assembler.PackedShift.PSLLQ, 63, inst));
            case I64X2_SHR_U -> into(inst, shift(PackedOp.PSRLQ, Assembler.PackedShift.PSRLQ, 63, inst));
            case I64X2_SHR_S -> {
                int count = countXmm(inst.arg(1), 63, 0);
                int t = copy(use(inst.arg(0)));
                op(PackedOp.PSRLQ, t, count);
                int m = vconst(Long.MIN_VALUE, Long.MIN_VALUE);
                op(PackedOp.PSRLQ, m, count);
                op(PackedOp.PXOR, t, m);
                op(PackedOp.PSUBQ, t, m);
                into(inst, t);
            }
            case I64X2_MUL -> into(inst, mul64(use(inst.arg(0)), use(inst.arg(1))));
            case I64X2_EXTMUL_LOW_I32X4_S -> into(inst, extmul64(PackedOp.PMULDQ, 0x10, inst));
            case I64X2_EXTMUL_HIGH_I32X4_S -> into(inst, extmul64(PackedOp.PMULDQ, 0x32, inst));
            case I64X2_EXTMUL_LOW_I32X4_U -> into(inst, extmul64(PackedOp.PMULUDQ, 0x10, inst));
            case I64X2_EXTMUL_HIGH_I32X4_U -> into(inst, extmul64(PackedOp.PMULUDQ, 0x32, inst));
            // ---- f32x4 ----
            case F32X4_CEIL -> into(inst, unaryImm(PackedOp.ROUNDPS, use(inst.arg(0)), 10));
            case F32X4_FLOOR -> into(inst, unaryImm(PackedOp.ROUNDPS, use(inst.arg(0)), 9));
            case F32X4_TRUNC -> into(inst, unaryImm(PackedOp.ROUNDPS, use(inst.arg(0)), 11));
            case F32X4_NEAREST -> into(inst, unaryImm(PackedOp.ROUNDPS, use(inst.arg(0)), 8));
            case F32X4_ABS -> into(inst, withConst(PackedOp.ANDPS, use(inst.arg(0)), splat32(0x7FFF_FFFF)));
            case F32X4_NEG -> into(inst, withConst(PackedOp.XORPS, use(inst.arg(0)), splat32(0x8000_0000)));
            case F32X4_SQRT -> into(inst, unary(PackedOp.SQRTPS, use(inst.arg(0))));
            case F32X4_MIN -> into(inst, floatMin(PackedOp.MINPS, PackedOp.ORPS, PackedOp.CMPPS, PackedOp.ANDNPS,
                    Assembler.PackedShift.PSRLD, 10, inst));
            case F32X4_MAX -> into(inst, floatMax(PackedOp.MAXPS, PackedOp.XORPS, PackedOp.ORPS, PackedOp.SUBPS,
                    PackedOp.CMPPS, PackedOp.ANDNPS, Assembler.PackedShift.PSRLD, 10, inst));
            case F32X4_PMIN -> into(inst, swapped(PackedOp.MINPS, inst));
            case F32X4_PMAX -> into(inst, swapped(PackedOp.MAXPS, inst));
            // ---- f64x2 ----
            case F64X2_CEIL -> into(inst, unaryImm(PackedOp.ROUNDPD, use(inst.arg(0)), 10));
            case F64X2_FLOOR -> into(inst, unaryImm(PackedOp.ROUNDPD, use(inst.arg(0)), 9));
            case F64X2_TRUNC -> into(inst, unaryImm(PackedOp.ROUNDPD, use(inst.arg(0)), 11));
            case F64X2_NEAREST -> into(inst, unaryImm(PackedOp.ROUNDPD, use(inst.arg(0)), 8));
            case F64X2_ABS -> into(inst, withConst(PackedOp.ANDPD, use(inst.arg(0)), Long.MAX_VALUE));
            case F64X2_NEG -> into(inst, withConst(PackedOp.XORPD, use(inst.arg(0)), Long.MIN_VALUE));
            case F64X2_SQRT -> into(inst, unary(PackedOp.SQRTPD, use(inst.arg(0))));
            case F64X2_MIN -> into(inst, floatMin(PackedOp.MINPD, PackedOp.ORPD, PackedOp.CMPPD, PackedOp.ANDNPD,
                    Assembler.PackedShift.PSRLQ, 13, inst));
            case F64X2_MAX -> into(inst, floatMax(PackedOp.MAXPD, PackedOp.XORPD, PackedOp.ORPD, PackedOp.SUBPD,
                    PackedOp.CMPPD, PackedOp.ANDNPD, Assembler.PackedShift.PSRLQ, 13, inst));
            case F64X2_PMIN -> into(inst, swapped(PackedOp.MINPD, inst));
            case F64X2_PMAX -> into(inst, swapped(PackedOp.MAXPD, inst));
            // ---- conversions ----
            case I32X4_TRUNC_SAT_F32X4_S -> into(inst, truncSatF32S(use(inst.arg(0))));
            case I32X4_TRUNC_SAT_F32X4_U -> into(inst, truncSatF32U(use(inst.arg(0))));
            case F32X4_CONVERT_I32X4_S -> into(inst, unary(PackedOp.CVTDQ2PS, use(inst.arg(0))));
            case F32X4_CONVERT_I32X4_U -> into(inst, convertU32ToF32(use(inst.arg(0))));
            case I32X4_TRUNC_SAT_F64X2_S_ZERO -> {
                int x = use(inst.arg(0));
                int t = copy(x);
                int ok = copy(x);
                opImm(PackedOp.CMPPD, ok, x, 0); // not NaN
                opConst(PackedOp.ANDPD, ok, Double.doubleToRawLongBits(2147483647.0), Double.doubleToRawLongBits(2147483647.0));
                op(PackedOp.MINPD, t, ok); // NaN lanes: minpd returns the second operand, 0
                into(inst, unary(PackedOp.CVTTPD2DQ, t)); // below the range: 0x80000000; upper lanes 0
            }
            case I32X4_TRUNC_SAT_F64X2_U_ZERO -> {
                int zero = vconst(0, 0);
                int t = copy(use(inst.arg(0)));
                op(PackedOp.MAXPD, t, zero); // NaN and negative lanes: 0
                long max = Double.doubleToRawLongBits(4294967295.0);
                opConst(PackedOp.MINPD, t, max, max);
                opImmInto(PackedOp.ROUNDPD, t, t, 11);
                long twoTo52 = Double.doubleToRawLongBits(0x1p52);
                opConst(PackedOp.ADDPD, t, twoTo52, twoTo52); // the integer in the low 32 bits of each f64
                opImm(PackedOp.SHUFPS, t, zero, 0x88);
                into(inst, t);
            }
            case F64X2_CONVERT_LOW_I32X4_S -> into(inst, unary(PackedOp.CVTDQ2PD, use(inst.arg(0))));
            case F64X2_CONVERT_LOW_I32X4_U -> {
                int t = copy(use(inst.arg(0)));
                opConst(PackedOp.UNPCKLPS, t, splat32(0x4330_0000), splat32(0x4330_0000));
                long twoTo52 = Double.doubleToRawLongBits(0x1p52);
                opConst(PackedOp.SUBPD, t, twoTo52, twoTo52);
                into(inst, t);
            }
            case F32X4_DEMOTE_F64X2_ZERO -> into(inst, unary(PackedOp.CVTPD2PS, use(inst.arg(0))));
            case F64X2_PROMOTE_LOW_F32X4 -> into(inst, unary(PackedOp.CVTPS2PD, use(inst.arg(0))));
            // ---- relaxed SIMD (Wasm 3.0): one deterministic choice each, see the class comment ----
            case I32X4_RELAXED_TRUNC_F32X4_S -> into(inst, truncSatF32S(use(inst.arg(0))));
            case I32X4_RELAXED_TRUNC_F32X4_U -> into(inst, truncSatF32U(use(inst.arg(0))));
            case I32X4_RELAXED_TRUNC_F64X2_S_ZERO, I32X4_RELAXED_TRUNC_F64X2_U_ZERO -> {
                Opcode exact = op == Opcode.I32X4_RELAXED_TRUNC_F64X2_S_ZERO ? Opcode.I32X4_TRUNC_SAT_F64X2_S_ZERO
                        : Opcode.I32X4_TRUNC_SAT_F64X2_U_ZERO;
                lowerAs(exact, inst);
            }
            case F32X4_RELAXED_MADD -> into(inst, multiplyAdd(PackedOp.MULPS, PackedOp.ADDPS, false, inst));
            case F32X4_RELAXED_NMADD -> into(inst, multiplyAdd(PackedOp.MULPS, PackedOp.SUBPS, true, inst));
            case F64X2_RELAXED_MADD -> into(inst, multiplyAdd(PackedOp.MULPD, PackedOp.ADDPD, false, inst));
            case F64X2_RELAXED_NMADD -> into(inst, multiplyAdd(PackedOp.MULPD, PackedOp.SUBPD, true, inst));
            case I8X16_RELAXED_LANESELECT, I16X8_RELAXED_LANESELECT, I32X4_RELAXED_LANESELECT, I64X2_RELAXED_LANESELECT ->
                lowerAs(Opcode.V128_BITSELECT, inst);
            case F32X4_RELAXED_MIN -> lowerAs(Opcode.F32X4_MIN, inst);
            case F32X4_RELAXED_MAX -> lowerAs(Opcode.F32X4_MAX, inst);
            case F64X2_RELAXED_MIN -> lowerAs(Opcode.F64X2_MIN, inst);
            case F64X2_RELAXED_MAX -> lowerAs(Opcode.F64X2_MAX, inst);
            case I16X8_RELAXED_DOT_I8X16_I7X16_S -> into(inst, swapped(PackedOp.PMADDUBSW, inst));
            case I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S -> {
                int t = swapped(PackedOp.PMADDUBSW, inst); // b as unsigned (the i7 operand) x a signed
                opConst(PackedOp.PMADDWD, t, splat16(1), splat16(1));
                op(PackedOp.PADDD, t, use(inst.arg(2)));
                into(inst, t);
            }
            default -> throw new CompileException(op.mnemonic() + " is not supported by the x86-64 backend yet (in function "
                    + l.function().funcIndex() + ")");
        }
    }

    /**
     * A splat with AVX2: the scalar moved into lane 0 ({@code vmovd}/{@code vmovq}; an f32 is there
     * already), then {@code vpbroadcastb/w/d/q} or {@code vbroadcastss} into every lane (one
     * instruction instead of {@code pshufb} with a zero register or {@code pshuflw} + {@code pshufd}).
     */
    private int broadcast(Opcode op, Value scalar) {
        return switch (op) {
            case I8X16_SPLAT -> unary(PackedOp.VPBROADCASTB, gprToXmm(scalar, true));
            case I16X8_SPLAT -> unary(PackedOp.VPBROADCASTW, gprToXmm(scalar, true));
            case I32X4_SPLAT -> unary(PackedOp.VPBROADCASTD, gprToXmm(scalar, true));
            case I64X2_SPLAT -> unary(PackedOp.VPBROADCASTQ, gprToXmm(scalar, false));
            default -> unary(PackedOp.VBROADCASTSS, use(scalar));
        };
    }

    /** Lowers {@code inst} as the fixed-width instruction {@code exact} (same operands): a relaxed instruction's deterministic choice. */
    private void lowerAs(Opcode exact, Inst inst) {
        lowering(exact).accept(inst);
    }

    private java.util.function.Consumer<Inst> lowering(Opcode exact) {
        return i -> {
            Opcode saved = override;
            override = exact;
            try {
                lower(i);
            } finally {
                override = saved;
            }
        };
    }

    /** While lowering a relaxed instruction as a fixed-width one: that one. */
    private Opcode override;

    /** {@code a * b + c}, or {@code c - a * b} ({@code negate}), rounded twice (unfused; no FMA in the SSE4.1 baseline). */
    private int multiplyAdd(PackedOp mul, PackedOp addOrSub, boolean negate, Inst inst) {
        int p = binary(mul, inst);
        if (!negate) {
            op(addOrSub, p, use(inst.arg(2)));
            return p;
        }
        int r = copy(use(inst.arg(2)));
        op(addOrSub, r, p);
        return r;
    }

    // ---- operand and MIR helpers -----------------------------------------------------------------

    private static long constOf(Value v) {
        return v.definingInst().imm();
    }

    private int newV() {
        return l.newVectorVreg();
    }

    /**
     * The result of {@code inst} is the fresh register {@code r} the sequence computed (shared when the
     * result has no register yet, else copied).
     */
    private void into(Inst inst, int r) {
        l.shareOrCopy(inst.result(), r);
    }

    private int copy(int src) {
        int t = newV();
        mov(Size.S64, t, src);
        return t;
    }

    /** dst = dst op src. */
    private void op(PackedOp p, int dst, int src) {
        MInst m = new MInst(MOp.VPACKED);
        m.packed = p;
        m.dst = dst;
        m.src = src;
        emit(m.uses(dst, src).defs(dst));
    }

    /** dst = dst op src, imm8. */
    private void opImm(PackedOp p, int dst, int src, int imm) {
        MInst m = new MInst(MOp.VPACKED);
        m.packed = p;
        m.dst = dst;
        m.src = src;
        m.imm = imm;
        emit(m.uses(dst, src).defs(dst));
    }

    /** dst = op(src, imm8), a form that only writes dst. */
    private void opImmInto(PackedOp p, int dst, int src, int imm) {
        MInst m = new MInst(MOp.VPACKED);
        m.packed = p;
        m.packedWritesOnly = true;
        m.dst = dst;
        m.src = src;
        m.imm = imm;
        emit(m.uses(src).defs(dst));
    }

    /** dst = dst op the constant (lo, hi). */
    private void opConst(PackedOp p, int dst, long lo, long hi) {
        MInst m = new MInst(MOp.VPACKED_CONST);
        m.packed = p;
        m.dst = dst;
        m.imm = lo;
        m.imm2 = hi;
        emit(m.uses(dst).defs(dst));
    }

    private int withConst(PackedOp p, int src, long lane64) {
        int t = copy(src);
        opConst(p, t, lane64, lane64);
        return t;
    }

    /** A new register = op(src), a form that only writes its destination. */
    private int unary(PackedOp p, int src) {
        int t = newV();
        MInst m = new MInst(MOp.VPACKED);
        m.packed = p;
        m.packedWritesOnly = true;
        m.dst = t;
        m.src = src;
        emit(m.uses(src).defs(t));
        return t;
    }

    private int unaryImm(PackedOp p, int src, int imm) {
        int t = newV();
        unaryImmInto(t, p, src, imm);
        return t;
    }

    private void unaryImmInto(int dst, PackedOp p, int src, int imm) {
        opImmInto(p, dst, src, imm);
    }

    /** Lane-wise operations whose operands commute (float add and mul: up to NaN payloads, which Wasm leaves open). */
    private static final java.util.Set<PackedOp> COMMUTATIVE = java.util.EnumSet.of(PackedOp.PADDB, PackedOp.PADDW,
            PackedOp.PADDD, PackedOp.PADDQ, PackedOp.PADDSB, PackedOp.PADDSW, PackedOp.PADDUSB, PackedOp.PADDUSW,
            PackedOp.PMULLW, PackedOp.PMULLD, PackedOp.PMADDWD, PackedOp.PAND, PackedOp.POR, PackedOp.PXOR,
            PackedOp.PCMPEQB, PackedOp.PCMPEQW, PackedOp.PCMPEQD, PackedOp.PCMPEQQ, PackedOp.PMINUB, PackedOp.PMAXUB,
            PackedOp.PMINSB, PackedOp.PMAXSB, PackedOp.PMINSW, PackedOp.PMAXSW, PackedOp.PMINUW, PackedOp.PMAXUW,
            PackedOp.PMINSD, PackedOp.PMAXSD, PackedOp.PMINUD, PackedOp.PMAXUD, PackedOp.PAVGB, PackedOp.PAVGW,
            PackedOp.ADDPS, PackedOp.ADDPD, PackedOp.MULPS, PackedOp.MULPD);

    /** copy(a) op b; for a commutative op, copy(b) op a when a is used again and b is not. */
    /** Per lane shape i8x16, i16x8, i32x4: pcmpeq, pcmpgt, pminu, pmaxu. */
    private static final PackedOp[][] INTEGER_COMPARE = {
        {PackedOp.PCMPEQB, PackedOp.PCMPGTB, PackedOp.PMINUB, PackedOp.PMAXUB},
        {PackedOp.PCMPEQW, PackedOp.PCMPGTW, PackedOp.PMINUW, PackedOp.PMAXUW},
        {PackedOp.PCMPEQD, PackedOp.PCMPGTD, PackedOp.PMINUD, PackedOp.PMAXUD},
    };

    /**
     * The ten integer comparisons of i8x16, i16x8 and i32x4 ({@code 0xFD 35..64}, in the spec's order
     * eq, ne, lt_s, lt_u, gt_s, gt_u, le_s, le_u, ge_s, ge_u per shape): SSE has only equality and
     * signed greater-than, so the others swap operands, negate, or compare with the unsigned min/max.
     */
    private int integerCompare(Opcode op, Inst inst) {
        int k = op.code() - Opcode.I8X16_EQ.code();
        PackedOp[] ops = INTEGER_COMPARE[k / 10];
        PackedOp eq = ops[0];
        PackedOp gt = ops[1];
        return switch (k % 10) {
            case 0 -> binary(eq, inst);
            case 1 -> not(binary(eq, inst));
            case 2 -> swapped(gt, inst);                              // lt_s: b > a
            case 3 -> not(unsignedCompare(ops[3], eq, inst));         // lt_u: not (max(a, b) == a)
            case 4 -> binary(gt, inst);
            case 5 -> not(unsignedCompare(ops[2], eq, inst));         // gt_u: not (min(a, b) == a)
            case 6 -> not(binary(gt, inst));                          // le_s
            case 7 -> unsignedCompare(ops[2], eq, inst);              // le_u: min(a, b) == a
            case 8 -> not(swapped(gt, inst));                         // ge_s
            default -> unsignedCompare(ops[3], eq, inst);             // ge_u: max(a, b) == a
        };
    }

    private int binary(PackedOp p, Inst inst) {
        Value a = inst.arg(0);
        Value b = inst.arg(1);
        if (COMMUTATIVE.contains(p) && (l.isFoldedLoad(a) || !l.isFoldedLoad(b) && preferAsDestination(b, a))) {
            Value t = a;
            a = b;
            b = t;
        }
        int t = copy(use(a));
        if (l.isFoldedLoad(b)) {
            // the v128 operand is read from memory by the instruction itself: vpaddd t, a, [m] (AVX only)
            MInst m = new MInst(MOp.VPACKED_RM);
            m.packed = p;
            m.dst = t;
            emitWithMemoryOperand(m, b.definingInst(), true);
            return t;
        }
        op(p, t, use(b));
        return t;
    }

    /** copy(b) op a. */
    private int swapped(PackedOp p, Inst inst) {
        int t = copy(use(inst.arg(1)));
        op(p, t, use(inst.arg(0)));
        return t;
    }

    private int binaryImm(PackedOp p, int a, int b, int imm) {
        int t = copy(a);
        opImm(p, t, b, imm);
        return t;
    }

    private void vconstInto(int dst, long lo, long hi) {
        MInst m = new MInst(MOp.VCONST);
        m.dst = dst;
        m.imm = lo;
        m.imm2 = hi;
        emit(m.defs(dst));
    }

    private int vconst(long lo, long hi) {
        int t = newV();
        vconstInto(t, lo, hi);
        return t;
    }

    /** Flips every bit of {@code r} in place; returns it. */
    private int not(int r) {
        opConst(PackedOp.PXOR, r, ONES, ONES);
        return r;
    }

    private int negate(PackedOp sub, Inst inst) {
        int t = vconst(0, 0);
        op(sub, t, use(inst.arg(0)));
        return t;
    }

    /** {@code cmpeq(minmax(a, b), a)}: a <= b (pminu) or a >= b (pmaxu), unsigned. */
    private int unsignedCompare(PackedOp minMax, PackedOp eq, Inst inst) {
        int a = use(inst.arg(0));
        int t = copy(a);
        op(minMax, t, use(inst.arg(1)));
        op(eq, t, a);
        return t;
    }

    /** A new register whose lanes are the high 64 bits of {@code x} (in the low half). */
    private int high(int x) {
        return unaryImm(PackedOp.PSHUFD, x, 0xEE);
    }

    private int extmul(PackedOp extend, PackedOp mul, boolean high, Inst inst) {
        int a = use(inst.arg(0));
        int b = use(inst.arg(1));
        int ea = unary(extend, high ? high(a) : a);
        int eb = unary(extend, high ? high(b) : b);
        op(mul, ea, eb);
        return ea;
    }

    /** i64x2.extmul: dwords moved to lanes 0 and 2 by pshufd {@code order}, then pmuldq/pmuludq. */
    private int extmul64(PackedOp mul, int order, Inst inst) {
        int a = unaryImm(PackedOp.PSHUFD, use(inst.arg(0)), order);
        int b = unaryImm(PackedOp.PSHUFD, use(inst.arg(1)), order);
        op(mul, a, b);
        return a;
    }

    /** A new register with the i32 or i64 in {@code v} in lane 0 and zeros elsewhere (movd/movq). */
    private int gprToXmm(Value v, boolean i32) {
        int r = use(v);
        int t = newV();
        MInst m = new MInst(MOp.BITCAST_I2F);
        m.size = i32 ? Size.S32 : Size.S64;
        m.dst = t;
        m.src = r;
        emit(m.uses(r).defs(t));
        return t;
    }

    private int gprToXmm(int r, boolean i32) {
        int t = newV();
        MInst m = new MInst(MOp.BITCAST_I2F);
        m.size = i32 ? Size.S32 : Size.S64;
        m.dst = t;
        m.src = r;
        emit(m.uses(r).defs(t));
        return t;
    }

    private int xmmToGpr(int x, boolean i32) {
        int t = newVreg();
        MInst m = new MInst(MOp.BITCAST_F2I);
        m.size = i32 ? Size.S32 : Size.S64;
        m.dst = t;
        m.src = x;
        emit(m.uses(x).defs(t));
        return t;
    }

    private void pextr(int width, int dst, int src, int lane) {
        MInst m = new MInst(MOp.PEXTR);
        m.width = width;
        m.dst = dst;
        m.src = src;
        m.imm = lane;
        emit(m.uses(src).defs(dst));
    }

    private int pinsr(int width, Value vec, int gpr, int lane) {
        int t = copy(use(vec));
        MInst m = new MInst(MOp.PINSR);
        m.width = width;
        m.dst = t;
        m.src = gpr;
        m.imm = lane;
        emit(m.uses(t, gpr).defs(t));
        return t;
    }

    private void movmsk(int dst, int width, int src) {
        MInst m = new MInst(MOp.VMOVMSK);
        m.width = width;
        m.dst = dst;
        m.src = src;
        emit(m.uses(src).defs(dst));
    }

    /** result = (movmsk(mask) cond 0xFFFF) ? 1 : 0, for a byte mask of lanes. */
    private void setIfMask(Inst inst, int width, int mask, Cond cond) {
        int bits = newVreg();
        movmsk(bits, width, mask);
        MInst cmp = new MInst(MOp.CMP_RI);
        cmp.size = Size.S32;
        cmp.dst = bits;
        cmp.imm = cond == Cond.NE ? 0xFFFF : 0;
        emit(cmp.uses(bits));
        int dst = vreg(inst.result());
        MInst set = new MInst(MOp.SETCC);
        set.size = Size.S32;
        set.cond = cond;
        set.dst = dst;
        emit(set.defs(dst));
    }

    /** all_true: no lane equals zero. */
    private void allTrue(Inst inst, PackedOp eq) {
        int t = copy(use(inst.arg(0)));
        op(eq, t, vconst(0, 0));
        setIfMask(inst, 1, t, Cond.E);
    }

    // ---- sequences -----------------------------------------------------------------------------

    /**
     * The shift count of a lane shift, masked by the lane width ({@code mask} = bits - 1) plus
     * {@code add}, in lane 0 of a new xmm register (the count operand of psllw/psrad/...).
     */
    private int countXmm(Value count, int mask, int add) {
        if (isConst(count)) {
            int c = ((int) constOf(count) & mask) + add;
            return vconst(c, 0);
        }
        int r = newVreg();
        mov(Size.S32, r, use(count));
        MInst and = new MInst(MOp.ALU_RI);
        and.alu = AluOp.AND;
        and.size = Size.S32;
        and.dst = r;
        and.imm = mask;
        emit(and.uses(r).defs(r));
        if (add != 0) {
            MInst plus = new MInst(MOp.ALU_RI);
            plus.alu = AluOp.ADD;
            plus.size = Size.S32;
            plus.dst = r;
            plus.imm = add;
            emit(plus.uses(r).defs(r));
        }
        return gprToXmm(r, true);
    }

    /** A 16/32/64-bit lane shift: by an immediate when the count is constant, else by a register count. */
    private int shift(PackedOp byXmm, Assembler.PackedShift byImm, int mask, Inst inst) {
        int t = copy(use(inst.arg(0)));
        Value count = inst.arg(1);
        if (isConst(count)) {
            MInst m = new MInst(MOp.VSHIFT);
            m.pshift = byImm;
            m.dst = t;
            m.imm = (int) constOf(count) & mask;
            emit(m.uses(t).defs(t));
        } else {
            op(byXmm, t, countXmm(count, mask, 0));
        }
        return t;
    }

    /** i8x16 shifts, through the 16-bit lanes of the unpacked halves. */
    private int shift8(Opcode op, int x, Value count) {
        int lo = copy(x);
        int hi = copy(x);
        if (op == Opcode.I8X16_SHR_S) {
            // each word is (b << 8 | b): arithmetic shift by n + 8 gives b >> n, sign-extended
            op(PackedOp.PUNPCKLBW, lo, x);
            op(PackedOp.PUNPCKHBW, hi, x);
            int c = countXmm(count, 7, 8);
            op(PackedOp.PSRAW, lo, c);
            op(PackedOp.PSRAW, hi, c);
            op(PackedOp.PACKSSWB, lo, hi);
            return lo;
        }
        int zero = vconst(0, 0);
        op(PackedOp.PUNPCKLBW, lo, zero);
        op(PackedOp.PUNPCKHBW, hi, zero);
        int c = countXmm(count, 7, 0);
        PackedOp s = op == Opcode.I8X16_SHL ? PackedOp.PSLLW : PackedOp.PSRLW;
        op(s, lo, c);
        op(s, hi, c);
        if (op == Opcode.I8X16_SHL) {
            opConst(PackedOp.PAND, lo, splat16(0xFF), splat16(0xFF));
            opConst(PackedOp.PAND, hi, splat16(0xFF), splat16(0xFF));
        }
        op(PackedOp.PACKUSWB, lo, hi);
        return lo;
    }

    /** Per-byte population count: two 4-bit table lookups (pshufb) added. */
    private int popcnt(int x) {
        long lutLo = 0x0302_0201_0201_0100L;
        long lutHi = 0x0403_0302_0302_0201L;
        int lo = copy(x);
        opConst(PackedOp.PAND, lo, splat8(0x0F), splat8(0x0F));
        int hi = copy(x);
        MInst sh = new MInst(MOp.VSHIFT);
        sh.pshift = Assembler.PackedShift.PSRLW;
        sh.dst = hi;
        sh.imm = 4;
        emit(sh.uses(hi).defs(hi));
        opConst(PackedOp.PAND, hi, splat8(0x0F), splat8(0x0F));
        int a = vconst(lutLo, lutHi);
        op(PackedOp.PSHUFB, a, lo);
        int b = vconst(lutLo, lutHi);
        op(PackedOp.PSHUFB, b, hi);
        op(PackedOp.PADDB, a, b);
        return a;
    }

    /** Each 64-bit lane all ones where {@code x}'s lane is negative. */
    private int signMask64(int x) {
        int t = copy(x);
        MInst sh = new MInst(MOp.VSHIFT);
        sh.pshift = Assembler.PackedShift.PSRAD;
        sh.dst = t;
        sh.imm = 31;
        emit(sh.uses(t).defs(t));
        return unaryImm(PackedOp.PSHUFD, t, 0xF5);
    }

    /** Signed 64-bit a > b per lane (no pcmpgtq): the sign of b - a, corrected for overflow. */
    private int greater64(int a, int b) {
        int d = copy(b);
        op(PackedOp.PSUBQ, d, a);             // d = b - a
        int x = copy(b);
        op(PackedOp.PXOR, x, a);              // b ^ a
        int y = copy(d);
        op(PackedOp.PXOR, y, b);              // d ^ b
        op(PackedOp.PAND, x, y);
        op(PackedOp.PXOR, d, x);              // negative iff b < a
        return signMask64(d);
    }

    /** a * b per 64-bit lane from 32x32->64 products: lo*lo + ((hi(a)*lo(b) + lo(a)*hi(b)) << 32). */
    private int mul64(int a, int b) {
        int ah = copy(a);
        shiftImm(Assembler.PackedShift.PSRLQ, ah, 32);
        op(PackedOp.PMULUDQ, ah, b);
        int bh = copy(b);
        shiftImm(Assembler.PackedShift.PSRLQ, bh, 32);
        op(PackedOp.PMULUDQ, bh, a);
        op(PackedOp.PADDQ, ah, bh);
        shiftImm(Assembler.PackedShift.PSLLQ, ah, 32);
        int r = copy(a);
        op(PackedOp.PMULUDQ, r, b);
        op(PackedOp.PADDQ, r, ah);
        return r;
    }

    private void shiftImm(Assembler.PackedShift s, int dst, int imm) {
        MInst m = new MInst(MOp.VSHIFT);
        m.pshift = s;
        m.dst = dst;
        m.imm = imm;
        emit(m.uses(dst).defs(dst));
    }

    /**
     * Wasm fmin per lane: min in both operand orders or-ed (so -0 wins over +0 and a NaN in either
     * operand gives a NaN), then NaN lanes canonicalised (payload cleared by andn with the shifted
     * unordered mask).
     */
    private int floatMin(PackedOp min, PackedOp or, PackedOp cmp, PackedOp andn, Assembler.PackedShift srl,
            int payloadShift, Inst inst) {
        int a = use(inst.arg(0));
        int b = use(inst.arg(1));
        int s = copy(b);
        op(min, s, a);
        int d = copy(a);
        op(min, d, b);
        op(or, s, d);
        opImm(cmp, d, s, 3); // unordered: NaN lanes
        return finishNaN(or, andn, srl, payloadShift, s, d);
    }

    private int finishNaN(PackedOp or, PackedOp andn, Assembler.PackedShift srl, int payloadShift, int s, int d) {
        op(or, s, d);
        shiftImm(srl, d, payloadShift);
        op(andn, d, s);
        return d;
    }

    /**
     * Wasm fmax per lane: max in both orders; their xor marks discrepancies (NaN, +-0), or-ed into the
     * result and subtracted so that +0 wins over -0 and NaNs propagate; NaN lanes canonicalised.
     */
    private int floatMax(PackedOp max, PackedOp xor, PackedOp or, PackedOp sub, PackedOp cmp, PackedOp andn,
            Assembler.PackedShift srl, int payloadShift, Inst inst) {
        int a = use(inst.arg(0));
        int b = use(inst.arg(1));
        int s = copy(b);
        op(max, s, a);
        int d = copy(a);
        op(max, d, b);
        op(xor, d, s);
        op(or, s, d);
        op(sub, s, d);
        opImm(cmp, d, s, 3);
        shiftImm(srl, d, payloadShift);
        op(andn, d, s);
        return d;
    }

    /**
     * i32x4.trunc_sat_f32x4_s: NaN lanes zeroed, then cvttps2dq, whose out-of-range result 0x80000000
     * is flipped to 0x7FFFFFFF in the lanes whose input was not negative.
     */
    private int truncSatF32S(int x) {
        int d = copy(x);
        int t = copy(x);
        opImm(PackedOp.CMPPS, t, x, 0);       // t = not NaN
        op(PackedOp.PAND, d, t);               // NaN -> 0
        op(PackedOp.PXOR, t, d);               // top bit: input >= 0
        int e = unary(PackedOp.CVTTPS2DQ, d);
        op(PackedOp.PAND, t, e);               // top bit: input >= 0 but result negative (overflow)
        shiftImm(Assembler.PackedShift.PSRAD, t, 31);
        op(PackedOp.PXOR, e, t);
        return e;
    }

    /**
     * i32x4.trunc_sat_f32x4_u: negative and NaN lanes to 0 (maxps with 0), then the lanes of 2^31 and
     * more converted after subtracting 2^31 (saturating at 2^32) and added back.
     */
    private int truncSatF32U(int x) {
        int d = copy(x);
        op(PackedOp.MAXPS, d, vconst(0, 0));
        long twoTo31 = splat32(0x4F00_0000);
        int t = copy(d);
        opConst(PackedOp.SUBPS, t, twoTo31, twoTo31);     // t = d - 2^31
        int over = vconst(twoTo31, twoTo31);
        opImm(PackedOp.CMPPS, over, t, 2);                 // 2^31 <= t: d >= 2^32
        int high = unary(PackedOp.CVTTPS2DQ, t);
        op(PackedOp.PXOR, high, over);                     // overflow: 0x7FFFFFFF
        op(PackedOp.PMAXSD, high, vconst(0, 0));           // d < 2^31: 0
        int e = unary(PackedOp.CVTTPS2DQ, d);              // d >= 2^31: 0x80000000
        op(PackedOp.PADDD, e, high);
        return e;
    }

    /** f32x4.convert_i32x4_u: the low and high 16 bits converted exactly, the high half halved and doubled. */
    private int convertU32ToF32(int x) {
        int lo = vconst(0, 0);
        opImm(PackedOp.PBLENDW, lo, x, 0x55);
        int hi = copy(x);
        op(PackedOp.PSUBD, hi, lo);
        int lof = unary(PackedOp.CVTDQ2PS, lo);
        shiftImm(Assembler.PackedShift.PSRLD, hi, 1);
        int hif = unary(PackedOp.CVTDQ2PS, hi);
        op(PackedOp.ADDPS, hif, hif);
        op(PackedOp.ADDPS, hif, lof);
        return hif;
    }

    /**
     * i8x16.shuffle with lane indices {@code lo} (bytes 0..7) and {@code hi} (8..15), each 0..31:
     * pshufd when the mask moves whole 32-bit lanes of one operand, else pshufb of each operand used
     * (0x80 zeroes the lanes the other operand supplies) and por.
     */
    private int shuffle(Value a, Value b, long lo, long hi) {
        int[] m = new int[16];
        boolean usesA = false;
        boolean usesB = false;
        for (int k = 0; k < 16; k++) {
            m[k] = (int) ((k < 8 ? lo >>> (8 * k) : hi >>> (8 * (k - 8))) & 0xFF);
            if (a == b) {
                m[k] &= 15;
            }
            usesA |= m[k] < 16;
            usesB |= m[k] >= 16;
        }
        if (!(usesA && usesB)) {
            Value src = usesA ? a : b;
            int[] idx = new int[16];
            for (int k = 0; k < 16; k++) {
                idx[k] = m[k] & 15;
            }
            int imm = dwordPattern(idx);
            if (imm >= 0) {
                return unaryImm(PackedOp.PSHUFD, use(src), imm);
            }
            int t = copy(use(src));
            opConst(PackedOp.PSHUFB, t, bytes(idx, 0), bytes(idx, 8));
            return t;
        }
        int[] pattern = twoOperandPattern(m);
        if (pattern != null) {
            PackedOp p = PackedOp.values()[pattern[0]];
            boolean fromB = pattern[2] != 0; // palignr: b is the high half, shifted into place
            int t = copy(use(fromB ? b : a));
            if (p.hasImm8()) {
                opImm(p, t, use(fromB ? a : b), pattern[1]);
            } else {
                op(p, t, use(b));
            }
            return t;
        }
        int[] ma = new int[16];
        int[] mb = new int[16];
        for (int k = 0; k < 16; k++) {
            ma[k] = m[k] < 16 ? m[k] : 0x80;
            mb[k] = m[k] >= 16 ? m[k] - 16 : 0x80;
        }
        int ta = copy(use(a));
        opConst(PackedOp.PSHUFB, ta, bytes(ma, 0), bytes(ma, 8));
        int tb = copy(use(b));
        opConst(PackedOp.PSHUFB, tb, bytes(mb, 0), bytes(mb, 8));
        op(PackedOp.POR, ta, tb);
        return ta;
    }

    private static final PackedOp[] UNPACK_LOW = {PackedOp.PUNPCKLBW, PackedOp.PUNPCKLWD, PackedOp.PUNPCKLDQ,
        PackedOp.PUNPCKLQDQ};
    private static final PackedOp[] UNPACK_HIGH = {PackedOp.PUNPCKHBW, PackedOp.PUNPCKHWD, PackedOp.PUNPCKHDQ,
        PackedOp.PUNPCKHQDQ};

    /**
     * A one-instruction form of a two-operand shuffle mask {@code m} (indices 0..31 into a then b):
     * {@code punpckl/h{bw,wd,dq,qdq} a, b} when it interleaves the low or high halves, or
     * {@code palignr b, a, s} when it takes 16 consecutive bytes from {@code s} in {@code a ++ b}.
     * Returns {PackedOp ordinal, imm8, 1 if the first operand is b}, or null.
     */
    private static int[] twoOperandPattern(int[] m) {
        for (int log = 0; log < 4; log++) {
            int w = 1 << log;
            for (int half = 0; half < 2; half++) {
                boolean match = true;
                for (int k = 0; k < 16 && match; k++) {
                    int unit = k / w;
                    int src = (unit / 2 + half * (8 / w)) * w + k % w + (unit % 2 == 1 ? 16 : 0);
                    match = m[k] == src;
                }
                if (match) {
                    return new int[] {(half == 0 ? UNPACK_LOW : UNPACK_HIGH)[log].ordinal(), 0, 0};
                }
            }
        }
        int s = m[0];
        if (s >= 1 && s <= 15) {
            for (int k = 1; k < 16; k++) {
                if (m[k] != s + k) {
                    return null;
                }
            }
            return new int[] {PackedOp.PALIGNR.ordinal(), s, 1};
        }
        return null;
    }

    /** The pshufd imm8 when byte indices {@code idx} (0..15) move whole 32-bit lanes, else -1. */
    private static int dwordPattern(int[] idx) {
        int imm = 0;
        for (int j = 0; j < 4; j++) {
            int q = idx[4 * j];
            if (q % 4 != 0) {
                return -1;
            }
            for (int i = 1; i < 4; i++) {
                if (idx[4 * j + i] != q + i) {
                    return -1;
                }
            }
            imm |= (q / 4) << (2 * j);
        }
        return imm;
    }

    private static long bytes(int[] b, int from) {
        long x = 0;
        for (int i = 7; i >= 0; i--) {
            x = x << 8 | (b[from + i] & 0xFF);
        }
        return x;
    }

    private static long splat8(int v) {
        return (v & 0xFFL) * 0x0101_0101_0101_0101L;
    }

    private static long splat16(int v) {
        return (v & 0xFFFFL) * 0x0001_0001_0001_0001L;
    }

    private static long splat32(int v) {
        return (v & 0xFFFF_FFFFL) * 0x0000_0001_0000_0001L;
    }
}
