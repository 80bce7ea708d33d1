package dev.kiln.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.opt.DeadCodeElimination;
import dev.kiln.compiler.text.Wat;
import dev.kiln.compiler.translate.FunctionTranslator;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.WasmModule;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SSA construction, the verifier, the printer and dead code elimination, on IR text. */
class IrTest {
    private static IrFunction translate(String wat, int funcIndex) {
        byte[] bytes = Wat.parseModule(wat);
        WasmModule m = ModuleDecoder.decode(bytes);
        IrFunction f = FunctionTranslator.translate(m, bytes, funcIndex, "f",
                dev.kiln.abi.VMContextLayout.forModule(m.memories().size(), java.util.List.of(), m.data().size()));
        Verifier.verify(f);
        return f;
    }

    @Test
    void loopVariablesBecomeLoopHeaderParameters() {
        IrFunction f = translate("""
                (module (func (param $n i64) (result i64) (local $i i64) (local $acc i64)
                  (block $done (loop $next
                    (br_if $done (i64.gt_u (local.get $i) (local.get $n)))
                    (local.set $acc (i64.add (local.get $acc) (local.get $i)))
                    (local.set $i (i64.add (local.get $i) (i64.const 1)))
                    (br $next)))
                  (local.get $acc)))
                """, 0);
        DeadCodeElimination.run(f);
        Verifier.verify(f);
        String ir = IrPrinter.print(f);
        // $n never changes in the loop: it is not a parameter; $i and $acc are.
        Block header = f.blocks().get(1);
        assertEquals(2, header.params().size(), ir);
        assertTrue(header.params().stream().allMatch(p -> p.type() == IrType.I64), ir);
        assertFalse(f.entry().params().isEmpty(), ir);
        assertTrue(ir.contains("icmp.ugt"), ir);
        assertTrue(ir.contains("brif"), ir);
        // the zero-initialised locals are passed in from the entry
        assertTrue(ir.matches("(?s).*jump block\\d+\\(v\\d+, v\\d+\\).*"), ir);
    }

    @Test
    void aLocalUnchangedThroughNestedLoopsNeedsNoParameterAtAnyHeader() {
        // $k is read in the innermost loop and written only before the loops: each header first gets a
        // parameter for it, and the outer ones become trivial only after the inner ones are removed
        IrFunction f = translate("""
                (module (func (param $n i32) (result i32) (local $i i32) (local $k i32)
                  (local.set $k (i32.const 7))
                  (loop $outer
                    (loop $middle
                      (loop $inner
                        (local.set $i (i32.add (local.get $i) (local.get $k)))
                        (br_if $inner (i32.lt_u (local.get $i) (local.get $n))))
                      (br_if $middle (i32.lt_u (local.get $i) (i32.mul (local.get $n) (i32.const 2)))))
                    (br_if $outer (i32.lt_u (local.get $i) (i32.mul (local.get $n) (i32.const 3)))))
                  (local.get $i)))
                """, 0);
        String ir = IrPrinter.print(f);
        int headers = 0;
        for (Block b : f.blocks()) {
            if (b != f.entry() && !b.params().isEmpty()) {
                headers++;
                assertEquals(1, b.params().size(), "only $i at " + b + ":\n" + ir);
            }
        }
        assertEquals(3, headers, ir);
        assertTrue(ir.contains("iconst.i32 7"), ir);
    }

    @Test
    void localsUnchangedOnAllPathsNeedNoBlockParameter() {
        IrFunction f = translate("""
                (module (func (param i32 i32) (result i32) (local i32)
                  (local.set 2 (i32.const 5))
                  (if (local.get 0) (then (local.set 1 (i32.const 9))))
                  (i32.add (local.get 1) (local.get 2))))
                """, 0);
        // the join after the if merges local 1 (two values) but not local 2 (same value on both paths)
        Block join = f.blocks().get(f.blocks().size() - 2);
        assertEquals(1, join.params().size(), IrPrinter.print(f));
    }

    @Test
    void verifierRejectsUseBeforeDefinitionAndWrongArity() {
        IrFunction f = new IrFunction(0, "bad", new FuncType(List.of(ValType.I32), List.of(ValType.I32)));
        Block entry = f.newBlock();
        f.place(entry);
        Value p = entry.addParam(IrType.I32);
        Block other = f.newBlock();
        f.place(other);
        Value x = other.append1(Op.IADD, IrType.I32, 0, p, p);
        entry.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(other, List.of())), List.of());
        other.append(Op.RETURN, List.of(x), 0, null, null, List.of());
        Verifier.verify(f);

        IrFunction g = new IrFunction(0, "bad", new FuncType(List.of(ValType.I32), List.of(ValType.I32)));
        Block e2 = g.newBlock();
        g.place(e2);
        Value q = e2.addParam(IrType.I32);
        Block b1 = g.newBlock();
        Block b2 = g.newBlock();
        g.place(b1);
        g.place(b2);
        e2.append(Op.BRIF, List.of(q), 0, null, List.of(new BlockCall(b1, List.of()), new BlockCall(b2, List.of())), List.of());
        Value onlyInB1 = b1.append1(Op.ICONST, IrType.I32, 1);
        b1.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(b2, List.of())), List.of());
        b2.append(Op.RETURN, List.of(onlyInB1), 0, null, null, List.of());
        Verifier.VerifyException e = assertThrows(Verifier.VerifyException.class, () -> Verifier.verify(g));
        assertTrue(e.getMessage().contains("does not dominate"), e.getMessage());

        IrFunction h = new IrFunction(0, "bad", new FuncType(List.of(), List.of()));
        Block e3 = h.newBlock();
        h.place(e3);
        Block withParam = h.newBlock();
        withParam.addParam(IrType.I64);
        h.place(withParam);
        e3.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(withParam, List.of())), List.of());
        withParam.append(Op.RETURN, List.of(), 0, null, null, List.of());
        Verifier.VerifyException arity = assertThrows(Verifier.VerifyException.class, () -> Verifier.verify(h));
        assertTrue(arity.getMessage().contains("passes 0 args"), arity.getMessage());
    }

    @Test
    void deadCodeEliminationRemovesUnusedPureChains() {
        IrFunction f = translate("""
                (module (func (param i32) (result i32) (local i32)
                  (local.set 1 (i32.mul (i32.add (local.get 0) (i32.const 3)) (i32.const 7)))
                  (local.get 0)))
                """, 0);
        String before = IrPrinter.print(f);
        assertTrue(before.contains("imul"), before);
        assertTrue(DeadCodeElimination.run(f));
        Verifier.verify(f);
        String after = IrPrinter.print(f);
        assertFalse(after.contains("imul") || after.contains("iadd"), after);
        assertTrue(after.contains("return v0"), after);
    }

    @Test
    void deadCodeEliminationKeepsTrappingInstructions() {
        IrFunction f = translate("""
                (module (func (param i32 i32) (result i32)
                  (drop (i32.div_s (local.get 0) (local.get 1)))
                  (i32.const 0)))
                """, 0);
        DeadCodeElimination.run(f);
        assertTrue(IrPrinter.print(f).contains("sdiv"), IrPrinter.print(f));
    }

    @Test
    void codeAfterBranchesIsNotTranslated() {
        IrFunction f = translate("""
                (module (func (param i32) (result i32)
                  (block (result i32) (br 0 (i32.const 1)) (i32.add (i32.const 2) (i32.const 3)) (drop) (i32.const 4))))
                """, 0);
        assertFalse(IrPrinter.print(f).contains("iadd"), IrPrinter.print(f));
    }
}
