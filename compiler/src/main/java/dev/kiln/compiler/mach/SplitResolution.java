package dev.kiln.compiler.mach;

import java.util.ArrayList;
import java.util.List;

/**
 * Makes the MIR agree with a linear scan that split intervals (Wimmer and Franz, "Linear Scan
 * Register Allocation on SSA Form", CGO 2010, §4 "resolution"). Each piece of a split interval has a
 * virtual register of its own, so afterwards every virtual register has one location again, as the
 * emitter expects:
 * <ol>
 * <li>a move from the previous piece to the next is put where a piece begins inside a block while
 * the value is live there;</li>
 * <li>on every control-flow edge, each split value live into the successor is moved from the piece
 * that holds it at the end of the predecessor to the piece that stands for the successor's start,
 * when they are in different places: before the predecessor's final jump when it has one successor,
 * at the successor's start when it has one predecessor, else in a new block on the edge;</li>
 * <li>every operand is renamed to the piece standing for its instruction's position.</li>
 * </ol>
 * The moves of one place form one parallel move ({@link MachIsa#parallelMove}), so pieces trading
 * registers there are handled like block arguments.
 *
 * <p>Spill stores at the definition (as HotSpot's C1 linear scan does, Wimmer and Mössenböck 2005,
 * §6 "spill store elimination"): the pieces of a value share one spill slot for the whole function,
 * so once a value defined in one block has been stored after its definition, the slot holds it
 * wherever the value is live, and every later move from a register piece to the stack is
 * redundant. When the moves into the slot would run more often than the definition (weighted by
 * 8^loop depth), the value is stored once after its last definition instead: a value defined
 * before a loop and spilled inside it costs no store per iteration.
 * Not thread-safe; mutates the blocks given.
 */
final class SplitResolution<I extends MachInst> {
    private final LinearScan<I> alloc;
    private final MachIsa<I> isa;
    private final List<MachBlock<I>> blocks;
    private final List<LinearScan.Interval> roots;
    private final int vregBase;

    private SplitResolution(LinearScan<I> alloc, MachIsa<I> isa, List<MachBlock<I>> blocks) {
        this.alloc = alloc;
        this.isa = isa;
        this.blocks = blocks;
        this.roots = alloc.splitRoots();
        this.vregBase = isa.registers().count();
    }

    /**
     * Resolves the splits of {@code alloc} in {@code blocks} (the blocks it allocated, positions as
     * it numbered them; edge blocks are appended to the list).
     *
     */
    static <I extends MachInst> void run(LinearScan<I> alloc, MachIsa<I> isa, List<MachBlock<I>> blocks) {
        new SplitResolution<>(alloc, isa, blocks).resolve();
    }

    /** Where moves go: in this order when several go before one instruction. */
    private static final int AT_START = 0;
    private static final int INSIDE = 1;
    private static final int AT_END = 2;

    /** Moves to put before instruction {@code index} of a block, as parallel {dst, src} pairs. */
    private record Moves(MachBlock<?> block, int index, int kind, List<int[]> pairs) {
    }

    private void resolve() {
        int n = blocks.size();
        List<Moves> inside = new ArrayList<>();
        double[] storeCost = new double[roots.size()];
        // 1. pieces beginning inside a block
        for (int ri = 0; ri < roots.size(); ri++) {
            LinearScan.Interval r = roots.get(ri);
            List<LinearScan.Interval> pieces = r.pieces;
            for (int i = 1; i < pieces.size(); i++) {
                LinearScan.Interval c = pieces.get(i);
                LinearScan.Interval prev = pieces.get(i - 1);
                int p = c.splitPos;
                MachBlock<I> b = alloc.blockAt(p);
                if (b == null || p == 2 * b.firstInst || LinearScan.location(prev) == LinearScan.location(c)) {
                    continue; // a block's start is an edge: resolved below
                }
                if (prev.coversAt(p - 1) && c.coversAt(p)) {
                    List<int[]> pairs = new ArrayList<>(1);
                    pairs.add(pair(c, prev, ri, b.index, storeCost));
                    inside.add(new Moves(b, p / 2 - b.firstInst, INSIDE, pairs));
                }
            }
        }
        // 2. edges
        int[] preds = new int[n];
        for (int bi = 0; bi < n; bi++) {
            var sList = distinct(blocks.get(bi).succs);
            for (int sIndex = 0; sIndex < sList.size(); sIndex++) {
                MachBlock<I> s = sList.get(sIndex);
                preds[s.index]++;
            }
        }
        // the split roots live on entry to each block, in the order of roots: found from the block's
        // live-in set, not by testing every root on every edge (edges x roots was quadratic in huge functions)
        int[] ordinal = rootOrdinals();
        int[][] liveRoots = new int[n][];
        List<Moves> atEnd = new ArrayList<>();
        List<Moves> atStart = new ArrayList<>();
        List<List<MachBlock<I>>> onEdge = new ArrayList<>(); // {pred, succ}, same order as edgeMoves
        List<List<int[]>> edgeMoves = new ArrayList<>();
        for (int bi = 0; bi < n; bi++) {
            MachBlock<I> pb = blocks.get(bi);
            List<MachBlock<I>> succs = distinct(pb.succs);
            for (int sI = 0; sI < succs.size(); sI++) {
                MachBlock<I> s = succs.get(sI);
                List<int[]> pairs = new ArrayList<>();
                if (liveRoots[s.index] == null) {
                    liveRoots[s.index] = liveRoots(s.index, ordinal);
                }
                for (int ri : liveRoots[s.index]) {
                    LinearScan.Interval r = roots.get(ri);
                    LinearScan.Interval from = r.pieceAt(2 * pb.endInst - 1);
                    LinearScan.Interval to = r.pieceAt(2 * s.firstInst);
                    if (from != to && LinearScan.location(from) != LinearScan.location(to)) {
                        pairs.add(pair(to, from, ri, pb.index, storeCost));
                    }
                }
                if (pairs.isEmpty()) {
                    continue;
                }
                if (succs.size() == 1) {
                    int last = pb.insts.size() - 1;
                    boolean branch = last >= 0 && pb.insts.get(last).isBranch();
                    atEnd.add(new Moves(pb, branch ? last : last + 1, AT_END, pairs));
                } else if (preds[s.index] == 1) {
                    atStart.add(new Moves(s, 0, AT_START, pairs));
                } else {
                    onEdge.add(List.of(pb, s));
                    edgeMoves.add(pairs);
                }
            }
        }
        // 2b. spill stores moved to the definition where that runs less often
        boolean[] atDef = storesAtDefinitions(storeCost, inside);
        dropStores(inside, atDef);
        dropStores(atEnd, atDef);
        dropStores(atStart, atDef);
        for (int e = edgeMoves.size() - 1; e >= 0; e--) {
            edgeMoves.get(e).removeIf(q -> q[3] == 1 && atDef[q[2]]);
            if (edgeMoves.get(e).isEmpty()) {
                edgeMoves.remove(e);
                onEdge.remove(e);
            }
        }
        // 3. operands to pieces, by the positions the scan used
        for (int bi = 0; bi < n; bi++) {
            MachBlock<I> b = blocks.get(bi);
            for (int k = 0; k < b.insts.size(); k++) {
                rename(b.insts.get(k), 2 * (b.firstInst + k));
            }
        }
        // 4. the moves: later positions in a block first, so earlier indexes stay valid; of moves
        // before one instruction, the last to run is inserted first
        List<Moves> all = new ArrayList<>(inside);
        all.addAll(atEnd);
        all.addAll(atStart);
        all.sort((a, b) -> a.block() != b.block() ? Integer.compare(a.block().index, b.block().index)
                : a.index() != b.index() ? Integer.compare(b.index(), a.index()) : Integer.compare(b.kind(), a.kind()));
        for (int i = 0; i < all.size(); ) {
            Moves m = all.get(i);
            List<int[]> pairs = new ArrayList<>(m.pairs());
            int j = i + 1;
            while (j < all.size() && all.get(j).block() == m.block() && all.get(j).index() == m.index()
                    && all.get(j).kind() == m.kind()) {
                pairs.addAll(all.get(j).pairs());
                j++;
            }
            @SuppressWarnings("unchecked")
            MachBlock<I> mb = (MachBlock<I>) m.block();
            mb.insts.add(m.index(), pmove(pairs));
            i = j;
        }
        for (int e = 0; e < onEdge.size(); e++) {
            splitEdge(onEdge.get(e).get(0), onEdge.get(e).get(1), edgeMoves.get(e));
        }
    }

    /**
     * The move {@code to <- from} of root {@code ri} in block {@code blockIndex}, as {dst, src, root,
     * 1 if it stores a register into the spill slot}; a store's weight is added to {@code storeCost}.
     */
    private int[] pair(LinearScan.Interval to, LinearScan.Interval from, int ri, int blockIndex, double[] storeCost) {
        boolean store = to.assigned < 0 && from.assigned >= 0;
        if (store) {
            storeCost[ri] += weight(blockIndex);
        }
        return new int[] {to.reg, from.reg, ri, store ? 1 : 0};
    }

    private double weight(int blockIndex) {
        return Math.pow(8, Math.min(alloc.loopDepth(blockIndex), 6));
    }

    /**
     * Decides, per split root, whether its value is stored once after its definition instead of
     * at every move into its spill slot; adds those stores to {@code inside}. Only values whose
     * definitions all lie in one block qualify (the store follows the last of them, so wherever the
     * value is live the slot holds it: every path to such a point runs through that block, and the
     * block runs whole).
     */
    private boolean[] storesAtDefinitions(double[] storeCost, List<Moves> inside) {
        int nr = roots.size();
        boolean[] atDef = new boolean[nr];
        // by virtual register from vregBase to the highest root with stores: that root's index plus one, 0 for none
        int top = -1;
        for (int ri = 0; ri < nr; ri++) {
            if (storeCost[ri] > 0) {
                top = Math.max(top, roots.get(ri).reg);
            }
        }
        if (top < 0) {
            return atDef;
        }
        int[] rootOf = new int[top - vregBase + 1];
        for (int ri = 0; ri < nr; ri++) {
            if (storeCost[ri] > 0) {
                rootOf[roots.get(ri).reg - vregBase] = ri + 1;
            }
        }
        int[] defBlock = new int[nr];
        int[] lastDef = new int[nr];
        java.util.Arrays.fill(defBlock, -1);
        boolean[] several = new boolean[nr];
        for (MachBlock<I> b : blocks) {
            for (int k = 0; k < b.insts.size(); k++) {
                for (int d : b.insts.get(k).defs()) {
                    int ri = d >= vregBase && d <= top ? rootOf[d - vregBase] - 1 : -1;
                    if (ri < 0) {
                        continue;
                    }
                    if (defBlock[ri] >= 0 && defBlock[ri] != b.index) {
                        several[ri] = true;
                    }
                    defBlock[ri] = b.index;
                    lastDef[ri] = k;
                }
            }
        }
        for (int ri = 0; ri < nr; ri++) {
            if (storeCost[ri] == 0 || several[ri] || defBlock[ri] < 0 || weight(defBlock[ri]) >= storeCost[ri]) {
                continue;
            }
            MachBlock<I> b = blocks.get(defBlock[ri]);
            int k = lastDef[ri];
            if (b.insts.get(k).isBranch()) {
                continue;
            }
            LinearScan.Interval r = roots.get(ri);
            LinearScan.Interval defined = r.pieceAt(2 * (b.firstInst + k)); // as rename() sees the definition
            if (defined.assigned >= 0) {
                LinearScan.Interval slot = null;
                for (LinearScan.Interval p : r.pieces) {
                    if (p.assigned < 0) {
                        slot = p;
                        break;
                    }
                }
                List<int[]> pairs = new ArrayList<>(1);
                pairs.add(new int[] {slot.reg, defined.reg, ri, 0});
                inside.add(new Moves(b, k + 1, INSIDE, pairs));
            }
            atDef[ri] = true;
        }
        return atDef;
    }

    /** Removes the stores into spill slots of the roots marked in {@code atDef}, and moves left empty. */
    private static void dropStores(List<Moves> moves, boolean[] atDef) {
        for (Moves m : moves) {
            m.pairs().removeIf(q -> q[3] == 1 && atDef[q[2]]);
        }
        moves.removeIf(m -> m.pairs().isEmpty());
    }

    /**
     * By global value of the allocator's liveness ({@link LinearScan#globalOf}): the index in
     * {@link #roots} of the root it is, or -1. A root that is no global value is never live on entry
     * to a block. Sets {@link #rootMask}.
     */
    private int[] rootOrdinals() {
        int[] ordinal = new int[alloc.globalCount()];
        java.util.Arrays.fill(ordinal, -1);
        rootMask = new long[(ordinal.length + 63) >>> 6];
        for (int k = 0; k < roots.size(); k++) {
            int g = alloc.globalOf(roots.get(k).reg);
            if (g >= 0) {
                ordinal[g] = k;
                rootMask[g >>> 6] |= 1L << g;
            }
        }
        return ordinal;
    }

    /** The global values (see {@link LinearScan#globalOf}) of split roots, set by {@link #rootOrdinals}. */
    private long[] rootMask;

    /** The indexes in {@link #roots} of the split roots live on entry to block {@code blockIndex}, ascending. */
    private int[] liveRoots(int blockIndex, int[] ordinal) {
        int[] out = alloc.liveInMapped(blockIndex, ordinal, rootMask);
        java.util.Arrays.sort(out);
        return out;
    }

    private static <B> List<B> distinct(List<B> succs) {
        if (succs.size() <= 1 || succs.size() == 2 && succs.get(0) != succs.get(1)) {
            return succs;
        }
        List<B> out = new ArrayList<>(succs.size());
        for (B s : succs) {
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    /** The piece of {@code reg}'s interval standing for position {@code pos} (pieces themselves stay). */
    private int piece(int reg, int pos) {
        if (reg < vregBase) {
            return reg;
        }
        LinearScan.Interval it = alloc.interval(reg);
        return it == null || it.splitParent != null || it.pieces == null ? reg : it.pieceAt(pos).reg;
    }

    /** The position {@link #renamer} renames at: one operator for every instruction, not a lambda each. */
    private int renamePos;
    private final java.util.function.IntUnaryOperator renamer = r -> piece(r, renamePos);

    private void rename(I m, int pos) {
        renamePos = pos;
        m.mapRegisters(renamer);
    }

    private I pmove(List<int[]> pairs) {
        int n = pairs.size();
        int[] dsts = new int[n];
        int[] srcs = new int[n];
        for (int i = 0; i < n; i++) {
            dsts[i] = pairs.get(i)[0];
            srcs[i] = pairs.get(i)[1];
        }
        return isa.parallelMove(dsts, srcs);
    }

    /** Puts the moves of edge {@code from -> to} in a new block on the edge. */
    private void splitEdge(MachBlock<I> from, MachBlock<I> to, List<int[]> pairs) {
        MachBlock<I> e = new MachBlock<>(blocks.size());
        e.add(pmove(pairs));
        e.add(isa.jump(to));
        e.succs.add(to);
        blocks.add(e);
        for (int i = 0; i < from.succs.size(); i++) {
            if (from.succs.get(i) == to) {
                from.succs.set(i, e);
            }
        }
        from.last().retarget(x -> x == to ? e : x);
    }
}
