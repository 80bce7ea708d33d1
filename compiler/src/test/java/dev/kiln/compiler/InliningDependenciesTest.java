package dev.kiln.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.compiler.opt.CallGraph;
import org.junit.jupiter.api.Test;

/** What a function waits for before the compiler's workers take it ({@link ModuleCompiler#inliningDependencies}). */
class InliningDependenciesTest {
    @Test
    void aFunctionWaitsOnlyForItsInliningCandidateCalleesOutsideItsComponent() {
        // 0 and 1 call each other (one component); 0 calls 2 (small) twice and 3 (large);
        // 1 calls 4 (small); 4 calls nothing; 5 calls 0 (in a component with a small member) and 3;
        // 6 calls 4, 2, 4 and 0
        int[][] callees = {{1, 2, 3, 2}, {0, 4}, {}, {2}, {}, {0, 3}, {4, 2, 4, 0}};
        boolean[] candidate = {true, false, true, false, true, true, false};
        CallGraph graph = CallGraph.of(callees);
        int[][] waitsFor = ModuleCompiler.inliningDependencies(graph, callees, candidate);
        assertArrayEquals(new int[] {2}, waitsFor[0], "not 1 (same component), 2 once, not 3 (too large)");
        assertArrayEquals(new int[] {4}, waitsFor[1], "only its own small callee, not those of 0");
        assertArrayEquals(new int[] {}, waitsFor[2]);
        assertArrayEquals(new int[] {2}, waitsFor[3]);
        assertArrayEquals(new int[] {}, waitsFor[4]);
        assertArrayEquals(new int[] {0}, waitsFor[5], "0, a small member of a cycle, but not 1 beside it");
        assertArrayEquals(new int[] {0, 2, 4}, waitsFor[6], "ascending, each once");
    }
}
