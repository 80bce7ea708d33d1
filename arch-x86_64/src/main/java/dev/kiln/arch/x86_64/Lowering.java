package dev.kiln.arch.x86_64;

import dev.kiln.compiler.FunctionEnvironment;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.LaneOps;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.mach.LayoutLoops;
import dev.kiln.compiler.mach.MachBlock;
import dev.kiln.compiler.mach.RegClass;
import dev.kiln.compiler.mach.VirtualRegisters;
import java.util.ArrayList;
import java.util.List;

/**
 * Instruction selection (DESIGN §2 step 5): IR blocks to MIR blocks over virtual registers, by
 * patterns over the IR:
 * <ul>
 * <li>constants are not materialized where defined but folded into the using instruction as an
 *     immediate when it has an immediate form, else rematerialized right before the use (a
 *     {@code mov r, imm} is cheaper than keeping a register or a spill slot for it), except 64-bit
 *     constants that need {@code movabs} and are used inside a loop defined outside it, which are
 *     materialized once where defined;</li>
 * <li>a comparison whose only use is the {@code brif} or {@code select} of its own block is fused
 *     with it ({@code cmp} + {@code jcc} / {@code cmov}, no {@code setcc});</li>
 * <li>block arguments become parallel moves at the end of the predecessor; an edge that carries
 *     arguments out of a block with several successors gets a block of its own (critical edge split);</li>
 * <li>two-address x86 forms are {@code mov dst, a; op dst, b}; the allocator's move hints make the
 *     {@code mov} disappear when {@code a} dies there.</li>
 * </ul>
 * Calls follow Kiln's internal convention ({@link X86_64Backend}).
 *
 * <p>This class walks the blocks and owns the function's state (virtual registers, use counts,
 * the folding decisions made before lowering, the MIR block being filled); the rules are split by
 * concern: {@link IntegerLowering}, {@link FloatLowering}, {@link MemoryLowering},
 * {@link CallLowering} (calls and returns) and {@link ControlLowering} (branches and traps), over
 * the helpers of {@link LoweringRules}. What differs between ISAs beyond instruction choice sits
 * behind named hooks: {@link IntegerLowering#division}, {@link FloatLowering#minMax} and
 * {@link FloatLowering#floatToInt}.
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
    /** By IR block id: its MIR block (an array, not a map: looked up on every edge). */
    private MachBlock<MInst>[] blockMap;
    private final int[] vregOf;
    private final int[] useCount;
    private final VirtualRegisters vregs = new VirtualRegisters(X86Registers.DESCRIPTOR);
    private MachBlock<MInst> cur;
    private Block curIr;
    private final IntegerLowering integers = new IntegerLowering(this);
    private final FloatLowering floats = new FloatLowering(this);
    private final MemoryLowering memory = new MemoryLowering(this);
    private final CallLowering calls;
    private final ControlLowering control = new ControlLowering(this);
    private final SimdLowering simd = new SimdLowering(this);

    Lowering(IrFunction f, FunctionEnvironment env) {
        this.f = f;
        this.env = env;
        this.vregOf = new int[f.valueCount()];
        java.util.Arrays.fill(vregOf, MInst.NONE);
        this.useCount = new int[f.valueCount()];
        this.calls = new CallLowering(this);
    }

    /** i32 {@code umulhi} results whose only use is a {@code ushr} by a constant, emitted there as one shift. */
    private final java.util.BitSet mulhiShifted = new java.util.BitSet();

    /**
     * {@code ishl x, 1..3} results only added, or only used as the index of a {@code load} or
     * {@code store}: computed as the scaled index of the addition's {@code lea} or of the access's
     * address ({@code [base + x*8]}), never on their own.
     */
    private final java.util.BitSet shlFolded = new java.util.BitSet();

    /** The shift count 1..3 when {@code v} is a single-use {@code ishl} by that constant in block b, else 0. */
    int scaledIndexShift(Value v, Block b) {
        Inst d = v.definingInst();
        if (d == null || d.op() != Op.ISHL || d.block() != b || useCount[v.id()] != 1 || !LoweringRules.isConst(d.arg(1))
                || LoweringRules.isConst(d.arg(0))) {
            return 0;
        }
        int k = (int) d.arg(1).definingInst().imm() & (v.type() == IrType.I32 ? 31 : 63);
        return k >= 1 && k <= 3 ? k : 0;
    }

    /**
     * {@code band} results whose only use is an {@code icmp eq/ne} with zero of the same block, neither
     * operand a folded load, any constant operand an imm32: the comparison is {@code test x, y} (or
     * {@code test x, imm}) and the {@code band} is not emitted.
     */
    private final java.util.BitSet andsTested = new java.util.BitSet();

    /** Whether {@code v} is a {@code band} computed by the {@code test} of the comparison that uses it (see {@link #andsTested}). */
    boolean isTestedAnd(Value v) {
        return andsTested.get(v.id());
    }

    /**
     * {@code imul} results by 3, 5 or 9 whose only use is an {@code iadd} of a 32-bit constant in the
     * same block: the addition is one {@code lea [x + x*(k-1) + c]} and the {@code imul} is not emitted.
     */
    private final java.util.BitSet mulsFolded = new java.util.BitSet();
    /**
     * i64 constants that need a 10-byte {@code movabs} and are used in a loop deeper than the one
     * that defines them: materialized once where defined, so the allocator keeps them in a register
     * across the loop (or, under pressure, spills them once and reloads them), instead of a
     * {@code movabs} at every use in every iteration.
     */
    private final java.util.BitSet hoistedConsts = new java.util.BitSet();

    /**
     * {@code iadd a, b} of two registers (neither a load folded into the add, a folded shift or a
     * folded multiplication) whose only use is an {@code iadd} of an imm32 in the same block:
     * both are one {@code lea r, [a + b + c]} (which wraps as the i32 adds do).
     */
    private final java.util.BitSet addsFolded = new java.util.BitSet();

    /** The CPU features the code may use (BMI2 selects {@code shlx}/{@code shrx}/{@code sarx}). */
    java.util.Set<dev.kiln.abi.CpuFeature> cpuFeatures() {
        return env.cpuFeatures();
    }

    /** Whether {@code v} is an {@code iadd} computed by the {@code lea} of its only use (see {@link #addsFolded}). */
    boolean isFoldedAdd(Value v) {
        return addsFolded.get(v.id());
    }

    /** Whether {@code v} is an {@code imul} by 3, 5 or 9 computed by the {@code lea} of its only use (see {@link #mulsFolded}). */
    boolean isFoldedMul(Value v) {
        return mulsFolded.get(v.id());
    }

    /** The scale 2, 4 or 8 of {@code lea [x + x*scale]} when {@code inst} is an {@code imul} by a constant 3, 5 or 9, else 0. */
    static int leaMultiplierScale(Inst inst) {
        if (inst == null || inst.op() != Op.IMUL) {
            return 0;
        }
        for (int k = 0; k < 2; k++) {
            if (LoweringRules.isConst(inst.arg(k)) && !LoweringRules.isConst(inst.arg(1 - k))) {
                long c = inst.arg(k).definingInst().imm();
                if (inst.result().type() == IrType.I32) {
                    c = (int) c;
                }
                return c == 3 ? 2 : c == 5 ? 4 : c == 9 ? 8 : 0;
            }
        }
        return 0;
    }

    /** Whether {@code v} is an {@code ishl} computed as the scaled index of its only use (see {@link #shlFolded}). */
    boolean isFoldedShift(Value v) {
        return shlFolded.get(v.id());
    }

    /** Whether {@code v} is an i32 {@code umulhi} emitted at its {@code ushr} (see {@link #mulhiShifted}). */
    boolean isMulhiShifted(Value v) {
        return mulhiShifted.get(v.id());
    }

    /**
     * Loads (an integer {@code vmctx_load}, or a {@code load} as wide as its result, not
     * sign-extending) whose only use is a {@code trapif} or {@code icmp} of the same block, with
     * nothing between the load and where the comparison is emitted (the {@code icmp} itself, or the
     * {@code brif}/{@code select} it is fused with) that has a side effect other than a trap: the
     * comparison reads the memory operand itself ({@code cmp r, [m]}) and the load is not emitted.
     * The other operand is a register, or a constant that the loaded bytes can be compared with
     * ({@link #comparableWithImmediate}: {@code cmp byte [m], 0x2a}); and a load whose only use is the
     * condition of a {@code brif} or {@code select} becomes {@code cmp size [m], 0}. Likewise a {@code load} whose only use
     * is an {@code iadd}, {@code isub} (as the subtrahend), {@code band}, {@code bor} or {@code bxor}
     * of the same block, with nothing between them that has a side effect or may fault (so traps keep
     * their order), the other operand a register and neither a scaled index ({@code lea} keeps
     * those): {@code mov d, a; add d, [m]}.
     */
    private final java.util.BitSet loadsFolded = new java.util.BitSet();

    /** Whether {@code v} is a load read by the comparison that uses it (see {@link #loadsFolded}). */
    boolean isFoldedLoad(Value v) {
        return loadsFolded.get(v.id());
    }

    /** The {@code {base, index, disp, scale}} of the address of a {@code load} (see {@link MemoryLowering}). */
    int[] heapAddress(Inst load) {
        return memory.heapAddress(load);
    }

    /** Adds {@code x} to {@link #andsTested} if it is a single-use {@code band} of block {@code b} that {@code test} can compute. */
    private void markTestedAnd(Value x, Block b) {
        Inst d = x == null ? null : x.definingInst();
        if (d != null && d.op() == Op.BAND && d.block() == b && useCount[x.id()] == 1
                && testableOperand(d.arg(0)) && testableOperand(d.arg(1))
                && !(LoweringRules.isConst(d.arg(0)) && LoweringRules.isConst(d.arg(1)))) {
            andsTested.set(x.id()); // test x, y: the flags of x & y without computing it
        }
    }

    private static boolean isZero(Value v) {
        return LoweringRules.isConst(v) && v.definingInst().imm() == 0;
    }

    /** An operand {@code test} can read: a register that is not a folded load, or an imm32 constant. */
    private boolean testableOperand(Value v) {
        return LoweringRules.isConst(v) ? LoweringRules.fitsImm32(v) : !loadsFolded.get(v.id());
    }

    /** Finds the {@link #loadsFolded} of block {@code b}; {@code position} holds each result's index in its block. */
    private void foldLoads(Block b, int[] position) {
        ArrayList<Inst> insts = b.insts();
        for (int i = 0; i < insts.size(); i++) {
            Inst inst = insts.get(i);
            if (inst.op() == Op.SIMD || LaneOps.isLaneOp(inst)) {
                foldLoadIntoPacked(inst, b, i, position);
                continue;
            }
            if (inst.op() == Op.IADD || inst.op() == Op.ISUB || inst.op() == Op.BAND || inst.op() == Op.BOR
                    || inst.op() == Op.BXOR) {
                foldLoadIntoAlu(inst, b, i, position);
                continue;
            }
            if (inst.op() == Op.FADD || inst.op() == Op.FSUB || inst.op() == Op.FMUL || inst.op() == Op.FDIV) {
                foldLoadIntoFloat(inst, b, i, position);
                continue;
            }
            if ((inst.op() == Op.BRIF || inst.op() == Op.SELECT) && zeroTestableLoad(inst.arg(0), b)
                    && cleanBetween(insts, position[inst.arg(0).id()], i)) {
                loadsFolded.set(inst.arg(0).id()); // cmp [m], 0: a condition read from memory
                continue;
            }
            if (inst.op() != Op.TRAPIF && inst.op() != Op.ICMP) {
                continue;
            }
            int emittedAt = i;
            if (inst.op() == Op.ICMP && useCount[inst.result().id()] == 1) {
                for (int j = i + 1; j < insts.size(); j++) {
                    Inst u = insts.get(j);
                    if ((u.op() == Op.BRIF || u.op() == Op.SELECT) && u.arg(0) == inst.result()) {
                        emittedAt = j; // fused: compared where the branch or select is
                    }
                }
            }
            for (int k = 0; k < 2; k++) {
                Value v = inst.arg(k);
                Value other = inst.arg(1 - k);
                boolean foldable = LoweringRules.isConst(other)
                        ? inst.op() == Op.ICMP && comparableWithImmediate(v, other, b)
                        : foldableLoad(v, b);
                if (foldable && cleanBetween(insts, position[v.id()], emittedAt)) {
                    loadsFolded.set(v.id());
                    break;
                }
            }
        }
    }

    /**
     * Whether nothing strictly between positions {@code from} and {@code to} of {@code insts} must be
     * kept ({@link Op#mustKeep}): no side effect, nor a guard-page load whose trap would come first.
     */
    private static boolean nothingKeptBetween(List<Inst> insts, int from, int to) {
        for (int j = from + 1; j < to; j++) {
            if (Op.mustKeep(insts.get(j))) {
                return false;
            }
        }
        return true;
    }

    /** Whether nothing strictly between positions {@code from} and {@code to} of {@code insts} has a side effect other than a trap. */
    private static boolean cleanBetween(List<Inst> insts, int from, int to) {
        for (int j = from + 1; j < to; j++) {
            Op op = insts.get(j).op();
            if (op.hasSideEffects() && op != Op.TRAPIF) {
                return false;
            }
        }
        return true;
    }

    /**
     * A single-use integer load of block {@code b} whose only use is a test against zero ({@code brif}
     * or {@code select} on it): {@code cmp size [m], 0} reads it whatever its width and extension.
     */
    private boolean zeroTestableLoad(Value v, Block b) {
        Inst d = v.definingInst();
        return d != null && d.block() == b && useCount[v.id()] == 1 && v.type().isInt()
                && (d.op() == Op.VMCTX_LOAD || d.op() == Op.LOAD);
    }

    /**
     * A single-use integer load of block {@code b} that {@code cmp size [m], imm} can compare with
     * constant {@code c} exactly: a load as wide as its type with {@code c} an imm32, or a narrower
     * load with {@code c} in the range of the loaded bytes (unsigned for a zero-extending load, whose
     * signed comparisons then become unsigned ones: both sides are non-negative; signed for a
     * sign-extending one, since sign extension keeps both the signed and the unsigned order).
     */
    private boolean comparableWithImmediate(Value v, Value c, Block b) {
        if (!zeroTestableLoad(v, b) || !LoweringRules.fitsImm32(c)) {
            return false;
        }
        Inst d = v.definingInst();
        int bits = d.op() == Op.LOAD ? 8 * (d.aux() & 0xF) : v.type().bits();
        if (bits == v.type().bits()) {
            return true;
        }
        long k = v.type() == IrType.I32 ? (int) c.definingInst().imm() : c.definingInst().imm();
        return (d.aux() & 16) == 0 ? k >= 0 && k < 1L << bits : k >= -(1L << (bits - 1)) && k < 1L << (bits - 1);
    }

    /** Marks the operand of ALU operation {@code inst} (at {@code at} of {@code b}) that it reads from memory, if any. */
    private void foldLoadIntoAlu(Inst inst, Block b, int at, int[] position) {
        if (!inst.result().type().isInt() || LoweringRules.isConst(inst.arg(0)) || LoweringRules.isConst(inst.arg(1))
                || inst.op() == Op.IADD && (scaledIndexShift(inst.arg(0), b) > 0 || scaledIndexShift(inst.arg(1), b) > 0)) {
            return;
        }
        for (int k = inst.op() == Op.ISUB ? 1 : 0; k < 2; k++) {
            Value v = inst.arg(k);
            if (!foldableLoad(v, b) || v.definingInst().op() != Op.LOAD) {
                continue;
            }
            if (nothingKeptBetween(b.insts(), position[v.id()], at)) {
                loadsFolded.set(v.id());
                return;
            }
        }
    }

    /**
     * Marks the operand of scalar float operation {@code inst} (at {@code at} of {@code b}) that a
     * {@code load} of the same width reads, if any: {@code addsd x, [m]} (the subtrahend or divisor
     * only, for {@code fsub} and {@code fdiv}; scalar SSE operations need no alignment). The other
     * operand is a register, and nothing between the load and the operation has a side effect or
     * may fault, so traps keep their order.
     */
    private void foldLoadIntoFloat(Inst inst, Block b, int at, int[] position) {
        IrType t = inst.result().type();
        if ((t != IrType.F32 && t != IrType.F64) || LoweringRules.isAnyConst(inst.arg(0))
                || LoweringRules.isAnyConst(inst.arg(1)) || inst.arg(0) == inst.arg(1)) {
            return;
        }
        boolean commutes = inst.op() == Op.FADD || inst.op() == Op.FMUL;
        for (int k = commutes ? 0 : 1; k < 2; k++) {
            Value v = inst.arg(k);
            Inst d = v.definingInst();
            if (d == null || d.op() != Op.LOAD || d.block() != b || useCount[v.id()] != 1 || v.type() != t
                    || (d.aux() & 0xF) != t.bits() / 8) {
                continue;
            }
            if (nothingKeptBetween(b.insts(), position[v.id()], at)) {
                loadsFolded.set(v.id());
                return;
            }
        }
    }

    /**
     * With AVX, marks the v128 {@code load} (of block {@code b}, used only here) that packed operation
     * {@code inst} (at {@code at}) reads as its memory operand ({@link SimdLowering#memoryOperandForm}):
     * the second operand, or either for a commutative operation, with nothing between the load and the
     * operation that has a side effect or may fault, so traps keep their order.
     */
    private void foldLoadIntoPacked(Inst inst, Block b, int at, int[] position) {
        if (!cpuFeatures().contains(dev.kiln.abi.CpuFeature.AVX) || inst.args().size() != 2 || inst.arg(0) == inst.arg(1)
                || inst.resultCount() != 1 || !inst.result().type().isVector()) {
            return;
        }
        PackedOp p = SimdLowering.memoryOperandForm(LaneOps.opcode(inst));
        if (p == null) {
            return;
        }
        for (int k = SimdLowering.commutes(p) ? 0 : 1; k < 2; k++) {
            Value v = inst.arg(k);
            Inst d = v.definingInst();
            if (d == null || d.op() != Op.LOAD || d.block() != b || useCount[v.id()] != 1 || !v.type().isVector()
                    || (d.aux() & 0xF) != 0) {
                continue;
            }
            if (nothingKeptBetween(b.insts(), position[v.id()], at)) {
                loadsFolded.set(v.id());
                return;
            }
        }
    }

    private boolean foldableLoad(Value v, Block b) {
        Inst d = v.definingInst();
        if (d == null || d.block() != b || useCount[v.id()] != 1 || !v.type().isInt()) {
            return false;
        }
        return d.op() == Op.VMCTX_LOAD
                || d.op() == Op.LOAD && (d.aux() & 0xF) * 8 == v.type().bits() && (d.aux() & 16) == 0;
    }

    /** The function's virtual registers. */
    VirtualRegisters vregs() {
        return vregs;
    }

    /** Bytes of the largest stack area (arguments and results) of any call in the function. */
    int maxOutgoingStackBytes() {
        return calls.maxOutgoingStackBytes();
    }

    /** Bytes of stack arguments the function pops when it returns (internal convention: the callee pops). */
    int incomingStackArgBytes() {
        return calls.incomingStackArgBytes();
    }

    List<MachBlock<MInst>> lower() {
        int[] position = new int[f.valueCount()];
        for (int bI = 0; bI < f.blocks().size(); bI++) {
            Block b = f.blocks().get(bI);
            ArrayList<Inst> insts = b.insts();
            for (int p = 0; p < insts.size(); p++) {
                Inst inst = insts.get(p);
                if (inst.resultCount() == 1) {
                    position[inst.result().id()] = p; // the common case, without the list's interface calls
                } else {
                    List<Value> results = inst.results(); // indexed: C1 allocates every iterator
                    for (int r = 0; r < results.size(); r++) {
                        position[results.get(r).id()] = p;
                    }
                }
                for (int i = 0; i < inst.args().size(); i++) {
                    useCount[inst.arg(i).id()]++;
                }
                for (int bcI = 0; bcI < inst.targetCount(); bcI++) {
                    BlockCall bc = inst.target(bcI);
                    for (int vI = 0; vI < bc.args().size(); vI++) {
                        Value v = bc.args().get(vI);
                        useCount[v.resolve().id()]++;
                    }
                }
            }
        }
        markHoistedConstants();
        for (int bI = 0; bI < f.blocks().size(); bI++) {
            Block b = f.blocks().get(bI);
            foldLoads(b, position);
            for (int instI = 0; instI < b.insts().size(); instI++) {
                Inst inst = b.insts().get(instI);
                if (LaneOps.isLaneOp(inst)) {
                    continue; // vector arithmetic: none of the integer folds below
                }
                if (inst.op() == Op.IADD && !LoweringRules.isConst(inst.arg(0)) && !LoweringRules.isConst(inst.arg(1))) {
                    for (int k = 1; k >= 0; k--) {
                        if (scaledIndexShift(inst.arg(k), b) > 0 && !LoweringRules.isConst(inst.arg(1 - k))) {
                            shlFolded.set(inst.arg(k).id()); // x << 1..3 as an index scale of the add's lea
                            break;
                        }
                    }
                } else if (inst.op() == Op.IADD) {
                    int c = LoweringRules.isConst(inst.arg(1)) ? 1 : 0;
                    if (LoweringRules.fitsImm32(inst.arg(c)) && scaledIndexShift(inst.arg(1 - c), b) > 0) {
                        // (x << 1..3) + c: lea r, [x*scale + c], without a base (wraps as the add does)
                        shlFolded.set(inst.arg(1 - c).id());
                    }
                }
                if ((inst.op() == Op.LOAD || inst.op() == Op.STORE) && inst.imm() == (int) inst.imm()
                        && scaledIndexShift(inst.arg(1), b) > 0) {
                    shlFolded.set(inst.arg(1).id()); // x << 1..3 as the index scale of the address
                }
                if (inst.op() == Op.ICMP && (inst.cond() == dev.kiln.compiler.ir.Cond.EQ
                        || inst.cond() == dev.kiln.compiler.ir.Cond.NE)) {
                    markTestedAnd(isZero(inst.arg(1)) ? inst.arg(0) : isZero(inst.arg(0)) ? inst.arg(1) : null, b);
                }
                if (inst.op() == Op.BRIF || inst.op() == Op.SELECT) {
                    markTestedAnd(inst.arg(0), b); // a condition is compared with zero too
                }
                if (inst.op() == Op.IADD && LoweringRules.isConst(inst.arg(1)) && LoweringRules.fitsImm32(inst.arg(1))) {
                    Inst d = inst.arg(0).definingInst();
                    if (d != null && d.op() == Op.IADD && d.block() == b && useCount[inst.arg(0).id()] == 1
                            && !LoweringRules.isConst(d.arg(0)) && !LoweringRules.isConst(d.arg(1))
                            && !shlFolded.get(d.arg(0).id()) && !shlFolded.get(d.arg(1).id())
                            && !mulsFolded.get(d.arg(0).id()) && !mulsFolded.get(d.arg(1).id())
                            && !loadsFolded.get(d.arg(0).id()) && !loadsFolded.get(d.arg(1).id())) {
                        addsFolded.set(inst.arg(0).id()); // (a + b) + c as lea [a + b + c]
                    }
                }
                if (inst.op() == Op.IADD) {
                    for (int k = 0; k < 2; k++) {
                        Inst d = inst.arg(k).definingInst();
                        if (LoweringRules.isConst(inst.arg(1 - k)) && LoweringRules.fitsImm32(inst.arg(1 - k))
                                && d != null && d.block() == b && useCount[inst.arg(k).id()] == 1 && leaMultiplierScale(d) > 0) {
                            mulsFolded.set(inst.arg(k).id()); // x * 3 + c as lea [x + x*2 + c]
                            break;
                        }
                    }
                }
                if (inst.op() == Op.USHR && inst.result().type() == IrType.I32 && LoweringRules.isConst(inst.arg(1))) {
                    Inst d = inst.arg(0).definingInst();
                    if (d != null && d.op() == Op.UMULHI && d.block() == b && useCount[inst.arg(0).id()] == 1) {
                        mulhiShifted.set(inst.arg(0).id()); // one shift by 32 + k (see mulhi)
                    }
                }
            }
        }
        @SuppressWarnings("unchecked")
        MachBlock<MInst>[] byId = new MachBlock[f.blockIdBound()];
        blockMap = byId;
        for (int bI = 0; bI < f.blocks().size(); bI++) {
            Block b = f.blocks().get(bI);
            MachBlock<MInst> mb = new MachBlock<>(bI);
            blockMap[b.id()] = mb;
        }
        for (int bI = 0; bI < f.blocks().size(); bI++) {
            Block b = f.blocks().get(bI);
            cur = blockMap[b.id()];
            curIr = b;
            layout.add(cur);
            if (b == f.entry()) {
                calls.lowerParams(b);
            }
            for (int instI = 0; instI < b.insts().size(); instI++) {
                Inst inst = b.insts().get(instI);
                curInst = inst;
                lowerInst(inst);
            }
            curInst = null;
        }
        for (int i = 0; i < layout.size(); i++) {
            layout.get(i).index = i; // renumber in layout order (edge blocks were inserted)
        }
        return layout;
    }

    private void lowerInst(Inst inst) {
        if (LaneOps.isLaneOp(inst)) {
            simd.lower(inst); // a lane-wise operation: the SIMD table by its Wasm opcode
            return;
        }
        switch (inst.op()) {
            case ICONST, FCONST -> {
                if (hoistedConsts.get(inst.result().id())) {
                    MInst m = new MInst(MOp.MOV_RI);
                    m.size = Size.S64;
                    m.dst = vreg(inst.result());
                    m.imm = inst.imm();
                    emit(m.defs(m.dst));
                }
                // else materialized at each use (see use())
            }
            case IADD, ISUB, BAND, BOR, BXOR, IMUL, ISHL, SSHR, USHR, ROTL, ROTR, UMULHI, SMULHI, SDIV, UDIV, SREM,
                    UREM, CLZ, CTZ, POPCNT, BSWAP, ICMP, SELECT, UEXTEND, SEXTEND, IREDUCE, SEXTEND_LOW -> integers.lower(inst);
            case FADD, FSUB, FMUL, FDIV, FMIN, FMAX, FCOPYSIGN, FSQRT, FABS, FNEG, FCEIL, FFLOOR, FTRUNC, FNEAREST, FCMP,
                    FPROMOTE, FDEMOTE, FCVT_FROM_SINT, FCVT_FROM_UINT, FCVT_TO_SINT, FCVT_TO_UINT, FCVT_TO_SINT_SAT,
                    FCVT_TO_UINT_SAT, BITCAST -> floats.lower(inst);
            case VMCTX_LOAD, VMCTX_STORE, VMCTX_ADDR, LOAD, STORE, MEMMOVE, MEMSET -> memory.lower(inst);
            case CALL, CALL_REF, LIBCALL, RETURN, RETURN_CALL, RETURN_CALL_REF -> calls.lower(inst);
            case JUMP, BRIF, BR_TABLE, TRAP, TRAPIF, EPOCH_CHECK -> control.lower(inst);
            case THROW_REF, EXN_PENDING, EXN_CLEAR -> ExceptionLowering.lower(this, inst);
            case SIMD -> simd.lower(inst);
        }
    }

    // ---- the state the rules share -------------------------------------------------------------

    FunctionEnvironment env() {
        return env;
    }

    IrFunction function() {
        return f;
    }

    /** How many instructions and branch arguments of the function use {@code v}. */
    int useCount(Value v) {
        return useCount[v.id()];
    }

    /** The IR block being lowered. */
    Block currentIrBlock() {
        return curIr;
    }

    /** The MIR block being filled. */
    MachBlock<MInst> currentBlock() {
        return cur;
    }

    /** The MIR block of IR block {@code b}. */
    MachBlock<MInst> machBlock(Block b) {
        return blockMap[b.id()];
    }

    /**
     * A new MIR block (laid out at the end; {@link #lower} renumbers) filled by {@code body}, e.g. the
     * parallel moves and jump of a split critical edge; the current block is the same afterwards.
     */
    MachBlock<MInst> inNewBlock(Runnable body) {
        MachBlock<MInst> saved = cur;
        MachBlock<MInst> e = new MachBlock<>(-1);
        layout.add(e);
        cur = e;
        body.run();
        cur = saved;
        return e;
    }

    /** Gives {@code v} the virtual register {@code reg} when it has none yet (the same bits, no copy); else copies. */
    void shareOrCopy(Value v, int reg) {
        if (vregOf[v.id()] == MInst.NONE) {
            vregOf[v.id()] = reg;
        } else {
            mov(Size.S64, vreg(v), reg);
        }
    }

    int newVreg() {
        return vregs.create(RegClass.INT);
    }

    int newXmmVreg() {
        return vregs.create(RegClass.FLOAT);
    }

    /** A virtual xmm register for a v128 (a 16-byte spill slot). */
    int newVectorVreg() {
        return vregs.create(RegClass.FLOAT, 16);
    }

    int vreg(Value v) {
        int id = v.id();
        if (vregOf[id] == MInst.NONE) {
            vregOf[id] = v.type().isVector() ? newVectorVreg()
                    : LoweringRules.isFloat(v.type()) ? newXmmVreg() : newVreg();
        }
        return vregOf[id];
    }

    /** The IR instruction being lowered (the {@link MInst#source} of what it emits). */
    private Inst curInst;

    MInst emit(MInst m) {
        if (m.source == null) {
            m.source = curInst;
        }
        return cur.add(m);
    }

    /**
     * Marks {@link #hoistedConsts}: loop depth per block from the back edges of the block order
     * ({@link LayoutLoops}, as the allocator counts them).
     */
    private void markHoistedConstants() {
        ArrayList<Block> order = f.blocks();
        int[] at = new int[f.blockIdBound()]; // by block id: its position in the order, -1 for none
        java.util.Arrays.fill(at, -1);
        for (int i = 0; i < order.size(); i++) {
            at[order.get(i).id()] = i;
        }
        List<int[]> loops = LayoutLoops.of(order, b -> at[b.id()], Block::successors);
        if (loops.isEmpty()) {
            return;
        }
        int[] depth = LayoutLoops.depths(order.size(), loops);
        for (int j = 0; j < order.size(); j++) {
            var instList = order.get(j).insts();
            for (int instIndex = 0; instIndex < instList.size(); instIndex++) {
                Inst inst = instList.get(instIndex);
                for (int k = 0; k < inst.args().size(); k++) {
                    Value a = inst.args().get(k);
                    Inst d = a.definingInst();
                    if (d != null && d.op() == Op.ICONST && a.type() == IrType.I64 && !LoweringRules.fitsImm32(a)) {
                        int i = at[d.block().id()];
                        if (i >= 0 && depth[j] > depth[i]) {
                            hoistedConsts.set(a.id());
                        }
                    }
                }
            }
        }
    }

    /** The register holding {@code v} here; constants are rematerialized into a fresh register. */
    int use(Value v) {
        boolean xmm = LoweringRules.isAnyConst(v) && LoweringRules.isFloat(v.type());
        if (hoistedConsts.get(v.id())) {
            return vreg(v);
        }
        if (!xmm && !LoweringRules.isConst(v)) {
            return vreg(v);
        }
        int r = xmm ? newXmmVreg() : newVreg();
        MInst m = new MInst(xmm ? MOp.XCONST : MOp.MOV_RI);
        m.size = LoweringRules.sizeOf(v.type());
        m.dst = r;
        m.imm = v.definingInst().imm();
        emit(m.defs(r));
        return r;
    }

    private boolean isXmm(int reg) {
        return MInst.isVirtual(reg) ? vregs.classOf(reg) == RegClass.FLOAT : X86Registers.isXmm(reg);
    }

    void mov(Size s, int dst, int src) {
        MInst m = new MInst(isXmm(dst) ? MOp.XMOV : MOp.MOV_RR);
        m.size = s;
        m.dst = dst;
        m.src = src;
        emit(m.uses(src).defs(dst));
    }
}
