package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.DominatorTree;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes a check {@code trapif x >=u len} (or {@code x >u len}) on a block parameter {@code x} when
 * every value passed to {@code x} is already known to be below {@code len} (at most {@code len}) where
 * it is passed: the loop counter of {@code for (i = 0; i < n; i++) get(i)} after a builtin's bounds
 * check {@code i < len} with {@code n} and {@code len} the same value (as {@link LoopVersioning} and
 * {@link GlobalValueNumbering} make them). This is one step of the demand-driven proof of ABCD
 * (Bodík, Gupta and Sarkar, "ABCD: Eliminating Array Bounds Checks on Demand", PLDI 2000) over a phi:
 * for each incoming edge, the argument either is {@code x} itself (a value passed around the loop
 * unchanged) or is bounded by a fact that holds on that edge: the condition of the {@code brif}
 * taking it, or a {@code trapif} or branch condition of a block that dominates the edge's source,
 * compared against the same {@code len} value (for the constant 0, a test {@code len != 0} does). {@code len} must be defined in a block that strictly
 * dominates {@code x}'s block, so it is one value for the whole loop: by induction over the times the
 * block is entered, {@code x <u len} holds whenever the block runs and the check never traps.
 * Unsigned comparisons only ({@code ult}, {@code ule} and their swapped and negated forms). Stateless
 * and thread-safe; mutates the function given.
 */
public final class InductionCheckElimination {
    /** How many dominating blocks are searched for a fact about an argument. */
    private static final int MAX_WALK = 32;

    private InductionCheckElimination() {
    }

    /** Runs the pass on {@code f}; returns whether a check was removed. */
    public static boolean run(IrFunction f) {
        DominatorTree dom = null;
        List<List<Block>> preds = null;
        boolean changed = false;
        for (Block b : f.blocks()) {
            ArrayList<Inst> insts = b.insts();
            for (int i = 0; i < insts.size(); i++) {
                Inst t = insts.get(i);
                if (t.op() != Op.TRAPIF) {
                    continue;
                }
                // the trap fires when x >=u len (strict: x < len is needed) or x >u len
                Cond c = t.cond();
                Value x = t.arg(0);
                Value len = t.arg(1);
                if (c == Cond.ULE || c == Cond.ULT) {
                    c = c.swap();
                    x = t.arg(1);
                    len = t.arg(0);
                }
                if ((c != Cond.UGE && c != Cond.UGT) || x.paramBlock() == null || x.paramBlock() == f.entry()) {
                    continue;
                }
                if (dom == null) {
                    dom = DominatorTree.compute(f);
                    preds = OptUtil.predecessors(f);
                }
                Block p = x.paramBlock();
                Block lenBlock = len.definingInst() != null ? len.definingInst().block() : len.paramBlock();
                if (lenBlock == null || lenBlock == p || !dom.isReachable(p) || !dom.dominates(lenBlock, p)) {
                    continue;
                }
                if (bounded(x, len, c == Cond.UGE, p, dom, preds)) {
                    insts.remove(i--);
                    changed = true;
                }
            }
        }
        return changed;
    }

    /** Whether every argument passed to parameter {@code x} of {@code p} is below {@code len} (or at most). */
    private static boolean bounded(Value x, Value len, boolean strict, Block p, DominatorTree dom, List<List<Block>> preds) {
        int k = p.params().indexOf(x);
        List<Block> in = preds.get(p.id());
        if (in.isEmpty()) {
            return false;
        }
        for (Block q : in) {
            for (BlockCall bc : q.terminator().targets()) {
                if (bc.target() != p) {
                    continue;
                }
                Value a = bc.args().get(k).resolve();
                if (a != x && !edgeFact(q.terminator(), bc, a, len, strict) && !dominatingFact(q, a, len, strict, dom, preds)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether taking {@code bc} of {@code term} (a {@code brif}) implies the bound. */
    private static boolean edgeFact(Inst term, BlockCall bc, Value a, Value len, boolean strict) {
        if (term.op() != Op.BRIF || term.target(0).target() == term.target(1).target()) {
            return false;
        }
        boolean taken = bc == term.target(0);
        if (taken && term.arg(0) == len.resolve() && isZero(a)) {
            return true; // brif len: 0 < len
        }
        Inst c = term.arg(0).definingInst();
        if (c == null || c.op() != Op.ICMP) {
            return false;
        }
        Cond cond = taken ? c.cond() : c.cond().negate();
        return implies(cond, c.arg(0), c.arg(1), a, len, strict);
    }

    /**
     * Whether {@code u cond v} implies {@code a < len} ({@code strict}) or {@code a <= len}; for
     * {@code a = 0}, {@code len != 0} ({@code len ne 0}, {@code len ugt 0}) is enough.
     */
    private static boolean implies(Cond cond, Value u, Value v, Value a, Value len, boolean strict) {
        Value lr = len.resolve();
        if (isZero(a) && (!strict || isZero(v) && u.resolve() == lr && (cond == Cond.NE || cond == Cond.UGT)
                || isZero(u) && v.resolve() == lr && (cond == Cond.NE || cond == Cond.ULT))) {
            return true;
        }
        if (u.resolve() == lr && v.resolve() == a) {
            cond = cond.swap();
        } else if (u.resolve() != a || v.resolve() != lr) {
            return false;
        }
        return cond == Cond.ULT || !strict && cond == Cond.ULE;
    }

    private static boolean isZero(Value v) {
        return OptUtil.isIconst(v) && OptUtil.iconst(v) == 0;
    }

    /**
     * Whether a {@code trapif} of {@code q} or of a block dominating it, or the condition of a branch
     * into one of those blocks that is its only predecessor, bounds {@code a}.
     */
    private static boolean dominatingFact(Block q, Value a, Value len, boolean strict, DominatorTree dom,
            List<List<Block>> preds) {
        Block b = q;
        for (int walk = 0; b != null && walk < MAX_WALK; walk++) {
            for (Inst inst : b.insts()) {
                if (inst.op() == Op.TRAPIF && implies(inst.cond().negate(), inst.arg(0), inst.arg(1), a, len, strict)) {
                    return true;
                }
            }
            Block d = dom.idom(b);
            if (d == null) {
                return false;
            }
            List<Block> in = preds.get(b.id());
            if (in.size() == 1 && in.get(0) == d) {
                for (BlockCall bc : d.terminator().targets()) {
                    if (bc.target() == b && edgeFact(d.terminator(), bc, a, len, strict)) {
                        return true;
                    }
                }
            }
            b = d;
        }
        return false;
    }
}
