package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
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
import java.util.List;
import java.util.Map;

/**
 * Global value numbering over the dominator tree (a scoped hash table, as in Briggs, Cooper and
 * Simpson, "Value Numbering", 1997, "dominator-based value numbering"): an instruction with the same
 * opcode, operands (in sorted order for commutative operations), immediates, condition, access width
 * and result type as one in a dominating position is removed and its result aliased to the earlier
 * one's.
 *
 * <p>Which instructions take part:
 * <ul>
 * <li>pure instructions ({@code !hasSideEffects()} and {@code !readsMemory()});</li>
 * <li>instructions whose only effect is to trap on their operands ({@code sdiv udiv srem urem},
 * trapping {@code fcvt_to_*}, {@code trapif}): if the dominating one did not trap, the later one
 * cannot either (a duplicate {@code trapif} is simply removed);</li>
 * <li>{@code load} and {@code vmctx_load}, when no instruction that may write what they read (see
 * {@link OptUtil#clobbers}) can execute between the two: the rest of the earlier one's block, the
 * start of the later one's block, and every block on a path from the first block to the second
 * (found by walking predecessors backwards from the later block, stopping at the earlier one's
 * block, which dominates it) must be free of such writes.</li>
 * </ul>
 * Stateless and thread-safe; mutates the function given.
 */
public final class GlobalValueNumbering {
    private GlobalValueNumbering() {
    }

    private record Key(Op op, IrType type, long imm, Cond cond, int aux, List<Integer> args) {
    }

    /** Runs the pass on {@code f}; returns whether an instruction was removed. */
    public static boolean run(IrFunction f) {
        return new Run(f).run();
    }

    private static boolean commutative(Op op) {
        return switch (op) {
            case IADD, IMUL, UMULHI, SMULHI, BAND, BOR, BXOR -> true;
            default -> false;
        };
    }

    private static boolean trapsOnlyOnOperands(Op op) {
        return switch (op) {
            case SDIV, UDIV, SREM, UREM, FCVT_TO_SINT, FCVT_TO_UINT, TRAPIF -> true;
            default -> false;
        };
    }

    private static boolean numbered(Inst inst) {
        Op op = inst.op();
        if (op.isTerminator() || inst.results().size() > 1) {
            return false;
        }
        if (!op.hasSideEffects()) {
            return true; // pure or reads memory
        }
        return trapsOnlyOnOperands(op);
    }

    private static Key key(Inst inst) {
        List<Integer> args = new ArrayList<>(inst.args().size());
        for (int i = 0; i < inst.args().size(); i++) {
            args.add(inst.arg(i).id());
        }
        if (commutative(inst.op()) && args.get(0) > args.get(1)) {
            args = List.of(args.get(1), args.get(0));
        }
        IrType type = inst.results().isEmpty() ? null : inst.result().type();
        return new Key(inst.op(), type, inst.imm(), inst.cond(), inst.aux(), args);
    }

    private static final class Run {
        private final IrFunction f;
        private final DominatorTree dom;
        private final List<List<Block>> preds;
        private final Map<Key, Inst> table = new HashMap<>();
        /** Per block id: the instructions in it that write memory or the VMContext. */
        private final List<List<Inst>> writers = new ArrayList<>();
        private boolean changed;

        Run(IrFunction f) {
            this.f = f;
            this.dom = DominatorTree.compute(f);
            this.preds = OptUtil.predecessors(f);
            for (int i = 0; i < f.blockIdBound(); i++) {
                writers.add(List.of());
            }
            for (Block b : f.blocks()) {
                List<Inst> w = new ArrayList<>();
                for (Inst inst : b.insts()) {
                    if (OptUtil.writesState(inst)) {
                        w.add(inst);
                    }
                }
                writers.set(b.id(), w);
            }
        }

        boolean run() {
            OptUtil.scopedDominatorWalk(f, dom, table, (b, put) -> {
                List<Inst> insts = b.insts();
                for (int i = 0; i < insts.size(); ) {
                    Inst inst = insts.get(i);
                    if (!numbered(inst)) {
                        i++;
                        continue;
                    }
                    Key k = key(inst);
                    Inst prev = table.get(k);
                    if (prev != null && (!inst.op().readsMemory() || available(prev, inst))) {
                        if (!inst.results().isEmpty()) {
                            inst.result().aliasTo(prev.result());
                        }
                        insts.remove(i);
                        changed = true;
                        continue;
                    }
                    put.accept(k, inst);
                    i++;
                }
            });
            if (changed) {
                OptUtil.resolveAll(f);
            }
            return changed;
        }

        /** Whether no write that {@code later} would see can happen between {@code earlier} and it. */
        private boolean available(Inst earlier, Inst later) {
            Block b1 = earlier.block();
            Block b2 = later.block();
            List<Inst> i2 = b2.insts();
            if (b1 == b2) {
                return cleanBetween(i2, earlier, later, later);
            }
            List<Inst> i1 = b1.insts();
            if (!cleanBetween(i1, earlier, null, later) || !cleanBetween(i2, null, later, later)) {
                return false;
            }
            // the region between the blocks depends only on them and on what the reader reads: memoized
            PathKey key = new PathKey(b1.id(), b2.id(), later.op(), later.op() == Op.VMCTX_LOAD ? later.imm() : 0,
                    later.op() == Op.VMCTX_LOAD ? later.result().type().bits() : 0);
            Boolean known = pathClean.get(key);
            if (known == null) {
                known = regionClean(b1, b2, later);
                pathClean.put(key, known);
            }
            return known;
        }

        /** A reader's view of the blocks between two others (see {@link #available}). */
        private record PathKey(int from, int to, Op op, long imm, int bits) {
        }

        private final Map<PathKey, Boolean> pathClean = new HashMap<>();

        /**
         * Whether no instruction of {@code insts} strictly after {@code from} (or from the start when null)
         * and before {@code to} (or to the end when null) clobbers {@code reader}.
         */
        private static boolean cleanBetween(List<Inst> insts, Inst from, Inst to, Inst reader) {
            int i = 0;
            if (from != null) {
                while (insts.get(i) != from) {
                    i++;
                }
                i++;
            }
            for (; i < insts.size(); i++) {
                Inst x = insts.get(i);
                if (x == to) {
                    return true;
                }
                if (OptUtil.clobbers(x, reader)) {
                    return false;
                }
            }
            return true;
        }

        private boolean regionClean(Block b1, Block b2, Inst later) {
            // blocks from which b2 is reachable without passing through b1 (all dominated by b1)
            BitSet seen = new BitSet(f.blockIdBound());
            Deque<Block> work = new ArrayDeque<>();
            for (Block p : preds.get(b2.id())) {
                work.add(p);
            }
            int budget = 2000;
            while (!work.isEmpty()) {
                Block x = work.poll();
                if (x == b1 || seen.get(x.id()) || !dom.isReachable(x)) {
                    continue;
                }
                if (--budget < 0) {
                    return false;
                }
                seen.set(x.id());
                for (Inst w : writers.get(x.id())) {
                    if (OptUtil.clobbers(w, later)) {
                        return false;
                    }
                }
                work.addAll(preds.get(x.id()));
            }
            return true;
        }

    }
}
