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

    /** What makes two instructions compute the same value: opcode, result type, immediates, operand ids. */
    private static final class Key {
        private final Op op;
        private final IrType type;
        private final long imm;
        private final Cond cond;
        private final int aux;
        private final int[] args;
        private final int hash;

        Key(Op op, IrType type, long imm, Cond cond, int aux, int[] args) {
            this.op = op;
            this.type = type;
            this.imm = imm;
            this.cond = cond;
            this.aux = aux;
            this.args = args;
            long h = op.ordinal() * 0x9E3779B97F4A7C15L;
            h = (h ^ (type == null ? 7 : type.ordinal())) * 0xBF58476D1CE4E5B9L;
            h = (h ^ imm) * 0x94D049BB133111EBL;
            h = (h ^ (cond == null ? 11 : cond.ordinal()) ^ ((long) aux << 20)) * 0x9E3779B97F4A7C15L;
            for (int a : args) {
                h = (h ^ a) * 0xBF58476D1CE4E5B9L;
            }
            this.hash = (int) (h ^ (h >>> 31));
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && k.op == op && k.type == type && k.imm == imm && k.cond == cond
                    && k.aux == aux && java.util.Arrays.equals(k.args, args);
        }
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
        int[] args = new int[inst.args().size()];
        for (int i = 0; i < args.length; i++) {
            args[i] = inst.arg(i).id();
        }
        if (commutative(inst.op()) && args[0] > args[1]) {
            int t = args[0];
            args[0] = args[1];
            args[1] = t;
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
            this.ordinal = new int[f.valueCount()];
            this.writerOrdinals = new int[f.blockIdBound()][];
            this.memoryClobbers = new int[f.blockIdBound()][];
            this.allClobbers = new int[f.blockIdBound()][];
            this.vmctxStoreOrdinals = new int[f.blockIdBound()][];
            for (int i = 0; i < f.blockIdBound(); i++) {
                vmctxStores.add(List.of());
            }
            for (Block b : f.blocks()) {
                List<Inst> w = new ArrayList<>();
                List<Inst> insts = b.insts();
                int[] wo = new int[8];
                int[] mem = new int[9];
                int[] all = new int[9];
                List<Inst> vm = new ArrayList<>();
                List<Integer> vmo = new ArrayList<>();
                for (int i = 0; i < insts.size(); i++) {
                    Inst inst = insts.get(i);
                    for (Value r : inst.results()) {
                        ordinal[r.id()] = i;
                    }
                    OptUtil.WriteKind kind = OptUtil.writeKind(inst);
                    if (kind != OptUtil.WriteKind.NONE) {
                        int k = w.size();
                        if (k == wo.length) {
                            wo = java.util.Arrays.copyOf(wo, wo.length * 2);
                            mem = java.util.Arrays.copyOf(mem, wo.length + 1);
                            all = java.util.Arrays.copyOf(all, wo.length + 1);
                        }
                        wo[k] = i;
                        boolean everything = kind == OptUtil.WriteKind.ALL;
                        mem[k + 1] = mem[k] + (everything || kind == OptUtil.WriteKind.LINEAR_MEMORY ? 1 : 0);
                        all[k + 1] = all[k] + (everything ? 1 : 0);
                        w.add(inst);
                        if (kind == OptUtil.WriteKind.VMCTX) {
                            vm.add(inst);
                            vmo.add(i);
                        }
                    }
                }
                vmctxStores.set(b.id(), vm);
                int[] vmArr = new int[vmo.size()];
                for (int k = 0; k < vmArr.length; k++) {
                    vmArr[k] = vmo.get(k);
                }
                vmctxStoreOrdinals[b.id()] = vmArr;
                writers.set(b.id(), w);
                writerOrdinals[b.id()] = wo;
                memoryClobbers[b.id()] = mem;
                allClobbers[b.id()] = all;
            }
        }

        /**
         * Per block id, prefix counts over {@link #writers}: entry k is how many of the first k writers
         * change linear memory (or everything), resp. everything. A range of writers clobbers a
         * {@code load} iff its memory count is non-zero, anything else iff its "everything" count is, or
         * (a {@code vmctx_load}) one of its {@code vmctx_store}s overlaps it.
         */
        private final int[][] memoryClobbers;
        private final int[][] allClobbers;
        /** Per block id: its {@code vmctx_store}s and their positions. */
        private final List<List<Inst>> vmctxStores = new ArrayList<>();
        private final int[][] vmctxStoreOrdinals;

        /**
         * Position of each instruction with a result in its block when the pass started (indexed by the
         * result's value id). GVN only removes instructions that do not write, so these positions keep
         * their order for the rest of the pass, and so do {@link #writerOrdinals}.
         */
        private final int[] ordinal;
        /** Per block id: the positions of {@link #writers} in the block. */
        private final int[][] writerOrdinals;

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
            int e = ordinal[earlier.result().id()];
            int l = ordinal[later.result().id()];
            if (b1 == b2) {
                return cleanBetween(b2, e, l, later);
            }
            if (!cleanBetween(b1, e, Integer.MAX_VALUE, later) || !cleanBetween(b2, -1, l, later)) {
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

        /** Whether no writer of block {@code b} strictly between positions {@code from} and {@code to} clobbers {@code reader}. */
        private boolean cleanBetween(Block b, int from, int to, Inst reader) {
            List<Inst> w = writers.get(b.id());
            int[] wo = writerOrdinals[b.id()];
            // the writers' positions are sorted: [k1, k2) are those strictly between from and to
            int k1 = lowerBound(wo, w.size(), from + 1);
            int k2 = lowerBound(wo, w.size(), to);
            if (k1 >= k2) {
                return true;
            }
            int[] counts = reader.op() == Op.LOAD ? memoryClobbers[b.id()] : allClobbers[b.id()];
            if (counts[k2] - counts[k1] > 0) {
                return false;
            }
            if (reader.op() == Op.VMCTX_LOAD) {
                List<Inst> vs = vmctxStores.get(b.id());
                int[] vo = vmctxStoreOrdinals[b.id()];
                for (int k = lowerBound(vo, vs.size(), from + 1); k < vs.size() && vo[k] < to; k++) {
                    if (OptUtil.overlaps(vs.get(k), reader)) {
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
