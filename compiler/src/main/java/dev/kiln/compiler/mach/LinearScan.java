package dev.kiln.compiler.mach;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Register allocation by linear scan over live intervals with lifetime holes, after Wimmer and
 * Mössenböck, "Optimized Interval Splitting in a Linear Scan Register Allocator" (VEE 2005) and
 * Wimmer and Franz, "Linear Scan Register Allocation on SSA Form" (CGO 2010). An interval that
 * cannot keep one register over its whole lifetime is split:
 * <ul>
 * <li>when no register is free for all of it but one is free for a while from its start, it takes
 * the register that stays free longest up to the instruction where that ends, and the rest is
 * scanned again from there;</li>
 * <li>when every register is taken at its start, it competes by spill weight (uses weighted by
 * 8^loop depth, divided by the interval's length, so values used in inner loops keep their
 * registers) with the intervals holding the cheapest register: the loser is spilled, and a holder
 * that started earlier keeps the register up to the instruction where the winner starts (only its
 * rest goes to the stack). A rematerializable loser is spilled only up to its next use, where it
 * competes again.</li>
 * </ul>
 * The pieces of a split interval are virtual registers of their own that share one spill slot;
 * {@link SplitResolution} renames the operands and adds the moves between pieces, inside blocks and
 * on control-flow edges.
 *
 * <p>Positions: instruction number {@code i} (over all blocks in layout order) reads its uses at
 * {@code 2i} and writes its defs at {@code 2i+1}, so a value dying at an instruction may share a
 * register with the value it defines. Physical registers named by instructions (argument registers,
 * {@code rax}/{@code rdx} of a division, registers a call clobbers) form fixed intervals; a
 * physical register written by an early-clobber instruction (a division writes {@code rdx} before
 * it reads its divisor) is blocked from {@code 2i}, so it never holds one of that instruction's own
 * operands. Liveness of the values live across blocks is computed by path exploration over the MIR
 * control-flow graph (Brandner et al. 2011, see {@link #liveness}), so loops need no special
 * treatment and the time is linear in the size of the live sets.
 *
 * <p>Register classes, allocation order and scratch registers come from the backend's
 * {@link RegisterDescriptor}; each virtual register's class and spill-slot size from
 * {@link VirtualRegisters}. Spill slots are numbered; {@link #slotBytes} gives each one's size (8 or 16
 * bytes) and {@link FrameLayout} places them. Not thread-safe.
 *
 * @param <I> the backend's instruction class
 */
public final class LinearScan<I extends MachInst> {
    /** A live interval: sorted, disjoint half-open ranges {@code [from, to)}. */
    public static final class Interval {
        public final int reg;
        int[] from = new int[4];
        int[] to = new int[4];
        int count;
        public int assigned = -1;   // physical register, or -1
        public int spillSlot = -1;  // stack slot, or -1
        /** On an original interval: the stack slot of every spilled piece of its register, or -1. */
        int familySlot = -1;
        int hintPreg = -1;
        int hintVreg = -1;
        /** Uses and definitions, each weighted by 8^loop depth: what spilling this interval would cost. */
        double useWeight;
        /**
         * Positions of the register's uses ({@code 2i}) and definitions ({@code 2i+1}), ascending
         * (after {@link #finish}); a register named twice by one instruction appears twice. Each one's
         * weight is its block's (see {@link LinearScan#weightAt}), summed into {@link #useWeight}.
         */
        int[] usePos = new int[4];
        int useCount;
        /**
         * The interval this one was split from, or {@code null}: the pieces of a virtual register
         * partition its positions, each piece from its {@link #splitPos} to the next piece's.
         */
        Interval splitParent;
        /** Every piece of the register in order of position, the original first; on the original only, once split. */
        ArrayList<Interval> pieces;
        /** The first position this piece stands for (see {@link #splitParent}). */
        int splitPos = Integer.MIN_VALUE;

        Interval root() {
            Interval r = this;
            while (r.splitParent != null) {
                r = r.splitParent;
            }
            return r;
        }

        /** Adds a use or definition at {@code pos}, of weight {@code w} (its block's, see {@link LinearScan#weightAt}). */
        void addUse(int pos, double w) {
            if (useCount == usePos.length) {
                usePos = Arrays.copyOf(usePos, useCount * 2);
            }
            usePos[useCount] = pos;
            useCount++;
            useWeight += w;
        }

        /** Whether a use or definition of this interval lies in {@code [from, to)}. */
        boolean usedIn(int from, int to) {
            for (int i = 0; i < useCount; i++) {
                int p = usePos[i];
                if (p >= from && p < to) {
                    return true;
                }
            }
            return false;
        }

        /** Whether {@code pos} is inside a range (no cursor: any order of calls). */
        boolean coversAt(int pos) {
            for (int i = 0; i < count; i++) {
                if (pos < from[i]) {
                    return false;
                }
                if (pos < to[i]) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Splits this interval at {@code pos} ({@code start() < pos < end()}): ranges and uses from
         * {@code pos} on move to a new interval for virtual register {@code newReg}, which is returned.
         * {@code weightAt} gives the weight of a use at a position, as it was added.
         */
        Interval splitAt(int pos, int newReg, java.util.function.IntToDoubleFunction weightAt) {
            Interval c = new Interval(newReg);
            int k = 0;
            while (k < count && to[k] <= pos) {
                k++;
            }
            int keep = k;
            if (k < count && from[k] < pos) {
                c.addRange(pos, to[k]);
                to[k] = pos;
                keep = k + 1;
                k++;
            }
            for (; k < count; k++) {
                c.addRange(from[k], to[k]);
            }
            count = keep;
            cursor = Math.min(cursor, count);
            int u = 0;
            while (u < useCount && usePos[u] < pos) {
                u++;
            }
            double moved = 0;
            for (int i = u; i < useCount; i++) {
                double w = weightAt.applyAsDouble(usePos[i]);
                c.addUse(usePos[i], w);
                moved += w;
            }
            useCount = u;
            useWeight -= moved;
            weight = -1;
            c.splitParent = this;
            c.splitPos = pos;
            c.hintVreg = reg; // the same register as before the split needs no move
            c.hintPreg = hintPreg;
            Interval r = root();
            if (r.pieces == null) {
                r.pieces = new ArrayList<>(4);
                r.pieces.add(r);
            }
            r.pieces.add(lastPieceFrom(r.pieces, splitPos) + 1, c); // after this piece (splitPos ascending)
            return c;
        }

        /** Appends {@code [f, t)} as the last range. */
        private void addRange(int f, int t) {
            if (count == from.length) {
                from = Arrays.copyOf(from, count * 2);
                to = Arrays.copyOf(to, count * 2);
            }
            from[count] = f;
            to[count] = t;
            count++;
        }

        /** The piece of this (original) interval's register that stands for position {@code pos}. */
        Interval pieceAt(int pos) {
            if (pieces == null) {
                return this;
            }
            return pieces.get(lastPieceFrom(pieces, pos));
        }

        /**
         * The index of the last of {@code pieces} (ascending {@link #splitPos}, the original's the
         * least) whose {@link #splitPos} is at most {@code pos}; 0 if none. A binary search: a value
         * live across many calls in a large function is split hundreds of times.
         */
        private static int lastPieceFrom(ArrayList<Interval> pieces, int pos) {
            int lo = 0;
            int hi = pieces.size() - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (pieces.get(mid).splitPos <= pos) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return lo;
        }

        /** Spill weight: cost of spilling per unit of lifetime (long, rarely used intervals go first). */
        double spillWeight() {
            if (weight < 0) { // computed again after a split
                long length = 0;
                for (int i = 0; i < count; i++) {
                    length += to[i] - from[i];
                }
                weight = useWeight / Math.max(1, length);
            }
            return weight;
        }

        private double weight = -1;

        Interval(int reg) {
            this.reg = reg;
        }

        /**
         * Adds {@code [f, t)} below every range added so far (intervals are built backwards), merging
         * it with the lowest one when they touch or overlap; {@link #finish} puts the ranges in
         * ascending order.
         */
        void addBelow(int f, int t) {
            if (count > 0 && t >= from[count - 1]) {
                from[count - 1] = Math.min(from[count - 1], f);
                to[count - 1] = Math.max(to[count - 1], t);
                return;
            }
            addRange(f, t);
        }

        /** Reverses the ranges built by {@link #addBelow} and the uses into ascending order. */
        void finish() {
            for (int i = 0, j = useCount - 1; i < j; i++, j--) {
                int p = usePos[i];
                usePos[i] = usePos[j];
                usePos[j] = p;
            }
            for (int i = 0, j = count - 1; i < j; i++, j--) {
                int f = from[i];
                from[i] = from[j];
                from[j] = f;
                int t = to[i];
                to[i] = to[j];
                to[j] = t;
            }
        }

        int start() {
            return from[0];
        }

        int end() {
            return to[count - 1];
        }

        /**
         * Index of the first range that ends after the scan position: the scan only moves forward, so
         * {@link #covers} and {@link #firstIntersection} skip the ranges already behind it.
         */
        private int cursor;

        private void advanceTo(int pos) {
            while (cursor < count && to[cursor] <= pos) {
                cursor++;
            }
        }

        /** Whether {@code pos} is inside a range; {@code pos} must not decrease between calls. */
        boolean covers(int pos) {
            advanceTo(pos);
            return cursor < count && from[cursor] <= pos;
        }

        /**
         * First position covered by both, or -1; {@code o}'s start must not decrease between calls (it
         * is the scan position).
         */
        int firstIntersection(Interval o) {
            advanceTo(o.from[0]);
            int i = cursor;
            int j = 0;
            while (i < count && j < o.count) {
                int lo = Math.max(from[i], o.from[j]);
                int hi = Math.min(to[i], o.to[j]);
                if (lo < hi) {
                    return lo;
                }
                if (to[i] <= o.to[j]) {
                    i++;
                } else {
                    j++;
                }
            }
            return -1;
        }
    }

    private final List<MachBlock<I>> blocks;
    private final RegisterDescriptor regs;
    private final VirtualRegisters vregs;
    private final int vregBase;
    /**
     * The loops of the layout, as {@code {header index, last block index}}, one per back edge (found
     * with the block weights, before the intervals are built).
     */
    private final List<int[]> loops = new ArrayList<>();
    /** Per block index: how many loops of the layout contain the block (see {@link #blockWeights}). */
    private int[] loopDepth = new int[0];
    /** By virtual register - vregBase: the original intervals, then the pieces split off them. */
    private Interval[] vintervals;
    /** How many virtual registers exist: the lowering's, then one per split. */
    private int vregCount;
    /** Original intervals that were split. */
    private final List<Interval> splitRoots = new ArrayList<>();
    /**
     * Per block index: the global values (see {@link #globalIndex}) live on entry, as the words of a
     * bit set (value g is bit {@code g & 63} of word {@code g >>> 6}; rows only as long as their
     * highest value needs; see {@link #liveness}).
     */
    private long[][] liveIn;
    /** By virtual register - vregBase: its dense number among values live across blocks, or -1. */
    private int[] globalIndex;
    /** By dense number: the virtual register - vregBase. */
    private int[] globalVreg;

    /** Whether virtual register {@code vreg} (an original, not a split piece) is live on entry to block {@code blockIndex}. */
    boolean liveIn(int blockIndex, int vreg) {
        int v = vreg - vregBase;
        return v < globalIndex.length && globalIndex[v] >= 0 && has(liveIn[blockIndex], globalIndex[v]);
    }

    /** How many global values the liveness has (see {@link #globalIndex}). */
    int globalCount() {
        return globalVreg.length;
    }

    /** The global value (see {@link #globalIndex}) of original virtual register {@code vreg}, or -1 if it is none. */
    int globalOf(int vreg) {
        int v = vreg - vregBase;
        return v < globalIndex.length ? globalIndex[v] : -1;
    }

    /**
     * {@code map[g]} of each global value g live on entry to block {@code blockIndex} and in the set
     * {@code mask} (words as {@link #liveIn}'s; {@code map[g]} is read only there), in ascending
     * order of g; time linear in the words of the block's live-in set and the values of both.
     */
    int[] liveInMapped(int blockIndex, int[] map, long[] mask) {
        long[] in = liveIn[blockIndex];
        int words = Math.min(in.length, mask.length);
        int n = 0;
        for (int i = 0; i < words; i++) {
            n += Long.bitCount(in[i] & mask[i]);
        }
        int[] out = new int[n];
        int k = 0;
        for (int i = 0; k < n; i++) {
            for (long w = in[i] & mask[i]; w != 0; w &= w - 1) {
                out[k++] = map[(i << 6) + Long.numberOfTrailingZeros(w)];
            }
        }
        return out;
    }

    private static final long[] NO_WORDS = new long[0];

    /** Whether bit {@code g} of the words {@code set} is set (see {@link #liveIn}). */
    private static boolean has(long[] set, int g) {
        int w = g >>> 6;
        return w < set.length && (set[w] & (1L << g)) != 0;
    }
    private final Interval[] fixed;
    private int spillSlots;
    private int[] slotBytes = new int[8];
    /** By spill slot: the rematerializable virtual register it stands for (see {@link #rematerializedFrom}), or -1. */
    private int[] slotRemat = new int[8];

    /**
     * An allocator for {@code blocks} (in layout order; their {@code index} is their position), whose
     * virtual registers are {@code vregs}.
     */
    public LinearScan(List<MachBlock<I>> blocks, RegisterDescriptor regs, VirtualRegisters vregs) {
        this.blocks = blocks;
        this.regs = regs;
        this.vregs = vregs;
        this.vregBase = regs.count();
        this.vintervals = new Interval[vregs.limit() - vregBase];
        this.vregCount = vintervals.length;
        this.fixed = new Interval[vregBase];
        this.takenScratch = new boolean[vregBase];
        this.costScratch = new double[vregBase];
        this.freeUntilScratch = new int[vregBase];
        this.fixedUseEnd = new int[vregBase];
    }

    /** The register class of register {@code r}, virtual or physical. */
    public RegClass classOf(int r) {
        return isVirtual(r) ? vregs.classOf(r) : regs.classOf(r);
    }

    private boolean isVirtual(int r) {
        return r >= vregBase;
    }

    private int[] order(Interval it) {
        return regs.allocationOrder(vregs.classOf(it.reg));
    }

    /** Number of spill slots used (numbered from 0). */
    public int spillSlots() {
        return spillSlots;
    }

    /**
     * The rematerializable virtual register ({@link VirtualRegisters#markRematerializable}) whose
     * spilled pieces live in {@code slot}, or -1 for a stack slot. Such a slot is only a name: it
     * gets no stack space ({@link FrameLayout}), is shared with no other register, and the backend
     * reads it by recomputing the value and writes it by doing nothing.
     */
    public int rematerializedFrom(int slot) {
        return slotRemat[slot];
    }

    /** The size of spill slot {@code slot} in bytes (8 or 16). */
    public int slotBytes(int slot) {
        return slotBytes[slot];
    }

    /** The interval of virtual register {@code vreg}, or {@code null} if it is never live (or {@code vreg} is a physical register). */
    public Interval interval(int vreg) {
        int v = vreg - vregBase;
        return v >= 0 && v < vregCount ? vintervals[v] : null;
    }

    /** Splits {@code it} at {@code pos} (see {@link Interval#splitAt}); the new piece gets a virtual register of its own. */
    private Interval split(Interval it, int pos) {
        int v = vregCount++;
        if (v == vintervals.length) {
            vintervals = Arrays.copyOf(vintervals, v * 2);
        }
        int reg = vregs.copyOf(it.reg);
        if (reg != v + vregBase) {
            throw new IllegalStateException("virtual registers created outside the allocator");
        }
        Interval c = it.splitAt(pos, reg, this::weightAt);
        vintervals[v] = c;
        Interval r = c.root();
        if (r.pieces.size() == 2) {
            splitRoots.add(r);
        }
        return c;
    }

    /** By block index: the weight of a use there (see {@link #blockWeights}); set by {@link #buildIntervals}. */
    private double[] blockWeight;

    /**
     * The weight of a use or definition at position {@code pos} (of the blocks as {@link #buildIntervals}
     * numbered them): its block's, as {@link Interval#addUse} was given it.
     */
    private double weightAt(int pos) {
        return blockWeight[blockAt(pos).index];
    }

    /**
     * The block, of those {@link #buildIntervals} numbered (not blocks added on edges since), whose
     * positions include {@code pos}, or {@code null}.
     */
    MachBlock<I> blockAt(int pos) {
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

    /** Locations of values (see {@link #location}): registers are themselves, spill slot k is {@code SLOT_BASE + k}. */
    public static final int SLOT_BASE = 1000;

    /** Where {@code it} lives: its register, or {@code SLOT_BASE} plus its spill slot. */
    public static int location(Interval it) {
        return it.assigned >= 0 ? it.assigned : SLOT_BASE + it.spillSlot;
    }

    /** How many loops contain block {@code blockIndex} (0 for blocks added after the scan). */
    int loopDepth(int blockIndex) {
        return blockIndex < loopDepth.length ? loopDepth[blockIndex] : 0;
    }

    /** Original intervals that were split (each with its {@link Interval#pieces}). */
    List<Interval> splitRoots() {
        return splitRoots;
    }

    /**
     * Allocates: afterwards every virtual register has one location ({@link #interval}), and where
     * intervals were split the blocks hold the resolving moves ({@link SplitResolution}: new blocks on
     * edges are appended to the list, instructions renamed).
     */
    public void run(MachIsa<I> isa) {
        buildIntervals();
        allocate();
        shareSlots();
        if (!splitRoots.isEmpty()) {
            SplitResolution.run(this, isa, blocks);
        }
    }

    /**
     * Weight of a use in each block: 8^loop depth (at most 8^6), the depth from the back edges of the
     * layout (Wasm's structured loops are contiguous in it: a branch from block b back to block
     * h &lt;= b makes h..b a loop).
     */
    private double[] blockWeights() {
        int n = blocks.size();
        loops.addAll(LayoutLoops.of(blocks, b -> b.index, b -> b.succs));
        int[] depth = LayoutLoops.depths(n, loops);
        loopDepth = depth;
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = Math.pow(8, Math.min(depth[i], 6));
        }
        return w;
    }

    // ---- liveness and intervals -----------------------------------------------------------------

    /** The first step of {@link #run}: numbers positions, computes liveness and builds the intervals (package-private for tests). */
    void buildIntervals() {
        int pos = 0;
        for (int bIndex = 0; bIndex < blocks.size(); bIndex++) {
            MachBlock<I> b = blocks.get(bIndex);
            b.firstInst = pos;
            pos += b.insts.size();
            b.endInst = pos;
        }
        int nv = vintervals.length;
        int nb = blocks.size();
        // Only values used in a block before any definition there ("global" values, live across a
        // block boundary) take part in the data flow; they get dense numbers so the per-block sets are
        // sized by them, not by every virtual register (which made huge functions quadratic).
        int[] upwardExposed = new int[16];
        int[] definedIn = new int[nv]; // block index + 1 of the last block seen defining it
        int[][] genOf = new int[nb][];
        // the virtual registers - vregBase each block defines, each once, blocks in list order
        // (block bi's from defStart[bi]): liveness reads them instead of every instruction again
        int[] defsFlat = new int[16];
        int[] defStart = new int[nb + 1];
        int defs = 0;
        globalIndex = new int[nv];
        Arrays.fill(globalIndex, -1);
        int globals = 0;
        for (int bIndex = 0; bIndex < blocks.size(); bIndex++) {
            MachBlock<I> b = blocks.get(bIndex);
            int stamp = b.index + 1;
            int n = 0;
            for (int mIndex = 0; mIndex < b.insts.size(); mIndex++) {
                I m = b.insts.get(mIndex);
                for (int u : m.uses()) {
                    if (isVirtual(u) && definedIn[u - vregBase] != stamp) {
                        if (n == upwardExposed.length) {
                            upwardExposed = Arrays.copyOf(upwardExposed, n * 2);
                        }
                        upwardExposed[n++] = u - vregBase;
                        if (globalIndex[u - vregBase] < 0) {
                            globalIndex[u - vregBase] = globals++;
                        }
                    }
                }
                for (int d : m.defs()) {
                    if (isVirtual(d) && definedIn[d - vregBase] != stamp) {
                        definedIn[d - vregBase] = stamp;
                        if (defs == defsFlat.length) {
                            defsFlat = Arrays.copyOf(defsFlat, defs * 2);
                        }
                        defsFlat[defs++] = d - vregBase;
                    }
                }
            }
            genOf[b.index] = Arrays.copyOf(upwardExposed, n);
            defStart[bIndex + 1] = defs;
        }
        globalVreg = new int[globals];
        for (int v = 0; v < nv; v++) {
            if (globalIndex[v] >= 0) {
                globalVreg[globalIndex[v]] = v;
            }
        }
        long[][] liveOut = liveness(genOf, defsFlat, defStart, globals);

        // Blocks and instructions backwards (Wimmer and Franz): every range is added below the ones
        // already there, so an interval's ranges come out sorted (descending) and a range touching
        // the previous one merges with it; a value's range is "open" in a block while it starts at the
        // block's first position, and a definition moves its start there.
        double[] weights = blockWeights();
        blockWeight = weights;
        for (int bi = nb - 1; bi >= 0; bi--) {
            MachBlock<I> b = blocks.get(bi);
            double w = weights[b.index];
            int blockFrom = 2 * b.firstInst;
            int blockTo = 2 * b.endInst;
            long[] out = liveOut[b.index];
            for (int i = 0; i < out.length; i++) {
                for (long word = out[i]; word != 0; word &= word - 1) {
                    vinterval(globalVreg[(i << 6) + Long.numberOfTrailingZeros(word)]).addBelow(blockFrom, blockTo);
                }
            }
            // fixed registers: live from their def (or the block start) to their last use
            int[] fixedUseEnd = this.fixedUseEnd;
            Arrays.fill(fixedUseEnd, -1);
            for (int i = b.insts.size() - 1; i >= 0; i--) {
                I m = b.insts.get(i);
                int usePos = 2 * (b.firstInst + i);
                int defPos = usePos + 1;
                if (m.isParallelMove()) {
                    for (int d : m.moveDsts()) {
                        vinterval(d - vregBase).addUse(defPos, w); // counted again, as always
                    }
                }
                for (int d : m.defs()) {
                    if (isVirtual(d)) {
                        Interval it = vinterval(d - vregBase);
                        it.addUse(defPos, w);
                        if (it.count > 0 && it.from[it.count - 1] == blockFrom) {
                            it.from[it.count - 1] = defPos;
                        } else {
                            it.addBelow(defPos, defPos + 1); // dead def: still needs a register there
                        }
                    } else {
                        int end = fixedUseEnd[d] >= 0 ? fixedUseEnd[d] : defPos + 1;
                        fixed(d).addBelow(m.earlyClobber() ? usePos : defPos, end);
                        fixedUseEnd[d] = -1;
                    }
                }
                for (int u : m.uses()) {
                    if (isVirtual(u)) {
                        Interval it = vinterval(u - vregBase);
                        it.addUse(usePos, w);
                        if (it.count == 0 || it.from[it.count - 1] != blockFrom) {
                            it.addBelow(blockFrom, usePos + 1);
                        }
                    } else if (fixedUseEnd[u] < 0) {
                        fixedUseEnd[u] = usePos + 1;
                    }
                }
            }
            for (int r = 0; r < vregBase; r++) {
                if (fixedUseEnd[r] >= 0) {
                    // used before any def in this block: live from the block start (entry parameters)
                    fixed(r).addBelow(blockFrom, fixedUseEnd[r]);
                }
            }
        }
        for (int v = 0; v < vregCount; v++) {
            if (vintervals[v] != null) {
                vintervals[v].finish();
            }
        }
        for (Interval it : fixed) {
            if (it != null) {
                it.finish();
            }
        }
        // hints in the order they always had: blocks forwards, instructions backwards
        for (int bIndex = 0; bIndex < blocks.size(); bIndex++) {
            MachBlock<I> b = blocks.get(bIndex);
            for (int i = b.insts.size() - 1; i >= 0; i--) {
                recordHints(b.insts.get(i));
            }
        }
    }

    private final int[] fixedUseEnd;

    /**
     * Sets {@link #liveIn} and returns the live-out sets, per block index, of the global values
     * (dense numbers, see {@link #globalIndex}; {@code genOf[b]} lists the values - vregBase used in
     * block b before a definition there, {@code defsFlat[defStart[bi]..defStart[bi + 1])} the values -
     * vregBase that the block at list position bi defines, each once). Path exploration (Brandner et al., "Computing Liveness Sets
     * for SSA-Form Programs", INRIA RR-7503, 2011, algorithm 4, here with several definitions per
     * value since block parameters are written by every predecessor): from every block where a value
     * is upward-exposed, backwards over predecessors until a block that defines it. This gives the
     * least fixed point of the usual data-flow equations, as iterating them does, in time linear in
     * the size of the sets it computes (sweeps over every block with sets as wide as every global
     * value were quadratic in huge functions).
     */
    private long[][] liveness(int[][] genOf, int[] defsFlat, int[] defStart, int globals) {
        int nb = blocks.size();
        // indexed loops: C1, which compiles the kiln launcher's compiler, allocates every iterator
        // by global value: the blocks it is upward-exposed in, and the blocks defining it (CSR arrays)
        int[] useCount = new int[globals + 1];
        int[] defCount = new int[globals + 1];
        for (int bi = 0; bi < nb; bi++) {
            MachBlock<I> b = blocks.get(bi);
            for (int v : genOf[b.index]) {
                useCount[globalIndex[v] + 1]++;
            }
            for (int k = defStart[bi]; k < defStart[bi + 1]; k++) {
                int g = globalIndex[defsFlat[k]];
                if (g >= 0) {
                    defCount[g + 1]++;
                }
            }
        }
        for (int g = 0; g < globals; g++) {
            useCount[g + 1] += useCount[g];
            defCount[g + 1] += defCount[g];
        }
        int[] useBlocks = new int[useCount[globals]];
        int[] defBlocks = new int[defCount[globals]];
        int[] useFill = Arrays.copyOf(useCount, globals);
        int[] defFill = Arrays.copyOf(defCount, globals);
        for (int bi = 0; bi < nb; bi++) {
            MachBlock<I> b = blocks.get(bi);
            for (int v : genOf[b.index]) {
                useBlocks[useFill[globalIndex[v]]++] = b.index;
            }
            for (int k = defStart[bi]; k < defStart[bi + 1]; k++) {
                int g = globalIndex[defsFlat[k]];
                if (g >= 0) {
                    defBlocks[defFill[g]++] = b.index;
                }
            }
        }
        // predecessors by block index, an edge once per successor entry as in the equations
        MachBlock.Predecessors predecessors = MachBlock.Predecessors.of(blocks);
        int[] predStart = predecessors.start();
        int[] preds = predecessors.of();
        // the sets as words (see liveIn): set and tested inline, as C1 calls BitSet's methods
        liveIn = new long[nb][];
        long[][] liveOut = new long[nb][];
        Arrays.fill(liveIn, NO_WORDS);
        Arrays.fill(liveOut, NO_WORDS);
        int[] definedBy = new int[nb]; // global value + 1 whose definitions are being looked at
        int[] work = new int[16];
        // highest value first: a block's sets take their final width at their first bit, instead of
        // growing (and copying) as ever higher values are added
        for (int g = globals - 1; g >= 0; g--) {
            int word = g >>> 6;
            long bit = 1L << g;
            for (int k = defCount[g]; k < defCount[g + 1]; k++) {
                definedBy[defBlocks[k]] = g + 1;
            }
            int top = 0;
            for (int k = useCount[g]; k < useCount[g + 1]; k++) {
                int b = useBlocks[k];
                long[] in = liveIn[b];
                if (in.length <= word) {
                    liveIn[b] = in = Arrays.copyOf(in, word + 1);
                }
                if ((in[word] & bit) == 0) {
                    in[word] |= bit;
                    if (top == work.length) {
                        work = Arrays.copyOf(work, top * 2);
                    }
                    work[top++] = b;
                }
            }
            while (top > 0) {
                int b = work[--top];
                for (int k = predStart[b]; k < predStart[b + 1]; k++) {
                    int p = preds[k];
                    long[] out = liveOut[p];
                    if (out.length <= word) {
                        liveOut[p] = out = Arrays.copyOf(out, word + 1);
                    }
                    out[word] |= bit;
                    if (definedBy[p] == g + 1) {
                        continue;
                    }
                    long[] in = liveIn[p];
                    if (in.length <= word) {
                        liveIn[p] = in = Arrays.copyOf(in, word + 1);
                    }
                    if ((in[word] & bit) == 0) {
                        in[word] |= bit;
                        if (top == work.length) {
                            work = Arrays.copyOf(work, top * 2);
                        }
                        work[top++] = p;
                    }
                }
            }
        }
        return liveOut;
    }

    private void recordHints(I m) {
        if (m.isParallelMove()) {
            int[] pdst = m.moveDsts();
            int[] psrc = m.moveSrcs();
            for (int i = 0; i < pdst.length; i++) {
                if (psrc[i] != MachInst.NONE) {
                    Interval d = vinterval(pdst[i] - vregBase);
                    if (d.hintVreg < 0) {
                        d.hintVreg = psrc[i];
                    }
                    // the value passed to a block parameter (a loop's next iteration value) would like
                    // the parameter's register: hints are recorded backwards, so this one wins over
                    // the defining instruction's own
                    if (isVirtual(psrc[i])) {
                        Interval src = vinterval(psrc[i] - vregBase);
                        if (src.hintVreg < 0) {
                            src.hintVreg = pdst[i];
                        }
                    }
                }
            }
            return;
        }
        int dst = m.hintDst();
        int src = m.hintSrc();
        switch (m.hint()) {
            case TIED -> {
                if (isVirtual(dst) && isVirtual(src)) {
                    Interval d = vinterval(dst - vregBase);
                    if (d.hintVreg < 0) {
                        d.hintVreg = src; // x = x + k stays in place when x dies here
                    }
                }
            }
            case COPY -> {
                if (isVirtual(dst)) {
                    Interval d = vinterval(dst - vregBase);
                    if (isVirtual(src)) {
                        d.hintVreg = src;
                    } else {
                        d.hintPreg = src;
                    }
                } else if (isVirtual(src)) {
                    Interval sv = vinterval(src - vregBase);
                    if (sv.hintPreg < 0) {
                        sv.hintPreg = dst;
                    }
                }
            }
            case NONE -> {
            }
        }
    }

    private Interval vinterval(int v) {
        Interval it = vintervals[v];
        if (it == null) {
            it = new Interval(v + vregBase);
            vintervals[v] = it;
        }
        return it;
    }

    private Interval fixed(int preg) {
        Interval it = fixed[preg];
        if (it == null) {
            it = new Interval(preg);
            fixed[preg] = it;
        }
        return it;
    }

    // ---- the scan -----------------------------------------------------------------------------

    /**
     * The unhandled pieces split off during the scan, by {@link #unhandledKey}. The intervals built
     * before the scan are not in it but in a sorted array of their keys ({@link #allocate}): few
     * intervals are split, and sorting primitive keys once costs far less than a heap of them all.
     */
    private PriorityQueue<Interval> unhandled;

    /**
     * The order in which the scan takes intervals: by start position, then by register (unique per
     * interval, so the order is total and the allocation deterministic).
     */
    private static long unhandledKey(Interval it) {
        return (long) it.start() << 32 | (it.reg & 0xFFFF_FFFFL);
    }

    private void allocate() {
        unhandled = new PriorityQueue<>((a, b) -> Long.compare(unhandledKey(a), unhandledKey(b)));
        long[] initial = new long[vregCount];
        int count = 0;
        for (int v = 0; v < vregCount; v++) {
            Interval it = vintervals[v];
            if (it != null && it.count > 0) {
                initial[count++] = unhandledKey(it);
            }
        }
        Arrays.sort(initial, 0, count);
        int next = 0;
        List<Interval> active = new ArrayList<>();
        List<Interval> inactive = new ArrayList<>();
        while (next < count || !unhandled.isEmpty()) {
            Interval cur;
            if (next < count && (unhandled.isEmpty() || initial[next] < unhandledKey(unhandled.peek()))) {
                cur = vintervals[(int) initial[next++] - vregBase];
            } else {
                cur = unhandled.poll();
            }
            int pos = cur.start();
            for (int i = active.size() - 1; i >= 0; i--) {
                Interval it = active.get(i);
                if (it.end() <= pos) {
                    active.remove(i);
                } else if (!it.covers(pos)) {
                    active.remove(i);
                    inactive.add(it);
                }
            }
            for (int i = inactive.size() - 1; i >= 0; i--) {
                Interval it = inactive.get(i);
                if (it.end() <= pos) {
                    inactive.remove(i);
                } else if (it.covers(pos)) {
                    inactive.remove(i);
                    active.add(it);
                }
            }
            int reg = tryAllocateFree(cur, active, inactive);
            if (reg < 0) {
                reg = tryAllocatePart(cur, active, inactive);
            }
            if (reg >= 0) {
                cur.assigned = reg;
                active.add(cur);
                continue;
            }
            allocateBlocked(cur, active, inactive);
            if (cur.assigned >= 0) {
                active.add(cur);
            }
        }
    }

    private boolean fixedConflict(int preg, Interval cur) {
        Interval f = fixed[preg];
        return f != null && f.firstIntersection(cur) >= 0;
    }

    private int tryAllocateFree(Interval cur, List<Interval> active, List<Interval> inactive) {
        // one pass over the active and inactive intervals marks the taken registers (instead of one
        // pass per register); fixed intervals are checked only for registers still in question
        boolean[] taken = takenScratch;
        java.util.Arrays.fill(taken, false);
        for (int i = 0; i < active.size(); i++) {
            taken[active.get(i).assigned] = true;
        }
        for (int i = 0; i < inactive.size(); i++) {
            Interval it = inactive.get(i);
            if (!taken[it.assigned] && it.firstIntersection(cur) >= 0) {
                taken[it.assigned] = true;
            }
        }
        int[] order = order(cur);
        int hint = cur.hintPreg;
        if (hint >= 0 && contains(order, hint) && !taken[hint] && !fixedConflict(hint, cur)) {
            return hint;
        }
        if (cur.hintVreg >= 0) {
            Interval h = vintervals[cur.hintVreg - vregBase];
            hint = h != null ? h.assigned : -1;
            if (hint >= 0 && contains(order, hint) && !taken[hint] && !fixedConflict(hint, cur)) {
                return hint;
            }
        }
        for (int r : order) {
            if (!taken[r] && !fixedConflict(r, cur)) {
                return r;
            }
        }
        return -1;
    }

    private final boolean[] takenScratch;
    private final double[] costScratch;

    private static boolean contains(int[] order, int preg) {
        for (int r : order) {
            if (r == preg) {
                return true;
            }
        }
        return false;
    }

    /**
     * When no register is free for all of {@code cur}: the register free for longest from its start,
     * if that is past its start, is given to the part of {@code cur} before that point, and the rest
     * goes back to the unhandled intervals (Wimmer and Mössenböck's "split before the register is
     * needed"); -1 when every register is taken at the start.
     */
    private int tryAllocatePart(Interval cur, List<Interval> active, List<Interval> inactive) {
        int[] freeUntil = freeUntilScratch;
        int[] order = order(cur);
        for (int r : order) {
            freeUntil[r] = Integer.MAX_VALUE;
        }
        for (int i = 0; i < active.size(); i++) {
            freeUntil[active.get(i).assigned] = 0;
        }
        for (int i = 0; i < inactive.size(); i++) {
            Interval it = inactive.get(i);
            if (freeUntil[it.assigned] > 0) {
                int x = it.firstIntersection(cur);
                if (x >= 0 && x < freeUntil[it.assigned]) {
                    freeUntil[it.assigned] = x;
                }
            }
        }
        int best = -1;
        for (int r : order) {
            if (freeUntil[r] > 0 && fixed[r] != null) {
                int x = fixed[r].firstIntersection(cur);
                if (x >= 0 && x < freeUntil[r]) {
                    freeUntil[r] = x;
                }
            }
            if (best < 0 || freeUntil[r] > freeUntil[best]) {
                best = r;
            }
        }
        int hint = cur.hintVreg >= 0 && interval(cur.hintVreg) != null ? interval(cur.hintVreg).assigned : -1;
        if (hint >= 0 && contains(order, hint) && freeUntil[hint] == freeUntil[best]) {
            best = hint;
        }
        // the split goes before an instruction (an even position), where a move can be put
        int at = freeUntil[best] & ~1;
        if (at <= cur.start()) {
            return -1;
        }
        unhandled.add(split(cur, at));
        return best;
    }

    private final int[] freeUntilScratch;

    private void allocateBlocked(Interval cur, List<Interval> active, List<Interval> inactive) {
        // For each register, the intervals that would have to leave it from cur's start on; take the
        // register whose blockers are cheapest to spill, unless cur itself is cheaper (spill weights:
        // uses weighted by loop depth, per unit of lifetime). A blocker that started before cur keeps
        // the register up to cur's start: only the rest of it is spilled (see evict).
        double[] costOf = costScratch;
        java.util.Arrays.fill(costOf, 0);
        for (int i = 0; i < active.size(); i++) {
            Interval it = active.get(i);
            costOf[it.assigned] += it.spillWeight();
        }
        for (int i = 0; i < inactive.size(); i++) {
            Interval it = inactive.get(i);
            if (it.firstIntersection(cur) >= 0) {
                costOf[it.assigned] += it.spillWeight();
            }
        }
        int bestReg = -1;
        double bestCost = Double.MAX_VALUE;
        for (int r : order(cur)) {
            if (costOf[r] < bestCost && !fixedConflict(r, cur)) {
                bestCost = costOf[r];
                bestReg = r;
            }
        }
        if (bestReg < 0 || bestCost >= cur.spillWeight()) {
            spillUntilNextUse(cur, cur.start());
            return;
        }
        int pos = cur.start();
        for (int i = active.size() - 1; i >= 0; i--) {
            Interval it = active.get(i);
            if (it.assigned == bestReg) {
                active.remove(i);
                evict(it, pos);
            }
        }
        for (int i = inactive.size() - 1; i >= 0; i--) {
            Interval it = inactive.get(i);
            if (it.assigned == bestReg && it.firstIntersection(cur) >= 0) {
                inactive.remove(i);
                evict(it, pos);
            }
        }
        cur.assigned = bestReg;
    }

    /**
     * Takes {@code it}'s register from position {@code pos} (the scan position) on: the part before
     * the instruction at {@code pos} keeps it and the rest is spilled (an interval starting at
     * {@code pos} is spilled whole). The rest is not offered a register again at its next use: a
     * reload there and a store at the next eviction cost more than reading the slot as a memory
     * operand in the straight-line code where this happens most. A rematerializable value, whose
     * spill stores nothing, is the exception ({@link #spillUntilNextUse}).
     */
    private void evict(Interval it, int pos) {
        int at = outOfLoops(it, pos & ~1);
        if (at <= it.start()) {
            spillUntilNextUse(it, pos);
            return;
        }
        spillUntilNextUse(split(it, at), pos); // the part before keeps its register
    }

    /**
     * Spills {@code it}, taken from its register at scan position {@code pos}. A rematerializable
     * value ({@link VirtualRegisters#markRematerializable}) is spilled only up to its next use after
     * {@code pos}; from that use on it competes for a register again. Its spill stores nothing, so
     * the reload there costs what reading its slot at that use would, and the uses after it read the
     * register instead of the slot each time (a memory's base address, used by nearly every access,
     * would otherwise be read from the VMContext at each one for the rest of the function).
     */
    private void spillUntilNextUse(Interval it, int pos) {
        spill(it);
        if (!vregs.isRematerializable(it.root().reg)) {
            return;
        }
        for (int i = 0; i < it.useCount; i++) {
            int at = it.usePos[i] & ~1; // before the instruction, where a move can be put
            if (at > pos && at > it.start()) {
                if (at < it.end()) {
                    unhandled.add(split(it, at));
                }
                return;
            }
        }
    }

    /**
     * Where to split {@code it} for an eviction at {@code at}: the start of the outermost loop that
     * contains {@code at}, that {@code it} enters live from outside, and in which {@code it} has no
     * use or definition before {@code at}; otherwise {@code at}. A value that a loop only carries
     * through is then stored once on the way into the loop, instead of being stored where it is evicted
     * and reloaded on the back edge in every iteration (Wimmer and Mössenböck's split positions moved
     * out of loops). Giving up the register from the loop start on only frees it for code already
     * allocated.
     */
    private int outOfLoops(Interval it, int at) {
        int best = at;
        for (int[] loop : loops) {
            int from = 2 * blocks.get(loop[0]).firstInst;
            int to = 2 * blocks.get(loop[1]).endInst;
            if (from < best && at < to && from > it.start() && !it.usedIn(from, at)) {
                best = from;
            }
        }
        return best;
    }

    /**
     * Renumbers the spill slots so that virtual registers never live at the same time share one:
     * a register's slot is reserved over the hull of its pieces, from the first position any piece
     * covers to the last (holes and pieces in registers included, so a slot never changes owner while
     * a value may still be read from it); registers whose hulls do not overlap get the same slot, the
     * lowest free one of their size, in order of hull start (interval-graph colouring, which needs
     * as many slots of a size as the most hulls of that size that overlap at one position). Smaller
     * frames keep more slots within short displacements and fewer cache lines.
     */
    private void shareSlots() {
        if (spillSlots < 2) {
            return;
        }
        Interval[] owner = new Interval[spillSlots];
        int[] hullStart = new int[spillSlots];
        int[] hullEnd = new int[spillSlots];
        Arrays.fill(hullStart, Integer.MAX_VALUE);
        Arrays.fill(hullEnd, Integer.MIN_VALUE);
        for (int v = 0; v < vregCount; v++) {
            Interval it = vintervals[v];
            if (it == null || it.count == 0) {
                continue;
            }
            Interval r = it.root();
            int k = r.familySlot;
            if (k < 0) {
                continue;
            }
            owner[k] = r;
            hullStart[k] = Math.min(hullStart[k], it.start());
            hullEnd[k] = Math.max(hullEnd[k], it.end());
        }
        Integer[] order = new Integer[spillSlots];
        for (int k = 0; k < spillSlots; k++) {
            order[k] = k;
        }
        Arrays.sort(order, (x, y) -> hullStart[x] != hullStart[y] ? Integer.compare(hullStart[x], hullStart[y])
                : Integer.compare(x, y));
        int[] renumber = new int[spillSlots];
        int[] newBytes = new int[spillSlots];
        int[] newRemat = new int[spillSlots];
        Arrays.fill(newRemat, -1);
        int slots = 0;
        // new slots in use, by the end of the hull that holds them ({end, slot}); free ones by size, lowest first
        PriorityQueue<int[]> busy = new PriorityQueue<>((x, y) -> Integer.compare(x[0], y[0]));
        java.util.Map<Integer, java.util.TreeSet<Integer>> free = new java.util.HashMap<>();
        for (int k : order) {
            if (owner[k] == null || slotRemat[k] >= 0) {
                renumber[k] = slots; // a slot no live piece names, or a rematerialized value's: keep it, alone
                newRemat[slots] = slotRemat[k];
                newBytes[slots++] = slotBytes[k];
                continue;
            }
            while (!busy.isEmpty() && busy.peek()[0] <= hullStart[k]) {
                int s = busy.poll()[1];
                free.computeIfAbsent(newBytes[s], x -> new java.util.TreeSet<>()).add(s);
            }
            java.util.TreeSet<Integer> same = free.get(slotBytes[k]);
            int chosen;
            if (same != null && !same.isEmpty()) {
                chosen = same.pollFirst();
            } else {
                chosen = slots++;
                newBytes[chosen] = slotBytes[k];
            }
            busy.add(new int[] {hullEnd[k], chosen});
            renumber[k] = chosen;
        }
        for (int v = 0; v < vregCount; v++) {
            Interval it = vintervals[v];
            if (it == null) {
                continue;
            }
            if (it.spillSlot >= 0) {
                it.spillSlot = renumber[it.spillSlot];
            }
            if (it.familySlot >= 0) {
                it.familySlot = renumber[it.familySlot];
            }
        }
        slotBytes = Arrays.copyOf(newBytes, Math.max(slots, 1));
        slotRemat = Arrays.copyOf(newRemat, Math.max(slots, 1));
        spillSlots = slots;
    }

    /** Puts {@code it} in memory: the pieces of one virtual register share one slot. */
    private void spill(Interval it) {
        it.assigned = -1;
        Interval r = it.root();
        if (r.familySlot < 0) {
            if (spillSlots == slotBytes.length) {
                slotBytes = Arrays.copyOf(slotBytes, spillSlots * 2);
                slotRemat = Arrays.copyOf(slotRemat, spillSlots * 2);
            }
            slotBytes[spillSlots] = vregs.slotBytes(r.reg);
            slotRemat[spillSlots] = vregs.isRematerializable(r.reg) ? r.reg : -1;
            r.familySlot = spillSlots++;
        }
        it.spillSlot = r.familySlot;
    }
}
