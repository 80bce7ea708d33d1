package dev.kiln.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link DominatorTree}: the dominators of a diamond with a loop, and the tree a function keeps, given
 * again only while the edges among its reachable blocks are unchanged.
 */
class DominatorTreeTest {
    /** entry -> (left | right) -> join -> loop -> (loop | exit); unused is placed but unreachable. */
    private static final class Diamond {
        final IrFunction f = new IrFunction(0, "diamond", new FuncType(List.of(ValType.I32), List.of()));
        final Block entry = block();
        final Block left = block();
        final Block right = block();
        final Block join = block();
        final Block loop = block();
        final Block exit = block();
        final Block unused = block();
        final Value p = entry.addParam(IrType.I32);

        Diamond() {
            branch(entry, left, right);
            jump(left, join);
            jump(right, join);
            jump(join, loop);
            branch(loop, loop, exit);
            exit.append(Op.RETURN, List.of(), 0, null, null, List.of());
            jump(unused, exit);
        }

        private Block block() {
            Block b = f.newBlock();
            f.place(b);
            return b;
        }

        void branch(Block from, Block a, Block b) {
            from.append(Op.BRIF, List.of(p), 0, null, List.of(new BlockCall(a, List.of()), new BlockCall(b, List.of())),
                    List.of());
        }

        static void jump(Block from, Block to) {
            from.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(to, List.of())), List.of());
        }
    }

    @Test
    void dominatorsOfADiamondWithALoop() {
        Diamond d = new Diamond();
        DominatorTree dom = DominatorTree.compute(d.f);
        assertEquals(6, dom.reversePostorder().size(), "all but the unused block");
        assertSame(d.entry, dom.reversePostorder().get(0));
        assertNull(dom.idom(d.entry));
        assertSame(d.entry, dom.idom(d.left));
        assertSame(d.entry, dom.idom(d.right));
        assertSame(d.entry, dom.idom(d.join));
        assertSame(d.join, dom.idom(d.loop));
        assertSame(d.loop, dom.idom(d.exit));
        assertTrue(dom.dominates(d.join, d.exit));
        assertFalse(dom.dominates(d.left, d.join));
        assertFalse(dom.isReachable(d.unused));
        assertFalse(dom.dominates(d.unused, d.exit));
    }

    @Test
    void theTreeIsGivenAgainWhileTheControlFlowIsUnchanged() {
        Diamond d = new Diamond();
        DominatorTree first = DominatorTree.compute(d.f);
        d.join.insert(0, new Inst(Op.ICONST, List.of(), 7, null, null)); // no edge changes
        Block detached = d.f.newBlock(); // created, not reachable: no edge changes
        assertSame(first, DominatorTree.compute(d.f));
        assertSame(first.reversePostorder(), DominatorTree.reversePostorder(d.f));
        assertFalse(first.isReachable(detached));
    }

    @Test
    void aRetargetedBranchGivesANewTree() {
        Diamond d = new Diamond();
        DominatorTree first = DominatorTree.compute(d.f);
        // right now jumps past join straight into the loop: join no longer dominates the loop
        d.right.terminator().targets().get(0).setTarget(d.loop);
        DominatorTree second = DominatorTree.compute(d.f);
        assertNotSame(first, second);
        assertSame(d.entry, second.idom(d.loop));
        assertFalse(second.dominates(d.join, d.exit));
        assertSame(second, DominatorTree.compute(d.f));
    }

    @Test
    void aReplacedTerminatorOrANewlyReachableBlockGivesANewTree() {
        Diamond d = new Diamond();
        DominatorTree first = DominatorTree.compute(d.f);
        // the loop's branch replaced by a jump to the formerly unreachable block
        d.loop.insts().remove(d.loop.insts().size() - 1);
        Diamond.jump(d.loop, d.unused);
        DominatorTree second = DominatorTree.compute(d.f);
        assertNotSame(first, second);
        assertTrue(second.isReachable(d.unused));
        assertSame(d.loop, second.idom(d.unused));
        assertSame(d.unused, second.idom(d.exit));
        assertEquals(second.reversePostorder(), DominatorTree.reversePostorder(d.f));

        // a block merged away (its instructions moved into its predecessor) leaves its terminator elsewhere
        List<Inst> moved = List.copyOf(d.unused.insts());
        d.loop.insts().remove(d.loop.insts().size() - 1);
        d.unused.insts().clear();
        d.loop.insts().addAll(moved);
        DominatorTree third = DominatorTree.compute(d.f);
        assertNotSame(second, third);
        assertFalse(third.isReachable(d.unused));
        assertSame(d.loop, third.idom(d.exit));
    }
}
