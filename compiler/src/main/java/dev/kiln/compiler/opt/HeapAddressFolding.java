package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Addressing-mode folding for Wasm heap accesses of 32-bit memories. The index of such a
 * {@code load}/{@code store} is {@code uextend} of the i32 Wasm address, and address arithmetic done
 * in i32 ({@code table[(x & 0xff)]} compiles to {@code (x & 0xff) << 2} plus the table's address)
 * wraps modulo 2^32, so a backend cannot fold it into a 64-bit addressing mode as it stands. When
 * the operands' ranges prove that an i32 {@code iadd} of a constant or {@code ishl} by 1..3 cannot
 * wrap, the extension distributes over it: {@code uextend(iadd32 x, c)} is {@code uextend(x) + c},
 * and the constant moves into the access's static offset; {@code uextend(ishl32 x, k)} is
 * {@code ishl64(uextend x, k)}, which x86-64 and AArch64 take as a scaled index. The effective address
 * is the same 64-bit number, so bounds checks (explicit or guard pages) and traps are unchanged.
 *
 * <p>Ranges come from a small unsigned-maximum analysis of i32 values ({@link #umax}): constants,
 * {@code band} with a constant, {@code ushr}, {@code urem} by a constant, narrow unsigned loads,
 * {@code iadd}/{@code ishl}/{@code bor}/{@code bxor} of bounded values, {@code select}, and block
 * parameters (the SSA form of loop variables: {@link #parameterBounds}, e.g. the probe index of an
 * open-addressing hash table, {@code s = (s + 1) & mask}); anything else (calls, the function's
 * parameters) is unbounded. Only an index that nothing but heap accesses reads is
 * rewritten (in explicit-check mode the bounds check reads it too, and keeping both forms live would
 * cost a register). Runs after {@link BoundsCheckElimination}, which reads heap indices in their
 * original form. Stateless and thread-safe; mutates the function given.
 */
public final class HeapAddressFolding {
    private HeapAddressFolding() {
    }

    /** The largest static offset a folded access keeps: {@code 2^31 - 1} (a signed 32-bit displacement). */
    private static final long MAX_OFFSET = Integer.MAX_VALUE;
    /** How deep {@link #umax} looks through operands. */
    private static final int DEPTH = 6;
    private static final long U32 = 0xFFFF_FFFFL;

    /** Runs the pass on {@code f}; returns whether an access changed. */
    public static boolean run(IrFunction f) {
        boolean[] onlyHeap = new boolean[f.valueCount()];
        java.util.Arrays.fill(onlyHeap, true);
        // indexed loops: C1, which compiles the kiln launcher's compiler, allocates every iterator
        ArrayList<Block> blocks = f.blocks();
        for (int bi = 0; bi < blocks.size(); bi++) {
            ArrayList<Inst> insts = blocks.get(bi).insts();
            for (int i = 0; i < insts.size(); i++) {
                Inst inst = insts.get(i);
                for (int a = 0; a < inst.args().size(); a++) {
                    int id = inst.arg(a).id();
                    if (a != 1 || !isHeapAccess(inst)) {
                        onlyHeap[id] = false;
                    }
                }
                for (int t = 0; t < inst.targetCount(); t++) {
                    ArrayList<Value> args = inst.target(t).args();
                    for (int k = 0; k < args.size(); k++) {
                        onlyHeap[args.get(k).resolve().id()] = false;
                    }
                }
            }
        }
        // the parameters' bounds, computed at the first question about an operand's range: that
        // comes before the first change, so they are those of the function as given
        long[] params = null;
        boolean changed = false;
        for (int bi = 0; bi < blocks.size(); bi++) {
            Block b = blocks.get(bi);
            ArrayList<Inst> insts = b.insts();
            for (int i = 0; i < insts.size(); i++) {
                Inst access = insts.get(i);
                if (!isHeapAccess(access)) {
                    continue;
                }
                Value index = access.arg(1);
                Inst ext = index.definingInst();
                if (ext == null || ext.op() != Op.UEXTEND || ext.arg(0).type() != IrType.I32 || !onlyHeap[index.id()]) {
                    continue;
                }
                // peel constant addends that cannot wrap: uextend(x + c) = uextend(x) + c
                Value x = ext.arg(0);
                long disp = 0;
                while (true) {
                    Inst d = x.definingInst();
                    if (d == null || d.op() != Op.IADD) {
                        break;
                    }
                    int k = OptUtil.isIconst(d.arg(1)) ? 1 : OptUtil.isIconst(d.arg(0)) ? 0 : -1;
                    if (k < 0) {
                        break;
                    }
                    long c = OptUtil.iconst(d.arg(k)) & U32;
                    Value rest = d.arg(1 - k);
                    if (params == null) {
                        params = parameterBounds(f);
                    }
                    if (umax(rest, DEPTH, params) + c > U32 || access.imm() + disp + c > MAX_OFFSET) {
                        break;
                    }
                    disp += c;
                    x = rest;
                }
                // a shift by 1..3 that cannot wrap: a scaled index
                int shift = 0;
                Inst d = x.definingInst();
                if (d != null && d.op() == Op.ISHL && OptUtil.isIconst(d.arg(1))) {
                    int k = (int) (OptUtil.iconst(d.arg(1)) & 31);
                    if (params == null) {
                        params = parameterBounds(f);
                    }
                    if (k >= 1 && k <= 3 && umax(d.arg(0), DEPTH, params) << k <= U32) {
                        shift = k;
                        x = d.arg(0);
                    }
                }
                if (disp == 0 && shift == 0) {
                    continue;
                }
                int at = i;
                Value wide = OptUtil.insert(b, at++, Op.UEXTEND, List.of(x), 0, null, IrType.I64).result();
                if (shift > 0) {
                    Value k = OptUtil.insertIconst(b, at++, IrType.I64, shift);
                    wide = OptUtil.insert(b, at++, Op.ISHL, List.of(wide, k), 0, null, IrType.I64).result();
                }
                List<Value> args = access.op() == Op.LOAD ? List.of(access.arg(0), wide)
                        : List.of(access.arg(0), wide, access.arg(2));
                Inst n = b.replace(at, access.op(), args, access.imm() + disp, null,
                        access.op() == Op.LOAD ? List.of(access.result().type()) : List.of()).withAux(access.aux());
                if (access.op() == Op.LOAD) {
                    access.result().aliasTo(n.result());
                }
                i = at;
                changed = true;
            }
        }
        if (changed) {
            OptUtil.resolveAll(f);
        }
        return changed;
    }

    /** A Wasm heap {@code load}/{@code store}: neither a native intrinsic's nor a runtime structure's. */
    private static boolean isHeapAccess(Inst inst) {
        return (inst.op() == Op.LOAD || inst.op() == Op.STORE) && (inst.aux() & (Op.NATIVE | Op.RUNTIME)) == 0;
    }

    /** Rounds of {@link #parameterBounds} before a block parameter still growing is taken as unbounded. */
    private static final int ROUNDS = 4;

    /**
     * Upper bounds of the unsigned values of the function's i32 block parameters, by value id (other
     * ids hold {@code 2^32 - 1}): the least fixpoint of "a parameter's bound is the largest bound of
     * the values its predecessors pass it", computed optimistically from 0, so that a loop variable
     * that every back edge masks ({@code (s + 1) & 0x1fffff}) is bounded by the mask and by its
     * initial value, and a counter by the test on the edge that carries it back ({@link #edgeBound}).
     * A parameter still growing after {@link #ROUNDS} rounds (a counter, {@code i + 1}) is widened to
     * the largest of its incoming edges' test bounds and constants (unbounded when an edge has
     * neither), and the iteration goes on until nothing changes; the result is an inductive
     * invariant, so it holds for every value a parameter takes. The entry block's
     * parameters (the function's arguments) are unbounded.
     */
    static long[] parameterBounds(IrFunction f) {
        long[] bound = new long[f.valueCount()];
        java.util.Arrays.fill(bound, U32);
        // the i32 parameters of the blocks other than the entry, numbered in layout order: the rounds
        // visit them in that order, so that where widening applies (and so the bounds) does not
        // depend on anything but the function
        ArrayList<Block> blocks = f.blocks();
        int[] number = new int[f.valueCount()]; // by value id: the parameter's number plus one, 0 for none
        List<Value> params = new ArrayList<>();
        for (int bi = 0; bi < blocks.size(); bi++) {
            Block b = blocks.get(bi);
            if (b == f.entry()) {
                continue;
            }
            List<Value> ps = b.params();
            for (int k = 0; k < ps.size(); k++) {
                if (ps.get(k).type() == IrType.I32) {
                    params.add(ps.get(k));
                    number[ps.get(k).id()] = params.size();
                }
            }
        }
        if (params.isEmpty()) {
            return bound;
        }
        @SuppressWarnings("unchecked")
        List<Incoming>[] incoming = new List[params.size()];
        for (int bi = 0; bi < blocks.size(); bi++) {
            ArrayList<Inst> insts = blocks.get(bi).insts();
            for (int i = 0; i < insts.size(); i++) {
                Inst inst = insts.get(i);
                for (int t = 0; t < inst.targetCount(); t++) {
                    BlockCall bc = inst.target(t);
                    List<Value> ps = bc.target().params();
                    for (int k = 0; k < ps.size(); k++) {
                        int q = number[ps.get(k).id()] - 1;
                        if (q >= 0) {
                            if (incoming[q] == null) {
                                incoming[q] = new ArrayList<>(2);
                            }
                            incoming[q].add(new Incoming(bc.args().get(k).resolve(), edgeCondition(inst, t)));
                        }
                    }
                }
            }
        }
        for (int q = 0; q < incoming.length; q++) {
            if (incoming[q] != null) {
                bound[params.get(q).id()] = 0;
            }
        }
        int[] growth = new int[f.valueCount()];
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int q = 0; q < incoming.length; q++) {
                List<Incoming> ins = incoming[q];
                if (ins == null) {
                    continue; // a parameter of an unreachable block: unbounded
                }
                Value p = params.get(q);
                int id = p.id();
                long m = bound[id];
                long widened = 0;
                for (int k = 0; k < ins.size(); k++) {
                    Incoming in = ins.get(k);
                    long edge = edgeBound(p, in, ins, bound);
                    m = Math.max(m, Math.min(umax(in.value(), DEPTH, bound), edge));
                    widened = Math.max(widened, edge < U32 ? edge : OptUtil.isIconst(in.value())
                            ? OptUtil.iconst(in.value()) & U32 : U32);
                }
                if (m > bound[id]) {
                    // still growing: widen to what the edges' tests and constants allow
                    bound[id] = ++growth[id] > ROUNDS ? Math.max(m, widened) : m;
                    changed = true;
                }
            }
        }
        return bound;
    }

    /**
     * A value passed to a block parameter, and the comparison of it with a constant that holds on
     * the edge ({@code null} when none is known): {@code cond} holds between the value and {@code n}.
     */
    private record Incoming(Value value, EdgeTest test) {
    }

    /** {@code value cond n} holds on an edge. */
    private record EdgeTest(Value value, Cond cond, long n) {
    }

    /**
     * What a {@code brif} tells about the values on its target {@code t}: when its condition is an
     * {@code icmp} of a value with a constant, that comparison holds on the first target and its
     * negation on the second; {@code null} for anything else (and for a brif whose two targets
     * are one block).
     */
    private static EdgeTest edgeCondition(Inst branch, int t) {
        if (branch.op() != Op.BRIF || branch.targetCount() != 2
                || branch.target(0).target() == branch.target(1).target()) {
            return null;
        }
        Inst c = branch.arg(0).resolve().definingInst();
        if (c == null || c.op() != Op.ICMP || c.arg(0).type() != IrType.I32 || !OptUtil.isIconst(c.arg(1))) {
            return null;
        }
        return new EdgeTest(c.arg(0).resolve(), t == 0 ? c.cond() : c.cond().negate(), OptUtil.iconst(c.arg(1)) & U32);
    }

    /**
     * The bound the edge's comparison puts on the value passed to parameter {@code p}
     * ({@code 2^32 - 1} when none): {@code v <u n} gives {@code n - 1}, {@code v <=u n} and
     * {@code v == n} give {@code n}, the signed forms the same when {@code v} is known non-negative
     * and {@code n} is; and {@code v != n} for a counter {@code v = p + c} (constant step {@code c > 0})
     * gives {@code n - c} when every other value {@code p} receives is a constant {@code k <= n - c}
     * with {@code n - k} a multiple of {@code c}, and every edge passing {@code v} has the same
     * test: the counter then takes only the values {@code k, k + c, ..., n - c} (the exit test of a
     * counted loop after loop rotation, {@code i += 4; if (i != 256) continue}).
     */
    private static long edgeBound(Value p, Incoming in, List<Incoming> all, long[] bound) {
        EdgeTest test = in.test();
        if (test == null || test.value() != in.value()) {
            return U32;
        }
        long n = test.n();
        boolean nonNegative = umax(in.value(), DEPTH, bound) <= Integer.MAX_VALUE && n <= Integer.MAX_VALUE;
        return switch (test.cond()) {
            case ULT -> Math.max(n - 1, 0);
            case ULE, EQ -> n;
            case SLT -> nonNegative ? Math.max(n - 1, 0) : U32;
            case SLE -> nonNegative ? n : U32;
            case NE -> counterBound(p, in.value(), n, all);
            default -> U32;
        };
    }

    /** The {@code v != n} case of {@link #edgeBound}. */
    private static long counterBound(Value p, Value v, long n, List<Incoming> all) {
        Inst d = v.definingInst();
        if (d == null || d.op() != Op.IADD || d.arg(0).resolve() != p || !OptUtil.isIconst(d.arg(1))) {
            return U32;
        }
        long c = OptUtil.iconst(d.arg(1)) & U32;
        if (c == 0 || c > Integer.MAX_VALUE || c > n) {
            return U32;
        }
        for (Incoming other : all) {
            Value o = other.value();
            if (o == v) {
                EdgeTest t = other.test();
                if (t == null || t.value() != v || t.cond() != Cond.NE || t.n() != n) {
                    return U32;
                }
            } else if (OptUtil.isIconst(o)) {
                long k = OptUtil.iconst(o) & U32;
                if (k > n - c || (n - k) % c != 0) {
                    return U32;
                }
            } else {
                return U32;
            }
        }
        return n - c;
    }

    /**
     * An upper bound of the unsigned value of i32 {@code v} ({@code 2^32 - 1} when nothing better is
     * known), looking {@code depth} definitions deep; block parameters are unbounded.
     */
    static long umax(Value v, int depth) {
        return umax(v, depth, null);
    }

    /**
     * Like {@link #umax(Value, int)}, with the bounds of block parameters by value id ({@link #parameterBounds}),
     * or {@code null} for none.
     */
    static long umax(Value v, int depth, long[] params) {
        v = v.resolve();
        Inst d = v.definingInst();
        if (v.type() != IrType.I32 || depth == 0) {
            return U32;
        }
        if (d == null) {
            return params != null && v.id() < params.length ? params[v.id()] : U32;
        }
        int n = depth - 1;
        return switch (d.op()) {
            case ICONST -> d.imm() & U32;
            case BAND -> Math.min(umax(d.arg(0), n, params), umax(d.arg(1), n, params));
            case USHR -> OptUtil.isIconst(d.arg(1)) ? umax(d.arg(0), n, params) >>> (OptUtil.iconst(d.arg(1)) & 31) : U32;
            case UREM -> OptUtil.isIconst(d.arg(1)) && (OptUtil.iconst(d.arg(1)) & U32) != 0
                    ? Math.min(umax(d.arg(0), n, params), (OptUtil.iconst(d.arg(1)) & U32) - 1) : umax(d.arg(0), n, params);
            case IADD -> Math.min(U32, umax(d.arg(0), n, params) + umax(d.arg(1), n, params));
            case ISHL -> {
                if (!OptUtil.isIconst(d.arg(1))) {
                    yield U32;
                }
                long m = umax(d.arg(0), n, params) << (OptUtil.iconst(d.arg(1)) & 31);
                yield m > U32 ? U32 : m;
            }
            case BOR, BXOR -> {
                long m = Math.max(umax(d.arg(0), n, params), umax(d.arg(1), n, params));
                yield m == 0 ? 0 : (Long.highestOneBit(m) << 1) - 1;
            }
            case SELECT -> Math.max(umax(d.arg(1), n, params), umax(d.arg(2), n, params));
            case LOAD -> (d.aux() & 16) == 0 && (d.aux() & 0xF) == 1 ? 0xFF
                    : (d.aux() & 16) == 0 && (d.aux() & 0xF) == 2 ? 0xFFFF : U32;
            case ICMP -> 1;
            default -> U32;
        };
    }
}
