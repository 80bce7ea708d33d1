package dev.kiln.compiler.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Dominators of a function's blocks, computed with the iterative algorithm of Cooper, Harvey and
 * Kennedy ("A Simple, Fast Dominance Algorithm", 2001) over a reverse postorder. Blocks unreachable
 * from the entry have no dominator and dominate nothing. Immutable once built; thread-safe to read.
 */
public final class DominatorTree {
    private final int[] idom;       // by block id; -1 = unreachable, entry maps to itself
    private final int[] rpoNumber;  // by block id; -1 = unreachable
    private final List<Block> rpo;

    private DominatorTree(int[] idom, int[] rpoNumber, List<Block> rpo) {
        this.idom = idom;
        this.rpoNumber = rpoNumber;
        this.rpo = rpo;
    }

    /** Computes the dominator tree of {@code f} as it is now. */
    public static DominatorTree compute(IrFunction f) {
        int n = f.blockIdBound();
        List<Block> rpo = reversePostorder(f);
        int[] rpoNumber = new int[n];
        Arrays.fill(rpoNumber, -1);
        for (int i = 0; i < rpo.size(); i++) {
            rpoNumber[rpo.get(i).id()] = i;
        }
        // predecessors among the reachable blocks, by block id, as one array (CSR: predStart[id]..predStart[id + 1]);
        // each block's targets read once (a terminator is found by a call per block)
        @SuppressWarnings("unchecked")
        List<BlockCall>[] targetsOf = new List[rpo.size()];
        int[] predStart = new int[n + 1];
        for (int i = 0; i < rpo.size(); i++) {
            List<BlockCall> targets = targetsOf(rpo.get(i));
            targetsOf[i] = targets;
            for (int k = 0; k < targets.size(); k++) {
                predStart[targets.get(k).target().id() + 1]++;
            }
        }
        for (int i = 0; i < n; i++) {
            predStart[i + 1] += predStart[i];
        }
        int[] preds = new int[predStart[n]];
        int[] fill = Arrays.copyOf(predStart, n);
        for (int i = 0; i < rpo.size(); i++) {
            int id = rpo.get(i).id();
            List<BlockCall> targets = targetsOf[i];
            for (int k = 0; k < targets.size(); k++) {
                preds[fill[targets.get(k).target().id()]++] = id;
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
        return new DominatorTree(idom, rpoNumber, rpo);
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

    /** Blocks reachable from the entry, in reverse postorder of a depth-first search. */
    public static List<Block> reversePostorder(IrFunction f) {
        int n = f.blockIdBound();
        boolean[] visited = new boolean[n];
        List<Block> post = new ArrayList<>();
        // iterative DFS: stack of (block, its targets, next target index); a block's terminator is
        // read once, when it is pushed
        Block[] stack = new Block[Math.max(1, n)];
        @SuppressWarnings("unchecked")
        List<BlockCall>[] targets = new List[Math.max(1, n)];
        int[] next = new int[Math.max(1, n)];
        int depth = 0;
        stack[depth] = f.entry();
        targets[depth] = targetsOf(f.entry());
        depth++;
        visited[f.entry().id()] = true;
        while (depth > 0) {
            int top = depth - 1;
            List<BlockCall> succ = targets[top];
            int i = next[top];
            if (i < succ.size()) {
                next[top] = i + 1;
                Block s = succ.get(i).target();
                if (!visited[s.id()]) {
                    visited[s.id()] = true;
                    stack[depth] = s;
                    targets[depth] = targetsOf(s);
                    next[depth] = 0;
                    depth++;
                }
            } else {
                post.add(stack[top]);
                targets[top] = null;
                depth--;
            }
        }
        List<Block> rpo = new ArrayList<>(post.size());
        for (int i = post.size() - 1; i >= 0; i--) {
            rpo.add(post.get(i));
        }
        return rpo;
    }

    private static List<BlockCall> targetsOf(Block b) {
        Inst t = b.terminator();
        return t == null ? List.of() : t.targets();
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

    /** Reachable blocks in reverse postorder. */
    public List<Block> reversePostorder() {
        return rpo;
    }
}
