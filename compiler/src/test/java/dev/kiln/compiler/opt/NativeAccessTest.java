package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.count;
import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.ir.Verifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The rewrites of native accesses (unsafe intrinsics, {@link Op#NATIVE}): address-mode folding in
 * the {@link Simplifier}, {@link NativeLoadNarrowing}, and GVN of native loads whose base and index
 * come in either order. Each function is built by hand as the intrinsics build it ({@code base,
 * iconst 0, imm}), checked for its new shape, and run before and after on the reference interpreter
 * of {@link OptTestSupport} (results and the final memory must be the same).
 */
class NativeAccessTest {
    private static final int NATIVE = Op.NATIVE;

    /**
     * {@code f(p: i64, i: i32) -> results}, one block, built by {@code body} from {@code p}, {@code i}
     * and the entry block; {@code body} returns the returned values.
     */
    private static IrFunction function(List<ValType> results, java.util.function.BiFunction<Block, Value[], List<Value>> body) {
        IrFunction f = new IrFunction(0, "t", new FuncType(List.of(ValType.I64, ValType.I32), results));
        Block entry = f.newBlock();
        f.place(entry);
        Value p = entry.addParam(IrType.I64);
        Value i = entry.addParam(IrType.I32);
        List<Value> r = body.apply(entry, new Value[] {p, i});
        entry.append(Op.RETURN, r, 0, null, null, List.of());
        Verifier.verify(f);
        return f;
    }

    private static Inst load(Block b, Value address, IrType type, int aux) {
        Value zero = b.append1(Op.ICONST, IrType.I64, 0);
        return b.append(Op.LOAD, List.of(address, zero), 0, null, null, List.of(type)).withAux(aux);
    }

    private static Inst store(Block b, Value address, Value value, int aux) {
        Value zero = b.append1(Op.ICONST, IrType.I64, 0);
        return b.append(Op.STORE, List.of(address, zero, value), 0, null, null, List.of()).withAux(aux);
    }

    private static Value add(Block b, Value x, Value y) {
        return b.append1(Op.IADD, IrType.I64, 0, x, y);
    }

    private static Value constant(Block b, long c) {
        return b.append1(Op.ICONST, IrType.I64, c);
    }

    private static List<Inst> accesses(IrFunction f) {
        return OptTestSupport.accesses(f);
    }

    /**
     * Runs {@code f} on inputs {@code (BASE + 64 + k, i)} over a memory filled with a pattern, applies
     * {@code pass}, checks the IR and that every run gives the same results and memory; returns the
     * optimized function.
     */
    private static IrFunction sameBehaviour(IrFunction f, Consumer<IrFunction> pass) {
        var t = new OptTestSupport.Translated(null, List.of(f), VMContextLayout.forModule(0, List.of(), 0));
        long[][] inputs = {{0, 0}, {8, 3}, {1, 100}, {200, 7}, {4096, 255}};
        List<OptTestSupport.Outcome> before = new ArrayList<>();
        for (long[] in : inputs) {
            before.add(run(t, f, in));
        }
        String ir = print(f);
        pass.accept(f);
        Verifier.verify(f);
        DeadCodeElimination.run(f);
        Verifier.verify(f);
        String after = print(f);
        for (int n = 0; n < inputs.length; n++) {
            assertEquals(before.get(n), run(t, f, inputs[n]), "before:\n" + ir + "after:\n" + after);
        }
        return f;
    }

    private static OptTestSupport.Outcome run(OptTestSupport.Translated t, IrFunction f, long[] in) {
        var m = new OptTestSupport.Machine(t.layout(), t.functions()::get, 1);
        Random r = new Random(7);
        r.nextBytes(m.memory);
        return m.run(f, OptTestSupport.BASE + 64 + in[0], in[1]);
    }

    @Test
    void constantAddendsMoveIntoTheDisplacement() {
        // store data style: load (p + 8), and load ((p + 16) + 4) into an i64 and an i32
        IrFunction f = sameBehaviour(function(List.of(ValType.I64, ValType.I32), (b, a) -> {
            Value x = load(b, add(b, a[0], constant(b, 8)), IrType.I64, 8 | NATIVE).result();
            Value y = load(b, add(b, add(b, a[0], constant(b, 16)), constant(b, 4)), IrType.I32, 4 | NATIVE).result();
            return List.of(x, y);
        }), Simplifier::run);
        List<Inst> acc = accesses(f);
        assertEquals(2, acc.size(), print(f));
        for (Inst load : acc) {
            assertSame(f.entry().params().get(0), load.arg(0), print(f));
            assertEquals(0, OptUtil.iconst(load.arg(1)), print(f));
        }
        assertEquals(8, acc.get(0).imm(), print(f));
        assertEquals(20, acc.get(1).imm(), print(f));
        assertEquals(0, count(f, Op.IADD), print(f));
    }

    @Test
    void aSumOfTwoValuesBecomesBaseAndIndex() {
        // the zero-copy example's get/set: p + zext(i), read, incremented and written back; and
        // (p + zext(i)) + 24, whose constant also moves
        IrFunction f = sameBehaviour(function(List.of(ValType.I32), (b, a) -> {
            Value i64 = b.append1(Op.UEXTEND, IrType.I64, 0, a[1]);
            Value addr = add(b, a[0], i64);
            Value v = load(b, addr, IrType.I32, 1 | NATIVE).result();
            Value v1 = b.append1(Op.IADD, IrType.I32, 0, v, b.append1(Op.ICONST, IrType.I32, 1));
            store(b, addr, v1, 1 | NATIVE);
            Value w = load(b, add(b, addr, constant(b, 24)), IrType.I32, 2 | 16 | NATIVE).result();
            return List.of(b.append1(Op.IADD, IrType.I32, 0, v1, w));
        }), Simplifier::run);
        Value p = f.entry().params().get(0);
        List<Inst> acc = accesses(f);
        assertEquals(3, acc.size(), print(f));
        for (Inst access : acc) {
            assertSame(p, access.arg(0), print(f));
            assertEquals(Op.UEXTEND, access.arg(1).definingInst().op(), print(f));
        }
        assertEquals(0, acc.get(0).imm(), print(f));
        assertEquals(0, acc.get(1).imm(), print(f));
        assertEquals(24, acc.get(2).imm(), print(f));
        assertEquals(0, f.entry().insts().stream()
                .filter(x -> x.op() == Op.IADD && x.result().type() == IrType.I64).count(), print(f));
    }

    @Test
    void displacementsOutsideZeroTo2Pow31StayAdditions() {
        IrFunction f = sameBehaviour(function(List.of(ValType.I64), (b, a) -> {
            // the simplifier's reassociation makes this p + (-8): a negative displacement stays an iadd
            Value back = add(b, add(b, a[0], constant(b, 64)), constant(b, -72));
            return List.of(load(b, back, IrType.I64, 8 | NATIVE).result());
        }), Simplifier::run);
        Inst load = accesses(f).get(0);
        assertEquals(Op.IADD, load.arg(0).definingInst().op(), print(f));
        assertEquals(0, load.imm(), print(f));

        // not run: the addresses lie beyond the interpreter's memory
        IrFunction g = function(List.of(ValType.I64, ValType.I64), (b, a) -> List.of(
                load(b, add(b, a[0], constant(b, 1L << 31)), IrType.I64, 8 | NATIVE).result(),
                load(b, add(b, a[0], constant(b, (1L << 31) - 1)), IrType.I64, 8 | NATIVE).result()));
        Simplifier.run(g);
        Verifier.verify(g);
        List<Inst> acc = accesses(g);
        assertEquals(Op.IADD, acc.get(0).arg(0).definingInst().op(), print(g));
        assertEquals(0, acc.get(0).imm(), print(g));
        assertSame(g.entry().params().get(0), acc.get(1).arg(0), print(g));
        assertEquals((1L << 31) - 1, acc.get(1).imm(), print(g));
    }

    @Test
    void wasmHeapAccessesKeepTheirAddress() {
        IrFunction f = function(List.of(ValType.I64), (b, a) -> {
            Value x = load(b, add(b, a[0], constant(b, 8)), IrType.I64, 8).result();
            return List.of(x);
        });
        Simplifier.run(f);
        Inst load = accesses(f).get(0);
        assertEquals(Op.IADD, load.arg(0).definingInst().op(), print(f));
        assertEquals(0, load.imm(), print(f));
    }

    @Test
    void aWrappedSingleUseNativeLoadNarrows() {
        // i32.wrap_i64 (u64-native-load (sda + 8)): the length field read as a u32
        IrFunction f = sameBehaviour(function(List.of(ValType.I32, ValType.I32), (b, a) -> {
            Value len = load(b, add(b, a[0], constant(b, 8)), IrType.I64, 8 | NATIVE).result();
            Value small = load(b, a[0], IrType.I64, 2 | 16 | NATIVE).result();
            return List.of(b.append1(Op.IREDUCE, IrType.I32, 0, len), b.append1(Op.IREDUCE, IrType.I32, 0, small));
        }), g -> {
            Simplifier.run(g);
            assertTrue(NativeLoadNarrowing.run(g));
        });
        assertEquals(0, count(f, Op.IREDUCE), print(f));
        List<Inst> acc = accesses(f);
        assertEquals(IrType.I32, acc.get(0).result().type(), print(f));
        assertEquals(4 | NATIVE, acc.get(0).aux(), print(f));
        assertEquals(8, acc.get(0).imm(), print(f));
        assertEquals(2 | 16 | NATIVE, acc.get(1).aux(), print(f)); // keeps its width and sign extension
        assertEquals(IrType.I32, acc.get(1).result().type(), print(f));
    }

    @Test
    void aLoadWithAnotherUseOrOfWasmMemoryDoesNotNarrow() {
        IrFunction f = function(List.of(ValType.I32, ValType.I64, ValType.I32), (b, a) -> {
            Value shared = load(b, a[0], IrType.I64, 8 | NATIVE).result();
            Value heap = load(b, a[0], IrType.I64, 8 | Op.GUARD_PAGE).result();
            return List.of(b.append1(Op.IREDUCE, IrType.I32, 0, shared), shared, b.append1(Op.IREDUCE, IrType.I32, 0, heap));
        });
        assertFalse(NativeLoadNarrowing.run(f), print(f));
        assertEquals(2, count(f, Op.IREDUCE), print(f));
        for (Inst load : accesses(f)) {
            assertEquals(IrType.I64, load.result().type(), print(f));
        }
    }

    @Test
    void nativeLoadsOfOneSumMergeWhateverTheOperandOrder() {
        // load (p + q) and load (q + p): after folding, (p, q) and (q, p); GVN merges them
        IrFunction f = sameBehaviour(function(List.of(ValType.I64), (b, a) -> {
            Value q = b.append1(Op.UEXTEND, IrType.I64, 0, a[1]);
            Value x = load(b, add(b, a[0], q), IrType.I64, 8 | NATIVE).result();
            Value y = load(b, add(b, q, a[0]), IrType.I64, 8 | NATIVE).result();
            return List.of(b.append1(Op.BXOR, IrType.I64, 0, x, y));
        }), g -> {
            Simplifier.run(g);
            GlobalValueNumbering.run(g);
        });
        assertEquals(1, accesses(f).size(), print(f));
    }
}
