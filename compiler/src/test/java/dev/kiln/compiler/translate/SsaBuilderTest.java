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

    /**
     * A function of one i32 parameter {@code p} whose sealed entry block sets the variable to 7, and
     * three more blocks placed after it, {@code a}, {@code b} and {@code c}, for the test to connect.
     */
    private record Start(IrFunction f, SsaBuilder ssa, Block entry, Value p, Value seven, Block a, Block b, Block c) {
        static Start of(String name) {
            IrFunction f = new IrFunction(0, name, new FuncType(List.of(ValType.I32), List.of(ValType.I32)));
            SsaBuilder ssa = new SsaBuilder(f, new IrType[] {IrType.I32});
            Block entry = f.newBlock();
            f.place(entry);
            Value p = entry.addParam(IrType.I32);
            ssa.declareBlock(entry);
            ssa.seal(entry);
            Value seven = entry.append1(Op.ICONST, IrType.I32, 7);
            ssa.write(VAR, entry, seven);
            Block[] more = new Block[3];
            for (int i = 0; i < more.length; i++) {
                more[i] = f.newBlock();
                f.place(more[i]);
            }
            return new Start(f, ssa, entry, p, seven, more[0], more[1], more[2]);
        }

        /** Appends a {@code brif p} from {@code from} to {@code then} and {@code otherwise}. */
        void brif(Block from, Block then, Block otherwise) {
            from.append(Op.BRIF, List.of(p), 0, null,
                    List.of(ssa.branch(from, then, List.of()), ssa.branch(from, otherwise, List.of())), List.of());
        }

        /** Appends a {@code jump} from {@code from} to {@code to}. */
        void jump(Block from, Block to) {
            from.append(Op.JUMP, List.of(), 0, null, List.of(ssa.branch(from, to, List.of())), List.of());
        }
    }

    private static Diamond diamond(boolean leftWrites) {
        Start s = Start.of("diamond");
        Block left = s.a();
        Block right = s.b();
        Block join = s.c();
        s.brif(s.entry(), left, right);
        s.ssa().seal(left);
        s.ssa().seal(right);
        if (leftWrites) {
            s.ssa().write(VAR, left, left.append1(Op.ICONST, IrType.I32, 9));
        }
        s.jump(left, join);
        s.jump(right, join);
        s.ssa().seal(join);
        return new Diamond(s.f(), s.ssa(), left, right, join, s.seven());
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
        Start s = Start.of("loop");
        SsaBuilder ssa = s.ssa();
        Block header = s.a();
        Block latch = s.b();
        Block exit = s.c();
        s.jump(s.entry(), header);
        s.brif(header, latch, exit);
        ssa.seal(latch);
        ssa.seal(exit);
        s.jump(latch, header);
        ssa.seal(header);

        Value atHeader = ssa.read(VAR, header);
        assertSame(s.seven(), atHeader.resolve());
        assertEquals(0, header.params().size(), IrPrinter.print(s.f()));
        assertSame(s.seven(), ssa.read(VAR, latch).resolve(), "the latch's value was the parameter, now an alias");
        Value atExit = ssa.read(VAR, exit);
        exit.append(Op.RETURN, List.of(atExit), 0, null, null, List.of());
        ssa.finish();
        Verifier.verify(s.f());
        assertSame(s.seven(), exit.terminator().arg(0));
    }
}
