package dev.kiln.arch.aarch64;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.FunctionEnvironment;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.FloatCond;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.LaneOps;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.mach.CallingConvention;
import dev.kiln.compiler.mach.MachBlock;
import dev.kiln.compiler.mach.RegClass;
import dev.kiln.compiler.mach.VirtualRegisters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Instruction selection for AArch64 (DESIGN §2 step 5): IR blocks to MIR blocks over virtual
 * registers, by patterns over the IR:
 * <ul>
 * <li>constants fold into the using instruction where A64 has an immediate form (add/sub imm12,
 *     logical immediates, shift amounts, compare immediates), else are rematerialized before the use;</li>
 * <li>a single-use {@code imul} feeding an {@code iadd}/{@code isub} of the same block becomes
 *     {@code madd}/{@code msub}; a single-use shift by a constant feeding an add, sub, and, or, xor
 *     becomes that instruction's shifted-register operand;</li>
 * <li>a comparison whose only use is the {@code brif}, {@code select} or trap of its block is fused
 *     with it ({@code cmp} + {@code b.cond} / {@code csel}); a branch on a plain value is {@code cbnz};</li>
 * <li>block arguments become parallel moves; an edge that carries arguments out of a block with
 *     several successors gets a block of its own (critical edge split).</li>
 * </ul>
 * SIMD operations go to {@link NeonLowering}; v128 values live in v registers with 16-byte spill slots.
 * Calls follow Kiln's internal convention ({@link Aarch64Backend}). Division's traps, the trapping
 * float-to-int conversions, {@code fmin}/{@code fmax} (A64's {@code fmin}/{@code fmax} already have
 * Wasm's NaN and signed-zero semantics) are this backend's hooks; {@code memory.grow}, {@code memory.fill},
 * {@code memory.copy} and {@code memory.init} of memory 0 go to the runtime's libcalls.
 *
 * <p>Invariant: an i32 value is zero-extended in its 64-bit register (every W-form instruction clears
 * bits 63..32, so this costs nothing but an explicit {@code mov w, w} after {@code i32.wrap_i64} and
 * libcall results); {@code i64.extend_i32_u} then shares its operand's virtual register.
 * Not thread-safe: one instance per function.
 */
final class Lowering {
    private final IrFunction f;
    private final FunctionEnvironment env;
    private final List<MachBlock<MInst>> layout = new ArrayList<>();
    /** By IR block id: its MIR block (an array, not a map: looked up on every edge). */
    private MachBlock<MInst>[] blockMap;
    private final int[] vregOf;
    private final int[] useCount;
    private final VirtualRegisters vregs = new VirtualRegisters(Aarch64Registers.DESCRIPTOR);
    private final java.util.BitSet folded = new java.util.BitSet();
    private int maxOutgoingStackBytes;
    private final CallingConvention.Assignment incoming;
    private MachBlock<MInst> cur;
    private Block curIr;
    /** Whether the function has v128 values: its calls then clobber all of v8..v15 (see {@link #clobbers}). */
    private final boolean hasVectors;
    private NeonLowering neon;

    Lowering(IrFunction f, FunctionEnvironment env) {
        this.f = f;
        this.env = env;
        this.vregOf = new int[f.valueCount()];
        java.util.Arrays.fill(vregOf, MInst.NONE);
        this.useCount = new int[f.valueCount()];
        this.incoming = Aarch64Registers.INTERNAL.assign(f.signature().params(), f.signature().results());
        boolean vectors = f.signature().params().contains(ValType.V128) || f.signature().results().contains(ValType.V128);
        for (Block b : f.blocks()) {
            for (Value p : b.params()) {
                vectors |= p.type().isVector();
            }
            for (Inst inst : b.insts()) {
                for (Value r : inst.results()) {
                    vectors |= r.type().isVector();
                }
            }
        }
        this.hasVectors = vectors;
    }

    /** Whether {@code v}'s defining instruction is emitted as part of its single use (not on its own). */
    boolean isFolded(Value v) {
        return folded.get(v.id());
    }

    /** The function being lowered. */
    IrFunction function() {
        return f;
    }

    /** Whether the function has v128 values (spill slots, moves and saves of 16 bytes may occur). */
    boolean hasVectors() {
        return hasVectors;
    }

    /**
     * The registers a call or libcall overwrites: the caller-saved ones, and in a function with v128
     * values also {@code v8..v15}, whose high 64 bits no callee preserves (AAPCS64 §6.1.2).
     */
    int[] clobbers() {
        return (hasVectors ? Aarch64Registers.CALLER_SAVED_WITH_VECTORS : Aarch64Registers.CALLER_SAVED).clone();
    }

    VirtualRegisters vregs() {
        return vregs;
    }

    /** Bytes of the largest stack area (arguments and results) of any call, a multiple of 16. */
    int maxOutgoingStackBytes() {
        return maxOutgoingStackBytes;
    }

    /** Bytes of stack arguments the function pops when it returns (a multiple of 16). */
    int incomingStackArgBytes() {
        return Aarch64Backend.popped(incoming);
    }

    List<MachBlock<MInst>> lower() {
        for (Block b : f.blocks()) {
            for (Inst inst : b.insts()) {
                for (int i = 0; i < inst.args().size(); i++) {
                    useCount[inst.arg(i).id()]++;
                }
                for (BlockCall bc : inst.targets()) {
                    for (Value v : bc.args()) {
                        useCount[v.resolve().id()]++;
                    }
                }
            }
        }
        for (Block b : f.blocks()) {
            previous = null;
            for (Inst inst : b.insts()) {
                markFolds(inst, b);
                previous = inst;
            }
        }
        @SuppressWarnings("unchecked")
        MachBlock<MInst>[] byId = new MachBlock[f.blockIdBound()];
        blockMap = byId;
        for (int bI = 0; bI < f.blocks().size(); bI++) {
            Block b = f.blocks().get(bI);
            blockMap[b.id()] = new MachBlock<>(bI);
        }
        for (Block b : f.blocks()) {
            cur = blockMap[b.id()];
            curIr = b;
            accessedInBlock.clear();
            layout.add(cur);
            if (b == f.entry()) {
                lowerParams(b);
            }
            for (Inst inst : b.insts()) {
                curInst = inst;
                lowerInst(inst);
            }
            curInst = null;
        }
        for (int i = 0; i < layout.size(); i++) {
            layout.get(i).index = i;
        }
        return layout;
    }

    // ---- pattern pre-pass -------------------------------------------------------------------------

    /** A single-use instruction of block {@code b} defining {@code v} with op {@code op}, or null. */
    private Inst singleUseDef(Value v, Block b, Op op) {
        Inst d = v.definingInst();
        if (d == null || d.op() != op || d.block() != b || useCount[v.id()] != 1) {
            return null;
        }
        return d;
    }

    /** The constant shift of a foldable shift operand ({@code ishl/ushr/sshr x, k} single use), else null. */
    private Inst foldableShift(Value v, Block b) {
        Inst d = v.definingInst();
        if (d == null || d.op() != Op.ISHL && d.op() != Op.USHR && d.op() != Op.SSHR || d.block() != b
                || useCount[v.id()] != 1 || !isConst(d.arg(1)) || isConst(d.arg(0))) {
            return null;
        }
        return d;
    }

    /**
     * A branch condition that tests one bit: {@code band x, 1<<k} itself (taken when the bit is one), or
     * {@code icmp eq|ne (band x, 1<<k), 0}; both single-use in block {@code b}. Branches on it become
     * {@code tbz}/{@code tbnz}.
     */
    private record BitTest(Inst and, Value x, int bit, boolean takenWhenSet) {
    }

    /** The bit test {@code c} is (see {@link BitTest}), or null. */
    private BitTest bitTest(Value c, Block b) {
        BitTest t = singleBit(c, b, true);
        if (t != null) {
            return t;
        }
        Inst cmp = singleUseDef(c, b, Op.ICMP);
        if (cmp == null || cmp.cond() != dev.kiln.compiler.ir.Cond.EQ && cmp.cond() != dev.kiln.compiler.ir.Cond.NE) {
            return null;
        }
        for (int k = 0; k < 2; k++) {
            if (isConst(cmp.arg(1 - k)) && constOf(cmp.arg(1 - k)) == 0) {
                return singleBit(cmp.arg(k), b, cmp.cond() == dev.kiln.compiler.ir.Cond.NE);
            }
        }
        return null;
    }

    private BitTest singleBit(Value v, Block b, boolean takenWhenSet) {
        Inst and = singleUseDef(v, b, Op.BAND);
        if (and == null) {
            return null;
        }
        for (int k = 0; k < 2; k++) {
            Value mask = and.arg(1 - k);
            if (isConst(mask) && !isConst(and.arg(k)) && Long.bitCount(constOf(mask)) == 1) {
                return new BitTest(and, and.arg(k), Long.numberOfTrailingZeros(constOf(mask)), takenWhenSet);
            }
        }
        return null;
    }

    /** The instruction before the one {@link #markFolds} looks at, in its block (null at the start). */
    private Inst previous;

    private void lowerSimd(Inst inst) {
        if (neon == null) {
            neon = new NeonLowering(this);
        }
        neon.lower(inst);
    }

    private void markFolds(Inst inst, Block b) {
        if (LaneOps.isLaneOp(inst)) {
            return; // vector arithmetic: none of the integer folds
        }
        switch (inst.op()) {
            case IADD, ISUB -> {
                if (isConst(inst.arg(0)) || isConst(inst.arg(1))) {
                    return; // an immediate form is better
                }
                for (int k = inst.op() == Op.ISUB ? 1 : 0; k < 2; k++) {
                    Inst mul = singleUseDef(inst.arg(k), b, Op.IMUL);
                    if (mul != null && !(isConst(mul.arg(0)) && isConst(mul.arg(1)))) {
                        folded.set(inst.arg(k).id());
                        return;
                    }
                }
                for (int k = 1; k >= (inst.op() == Op.ISUB ? 1 : 0); k--) {
                    if (foldableShift(inst.arg(k), b) != null) {
                        folded.set(inst.arg(k).id()); // an operand with a shift: add/sub (shifted register)
                        return;
                    }
                }
            }
            case LOAD, STORE -> {
                if (scaledIndex(inst.arg(1), inst.aux() & 0xF, b) != null) {
                    folded.set(inst.arg(1).id()); // the shift is the access's scaled index
                }
            }
            case BRIF -> {
                BitTest t = bitTest(inst.arg(0), b);
                if (t != null) {
                    folded.set(t.and().result().id()); // tested by tbz/tbnz, never computed
                }
            }
            case SIMD -> {
                Inst load = NeonLowering.vectorLoad(inst, previous, useCount);
                if (load != null) {
                    folded.set(load.result().id()); // loaded straight into a v register by the SIMD operation
                }
            }
            case BAND, BOR, BXOR -> {
                if (isConst(inst.arg(0)) || isConst(inst.arg(1))) {
                    return;
                }
                for (int k = 1; k >= 0; k--) {
                    if (foldableShift(inst.arg(k), b) != null) {
                        folded.set(inst.arg(k).id());
                        return;
                    }
                }
            }
            default -> {
            }
        }
    }

    // ---- values -----------------------------------------------------------------------------------

    private static boolean isFloat(IrType t) {
        return t == IrType.F32 || t == IrType.F64;
    }

    int vreg(Value v) {
        int id = v.id();
        if (vregOf[id] == MInst.NONE) {
            vregOf[id] = v.type().isVector() ? newVectorVreg()
                    : vregs.create(isFloat(v.type()) ? RegClass.FLOAT : RegClass.INT);
        }
        return vregOf[id];
    }

    int newVreg() {
        return vregs.create(RegClass.INT);
    }

    /** A virtual v register for a v128 (a 16-byte spill slot). */
    int newVectorVreg() {
        return vregs.create(RegClass.FLOAT, 16);
    }

    private static Size sizeOf(IrType t) {
        return switch (t) {
            case I32, F32 -> Size.W;
            case I64, F64 -> Size.X;
            default -> throw new CompileException("values of type " + t + " are not supported by the AArch64 backend yet");
        };
    }

    private static FpSize fsizeOf(IrType t) {
        return t == IrType.F32 ? FpSize.S : FpSize.D;
    }

    static boolean isConst(Value v) {
        Inst d = v.definingInst();
        return d != null && d.op() == Op.ICONST;
    }

    private static boolean isAnyConst(Value v) {
        Inst d = v.definingInst();
        return d != null && (d.op() == Op.ICONST || d.op() == Op.FCONST);
    }

    static long constOf(Value v) {
        long c = v.definingInst().imm();
        return v.type() == IrType.I32 ? c & 0xFFFF_FFFFL : c;
    }

    /** The IR instruction being lowered (the {@link MInst#source} of what it emits). */
    private Inst curInst;

    MInst emit(MInst m) {
        if (m.source == null) {
            m.source = curInst;
        }
        return cur.add(m);
    }

    /** The register holding {@code v} here; constants are rematerialized into a fresh register. */
    int use(Value v) {
        if (!isAnyConst(v)) {
            return vreg(v);
        }
        boolean fp = isFloat(v.type());
        int r = vregs.create(fp ? RegClass.FLOAT : RegClass.INT);
        MInst m = new MInst(fp ? MOp.FCONST : MOp.MOV_IMM);
        m.size = sizeOf(v.type());
        m.fsize = fsizeOf(v.type());
        m.dst = r;
        m.imm = fp ? v.definingInst().imm() : constOf(v);
        emit(m.defs(r));
        return r;
    }

    private void mov(int dst, int src, boolean fp, Size s) {
        MInst m = new MInst(MOp.MOV);
        m.size = s;
        m.dst = dst;
        m.src = src;
        emit(m.uses(src).defs(dst));
    }

    /** {@code dst = src} for a value of type {@code t} (all 128 bits of a v128). */
    void mov(int dst, int src, IrType t) {
        MInst m = new MInst(MOp.MOV);
        m.size = Size.X;
        m.q = t.isVector();
        m.dst = dst;
        m.src = src;
        emit(m.uses(src).defs(dst));
    }

    private void lowerParams(Block entry) {
        List<Value> params = entry.params();
        for (int k = 0; k < params.size(); k++) {
            Value p = params.get(k);
            CallingConvention.ArgLocation at = incoming.params().get(k);
            if (useCount[p.id()] == 0) {
                continue; // never read: not loaded
            }
            int dst = vreg(p);
            if (!at.inRegister()) {
                MInst m = new MInst(MOp.LOAD_STACK_PARAM);
                m.imm = at.stackOffset();
                m.q = p.type().isVector();
                m.dst = dst;
                emit(m.defs(dst));
            } else {
                mov(dst, at.reg(), p.type());
            }
        }
    }

    // ---- instructions -----------------------------------------------------------------------------

    private void lowerInst(Inst inst) {
        if (inst.resultCount() == 1 && folded.get(inst.result().id())) {
            return; // emitted as part of its single use
        }
        if (LaneOps.isLaneOp(inst)) {
            lowerSimd(inst); // a lane-wise operation: the NEON table by its Wasm opcode
            return;
        }
        switch (inst.op()) {
            case ICONST, FCONST -> {
                // materialized at each use
            }
            case IADD -> addSub(inst, false);
            case ISUB -> addSub(inst, true);
            case BAND -> logical(inst, MInst.Alu.AND);
            case BOR -> logical(inst, MInst.Alu.ORR);
            case BXOR -> logical(inst, MInst.Alu.EOR);
            case IMUL -> rrr(inst, MInst.Alu.MUL, use(inst.arg(0)), use(inst.arg(1)));
            case ISHL -> shift(inst, MInst.Alu.LSL);
            case USHR -> shift(inst, MInst.Alu.LSR);
            case SSHR -> shift(inst, MInst.Alu.ASR);
            case ROTR -> shift(inst, MInst.Alu.ROR);
            case ROTL -> {
                Size s = sizeOf(inst.result().type());
                if (isConst(inst.arg(1))) {
                    int k = (int) (constOf(inst.arg(1)) & (s.bits() - 1));
                    aluImm(MInst.Alu.ROR, s, vreg(inst.result()), use(inst.arg(0)), (s.bits() - k) & (s.bits() - 1));
                } else {
                    int n = newVreg();
                    MInst neg = new MInst(MOp.NEG);
                    neg.size = Size.W;
                    neg.dst = n;
                    neg.src = use(inst.arg(1));
                    emit(neg.uses(neg.src).defs(n));
                    rrr(inst, MInst.Alu.ROR, use(inst.arg(0)), n);
                }
            }
            case UMULHI, SMULHI -> {
                int a = use(inst.arg(0));
                int b = use(inst.arg(1));
                MInst m = new MInst(MOp.MULHI);
                m.size = sizeOf(inst.result().type());
                m.signed = inst.op() == Op.SMULHI;
                m.dst = vreg(inst.result());
                m.src = a;
                m.src2 = b;
                emit(m.uses(a, b).defs(m.dst));
            }
            case SDIV, UDIV -> div(inst.arg(0), inst.arg(1), inst.op() == Op.SDIV, true, vreg(inst.result()));
            case SREM, UREM -> {
                // a rem b = a - (a / b) * b; MIN rem -1 = MIN - MIN * -1 = 0 without a check
                int q = newVreg();
                div(inst.arg(0), inst.arg(1), inst.op() == Op.SREM, false, q);
                int a = use(inst.arg(0));
                int b = use(inst.arg(1));
                MInst m = new MInst(MOp.MADD);
                m.size = sizeOf(inst.result().type());
                m.negate = true;
                m.dst = vreg(inst.result());
                m.src = q;
                m.src2 = b;
                m.src3 = a;
                emit(m.uses(q, b, a).defs(m.dst));
            }
            case BSWAP -> {
                int a = use(inst.arg(0));
                MInst m = new MInst(MOp.REV);
                m.size = sizeOf(inst.result().type());
                m.dst = vreg(inst.result());
                m.src = a;
                emit(m.uses(a).defs(m.dst));
            }
            case CLZ, CTZ, POPCNT -> {
                int a = use(inst.arg(0));
                MInst m = new MInst(MOp.BITCOUNT);
                m.size = sizeOf(inst.result().type());
                m.imm = inst.op() == Op.CLZ ? 0 : inst.op() == Op.CTZ ? 1 : 2;
                m.dst = vreg(inst.result());
                m.src = a;
                emit(m.uses(a).defs(m.dst));
            }
            case ICMP -> {
                if (useCount[inst.result().id()] == 1 && fusibleUse(inst) != null) {
                    return; // emitted at its use
                }
                Cond c = compare(inst.arg(0), inst.arg(1), inst.cond());
                cset(vreg(inst.result()), c);
            }
            case FCMP -> {
                if (useCount[inst.result().id()] == 1 && fusibleUse(inst) != null) {
                    return;
                }
                cset(vreg(inst.result()), floatCompare(inst));
            }
            case SELECT -> select(inst);
            case SIMD -> lowerSimd(inst);
            case IREDUCE -> extend(vreg(inst.result()), use(inst.arg(0)), Size.W, 32, false);
            case UEXTEND -> {
                int src = use(inst.arg(0));
                if (vregOf[inst.result().id()] == MInst.NONE) {
                    vregOf[inst.result().id()] = src; // i32 values are zero-extended: the same bits
                } else {
                    mov(vreg(inst.result()), src, false, Size.X);
                }
            }
            case SEXTEND -> extend(vreg(inst.result()), use(inst.arg(0)), Size.X, 32, true);
            case SEXTEND_LOW -> extend(vreg(inst.result()), use(inst.arg(0)), sizeOf(inst.result().type()),
                    (int) inst.imm(), true);
            case FADD -> falu(inst, MInst.FAlu.ADD);
            case FSUB -> falu(inst, MInst.FAlu.SUB);
            case FMUL -> falu(inst, MInst.FAlu.MUL);
            case FDIV -> falu(inst, MInst.FAlu.DIV);
            case FMIN -> falu(inst, MInst.FAlu.MIN);
            case FMAX -> falu(inst, MInst.FAlu.MAX);
            case FABS -> funary(inst, MInst.FUnary.ABS);
            case FNEG -> funary(inst, MInst.FUnary.NEG);
            case FSQRT -> funary(inst, MInst.FUnary.SQRT);
            case FNEAREST -> funary(inst, MInst.FUnary.NEAREST);
            case FFLOOR -> funary(inst, MInst.FUnary.FLOOR);
            case FCEIL -> funary(inst, MInst.FUnary.CEIL);
            case FTRUNC -> funary(inst, MInst.FUnary.TRUNC);
            case FPROMOTE, FDEMOTE -> funary(inst, MInst.FUnary.CVT);
            case FCOPYSIGN -> {
                int a = use(inst.arg(0));
                int b = use(inst.arg(1));
                MInst m = new MInst(MOp.FCOPYSIGN);
                m.fsize = fsizeOf(inst.result().type());
                m.dst = vreg(inst.result());
                m.src = a;
                m.src2 = b;
                emit(m.uses(a, b).defs(m.dst));
            }
            case FCVT_FROM_SINT, FCVT_FROM_UINT -> {
                int a = use(inst.arg(0));
                MInst m = new MInst(MOp.CVT_I2F);
                m.size = sizeOf(inst.arg(0).type());
                m.fsize = fsizeOf(inst.result().type());
                m.signed = inst.op() == Op.FCVT_FROM_SINT;
                m.dst = vreg(inst.result());
                m.src = a;
                emit(m.uses(a).defs(m.dst));
            }
            case FCVT_TO_SINT, FCVT_TO_UINT, FCVT_TO_SINT_SAT, FCVT_TO_UINT_SAT -> {
                int a = use(inst.arg(0));
                MInst m = new MInst(MOp.CVT_F2I);
                m.size = sizeOf(inst.result().type());
                m.fsize = fsizeOf(inst.arg(0).type());
                m.signed = inst.op() == Op.FCVT_TO_SINT || inst.op() == Op.FCVT_TO_SINT_SAT;
                m.saturating = inst.op() == Op.FCVT_TO_SINT_SAT || inst.op() == Op.FCVT_TO_UINT_SAT;
                m.dst = vreg(inst.result());
                m.src = a;
                emit(m.uses(a).defs(m.dst));
            }
            case BITCAST -> {
                int a = use(inst.arg(0));
                boolean toFloat = isFloat(inst.result().type());
                MInst m = new MInst(toFloat ? MOp.BITCAST_I2F : MOp.BITCAST_F2I);
                m.size = sizeOf(inst.result().type());
                m.fsize = m.size == Size.W ? FpSize.S : FpSize.D;
                m.dst = vreg(inst.result());
                m.src = a;
                emit(m.uses(a).defs(m.dst));
            }
            case VMCTX_LOAD -> {
                MInst m = new MInst(MOp.VMCTX_LOAD);
                m.q = inst.result().type().isVector();
                m.size = m.q ? Size.X : sizeOf(inst.result().type());
                m.fsize = fsizeOf(inst.result().type());
                m.dst = vreg(inst.result());
                m.imm = inst.imm();
                emit(m.defs(m.dst));
            }
            case VMCTX_STORE -> {
                int v = use(inst.arg(0));
                MInst m = new MInst(MOp.VMCTX_STORE);
                m.q = inst.arg(0).type().isVector();
                m.size = m.q ? Size.X : sizeOf(inst.arg(0).type());
                m.fsize = fsizeOf(inst.arg(0).type());
                m.src = v;
                m.imm = inst.imm();
                emit(m.uses(v));
            }
            case LOAD -> heapLoad(inst, vreg(inst.result()), null);
            case STORE -> {
                boolean q = inst.arg(2).type().isVector();
                int width = q ? 16 : inst.aux() & 0xF;
                MInst m = new MInst(MOp.HEAP_STORE);
                int[] addr = heapAddress(inst, width, m);
                Value stored = inst.arg(2);
                // a zero (integer 0 or float +0.0) is stored from the zero register: no register for it
                int v = isAnyConst(stored) && stored.definingInst().imm() == 0 ? MInst.NONE : use(stored);
                m.q = q;
                m.size = q ? Size.X : sizeOf(inst.arg(2).type());
                m.fsize = fsizeOf(inst.arg(2).type());
                m.width = width;
                m.src = addr[0];
                m.src2 = addr[1];
                m.src3 = v;
                m.imm = addr[2];
                m.inBounds = accessed(inst, width);
                emit(m.uses(operands(addr[0], addr[1], v)));
            }
            case TRAPIF -> {
                Value zeroTested = zeroTested(inst);
                if (zeroTested != null) {
                    MInst m = new MInst(MOp.TRAP_IF_ZERO);
                    m.size = sizeOf(zeroTested.type());
                    m.src = use(zeroTested);
                    m.negate = inst.cond() == dev.kiln.compiler.ir.Cond.NE;
                    m.imm = inst.imm();
                    emit(m.uses(m.src));
                    return;
                }
                Cond c = compare(inst.arg(0), inst.arg(1), inst.cond());
                MInst m = new MInst(MOp.TRAP_IF);
                m.cond = c;
                m.imm = inst.imm();
                emit(m);
            }
            case MEMMOVE -> memmove(inst);
            case MEMSET -> memset(inst);
            case CALL_REF -> callRef(inst);
            case RETURN_CALL, RETURN_CALL_REF -> tailCall(inst);
            case LIBCALL -> libcall((int) inst.imm(), inst, inst.args().toArray(new Value[0]));
            case CALL -> {
                int callee = (int) inst.imm();
                MInst m = new MInst(callee < env.importedFunctionCount() ? MOp.CALL_IMPORT : MOp.CALL);
                m.imm = callee;
                m.reloadsVmctx = m.op == MOp.CALL && env.mayReturnInAnotherInstance(callee);
                ExceptionLowering.markInTry(inst, m);
                callWith(inst, env.functionType(callee), inst.args().size(), m, MInst.NONE);
            }
            case VMCTX_ADDR -> {
                MInst m = new MInst(MOp.VMCTX_ADDR);
                m.dst = vreg(inst.result());
                m.imm = inst.imm();
                emit(m.defs(m.dst));
            }
            case JUMP -> {
                BlockCall bc = inst.target(0);
                parallelMove(bc);
                jmp(blockMap[bc.target().id()]);
            }
            case BRIF -> brif(inst);
            case BR_TABLE -> brTable(inst);
            case RETURN -> ret(inst);
            case TRAP -> {
                MInst m = new MInst(MOp.TRAP);
                m.imm = inst.imm();
                emit(m);
            }
            case EPOCH_CHECK -> {
                emit(new MInst(MOp.EPOCH_CHECK));
            }
            case THROW_REF, EXN_PENDING, EXN_CLEAR -> ExceptionLowering.lower(this, inst);
            default -> throw new CompileException("the AArch64 backend cannot lower " + inst.op() + " yet (function "
                    + f.funcIndex() + ")");
        }
    }

    // ---- integer arithmetic ------------------------------------------------------------------------

    private void rrr(Inst inst, MInst.Alu op, int a, int b) {
        MInst m = new MInst(MOp.ALU_RR);
        m.alu = op;
        m.size = sizeOf(inst.result().type());
        m.dst = vreg(inst.result());
        m.src = a;
        m.src2 = b;
        emit(m.uses(a, b).defs(m.dst));
    }

    void aluImm(MInst.Alu op, Size s, int dst, int src, long imm) {
        MInst m = new MInst(MOp.ALU_RI);
        m.alu = op;
        m.size = s;
        m.dst = dst;
        m.src = src;
        m.imm = imm;
        emit(m.uses(src).defs(dst));
    }

    /** {@code dst = a op (shifted b)} for a folded shift {@code b}, or {@code a op b}. */
    private void rrShifted(MInst.Alu op, Size s, int dst, Value a, Value b) {
        int ra = use(a);
        MInst m = new MInst(MOp.ALU_RR);
        m.alu = op;
        m.size = s;
        m.dst = dst;
        m.src = ra;
        if (folded.get(b.id()) && b.definingInst().op() != Op.IMUL) {
            Inst sh = b.definingInst();
            m.src2 = use(sh.arg(0));
            m.shift = sh.op() == Op.ISHL ? Shift.LSL : sh.op() == Op.USHR ? Shift.LSR : Shift.ASR;
            m.shiftAmount = (int) (constOf(sh.arg(1)) & (s.bits() - 1));
        } else {
            m.src2 = use(b);
        }
        emit(m.uses(ra, m.src2).defs(dst));
    }

    private void addSub(Inst inst, boolean sub) {
        Value a = inst.arg(0);
        Value b = inst.arg(1);
        Size s = sizeOf(inst.result().type());
        int dst = vreg(inst.result());
        if (!sub && isConst(a) && !isConst(b)) {
            Value t = a;
            a = b;
            b = t;
        }
        if (sub && isConst(a) && constOf(a) == 0) {
            MInst m = new MInst(MOp.NEG);
            m.size = s;
            m.dst = dst;
            m.src = use(b);
            emit(m.uses(m.src).defs(dst));
            return;
        }
        if (isConst(b)) {
            long c = s == Size.W ? (int) constOf(b) : constOf(b);
            if (sub) {
                c = -c;
            }
            if (c != Long.MIN_VALUE && (Assembler.isAddSubImmediate(Math.abs(c)) || Math.abs(c) < 1 << 24)) {
                // one add/sub (immediate), or two for the high and low 12 bits of a constant below 2^24
                aluImm(c < 0 ? MInst.Alu.SUB : MInst.Alu.ADD, s, dst, use(a), Math.abs(c));
                return;
            }
        }
        for (int k = sub ? 1 : 0; k < 2; k++) {
            Value m = inst.arg(k);
            if (folded.get(m.id()) && m.definingInst().op() == Op.IMUL) {
                Inst mul = m.definingInst();
                int x = use(mul.arg(0));
                int y = use(mul.arg(1));
                int z = use(inst.arg(1 - k));
                MInst mi = new MInst(MOp.MADD);
                mi.size = s;
                mi.negate = sub;
                mi.dst = dst;
                mi.src = x;
                mi.src2 = y;
                mi.src3 = z;
                emit(mi.uses(x, y, z).defs(dst));
                return;
            }
        }
        if (!sub && folded.get(a.id())) {
            Value t = a;
            a = b;
            b = t;
        }
        rrShifted(sub ? MInst.Alu.SUB : MInst.Alu.ADD, s, dst, a, b);
    }

    private void logical(Inst inst, MInst.Alu op) {
        Value a = inst.arg(0);
        Value b = inst.arg(1);
        Size s = sizeOf(inst.result().type());
        if (isConst(a) && !isConst(b) || folded.get(a.id())) {
            Value t = a;
            a = b;
            b = t;
        }
        int dst = vreg(inst.result());
        if (isConst(b) && Assembler.isLogicalImmediate(s, constOf(b))) {
            aluImm(op, s, dst, use(a), constOf(b));
            return;
        }
        rrShifted(op, s, dst, a, b);
    }

    private void shift(Inst inst, MInst.Alu op) {
        Size s = sizeOf(inst.result().type());
        if (isConst(inst.arg(1))) {
            aluImm(op, s, vreg(inst.result()), use(inst.arg(0)), constOf(inst.arg(1)) & (s.bits() - 1));
        } else {
            rrr(inst, op, use(inst.arg(0)), use(inst.arg(1)));
        }
    }

    private void div(Value a, Value b, boolean signed, boolean checkOverflow, int dst) {
        int ra = use(a);
        int rb = use(b);
        MInst m = new MInst(MOp.DIV);
        m.size = sizeOf(a.type());
        m.signed = signed;
        m.checkOverflow = checkOverflow && signed;
        m.dst = dst;
        m.src = ra;
        m.src2 = rb;
        emit(m.uses(ra, rb).defs(dst));
    }

    private void extend(int dst, int src, Size s, int bits, boolean signed) {
        MInst m = new MInst(MOp.EXTEND);
        m.size = s;
        m.imm = bits;
        m.signed = signed;
        m.dst = dst;
        m.src = src;
        emit(m.uses(src).defs(dst));
    }

    // ---- comparisons ----------------------------------------------------------------------------

    static Cond cond(dev.kiln.compiler.ir.Cond c) {
        return switch (c) {
            case EQ -> Cond.EQ;
            case NE -> Cond.NE;
            case SLT -> Cond.LT;
            case ULT -> Cond.LO;
            case SGT -> Cond.GT;
            case UGT -> Cond.HI;
            case SLE -> Cond.LE;
            case ULE -> Cond.LS;
            case SGE -> Cond.GE;
            case UGE -> Cond.HS;
        };
    }

    /** The single use of a comparison that fuses with it: the brif or select of the same block, or null. */
    private Inst fusibleUse(Inst cmp) {
        Value r = cmp.result();
        ArrayList<Inst> insts = curIr.insts();
        for (int i = insts.size() - 1; i >= 0; i--) {
            Inst u = insts.get(i);
            if (u == cmp) {
                return null;
            }
            if ((u.op() == Op.BRIF || u.op() == Op.SELECT) && u.arg(0) == r) {
                return u;
            }
        }
        return null;
    }

    private boolean fused(Value c) {
        Inst d = c.definingInst();
        return d != null && (d.op() == Op.ICMP || d.op() == Op.FCMP) && d.block() == curIr && useCount[c.id()] == 1;
    }

    /** Emits {@code cmp a, b} (with an immediate where it fits) and returns the A64 condition for {@code a c b}. */
    private Cond compare(Value a, Value b, dev.kiln.compiler.ir.Cond c) {
        if (isConst(a) && !isConst(b)) {
            Value t = a;
            a = b;
            b = t;
            c = c.swap();
        }
        Size s = sizeOf(a.type());
        int ra = use(a);
        if (isConst(b)) {
            long v = s == Size.W ? (int) constOf(b) : constOf(b);
            if (v != Long.MIN_VALUE && Assembler.isAddSubImmediate(Math.abs(v))) {
                MInst m = new MInst(MOp.CMP_RI);
                m.size = s;
                m.src = ra;
                m.imm = v;
                emit(m.uses(ra));
                return cond(c);
            }
        }
        int rb = use(b);
        MInst m = new MInst(MOp.CMP_RR);
        m.size = s;
        m.src = ra;
        m.src2 = rb;
        emit(m.uses(ra, rb));
        return cond(c);
    }

    /** {@code fcmp} for an FCMP and the condition that holds when it is true (false when unordered, except ne). */
    private Cond floatCompare(Inst fcmp) {
        int a = use(fcmp.arg(0));
        int b = use(fcmp.arg(1));
        MInst m = new MInst(MOp.FCMP);
        m.fsize = fsizeOf(fcmp.arg(0).type());
        m.src = a;
        m.src2 = b;
        emit(m.uses(a, b));
        return switch (FloatCond.values()[(int) fcmp.imm()]) {
            case EQ -> Cond.EQ;
            case NE -> Cond.NE;
            case LT -> Cond.MI;
            case LE -> Cond.LS;
            case GT -> Cond.GT;
            case GE -> Cond.GE;
        };
    }

    /** Sets the flags for condition value {@code c} and returns the condition meaning "c is true". */
    private Cond condition(Value c) {
        if (fused(c)) {
            Inst d = c.definingInst();
            return d.op() == Op.ICMP ? compare(d.arg(0), d.arg(1), d.cond()) : floatCompare(d);
        }
        MInst m = new MInst(MOp.CMP_RI);
        m.size = Size.W;
        m.src = use(c);
        m.imm = 0;
        emit(m.uses(m.src));
        return Cond.NE;
    }

    private void cset(int dst, Cond c) {
        MInst m = new MInst(MOp.CSET);
        m.size = Size.W;
        m.cond = c;
        m.dst = dst;
        emit(m.defs(dst));
    }

    private void select(Inst inst) {
        int ra = use(inst.arg(1));
        int rb = use(inst.arg(2));
        Cond c = condition(inst.arg(0));
        if (inst.result().type().isVector()) {
            // no 128-bit csel: a mask of all ones or zeros (csetm), spread to every byte, then a bitwise select
            int mask = newVreg();
            MInst m = new MInst(MOp.CSET);
            m.size = Size.W;
            m.negate = true;
            m.cond = c;
            m.dst = mask;
            emit(m.defs(mask));
            int vmask = newVectorVreg();
            neonOp(NeonOp.DUP_GENERAL, Arrangement.B16, vmask, mask, MInst.NONE, 0);
            if (neon == null) {
                neon = new NeonLowering(this);
            }
            mov(vreg(inst.result()), neon.select(vmask, ra, rb), IrType.V128);
            return;
        }
        MInst m = new MInst(MOp.CSEL);
        m.size = sizeOf(inst.result().type());
        m.fsize = fsizeOf(inst.result().type());
        m.cond = c;
        m.dst = vreg(inst.result());
        m.src = ra;
        m.src2 = rb;
        emit(m.uses(ra, rb).defs(m.dst));
    }

    /**
     * Emits NEON instruction {@code op} ({@link MOp#VOP}) with {@code dst}, {@code src} and {@code src2}
     * (NONE where the form has fewer operands) and immediate {@code imm}; an instruction reading its
     * destination lists it as a use.
     */
    MInst neonOp(NeonOp op, Arrangement t, int dst, int src, int src2, long imm) {
        MInst m = new MInst(MOp.VOP);
        m.neon = op;
        m.arr = t;
        m.dst = dst;
        m.src = src;
        m.src2 = src2;
        m.imm = imm;
        boolean tied = op.readsDestination(t);
        m.uses(operands(tied ? dst : MInst.NONE, src, src2));
        return emit(m.defs(dst));
    }

    // ---- floats -----------------------------------------------------------------------------------

    private void falu(Inst inst, MInst.FAlu op) {
        int a = use(inst.arg(0));
        int b = use(inst.arg(1));
        MInst m = new MInst(MOp.FALU);
        m.falu = op;
        m.fsize = fsizeOf(inst.result().type());
        m.dst = vreg(inst.result());
        m.src = a;
        m.src2 = b;
        emit(m.uses(a, b).defs(m.dst));
    }

    private void funary(Inst inst, MInst.FUnary op) {
        int a = use(inst.arg(0));
        MInst m = new MInst(MOp.FUNARY);
        m.funary = op;
        m.fsize = fsizeOf(inst.result().type());
        m.dst = vreg(inst.result());
        m.src = a;
        emit(m.uses(a).defs(m.dst));
    }

    // ---- memory -----------------------------------------------------------------------------------

    static int[] operands(int... regs) {
        int n = 0;
        for (int r : regs) {
            if (r != MInst.NONE) {
                n++;
            }
        }
        int[] out = new int[n];
        n = 0;
        for (int r : regs) {
            if (r != MInst.NONE) {
                out[n++] = r;
            }
        }
        return out;
    }

    /**
     * {@code {base, index, offset}} of a LOAD/STORE: a constant index folds into the offset; an offset
     * that no single load/store reaches is added to the index first, so the emitter only ever sees
     * {@code [base, #imm]} (scaled imm12 or unscaled imm9) or {@code [base, index]} plus a reachable offset.
     */
    /** The value a {@code trapif eq|ne v, 0} (either operand order) tests against zero, or null. */
    private static Value zeroTested(Inst trapif) {
        if (trapif.cond() != dev.kiln.compiler.ir.Cond.EQ && trapif.cond() != dev.kiln.compiler.ir.Cond.NE) {
            return null;
        }
        for (int k = 0; k < 2; k++) {
            if (isConst(trapif.arg(1 - k)) && constOf(trapif.arg(1 - k)) == 0 && !isConst(trapif.arg(k))) {
                return trapif.arg(k);
            }
        }
        return null;
    }

    /**
     * The operand {@code x} of an index {@code ishl x, log2(width)} used only by this access (in block
     * {@code b}), which the access takes as a scaled register ({@code [base, x, lsl #k]}), or null.
     */
    private Value scaledIndex(Value index, int width, Block b) {
        Inst shl = singleUseDef(index, b, Op.ISHL);
        if (shl == null || !isConst(shl.arg(1)) || isConst(shl.arg(0)) || index.type() != IrType.I64
                || width < 2 || (1L << constOf(shl.arg(1))) != width) {
            return null;
        }
        return shl.arg(0);
    }

    /**
     * The address operands {base, index or NONE, offset} of a heap access; sets {@code m.scaledIndex}
     * when the index is taken shifted.
     */
    private int[] heapAddress(Inst inst, int width, MInst m) {
        // the IR instruction itself (also when a SIMD operation folded the load): a guard-page access
        // records its trap site from it
        m.source = inst;
        Value scaled = scaledIndex(inst.arg(1), width, curIr);
        if (scaled != null) {
            m.scaledIndex = true;
            m.extendIndex = isZeroExtendedI32(scaled);
            int base = use(inst.arg(0));
            long off = inst.imm();
            if (off != 0 && Address.offsetForm(off, width) == OffsetForm.NEEDS_REGISTER) {
                // no immediate reaches it: [base + offset, index, lsl/uxtw #k]
                return new int[] {plusConstant(base, off), use(scaled), 0};
            }
            return new int[] {base, use(scaled), (int) off};
        }
        int[] addr = heapAddress(inst, width);
        m.extendIndex = addr[1] != MInst.NONE && addr[2] == inst.imm() && isZeroExtendedI32(inst.arg(1));
        return addr;
    }

    /**
     * The bytes accessed so far in the current block: {base, index, static offset} of each heap load and
     * store (SSA values, so equal keys are equal addresses) with the widest width accessed there.
     */
    private final Map<List<Long>, Integer> accessedInBlock = new HashMap<>();

    /**
     * Records heap access {@code inst} of {@code width} bytes and returns whether an earlier access in
     * the block covered the same bytes: then this one is in bounds too (a memory never shrinks).
     */
    private boolean accessed(Inst inst, int width) {
        List<Long> key = List.of((long) inst.arg(0).resolve().id(), (long) inst.arg(1).resolve().id(), inst.imm());
        Integer widest = accessedInBlock.get(key);
        accessedInBlock.put(key, widest == null ? width : Math.max(widest, width));
        return widest != null && widest >= width;
    }

    /**
     * Whether {@code v} is {@code uextend} of an i32 (a 32-bit memory's index): an access takes its
     * register as a W register extended by {@code uxtw}, so the address is {@code base + zext(index)}
     * by construction, whatever the register's upper half holds.
     */
    private static boolean isZeroExtendedI32(Value v) {
        Inst d = v.definingInst();
        return d != null && d.op() == Op.UEXTEND && d.arg(0).type() == IrType.I32;
    }

    private int[] heapAddress(Inst inst, int width) {
        int base = use(inst.arg(0));
        long off = inst.imm();
        if (isConst(inst.arg(1))) {
            long total = off + inst.arg(1).definingInst().imm();
            if (Address.offsetForm(total, width) != OffsetForm.NEEDS_REGISTER) {
                return new int[] {base, MInst.NONE, (int) total};
            }
        }
        int index = use(inst.arg(1));
        if (off != 0 && Address.offsetForm(off, width) == OffsetForm.NEEDS_REGISTER) {
            return new int[] {base, plusConstant(index, off), 0};
        }
        return new int[] {base, index, (int) off};
    }

    /** A new register holding {@code v + off} (64-bit). */
    private int plusConstant(int v, long off) {
        int sum = newVreg();
        if (Assembler.isAddSubImmediate(off) || (off > 0 && off < 1L << 24)) {
            aluImm(MInst.Alu.ADD, Size.X, sum, v, off);
        } else {
            int k = newVreg();
            MInst c = new MInst(MOp.MOV_IMM);
            c.dst = k;
            c.imm = off;
            emit(c.defs(k));
            MInst m = new MInst(MOp.ALU_RR);
            m.alu = MInst.Alu.ADD;
            m.dst = sum;
            m.src = v;
            m.src2 = k;
            emit(m.uses(v, k).defs(sum));
        }
        return sum;
    }

    /**
     * The heap load {@code inst} into {@code dst}: as its own type, or ({@code into} S or D) as the low 32
     * or 64 bits of a v register, the rest zeroed ({@code ldr s/d}), for a SIMD operation that folded it.
     */
    void heapLoad(Inst inst, int dst, FpSize into) {
        boolean q = inst.result().type().isVector();
        int width = q ? 16 : inst.aux() & 0xF; // width field 0: all 16 bytes of a v128
        MInst m = new MInst(MOp.HEAP_LOAD);
        int[] addr = heapAddress(inst, width, m);
        m.q = q;
        m.size = q || into != null ? Size.X : sizeOf(inst.result().type());
        m.fsize = into != null ? into : fsizeOf(inst.result().type());
        m.width = width;
        m.signed = (inst.aux() & 16) != 0;
        accessed(inst, width);
        m.dst = dst;
        m.src = addr[0];
        m.src2 = addr[1];
        m.imm = addr[2];
        emit(m.uses(operands(addr[0], addr[1])).defs(m.dst));
    }

    // ---- bulk memory --------------------------------------------------------------------------------

    /** {@link MOp#MEMMOVE} or {@link MOp#MEMSET} on x0, x1, x2 (host addresses and a length already checked). */
    private void memPrimitive(MOp op, int a0, int a1, int a2) {
        mov(0, a0, false, Size.X);
        mov(1, a1, false, Size.X);
        mov(2, a2, false, Size.X);
        emit(new MInst(op).uses(0, 1, 2).defs(0, 1, 2));
    }

    /** The IR primitive {@code memmove dst, src, len} (host addresses, checked by the translator). */
    void memmove(Inst inst) {
        memPrimitive(MOp.MEMMOVE, use(inst.arg(0)), use(inst.arg(1)), use(inst.arg(2)));
    }

    /** The IR primitive {@code memset dst, value, len} (a host address, checked by the translator). */
    void memset(Inst inst) {
        memPrimitive(MOp.MEMSET, use(inst.arg(0)), use(inst.arg(1)), use(inst.arg(2)));
    }

    /** The IR primitive {@code call_ref typeidx(args..., record)}: a call through a checked function record. */
    void callRef(Inst inst) {
        int ref = use(inst.arg(inst.args().size() - 1));
        MInst m = new MInst(MOp.CALL_REF);
        m.imm = inst.imm();
        m.src = ref;
        ExceptionLowering.markInTry(inst, m);
        callWith(inst, env.type((int) inst.imm()), inst.args().size() - 1, m, ref);
    }

    // ---- calls ------------------------------------------------------------------------------------

    /**
     * A libcall with {@code (vmctx, args...)}: {@code args[i]} null means the constant {@code consts[i]}
     * (0 where not given: memory 0).
     */
    private void libcall(int id, Inst inst, Value[] args, long... consts) {
        int n = args.length;
        if (n > 7) {
            throw new CompileException("libcall with " + n + " arguments");
        }
        int[] vals = new int[n];
        for (int i = 0; i < n; i++) {
            if (args[i] == null) {
                vals[i] = newVreg();
                MInst c = new MInst(MOp.MOV_IMM);
                c.dst = vals[i];
                c.imm = i < consts.length ? consts[i] : 0;
                emit(c.defs(vals[i]));
            } else {
                vals[i] = use(args[i]);
            }
        }
        int[] pregs = new int[n];
        for (int i = 0; i < n; i++) {
            pregs[i] = i + 1; // x0 carries the VMContext
            mov(pregs[i], vals[i], false, Size.X);
        }
        MInst m = new MInst(MOp.LIBCALL);
        m.imm = id;
        emit(m.uses(pregs).defs(clobbers()));
        if (inst.resultCount() != 0 && inst.result().type() == IrType.I32) {
            extend(vreg(inst.result()), 0, Size.W, 32, false); // a Java int: the upper half is undefined
        } else if (inst.resultCount() != 0) {
            mov(vreg(inst.result()), 0, false, Size.X); // a u64 (exn_new's exception address)
        }
    }

    private void callWith(Inst inst, FuncType ct, int n, MInst m, int extraUse) {
        int[] argRegs = new int[n];
        for (int i = 0; i < n; i++) {
            argRegs[i] = use(inst.arg(i));
        }
        CallingConvention.Assignment at = Aarch64Registers.INTERNAL.assign(ct.params(), ct.results());
        int[] argPreg = new int[n];
        for (int i = 0; i < n; i++) {
            CallingConvention.ArgLocation loc = at.params().get(i);
            argPreg[i] = loc.reg();
            if (!loc.inRegister()) {
                MInst st = new MInst(MOp.STORE_STACK_ARG);
                st.q = inst.arg(i).type().isVector();
                st.src = argRegs[i];
                st.imm = loc.stackOffset();
                emit(st.uses(argRegs[i]));
            }
        }
        maxOutgoingStackBytes = Math.max(maxOutgoingStackBytes, (at.stackBytes() + 15) & -16);
        int[] callUses = new int[n + 1];
        int uses = 0;
        for (int i = 0; i < n; i++) {
            if (argPreg[i] != MInst.NONE) {
                mov(argPreg[i], argRegs[i], inst.arg(i).type());
                callUses[uses++] = argPreg[i];
            }
        }
        if (extraUse != MInst.NONE) {
            callUses[uses++] = extraUse;
        }
        m.popped = Aarch64Backend.popped(at);
        if (m.op == MOp.RETURN_CALL || m.op == MOp.RETURN_CALL_IMPORT || m.op == MOp.RETURN_CALL_REF) {
            emit(m.uses(java.util.Arrays.copyOf(callUses, uses))); // nothing after it: no clobbers, no results
            return;
        }
        emit(m.uses(java.util.Arrays.copyOf(callUses, uses)).defs(m.inTry ? ExceptionLowering.clobbers() : clobbers()));
        if (inst.resultCount() == 1) {
            Value r = inst.results().get(0);
            mov(vreg(r), at.results().get(0).reg(), r.type());
        } else {
            for (int k = 0; k < inst.resultCount(); k++) {
                Value r = inst.results().get(k);
                MInst ld = new MInst(MOp.LOAD_RESULT);
                ld.q = r.type().isVector();
                ld.dst = vreg(r);
                ld.imm = at.results().get(k).stackOffset();
                emit(ld.defs(ld.dst));
            }
        }
    }

    /**
     * {@code return_call} and {@code return_call_ref}: arguments as for a call (stack arguments staged in
     * the outgoing area), then the tail call itself ({@link TailCall}), which ends the block.
     */
    private void tailCall(Inst inst) {
        int n = inst.args().size();
        int k = (int) inst.imm();
        if (inst.op() == Op.RETURN_CALL_REF) {
            MInst m = new MInst(MOp.RETURN_CALL_REF);
            m.imm = k;
            m.src = use(inst.arg(n - 1));
            callWith(inst, env.type(k), n - 1, m, m.src);
        } else {
            MInst m = new MInst(k < env.importedFunctionCount() ? MOp.RETURN_CALL_IMPORT : MOp.RETURN_CALL);
            m.imm = k;
            callWith(inst, env.functionType(k), n, m, MInst.NONE);
        }
    }

    private void ret(Inst inst) {
        ArrayList<Value> rets = inst.args();
        MInst ret = new MInst(MOp.RET);
        if (rets.size() > 1) {
            for (int k = 0; k < rets.size(); k++) {
                int v = use(inst.arg(k));
                MInst st = new MInst(MOp.STORE_RESULT);
                st.q = rets.get(k).type().isVector();
                st.src = v;
                st.imm = incoming.results().get(k).stackOffset();
                emit(st.uses(v));
            }
        } else if (rets.size() == 1) {
            int out = incoming.results().get(0).reg();
            mov(out, use(inst.arg(0)), rets.get(0).type());
            ret.uses(out);
        }
        emit(ret);
    }

    // ---- control flow -----------------------------------------------------------------------------

    private void parallelMove(BlockCall bc) {
        List<Value> params = bc.target().params();
        int n = params.size();
        if (n == 0) {
            return;
        }
        MInst m = new MInst(MOp.PMOVE);
        m.pdst = new int[n];
        m.psrc = new int[n];
        m.pconst = new long[n];
        List<Integer> uses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Value a = bc.args().get(i).resolve();
            m.pdst[i] = vreg(params.get(i));
            if (isAnyConst(a)) {
                m.psrc[i] = MInst.NONE;
                // an i32 constant stays zero-extended in its register (the invariant)
                m.pconst[i] = isFloat(a.type()) ? a.definingInst().imm() : constOf(a);
            } else {
                m.psrc[i] = vreg(a);
                uses.add(m.psrc[i]);
            }
        }
        m.uses(uses.stream().mapToInt(Integer::intValue).toArray()).defs(m.pdst.clone());
        emit(m);
    }

    private void jmp(MachBlock<MInst> target) {
        MInst m = new MInst(MOp.JMP);
        m.target = target;
        emit(m);
        cur.succs.add(target);
    }

    private MachBlock<MInst> edge(BlockCall bc) {
        MachBlock<MInst> target = blockMap[bc.target().id()];
        if (bc.target().params().isEmpty()) {
            return target;
        }
        MachBlock<MInst> saved = cur;
        MachBlock<MInst> e = new MachBlock<>(-1);
        layout.add(e);
        cur = e;
        parallelMove(bc);
        jmp(target);
        cur = saved;
        return e;
    }

    private void brif(Inst inst) {
        Value c = inst.arg(0);
        BitTest t = bitTest(c, curIr);
        MInst m;
        if (t != null) {
            m = new MInst(MOp.TBNZ);
            m.size = sizeOf(t.x().type());
            m.src = use(t.x());
            m.imm = t.bit();
            m.negate = !t.takenWhenSet();
            m.uses(m.src);
        } else if (fused(c)) {
            m = new MInst(MOp.BCOND);
            m.cond = condition(c);
        } else {
            m = new MInst(MOp.CBNZ);
            m.size = Size.W;
            m.src = use(c);
            m.uses(m.src);
        }
        emit(m);
        m.target = edge(inst.target(0));
        m.target2 = edge(inst.target(1));
        cur.succs.add(m.target);
        cur.succs.add(m.target2);
    }

    private void brTable(Inst inst) {
        int idx = use(inst.arg(0));
        MInst m = new MInst(MOp.BR_TABLE);
        m.src = idx;
        emit(m.uses(idx));
        Map<BlockCall, MachBlock<MInst>> edges = new HashMap<>();
        List<MachBlock<MInst>> targets = new ArrayList<>();
        for (BlockCall bc : inst.targets()) {
            MachBlock<MInst> t = edges.computeIfAbsent(bc, this::edge);
            targets.add(t);
            if (!cur.succs.contains(t)) {
                cur.succs.add(t);
            }
        }
        m.tableTargets = targets;
    }
}
