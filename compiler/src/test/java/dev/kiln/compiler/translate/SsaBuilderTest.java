package dev.kiln.compiler.translate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrPrinter;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.ir.Verifier;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link SsaBuilder}: a variable read in a sealed block whose predecessors all pass one value gets no
 * block parameter, not even until {@link SsaBuilder#finish} (Braun et al.'s trivial phi, removed when
 * it is made), while one that merges two values keeps its parameter.
 */
class SsaBuilderTest {
    private static final int VAR = 0;

    /** entry: var = 7; brif p -> left, right; left: [var = 9 when {@code leftWrites}]; both jump to join. */
    private record Diamond(IrFunction f, SsaBuilder ssa, Block left, Block right, Block join, Value seven) {
    }

    private static Diamond diamond(boolean leftWrites) {
        IrFunction f = new IrFunction(0, "diamond", new FuncType(List.of(ValType.I32), List.of(ValType.I32)));
        SsaBuilder ssa = new SsaBuilder(f, new IrType[] {IrType.I32});
        Block entry = f.newBlock();
        f.place(entry);
        Value p = entry.addParam(IrType.I32);
        ssa.declareBlock(entry);
        ssa.seal(entry);
        Value seven = entry.append1(Op.ICONST, IrType.I32, 7);
        ssa.write(VAR, entry, seven);
        Block left = f.newBlock();
        Block right = f.newBlock();
        Block join = f.newBlock();
        f.place(left);
        f.place(right);
        f.place(join);
        entry.append(Op.BRIF, List.of(p), 0, null,
                List.of(ssa.branch(entry, left, List.of()), ssa.branch(entry, right, List.of())), List.of());
        ssa.seal(left);
        ssa.seal(right);
        if (leftWrites) {
            ssa.write(VAR, left, left.append1(Op.ICONST, IrType.I32, 9));
        }
        left.append(Op.JUMP, List.of(), 0, null, List.of(ssa.branch(left, join, List.of())), List.of());
        right.append(Op.JUMP, List.of(), 0, null, List.of(ssa.branch(right, join, List.of())), List.of());
        ssa.seal(join);
        return new Diamond(f, ssa, left, right, join, seven);
    }

    @Test
    void aJoinOfOneValueGetsNoParameterBeforeFinish() {
        Diamond d = diamond(false);
        Value v = d.ssa().read(VAR, d.join());
        assertSame(d.seven(), v.resolve());
        assertEquals(0, d.join().params().size(), IrPrinter.print(d.f()));
        assertEquals(0, d.left().terminator().target(0).args().size(), "no argument is left on the edge");
        d.join().append(Op.RETURN, List.of(v), 0, null, null, List.of());
        d.ssa().finish();
        Verifier.verify(d.f());
    }

    @Test
    void aJoinOfTwoValuesKeepsItsParameter() {
        Diamond d = diamond(true);
        Value v = d.ssa().read(VAR, d.join());
        assertEquals(List.of(v), d.join().params());
        assertEquals(9, d.left().terminator().target(0).args().get(0).resolve().definingInst().imm());
        assertSame(d.seven(), d.right().terminator().target(0).args().get(0).resolve());
        d.join().append(Op.RETURN, List.of(v), 0, null, null, List.of());
        d.ssa().finish();
        Verifier.verify(d.f());
        assertEquals(1, d.join().params().size(), IrPrinter.print(d.f()));
    }

    /**
     * A sealed loop header whose loop does not write the variable: the read through the back edge
     * finds the header's new parameter itself (and the latch keeps it as its value); the parameter is
     * still removed, and what the latch took resolves to the value from before the loop.
     */
    @Test
    void aLoopThatKeepsTheVariableGetsNoParameterAndItsBodySeesTheValueFromBefore() {
        IrFunction f = new IrFunction(0, "loop", new FuncType(List.of(ValType.I32), List.of(ValType.I32)));
        SsaBuilder ssa = new SsaBuilder(f, new IrType[] {IrType.I32});
        Block entry = f.newBlock();
        f.place(entry);
        Value p = entry.addParam(IrType.I32);
        ssa.declareBlock(entry);
        ssa.seal(entry);
        Value seven = entry.append1(Op.ICONST, IrType.I32, 7);
        ssa.write(VAR, entry, seven);
        Block header = f.newBlock();
        Block latch = f.newBlock();
        Block exit = f.newBlock();
        f.place(header);
        f.place(latch);
        f.place(exit);
        entry.append(Op.JUMP, List.of(), 0, null, List.of(ssa.branch(entry, header, List.of())), List.of());
        header.append(Op.BRIF, List.of(p), 0, null,
                List.of(ssa.branch(header, latch, List.of()), ssa.branch(header, exit, List.of())), List.of());
        ssa.seal(latch);
        ssa.seal(exit);
        latch.append(Op.JUMP, List.of(), 0, null, List.of(ssa.branch(latch, header, List.of())), List.of());
        ssa.seal(header);

        Value atHeader = ssa.read(VAR, header);
        assertSame(seven, atHeader.resolve());
        assertEquals(0, header.params().size(), IrPrinter.print(f));
        assertSame(seven, ssa.read(VAR, latch).resolve(), "the latch's value was the parameter, now an alias");
        Value atExit = ssa.read(VAR, exit);
        exit.append(Op.RETURN, List.of(atExit), 0, null, null, List.of());
        ssa.finish();
        Verifier.verify(f);
        assertSame(seven, exit.terminator().arg(0));
    }
}
