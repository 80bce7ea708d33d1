package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.DominatorTree;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loop versioning with a run-time alias check, for the native loads of unsafe intrinsics
 * ({@link Op#NATIVE}, DESIGN §4) that {@link LoopInvariantCodeMotion} must leave in a loop because a
 * store in the loop may write what they read: native memory and linear memory are both just host
 * memory, so a byte stored through a builtin's buffer pointer may be the store data that pointer was
 * read from. The technique is LLVM's {@code LoopVersioningLICM} (a loop cloned behind a check that the
 * memory it writes and the invariant locations it reads are disjoint; loads hoisted from the checked
 * copy), with the run-time overlap test of LLVM's {@code LoopAccessAnalysis} ({@code [lo, hi]} ranges
 * compared pairwise), restricted to what Kiln can bound soundly:
 *
 * <ul>
 * <li><b>Hoisted loads.</b> Candidates are the native {@code load}s of the loop header that come
 * before anything with a side effect other than a {@code trapif}, and whose base and index are
 * invariant in the loop: defined outside it, results of other hoisted loads, or pure arithmetic on
 * those. They are read once before the loop: the header's prefix up to the last candidate is
 * <em>replayed</em> for the first iteration (pure instructions and loads copied with the header
 * parameters replaced by the values entering the loop; each {@code trapif} becomes a branch to the
 * original loop, which then traps at the same point). So a load runs before the loop only when the
 * first iteration would have run it with nothing observable in between: a builtin's
 * {@code if (p == 0) unreachable} before a load through {@code p} still protects the load. Every
 * native load in the loop with the same base, index, displacement and width as a hoisted one is
 * replaced by the hoisted value.</li>
 * <li><b>Writers.</b> The loop may contain no call, libcall, epoch check, {@code memmove} or
 * {@code memset} (any of them may write any host memory); stores of runtime structures and VMContext
 * stores write neither linear nor native memory ({@link OptUtil#clobbers}). Every other
 * {@code store} (Wasm or native) must have a byte range known before the loop: its address
 * {@code base + index + disp} is read as a sum of loop-invariant terms, a constant, and at most one
 * variable term {@code t} with {@code 0 <= t <= max}, where {@code max} is an expression evaluated
 * before the loop. For a {@code uextend}ed i32 (optionally shifted left by a constant) {@code max}
 * comes from a mask ({@code band} with a constant {@code c}: {@code c}), from a {@code trapif} or a conditional branch of the loop that dominates the store and
 * bounds the value by a loop-invariant limit ({@code t < len}: {@code len - 1}; {@code t <= len}:
 * {@code len}), else, for a header parameter, from the values entering the loop and the conditions of
 * the back edges (the induction variable bounded by the loop's exit test: {@code umax(entry, n - 1)}),
 * else from the type ({@code 2^32 - 1}). An i64 index must be bounded by such a condition. A store
 * that cannot be bounded prevents versioning.</li>
 * <li><b>The check</b> (one block before the loop, after the replayed prefix): each store range
 * {@code [lo, lo + max + width - 1]} and each group of hoisted locations with the same base and index
 * {@code [a + dmin, a + dmax_end - 1]} must not wrap around 2^64 (and a {@code max} not known to be
 * below 2^62 must be), and every store range must lie wholly below or above every group. The check
 * passes: the checked loop, with the loads hoisted. It fails: the original loop, unchanged, placed
 * after the function's other blocks.</li>
 * </ul>
 * Soundness, by induction over the iterations of the checked loop: while no store so far has written a
 * hoisted location, every replaced load reads the value read before the loop, so the limits and
 * invariant terms of the store ranges have the values the check used, every store lies in its range
 * and so writes no hoisted location either. The limit of a bound is an SSA value compared before the
 * store on every path to it in the same iteration (the guard dominates the store, and its operand's
 * definition dominates the guard).
 *
 * <p>Only innermost loops are versioned, once each, up to {@value #MAX_LOOP_INSTS} instructions
 * and {@value #MAX_PAIRS} store-range/location pairs. A function without native loads costs one
 * scan. Values defined in the loop and used after it are merged from the two copies with new block
 * parameters (SSA reconstruction as in Braun et al. 2013). Stateless and thread-safe; mutates the
 * function given.
 */
public final class LoopVersioning {
    /** Loops with more instructions than this are not copied. */
    static final int MAX_LOOP_INSTS = 400;
    /** At most this many store-range / hoisted-location comparisons in one check. */
    static final int MAX_PAIRS = 16;
    /** A {@code max} of a store range must stay below this for {@code lo + max + width} to wrap at most once. */
    private static final long MAX_SPAN = 1L << 62;

    private LoopVersioning() {
    }

    /** Runs the pass on {@code f}; returns whether a loop was versioned. */
    public static boolean run(IrFunction f) {
        if (!OptUtil.anyInst(f, LoopVersioning::isNativeLoad) || !OptUtil.hasBackwardBranch(f)) {
            return false;
        }
        boolean changed = false;
        BitSet seen = new BitSet();
        while (true) {
            DominatorTree dom = DominatorTree.compute(f);
            List<List<Block>> preds = OptUtil.predecessors(f);
            List<LoopInvariantCodeMotion.Loop> loops = LoopInvariantCodeMotion.findLoops(f, dom, preds, dom.reversePostorder());
            boolean versioned = false;
            for (LoopInvariantCodeMotion.Loop loop : loops) {
                if (seen.get(loop.header.id()) || !innermost(loop, loops)) {
                    continue;
                }
                seen.set(loop.header.id());
                Candidate c = new Candidate(f, loop, dom, preds);
                if (c.analyze()) {
                    for (Block b : c.apply()) {
                        seen.set(b.id()); // the original copy is never versioned again
                    }
                    versioned = true;
                    changed = true;
                    break;
                }
            }
            if (!versioned) {
                return changed;
            }
        }
    }

    private static boolean isNativeLoad(Inst inst) {
        return inst.op() == Op.LOAD && (inst.aux() & Op.NATIVE) != 0 && (inst.aux() & Op.RUNTIME) == 0
                && !OptUtil.isInvariantLoad(inst);
    }

    /** The bytes a {@code load} or {@code store} accesses: its aux width, or its value type's for 0 ({@code v128}). */
    static int width(Inst access) {
        int w = access.aux() & 0xF;
        if (w != 0) {
            return w;
        }
        IrType t = access.op() == Op.LOAD ? access.result().type() : access.arg(2).type();
        return t.bits() / 8;
    }

    private static boolean innermost(LoopInvariantCodeMotion.Loop loop, List<LoopInvariantCodeMotion.Loop> loops) {
        for (LoopInvariantCodeMotion.Loop other : loops) {
            if (other != loop && loop.body.get(other.header.id())) {
                return false;
            }
        }
        return true;
    }

    private static Block definingBlock(Value v) {
        v = v.resolve();
        return v.definingInst() != null ? v.definingInst().block() : v.paramBlock();
    }

    // ---- bounds ---------------------------------------------------------------------------------

    /** An unsigned upper bound of an integer value, as an expression evaluated before the loop. */
    private sealed interface Bound permits Const, Limit, Entry, UMax, Zext, Shl {
        /** The bound's type. */
        IrType type();

        /** How many bits the bound's value needs at most (64: unknown). */
        int bits();
    }

    /** A constant bound. */
    private record Const(long value, IrType type) implements Bound {
        @Override
        public int bits() {
            long v = type == IrType.I32 ? value & 0xFFFF_FFFFL : value;
            return 64 - Long.numberOfLeadingZeros(v);
        }
    }

    /** {@code x < limit} ({@code strict}, bound {@code limit - 1}) or {@code x <= limit}; limit loop-invariant. */
    private record Limit(Value limit, boolean strict) implements Bound {
        @Override
        public IrType type() {
            return limit.type();
        }

        @Override
        public int bits() {
            return limit.type().bits();
        }
    }

    /** The value header parameter {@code index} has when the loop is entered. */
    private record Entry(int index, IrType type) implements Bound {
        @Override
        public int bits() {
            return type.bits();
        }
    }

    private record UMax(Bound a, Bound b) implements Bound {
        @Override
        public IrType type() {
            return a.type();
        }

        @Override
        public int bits() {
            return Math.max(a.bits(), b.bits());
        }
    }

    /** The i64 zero-extension of an i32 bound. */
    private record Zext(Bound b) implements Bound {
        @Override
        public IrType type() {
            return IrType.I64;
        }

        @Override
        public int bits() {
            return Math.min(32, b.bits());
        }
    }

    private record Shl(Bound b, int shift) implements Bound {
        @Override
        public IrType type() {
            return IrType.I64;
        }

        @Override
        public int bits() {
            return Math.min(64, b.bits() + shift);
        }
    }

    /** The bytes a store may write: {@code sum(invariant) + constant + [0, max] + [0, width)}. */
    private record Range(List<Value> invariant, long constant, Bound max, int width) {
    }

    /** Native loads that read the same bytes: same base and index values, displacement and aux. */
    private record LoadKey(Value base, Value index, long disp, int aux, IrType type) {
        static LoadKey of(Inst load) {
            return new LoadKey(load.arg(0), load.arg(1), load.imm(), load.aux(), load.result().type());
        }
    }

    /** Hoisted locations with one base and index: {@code [base + index + lo, base + index + end)}. */
    private static final class Group {
        long lo = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
    }

    private record BaseIndex(Value base, Value index) {
    }

    // ---- one loop ---------------------------------------------------------------------------------

    /** The analysis and the rewrite of one loop. */
    private static final class Candidate {
        final IrFunction f;
        final LoopInvariantCodeMotion.Loop loop;
        final DominatorTree dom;
        final List<List<Block>> preds;
        final Block header;
        /** The header's prefix to replay (up to and including the last hoisted load). */
        final List<Inst> prefix = new ArrayList<>();
        final Map<LoadKey, Inst> hoisted = new LinkedHashMap<>();
        final List<Inst> replaced = new ArrayList<>();
        final Map<BaseIndex, Group> groups = new LinkedHashMap<>();
        final List<Range> ranges = new ArrayList<>();
        final Map<Value, Boolean> invariant = new IdentityHashMap<>();

        Candidate(IrFunction f, LoopInvariantCodeMotion.Loop loop, DominatorTree dom, List<List<Block>> preds) {
            this.f = f;
            this.loop = loop;
            this.dom = dom;
            this.preds = preds;
            this.header = loop.header;
        }

        boolean inLoop(Block b) {
            return b != null && loop.body.get(b.id());
        }

        /** The hoisted load's result for a load replaced by it (so equal ranges compare equal), else {@code v}. */
        Value canonical(Value v) {
            v = v.resolve();
            Inst d = v.definingInst();
            if (d != null && isNativeLoad(d) && inLoop(d.block())) {
                Inst h = hoisted.get(LoadKey.of(d));
                if (h != null) {
                    return h.result();
                }
            }
            return v;
        }

        /** Whether {@code v} has one value in every iteration of the checked loop, known before it. */
        boolean invariant(Value v) {
            v = v.resolve();
            Block d = definingBlock(v);
            if (d == null) {
                return false;
            }
            if (!inLoop(d)) {
                return true;
            }
            Inst def = v.definingInst();
            if (def == null) {
                return false;
            }
            if (def.op() == Op.LOAD && hoisted.containsKey(LoadKey.of(def))) {
                return true;
            }
            Boolean known = invariant.get(v);
            if (known != null) {
                return known;
            }
            boolean r = def.resultCount() == 1 && !def.op().hasSideEffects() && !def.op().readsMemory();
            for (int a = 0; r && a < def.args().size(); a++) {
                r = invariant(def.arg(a));
            }
            invariant.put(v, r);
            return r;
        }

        boolean analyze() {
            if (header == f.entry()) {
                return false;
            }
            int size = 0;
            List<Inst> stores = new ArrayList<>();
            for (Block b : loop.blocks) {
                size += b.insts().size();
                for (Inst inst : b.insts()) {
                    switch (OptUtil.writeKind(inst)) {
                        case NONE, RUNTIME, VMCTX -> {
                        }
                        case LINEAR_MEMORY -> {
                            if (inst.op() != Op.STORE) {
                                return false;
                            }
                            stores.add(inst);
                        }
                        default -> {
                            return false;
                        }
                    }
                }
            }
            if (size > MAX_LOOP_INSTS) {
                return false;
            }
            // the prefix of the header that the first iteration runs before any side effect
            int last = -1;
            ArrayList<Inst> insts = header.insts();
            for (int i = 0; i < insts.size(); i++) {
                Inst inst = insts.get(i);
                if (isNativeLoad(inst) && invariant(inst.arg(0)) && invariant(inst.arg(1))) {
                    hoisted.putIfAbsent(LoadKey.of(inst), inst);
                    last = i;
                } else if (!replayable(inst)) {
                    break;
                }
            }
            if (last < 0) {
                return false;
            }
            prefix.addAll(insts.subList(0, last + 1));
            invariant.clear();
            for (Block b : loop.blocks) {
                for (Inst inst : b.insts()) {
                    if (isNativeLoad(inst) && hoisted.containsKey(LoadKey.of(inst))) {
                        replaced.add(inst);
                    }
                }
            }
            for (Inst load : hoisted.values()) {
                Group g = groups.computeIfAbsent(new BaseIndex(load.arg(0), load.arg(1)), k -> new Group());
                g.lo = Math.min(g.lo, load.imm());
                g.end = Math.max(g.end, load.imm() + width(load));
            }
            for (Inst store : stores) {
                Range r = range(store);
                if (r == null) {
                    return false;
                }
                if (!ranges.contains(r)) {
                    ranges.add(r);
                }
            }
            return ranges.size() * groups.size() <= MAX_PAIRS;
        }

        /** Whether the first iteration may run {@code inst} before the loop (see the class comment). */
        private static boolean replayable(Inst inst) {
            Op op = inst.op();
            if (op == Op.TRAPIF) {
                return true;
            }
            if (op.isTerminator() || Op.mustKeep(inst) || inst.resultCount() != 1) {
                return false;
            }
            return op == Op.LOAD || op == Op.VMCTX_LOAD || !op.readsMemory();
        }

        // ---- store ranges -------------------------------------------------------------------------

        Range range(Inst store) {
            List<Value> inv = new ArrayList<>();
            List<Value> var = new ArrayList<>();
            long[] constant = {store.imm()};
            terms(store.arg(0), inv, var, constant, 0);
            terms(store.arg(1), inv, var, constant, 0);
            if (var.size() > 1) {
                return null;
            }
            Bound max = null;
            if (var.size() == 1) {
                max = bound64(var.get(0), store);
                if (max == null) {
                    return null;
                }
            }
            return new Range(List.copyOf(inv), constant[0], max, width(store));
        }

        private void terms(Value v, List<Value> inv, List<Value> var, long[] constant, int depth) {
            v = v.resolve();
            Inst d = v.definingInst();
            if (d != null && d.op() == Op.ICONST) {
                constant[0] += d.imm();
            } else if (invariant(v)) {
                inv.add(canonical(v));
            } else if (d != null && d.op() == Op.IADD && depth < 8) {
                terms(d.arg(0), inv, var, constant, depth + 1);
                terms(d.arg(1), inv, var, constant, depth + 1);
            } else {
                var.add(v);
            }
        }

        /** An i64 bound of the i64 index term {@code t} at {@code at}, or null. */
        private Bound bound64(Value t, Inst at) {
            Inst d = t.definingInst();
            if (d != null && d.op() == Op.UEXTEND) {
                return new Zext(bound32(d.arg(0), at));
            }
            if (d != null && d.op() == Op.ISHL && OptUtil.isIconst(d.arg(1))) {
                long k = OptUtil.iconst(d.arg(1));
                Inst e = d.arg(0).definingInst();
                if (k >= 0 && k <= 31 && e != null && e.op() == Op.UEXTEND) {
                    return new Shl(new Zext(bound32(e.arg(0), at)), (int) k);
                }
                return null;
            }
            Bound b = mask(t);
            if (b == null) {
                b = guard(t, at);
            }
            return b != null ? b : headerBound(t);
        }

        /** {@code x & c} with a constant {@code c}: at most {@code c} (unsigned); else null. */
        private static Bound mask(Value x) {
            Inst d = x.resolve().definingInst();
            if (d == null || d.op() != Op.BAND) {
                return null;
            }
            for (int a = 0; a < 2; a++) {
                if (OptUtil.isIconst(d.arg(a))) {
                    return new Const(OptUtil.iconst(d.arg(a)), x.type());
                }
            }
            return null;
        }

        /** An i32 bound of {@code x} at {@code at}: a guard, the header's values, or the type's maximum. */
        private Bound bound32(Value x, Inst at) {
            Bound b = mask(x);
            if (b == null) {
                b = guard(x, at);
            }
            if (b == null) {
                b = headerBound(x);
            }
            return b != null ? b : new Const(0xFFFF_FFFFL, IrType.I32);
        }

        /**
         * A bound of {@code x} from a {@code trapif} before {@code at} or a conditional branch into
         * the blocks that dominate it, within the loop; null if none.
         */
        private Bound guard(Value x, Inst at) {
            x = x.resolve();
            Block b = at.block();
            int pos = b.insts().indexOf(at);
            while (true) {
                ArrayList<Inst> insts = b.insts();
                for (int i = pos - 1; i >= 0; i--) {
                    Inst inst = insts.get(i);
                    if (inst.op() == Op.TRAPIF) {
                        Bound g = fact(inst.cond().negate(), inst.arg(0), inst.arg(1), x);
                        if (g != null) {
                            return g;
                        }
                    }
                }
                Block d = dom.idom(b);
                if (d == null || !inLoop(d) || b == header) {
                    return null;
                }
                List<Block> p = preds.get(b.id());
                if (p.size() == 1 && p.get(0) == d) {
                    Bound g = edgeFact(d.terminator(), b, x);
                    if (g != null) {
                        return g;
                    }
                }
                b = d;
                pos = b.insts().size() - 1; // before the terminator
            }
        }

        /** A bound of {@code x} implied by taking the edge of {@code term} (a {@code brif}) to {@code to}. */
        private Bound edgeFact(Inst term, Block to, Value x) {
            if (term == null || term.op() != Op.BRIF) {
                return null;
            }
            Block t = term.target(0).target();
            Block e = term.target(1).target();
            if (t == e) {
                return null;
            }
            Inst c = term.arg(0).definingInst();
            if (c == null || c.op() != Op.ICMP) {
                return null;
            }
            Cond cond = to == t ? c.cond() : c.cond().negate();
            return fact(cond, c.arg(0), c.arg(1), x);
        }

        /** The bound of {@code x} that {@code a cond b} implies, with an invariant other operand. */
        private Bound fact(Cond cond, Value a, Value b, Value x) {
            Value limit;
            if (a.resolve() == x) {
                limit = b;
            } else if (b.resolve() == x) {
                limit = a;
                cond = cond.swap();
            } else {
                return null;
            }
            if (!invariant(limit)) {
                return null;
            }
            return switch (cond) {
                case ULT -> new Limit(canonical(limit), true);
                case ULE -> new Limit(canonical(limit), false);
                default -> null;
            };
        }

        /**
         * For a parameter of the header: the largest of the value entering the loop and the bounds of
         * the values the back edges pass (from their branch condition or a dominating guard); null if
         * one is unbounded.
         */
        private Bound headerBound(Value x) {
            x = x.resolve();
            if (x.paramBlock() != header) {
                return null;
            }
            int k = header.params().indexOf(x);
            Bound out = new Entry(k, x.type());
            for (Block p : distinct(preds.get(header.id()))) {
                if (!inLoop(p)) {
                    continue;
                }
                Inst term = p.terminator();
                for (BlockCall bc : term.targets()) {
                    if (bc.target() != header) {
                        continue;
                    }
                    Value arg = bc.args().get(k).resolve();
                    if (arg == x) {
                        continue; // passed on unchanged
                    }
                    Bound b = term.targetCount() == 2 && term.target(0).target() != term.target(1).target()
                            ? edgeFact(term, header, arg) : null;
                    if (b == null) {
                        b = guard(arg, term);
                    }
                    if (b == null) {
                        return null;
                    }
                    out = new UMax(out, b);
                }
            }
            return out;
        }

        // ---- the rewrite ----------------------------------------------------------------------------

        /** Versions the loop; returns the blocks of the original (slow) copy. */
        List<Block> apply() {
            // edges into the loop and the loop's values used after it, before anything changes
            List<BlockCall> entries = new ArrayList<>();
            for (Block p : distinct(preds.get(header.id()))) {
                if (!inLoop(p)) {
                    for (BlockCall bc : p.terminator().targets()) {
                        if (bc.target() == header) {
                            entries.add(bc);
                        }
                    }
                }
            }
            List<Use> escaping = escapingUses();

            // the slow copy: the loop as it is, after the function's blocks
            Map<Value, Value> copy = new IdentityHashMap<>();
            Map<Block, Block> blockCopy = new IdentityHashMap<>();
            for (Block b : loop.blocks) {
                Block c = f.newBlock();
                blockCopy.put(b, c);
                for (Value p : b.params()) {
                    copy.put(p, c.addParam(p.type()));
                }
            }
            for (Block b : loop.blocks) {
                Block c = blockCopy.get(b);
                for (Inst inst : b.insts()) {
                    clone(inst, c, v -> copy.getOrDefault(v, v), blockCopy, copy);
                }
                f.blocks().add(c);
            }
            Block slow = blockCopy.get(header);

            // the check: the header's parameters, the replayed prefix, the ranges compared
            Block check = f.newBlock();
            List<Value> entry = new ArrayList<>();
            for (Value p : header.params()) {
                entry.add(check.addParam(p.type()));
            }
            for (BlockCall bc : entries) {
                bc.setTarget(check);
            }
            int at = f.blocks().indexOf(header);
            f.blocks().add(at++, check);
            Map<Value, Value> first = new IdentityHashMap<>();
            for (int i = 0; i < entry.size(); i++) {
                first.put(header.params().get(i), entry.get(i));
            }
            Block cur = check;
            for (Inst inst : prefix) {
                if (inst.op() == Op.TRAPIF) {
                    Value c = OptUtil.insert(cur, cur.insts().size(), Op.ICMP,
                            List.of(first.getOrDefault(inst.arg(0), inst.arg(0)), first.getOrDefault(inst.arg(1), inst.arg(1))),
                            0, inst.cond(), IrType.I32).result();
                    Block next = f.newBlock();
                    f.blocks().add(at++, next);
                    cur.append(Op.BRIF, List.of(c), 0, null,
                            List.of(new BlockCall(slow, entry), new BlockCall(next, List.of())), List.of());
                    cur = next;
                } else {
                    clone(inst, cur, v -> first.getOrDefault(v, v), null, first);
                }
            }
            Map<LoadKey, Value> hoistedValue = new HashMap<>();
            for (Map.Entry<LoadKey, Inst> e : hoisted.entrySet()) {
                hoistedValue.put(e.getKey(), first.get(e.getValue().result()));
            }
            Emitter em = new Emitter(cur, at, slow, entry, hoistedValue);
            em.check();
            em.b.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(header, entry)), List.of());

            repair(escaping, copy, blockCopy);

            // the checked copy reads the hoisted values
            List<Value> by = new ArrayList<>();
            for (Inst load : replaced) {
                by.add(hoistedValue.get(LoadKey.of(load))); // all keys first: aliasing changes the operands of the next
            }
            for (int i = 0; i < replaced.size(); i++) {
                Inst load = replaced.get(i);
                load.block().insts().remove(load);
                load.result().aliasTo(by.get(i));
            }
            f.resolveOperands();
            return new ArrayList<>(blockCopy.values());
        }

        /** Copies {@code inst} to the end of {@code to}, operands through {@code map}, results into {@code results}. */
        private void clone(Inst inst, Block to, java.util.function.UnaryOperator<Value> map, Map<Block, Block> blocks,
                Map<Value, Value> results) {
            List<Value> args = new ArrayList<>(inst.args().size());
            for (int a = 0; a < inst.args().size(); a++) {
                args.add(map.apply(inst.arg(a)));
            }
            List<BlockCall> targets = new ArrayList<>();
            for (BlockCall bc : inst.targets()) {
                List<Value> ta = new ArrayList<>();
                for (Value v : bc.args()) {
                    ta.add(map.apply(v.resolve()));
                }
                targets.add(new BlockCall(blocks.getOrDefault(bc.target(), bc.target()), ta));
            }
            List<IrType> types = new ArrayList<>();
            for (Value r : inst.results()) {
                types.add(r.type());
            }
            Inst c = to.append(inst.op(), args, inst.imm(), inst.cond(), targets, types).withAux(inst.aux())
                    .withInlineSite(inst.inlineSite()).withSourceOffset(inst.sourceOffset());
            for (int r = 0; r < types.size(); r++) {
                results.put(inst.results().get(r), c.results().get(r));
            }
        }

        // ---- the check ------------------------------------------------------------------------------

        /** Emits the check: a chain of blocks, each branching to the original loop when a condition fails. */
        private final class Emitter extends CheckBuilder {
            final List<Value> entry;
            final Map<LoadKey, Value> hoistedValue;
            final Map<Value, Value> values = new IdentityHashMap<>();
            final Map<Bound, Value> bounds = new HashMap<>();

            /** A failed requirement enters the original loop {@code slow} with the values entering it. */
            Emitter(Block b, int at, Block slow, List<Value> entry, Map<LoadKey, Value> hoistedValue) {
                super(Candidate.this.f, b, at, slow, entry, null);
                this.entry = entry;
                this.hoistedValue = hoistedValue;
            }

            /** The value {@code v} (loop-invariant) has in the checked loop. */
            Value value(Value v) {
                v = v.resolve();
                if (!inLoop(definingBlock(v))) {
                    return v;
                }
                Inst d = v.definingInst();
                if (d.op() == Op.LOAD) {
                    return hoistedValue.get(LoadKey.of(d));
                }
                Value known = values.get(v);
                if (known == null) {
                    Value[] args = new Value[d.args().size()];
                    for (int a = 0; a < args.length; a++) {
                        args[a] = value(d.arg(a));
                    }
                    known = OptUtil.insert(b, b.insts().size(), d.op(), List.of(args), d.imm(), d.cond(), v.type())
                            .withAux(d.aux()).result();
                    values.put(v, known);
                }
                return known;
            }

            Value bound(Bound bound) {
                Value known = bounds.get(bound);
                if (known != null) {
                    return known;
                }
                Value v = switch (bound) {
                    case Const c -> constant(c.type(), c.value());
                    case Limit l -> l.strict()
                            ? emit(Op.ISUB, l.type(), null, value(l.limit()), constant(l.type(), 1))
                            : value(l.limit());
                    case Entry e -> entry.get(e.index());
                    case UMax m -> {
                        Value x = bound(m.a());
                        Value y = bound(m.b());
                        yield emit(Op.SELECT, m.type(), null, emit(Op.ICMP, IrType.I32, Cond.UGT, x, y), x, y);
                    }
                    case Zext z -> emit(Op.UEXTEND, IrType.I64, null, bound(z.b()));
                    case Shl s -> emit(Op.ISHL, IrType.I64, null, bound(s.b()), constant(IrType.I64, s.shift()));
                };
                bounds.put(bound, v);
                return v;
            }

            /** The sum of loop-invariant i64 {@code terms} and {@code c}. */
            Value sum(List<Value> terms, long c) {
                Value s = null;
                for (Value t : terms) {
                    if (OptUtil.isIconst(t)) {
                        c += OptUtil.iconst(t);
                        continue;
                    }
                    s = s == null ? value(t) : emit(Op.IADD, IrType.I64, null, s, value(t));
                }
                return s == null ? constant(IrType.I64, c) : add(s, c);
            }

            /**
             * Requires that no range wraps around 2^64 and that every store range lies below or above
             * every group of hoisted locations.
             */
            void check() {
                List<Value[]> groupRanges = new ArrayList<>();
                for (Map.Entry<BaseIndex, Group> e : groups.entrySet()) {
                    Value a = sum(List.of(e.getKey().base(), e.getKey().index()), 0);
                    Value lo = add(a, e.getValue().lo);
                    Value hi = add(a, e.getValue().end - 1);
                    require(Cond.UGE, hi, lo);
                    groupRanges.add(new Value[] {lo, hi});
                }
                for (Range r : ranges) {
                    Value lo = sum(r.invariant(), r.constant());
                    Value hi = lo;
                    if (r.max() != null) {
                        Value max = bound(r.max());
                        if (r.max().bits() > 62) {
                            require(Cond.ULT, max, constant(IrType.I64, MAX_SPAN));
                        }
                        hi = emit(Op.IADD, IrType.I64, null, lo, max);
                    }
                    hi = add(hi, r.width() - 1);
                    require(Cond.UGE, hi, lo);
                    for (Value[] g : groupRanges) {
                        // below: hi < g.lo; above: g.hi < lo
                        Value below = emit(Op.ICMP, IrType.I32, Cond.ULT, hi, g[0]);
                        Value above = emit(Op.ICMP, IrType.I32, Cond.ULT, g[1], lo);
                        require(Cond.NE, emit(Op.BOR, IrType.I32, null, below, above), constant(IrType.I32, 0));
                    }
                }
            }
        }

        // ---- values used after the loop -------------------------------------------------------------

        /** An operand outside the loop that reads a value defined in it. */
        private record Use(Block block, List<Value> operands, int index, Value value) {
        }

        private List<Use> escapingUses() {
            List<Use> out = new ArrayList<>();
            for (Block b : f.blocks()) {
                if (inLoop(b) || !dom.isReachable(b)) {
                    continue;
                }
                for (Inst inst : b.insts()) {
                    collect(b, inst.args(), out);
                    for (BlockCall bc : inst.targets()) {
                        collect(b, bc.args(), out);
                    }
                }
            }
            return out;
        }

        private void collect(Block b, List<Value> operands, List<Use> out) {
            for (int i = 0; i < operands.size(); i++) {
                Value v = operands.get(i).resolve();
                if (inLoop(definingBlock(v))) {
                    out.add(new Use(b, operands, i, v));
                }
            }
        }

        /**
         * Rewrites each use after the loop of a value {@code v} defined in it to the value reaching the
         * use from either copy: {@code v} or its copy where they are defined, new block parameters
         * where paths from both meet (Braun et al. 2013, §3's reconstruction, without recursion), with
         * trivial parameters removed again.
         */
        private void repair(List<Use> uses, Map<Value, Value> copy, Map<Block, Block> blockCopy) {
            if (uses.isEmpty()) {
                return;
            }
            List<List<Block>> now = OptUtil.predecessors(f);
            Map<Value, List<Use>> byValue = new LinkedHashMap<>();
            for (Use u : uses) {
                byValue.computeIfAbsent(u.value(), v -> new ArrayList<>()).add(u);
            }
            for (Map.Entry<Value, List<Use>> e : byValue.entrySet()) {
                Value v = e.getKey();
                Block def = definingBlock(v);
                List<Block> at = new ArrayList<>();
                for (Use u : e.getValue()) {
                    at.add(u.block());
                }
                Map<Block, Value> start = reconstruct(v, copy.get(v), def, blockCopy.get(def), at, now);
                for (Use u : e.getValue()) {
                    u.operands().set(u.index(), start.get(u.block()));
                }
            }
        }

        /** The value of {@code v} at the start of each block between its two definitions and the use. */
        private Map<Block, Value> reconstruct(Value v, Value vCopy, Block def, Block defCopy, List<Block> uses,
                List<List<Block>> now) {
            // the blocks whose start the walk back from the use reaches before a definition
            List<Block> walk = new ArrayList<>();
            BitSet seen = new BitSet();
            Deque<Block> work = new ArrayDeque<>();
            for (Block u : uses) {
                if (!seen.get(u.id())) {
                    seen.set(u.id());
                    work.add(u);
                }
            }
            while (!work.isEmpty()) {
                Block b = work.poll();
                walk.add(b);
                for (Block p : now.get(b.id())) {
                    if (p != def && p != defCopy && !seen.get(p.id())) {
                        seen.set(p.id());
                        work.add(p);
                    }
                }
            }
            Map<Block, Value> start = new IdentityHashMap<>();
            List<Block> merges = new ArrayList<>();
            for (Block b : walk) {
                if (now.get(b.id()).size() != 1) {
                    start.put(b, b.addParam(v.type()));
                    merges.add(b);
                }
            }
            java.util.function.Function<Block, Value> atEnd = new java.util.function.Function<>() {
                @Override
                public Value apply(Block b) {
                    while (true) {
                        if (b == def) {
                            return v;
                        }
                        if (b == defCopy) {
                            return vCopy;
                        }
                        Value s = start.get(b);
                        if (s != null) {
                            return s;
                        }
                        b = now.get(b.id()).get(0); // one predecessor: a chain ends at a definition or a merge
                    }
                }
            };
            for (Block b : walk) {
                if (!start.containsKey(b)) {
                    start.put(b, atEnd.apply(now.get(b.id()).get(0)));
                }
            }
            for (Block m : merges) {
                for (Block p : distinct(now.get(m.id()))) {
                    Value arg = atEnd.apply(p);
                    for (BlockCall bc : p.terminator().targets()) {
                        if (bc.target() == m) {
                            bc.args().add(arg);
                        }
                    }
                }
            }
            removeTrivial(merges, start, now);
            for (Map.Entry<Block, Value> e : start.entrySet()) {
                e.setValue(e.getValue().resolve());
            }
            return start;
        }

        /** Removes the new parameters that receive one value (besides themselves), until none is left. */
        private void removeTrivial(List<Block> merges, Map<Block, Value> start, List<List<Block>> now) {
            boolean again = true;
            while (again) {
                again = false;
                for (Block m : merges) {
                    Value p = start.get(m);
                    if (p.isAlias() || p.paramBlock() != m) {
                        continue;
                    }
                    int k = m.params().indexOf(p);
                    Value same = null;
                    boolean trivial = true;
                    for (Block pred : distinct(now.get(m.id()))) {
                        for (BlockCall bc : pred.terminator().targets()) {
                            if (bc.target() != m) {
                                continue;
                            }
                            Value a = bc.args().get(k).resolve();
                            if (a == p || a == same) {
                                continue;
                            }
                            if (same != null) {
                                trivial = false;
                            }
                            same = a;
                        }
                    }
                    if (!trivial || same == null) {
                        continue;
                    }
                    for (Block pred : distinct(now.get(m.id()))) {
                        for (BlockCall bc : pred.terminator().targets()) {
                            if (bc.target() == m) {
                                bc.args().remove(k);
                            }
                        }
                    }
                    m.removeParam(k);
                    p.aliasTo(same);
                    again = true;
                }
            }
        }
    }

    private static List<Block> distinct(List<Block> blocks) {
        List<Block> out = new ArrayList<>(blocks.size());
        for (Block b : blocks) {
            if (!out.contains(b)) {
                out.add(b);
            }
        }
        return out;
    }
}
