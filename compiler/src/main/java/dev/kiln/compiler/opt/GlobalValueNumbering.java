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
 * opcode, operands (in sorted order for commutative operations and for the base and index of a
 * native load), immediates, condition, access width and result type as one in a dominating position
 * is removed and its result aliased to the earlier one's.
 *
 * <p>Which instructions take part:
 * <ul>
 * <li>pure instructions ({@code !hasSideEffects()} and {@code !readsMemory()});</li>
 * <li>instructions whose only effect is to trap on their operands ({@code sdiv udiv srem urem},
 * trapping {@code fcvt_to_*}, {@code trapif}): if the dominating one did not trap, the later one
 * cannot either (a duplicate {@code trapif} is simply removed);</li>
 * <li>{@link Op#INVARIANT invariant} {@code load}s and {@code vmctx_load}s, like pure instructions;</li>
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
        if (op.isTerminator() || inst.resultCount() > 1) {
            return false;
        }
        if (!op.hasSideEffects()) {
            return true; // pure or reads memory
        }
        return trapsOnlyOnOperands(op);
    }

    /** The result type of a numbered instruction, or {@code null} (trapif). */
    private static IrType type(Inst inst) {
        return inst.resultCount() == 0 ? null : inst.result().type();
    }

    /**
     * Operand {@code i} of {@code inst} in value-number order (commutative operands sorted by id; the
     * base and index of a native {@code load} are too, since it reads at their sum, and the
     * {@link Simplifier} takes them from an {@code iadd} in either order).
     */
    private static int argId(Inst inst, int i) {
        if (inst.args().size() == 2 && (commutative(inst.op()) || inst.op() == Op.LOAD && (inst.aux() & Op.NATIVE) != 0)) {
            int a = inst.arg(0).id();
            int b = inst.arg(1).id();
            return i == 0 ? Math.min(a, b) : Math.max(a, b);
        }
        return inst.arg(i).id();
    }

    /**
     * Hash of what makes two instructions compute the same value: opcode, result type, immediates,
     * operands. Shared with {@link LoopInvariantCodeMotion}, which merges the equal instructions it
     * hoists into one preheader.
     */
    static int hash(Inst inst) {
        IrType type = type(inst);
        long h = inst.op().ordinal() * 0x9E3779B97F4A7C15L;
        h = (h ^ (type == null ? 7 : type.ordinal())) * 0xBF58476D1CE4E5B9L;
        h = (h ^ inst.imm()) * 0x94D049BB133111EBL;
        h = (h ^ (inst.cond() == null ? 11 : inst.cond().ordinal()) ^ ((long) inst.aux() << 20)) * 0x9E3779B97F4A7C15L;
        int n = inst.args().size();
        for (int i = 0; i < n; i++) {
            h = (h ^ argId(inst, i)) * 0xBF58476D1CE4E5B9L;
        }
        return (int) (h ^ (h >>> 31));
    }

    /** Whether {@code a} and {@code b} compute the same value (see {@link #hash}). */
    static boolean same(Inst a, Inst b) {
        if (a.op() != b.op() || a.imm() != b.imm() || a.cond() != b.cond() || a.aux() != b.aux()
                || type(a) != type(b) || a.args().size() != b.args().size()) {
            return false;
        }
        for (int i = 0; i < a.args().size(); i++) {
            if (argId(a, i) != argId(b, i)) {
                return false;
            }
        }
        return true;
    }

    /** Where a block's writers are, computed when a load's availability first asks (see {@link Run#available}). */
    private static final class Writers {
        static final Writers NONE = new Writers(new Inst[0], new int[0], new int[1], new int[1], new Inst[0], new int[0]);

        /** The block's instructions that write memory or the VMContext, and their positions (sorted). */
        final Inst[] insts;
        final int[] positions;
        /**
         * Prefix counts over {@link #insts}: entry k is how many of the first k writers may change
         * what some {@code load} reads (every writer but a {@code vmctx_store}), resp. everything. A
         * range of writers clobbers a {@code load} only if its memory count is non-zero (then each of
         * them is asked), anything else iff its "everything" count is, or (a {@code vmctx_load}) one
         * of its {@code vmctx_store}s overlaps it.
         */
        final int[] memory;
        final int[] all;
        /** The block's {@code vmctx_store}s and their positions. */
        final Inst[] vmctxStores;
        final int[] vmctxPositions;

        Writers(Inst[] insts, int[] positions, int[] memory, int[] all, Inst[] vmctxStores, int[] vmctxPositions) {
            this.insts = insts;
            this.positions = positions;
            this.memory = memory;
            this.all = all;
            this.vmctxStores = vmctxStores;
            this.vmctxPositions = vmctxPositions;
        }
    }

    private static final class Run {
        private final IrFunction f;
        private final DominatorTree dom;
        private boolean changed;

        // the scoped hash table: chains through a stack of entries, so leaving a dominator subtree
        // pops exactly the entries its blocks pushed (and uncovers any they shadowed)
        private final int[] heads;
        private Inst[] entries = new Inst[64];
        private int[] entryHash = new int[64];
        private int[] entryNext = new int[64];
        private int entryCount;

        /** Per block id, computed on first use: its writers. */
        private final Writers[] writers;
        /**
         * Position of each instruction with a result in its block when its block's {@link #writers}
         * were computed (indexed by the result's value id). GVN only removes instructions that do not
         * write, so positions taken from one snapshot of a block keep their order for the rest of the
         * pass, like the writers' positions taken from the same snapshot.
         */
        private int[] ordinal;
        /** Predecessors by block id, computed on first use. */
        private List<List<Block>> preds;

        Run(IrFunction f) {
            this.f = f;
            this.dom = DominatorTree.compute(f);
            int insts = 0;
            for (int bi = 0; bi < f.blocks().size(); bi++) {
                insts += f.blocks().get(bi).insts().size();
            }
            this.heads = new int[Integer.highestOneBit(Math.max(16, insts) * 2)];
            java.util.Arrays.fill(heads, -1);
            this.writers = new Writers[f.blockIdBound()];
        }

        private Inst lookup(Inst inst, int h) {
            for (int e = heads[h & (heads.length - 1)]; e >= 0; e = entryNext[e]) {
                if (entryHash[e] == h && same(entries[e], inst)) {
                    return entries[e];
                }
            }
            return null;
        }

        private void push(Inst inst, int h) {
            if (entryCount == entries.length) {
                entries = java.util.Arrays.copyOf(entries, entryCount * 2);
                entryHash = java.util.Arrays.copyOf(entryHash, entryCount * 2);
                entryNext = java.util.Arrays.copyOf(entryNext, entryCount * 2);
            }
            int bucket = h & (heads.length - 1);
            entries[entryCount] = inst;
            entryHash[entryCount] = h;
            entryNext[entryCount] = heads[bucket];
            heads[bucket] = entryCount++;
        }

        private void popTo(int mark) {
            while (entryCount > mark) {
                int e = --entryCount;
                heads[entryHash[e] & (heads.length - 1)] = entryNext[e];
                entries[e] = null;
            }
        }

        boolean run() {
            // dominator tree children as linked lists (first child, next sibling), in reverse postorder
            List<Block> rpo = dom.reversePostorder();
            int nb = f.blockIdBound();
            int[] firstChild = new int[nb];
            int[] nextSibling = new int[nb];
            Block[] byId = new Block[nb];
            java.util.Arrays.fill(firstChild, -1);
            for (int i = rpo.size() - 1; i >= 0; i--) {
                Block b = rpo.get(i);
                byId[b.id()] = b;
                Block d = dom.idom(b);
                if (d != null) {
                    nextSibling[b.id()] = firstChild[d.id()];
                    firstChild[d.id()] = b.id();
                }
            }
            // preorder walk; a stack entry >= 0 enters that block, ~mark leaves one (pops to mark)
            int[] stack = new int[2 * nb + 2];
            int sp = 0;
            stack[sp++] = f.entry().id();
            while (sp > 0) {
                int top = stack[--sp];
                if (top < 0) {
                    popTo(~top);
                    continue;
                }
                stack[sp++] = ~entryCount;
                visit(byId[top]);
                for (int c = firstChild[top]; c >= 0; c = nextSibling[c]) {
                    stack[sp++] = c;
                }
            }
            if (changed) {
                OptUtil.resolveAll(f);
            }
            return changed;
        }

        private void visit(Block b) {
            ArrayList<Inst> insts = b.insts();
            int n = insts.size();
            boolean[] removed = null; // removal waits for the end of the block: one pass, not one shift each
            for (int i = 0; i < n; i++) {
                Inst inst = insts.get(i);
                if (!numbered(inst)) {
                    continue;
                }
                int h = hash(inst);
                Inst prev = lookup(inst, h);
                if (prev != null && (!inst.op().readsMemory() || OptUtil.isInvariantLoad(inst) || available(prev, inst))) {
                    if (inst.resultCount() != 0) {
                        inst.result().aliasTo(prev.result());
                    }
                    if (removed == null) {
                        removed = new boolean[n];
                    }
                    removed[i] = true;
                    changed = true;
                    continue;
                }
                push(inst, h);
            }
            if (removed != null) {
                int w = 0;
                for (int i = 0; i < n; i++) {
                    if (!removed[i]) {
                        insts.set(w++, insts.get(i));
                    }
                }
                insts.subList(w, n).clear();
            }
        }

        private Writers writers(Block b) {
            Writers w = writers[b.id()];
            if (w == null) {
                w = computeWriters(b);
                writers[b.id()] = w;
            }
            return w;
        }

        private Writers computeWriters(Block b) {
            if (ordinal == null) {
                ordinal = new int[f.valueCount()];
            }
            ArrayList<Inst> insts = b.insts();
            Inst[] w = null;
            int[] wo = null;
            int[] mem = null;
            int[] all = null;
            int n = 0;
            int vms = 0;
            for (int i = 0; i < insts.size(); i++) {
                Inst inst = insts.get(i);
                for (int r = 0; r < inst.resultCount(); r++) {
                    ordinal[inst.result(r).id()] = i;
                }
                OptUtil.WriteKind kind = OptUtil.writeKind(inst);
                if (kind == OptUtil.WriteKind.NONE) {
                    continue;
                }
                if (w == null) {
                    w = new Inst[8];
                    wo = new int[8];
                    mem = new int[9];
                    all = new int[9];
                } else if (n == w.length) {
                    w = java.util.Arrays.copyOf(w, n * 2);
                    wo = java.util.Arrays.copyOf(wo, n * 2);
                    mem = java.util.Arrays.copyOf(mem, n * 2 + 1);
                    all = java.util.Arrays.copyOf(all, n * 2 + 1);
                }
                boolean everything = kind == OptUtil.WriteKind.ALL;
                w[n] = inst;
                wo[n] = i;
                mem[n + 1] = mem[n] + (kind == OptUtil.WriteKind.VMCTX ? 0 : 1);
                all[n + 1] = all[n] + (everything ? 1 : 0);
                n++;
                if (kind == OptUtil.WriteKind.VMCTX) {
                    vms++;
                }
            }
            if (n == 0) {
                return Writers.NONE;
            }
            Inst[] vm = new Inst[vms];
            int[] vmo = new int[vms];
            for (int k = 0, j = 0; k < n; k++) {
                if (w[k].op() == Op.VMCTX_STORE) {
                    vm[j] = w[k];
                    vmo[j++] = wo[k];
                }
            }
            return new Writers(java.util.Arrays.copyOf(w, n), wo, mem, all, vm, vmo);
        }

        /** Whether no write that {@code later} would see can happen between {@code earlier} and it. */
        private boolean available(Inst earlier, Inst later) {
            Block b1 = earlier.block();
            Block b2 = later.block();
            Writers w1 = writers(b1);
            Writers w2 = writers(b2);
            int e = ordinal[earlier.result().id()];
            int l = ordinal[later.result().id()];
            if (b1 == b2) {
                return cleanBetween(w2, e, l, later);
            }
            if (!cleanBetween(w1, e, Integer.MAX_VALUE, later) || !cleanBetween(w2, -1, l, later)) {
                return false;
            }
            // the region between the blocks depends only on them and on what the reader reads: memoized
            PathKey key = new PathKey(b1.id(), b2.id(), later);
            Boolean known = pathClean.get(key);
            if (known == null) {
                known = regionClean(b1, b2, later);
                pathClean.put(key, known);
            }
            return known;
        }

        /**
         * A reader's view of the blocks between two others (see {@link #available}): the blocks, the
         * reader's opcode, and for a {@code vmctx_load} the bytes it reads.
         */
        private static final class PathKey {
            private final int from;
            private final int to;
            private final Op op;
            private final long imm;
            private final int width;
            private final int hash;

            PathKey(int from, int to, Inst reader) {
                this.from = from;
                this.to = to;
                this.op = reader.op();
                boolean vmctx = reader.op() == Op.VMCTX_LOAD;
                this.imm = vmctx ? reader.imm() : -1;
                // a vmctx_load's bytes; for a load, whether it reads a runtime structure or linear memory
                this.width = vmctx ? reader.results().get(0).type().bits() : OptUtil.isRuntimeAccess(reader) ? 1 : 0;
                this.hash = ((from * 31 + to) * 31 + op.ordinal()) * 961 + Long.hashCode(imm) * 31 + width;
            }

            @Override
            public int hashCode() {
                return hash;
            }

            @Override
            public boolean equals(Object o) {
                return o instanceof PathKey k && k.from == from && k.to == to && k.op == op && k.imm == imm && k.width == width;
            }
        }

        private final Map<PathKey, Boolean> pathClean = new HashMap<>();

        /** Whether no writer of a block strictly between positions {@code from} and {@code to} clobbers {@code reader}. */
        private static boolean cleanBetween(Writers w, int from, int to, Inst reader) {
            int n = w.insts.length;
            // the writers' positions are sorted: [k1, k2) are those strictly between from and to
            int k1 = lowerBound(w.positions, n, from + 1);
            int k2 = lowerBound(w.positions, n, to);
            if (k1 >= k2) {
                return true;
            }
            if (reader.op() == Op.LOAD) {
                if (w.memory[k2] - w.memory[k1] == 0) {
                    return true;
                }
                for (int k = k1; k < k2; k++) { // linear memory or runtime structures: ask each writer
                    if (OptUtil.clobbers(w.insts[k], reader)) {
                        return false;
                    }
                }
                return true;
            }
            if (w.all[k2] - w.all[k1] > 0) {
                return false;
            }
            if (reader.op() == Op.VMCTX_LOAD) {
                Inst[] vs = w.vmctxStores;
                int[] vo = w.vmctxPositions;
                for (int k = lowerBound(vo, vs.length, from + 1); k < vs.length && vo[k] < to; k++) {
                    if (OptUtil.overlaps(vs[k], reader)) {
                        return false;
                    }
                }
            }
            return true;
        }

        /** The first index in {@code a[0..n)} (sorted) whose value is at least {@code key}. */
        private static int lowerBound(int[] a, int n, int key) {
            int lo = 0;
            int hi = n;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (a[mid] < key) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        private boolean regionClean(Block b1, Block b2, Inst later) {
            if (preds == null) {
                preds = OptUtil.predecessors(f);
            }
            // blocks from which b2 is reachable without passing through b1 (all dominated by b1)
            BitSet seen = new BitSet(f.blockIdBound());
            Deque<Block> work = new ArrayDeque<>(preds.get(b2.id()));
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
                for (Inst w : writers(x).insts) {
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
