package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.DominatorTree;
import dev.kiln.compiler.ir.FloatCond;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.LaneOps;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.wasm.Opcode;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Constant folding and algebraic simplification (a peephole pass over every instruction, repeated
 * to a fixed point):
 * <ul>
 * <li>every pure integer operation on {@code iconst} operands, with Wasm's wraparound, shift counts
 * modulo the width, rotates, comparisons, extensions, {@code clz ctz popcnt}; divisions and remainders
 * only when they cannot trap; float operations only when the result is bit-exact and not NaN (see
 * {@link Fold}); conversions and {@code bitcast};</li>
 * <li>identities: {@code x+0 x-0 x*1 x&-1 x|0 x^0 x<<0 x/1 -> x}, {@code x*0 x&0 -> 0},
 * {@code x-x x^x -> 0}, {@code x&x x|x -> x}, {@code x|-1 -> -1}, {@code icmp x, x} to a constant,
 * {@code select} with a constant condition or two equal arms, {@code eqz(icmp.c a, b) -> icmp.!c a, b},
 * {@code icmp.ne(icmp, 0) -> icmp}; constants of commutative operations move to the right;
 * {@code x - c -> x + (-c)}; chains of one associative operation with constants fold:
 * {@code (x + c1) + c2 -> x + (c1 + c2)} (likewise {@code * & | ^});</li>
 * <li>strength reduction: {@code x * 2^k -> x << k}, {@code udiv x, 2^k -> x >> k},
 * {@code urem x, 2^k -> x & (2^k - 1)}; every other division and remainder by a constant that cannot
 * trap becomes a multiplication by its reciprocal ({@link DivisionByConstant}); byte swaps written
 * with shifts, masks and ors become {@code bswap} ({@link ByteSwapIdiom});</li>
 * <li>control: {@code brif} on a constant or to one target with equal arguments becomes a
 * {@code jump}, {@code br_table} on a constant a {@code jump}, a {@code trapif} on constants is
 * removed or becomes a {@code trap}, a {@code brif} to a block that only traps becomes a
 * {@code trapif} (on the comparison that computed its condition) and a {@code jump}; blocks left unreachable are removed with
 * {@link DeadCodeElimination}; a block whose only predecessor ends in a {@code jump} to it is merged
 * into that predecessor (its parameters become the jump's arguments).</li>
 * <li>addressing: the address arithmetic of a {@link Op#NATIVE native} {@code load} or {@code store}
 * (an {@code iadd} of two values, constant addends) moves into its base, index and displacement
 * (see {@link #foldNativeAddress}).</li>
 * </ul>
 * Replaced results are aliased to their replacement and every operand is resolved at the end.
 * Stateless and thread-safe; mutates the function given.
 */
public final class Simplifier {
    private Simplifier() {
    }

    /** Runs the pass on {@code f} to a fixed point; returns whether anything changed. */
    public static boolean run(IrFunction f) {
        return (runToFixedPoint(f) & CHANGED) != 0;
    }

    /** {@link #runToFixedPoint}: the function changed. */
    static final int CHANGED = 1;
    /** {@link #runToFixedPoint}: the pass reached its fixed point (it stops after 8 rounds). */
    static final int FIXED_POINT = 2;

    /**
     * Runs the pass on {@code f} as {@link #run} does; returns {@link #CHANGED} and
     * {@link #FIXED_POINT} as they hold. At its fixed point, a second run would change nothing.
     */
    static int runToFixedPoint(IrFunction f) {
        boolean changed = false;
        for (int round = 0; round < 8; round++) {
            boolean cfg = false;
            boolean any = false;
            for (Block b : DominatorTree.reversePostorder(f)) {
                ArrayList<Inst> insts = b.insts();
                for (int i = 0; i < insts.size(); ) {
                    Inst inst = insts.get(i);
                    int r = inst.op().isTerminator() ? simplifyTerminator(b, inst) : simplify(b, i, inst);
                    if (r == KEEP) {
                        i++;
                    } else {
                        any = true;
                        if (r == CFG) {
                            cfg = true;
                            break;
                        }
                        // REMOVED: inst is gone and i is the next one; REPLACED: a new instruction is at i
                    }
                }
            }
            if (cfg) {
                DeadCodeElimination.run(f);
            }
            int merges = mergeBlocks(f);
            OptUtil.resolveAll(f);
            changed |= any || merges != 0;
            if (!cfg && (merges & (BOUND_PARAMS | MADE_TRAP_BLOCK)) == 0) {
                // One reverse-postorder sweep sees every definition before its uses and re-simplifies
                // each replacement in place, so only a changed CFG can expose more: block parameters
                // now bound to known values, or a block that now only traps (a brif to it becomes a
                // trapif). Merging blocks without parameters into a block that does more than trap
                // changes neither an operand nor what a rule reads of another block, so a sweep after
                // it would find nothing. (llvm.core.wasm: 45,620 of the 77,348 sweeps that followed
                // merges alone came after such merges, and none found anything; 10,130 of the other
                // 31,728 did.)
                return (changed ? CHANGED : 0) | FIXED_POINT;
            }
        }
        return changed ? CHANGED : 0;
    }

    /** {@link #mergeBlocks}: it merged blocks. */
    private static final int MERGED = 1;
    /** {@link #mergeBlocks}: a block it merged had parameters, now aliases of the jump's arguments. */
    private static final int BOUND_PARAMS = 2;
    /** {@link #mergeBlocks}: a block it merged into now does nothing but trap. */
    private static final int MADE_TRAP_BLOCK = 4;

    private static final int KEEP = 0;
    private static final int REMOVED = 1;
    private static final int REPLACED = 2;
    private static final int CFG = 3;

    /** Removes {@code inst} (at {@code i} of {@code b}) and makes its result mean {@code v}. */
    private static int replaceWith(Block b, int i, Inst inst, Value v) {
        inst.result().aliasTo(v);
        b.insts().remove(i);
        return REMOVED;
    }

    private static int replaceWithIconst(Block b, int i, Inst inst, long c) {
        IrType t = inst.result().type();
        return replaceWithInst(b, i, inst, Op.ICONST, List.of(), OptUtil.canon(t, c), null);
    }

    private static int replaceWithFconst(Block b, int i, Inst inst, long bits) {
        return replaceWithInst(b, i, inst, Op.FCONST, List.of(), bits, null);
    }

    /** Replaces {@code inst} (at i) by a new instruction {@code op args} with the same result type; returns REPLACED. */
    private static int replaceWithInst(Block b, int i, Inst inst, Op op, List<Value> args, long imm, Cond cond) {
        Inst n = b.replace(i, op, args, imm, cond, List.of(inst.result().type()));
        inst.result().aliasTo(n.result());
        return REPLACED;
    }

    private static boolean isPowerOfTwo(long c, IrType t) {
        long u = t == IrType.I32 ? c & 0xFFFF_FFFFL : c;
        return u != 0 && (u & (u - 1)) == 0;
    }

    private static int log2(long c, IrType t) {
        long u = t == IrType.I32 ? c & 0xFFFF_FFFFL : c;
        return Long.numberOfTrailingZeros(u);
    }

    private static int simplify(Block b, int i, Inst inst) {
        Op op = inst.op();
        if ((op == Op.LOAD || op == Op.STORE) && (inst.aux() & Op.NATIVE) != 0) {
            return foldNativeAddress(b, i, inst);
        }
        if (inst.resultCount() != 1) {
            if (op == Op.TRAPIF) {
                return simplifyTrapif(b, i, inst);
            }
            return KEEP;
        }
        if (op == Op.SIMD || LaneOps.isLaneOp(inst)) {
            return simplifyVector(b, i, inst);
        }
        IrType t = inst.result().type();
        switch (op) {
            case IADD, ISUB, IMUL, UMULHI, SMULHI, BAND, BOR, BXOR, ISHL, SSHR, USHR, ROTL, ROTR, SDIV, UDIV, SREM, UREM -> {
                return simplifyIntBinary(b, i, inst, op, t);
            }
            case CLZ, CTZ, POPCNT, BSWAP, UEXTEND, SEXTEND, IREDUCE, SEXTEND_LOW -> {
                Value a = inst.arg(0);
                if (OptUtil.isIconst(a)) {
                    Long r = Fold.intUnary(op, t, OptUtil.iconst(a), inst.imm());
                    if (r != null) {
                        return replaceWithIconst(b, i, inst, r);
                    }
                }
                if (op == Op.IREDUCE) {
                    // ireduce(uextend x) = ireduce(sextend x) = x
                    Inst d = a.definingInst();
                    if (d != null && (d.op() == Op.UEXTEND || d.op() == Op.SEXTEND)) {
                        return replaceWith(b, i, inst, d.arg(0));
                    }
                }
                return KEEP;
            }
            case ICMP -> {
                return simplifyIcmp(b, i, inst);
            }
            case SELECT -> {
                Value c = inst.arg(0);
                if (OptUtil.isIconst(c)) {
                    return replaceWith(b, i, inst, OptUtil.iconst(c) != 0 ? inst.arg(1) : inst.arg(2));
                }
                if (inst.arg(1) == inst.arg(2)) {
                    return replaceWith(b, i, inst, inst.arg(1));
                }
                return KEEP;
            }
            case FADD, FSUB, FMUL, FDIV, FMIN, FMAX, FCOPYSIGN -> {
                if (OptUtil.isFconst(inst.arg(0)) && OptUtil.isFconst(inst.arg(1))) {
                    Long r = Fold.floatOp(op, t, inst.arg(0).definingInst().imm(), inst.arg(1).definingInst().imm());
                    if (r != null) {
                        return replaceWithFconst(b, i, inst, r);
                    }
                }
                return KEEP;
            }
            case FSQRT, FABS, FNEG, FCEIL, FFLOOR, FTRUNC, FNEAREST -> {
                if (OptUtil.isFconst(inst.arg(0))) {
                    Long r = Fold.floatOp(op, t, inst.arg(0).definingInst().imm(), 0);
                    if (r != null) {
                        return replaceWithFconst(b, i, inst, r);
                    }
                }
                if (op == Op.FNEG) {
                    Inst d = inst.arg(0).definingInst();
                    if (d != null && d.op() == Op.FNEG) {
                        return replaceWith(b, i, inst, d.arg(0)); // sign flips are exact, NaNs included
                    }
                }
                return KEEP;
            }
            case FCMP -> {
                if (OptUtil.isFconst(inst.arg(0)) && OptUtil.isFconst(inst.arg(1))) {
                    return replaceWithIconst(b, i, inst, Fold.fcmp(FloatCond.values()[(int) inst.imm()],
                            inst.arg(0).type(), inst.arg(0).definingInst().imm(), inst.arg(1).definingInst().imm()));
                }
                return KEEP;
            }
            case FPROMOTE, FDEMOTE, FCVT_FROM_SINT, FCVT_FROM_UINT, FCVT_TO_SINT, FCVT_TO_UINT, FCVT_TO_SINT_SAT,
                    FCVT_TO_UINT_SAT, BITCAST -> {
                Value a = inst.arg(0);
                if (OptUtil.isIconst(a) || OptUtil.isFconst(a)) {
                    Long r = Fold.convert(op, a.type(), t, a.definingInst().imm());
                    if (r != null) {
                        return t.isInt() ? replaceWithIconst(b, i, inst, r) : replaceWithFconst(b, i, inst, r);
                    }
                }
                return KEEP;
            }
            default -> {
                return KEEP;
            }
        }
    }

    /**
     * Vector operations ({@link LaneOps} and {@link Op#SIMD}): constant folding ({@link VectorFold}),
     * then the identities that hold lane by lane whatever the shape: {@code x ^ x}, {@code x - x} are
     * zero; {@code x & x}, {@code x | x} are {@code x}; {@code x + 0}, {@code x - 0}, {@code x | 0},
     * {@code x ^ 0}, {@code x & ~0} are {@code x}; {@code x & 0} is zero; a shift by a count that is a
     * multiple of the lane width is {@code x}.
     */
    private static int simplifyVector(Block b, int i, Inst inst) {
        VectorFold.Result r = VectorFold.fold(inst);
        if (r != null) {
            if (r.vector() != null) {
                return replaceWithVconst(b, i, inst, r.vector());
            }
            return inst.result().type().isInt() ? replaceWithIconst(b, i, inst, r.scalar())
                    : replaceWithFconst(b, i, inst, r.scalar());
        }
        if (!LaneOps.isLaneOp(inst)) {
            return KEEP;
        }
        Op op = inst.op();
        switch (op) {
            case IADD, BXOR, ISUB, BAND, BOR -> {
                if (op != Op.IADD && inst.arg(0).resolve() == inst.arg(1).resolve()) {
                    return op == Op.BAND || op == Op.BOR ? replaceWith(b, i, inst, inst.arg(0))
                            : replaceWithVconst(b, i, inst, new long[2]);
                }
            }
            case ISHL, SSHR, USHR -> {
                if (OptUtil.isIconst(inst.arg(1)) && (OptUtil.iconst(inst.arg(1)) & (inst.result().type().laneBits() - 1)) == 0) {
                    return replaceWith(b, i, inst, inst.arg(0));
                }
                return KEEP;
            }
            default -> {
                return KEEP;
            }
        }
        for (int k = 0; k < 2; k++) {
            if (!VectorFold.isConst(inst.arg(k)) || op == Op.ISUB && k == 0) {
                continue;
            }
            long[] c = VectorFold.constOf(inst.arg(k));
            boolean zero = c[0] == 0 && c[1] == 0;
            boolean ones = c[0] == -1 && c[1] == -1;
            if (zero && op != Op.BAND || ones && op == Op.BAND) {
                return replaceWith(b, i, inst, inst.arg(1 - k));
            }
            if (zero) {
                return replaceWithVconst(b, i, inst, new long[2]);
            }
        }
        return KEEP;
    }

    /** Replaces {@code inst} (at i) by {@code v128.const v} (two {@code iconst}s and the {@code simd}); returns REPLACED. */
    private static int replaceWithVconst(Block b, int i, Inst inst, long[] v) {
        Value lo = OptUtil.insertIconst(b, i, IrType.I64, v[0]);
        Value hi = OptUtil.insertIconst(b, i + 1, IrType.I64, v[1]);
        Inst n = b.replace(i + 2, Op.SIMD, List.of(lo, hi), Opcode.V128_CONST.code(), null, List.of(IrType.V128));
        inst.result().aliasTo(n.result());
        return REPLACED;
    }

    /** The largest displacement a folded native access keeps in its immediate: {@code 2^31 - 1}. */
    private static final long MAX_DISPLACEMENT = Integer.MAX_VALUE;

    /**
     * Address-mode folding for a native {@code load} or {@code store} (an unsafe intrinsic, see
     * {@link Op#NATIVE}), which the intrinsic builds as {@code base + index + imm} with {@code index =
     * iconst 0} and the address the builtin computed as {@code base}. When the index is 0: constant
     * addends of the base move into the displacement ({@code load (iadd x, c)} becomes
     * {@code load x, 0, imm + c}) as long as the displacement stays in {@code [0, 2^31)}; then a base
     * {@code iadd x, y} becomes base {@code x} and index {@code y}, and constant addends of {@code x}
     * and {@code y} move into the displacement too. The address is the same 64-bit sum, so every
     * backend accesses the same bytes: x86-64 as one operand {@code [x + y + disp]}, AArch64 as
     * {@code [x, y]} (or an {@code add} and {@code [t, #disp]} when both an index and a displacement
     * remain). Wasm heap accesses keep their form: their index is the Wasm address that bounds-check
     * elimination reads. An {@code iadd} left without uses is removed by dead-code elimination.
     */
    private static int foldNativeAddress(Block b, int i, Inst inst) {
        Value index = inst.arg(1);
        if (!OptUtil.isIconst(index) || OptUtil.iconst(index) != 0) {
            return KEEP;
        }
        long[] disp = {inst.imm()};
        Value base = foldConstantAddends(inst.arg(0), disp);
        Inst d = base.definingInst();
        if (d != null && d.op() == Op.IADD && !OptUtil.isIconst(d.arg(0)) && !OptUtil.isIconst(d.arg(1))) {
            base = foldConstantAddends(d.arg(0), disp);
            index = foldConstantAddends(d.arg(1), disp);
        }
        if (base == inst.arg(0) && index == inst.arg(1)) {
            return KEEP;
        }
        List<Value> args = inst.op() == Op.LOAD ? List.of(base, index) : List.of(base, index, inst.arg(2));
        Inst n = b.replace(i, inst.op(), args, disp[0], null,
                inst.op() == Op.LOAD ? List.of(inst.result().type()) : List.of()).withAux(inst.aux());
        if (inst.op() == Op.LOAD) {
            inst.result().aliasTo(n.result());
        }
        return REPLACED;
    }

    /**
     * {@code v} without its constant addends ({@code iadd v', c}, repeatedly), each added to
     * {@code disp[0]} while the sum stays in {@code [0, 2^31)}.
     */
    private static Value foldConstantAddends(Value v, long[] disp) {
        while (true) {
            Inst d = v.definingInst();
            if (d == null || d.op() != Op.IADD) {
                return v;
            }
            int k = OptUtil.isIconst(d.arg(1)) ? 1 : OptUtil.isIconst(d.arg(0)) ? 0 : -1;
            if (k < 0 || OptUtil.isIconst(d.arg(1 - k))) {
                return v;
            }
            long c = OptUtil.iconst(d.arg(k));
            if (c < -MAX_DISPLACEMENT || c > MAX_DISPLACEMENT || disp[0] + c < 0 || disp[0] + c > MAX_DISPLACEMENT) {
                return v;
            }
            disp[0] += c;
            v = d.arg(1 - k);
        }
    }

    private static boolean commutative(Op op) {
        return op == Op.IADD || op == Op.IMUL || op == Op.UMULHI || op == Op.SMULHI || op == Op.BAND || op == Op.BOR
                || op == Op.BXOR;
    }

    private static int simplifyIntBinary(Block b, int i, Inst inst, Op op, IrType t) {
        Value x = inst.arg(0);
        Value y = inst.arg(1);
        boolean cx = OptUtil.isIconst(x);
        boolean cy = OptUtil.isIconst(y);
        if (cx && cy) {
            Long r = Fold.intBinary(op, t, OptUtil.iconst(x), OptUtil.iconst(y));
            if (r != null) {
                return replaceWithIconst(b, i, inst, r);
            }
            return KEEP; // a division that traps: left to run time
        }
        if (cx && commutative(op)) {
            // constants to the right: one canonical form for GVN and the patterns below
            inst.args().set(0, y);
            inst.args().set(1, x);
            Value tmp = x;
            x = y;
            y = tmp;
            cx = false;
            cy = true;
        }
        long allOnes = OptUtil.canon(t, -1);
        if (cy) {
            long c = OptUtil.iconst(y);
            int bits = t.bits();
            if (op == Op.ISUB && c != OptUtil.canon(t, Long.MIN_VALUE)) {
                // x - c -> x + (-c): one canonical form for the reassociation below, GVN and lea
                Value k = OptUtil.insertIconst(b, i, t, -c);
                return replaceWithInst(b, i + 1, inst, Op.IADD, List.of(x, k), 0, null);
            }
            Inst xd = x.definingInst();
            if (xd != null && xd.op() == op && (op == Op.IADD || op == Op.IMUL || op == Op.BAND || op == Op.BOR
                    || op == Op.BXOR) && OptUtil.isIconst(xd.arg(1)) && !OptUtil.isIconst(xd.arg(0))) {
                // (y op c1) op c2 -> y op (c1 op c2): associative, constants fold
                Long folded = Fold.intBinary(op, t, OptUtil.iconst(xd.arg(1)), c);
                Value k = OptUtil.insertIconst(b, i, t, folded);
                return replaceWithInst(b, i + 1, inst, op, List.of(xd.arg(0), k), 0, null);
            }
            switch (op) {
                case IADD, BOR, BXOR -> {
                    if (c == 0) {
                        return replaceWith(b, i, inst, x);
                    }
                    if (op == Op.BOR && c == allOnes) {
                        return replaceWith(b, i, inst, y);
                    }
                }
                case ISHL, SSHR, USHR, ROTL, ROTR -> {
                    if ((c & (bits - 1)) == 0) {
                        return replaceWith(b, i, inst, x);
                    }
                }
                case IMUL -> {
                    if (c == 0) {
                        return replaceWith(b, i, inst, y);
                    }
                    if (c == 1) {
                        return replaceWith(b, i, inst, x);
                    }
                    if (isPowerOfTwo(c, t)) {
                        Value k = OptUtil.insertIconst(b, i, t, log2(c, t));
                        return replaceWithInst(b, i + 1, inst, Op.ISHL, List.of(x, k), 0, null);
                    }
                }
                case BAND -> {
                    if (c == 0) {
                        return replaceWith(b, i, inst, y);
                    }
                    if (c == allOnes) {
                        return replaceWith(b, i, inst, x);
                    }
                }
                case SDIV, UDIV -> {
                    if (c == 1) {
                        return replaceWith(b, i, inst, x);
                    }
                    if (op == Op.UDIV && isPowerOfTwo(c, t)) {
                        Value k = OptUtil.insertIconst(b, i, t, log2(c, t));
                        return replaceWithInst(b, i + 1, inst, Op.USHR, List.of(x, k), 0, null);
                    }
                    if (DivisionByConstant.expand(b, i, inst)) {
                        return REPLACED;
                    }
                }
                case UREM -> {
                    if (isPowerOfTwo(c, t)) {
                        Value k = OptUtil.insertIconst(b, i, t, c - 1);
                        return replaceWithInst(b, i + 1, inst, Op.BAND, List.of(x, k), 0, null);
                    }
                    if (DivisionByConstant.expand(b, i, inst)) {
                        return REPLACED;
                    }
                }
                case SREM -> {
                    if (c == 1 || c == -1) {
                        return replaceWithIconst(b, i, inst, 0); // x rem ±1 = 0, MIN rem -1 included
                    }
                    if (DivisionByConstant.expand(b, i, inst)) {
                        return REPLACED;
                    }
                }
                default -> {
                }
            }
        }
        if (op == Op.BOR) {
            ByteSwapIdiom.Plan plan = ByteSwapIdiom.match(inst);
            if (plan != null) {
                return byteSwap(b, i, inst, plan, t);
            }
        }
        if (cx && (op == Op.ISHL || op == Op.SSHR || op == Op.USHR || op == Op.ROTL || op == Op.ROTR)) {
            long c = OptUtil.iconst(x);
            if (c == 0 || (c == allOnes && op != Op.ISHL && op != Op.USHR)) {
                return replaceWith(b, i, inst, x); // 0 and -1 shift (arithmetically) and rotate to themselves
            }
        }
        if (x == y) {
            switch (op) {
                case ISUB, BXOR -> {
                    return replaceWithIconst(b, i, inst, 0);
                }
                case BAND, BOR -> {
                    return replaceWith(b, i, inst, x);
                }
                default -> {
                }
            }
        }
        return KEEP;
    }

    /** Replaces {@code inst} (at i) by the byte swap {@code plan} describes; returns REPLACED. */
    private static int byteSwap(Block b, int i, Inst inst, ByteSwapIdiom.Plan plan, IrType t) {
        if (plan.shiftBytes() == 0 && !plan.masked()) {
            return replaceWithInst(b, i, inst, Op.BSWAP, List.of(plan.source()), 0, null);
        }
        Value v = OptUtil.insert(b, i++, Op.BSWAP, List.of(plan.source()), 0, null, t).result();
        if (plan.shiftBytes() != 0) {
            Value k = OptUtil.insertIconst(b, i++, t, 8L * Math.abs(plan.shiftBytes()));
            Op shift = plan.shiftBytes() > 0 ? Op.USHR : Op.ISHL;
            if (!plan.masked()) {
                return replaceWithInst(b, i, inst, shift, List.of(v, k), 0, null);
            }
            v = OptUtil.insert(b, i++, shift, List.of(v, k), 0, null, t).result();
        }
        Value m = OptUtil.insertIconst(b, i++, t, plan.mask());
        return replaceWithInst(b, i, inst, Op.BAND, List.of(v, m), 0, null);
    }

    private static int simplifyIcmp(Block b, int i, Inst inst) {
        Value x = inst.arg(0);
        Value y = inst.arg(1);
        IrType t = x.type();
        Cond cond = inst.cond();
        boolean cx = OptUtil.isIconst(x);
        boolean cy = OptUtil.isIconst(y);
        if (cx && cy) {
            return replaceWithIconst(b, i, inst, Fold.icmp(cond, t, OptUtil.iconst(x), OptUtil.iconst(y)));
        }
        if (x == y) {
            return replaceWithIconst(b, i, inst, cond.eval(0, 0, t.bits()) ? 1 : 0);
        }
        if (cx) {
            return replaceWithInst(b, i, inst, Op.ICMP, List.of(y, x), 0, cond.swap());
        }
        if (cy && OptUtil.iconst(y) == 0 && t == IrType.I32 && (cond == Cond.EQ || cond == Cond.NE)) {
            Inst d = x.definingInst();
            if (d != null && d.op() == Op.ICMP) {
                if (cond == Cond.NE) {
                    return replaceWith(b, i, inst, x); // a comparison result is already 0 or 1
                }
                return replaceWithInst(b, i, inst, Op.ICMP, List.of(d.arg(0), d.arg(1)), 0, d.cond().negate());
            }
        }
        if (cy && (cond == Cond.ULT || cond == Cond.UGE) && OptUtil.iconst(y) == 0) {
            return replaceWithIconst(b, i, inst, cond == Cond.UGE ? 1 : 0); // x <u 0 never, x >=u 0 always
        }
        return KEEP;
    }

    private static int simplifyTrapif(Block b, int i, Inst inst) {
        Value x = inst.arg(0);
        Value y = inst.arg(1);
        Boolean fires = null;
        if (x == y) {
            fires = inst.cond().eval(0, 0, x.type().bits());
        } else if (OptUtil.isIconst(x) && OptUtil.isIconst(y)) {
            fires = inst.cond().eval(OptUtil.iconst(x), OptUtil.iconst(y), x.type().bits());
        }
        if (fires == null) {
            return KEEP;
        }
        if (!fires) {
            b.insts().remove(i);
            return REMOVED;
        }
        // always traps: the rest of the block is dead
        while (b.insts().size() > i) {
            b.insts().remove(b.insts().size() - 1);
        }
        b.append(Op.TRAP, List.of(), inst.imm(), null, null, List.of())
                .withSourceOffset(inst.sourceOffset()).withInlineSite(inst.inlineSite());
        return CFG;
    }

    private static int simplifyTerminator(Block b, Inst inst) {
        switch (inst.op()) {
            case BRIF -> {
                Value c = inst.arg(0);
                BlockCall taken = inst.target(0);
                BlockCall notTaken = inst.target(1);
                BlockCall only = null;
                if (OptUtil.isIconst(c)) {
                    only = OptUtil.iconst(c) != 0 ? taken : notTaken;
                } else if (taken.target() == notTaken.target() && sameArgs(taken, notTaken)) {
                    only = taken;
                }
                if (only != null) {
                    OptUtil.setTerminator(b, Op.JUMP, List.of(), 0, List.of(new BlockCall(only.target(), only.args())));
                    return CFG;
                }
                boolean takenTraps = onlyTraps(taken.target());
                if (takenTraps || onlyTraps(notTaken.target())) {
                    // brif c, trap_block, F -> trapif c != 0; jump F (or the negation for the other
                    // side), with the comparison that computes c folded in: the shape of a builtin's
                    // "if (i >= len) unreachable", which then merges with its duplicates (GVN) and
                    // leaves loops like any check
                    Inst trap = (takenTraps ? taken : notTaken).target().terminator();
                    BlockCall next = takenTraps ? notTaken : taken;
                    Inst d = c.resolve().definingInst();
                    List<Value> operands;
                    Cond cond;
                    if (d != null && d.op() == Op.ICMP) {
                        operands = List.of(d.arg(0), d.arg(1));
                        cond = d.cond();
                    } else {
                        operands = List.of(c, OptUtil.insertIconst(b, b.insts().size() - 1, IrType.I32, 0));
                        cond = Cond.NE;
                    }
                    if (!takenTraps) {
                        cond = cond.negate();
                    }
                    OptUtil.setTerminator(b, Op.JUMP, List.of(), 0, List.of(new BlockCall(next.target(), next.args())));
                    OptUtil.insert(b, b.insts().size() - 1, Op.TRAPIF, operands, trap.imm(), cond, null)
                            .withSourceOffset(trap.sourceOffset()).withInlineSite(trap.inlineSite());
                    return CFG;
                }
                Inst d = c.definingInst();
                if (d != null && d.op() == Op.ICMP && d.arg(0).type() == IrType.I32 && OptUtil.isIconst(d.arg(1))
                        && OptUtil.iconst(d.arg(1)) == 0 && (d.cond() == Cond.NE || d.cond() == Cond.EQ)) {
                    // brif (x != 0) -> brif x; brif (x == 0), T, F -> brif x, F, T
                    List<BlockCall> targets = d.cond() == Cond.NE ? List.of(taken, notTaken) : List.of(notTaken, taken);
                    OptUtil.setTerminator(b, Op.BRIF, List.of(d.arg(0)), 0, targets);
                    return REPLACED;
                }
                return KEEP;
            }
            case BR_TABLE -> {
                Value c = inst.arg(0);
                if (!OptUtil.isIconst(c)) {
                    return KEEP;
                }
                long index = OptUtil.iconst(c) & 0xFFFF_FFFFL;
                List<BlockCall> targets = inst.targets();
                BlockCall bc = index < targets.size() - 1 ? targets.get((int) index) : targets.get(targets.size() - 1);
                OptUtil.setTerminator(b, Op.JUMP, List.of(), 0, List.of(new BlockCall(bc.target(), bc.args())));
                return CFG;
            }
            default -> {
                return KEEP;
            }
        }
    }

    /** Whether {@code b} does nothing but trap (its only instruction is a {@code trap}). */
    private static boolean onlyTraps(Block b) {
        return b.insts().size() == 1 && b.insts().get(0).op() == Op.TRAP;
    }

    /**
     * Merges each block into its predecessor when that is its only one and ends in a {@code jump};
     * returns what it did: 0, or {@link #MERGED} with {@link #BOUND_PARAMS} and {@link #MADE_TRAP_BLOCK}.
     */
    private static int mergeBlocks(IrFunction f) {
        // merging c into b leaves every other block's predecessor count unchanged (c's successors
        // now have b where they had c), so counts taken once stay exact
        int[] predCount = new int[f.blockIdBound()];
        ArrayList<Block> blocks = f.blocks();
        for (int bi = 0; bi < blocks.size(); bi++) {
            Inst t = blocks.get(bi).terminator();
            for (int k = 0; t != null && k < t.targetCount(); k++) {
                predCount[t.target(k).target().id()]++;
            }
        }
        BitSet removed = null;
        int what = 0;
        for (int bi = 0; bi < blocks.size(); bi++) {
            Block b = blocks.get(bi);
            if (removed != null && removed.get(b.id())) {
                continue;
            }
            boolean mergedInto = false;
            while (true) {
                Inst t = b.terminator();
                if (t == null || t.op() != Op.JUMP) {
                    break;
                }
                BlockCall bc = t.target(0);
                Block c = bc.target();
                if (c == b || c == f.entry() || predCount[c.id()] != 1) {
                    break;
                }
                List<Value> params = c.params();
                if (!params.isEmpty()) {
                    what |= BOUND_PARAMS;
                }
                mergedInto = true;
                for (int i = 0; i < params.size(); i++) {
                    params.get(i).aliasTo(bc.args().get(i).resolve());
                }
                while (!params.isEmpty()) {
                    c.removeParam(params.size() - 1);
                }
                ArrayList<Inst> into = b.insts();
                into.remove(into.size() - 1);
                ArrayList<Inst> moved = c.insts();
                for (int i = 0; i < moved.size(); i++) {
                    b.insert(into.size(), moved.get(i));
                }
                moved.clear();
                if (removed == null) {
                    removed = new BitSet(f.blockIdBound());
                }
                removed.set(c.id());
            }
            if (mergedInto && onlyTraps(b)) {
                what |= MADE_TRAP_BLOCK;
            }
        }
        if (removed != null) {
            BitSet gone = removed;
            blocks.removeIf(x -> gone.get(x.id()));
            return what | MERGED;
        }
        return 0;
    }

    private static boolean sameArgs(BlockCall a, BlockCall b) {
        if (a.args().size() != b.args().size()) {
            return false;
        }
        for (int i = 0; i < a.args().size(); i++) {
            if (a.args().get(i).resolve() != b.args().get(i).resolve()) {
                return false;
            }
        }
        return true;
    }
}
