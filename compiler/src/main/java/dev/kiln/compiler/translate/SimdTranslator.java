package dev.kiln.compiler.translate;

import dev.kiln.abi.ValType;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.LaneOps;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.wasm.CodeReader;
import dev.kiln.compiler.wasm.Opcode;
import java.util.List;

/**
 * Translates the fixed-width SIMD instructions (prefix {@code 0xFD}, Wasm 2.0 §4.4.3 and §4.4.7) of one
 * function into {@link Op#SIMD} operations, and their memory forms into bounds-checked
 * {@link Op#LOAD}/{@link Op#STORE}s (so that bounds checks stay IR the optimizer sees):
 * <ul>
 *   <li>{@code v128.load}/{@code store}: a 16-byte load or store of a v128 (width field 0);</li>
 *   <li>{@code v128.loadNxM_s/u}: an i64 load, then {@code simd} with the load's opcode (widen);</li>
 *   <li>{@code v128.loadN_splat}: a scalar load, then the {@code splat} of that lane shape;</li>
 *   <li>{@code v128.load32_zero}/{@code load64_zero}: a scalar load, then {@code simd} with the load's
 *       opcode (the scalar in lane 0, zeros elsewhere);</li>
 *   <li>{@code v128.loadN_lane}: a scalar load, then {@code replace_lane};
 *       {@code v128.storeN_lane}: {@code extract_lane} (unsigned), then a scalar store.</li>
 * </ul>
 * A lane-wise instruction becomes the scalar operation of the same name with a lane-shaped result type
 * ({@link LaneOps}: {@code i32x4.add} is {@code iadd.i32x4}); everything else becomes one {@code simd}
 * with the instruction's operands and result type (see {@link Op#SIMD}). Not thread-safe: part of one {@link FunctionTranslator}.
 */
final class SimdTranslator {
    private final FunctionTranslator t;

    SimdTranslator(FunctionTranslator t) {
        this.t = t;
    }

    /** Translates SIMD instruction {@code op} whose immediates {@code r} holds, at byte {@code offset}. */
    void translate(Opcode op, CodeReader r, int offset) {
        Block cur = t.currentBlock();
        switch (op) {
            case V128_CONST -> {
                byte[] b = r.v128();
                t.pushValue(simd(Opcode.V128_CONST, IrType.V128, 0, i64(b, 0), i64(b, 8)));
            }
            case I8X16_SHUFFLE -> {
                byte[] m = r.v128();
                Value b = t.popValue();
                Value a = t.popValue();
                t.pushValue(simd(Opcode.I8X16_SHUFFLE, IrType.V128, 0, a, b, i64(m, 0), i64(m, 8)));
            }
            case V128_LOAD -> t.pushValue(t.checkedLoad(r, t.popValue(), 0, false, IrType.V128, op, offset));
            case V128_STORE -> {
                Value v = t.popValue();
                t.checkedStore(r, t.popValue(), v, 0, op, offset);
            }
            case V128_LOAD8X8_S, V128_LOAD8X8_U, V128_LOAD16X4_S, V128_LOAD16X4_U, V128_LOAD32X2_S, V128_LOAD32X2_U,
                    V128_LOAD64_ZERO -> {
                Value x = t.checkedLoad(r, t.popValue(), 8, false, IrType.I64, op, offset);
                t.pushValue(simd(op, IrType.V128, 0, x));
            }
            case V128_LOAD32_ZERO -> {
                Value x = t.checkedLoad(r, t.popValue(), 4, false, IrType.I32, op, offset);
                t.pushValue(simd(op, IrType.V128, 0, x));
            }
            case V128_LOAD8_SPLAT -> loadSplat(r, op, offset, 1, IrType.I32, Opcode.I8X16_SPLAT);
            case V128_LOAD16_SPLAT -> loadSplat(r, op, offset, 2, IrType.I32, Opcode.I16X8_SPLAT);
            case V128_LOAD32_SPLAT -> loadSplat(r, op, offset, 4, IrType.I32, Opcode.I32X4_SPLAT);
            case V128_LOAD64_SPLAT -> loadSplat(r, op, offset, 8, IrType.I64, Opcode.I64X2_SPLAT);
            case V128_LOAD8_LANE -> loadLane(r, op, offset, 1, IrType.I32, Opcode.I8X16_REPLACE_LANE);
            case V128_LOAD16_LANE -> loadLane(r, op, offset, 2, IrType.I32, Opcode.I16X8_REPLACE_LANE);
            case V128_LOAD32_LANE -> loadLane(r, op, offset, 4, IrType.I32, Opcode.I32X4_REPLACE_LANE);
            case V128_LOAD64_LANE -> loadLane(r, op, offset, 8, IrType.I64, Opcode.I64X2_REPLACE_LANE);
            case V128_STORE8_LANE -> storeLane(r, op, offset, 1, IrType.I32, Opcode.I8X16_EXTRACT_LANE_U);
            case V128_STORE16_LANE -> storeLane(r, op, offset, 2, IrType.I32, Opcode.I16X8_EXTRACT_LANE_U);
            case V128_STORE32_LANE -> storeLane(r, op, offset, 4, IrType.I32, Opcode.I32X4_EXTRACT_LANE);
            case V128_STORE64_LANE -> storeLane(r, op, offset, 8, IrType.I64, Opcode.I64X2_EXTRACT_LANE);
            default -> {
                List<ValType> in = op.operandTypes();
                Value[] args = new Value[in.size()];
                for (int i = args.length - 1; i >= 0; i--) {
                    args[i] = t.popValue();
                }
                if (LaneOps.form(op) != null) {
                    t.pushValue(LaneOps.append(t.currentBlock(), op, args));
                    break;
                }
                int lane = op.immediate() == Opcode.Immediate.LANE ? r.lane() : 0;
                IrType type = IrType.of(op.resultTypes().get(0));
                t.pushValue(simd(op, type, lane, args));
            }
        }
        assert cur == t.currentBlock();
    }

    private void loadSplat(CodeReader r, Opcode op, int offset, int width, IrType scalar, Opcode splat) {
        Value x = t.checkedLoad(r, t.popValue(), width, false, scalar, op, offset);
        t.pushValue(simd(splat, IrType.V128, 0, x));
    }

    private void loadLane(CodeReader r, Opcode op, int offset, int width, IrType scalar, Opcode replace) {
        Value v = t.popValue();
        Value x = t.checkedLoad(r, t.popValue(), width, false, scalar, op, offset);
        t.pushValue(simd(replace, IrType.V128, r.lane(), v, x));
    }

    private void storeLane(CodeReader r, Opcode op, int offset, int width, IrType scalar, Opcode extract) {
        Value v = t.popValue();
        Value index = t.popValue();
        Value x = simd(extract, scalar, r.lane(), v);
        t.checkedStore(r, index, x, width, op, offset);
    }

    private Value simd(Opcode op, IrType type, int lane, Value... args) {
        Value v = t.currentBlock().append1(Op.SIMD, type, op.code(), args);
        v.definingInst().withAux(lane);
        return v;
    }

    private Value i64(byte[] b, int at) {
        long x = 0;
        for (int i = 7; i >= 0; i--) {
            x = x << 8 | (b[at + i] & 0xFF);
        }
        return t.currentBlock().append1(Op.ICONST, IrType.I64, x);
    }
}
