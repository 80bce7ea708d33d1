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
}
