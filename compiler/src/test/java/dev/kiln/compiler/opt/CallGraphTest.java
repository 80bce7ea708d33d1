package dev.kiln.compiler.opt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Strongly connected components of the call graph, numbered callees first. */
class CallGraphTest {
    @Test
    void componentsComeCalleesFirstAndCyclesStayTogether() {
        // 0 -> 1 -> 2 -> 1 (a cycle), 0 -> 3, 3 -> 3 (self-recursive), 4 alone, 5 -> 0
        CallGraph g = CallGraph.of(new int[][] {{1, 3}, {2}, {1}, {3}, {}, {0}});
        assertEquals(5, g.components());
        assertEquals(g.component(1), g.component(2));
        assertArrayEquals(new int[] {1, 2}, g.members(g.component(1)));
        for (int[] edge : new int[][] {{0, 1}, {0, 3}, {5, 0}}) {
            assertTrue(g.component(edge[1]) < g.component(edge[0]), edge[0] + " -> " + edge[1]);
        }
        assertArrayEquals(new int[0], g.calledComponents(g.component(3)), "a self-call is no dependency");
        assertTrue(g.recursive(1) && g.recursive(2) && g.recursive(3));
        assertTrue(!g.recursive(0) && !g.recursive(4) && !g.recursive(5));
        int[] called = g.calledComponents(g.component(0));
        assertEquals(2, called.length);
    }

    @Test
    void aDeepChainDoesNotOverflowTheStack() {
        int n = 200_000;
        int[][] edges = new int[n][];
        for (int i = 0; i < n; i++) {
            edges[i] = i + 1 < n ? new int[] {i + 1} : new int[] {0};
        }
        CallGraph g = CallGraph.of(edges);
        assertEquals(1, g.components());
        edges[n - 1] = new int[0];
        assertEquals(n, CallGraph.of(edges).components());
    }
}
