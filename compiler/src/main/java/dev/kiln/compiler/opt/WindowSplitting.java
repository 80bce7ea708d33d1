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
import java.util.Comparator;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Window splitting: a loop whose header tests a range check {@code c <u e} with a cold failing side
 * (a buffer reader's "refill" call) gets an inner loop that runs the fast path for a whole window of
 * iterations without the test, with the stores of the fast path to loop-invariant locations (the
 * reader's cursor in the store data) sunk to the inner loop's exit. The techniques are LLVM's
 * {@code InductiveRangeCheckElimination} (a loop's iteration space split at the point where an
 * inductive range check starts to fail, the main loop running without the check) and the scalar
 * promotion of LLVM's LICM ({@code promoteLoopAccessesToScalars}), here made safe by a run-time alias
 * check once per window, as {@link LoopVersioning} (LLVM's {@code LoopVersioningLICM}) checks once per
 * loop.
 *
 * <p><b>The shape.</b> A loop with header {@code H} is split when:
 * <ul>
 * <li>{@code H} holds only pure instructions ending in {@code brif (icmp ult c, e)} (or an equivalent
 * compare with swapped operands or negated condition and swapped targets), both targets in the loop;
 * the target where {@code c <u e} holds is the <em>fast</em> side {@code F}, the other {@code S} the
 * <em>slow</em> side, which must be cold: a block reached from {@code S} in the loop without passing
 * {@code H} or the fast path holds a call (as the inliner leaves a builtin's out-of-line slow path);</li>
 * <li>the fast path is a chain of blocks {@code F = B0, ..., Bm} of the loop, each ending in a
 * {@code jump} to the next, and {@code Bm} (the latch) ends in a {@code brif} with one target
 * {@code H} (the back edge) and one outside the loop; at most {@value #MAX_CHAIN_BLOCKS} blocks and
 * {@value #MAX_CHAIN_INSTS} instructions;</li>
 * <li>following the chain's block parameters back to {@code H}: {@code c} is a parameter of
 * {@code H} (an induction variable) to which the back edge passes {@code c + s}, {@code s} a
 * constant in {@code [1, 2^16]}; {@code e} is defined outside the loop or is a parameter of {@code H}
 * the back edge passes unchanged; the latch's condition is {@code k - 1} (or {@code k - 1 != 0}, or the low 32 bits of an
 * i64 {@code k - 1}, which count as an i32 counter), {@code k} a parameter of {@code H} (a counter, i32 or i64, other than {@code c}) to which the back
 * edge passes that same {@code k - 1}, and the back edge is its non-zero side;</li>
 * <li>every instruction of the chain is pure (divisions only by constants that cannot trap), or a
 * {@code load} (no guard-page or runtime access) that is either <em>invariant</em>
 * ({@link OptUtil#isInvariantLoad}), or a <em>window load</em> whose address is {@code c + d} ({@code c}
 * an i64, {@code d} a constant), or has the same loop-invariant address terms as every promoted store
 * and bytes disjoint from all of theirs; or a <em>promoted store</em> ({@code store}, not to a
 * runtime structure, no guard-page access) whose address terms are all defined outside the loop;
 * at most {@value #MAX_STORES} promoted stores and {@value #MAX_WINDOW_LOADS} window loads. Nothing
 * in the chain traps, calls or writes anything else.</li>
 * </ul>
 *
 * <p><b>The rewrite.</b> The fast edge of {@code H} goes to a guard {@code G} that computes, in i64,
 * {@code K = min(k - 1, W)} with {@code W = (e - c - 1) / s + 1} ({@code k - 1} unsigned, of the
 * counter's tested width, so a counter of 0, which counts {@code 2^w} iterations, gives the largest
 * value; {@code W >= 1}, the number of iterations for which {@code c} stays below {@code e}): the
 * inner loop never takes the counter's exit, which stays in the original loop. If
 * {@code K < }{@value #MIN_ITERATIONS} (a small window, the counter's last iterations), {@code G}
 * continues to {@code F}: the original fast path. Else it enters the inner loop: one block, a copy of {@code H}'s instructions and the chain's (block
 * parameters replaced by the values passed), without the promoted stores, whose branch continues
 * while {@code k - 1 != k0 - K} ({@code k0} the counter on entry), so it runs exactly {@code K}
 * iterations; its exit performs the promoted stores in their order with the values of the last
 * iteration and jumps to {@code H} with the back edge's values. There the original loop goes on: the
 * slow path after a whole window, or its last iteration when the counter was the limit. Where the
 * window check below fails (the buffer overlaps a promoted location), {@code G} enters a second inner
 * loop instead, the same {@code K} iterations with the promoted stores left in place, which jumps
 * straight to {@code H}: the original body for that window without the range test.
 *
 * <p><b>The window check</b> (only with promoted stores and window loads): the window loads of the
 * {@code K} inner iterations read within {@code [c + dmin, c + (K - 1) * s + dend - 1]} ({@code dmin}
 * the smallest displacement, {@code dend} the largest displacement plus width); with
 * {@code (K - 1) * s < 2^62} and no wrap of that range, and, for each group of promoted stores with
 * the same address terms {@code a}, {@code [a + lo, a + end - 1]} not wrapping, the two ranges must
 * lie one wholly below the other.
 *
 * <p><b>Soundness</b>, by induction over the inner iterations {@code j = 0 .. K - 1}: at the start of
 * iteration {@code j} the inner header's parameters equal those the original header would have, and
 * memory equals the original's except at the promoted locations. Then {@code c_j = c + j*s} and
 * {@code c + (K - 1) * s <= c + (W - 1) * s <= c + (e - c - 1) < e} without wrapping, so the
 * original test {@code c_j <u e} holds and the original would run the chain too. Its pure instructions compute the
 * same values; a window load reads outside the promoted locations (the window check) and an invariant
 * or disjoint load reads bytes no promoted store writes, so every load reads what the original reads;
 * nothing traps. The original latch continues since {@code k_j - 1 = k0 - 1 - j != 0} for
 * {@code j < K <= k0 - 1} (unsigned, at the tested width: the low 32 bits of an i64 counter tested
 * through {@code ireduce} count down like an i32), and the inner latch, which compares the whole
 * counter, continues exactly while {@code j + 1 < K}.
 * Each iteration of the straight chain runs every promoted store once, at a loop-invariant address, so
 * after iteration {@code K - 1} the original's promoted locations hold the values the stores of that
 * last iteration wrote, in their order: exactly what the exit stores write. So at the jump to {@code H}
 * state and memory are the original's. The second inner loop is the same argument with the stores in
 * place, so memory equals the original's throughout and no check is needed; a small {@code K} runs the
 * original fast path, unchanged.
 *
 * <p>Loops are found again after each split (at most {@value #MAX_SPLITS} per function); a split
 * header is never split again. The original loop stays whole, so values used after it need no
 * repair. Stateless and thread-safe; mutates the function given. Expects {@link LoopLoadForwarding}
 * to have carried the cursor and the end in block parameters.
 */
public final class WindowSplitting {
    /** Fast paths with more blocks than this are not copied. */
    static final int MAX_CHAIN_BLOCKS = 8;
    /** Fast paths with more instructions than this are not copied. */
    static final int MAX_CHAIN_INSTS = 64;
    /** At most this many promoted stores. */
    static final int MAX_STORES = 4;
    /** At most this many window loads. */
    static final int MAX_WINDOW_LOADS = 8;
    /** At most this many loops split in one function. */
    static final int MAX_SPLITS = 8;
    /**
     * The inner loop is entered for at least this many iterations: for fewer, the guard and the window
     * check cost more than the range tests they save (a window of one or two bytes between host calls).
     */
    static final long MIN_ITERATIONS = 4;
    /** The largest step of the induction variable. */
    static final long MAX_STEP = 1L << 16;
    /** The span {@code (K - 1) * s} of a checked window must stay below this. */
    private static final long MAX_SPAN = 1L << 62;

    private WindowSplitting() {
    }

    /** Runs the pass on {@code f}; returns whether a loop was split. */
    public static boolean run(IrFunction f) {
        if (!OptUtil.anyInst(f, WindowSplitting::isCall)) {
            return false; // no cold path
        }
        if (!OptUtil.hasBackwardBranch(f)) {
            return false; // no loop
        }
        boolean changed = false;
        BitSet seen = new BitSet();
        for (int splits = 0; splits < MAX_SPLITS; splits++) {
            DominatorTree dom = DominatorTree.compute(f);
            List<List<Block>> preds = OptUtil.predecessors(f);
            List<LoopInvariantCodeMotion.Loop> loops = LoopInvariantCodeMotion.findLoops(f, dom, preds, dom.reversePostorder());
            boolean split = false;
            for (LoopInvariantCodeMotion.Loop loop : loops) {
                if (seen.get(loop.header.id())) {
                    continue;
                }
                seen.set(loop.header.id());
                Candidate c = new Candidate(f, loop);
                if (c.analyze()) {
                    for (Block b : c.apply()) {
                        seen.set(b.id());
                    }
                    split = true;
                    changed = true;
                    break;
                }
            }
            if (!split) {
                break;
            }
        }
        return changed;
    }

    private static boolean isCall(Inst inst) {
        return inst.op() == Op.CALL || inst.op() == Op.CALL_REF;
    }

    private static Block definingBlock(Value v) {
        v = v.resolve();
        return v.definingInst() != null ? v.definingInst().block() : v.paramBlock();
    }

    /** The address terms of a load or store: its non-constant summands, ordered by id, and the constant. */
    private record Address(List<Value> terms, long disp) {
        static Address of(Inst access) {
            List<Value> terms = new ArrayList<>();
            long[] c = {access.imm()};
            collect(access.arg(0), terms, c, 0);
            collect(access.arg(1), terms, c, 0);
            terms.sort(Comparator.comparingInt(Value::id));
            return new Address(List.copyOf(terms), c[0]);
        }

        private static void collect(Value v, List<Value> terms, long[] c, int depth) {
            v = v.resolve();
            Inst d = v.definingInst();
            if (d != null && d.op() == Op.ICONST) {
                c[0] += d.imm();
            } else if (d != null && d.op() == Op.IADD && v.type() == IrType.I64 && depth < 4) {
                collect(d.arg(0), terms, c, depth + 1);
                collect(d.arg(1), terms, c, depth + 1);
            } else {
                terms.add(v);
            }
        }
    }

    /** The analysis and the rewrite of one loop. */
    private static final class Candidate {
        final IrFunction f;
        final LoopInvariantCodeMotion.Loop loop;
        final Block header;
        final List<Block> chain = new ArrayList<>();
        BlockCall fastCall;
        Block latch;
        BlockCall back;
        BlockCall exit;
        /** The latch's counter value {@code k - 1} as the latch uses it. */
        Value counterNext;
        int cIndex;
        int kIndex;
        /** Whether the latch tests only the low 32 bits of an i64 counter. */
        boolean narrow;
        Value end;
        long step;
        final List<Inst> stores = new ArrayList<>();
        final List<Inst> windowLoads = new ArrayList<>();
        final List<Inst> otherLoads = new ArrayList<>();

        Candidate(IrFunction f, LoopInvariantCodeMotion.Loop loop) {
            this.f = f;
            this.loop = loop;
            this.header = loop.header;
        }

        boolean inLoop(Block b) {
            return b != null && loop.body.get(b.id());
        }

        /** The value {@code v}, used in the chain, has in terms of the header's values (block parameters followed back). */
        Value trace(Value v) {
            for (int guard = 0; guard <= chain.size(); guard++) {
                v = v.resolve();
                Block p = v.paramBlock();
                int at = p == null ? -1 : chain.indexOf(p);
                if (at < 0) {
                    return v;
                }
                BlockCall in = at == 0 ? fastCall : chain.get(at - 1).terminator().target(0);
                v = in.args().get(p.params().indexOf(v));
            }
            return v.resolve();
        }

        int headerParam(Value v) {
            v = v.resolve();
            return v.paramBlock() == header ? header.params().indexOf(v) : -1;
        }

        boolean analyze() {
            if (header == f.entry()) {
                return false;
            }
            ArrayList<Inst> hi = header.insts();
            Inst term = header.terminator();
            if (term == null || term.op() != Op.BRIF) {
                return false;
            }
            for (int i = 0; i < hi.size() - 1; i++) {
                if (!pure(hi.get(i))) {
                    return false;
                }
            }
            Inst cmp = term.arg(0).resolve().definingInst();
            if (cmp == null || cmp.op() != Op.ICMP || cmp.block() != header) {
                return false;
            }
            BlockCall t = term.target(0);
            BlockCall e = term.target(1);
            if (t.target() == e.target() || !inLoop(t.target()) || !inLoop(e.target())) {
                return false;
            }
            Value c;
            Cond cond = cmp.cond();
            boolean swapped = false;
            if (cond == Cond.UGE || cond == Cond.ULE) {
                cond = cond.negate();
                swapped = true;
            }
            if (cond == Cond.ULT) {
                c = cmp.arg(0);
                end = cmp.arg(1).resolve();
            } else if (cond == Cond.UGT) {
                c = cmp.arg(1);
                end = cmp.arg(0).resolve();
            } else {
                return false;
            }
            fastCall = swapped ? e : t;
            BlockCall slowCall = swapped ? t : e;
            Block fast = fastCall.target();
            if (fast == header) {
                return false;
            }
            cIndex = headerParam(c);
            if (cIndex < 0) {
                return false;
            }
            // the chain
            Block b = fast;
            int insts = 0;
            while (true) {
                if (!inLoop(b) || b == header || chain.contains(b) || chain.size() == MAX_CHAIN_BLOCKS) {
                    return false;
                }
                chain.add(b);
                insts += b.insts().size();
                Inst bt = b.terminator();
                if (bt.op() == Op.JUMP) {
                    b = bt.target(0).target();
                    continue;
                }
                if (bt.op() != Op.BRIF) {
                    return false;
                }
                BlockCall b0 = bt.target(0);
                BlockCall b1 = bt.target(1);
                if (b0.target() == header && !inLoop(b1.target())) {
                    back = b0;
                    exit = b1;
                } else if (b1.target() == header && !inLoop(b0.target())) {
                    back = b1;
                    exit = b0;
                } else {
                    return false;
                }
                latch = b;
                break;
            }
            if (insts > MAX_CHAIN_INSTS || !cold(slowCall.target())) {
                return false;
            }
            // the induction variable
            Inst inc = trace(back.args().get(cIndex)).definingInst();
            if (inc == null || inc.op() != Op.IADD) {
                return false;
            }
            int other = inc.arg(0).resolve() == header.params().get(cIndex) ? 1
                    : inc.arg(1).resolve() == header.params().get(cIndex) ? 0 : -1;
            if (other < 0 || !OptUtil.isIconst(inc.arg(other))) {
                return false;
            }
            step = OptUtil.iconst(inc.arg(other));
            if (step < 1 || step > MAX_STEP) {
                return false;
            }
            // the end
            int eIndex = headerParam(end);
            if (eIndex >= 0 ? trace(back.args().get(eIndex)) != end : inLoop(definingBlock(end))) {
                return false;
            }
            if (!counter()) {
                return false;
            }
            // the chain's instructions
            for (Block cb : chain) {
                ArrayList<Inst> list = cb.insts();
                for (int i = 0; i < list.size() - 1; i++) {
                    if (!classify(list.get(i))) {
                        return false;
                    }
                }
            }
            if (stores.size() > MAX_STORES || windowLoads.size() > MAX_WINDOW_LOADS) {
                return false;
            }
            for (Inst load : otherLoads) {
                Address a = Address.of(load);
                int w = LoopVersioning.width(load);
                for (Inst s : stores) {
                    Address sa = Address.of(s);
                    if (!sa.terms().equals(a.terms())) {
                        return false;
                    }
                    long lo = sa.disp();
                    long sEnd = lo + LoopVersioning.width(s);
                    if (a.disp() < sEnd && lo < a.disp() + w) {
                        return false;
                    }
                }
            }
            return true;
        }

        /** Recognizes the latch's counter test; sets {@link #counterNext} and {@link #kIndex}. */
        private boolean counter() {
            Inst lt = latch.terminator();
            boolean backOnTrue = back == lt.target(0);
            Value g = lt.arg(0).resolve();
            Inst gd = g.definingInst();
            if (gd != null && gd.op() == Op.ICMP && (gd.cond() == Cond.NE || gd.cond() == Cond.EQ)
                    && OptUtil.isIconst(gd.arg(1)) && OptUtil.iconst(gd.arg(1)) == 0) {
                if (gd.cond() == Cond.EQ) {
                    backOnTrue = !backOnTrue;
                }
                g = gd.arg(0).resolve();
                gd = g.definingInst();
            }
            if (gd != null && gd.op() == Op.IREDUCE && gd.arg(0).type() == IrType.I64) {
                g = gd.arg(0).resolve(); // the low half of an i64 counter: it counts as an i32
                narrow = true;
            }
            if (!backOnTrue) {
                return false;
            }
            Inst dec = trace(g).definingInst();
            if (dec == null || dec.resultCount() != 1) {
                return false;
            }
            Value k;
            if (dec.op() == Op.ISUB && OptUtil.isIconst(dec.arg(1)) && OptUtil.iconst(dec.arg(1)) == 1) {
                k = dec.arg(0);
            } else if (dec.op() == Op.IADD && OptUtil.isIconst(dec.arg(1)) && OptUtil.iconst(dec.arg(1)) == -1) {
                k = dec.arg(0);
            } else if (dec.op() == Op.IADD && OptUtil.isIconst(dec.arg(0)) && OptUtil.iconst(dec.arg(0)) == -1) {
                k = dec.arg(1);
            } else {
                return false;
            }
            kIndex = headerParam(k);
            if (kIndex < 0 || kIndex == cIndex || trace(back.args().get(kIndex)) != dec.result().resolve()) {
                return false;
            }
            IrType kt = k.type();
            if (kt != IrType.I32 && kt != IrType.I64) {
                return false;
            }
            counterNext = g;
            return true;
        }

        /** Whether the slow side is cold: a call is reached from it in the loop before the header or the fast path. */
        private boolean cold(Block slow) {
            BitSet seen = new BitSet();
            Deque<Block> work = new ArrayDeque<>();
            work.add(slow);
            seen.set(slow.id());
            while (!work.isEmpty()) {
                Block b = work.poll();
                for (Inst inst : b.insts()) {
                    if (isCall(inst)) {
                        return true;
                    }
                }
                for (Block s : b.successors()) {
                    if (inLoop(s) && s != header && !chain.contains(s) && !seen.get(s.id())) {
                        seen.set(s.id());
                        work.add(s);
                    }
                }
            }
            return false;
        }

        private static boolean pure(Inst inst) {
            Op op = inst.op();
            if (op.isTerminator() || inst.resultCount() != 1 || op.readsMemory()) {
                return false;
            }
            if (!op.hasSideEffects()) {
                return true;
            }
            return (op == Op.UDIV || op == Op.SDIV || op == Op.UREM || op == Op.SREM) && !OptUtil.mayTrap(inst);
        }

        private boolean classify(Inst inst) {
            if (pure(inst)) {
                return true;
            }
            Op op = inst.op();
            if (op == Op.LOAD && inst.resultCount() == 1 && (inst.aux() & (Op.GUARD_PAGE | Op.RUNTIME)) == 0) {
                if (OptUtil.isInvariantLoad(inst)) {
                    return true;
                }
                Address a = Address.of(inst);
                if (a.terms().size() == 1 && headerParam(trace(a.terms().get(0))) == cIndex
                        && header.params().get(cIndex).type() == IrType.I64 && a.terms().get(0).type() == IrType.I64) {
                    windowLoads.add(inst);
                } else {
                    otherLoads.add(inst);
                }
                return true;
            }
            if (op == Op.STORE && (inst.aux() & (Op.GUARD_PAGE | Op.RUNTIME)) == 0) {
                for (Value t : Address.of(inst).terms()) {
                    if (inLoop(definingBlock(t))) {
                        return false;
                    }
                }
                stores.add(inst);
                return true;
            }
            return false;
        }

        // ---- the rewrite ----------------------------------------------------------------------------

        /** Splits the loop; returns the new blocks. */
        List<Block> apply() {
            List<Block> added = new ArrayList<>();
            int at = f.blocks().indexOf(header) + 1;
            Block guard = f.newBlock();
            f.blocks().add(at++, guard);
            added.add(guard);
            List<Value> fastArgs = List.copyOf(fastCall.args());
            fastCall.setTarget(guard);
            fastCall.args().clear();
            Emitter em = new Emitter(guard, fastArgs, added);
            em.at = at;

            Value c = header.params().get(cIndex);
            Value k = header.params().get(kIndex);
            IrType ct = c.type();
            IrType kt = k.type();
            // K = min(k - 1, W), W = (e - c - 1) / s + 1 (the iterations with c below e), in i64
            Value dist = em.emit(Op.ISUB, ct, null, end, c);
            Value w = dist;
            if (step != 1) {
                Value dist1 = em.emit(Op.ISUB, ct, null, dist, em.constant(ct, 1));
                Value q = Long.bitCount(step) == 1
                        ? em.emit(Op.USHR, ct, null, dist1, em.constant(ct, Long.numberOfTrailingZeros(step)))
                        : em.emit(Op.UDIV, ct, null, dist1, em.constant(ct, step));
                w = em.emit(Op.IADD, ct, null, q, em.constant(ct, 1));
            }
            Value lm1 = em.emit(Op.ISUB, kt, null, k, em.constant(kt, 1));
            Value w64 = ct == IrType.I64 ? w : em.emit(Op.UEXTEND, IrType.I64, null, w);
            if (narrow) {
                lm1 = em.emit(Op.ISUB, IrType.I32, null, em.emit(Op.IREDUCE, IrType.I32, null, k), em.constant(IrType.I32, 1));
            }
            Value l64 = lm1.type() == IrType.I64 ? lm1 : em.emit(Op.UEXTEND, IrType.I64, null, lm1);
            Value count = em.emit(Op.SELECT, IrType.I64, null, em.emit(Op.ICMP, IrType.I32, Cond.ULT, w64, l64), w64, l64);
            em.require(Cond.UGE, count, em.constant(IrType.I64, MIN_ITERATIONS));
            Value kStop = em.emit(Op.ISUB, kt, null, k, kt == IrType.I64 ? count : em.emit(Op.IREDUCE, IrType.I32, null, count));
            if (!stores.isEmpty() && !windowLoads.isEmpty()) {
                // where the window check fails: the inner loop with the stores kept
                Block keep = innerLoop(em, kStop, false);
                em.failTarget = keep;
                em.failArgs = List.copyOf(header.params());
                em.windowCheck(c, count);
            }
            Block inner = innerLoop(em, kStop, true);
            em.b.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(inner, List.copyOf(header.params()))), List.of());
            f.resolveOperands();
            return added;
        }

        /**
         * Builds an inner loop of {@code K} iterations (one block with the header's parameters: the
         * header's instructions and the chain's, block parameters replaced by the values passed;
         * continuing while the counter's next value is not {@code kStop}), placed after the guard
         * ({@code promote}) or at the end of the function.
         * With {@code promote} the promoted stores leave the loop for a block on its exit, which
         * performs them with the last iteration's values; else they stay in place and the exit goes
         * straight to the header.
         */
        private Block innerLoop(Emitter em, Value kStop, boolean promote) {
            Map<Value, Value> map = new IdentityHashMap<>();
            Block inner = f.newBlock();
            if (promote) {
                f.blocks().add(em.at++, inner);
            } else {
                f.blocks().add(inner); // rarely run: after the function's other blocks
            }
            em.added.add(inner);
            for (Value p : header.params()) {
                map.put(p, inner.addParam(p.type()));
            }
            ArrayList<Inst> hi = header.insts();
            for (int i = 0; i < hi.size() - 1; i++) {
                clone(hi.get(i), inner, map);
            }
            for (int ci = 0; ci < chain.size(); ci++) {
                Block b = chain.get(ci);
                List<Value> in = ci == 0 ? em.fastArgs : chain.get(ci - 1).terminator().target(0).args();
                List<Value> mapped = mapAll(in, map);
                for (int p = 0; p < b.params().size(); p++) {
                    map.put(b.params().get(p), mapped.get(p));
                }
                ArrayList<Inst> list = b.insts();
                for (int i = 0; i < list.size() - 1; i++) {
                    if (!promote || !stores.contains(list.get(i))) {
                        clone(list.get(i), inner, map);
                    }
                }
            }
            Value more = OptUtil.insert(inner, inner.insts().size(), Op.ICMP,
                    List.of(map.getOrDefault(counterNext, counterNext), kStop), 0, Cond.NE, IrType.I32).result();
            List<Value> backArgs = mapAll(back.args(), map);
            if (!promote) {
                inner.append(Op.BRIF, List.of(more), 0, null,
                        List.of(new BlockCall(inner, backArgs), new BlockCall(header, new ArrayList<>(backArgs))), List.of());
                sinkToLatch(inner, null);
                return inner;
            }
            Block exitBlock = f.newBlock();
            f.blocks().add(em.at++, exitBlock);
            em.added.add(exitBlock);
            inner.append(Op.BRIF, List.of(more), 0, null,
                    List.of(new BlockCall(inner, backArgs), new BlockCall(exitBlock, List.of())), List.of());
            for (Inst s : stores) {
                clone(s, exitBlock, map);
            }
            sinkToLatch(inner, exitBlock);
            exitBlock.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(header, new ArrayList<>(backArgs))), List.of());
            return inner;
        }

        /**
         * Moves the pure instructions of the inner loop (one block) whose results only its branch, its
         * compare or the exit block use (the next cursor, the next counter) to the end of the latch, in
         * their order: the old value's last use then comes before the new value's definition, so the
         * register allocator can give both one register (no copy on the back edge).
         */
        private static void sinkToLatch(Block inner, Block exitBlock) {
            Inst branch = inner.terminator();
            Inst compare = inner.insts().get(inner.insts().size() - 2);
            Map<Value, List<Inst>> users = new IdentityHashMap<>();
            for (Block b : exitBlock == null ? List.of(inner) : List.of(inner, exitBlock)) {
                for (Inst i : b.insts()) {
                    for (Value a : i.args()) {
                        users.computeIfAbsent(a.resolve(), v -> new ArrayList<>()).add(i);
                    }
                    for (BlockCall bc : i.targets()) {
                        for (Value a : bc.args()) {
                            users.computeIfAbsent(a.resolve(), v -> new ArrayList<>()).add(i);
                        }
                    }
                }
            }
            java.util.Set<Inst> sunk = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            ArrayList<Inst> list = inner.insts();
            for (int i = list.size() - 1; i >= 0; i--) {
                Inst inst = list.get(i);
                if (inst == compare || inst.op().isTerminator() || !pure(inst)) {
                    continue;
                }
                boolean late = true;
                for (Inst u : users.getOrDefault(inst.result(), List.of())) {
                    boolean branchUse = u == branch && !u.args().contains(inst.result());
                    late &= branchUse || u == compare || exitBlock != null && u.block() == exitBlock || sunk.contains(u);
                }
                if (late) {
                    sunk.add(inst);
                }
            }
            List<Inst> moved = new ArrayList<>();
            for (Inst inst : List.copyOf(inner.insts())) {
                if (sunk.contains(inst)) {
                    inner.insts().remove(inst);
                    moved.add(inst);
                }
            }
            int at = inner.insts().indexOf(compare);
            for (Inst inst : moved) {
                inner.insert(at++, inst);
            }
        }

        private static List<Value> mapAll(List<Value> vs, Map<Value, Value> map) {
            List<Value> out = new ArrayList<>(vs.size());
            for (Value v : vs) {
                Value r = v.resolve();
                out.add(map.getOrDefault(r, r));
            }
            return out;
        }

        private static void clone(Inst inst, Block to, Map<Value, Value> map) {
            List<IrType> types = new ArrayList<>();
            for (Value r : inst.results()) {
                types.add(r.type());
            }
            Inst c = to.append(inst.op(), mapAll(inst.args(), map), inst.imm(), inst.cond(), null, types).withAux(inst.aux())
                    .withInlineSite(inst.inlineSite()).withSourceOffset(inst.sourceOffset());
            for (int r = 0; r < types.size(); r++) {
                map.put(inst.results().get(r), c.results().get(r));
            }
        }

        /** Emits the guard: a chain of blocks, each continuing to the original fast path when a condition fails. */
        private final class Emitter extends CheckBuilder {
            final List<Value> fastArgs;

            /** A failed requirement continues at the original fast path (later: the inner loop that keeps the stores). */
            Emitter(Block b, List<Value> fastArgs, List<Block> added) {
                super(Candidate.this.f, b, 0, chain.get(0), fastArgs, added);
                this.fastArgs = fastArgs;
            }

            /** Requires that the window loads of {@code count} iterations from {@code c} miss every promoted location. */
            void windowCheck(Value c, Value count) {
                long dmin = Long.MAX_VALUE;
                long dend = Long.MIN_VALUE;
                for (Inst load : windowLoads) {
                    long d = Address.of(load).disp();
                    dmin = Math.min(dmin, d);
                    dend = Math.max(dend, d + LoopVersioning.width(load));
                }
                Value span = emit(Op.IMUL, IrType.I64, null, emit(Op.ISUB, IrType.I64, null, count, constant(IrType.I64, 1)),
                        constant(IrType.I64, step));
                require(Cond.ULT, span, constant(IrType.I64, MAX_SPAN));
                Value lo = add(c, dmin);
                Value hi = add(emit(Op.IADD, IrType.I64, null, c, span), dend - 1);
                require(Cond.ULE, lo, hi);
                List<Address> groups = new ArrayList<>();
                List<long[]> extents = new ArrayList<>();
                for (Inst s : stores) {
                    Address a = Address.of(s);
                    Address key = new Address(a.terms(), 0);
                    int g = groups.indexOf(key);
                    if (g < 0) {
                        groups.add(key);
                        extents.add(new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
                        g = groups.size() - 1;
                    }
                    long[] x = extents.get(g);
                    x[0] = Math.min(x[0], a.disp());
                    x[1] = Math.max(x[1], a.disp() + LoopVersioning.width(s));
                }
                for (int g = 0; g < groups.size(); g++) {
                    Value base = null;
                    for (Value t : groups.get(g).terms()) {
                        base = base == null ? t : emit(Op.IADD, IrType.I64, null, base, t);
                    }
                    if (base == null) {
                        base = constant(IrType.I64, 0);
                    }
                    Value slo = add(base, extents.get(g)[0]);
                    Value shi = add(base, extents.get(g)[1] - 1);
                    require(Cond.ULE, slo, shi);
                    Value below = emit(Op.ICMP, IrType.I32, Cond.ULT, hi, slo);
                    Value above = emit(Op.ICMP, IrType.I32, Cond.ULT, shi, lo);
                    require(Cond.NE, emit(Op.BOR, IrType.I32, null, below, above), constant(IrType.I32, 0));
                }
            }
        }
    }
}
