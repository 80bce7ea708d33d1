package dev.kiln.compiler.opt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.text.Wat;
import dev.kiln.compiler.wasm.Validator;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The direct calls read from Wasm bodies as they are validated, against what the translated IR says. */
class DirectCallsTest {
    private static final String WAT = """
            (module
              (type $t (func (result i32)))
              (import "env" "host" (func $host (result i32)))
              (import "env" "lowered" (func $lowered (result i32)))
              (table 1 funcref)
              (func $leaf (result i32) (i32.const 1))
              (func $calls (result i32)
                (drop (call $leaf))
                (drop (call $host))
                (if (result i32) (call $leaf) (then (call $tail)) (else (call $leaf))))
              (func $tail (result i32) (return_call $calls))
              (func $toHost (result i32) (return_call $host))
              (func $toLowered (result i32) (return_call $lowered))
              (func $viaTable (result i32) (return_call_indirect (type $t) (i32.const 0)))
              (func $branches (param i32) (result i32)
                (block $b (result i32)
                  (br_if $b (call $leaf) (local.get 0))
                  (drop)
                  (loop $l (br_if $l (call $tail)))
                  (return_call $leaf)))
              (func $dead (result i32)
                (return (call $leaf))
                (drop (call $toHost))
                (return_call_indirect (type $t) (i32.const 0))))
            """;

    private static final int IMPORTED = 2;
    private static final int LOWERED = 1; // funcidx of $lowered

    private static DirectCalls scan(OptTestSupport.Translated t, byte[] bytes, int i) {
        return DirectCalls.validateAndRead(Validator.validateAllButBodies(t.module(), bytes), i, IMPORTED,
                t.functions().size(), f -> f == LOWERED);
    }

    /** What the IR of a function calls directly, as sets of defined functions (funcidx - imported). */
    private record IrCalls(Set<Integer> callees, boolean leavesInstance, Set<Integer> tailCallees) {
        static IrCalls of(IrFunction f, int defined) {
            Set<Integer> callees = new TreeSet<>();
            Set<Integer> tailCallees = new TreeSet<>();
            boolean leaves = false;
            for (Block b : f.blocks()) {
                for (Inst inst : b.insts()) {
                    long callee = inst.imm() - IMPORTED;
                    if (inst.op() == Op.RETURN_CALL_REF || inst.op() == Op.RETURN_CALL && callee < 0) {
                        leaves = true;
                    }
                    if ((inst.op() == Op.CALL || inst.op() == Op.RETURN_CALL) && callee >= 0 && callee < defined) {
                        callees.add((int) callee);
                        if (inst.op() == Op.RETURN_CALL) {
                            tailCallees.add((int) callee);
                        }
                    }
                }
            }
            return new IrCalls(callees, leaves, tailCallees);
        }
    }

    private static Set<Integer> set(int[] values) {
        Set<Integer> s = new TreeSet<>();
        for (int v : values) {
            s.add(v);
        }
        return s;
    }

    @Test
    void reachableCallsAreTheTranslatedOnes() {
        byte[] bytes = Wat.parseModule(WAT);
        OptTestSupport.Translated t = OptTestSupport.translateAll(WAT);
        int defined = t.functions().size();
        for (int i = 0; i < defined - 1; i++) { // all but $dead
            IrCalls want = IrCalls.of(t.functions().get(i), defined);
            // translated without intrinsics: nothing is lowered in place
            DirectCalls got = DirectCalls.validateAndRead(Validator.validateAllButBodies(t.module(), bytes), i, IMPORTED,
                    defined, funcIndex -> false);
            assertEquals(want.callees(), set(got.definedCallees()), "callees of defined function " + i);
            TailCallReach.TailCalls tails = got.tailCalls();
            assertEquals(want.leavesInstance(), tails != null && tails.leavesInstance(), "leaves, defined function " + i);
            assertEquals(want.tailCallees(), tails == null ? Set.of() : set(tails.definedCallees()), "tail callees " + i);
        }
    }

    @Test
    void eachCalleeOnceInTheOrderOfItsFirstCall() {
        byte[] bytes = Wat.parseModule(WAT);
        OptTestSupport.Translated t = OptTestSupport.translateAll(WAT);
        assertArrayEquals(new int[] {0, 2}, scan(t, bytes, 1).definedCallees()); // $leaf, $tail
        assertArrayEquals(new int[] {0, 2}, scan(t, bytes, 6).definedCallees()); // $leaf, $tail
        assertArrayEquals(new int[] {0}, scan(t, bytes, 6).tailCalls().definedCallees());
        assertFalse(scan(t, bytes, 6).tailCalls().leavesInstance());
    }

    @Test
    void importsLeaveTheInstanceUnlessLoweredInPlace() {
        byte[] bytes = Wat.parseModule(WAT);
        OptTestSupport.Translated t = OptTestSupport.translateAll(WAT);
        assertTrue(scan(t, bytes, 3).tailCalls().leavesInstance()); // return_call $host
        assertNull(scan(t, bytes, 4).tailCalls()); // return_call $lowered returns in place
        assertTrue(scan(t, bytes, 5).tailCalls().leavesInstance()); // return_call_indirect
        assertArrayEquals(new int[0], scan(t, bytes, 3).definedCallees());
    }

    @Test
    void unreachableCodeAddsEdgesButNeverLosesOne() {
        byte[] bytes = Wat.parseModule(WAT);
        OptTestSupport.Translated t = OptTestSupport.translateAll(WAT);
        int dead = t.functions().size() - 1;
        DirectCalls calls = scan(t, bytes, dead);
        IrCalls fromIr = IrCalls.of(t.functions().get(dead), t.functions().size());
        assertEquals(Set.of(0), fromIr.callees()); // the translator drops what follows the return
        assertFalse(fromIr.leavesInstance());
        assertArrayEquals(new int[] {0, 3}, calls.definedCallees()); // $leaf, $toHost
        assertTrue(calls.tailCalls().leavesInstance());
    }

    @Test
    void returnCallRefLeavesTheInstance() {
        String wat = """
                (module
                  (type $t (func (result i32)))
                  (func $f (result i32) (i32.const 1))
                  (elem declare func $f)
                  (func $g (result i32) (call_ref $t (ref.func $f)) (drop) (return_call_ref $t (ref.func $f))))
                """;
        byte[] bytes = Wat.parseModule(wat);
        var module = dev.kiln.compiler.wasm.ModuleDecoder.decode(bytes);
        DirectCalls calls = DirectCalls.validateAndRead(Validator.validateAllButBodies(module, bytes), 1, 0, 2, f -> false);
        assertArrayEquals(new int[0], calls.definedCallees()); // a call through a reference is no edge
        assertTrue(calls.tailCalls().leavesInstance());
    }

    @Test
    void anInvalidBodyIsReportedNotRead() {
        byte[] bytes = Wat.parseModule("(module (func $f (result i32) (call $f) (call $f)))");
        var module = dev.kiln.compiler.wasm.ModuleDecoder.decode(bytes);
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.kiln.compiler.wasm.InvalidModuleException.class,
                () -> DirectCalls.validateAndRead(Validator.validateAllButBodies(module, bytes), 0, 0, 1, f -> false));
        assertTrue(e.getMessage().contains("type mismatch"), e.getMessage());
    }

    private static final String LOOPS = """
            (module
              (func $a (result i32) (i32.const 1))
              (func $b (result i32) (i32.const 2))
              (func $c (result i32) (i32.const 3))
              (func $d (result i32) (i32.const 4))
              (func $f (param i32) (result i32)
                (drop (call $a))
                (loop $outer
                  (block $out
                    (loop $inner
                      (drop (call $b))
                      (br_if $out (local.get 0))
                      (br_if $inner (local.get 0)))
                    (drop (call $a)))
                  (br_if $outer (local.get 0))
                  (drop (call $c)))
                (drop (call $b))
                (if (local.get 0) (then (loop (drop (call $d)))))
                (return_call $c))
              (func $g (result i32) (return_call $d)))
            """;

    @Test
    void eachCalleeHasTheDeepestLoopNestingOfItsCallsAndTailCallsAloneHaveNone() {
        byte[] bytes = Wat.parseModule(LOOPS);
        var module = dev.kiln.compiler.wasm.ModuleDecoder.decode(bytes);
        var bodies = Validator.validateAllButBodies(module, bytes);
        DirectCalls f = DirectCalls.validateAndRead(bodies, 4, 0, 6, k -> false);
        assertArrayEquals(new int[] {0, 1, 2, 3}, f.definedCallees()); // $a, $b, $c, $d
        // $a: 0, then 1 after the inner loop; $b: 2 in the inner loop, then 0; $c: 1 after the outer
        // loop's back edge, still inside it, and a tail call; $d: 1, in a loop with no back edge
        assertArrayEquals(new int[] {1, 2, 1, 1}, f.loopDepths());
        DirectCalls g = DirectCalls.validateAndRead(bodies, 5, 0, 6, k -> false);
        assertArrayEquals(new int[] {3}, g.definedCallees());
        assertArrayEquals(new int[] {-1}, g.loopDepths()); // only a tail call, which the inliner leaves alone
    }

    @Test
    void theInlinersLoopDepthOfACallIsNeverMoreThanItsCalleesLoopNesting() {
        for (String wat : new String[] {LOOPS, WAT}) {
            byte[] bytes = Wat.parseModule(wat);
            OptTestSupport.Translated t = OptTestSupport.translateAll(wat);
            int imported = t.module().importedFunctionCount();
            int defined = t.functions().size();
            var bodies = Validator.validateAllButBodies(t.module(), bytes);
            int checked = 0;
            for (int i = 0; i < defined; i++) {
                IrFunction f = t.functions().get(i);
                DirectCalls calls = DirectCalls.validateAndRead(bodies, i, imported, defined, k -> false);
                int[] depth = OptUtil.loopDepths(f);
                for (Block b : f.blocks()) {
                    for (Inst inst : b.insts()) {
                        long callee = inst.imm() - imported;
                        if (inst.op() != Op.CALL || callee < 0 || callee >= defined) {
                            continue;
                        }
                        int at = -1;
                        for (int j = 0; j < calls.definedCallees().length; j++) {
                            at = calls.definedCallees()[j] == callee ? j : at;
                        }
                        assertTrue(at >= 0, "function " + i + " calls " + callee);
                        assertTrue(depth[b.id()] <= calls.loopDepths()[at], "function " + i + ", call of " + callee
                                + " at IR loop depth " + depth[b.id()] + ", recorded " + calls.loopDepths()[at]);
                        checked++;
                    }
                }
            }
            assertTrue(checked >= 6, "calls checked: " + checked);
        }
        // and the loops are seen: $b's call in LOOPS' $f is two natural loops deep
        OptTestSupport.Translated t = OptTestSupport.translateAll(LOOPS);
        int[] depth = OptUtil.loopDepths(t.functions().get(4));
        assertEquals(2, java.util.Arrays.stream(depth).max().orElse(0));
    }

    @Test
    void manyCalleesKeepTheirOrderAndDepthsBeyondTheLinearSearch() {
        int n = 80; // past the linear search, and past one growth of the hash table
        StringBuilder wat = new StringBuilder("(module\n");
        for (int k = 0; k < n; k++) {
            wat.append("  (func (result i32) (i32.const ").append(k).append("))\n");
        }
        wat.append("  (func (param i32) (result i32)\n");
        for (int k = 0; k < n; k++) {
            wat.append("    (drop (call ").append(k).append("))\n");
        }
        wat.append("    (loop $l\n");
        for (int k = n - 2; k >= 0; k -= 2) {
            wat.append("      (drop (call ").append(k).append("))\n");
        }
        wat.append("      (br_if $l (local.get 0)))\n    (drop (call 0))\n    (return_call 1)))\n");
        byte[] bytes = Wat.parseModule(wat.toString());
        var module = dev.kiln.compiler.wasm.ModuleDecoder.decode(bytes);
        DirectCalls calls = DirectCalls.validateAndRead(Validator.validateAllButBodies(module, bytes), n, 0, n + 1,
                k -> false);
        int[] order = new int[n];
        int[] depths = new int[n];
        for (int k = 0; k < n; k++) {
            order[k] = k;
            depths[k] = k % 2 == 0 ? 1 : 0; // the even ones again in the loop
        }
        assertArrayEquals(order, calls.definedCallees());
        assertArrayEquals(depths, calls.loopDepths());
        assertArrayEquals(new int[] {1}, calls.tailCalls().definedCallees());
    }
}
