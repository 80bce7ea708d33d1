package dev.kiln.arch.x86_64;

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
 * Instruction selection (DESIGN §2 step 5): IR blocks to MIR blocks over virtual registers, by
 * patterns over the IR:
 * <ul>
 * <li>constants are not materialized where defined but folded into the using instruction as an
 *     immediate when it has an immediate form, else rematerialized right before the use (a
 *     {@code mov r, imm} is cheaper than keeping a register or a spill slot for it);</li>
 * <li>a comparison whose only use is the {@code brif} or {@code select} of its own block is fused
 *     with it ({@code cmp} + {@code jcc} / {@code cmov}, no {@code setcc});</li>
 * <li>block arguments become parallel moves at the end of the predecessor; an edge that carries
 *     arguments out of a block with several successors gets a block of its own (critical edge split);</li>
 * <li>two-address x86 forms are {@code mov dst, a; op dst, b}; the allocator's move hints make the
 *     {@code mov} disappear when {@code a} dies there.</li>
 * </ul>
 * Calls follow Kiln's internal convention ({@link X86_64Backend}).
 *
 * <p>Invariant: an i32 value is always zero-extended in its 64-bit register. Every 32-bit x86
 * operation that writes a register clears its upper half, so this costs nothing except where a value
 * comes from outside (parameters and results crossing the host boundary, which the trampolines and
 * import adapters zero-extend, and libcall results) or from a 64-bit register ({@code i32.wrap_i64});
 * in return {@code i64.extend_i32_u}, the bounds checks' zero extension included, is free: its result
 * shares the operand's virtual register.
 * Not thread-safe: one instance per function.
 */
final class Lowering {

    private final IrFunction f;
    private final FunctionEnvironment env;
    private final List<MachBlock<MInst>> layout = new ArrayList<>();
    private final Map<Block, MachBlock<MInst>> blockMap = new HashMap<>();
    private final int[] vregOf;
    private final int[] useCount;
    private final VirtualRegisters vregs = new VirtualRegisters(X86Registers.DESCRIPTOR);
    private int maxOutgoingStackBytes;
    /** Where this function's parameters and results are (internal convention). */
    private final CallingConvention.Assignment incoming;
    private MachBlock<MInst> cur;
    private Block curIr;

    Lowering(IrFunction f, FunctionEnvironment env) {
        this.f = f;
        this.env = env;
        this.vregOf = new int[f.valueCount()];
        java.util.Arrays.fill(vregOf, MInst.NONE);
        this.useCount = new int[f.valueCount()];
        this.incoming = X86Registers.INTERNAL.assign(f.signature().params(), f.signature().results());
    }

    /** i32 {@code umulhi} results whose only use is a {@code ushr} by a constant, emitted there as one shift. */
    private final java.util.BitSet mulhiShifted = new java.util.BitSet();

    /** {@code ishl x, 1..3} results only added (computed as the scaled index of the addition's {@code lea}). */
    private final java.util.BitSet shlFoldedIntoLea = new java.util.BitSet();

    /** The shift count 1..3 when {@code v} is a single-use {@code ishl} by that constant in block b, else 0. */
    private int scaledIndexShift(Value v, Block b) {
        Inst d = v.definingInst();
        if (d == null || d.op() != Op.ISHL || d.block() != b || useCount[v.id()] != 1 || !isConst(d.arg(1))
                || isConst(d.arg(0))) {
            return 0;
        }
        int k = (int) d.arg(1).definingInst().imm() & (v.type() == IrType.I32 ? 31 : 63);
        return k >= 1 && k <= 3 ? k : 0;
    }

    /** The function's virtual registers. */
    VirtualRegisters vregs() {
        return vregs;
    }

    /** Bytes of the largest stack area (arguments and results) of any call in the function. */
    int maxOutgoingStackBytes() {
        return maxOutgoingStackBytes;
    }

    /** Bytes of stack arguments the function pops when it returns (internal convention: the callee pops). */
    int incomingStackArgBytes() {
        return incoming.stackArgBytes();
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
            for (Inst inst : b.insts()) {
                if (inst.op() == Op.IADD && !isConst(inst.arg(0)) && !isConst(inst.arg(1))) {
                    for (int k = 1; k >= 0; k--) {
                        if (scaledIndexShift(inst.arg(k), b) > 0 && !isConst(inst.arg(1 - k))) {
                            shlFoldedIntoLea.set(inst.arg(k).id()); // x << 1..3 as an index scale of the add's lea
                            break;
                        }
                    }
                }
                if (inst.op() == Op.USHR && inst.result().type() == IrType.I32 && isConst(inst.arg(1))) {
                    Inst d = inst.arg(0).definingInst();
                    if (d != null && d.op() == Op.UMULHI && d.block() == b && useCount[inst.arg(0).id()] == 1) {
                        mulhiShifted.set(inst.arg(0).id()); // one shift by 32 + k (see mulhi)
                    }
                }
            }
        }
        for (Block b : f.blocks()) {
            MachBlock<MInst> mb = new MachBlock<>(blockMap.size());
            blockMap.put(b, mb);
        }
        for (Block b : f.blocks()) {
            cur = blockMap.get(b);
            curIr = b;
            layout.add(cur);
            if (b == f.entry()) {
                lowerParams(b);
            }
            for (Inst inst : b.insts()) {
                lowerInst(inst);
            }
        }
        for (int i = 0; i < layout.size(); i++) {
            layout.get(i).index = i; // renumber in layout order (edge blocks were inserted)
        }
        return layout;
    }

    private int newVreg() {
        return vregs.create(RegClass.INT);
    }

    private int newXmmVreg() {
        return vregs.create(RegClass.FLOAT);
    }

    private static boolean isFloat(IrType t) {
        return t == IrType.F32 || t == IrType.F64;
    }

    private int vreg(Value v) {
        int id = v.id();
        if (vregOf[id] == MInst.NONE) {
            vregOf[id] = isFloat(v.type()) ? newXmmVreg() : newVreg();
        }
        return vregOf[id];
    }

    private static Size sizeOf(IrType t) {
        return switch (t) {
            case I32, F32 -> Size.S32;
            case I64, F64 -> Size.S64;
            default -> throw new CompileException("values of type " + t + " are not supported by the x86-64 backend yet");
        };
    }

    /** An integer constant (folded into immediates or rematerialized at each use). */
    private static boolean isConst(Value v) {
        Inst d = v.definingInst();
        return d != null && d.op() == Op.ICONST;
    }

    /** An integer or float constant (rematerialized at each use). */
    private static boolean isAnyConst(Value v) {
        Inst d = v.definingInst();
        return d != null && (d.op() == Op.ICONST || d.op() == Op.FCONST);
    }

    private static boolean fitsImm32(Value v) {
        if (!isConst(v)) {
            return false;
        }
        long c = v.definingInst().imm();
        return v.type() == IrType.I32 || c == (int) c;
    }

    private static int imm32(Value v) {
        return (int) v.definingInst().imm();
    }

    private MInst emit(MInst m) {
        return cur.add(m);
    }

    /** The register holding {@code v} here; constants are rematerialized into a fresh register. */
    private int use(Value v) {
        boolean xmm = isAnyConst(v) && isFloat(v.type());
        if (!xmm && !isConst(v)) {
            return vreg(v);
        }
        int r = xmm ? newXmmVreg() : newVreg();
        MInst m = new MInst(xmm ? MOp.XCONST : MOp.MOV_RI);
        m.size = sizeOf(v.type());
        m.dst = r;
        m.imm = v.definingInst().imm();
        emit(m.defs(r));
        return r;
    }

    private void lowerParams(Block entry) {
        List<Value> params = entry.params();
        for (int k = 0; k < params.size(); k++) {
            Value p = params.get(k);
            CallingConvention.ArgLocation at = incoming.params().get(k);
            Size s = sizeOf(p.type());
            int dst = vreg(p);
            MInst m;
            if (!at.inRegister()) {
                m = new MInst(MOp.LOAD_STACK_PARAM);
                m.imm = at.stackOffset();
                m.size = s;
                m.dst = dst;
                emit(m.defs(dst));
                continue;
            }
            if (isFloat(p.type())) {
                m = new MInst(MOp.XMOV);
                m.size = s;
            } else {
                m = new MInst(MOp.MOV_RR);
                m.size = Size.S64;
            }
            m.dst = dst;
            m.src = at.reg();
            emit(m.uses(at.reg()).defs(dst));
        }
    }

    /** A float comparison that maps to one x86 condition (not eq/ne, which need the parity flag too). */
    private boolean fusibleFloat(Value cond, Inst user) {
        Inst d = cond.definingInst();
        if (d == null || d.op() != Op.FCMP || d.block() != curIr || useCount[cond.id()] != 1 || user.op() != Op.BRIF) {
            return false;
        }
        FloatCond fc = FloatCond.values()[(int) d.imm()];
        return fc != FloatCond.EQ && fc != FloatCond.NE;
    }

    /** ucomis for a fused lt/gt/le/ge; returns the condition (unordered is false: CF=ZF=PF=1). */
    private Cond emitFloatCompare(Inst fcmp) {
        FloatCond fc = FloatCond.values()[(int) fcmp.imm()];
        boolean swap = fc == FloatCond.LT || fc == FloatCond.LE;
        int a = use(fcmp.arg(swap ? 1 : 0));
        int b = use(fcmp.arg(swap ? 0 : 1));
        MInst m = new MInst(MOp.FCMP_FLAGS);
        m.size = sizeOf(fcmp.arg(0).type());
        m.dst = a;
        m.src = b;
        emit(m.uses(a, b));
        return fc == FloatCond.GT || fc == FloatCond.LT ? Cond.A : Cond.AE;
    }

    private boolean fusible(Value cond, Inst user) {
        Inst d = cond.definingInst();
        return d != null && d.op() == Op.ICMP && d.block() == curIr && useCount[cond.id()] == 1
                && (user.op() == Op.BRIF || user.op() == Op.SELECT);
    }

    /** Emits the comparison for a (fused) ICMP and returns the x86 condition that holds when it is true. */
    private Cond emitCompare(Inst icmp) {
        return compare(icmp.arg(0), icmp.arg(1), icmp.cond());
    }

    static Cond x86(dev.kiln.compiler.ir.Cond c) {
        return switch (c) {
            case EQ -> Cond.E;
            case NE -> Cond.NE;
            case SLT -> Cond.L;
            case ULT -> Cond.B;
            case SGT -> Cond.G;
            case UGT -> Cond.A;
            case SLE -> Cond.LE;
            case ULE -> Cond.BE;
            case SGE -> Cond.GE;
            case UGE -> Cond.AE;
        };
    }

    private boolean isXmm(int reg) {
        return MInst.isVirtual(reg) ? vregs.classOf(reg) == RegClass.FLOAT : X86Registers.isXmm(reg);
    }

    private void mov(Size s, int dst, int src) {
        MInst m = new MInst(isXmm(dst) ? MOp.XMOV : MOp.MOV_RR);
        m.size = s;
        m.dst = dst;
        m.src = src;
        emit(m.uses(src).defs(dst));
    }

    private void lowerInst(Inst inst) {
        switch (inst.op()) {
            case ICONST -> {
                // materialized at each use (see use())
            }
            case IADD -> alu(inst, AluOp.ADD, true);
            case ISUB -> alu(inst, AluOp.SUB, false);
            case BAND -> alu(inst, AluOp.AND, true);
            case BOR -> alu(inst, AluOp.OR, true);
            case BXOR -> alu(inst, AluOp.XOR, true);
            case IMUL -> {
                Value a = inst.arg(0);
                Value b = inst.arg(1);
                if ((fitsImm32(a) && !fitsImm32(b)) || preferAsDestination(b, a)) {
                    Value t = a;
                    a = b;
                    b = t;
                }
                Size s = sizeOf(inst.result().type());
                int dst = vreg(inst.result());
                if (fitsImm32(b)) {
                    immediateForm(MOp.IMUL_RRI, null, s, dst, use(a), imm32(b));
                } else {
                    twoAddress(MOp.IMUL_RR, null, s, dst, a, b);
                }
            }
            case ISHL -> {
                if (!shlFoldedIntoLea.get(inst.result().id())) {
                    shift(inst, ShiftOp.SHL);
                }
            }
            case SSHR -> shift(inst, ShiftOp.SAR);
            case USHR -> shift(inst, ShiftOp.SHR);
            case ROTL -> shift(inst, ShiftOp.ROL);
            case ROTR -> shift(inst, ShiftOp.ROR);
            case UMULHI -> {
                if (!mulhiShifted.get(inst.result().id())) {
                    mulhi(inst, false, vreg(inst.result()), 0);
                }
            }
            case SMULHI -> mulhi(inst, true, vreg(inst.result()), 0);
            case SDIV -> divrem(inst, true, false);
            case UDIV -> divrem(inst, false, false);
            case SREM -> divrem(inst, true, true);
            case UREM -> divrem(inst, false, true);
            case ICMP -> {
                if (useCount[inst.result().id()] == 1 && singleUseIsFusible(inst)) {
                    return; // emitted at its use
                }
                Cond c = emitCompare(inst);
                int dst = vreg(inst.result());
                MInst m = new MInst(MOp.SETCC);
                m.size = Size.S32;
                m.cond = c;
                m.dst = dst;
                emit(m.defs(dst));
            }
            case SELECT -> {
                Value c = inst.arg(0);
                Size s = sizeOf(inst.result().type());
                int dst = vreg(inst.result());
                int ra;
                int rb = use(inst.arg(2));
                Cond takeB;
                if (fusible(c, inst)) {
                    ra = isConst(inst.arg(1)) ? MInst.NONE : use(inst.arg(1));
                    takeB = emitCompare(c.definingInst()).negate();
                } else {
                    ra = isConst(inst.arg(1)) ? MInst.NONE : use(inst.arg(1));
                    testZero(use(c));
                    takeB = Cond.E;
                }
                if (ra == MInst.NONE && isFloat(inst.result().type())) {
                    ra = use(inst.arg(1)); // never reached: float constants are not isConst
                }
                if (ra == MInst.NONE) {
                    MInst m = new MInst(MOp.MOV_RI); // mov imm does not touch the flags
                    m.size = s;
                    m.dst = dst;
                    m.imm = inst.arg(1).definingInst().imm();
                    emit(m.defs(dst));
                } else {
                    mov(s, dst, ra);
                }
                MInst m = new MInst(isFloat(inst.result().type()) ? MOp.XCMOV : MOp.CMOV);
                m.size = s;
                m.cond = takeB;
                m.dst = dst;
                m.src = rb;
                emit(m.uses(dst, rb).defs(dst));
            }
            case CLZ, CTZ, POPCNT -> {
                int dst = vreg(inst.result());
                int ra = use(inst.arg(0));
                MInst m = new MInst(MOp.BITCOUNT);
                m.size = sizeOf(inst.result().type());
                m.imm = inst.op() == Op.CLZ ? 0 : inst.op() == Op.CTZ ? 1 : 2;
                m.dst = dst;
                m.src = ra;
                emit(m.uses(ra).defs(dst));
            }
            // i32 values are kept zero-extended in their 64-bit registers (see the class comment), so
            // wrap must clear the upper half and extend_u shares its operand's register
            case IREDUCE -> zext32(vreg(inst.result()), use(inst.arg(0)));
            case UEXTEND -> {
                int src = use(inst.arg(0));
                if (vregOf[inst.result().id()] == MInst.NONE) {
                    vregOf[inst.result().id()] = src; // the same bits: one virtual register, no copy
                } else {
                    mov(Size.S64, vreg(inst.result()), src);
                }
            }
            case SEXTEND -> movsx(Size.S64, 32, vreg(inst.result()), use(inst.arg(0)));
            case SEXTEND_LOW -> movsx(sizeOf(inst.result().type()), (int) inst.imm(), vreg(inst.result()),
                    use(inst.arg(0)));
            case FCONST -> {
                // materialized at each use (see use())
            }
            case FADD -> floatBinary(inst, MInst.FloatOp.ADD);
            case FSUB -> floatBinary(inst, MInst.FloatOp.SUB);
            case FMUL -> floatBinary(inst, MInst.FloatOp.MUL);
            case FDIV -> floatBinary(inst, MInst.FloatOp.DIV);
            case FMIN, FMAX -> {
                Size s = sizeOf(inst.result().type());
                int dst = vreg(inst.result());
                int ra = use(inst.arg(0));
                int rb = use(inst.arg(1));
                mov(s, dst, ra);
                MInst m = new MInst(MOp.FMINMAX);
                m.size = s;
                m.dst = dst;
                m.src = rb;
                m.imm = inst.op() == Op.FMAX ? 1 : 0;
                emit(m.uses(dst, rb).defs(dst));
            }
            case FABS, FNEG -> {
                Size s = sizeOf(inst.result().type());
                int dst = vreg(inst.result());
                mov(s, dst, use(inst.arg(0)));
                boolean abs = inst.op() == Op.FABS;
                floatMask(dst, s, abs ? MInst.FloatOp.AND : MInst.FloatOp.XOR, abs ? ~signBit(s) : signBit(s));
            }
            case FCOPYSIGN -> {
                Size s = sizeOf(inst.result().type());
                int dst = vreg(inst.result());
                int ra = use(inst.arg(0));
                int rb = use(inst.arg(1));
                int sign = newXmmVreg();
                mov(s, sign, rb);
                floatMask(sign, s, MInst.FloatOp.AND, signBit(s));
                mov(s, dst, ra);
                floatMask(dst, s, MInst.FloatOp.AND, ~signBit(s));
                MInst m = new MInst(MOp.FALU);
                m.size = s;
                m.fop = MInst.FloatOp.OR;
                m.dst = dst;
                m.src = sign;
                emit(m.uses(dst, sign).defs(dst));
            }
            case FSQRT -> floatUnary(inst, MOp.FSQRT, 0);
            case FNEAREST -> floatUnary(inst, MOp.FROUND, 0);
            case FFLOOR -> floatUnary(inst, MOp.FROUND, 1);
            case FCEIL -> floatUnary(inst, MOp.FROUND, 2);
            case FTRUNC -> floatUnary(inst, MOp.FROUND, 3);
            case FPROMOTE, FDEMOTE -> floatUnary(inst, MOp.FCVT, 0);
            case FCMP -> {
                if (useCount[inst.result().id()] == 1 && singleUseIsFusibleFloat(inst)) {
                    return; // emitted at its use
                }
                int ra = use(inst.arg(0));
                int rb = use(inst.arg(1));
                int dst = vreg(inst.result());
                MInst m = new MInst(MOp.FCMP_SET);
                m.size = sizeOf(inst.arg(0).type());
                m.dst = dst;
                m.src = ra;
                m.src2 = rb;
                m.imm = inst.imm();
                emit(m.uses(ra, rb).defs(dst));
            }
            case FCVT_FROM_SINT, FCVT_FROM_UINT -> {
                int dst = vreg(inst.result());
                int ra = use(inst.arg(0));
                MInst m = new MInst(MOp.CVT_I2F);
                m.size = sizeOf(inst.result().type());
                m.signed = inst.op() == Op.FCVT_FROM_SINT;
                m.imm = inst.arg(0).type().bits();
                m.dst = dst;
                m.src = ra;
                emit(m.uses(ra).defs(dst));
            }
            case FCVT_TO_SINT, FCVT_TO_UINT, FCVT_TO_SINT_SAT, FCVT_TO_UINT_SAT -> {
                int dst = vreg(inst.result());
                int ra = use(inst.arg(0));
                MInst m = new MInst(MOp.CVT_F2I);
                m.size = sizeOf(inst.result().type());
                m.signed = inst.op() == Op.FCVT_TO_SINT || inst.op() == Op.FCVT_TO_SINT_SAT;
                m.saturating = inst.op() == Op.FCVT_TO_SINT_SAT || inst.op() == Op.FCVT_TO_UINT_SAT;
                m.imm = inst.arg(0).type().bits();
                m.dst = dst;
                m.src = ra;
                emit(m.uses(ra).defs(dst));
            }
            case BITCAST -> {
                int dst = vreg(inst.result());
                int ra = use(inst.arg(0));
                MInst m = new MInst(isFloat(inst.result().type()) ? MOp.BITCAST_I2F : MOp.BITCAST_F2I);
                m.size = sizeOf(inst.result().type());
                m.dst = dst;
                m.src = ra;
                emit(m.uses(ra).defs(dst));
            }
            case VMCTX_LOAD -> {
                int dst = vreg(inst.result());
                MInst m = new MInst(MOp.VMCTX_LOAD);
                m.size = sizeOf(inst.result().type());
                m.dst = dst;
                m.imm = inst.imm();
                emit(m.defs(dst));
            }
            case VMCTX_STORE -> {
                int v = use(inst.arg(0));
                MInst m = new MInst(MOp.VMCTX_STORE);
                m.size = sizeOf(inst.arg(0).type());
                m.src = v;
                m.imm = inst.imm();
                emit(m.uses(v));
            }
            case LOAD -> {
                int dst = vreg(inst.result());
                int[] addr = heapAddress(inst);
                MInst m = new MInst(MOp.HEAP_LOAD);
                m.size = sizeOf(inst.result().type());
                m.width = inst.aux() & 0xF;
                m.signed = (inst.aux() & 16) != 0;
                m.dst = dst;
                m.src = addr[0];
                m.src2 = addr[1];
                m.imm = addr[2];
                emit(m.uses(operands(addr[0], addr[1])).defs(dst));
            }
            case STORE -> {
                int[] addr = heapAddress(inst);
                int v = use(inst.arg(2));
                MInst m = new MInst(MOp.HEAP_STORE);
                m.size = sizeOf(inst.arg(2).type());
                m.width = inst.aux() & 0xF;
                m.src = addr[0];
                m.src2 = addr[1];
                m.src3 = v;
                m.imm = addr[2];
                emit(m.uses(operands(addr[0], addr[1], v)));
            }
            case TRAPIF -> {
                Cond c = compare(inst.arg(0), inst.arg(1), inst.cond());
                MInst m = new MInst(MOp.TRAP_IF);
                m.cond = c;
                m.imm = inst.imm();
                emit(m);
            }
            case MEMORY_GROW -> {
                int rdi = Gpr.RDI.encoding();
                mov(Size.S64, rdi, use(inst.arg(0))); // i32: already zero-extended
                MInst m = new MInst(MOp.MEMORY_GROW);
                m.imm = 0;
                emit(m.uses(rdi).defs(callClobbers()));
                mov(Size.S32, vreg(inst.result()), Gpr.RAX.encoding());
            }
            case MEMORY_FILL, MEMORY_COPY, MEMORY_INIT -> {
                int a0 = use(inst.arg(0));
                int a1 = use(inst.arg(1));
                int a2 = use(inst.arg(2));
                int rdi = Gpr.RDI.encoding();
                int second = inst.op() == Op.MEMORY_FILL ? Gpr.RAX.encoding() : Gpr.RSI.encoding();
                int rcx = Gpr.RCX.encoding();
                mov(Size.S64, rdi, a0); // i32 operands: already zero-extended
                mov(Size.S64, second, a1);
                mov(Size.S64, rcx, a2);
                MInst m = new MInst(switch (inst.op()) {
                    case MEMORY_FILL -> MOp.MEMORY_FILL;
                    case MEMORY_COPY -> MOp.MEMORY_COPY;
                    default -> MOp.MEMORY_INIT;
                });
                m.imm = inst.imm();
                emit(m.uses(rdi, second, rcx).defs(rdi, second, rcx, Gpr.RDX.encoding(), Gpr.R11.encoding()));
            }
            case CALL -> call(inst);
            case RETURN_CALL, RETURN_CALL_REF -> tailCall(inst);
            case CALL_INDIRECT -> {
                dev.kiln.compiler.ir.Value index = inst.arg(inst.args().size() - 1);
                int idx = use(index); // i32: already zero-extended
                MInst m = new MInst(MOp.CALL_INDIRECT);
                m.imm = inst.imm();
                m.width = (int) inst.aux();
                m.src = idx;
                callWith(inst, env.type((int) inst.imm()), inst.args().size() - 1, m, idx);
            }
            case VMCTX_ADDR -> {
                int dst = vreg(inst.result());
                MInst m = new MInst(MOp.VMCTX_ADDR);
                m.dst = dst;
                m.imm = inst.imm();
                emit(m.defs(dst));
            }
            case TABLE_GET, TABLE_SET -> {
                int idx = use(inst.arg(0)); // i32: already zero-extended
                int addr = newVreg();
                MInst m = new MInst(MOp.TABLE_ENTRY_ADDR);
                m.dst = addr;
                m.src = idx;
                m.imm = inst.imm();
                emit(m.uses(idx).defs(addr));
                if (inst.op() == Op.TABLE_GET) {
                    int dst = vreg(inst.result());
                    MInst ld = new MInst(MOp.HEAP_LOAD);
                    ld.size = Size.S64;
                    ld.width = 8;
                    ld.dst = dst;
                    ld.src = addr;
                    ld.src2 = MInst.NONE;
                    emit(ld.uses(addr).defs(dst));
                } else {
                    int v = use(inst.arg(1));
                    MInst st = new MInst(MOp.HEAP_STORE);
                    st.size = Size.S64;
                    st.width = 8;
                    st.src = addr;
                    st.src2 = MInst.NONE;
                    st.src3 = v;
                    emit(st.uses(addr, v));
                }
            }
            case TABLE_SIZE -> {
                int dst = vreg(inst.result());
                MInst m = new MInst(MOp.TABLE_SIZE);
                m.dst = dst;
                m.imm = inst.imm();
                emit(m.defs(dst));
            }
            case LIBCALL -> {
                int n = inst.args().size();
                if (n > X86Registers.INT_ARGS.length - 1) {
                    throw new CompileException("libcall with " + n + " arguments");
                }
                int[] vals = new int[n];
                for (int i = 0; i < n; i++) {
                    vals[i] = use(inst.arg(i));
                }
                int[] pregs = new int[n];
                for (int i = 0; i < n; i++) {
                    pregs[i] = X86Registers.INT_ARGS[i + 1].encoding(); // rdi carries the VMContext
                    mov(Size.S64, pregs[i], vals[i]);
                }
                MInst m = new MInst(MOp.LIBCALL);
                m.imm = inst.imm();
                emit(m.uses(pregs).defs(callClobbers()));
                if (!inst.results().isEmpty()) {
                    zext32(vreg(inst.result()), Gpr.RAX.encoding()); // a Java int: upper half undefined
                }
            }
            case JUMP -> {
                BlockCall bc = inst.targets().get(0);
                parallelMove(bc);
                jmp(blockMap.get(bc.target()));
            }
            case BRIF -> brif(inst);
            case BR_TABLE -> brTable(inst);
            case RETURN -> {
                List<Value> rets = inst.args();
                MInst ret = new MInst(MOp.RET);
                if (rets.size() > 1) {
                    // several results: into the caller's outgoing area, after its stack arguments
                    for (int k = 0; k < rets.size(); k++) {
                        int v = use(inst.arg(k));
                        MInst st = new MInst(MOp.STORE_RESULT);
                        st.size = sizeOf(rets.get(k).type());
                        st.src = v;
                        st.imm = incoming.results().get(k).stackOffset();
                        emit(st.uses(v));
                    }
                    emit(ret);
                    return;
                }
                if (rets.size() == 1) {
                    int out = incoming.results().get(0).reg();
                    mov(sizeOf(rets.get(0).type()), out, use(inst.arg(0)));
                    ret.uses(out);
                }
                emit(ret);
            }
            case TRAP -> {
                MInst m = new MInst(MOp.TRAP);
                m.imm = inst.imm();
                emit(m);
            }
            case EPOCH_CHECK -> emit(new MInst(MOp.EPOCH_CHECK));
            case FUEL -> {
                MInst m = new MInst(MOp.FUEL);
                m.imm = inst.imm();
                emit(m);
            }
        }
    }

    private boolean singleUseIsFusibleFloat(Inst fcmp) {
        Value r = fcmp.result();
        Inst t = curIr.terminator();
        if (t == null || t.op() != Op.BRIF || t.arg(0) != r) {
            return false;
        }
        FloatCond fc = FloatCond.values()[(int) fcmp.imm()];
        return fc != FloatCond.EQ && fc != FloatCond.NE;
    }

    private static long signBit(Size s) {
        return s == Size.S32 ? 0x8000_0000L : Long.MIN_VALUE;
    }

    private void floatMask(int dst, Size s, MInst.FloatOp op, long mask) {
        MInst m = new MInst(MOp.FALU_CONST);
        m.size = s;
        m.fop = op;
        m.dst = dst;
        m.imm = s == Size.S32 ? mask & 0xFFFF_FFFFL : mask;
        emit(m.uses(dst).defs(dst));
    }

    private void floatBinary(Inst inst, MInst.FloatOp op) {
        Value a = inst.arg(0);
        Value b = inst.arg(1);
        boolean commutes = op == MInst.FloatOp.ADD || op == MInst.FloatOp.MUL;
        if (commutes && (preferAsDestination(b, a) || (isAnyConst(a) && !isAnyConst(b)))) {
            Value t = a; // IEEE addition and multiplication commute (NaN payloads aside, which Wasm leaves open)
            a = b;
            b = t;
        }
        Size s = sizeOf(inst.result().type());
        int dst = vreg(inst.result());
        if (isAnyConst(b) && !isAnyConst(a)) {
            // the constant is read from the pool by the instruction itself: addsd xmm, [rip+c]
            mov(s, dst, use(a));
            MInst m = new MInst(MOp.FALU_CONST);
            m.size = s;
            m.fop = op;
            m.dst = dst;
            m.imm = b.definingInst().imm();
            emit(m.uses(dst).defs(dst));
            return;
        }
        twoAddressFloat(op, s, dst, a, b);
    }

    /**
     * Whether a commutative two-address operation should copy {@code x} (not {@code y}) into its
     * destination: x is used only here while y is used again, so x's register can be reused in place
     * (the allocator's move hint) and y's value survives without an extra copy.
     */
    private boolean preferAsDestination(Value x, Value y) {
        return !isAnyConst(x) && !isAnyConst(y) && useCount[x.id()] == 1 && useCount[y.id()] > 1;
    }

    private void twoAddressFloat(MInst.FloatOp op, Size s, int dst, Value a, Value b) {
        int ra = use(a);
        int rb = use(b);
        mov(s, dst, ra);
        MInst m = new MInst(MOp.FALU);
        m.size = s;
        m.fop = op;
        m.dst = dst;
        m.src = rb;
        emit(m.uses(dst, rb).defs(dst));
    }

    private void floatUnary(Inst inst, MOp op, int mode) {
        int dst = vreg(inst.result());
        int ra = use(inst.arg(0));
        MInst m = new MInst(op);
        m.size = sizeOf(inst.result().type());
        m.dst = dst;
        m.src = ra;
        m.imm = mode;
        emit(m.uses(ra).defs(dst));
    }

    private boolean singleUseIsFusible(Inst icmp) {
        // the single use must be the brif/select of this block (searched from the end: it is late)
        Value r = icmp.result();
        List<Inst> insts = curIr.insts();
        for (int i = insts.size() - 1; i >= 0; i--) {
            Inst u = insts.get(i);
            if (u == icmp) {
                return false;
            }
            if ((u.op() == Op.BRIF || u.op() == Op.SELECT) && u.arg(0) == r) {
                // the comparison's operands are read at the use: fine in SSA. Other uses don't exist.
                return true;
            }
        }
        return false;
    }

    private void alu(Inst inst, AluOp op, boolean commutative) {
        Value a = inst.arg(0);
        Value b = inst.arg(1);
        if (commutative && ((fitsImm32(a) && !fitsImm32(b)) || preferAsDestination(b, a))) {
            Value t = a;
            a = b;
            b = t;
        }
        Size s = sizeOf(inst.result().type());
        int dst = vreg(inst.result());
        if (op == AluOp.SUB && isConst(a) && a.definingInst().imm() == 0) {
            mov(s, dst, use(b));
            MInst m = new MInst(MOp.NEG);
            m.size = s;
            m.dst = dst;
            emit(m.uses(dst).defs(dst));
            return;
        }
        // additions are three-address through lea: no copy of an operand that stays live
        boolean negatable = fitsImm32(b) && imm32(b) != Integer.MIN_VALUE;
        if (op == AluOp.ADD && (shlFoldedIntoLea.get(a.id()) || shlFoldedIntoLea.get(b.id()))) {
            Value shifted = shlFoldedIntoLea.get(b.id()) ? b : a;
            Value other = shifted == b ? a : b;
            Inst shl = shifted.definingInst();
            MInst m = new MInst(MOp.LEA);
            m.size = s;
            m.dst = dst;
            m.src = use(other);
            m.src2 = use(shl.arg(0));
            m.scale = 1 << scaledIndexShift(shifted, curIr);
            emit(m.uses(m.src, m.src2).defs(dst));
            return;
        }
        if (op == AluOp.ADD || (op == AluOp.SUB && negatable)) {
            MInst m = new MInst(MOp.LEA);
            m.size = s;
            m.dst = dst;
            m.src = use(a);
            if (fitsImm32(b)) {
                m.imm = op == AluOp.ADD ? imm32(b) : -imm32(b);
                emit(m.uses(m.src).defs(dst));
            } else {
                m.src2 = use(b);
                emit(m.uses(m.src, m.src2).defs(dst));
            }
            return;
        }
        if (fitsImm32(b)) {
            mov(s, dst, use(a));
            immediateForm(MOp.ALU_RI, op, s, dst, dst, imm32(b));
        } else {
            twoAddress(MOp.ALU_RR, op, s, dst, a, b);
        }
    }

    /**
     * {@code dst = src op imm}: IMUL_RRI (three-address) or ALU_RI (two-address, {@code src == dst},
     * already copied by the caller).
     */
    private void immediateForm(MOp op, AluOp alu, Size s, int dst, int src, int imm) {
        MInst m = new MInst(op);
        m.size = s;
        m.alu = alu;
        m.dst = dst;
        m.imm = imm;
        if (op == MOp.IMUL_RRI) {
            m.src = src;
            emit(m.uses(src).defs(dst));
        } else {
            emit(m.uses(dst).defs(dst));
        }
    }

    /** {@code mov dst, a; op dst, b}: the x86 two-address form of {@code dst = a op b}. */
    private void twoAddress(MOp op, AluOp alu, Size s, int dst, Value a, Value b) {
        int ra = use(a);
        int rb = use(b);
        mov(s, dst, ra);
        MInst m = new MInst(op);
        m.size = s;
        m.alu = alu;
        m.dst = dst;
        m.src = rb;
        emit(m.uses(dst, rb).defs(dst));
    }

    private void shift(Inst inst, ShiftOp op) {
        Size s = sizeOf(inst.result().type());
        int dst = vreg(inst.result());
        Value b = inst.arg(1);
        if (op == ShiftOp.SHR && mulhiShifted.get(inst.arg(0).id())) {
            mulhi(inst.arg(0).definingInst(), false, dst, (int) b.definingInst().imm() & 31);
            return;
        }
        if (isConst(b)) {
            mov(s, dst, use(inst.arg(0)));
            MInst m = new MInst(MOp.SHIFT_RI);
            m.size = s;
            m.shift = op;
            m.dst = dst;
            m.imm = b.definingInst().imm() & (s == Size.S32 ? 31 : 63);
            emit(m.uses(dst).defs(dst));
            return;
        }
        int rcx = Gpr.RCX.encoding();
        int rb = use(b);
        int ra = use(inst.arg(0));
        mov(Size.S32, rcx, rb);
        mov(s, dst, ra);
        MInst m = new MInst(MOp.SHIFT_CL);
        m.size = s;
        m.shift = op;
        m.dst = dst;
        emit(m.uses(dst, rcx).defs(dst));
    }

    /**
     * The high half of a product ({@code umulhi}/{@code smulhi}, from division by constants). i32: the
     * operands, zero- or sign-extended to 64 bits, multiply exactly in a 64-bit {@code imul}, whose bits
     * 63..32 shifted down are the result (zero-extended, as i32 values are kept); i64: the one-operand
     * {@code mul}/{@code imul} into rdx:rax.
     */
    private void mulhi(Inst inst, boolean signed, int dst, int extraShift) {
        Value a = inst.arg(0);
        Value b = inst.arg(1);
        if (isConst(a)) {
            Value t = a;
            a = b;
            b = t;
        }
        if (inst.result().type() == IrType.I32) {
            int ra = use(a);
            if (signed) {
                movsx(Size.S64, 32, dst, ra);
            } else {
                mov(Size.S64, dst, ra);
            }
            long c = isConst(b) ? b.definingInst().imm() : 0; // i32 constants are stored sign-extended
            if (isConst(b) && (signed || c >= 0)) {
                immediateForm(MOp.IMUL_RRI, null, Size.S64, dst, dst, (int) c);
            } else {
                int rb = use(b);
                if (signed) {
                    int sb = newVreg();
                    movsx(Size.S64, 32, sb, rb);
                    rb = sb;
                }
                MInst m = new MInst(MOp.IMUL_RR);
                m.size = Size.S64;
                m.dst = dst;
                m.src = rb;
                emit(m.uses(dst, rb).defs(dst));
            }
            MInst sh = new MInst(MOp.SHIFT_RI);
            sh.size = Size.S64;
            sh.shift = ShiftOp.SHR;
            sh.dst = dst;
            sh.imm = 32 + extraShift;
            emit(sh.uses(dst).defs(dst));
            return;
        }
        int rax = Gpr.RAX.encoding();
        int rdx = Gpr.RDX.encoding();
        int ra = use(a);
        int rb = use(b);
        mov(Size.S64, rax, ra);
        MInst m = new MInst(MOp.MULHI);
        m.size = Size.S64;
        m.signed = signed;
        m.src = rb;
        emit(m.uses(rax, rb).defs(rax, rdx));
        mov(Size.S64, dst, rdx);
    }

    /** {@code test r32, r32}: sets ZF when the i32 in {@code reg} is zero (a condition used as a value). */
    private void testZero(int reg) {
        MInst t = new MInst(MOp.TEST_RR);
        t.size = Size.S32;
        t.dst = reg;
        t.src = reg;
        emit(t.uses(reg, reg));
    }

    /** {@code dst = sign-extend the low bits (8, 16, 32) of src} to {@code size}. */
    private void movsx(Size size, int bits, int dst, int src) {
        MInst m = new MInst(MOp.MOVSX);
        m.size = size;
        m.imm = bits;
        m.dst = dst;
        m.src = src;
        emit(m.uses(src).defs(dst));
    }

    private void divrem(Inst inst, boolean signed, boolean remainder) {
        Size s = sizeOf(inst.result().type());
        int rax = Gpr.RAX.encoding();
        int rdx = Gpr.RDX.encoding();
        int ra = use(inst.arg(0));
        int rb = use(inst.arg(1));
        mov(s, rax, ra);
        MInst m = new MInst(MOp.DIVREM);
        m.size = s;
        m.signed = signed;
        m.remainder = remainder;
        m.src = rb;
        m.earlyClobber = true; // cdq/cqo writes rdx before idiv reads the divisor
        emit(m.uses(rax, rb).defs(rax, rdx));
        mov(s, vreg(inst.result()), remainder ? rdx : rax);
    }

    private void call(Inst inst) {
        int callee = (int) inst.imm();
        FuncType ct = env.functionType(callee);
        MInst m = new MInst(callee < env.importedFunctionCount() ? MOp.CALL_IMPORT : MOp.CALL);
        m.imm = callee;
        m.reloadsVmctx = m.op == MOp.CALL && env.mayReturnInAnotherInstance(callee);
        callWith(inst, ct, inst.args().size(), m, MInst.NONE);
    }

    /**
     * {@code return_call} and {@code return_call_ref}: arguments as for a call (stack arguments staged
     * in the outgoing area), then the tail call itself ({@link TailCall}), which ends the block.
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

    /**
     * A call of type {@code ct} passing the first {@code n} operands of {@code inst}; {@code m} is the
     * call instruction itself and {@code extraUse} a virtual register it reads besides the arguments
     * (the table index of call_indirect), or NONE.
     */
    private void callWith(Inst inst, FuncType ct, int n, MInst m, int extraUse) {
        for (ValType t : ct.params()) {
            if (t == ValType.V128) {
                throw new CompileException("calls with " + t + " parameters are not supported by the x86-64 backend yet"
                        + " (in function " + f.funcIndex() + ")");
            }
        }
        int[] argRegs = new int[n];
        for (int i = 0; i < n; i++) {
            argRegs[i] = use(inst.arg(i));
        }
        // argument locations: as the callee's lowerParams sees them
        CallingConvention.Assignment at = X86Registers.INTERNAL.assign(ct.params(), ct.results());
        int[] argPreg = new int[n];
        for (int i = 0; i < n; i++) {
            CallingConvention.ArgLocation loc = at.params().get(i);
            argPreg[i] = loc.reg();
            if (!loc.inRegister()) {
                MInst st = new MInst(MOp.STORE_STACK_ARG);
                st.size = isFloat(inst.arg(i).type()) ? sizeOf(inst.arg(i).type()) : Size.S64;
                st.src = argRegs[i];
                st.imm = loc.stackOffset();
                emit(st.uses(argRegs[i]));
            }
        }
        maxOutgoingStackBytes = Math.max(maxOutgoingStackBytes, at.stackBytes());
        int[] callUses = new int[n + 1];
        int uses = 0;
        for (int i = 0; i < n; i++) {
            if (argPreg[i] != MInst.NONE) {
                mov(sizeOf(inst.arg(i).type()), argPreg[i], argRegs[i]);
                callUses[uses++] = argPreg[i];
            }
        }
        if (extraUse != MInst.NONE) {
            callUses[uses++] = extraUse;
        }
        m.popped = at.stackArgBytes();
        if (m.op == MOp.RETURN_CALL || m.op == MOp.RETURN_CALL_IMPORT || m.op == MOp.RETURN_CALL_REF) {
            emit(m.uses(java.util.Arrays.copyOf(callUses, uses))); // nothing after it: no clobbers, no results
            return;
        }
        emit(m.uses(java.util.Arrays.copyOf(callUses, uses)).defs(callClobbers()));
        if (inst.results().size() == 1) {
            Value r = inst.results().get(0);
            mov(sizeOf(r.type()), vreg(r), at.results().get(0).reg());
        } else {
            for (int k = 0; k < inst.results().size(); k++) {
                Value r = inst.results().get(k);
                int dst = vreg(r);
                MInst ld = new MInst(MOp.LOAD_RESULT);
                ld.size = sizeOf(r.type());
                ld.dst = dst;
                ld.imm = at.results().get(k).stackOffset();
                emit(ld.defs(dst));
            }
        }
    }

    /** The registers among {@code regs} that exist (NONE for an absent index is left out). */
    private static int[] operands(int... regs) {
        int n = 0;
        for (int r : regs) {
            if (r != MInst.NONE) {
                n++;
            }
        }
        if (n == regs.length) {
            return regs;
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

    private void zext32(int dst, int src) {
        MInst m = new MInst(MOp.ZEXT32);
        m.size = Size.S32;
        m.dst = dst;
        m.src = src;
        emit(m.uses(src).defs(dst));
    }

    private static int[] callClobbers() {
        return X86Registers.CALLER_SAVED.clone();
    }

    /** {@code {base, index, disp}} of a LOAD/STORE; a static offset beyond a 32-bit displacement is added to the index. */
    private int[] heapAddress(Inst inst) {
        int base = use(inst.arg(0));
        long off = inst.imm();
        if (isConst(inst.arg(1))) {
            // a constant index folds into the displacement: [base + disp]
            long total = off + inst.arg(1).definingInst().imm();
            if (total == (int) total) {
                return new int[] {base, MInst.NONE, (int) total};
            }
        }
        int index = use(inst.arg(1));
        if (off != (int) off) {
            int sum = newVreg();
            mov(Size.S64, sum, index);
            MInst add = new MInst(MOp.MOV_RI);
            int k = newVreg();
            add.size = Size.S64;
            add.dst = k;
            add.imm = off;
            emit(add.defs(k));
            MInst m = new MInst(MOp.ALU_RR);
            m.size = Size.S64;
            m.alu = AluOp.ADD;
            m.dst = sum;
            m.src = k;
            emit(m.uses(sum, k).defs(sum));
            return new int[] {base, sum, 0};
        }
        return new int[] {base, index, (int) off};
    }

    /** Emits {@code cmp a, b} (or with an immediate) and returns the x86 condition for {@code a cond b}. */
    private Cond compare(Value a, Value b, dev.kiln.compiler.ir.Cond c) {
        if (fitsImm32(a) && !fitsImm32(b)) {
            Value t = a;
            a = b;
            b = t;
            c = c.swap();
        }
        Size s = sizeOf(a.type());
        int ra = use(a);
        if (fitsImm32(b)) {
            MInst m = new MInst(MOp.CMP_RI);
            m.size = s;
            m.dst = ra;
            m.imm = imm32(b);
            emit(m.uses(ra));
        } else {
            int rb = use(b);
            MInst m = new MInst(MOp.CMP_RR);
            m.size = s;
            m.dst = ra;
            m.src = rb;
            emit(m.uses(ra, rb));
        }
        return x86(c);
    }

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
        m.psize = new Size[n];
        List<Integer> uses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Value a = bc.args().get(i).resolve();
            m.pdst[i] = vreg(params.get(i));
            m.psize[i] = sizeOf(a.type());
            if (isAnyConst(a)) {
                m.psrc[i] = MInst.NONE;
                m.pconst[i] = a.definingInst().imm();
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

    /** The block to branch to for {@code bc}: the target itself, or a new edge block doing the moves. */
    private MachBlock<MInst> edge(BlockCall bc) {
        MachBlock<MInst> target = blockMap.get(bc.target());
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
        Cond cond;
        if (fusible(c, inst)) {
            cond = emitCompare(c.definingInst());
        } else if (fusibleFloat(c, inst)) {
            cond = emitFloatCompare(c.definingInst());
        } else {
            testZero(use(c));
            cond = Cond.NE;
        }
        MInst m = new MInst(MOp.JCC);
        m.cond = cond;
        emit(m);
        m.target = edge(inst.targets().get(0));
        m.target2 = edge(inst.targets().get(1));
        cur.succs.add(m.target);
        cur.succs.add(m.target2);
    }

    private void brTable(Inst inst) {
        int idx = use(inst.arg(0));
        MInst m = new MInst(MOp.BR_TABLE);
        m.src = idx;
        m.size = Size.S32;
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
