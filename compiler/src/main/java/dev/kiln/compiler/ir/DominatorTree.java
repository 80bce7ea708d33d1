package dev.kiln.compiler.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Dominators of a function's blocks, computed with the iterative algorithm of Cooper, Harvey and
 * Kennedy ("A Simple, Fast Dominance Algorithm", 2001) over a reverse postorder. Blocks unreachable
 * from the entry have no dominator and dominate nothing. Immutable once built; thread-safe to read.
 * A function keeps the tree computed last and is given it again while its control flow is unchanged.
 */
public final class DominatorTree {
    private final int[] idom;       // by block id; -1 = unreachable, entry maps to itself
    private final int[] rpoNumber;  // by block id; -1 = unreachable
    private final List<Block> rpo;
    /** The control flow it was computed from: the entry, each block's terminator (in rpo order), and its targets. */
    private final Block entry;
    private final Inst[] terminators;
    private final int[] targetStart; // targets of rpo block i: targets[targetStart[i] .. targetStart[i + 1] - 1]
    private final Block[] targets;

    private DominatorTree(int[] idom, int[] rpoNumber, List<Block> rpo, Block entry, Inst[] terminators, int[] targetStart,
            Block[] targets) {
        this.idom = idom;
        this.rpoNumber = rpoNumber;
        this.rpo = rpo;
        this.entry = entry;
        this.terminators = terminators;
        this.targetStart = targetStart;
        this.targets = targets;
    }

    /**
     * The dominator tree of {@code f} as it is now: the one computed last for {@code f} if the blocks
     * it reaches still end in the same terminators with the same targets (so that the depth-first
     * search would find the same reverse postorder and the same dominators), else a new one.
     */
    public static DominatorTree compute(IrFunction f) {
        DominatorTree last = f.dominators;
        if (last != null && last.describes(f)) {
            return last;
        }
        DominatorTree d = build(f);
        f.dominators = d;
        return d;
    }

    /** Whether the edges among the blocks this tree reaches are those of {@code f} now (see {@link #compute}). */
    private boolean describes(IrFunction f) {
        if (f.blocks().isEmpty() || f.entry() != entry) {
            return false;
        }
        for (int i = 0; i < terminators.length; i++) {
            Inst t = rpo.get(i).terminator();
            if (t != terminators[i]) {
                return false;
            }
            if (t == null) {
                continue; // no targets then, nor before (the same null)
            }
            int from = targetStart[i];
            int count = t.targetCount();
            if (count != targetStart[i + 1] - from) {
                return false;
            }
            for (int k = 0; k < count; k++) {
                if (t.target(k).target() != targets[from + k]) {
                    return false;
                }
            }
        }
        return true;
    }

    private static DominatorTree build(IrFunction f) {
        int n = f.blockIdBound();
        List<Block> rpo = search(f);
        int[] rpoNumber = new int[n];
        Arrays.fill(rpoNumber, -1);
        for (int i = 0; i < rpo.size(); i++) {
            rpoNumber[rpo.get(i).id()] = i;
        }
        // predecessors among the reachable blocks, by block id, as one array (CSR: predStart[id]..predStart[id + 1]);
        // each block's terminator read once (it is found by a call per block), its targets kept in
        // edgeTargets (rpo block i's from targetStart[i])
        int[] predStart = new int[n + 1];
        Inst[] terminators = new Inst[rpo.size()];
        int[] targetStart = new int[rpo.size() + 1];
        for (int i = 0; i < rpo.size(); i++) {
            Inst t = rpo.get(i).terminator();
            terminators[i] = t;
            int count = t == null ? 0 : t.targetCount();
            targetStart[i + 1] = targetStart[i] + count;
        }
        Block[] edgeTargets = new Block[targetStart[rpo.size()]];
        for (int i = 0; i < rpo.size(); i++) {
            Inst t = terminators[i];
            for (int k = targetStart[i]; k < targetStart[i + 1]; k++) {
                Block target = t.target(k - targetStart[i]).target();
                edgeTargets[k] = target;
                predStart[target.id() + 1]++;
            }
        }
        for (int i = 0; i < n; i++) {
            predStart[i + 1] += predStart[i];
        }
        int[] preds = new int[predStart[n]];
        int[] fill = Arrays.copyOf(predStart, n);
        for (int i = 0; i < rpo.size(); i++) {
            int id = rpo.get(i).id();
            for (int k = targetStart[i]; k < targetStart[i + 1]; k++) {
                preds[fill[edgeTargets[k].id()]++] = id;
            }
        }
        int[] idom = new int[n];
        Arrays.fill(idom, -1);
        Block entry = f.entry();
        idom[entry.id()] = entry.id();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 1; i < rpo.size(); i++) {
                Block b = rpo.get(i);
                int newIdom = -1;
                for (int k = predStart[b.id()]; k < predStart[b.id() + 1]; k++) {
                    int p = preds[k];
                    if (idom[p] == -1) {
                        continue;
                    }
                    newIdom = newIdom == -1 ? p : intersect(p, newIdom, idom, rpoNumber);
                }
                if (newIdom != -1 && idom[b.id()] != newIdom) {
                    idom[b.id()] = newIdom;
                    changed = true;
                }
            }
        }
        return new DominatorTree(idom, rpoNumber, rpo, entry, terminators, targetStart, edgeTargets);
    }

    private static int intersect(int a, int b, int[] idom, int[] rpoNumber) {
        while (a != b) {
            while (rpoNumber[a] > rpoNumber[b]) {
                a = idom[a];
            }
            while (rpoNumber[b] > rpoNumber[a]) {
                b = idom[b];
            }
        }
        return a;
    }

    /**
     * Blocks reachable from the entry, in reverse postorder of a depth-first search: the last
     * computed tree's ({@link #compute}) while it describes {@code f}, else searched (do not modify).
     */
    public static List<Block> reversePostorder(IrFunction f) {
        DominatorTree last = f.dominators;
        return last != null && last.describes(f) ? last.rpo : search(f);
    }

    /** Depth-first search from the entry: the blocks it reaches, in reverse postorder. */
    private static List<Block> search(IrFunction f) {
        int n = f.blockIdBound();
        boolean[] visited = new boolean[n];
        List<Block> post = new ArrayList<>();
        // iterative DFS: stack of (block, its terminator, next target index); a block's terminator is
        // read once, when it is pushed
        Block[] stack = new Block[Math.max(1, n)];
        Inst[] terminator = new Inst[Math.max(1, n)];
        int[] next = new int[Math.max(1, n)];
        int depth = 0;
        stack[depth] = f.entry();
        terminator[depth] = f.entry().terminator();
        depth++;
        visited[f.entry().id()] = true;
        while (depth > 0) {
            int top = depth - 1;
            Inst t = terminator[top];
            int i = next[top];
            if (t != null && i < t.targetCount()) {
                next[top] = i + 1;
                Block s = t.target(i).target();
                if (!visited[s.id()]) {
                    visited[s.id()] = true;
                    stack[depth] = s;
                    terminator[depth] = s.terminator();
                    next[depth] = 0;
                    depth++;
                }
            } else {
                post.add(stack[top]);
                terminator[top] = null;
                depth--;
            }
        }
        List<Block> rpo = new ArrayList<>(post.size());
        for (int i = post.size() - 1; i >= 0; i--) {
            rpo.add(post.get(i));
        }
        return rpo;
    }

    /** Whether {@code b} is reachable from the entry. */
    public boolean isReachable(Block b) {
        return b.id() < rpoNumber.length && rpoNumber[b.id()] >= 0;
    }

    /** The immediate dominator of {@code b}, or {@code null} for the entry and unreachable blocks. */
    public Block idom(Block b) {
        if (!isReachable(b) || rpoNumber[b.id()] == 0) {
            return null;
        }
        int d = idom[b.id()];
        return rpo.get(rpoNumber[d]);
    }

    /** Whether {@code a} dominates {@code b} (every block dominates itself). */
    public boolean dominates(Block a, Block b) {
        if (!isReachable(a) || !isReachable(b)) {
            return false;
        }
        int x = b.id();
        while (true) {
            if (x == a.id()) {
                return true;
            }
            int d = idom[x];
            if (d == x) {
                return false;
            }
            x = d;
        }
    }

    /** Reachable blocks in reverse postorder (shared by the passes given this tree: do not modify). */
    public List<Block> reversePostorder() {
        return rpo;
    }
}
