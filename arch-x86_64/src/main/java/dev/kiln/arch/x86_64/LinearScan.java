package dev.kiln.arch.x86_64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Register allocation by linear scan over live intervals with lifetime holes, after Wimmer and
 * Mössenböck, "Optimized Interval Splitting in a Linear Scan Register Allocator" (VEE 2005) and
 * Wimmer and Franz, "Linear Scan Register Allocation on SSA Form" (CGO 2010), without interval
 * splitting yet: an interval that cannot keep one register over its whole lifetime is spilled
 * whole, choosing between it and the intervals blocking it by spill weight (uses weighted by
 * 8^loop depth, divided by the interval's length), so values used in inner loops keep their registers.
 *
 * <p>Positions: instruction number {@code i} (over all blocks in layout order) reads its uses at
 * {@code 2i} and writes its defs at {@code 2i+1}, so a value dying at an instruction may share a
 * register with the value it defines. Physical registers named by instructions (argument registers,
 * {@code rax}/{@code rdx} of a division, registers a call clobbers) form fixed intervals; a
 * physical register written by an early-clobber instruction (a division writes {@code rdx} before
 * it reads its divisor) is blocked from {@code 2i}, so it never holds one of that instruction's own
 * operands. Liveness is computed by iterative data flow over the MIR
 * control-flow graph, so loops need no special treatment.
 *
 * <p>Two register classes: general-purpose and xmm. Allocatable general-purpose registers:
 * {@code rax rcx rdx rsi rdi r8 r9} (preferred: caller-saved, no save needed) then
 * {@code rbx r12 r13 r15 rbp}; xmm: {@code xmm0..xmm13}. Reserved: {@code rsp}; {@code r14} (the
 * VMContext); {@code r10}, {@code r11}, {@code xmm14} and {@code xmm15} (scratch for spill reloads,
 * parallel-move cycles and multi-instruction sequences). Not thread-safe.
 */
final class LinearScan {
    static final int[] GPR_ORDER = {
        Gpr.RAX.encoding(), Gpr.RCX.encoding(), Gpr.RDX.encoding(), Gpr.RSI.encoding(), Gpr.RDI.encoding(),
        Gpr.R8.encoding(), Gpr.R9.encoding(),
        Gpr.RBX.encoding(), Gpr.R12.encoding(), Gpr.R13.encoding(), Gpr.R15.encoding(), Gpr.RBP.encoding(),
    };
    /** xmm0..xmm13; xmm14 and xmm15 are scratch. All xmm registers are caller-saved in System V. */
    static final int[] XMM_ORDER = {
        16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
    };

    /** A live interval: sorted, disjoint half-open ranges {@code [from, to)}. */
    static final class Interval {
        final int reg;
        int[] from = new int[4];
        int[] to = new int[4];
        int count;
        int assigned = -1;   // physical register, or -1
        int spillSlot = -1;  // stack slot, or -1
        int hintPreg = -1;
        int hintVreg = -1;
        /** Uses and definitions, each weighted by 8^loop depth: what spilling this interval would cost. */
        double useWeight;

        /** Spill weight: cost of spilling per unit of lifetime (long, rarely used intervals go first). */
        double spillWeight() {
            if (weight < 0) { // ranges and uses are final once the scan runs
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
            if (count == from.length) {
                from = Arrays.copyOf(from, count * 2);
                to = Arrays.copyOf(to, count * 2);
            }
            from[count] = f;
            to[count] = t;
            count++;
        }

        /** Reverses the ranges built by {@link #addBelow} into ascending order. */
        void finish() {
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

    private final List<MBlock> blocks;
    private final int vregLimit;
    private final Interval[] vintervals;
    private final Interval[] fixed = new Interval[32];
    private final BitSet xmmVregs;
    private int spillSlots;

    /**
     * @param xmmVregs the virtual registers (numbered from 0 = {@code VREG_BASE}) of the xmm class
     */
    LinearScan(List<MBlock> blocks, int vregLimit, BitSet xmmVregs) {
        this.blocks = blocks;
        this.vregLimit = vregLimit;
        this.vintervals = new Interval[vregLimit - MInst.VREG_BASE];
        this.xmmVregs = xmmVregs;
    }

    /** Whether register {@code r} (virtual or physical) is of the xmm class. */
    boolean isXmmOperand(int r) {
        return MInst.isVirtual(r) ? isXmm(r) : r >= MInst.XMM_BASE;
    }

    /** Whether virtual register {@code vreg} holds floats (xmm class). */
    boolean isXmm(int vreg) {
        return xmmVregs.get(vreg - MInst.VREG_BASE);
    }

    private int[] order(Interval it) {
        return isXmm(it.reg) ? XMM_ORDER : GPR_ORDER;
    }

    /** Number of 8-byte spill slots used. */
    int spillSlots() {
        return spillSlots;
    }

    /** The interval of virtual register {@code vreg}, or {@code null} if it is never live. */
    Interval interval(int vreg) {
        return vintervals[vreg - MInst.VREG_BASE];
    }

    void run() {
        buildIntervals();
        weighUses();
        allocate();
    }

    /**
     * Loop depth of every block from the back edges of the layout (Wasm's structured loops are
     * contiguous in it: a branch from block b back to block h &lt;= b makes h..b a loop), then each
     * interval's use weight.
     */
    private void weighUses() {
        int n = blocks.size();
        int[] depth = new int[n];
        for (MBlock b : blocks) {
            for (MBlock s : b.succs) {
                if (s.index <= b.index) {
                    for (int i = s.index; i <= b.index; i++) {
                        depth[i]++;
                    }
                }
            }
        }
        for (MBlock b : blocks) {
            double w = Math.pow(8, Math.min(depth[b.index], 6));
            for (MInst m : b.insts) {
                for (int u : m.uses) {
                    addWeight(u, w);
                }
                for (int d : m.defs) {
                    addWeight(d, w);
                }
                if (m.op == MOp.PMOVE) {
                    for (int d : m.pdst) {
                        addWeight(d, w);
                    }
                }
            }
        }
    }

    private void addWeight(int reg, double w) {
        if (MInst.isVirtual(reg)) {
            Interval it = vintervals[reg - MInst.VREG_BASE];
            if (it != null) {
                it.useWeight += w;
            }
        }
    }

    // ---- liveness and intervals -----------------------------------------------------------------

    private void buildIntervals() {
        int pos = 0;
        for (MBlock b : blocks) {
            b.firstInst = pos;
            pos += b.insts.size();
            b.endInst = pos;
        }
        int nv = vintervals.length;
        int nb = blocks.size();
        BitSet[] gen = new BitSet[nb];
        BitSet[] kill = new BitSet[nb];
        for (MBlock b : blocks) {
            BitSet g = new BitSet(nv);
            BitSet k = new BitSet(nv);
            for (MInst m : b.insts) {
                for (int u : m.uses) {
                    if (MInst.isVirtual(u) && !k.get(u - MInst.VREG_BASE)) {
                        g.set(u - MInst.VREG_BASE);
                    }
                }
                for (int d : m.defs) {
                    if (MInst.isVirtual(d)) {
                        k.set(d - MInst.VREG_BASE);
                    }
                }
            }
            gen[b.index] = g;
            kill[b.index] = k;
        }
        BitSet[] liveIn = new BitSet[nb];
        BitSet[] liveOut = new BitSet[nb];
        for (int i = 0; i < nb; i++) {
            liveIn[i] = new BitSet(nv);
            liveOut[i] = new BitSet(nv);
        }
        boolean changed = true;
        BitSet outScratch = new BitSet(nv);
        BitSet inScratch = new BitSet(nv);
        while (changed) {
            changed = false;
            for (int i = nb - 1; i >= 0; i--) {
                MBlock b = blocks.get(i);
                outScratch.clear();
                for (MBlock s : b.succs) {
                    outScratch.or(liveIn[s.index]);
                }
                inScratch.clear();
                inScratch.or(outScratch);
                inScratch.andNot(kill[i]);
                inScratch.or(gen[i]);
                if (!inScratch.equals(liveIn[i])) {
                    liveIn[i].clear();
                    liveIn[i].or(inScratch);
                    changed = true;
                }
                if (!outScratch.equals(liveOut[i])) {
                    liveOut[i].clear();
                    liveOut[i].or(outScratch);
                    changed = true;
                }
            }
        }

        // Blocks and instructions backwards (Wimmer and Franz): every range is added below the ones
        // already there, so an interval's ranges come out sorted (descending) and a range touching
        // the previous one merges with it; a value's range is "open" in a block while it starts at the
        // block's first position, and a definition moves its start there.
        for (int bi = nb - 1; bi >= 0; bi--) {
            MBlock b = blocks.get(bi);
            int blockFrom = 2 * b.firstInst;
            int blockTo = 2 * b.endInst;
            BitSet out = liveOut[b.index];
            for (int v = out.nextSetBit(0); v >= 0; v = out.nextSetBit(v + 1)) {
                vinterval(v).addBelow(blockFrom, blockTo);
            }
            // fixed registers: live from their def (or the block start) to their last use
            int[] fixedUseEnd = this.fixedUseEnd;
            Arrays.fill(fixedUseEnd, -1);
            for (int i = b.insts.size() - 1; i >= 0; i--) {
                MInst m = b.insts.get(i);
                int usePos = 2 * (b.firstInst + i);
                int defPos = usePos + 1;
                for (int d : m.defs) {
                    if (MInst.isVirtual(d)) {
                        Interval it = vinterval(d - MInst.VREG_BASE);
                        if (it.count > 0 && it.from[it.count - 1] == blockFrom) {
                            it.from[it.count - 1] = defPos;
                        } else {
                            it.addBelow(defPos, defPos + 1); // dead def: still needs a register there
                        }
                    } else {
                        int end = fixedUseEnd[d] >= 0 ? fixedUseEnd[d] : defPos + 1;
                        fixed(d).addBelow(m.earlyClobber ? usePos : defPos, end);
                        fixedUseEnd[d] = -1;
                    }
                }
                for (int u : m.uses) {
                    if (MInst.isVirtual(u)) {
                        Interval it = vinterval(u - MInst.VREG_BASE);
                        if (it.count == 0 || it.from[it.count - 1] != blockFrom) {
                            it.addBelow(blockFrom, usePos + 1);
                        }
                    } else if (fixedUseEnd[u] < 0) {
                        fixedUseEnd[u] = usePos + 1;
                    }
                }
            }
            for (int r = 0; r < 32; r++) {
                if (fixedUseEnd[r] >= 0) {
                    // used before any def in this block: live from the block start (entry parameters)
                    fixed(r).addBelow(blockFrom, fixedUseEnd[r]);
                }
            }
        }
        for (Interval it : vintervals) {
            if (it != null) {
                it.finish();
            }
        }
        for (Interval it : fixed) {
            if (it != null) {
                it.finish();
            }
        }
        // hints in the order they always had: blocks forwards, instructions backwards
        for (MBlock b : blocks) {
            for (int i = b.insts.size() - 1; i >= 0; i--) {
                recordHints(b.insts.get(i));
            }
        }
    }

    private final int[] fixedUseEnd = new int[32];

    private void recordHints(MInst m) {
        if (m.op == MOp.LEA && MInst.isVirtual(m.dst) && MInst.isVirtual(m.src)) {
            Interval d = vinterval(m.dst - MInst.VREG_BASE);
            if (d.hintVreg < 0) {
                d.hintVreg = m.src; // x = x + k stays in place when x dies here
            }
            return;
        }
        if (m.op == MOp.MOV_RR) {
            if (MInst.isVirtual(m.dst)) {
                Interval d = vinterval(m.dst - MInst.VREG_BASE);
                if (MInst.isVirtual(m.src)) {
                    d.hintVreg = m.src;
                } else {
                    d.hintPreg = m.src;
                }
            } else if (MInst.isVirtual(m.src)) {
                Interval s = vinterval(m.src - MInst.VREG_BASE);
                if (s.hintPreg < 0) {
                    s.hintPreg = m.dst;
                }
            }
        } else if (m.op == MOp.PMOVE) {
            for (int i = 0; i < m.pdst.length; i++) {
                if (m.psrc[i] != MInst.NONE) {
                    Interval d = vinterval(m.pdst[i] - MInst.VREG_BASE);
                    if (d.hintVreg < 0) {
                        d.hintVreg = m.psrc[i];
                    }
                    // the value passed to a block parameter (a loop's next iteration value) would like
                    // the parameter's register: hints are recorded backwards, so this one wins over
                    // the defining instruction's own
                    if (MInst.isVirtual(m.psrc[i])) {
                        Interval src = vinterval(m.psrc[i] - MInst.VREG_BASE);
                        if (src.hintVreg < 0) {
                            src.hintVreg = m.pdst[i];
                        }
                    }
                }
            }
        }
    }

    private Interval vinterval(int v) {
        Interval it = vintervals[v];
        if (it == null) {
            it = new Interval(v + MInst.VREG_BASE);
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

    private void allocate() {
        PriorityQueue<Interval> unhandled = new PriorityQueue<>((a, b) -> a.start() != b.start()
                ? Integer.compare(a.start(), b.start()) : Integer.compare(a.reg, b.reg));
        for (Interval it : vintervals) {
            if (it != null && it.count > 0) {
                unhandled.add(it);
            }
        }
        List<Interval> active = new ArrayList<>();
        List<Interval> inactive = new ArrayList<>();
        while (!unhandled.isEmpty()) {
            Interval cur = unhandled.poll();
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
            Interval h = vintervals[cur.hintVreg - MInst.VREG_BASE];
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

    private final boolean[] takenScratch = new boolean[32];
    private final double[] costScratch = new double[32];

    private static boolean contains(int[] order, int preg) {
        for (int r : order) {
            if (r == preg) {
                return true;
            }
        }
        return false;
    }

    private void allocateBlocked(Interval cur, List<Interval> active, List<Interval> inactive) {
        // For each register, the intervals that would have to go to the stack to give it to cur for its
        // whole lifetime; take the register whose blockers are cheapest to spill, unless cur itself is
        // cheaper (spill weights: uses weighted by loop depth, per unit of lifetime).
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
            spill(cur);
            return;
        }
        for (int i = active.size() - 1; i >= 0; i--) {
            Interval it = active.get(i);
            if (it.assigned == bestReg) {
                active.remove(i);
                spill(it);
            }
        }
        for (int i = inactive.size() - 1; i >= 0; i--) {
            Interval it = inactive.get(i);
            if (it.assigned == bestReg && it.firstIntersection(cur) >= 0) {
                inactive.remove(i);
                spill(it);
            }
        }
        cur.assigned = bestReg;
    }

    private void spill(Interval it) {
        it.assigned = -1;
        it.spillSlot = spillSlots++;
    }
}
