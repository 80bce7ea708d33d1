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
 * registers there are handled like block arguments. Not thread-safe; mutates the blocks given.
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
        // 1. pieces beginning inside a block
        for (LinearScan.Interval r : roots) {
            List<LinearScan.Interval> pieces = r.pieces;
            for (int i = 1; i < pieces.size(); i++) {
                LinearScan.Interval c = pieces.get(i);
                LinearScan.Interval prev = pieces.get(i - 1);
                int p = c.splitPos;
                MachBlock<I> b = blockAt(p);
                if (b == null || p == 2 * b.firstInst || LinearScan.location(prev) == LinearScan.location(c)) {
                    continue; // a block's start is an edge: resolved below
                }
                if (prev.coversAt(p - 1) && c.coversAt(p)) {
                    add(inside, b, p / 2 - b.firstInst, c.reg, prev.reg);
                }
            }
        }
        // 2. edges
        int[] preds = new int[n];
        for (int bi = 0; bi < n; bi++) {
            for (MachBlock<I> s : distinct(blocks.get(bi).succs)) {
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
            for (MachBlock<I> s : succs) {
                List<int[]> pairs = new ArrayList<>();
                if (liveRoots[s.index] == null) {
                    liveRoots[s.index] = liveRoots(s.index, ordinal);
                }
                for (int k : liveRoots[s.index]) {
                    LinearScan.Interval r = roots.get(k);
                    LinearScan.Interval from = r.pieceAt(2 * pb.endInst - 1);
                    LinearScan.Interval to = r.pieceAt(2 * s.firstInst);
                    if (from != to && LinearScan.location(from) != LinearScan.location(to)) {
                        pairs.add(new int[] {to.reg, from.reg});
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

    /** By original virtual register - vregBase: its index in {@link #roots}, or -1. */
    private int[] rootOrdinals() {
        int max = -1;
        for (LinearScan.Interval r : roots) {
            max = Math.max(max, r.reg - vregBase);
        }
        int[] ordinal = new int[max + 1];
        java.util.Arrays.fill(ordinal, -1);
        for (int k = 0; k < roots.size(); k++) {
            ordinal[roots.get(k).reg - vregBase] = k;
        }
        return ordinal;
    }

    /** The indexes in {@link #roots} of the split roots live on entry to block {@code blockIndex}, ascending. */
    private int[] liveRoots(int blockIndex, int[] ordinal) {
        int[] live = alloc.liveInRegs(blockIndex);
        int[] out = new int[live.length];
        int k = 0;
        for (int reg : live) {
            int v = reg - vregBase;
            if (v < ordinal.length && ordinal[v] >= 0) {
                out[k++] = ordinal[v];
            }
        }
        out = java.util.Arrays.copyOf(out, k);
        java.util.Arrays.sort(out);
        return out;
    }

    private static void add(List<Moves> moves, MachBlock<?> b, int index, int dst, int src) {
        List<int[]> pairs = new ArrayList<>(1);
        pairs.add(new int[] {dst, src});
        moves.add(new Moves(b, index, INSIDE, pairs));
    }

    /** The original block whose positions include {@code pos}, or {@code null}. */
    private MachBlock<I> blockAt(int pos) {
        int inst = pos / 2;
        int lo = 0;
        int hi = blocks.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            MachBlock<I> b = blocks.get(mid);
            if (inst < b.firstInst) {
                hi = mid - 1;
            } else if (inst >= b.endInst) {
                lo = mid + 1;
            } else {
                return b;
            }
        }
        return null;
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

    private void rename(I m, int pos) {
        m.mapRegisters(r -> piece(r, pos));
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
