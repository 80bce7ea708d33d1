package dev.kiln.compiler.opt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The direct-call graph of a module's defined functions and its strongly connected components
 * (Tarjan, "Depth-first search and linear graph algorithms", 1972, iteratively). Components are
 * numbered in reverse topological order: every component a function calls (other than its own) has a
 * smaller number, so visiting components in increasing order visits callees before callers, which is
 * the order of bottom-up inlining ({@link Inliner}). Direct tail calls ({@code return_call}) are
 * edges like calls; calls to imported functions and indirect calls are not. Immutable and thread-safe once built.
 */
public final class CallGraph {
    private final int[] component;
    private final int[][] members;
    private final int[][] calledComponents;
    private final BitSet recursive;

    private CallGraph(int[] component, int[][] members, int[][] calledComponents, BitSet recursive) {
        this.component = component;
        this.members = members;
        this.calledComponents = calledComponents;
        this.recursive = recursive;
    }

    /**
     * The graph whose node {@code i} calls the nodes {@code edges[i]} (each at most once): for a module,
     * each defined function's {@link DirectCalls#definedCallees()}.
     */
    public static CallGraph of(int[][] edges) {
        int n = edges.length;
        int[] index = new int[n];
        int[] low = new int[n];
        Arrays.fill(index, -1);
        boolean[] onStack = new boolean[n];
        int[] stack = new int[n];
        int sp = 0;
        int[] component = new int[n];
        List<int[]> members = new ArrayList<>();
        // the DFS's own stack: node and next edge to look at
        int[] dfsNode = new int[n];
        int[] dfsEdge = new int[n];
        int next = 0;
        for (int root = 0; root < n; root++) {
            if (index[root] >= 0) {
                continue;
            }
            int depth = 0;
            dfsNode[0] = root;
            dfsEdge[0] = 0;
            index[root] = low[root] = next++;
            stack[sp++] = root;
            onStack[root] = true;
            while (depth >= 0) {
                int v = dfsNode[depth];
                if (dfsEdge[depth] < edges[v].length) {
                    int w = edges[v][dfsEdge[depth]++];
                    if (index[w] < 0) {
                        index[w] = low[w] = next++;
                        stack[sp++] = w;
                        onStack[w] = true;
                        depth++;
                        dfsNode[depth] = w;
                        dfsEdge[depth] = 0;
                    } else if (onStack[w]) {
                        low[v] = Math.min(low[v], index[w]);
                    }
                    continue;
                }
                if (low[v] == index[v]) {
                    int start = sp;
                    do {
                        start--;
                    } while (stack[start] != v);
                    int[] m = Arrays.copyOfRange(stack, start, sp);
                    Arrays.sort(m);
                    for (int x : m) {
                        onStack[x] = false;
                        component[x] = members.size();
                    }
                    members.add(m);
                    sp = start;
                }
                depth--;
                if (depth >= 0) {
                    int parent = dfsNode[depth];
                    low[parent] = Math.min(low[parent], low[v]);
                }
            }
        }
        int[][] called = new int[members.size()][];
        // seen is cleared bit by bit: clearing or scanning all of it per component would be quadratic
        BitSet seen = new BitSet(members.size());
        BitSet recursive = new BitSet(n);
        int[] found = new int[16];
        for (int c = 0; c < members.size(); c++) {
            int k = 0;
            for (int v : members.get(c)) {
                for (int w : edges[v]) {
                    if (component[w] != c) {
                        if (!seen.get(component[w])) {
                            seen.set(component[w]);
                            if (k == found.length) {
                                found = Arrays.copyOf(found, k * 2);
                            }
                            found[k++] = component[w];
                        }
                    } else {
                        recursive.set(v); // a call within the component: v is on a cycle
                    }
                }
            }
            int[] cc = Arrays.copyOf(found, k);
            Arrays.sort(cc);
            for (int x : cc) {
                seen.clear(x);
            }
            called[c] = cc;
        }
        for (int[] m : members) {
            if (m.length > 1) {
                for (int v : m) {
                    recursive.set(v);
                }
            }
        }
        return new CallGraph(component, members.toArray(new int[0][]), called, recursive);
    }

    /** The number of strongly connected components. */
    public int components() {
        return members.length;
    }

    /** The component of node {@code i}. */
    public int component(int i) {
        return component[i];
    }

    /** Whether node {@code i} lies on a cycle: it calls itself or shares its component with another node. */
    public boolean recursive(int i) {
        return recursive.get(i);
    }

    /** The nodes of component {@code c}, ascending. */
    public int[] members(int c) {
        return members[c].clone();
    }

    /** The components that nodes of {@code c} call, other than {@code c} itself (all numbered below it). */
    public int[] calledComponents(int c) {
        return calledComponents[c].clone();
    }
}
