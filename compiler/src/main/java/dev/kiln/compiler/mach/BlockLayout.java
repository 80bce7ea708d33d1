package dev.kiln.compiler.mach;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;
import java.util.function.ObjIntConsumer;
import java.util.function.Predicate;

/**
 * Block-level decisions after register allocation, shared by every backend:
 * <ul>
 * <li><b>jump threading</b>: a block that is only a jump (its parallel move, if any, turned out to move
 * nothing) forwards to its target; branches to it go to the final target and the block itself is
 * not emitted. This removes the {@code jcc next; jmp loop} pairs left by edge blocks whose moves
 * coalesced away;</li>
 * <li><b>loop rotation</b> by tail duplication: a back edge ({@code jmp} from a latch up to its loop
 * header) to a header that only tests the exit condition is replaced by a copy of that test, so each
 * iteration ends in one conditional branch back to the body. The copy is exact: every virtual
 * register has one location (the pieces of a split interval are registers of their own, see
 * {@link SplitResolution}) and the moves of the back edge come before the latch's jump.</li>
 * </ul>
 * Not thread-safe; one instance per function.
 *
 * @param <I> the backend's instruction class
 */
public final class BlockLayout<I extends MachInst> {
    private final List<MachBlock<I>> blocks;
    private final MachBlock<?>[] forwardTarget;

    /**
     * Threads the jumps of {@code blocks} (in layout order), retargeting every branch.
     *
     * @param location where a virtual register lives ({@link LinearScan#location}), or -1 when it is never live
     */
    public BlockLayout(List<MachBlock<I>> blocks, IntUnaryOperator location) {
        this.blocks = blocks;
        int n = blocks.size();
        boolean[] isForward = new boolean[n];
        for (MachBlock<I> b : blocks) {
            isForward[b.index] = b.index > 0 && onlyJumps(b, location);
        }
        forwardTarget = new MachBlock<?>[n];
        for (MachBlock<I> b : blocks) {
            if (isForward[b.index]) {
                MachBlock<?> t = b.last().jumpTarget();
                int guard = 0;
                while (isForward[t.index] && t != b && guard++ < n) {
                    t = t.last().jumpTarget();
                }
                if (t != b && !isForward[t.index]) {
                    forwardTarget[b.index] = t;
                }
            }
        }
        // one method reference for every instruction (C1, which compiles the kiln launcher's compiler,
        // would allocate one per instruction through a slow path)
        java.util.function.UnaryOperator<MachBlock<?>> threaded = this::threaded;
        for (MachBlock<I> b : blocks) {
            for (int k = 0; k < b.insts.size(); k++) {
                b.insts.get(k).retarget(threaded);
            }
        }
    }

    private MachBlock<?> threaded(MachBlock<?> b) {
        return b == null || forwardTarget[b.index] == null ? b : forwardTarget[b.index];
    }

    /** The layout index of the first block after layout index {@code i} that is emitted ({@code blocks.size()} when none). */
    public int nextEmitted(int i) {
        int next = i + 1;
        while (next < blocks.size() && forwards(blocks.get(next))) {
            next++;
        }
        return next;
    }

    /** Whether {@code b} only forwards to another block (it is not emitted; its label binds to the next one emitted). */
    public boolean forwards(MachBlock<?> b) {
        return forwardTarget[b.index] != null;
    }

    /**
     * Walks the blocks in layout order for emission: every block that {@link #forwards} (never the entry
     * block) is skipped, and its label is bound together with the next emitted block's (forwarding
     * blocks at the end are bound after the last one, where nothing follows).
     *
     * @param bind binds the label of a block at the current code offset (a skipped block's, then the emitted one's)
     * @param body emits a block's instructions; its int argument is the layout index of the next block
     *             that will be emitted ({@code blocks.size()} when none), so a branch to that block can
     *             fall through
     */
    public void emitInOrder(Consumer<? super MachBlock<I>> bind, ObjIntConsumer<? super MachBlock<I>> body) {
        List<MachBlock<I>> skipped = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            MachBlock<I> b = blocks.get(i);
            if (i > 0 && forwards(b)) {
                skipped.add(b); // nothing branches here any more: every reference goes to its target
                continue;
            }
            int next = i + 1;
            while (next < blocks.size() && forwards(blocks.get(next))) {
                next++;
            }
            skipped.forEach(bind);
            skipped.clear();
            bind.accept(b);
            body.accept(b, next);
        }
        skipped.forEach(bind);
    }

    /** Whether {@code b} is a jump, possibly after a parallel move that moves nothing. */
    private static <I extends MachInst> boolean onlyJumps(MachBlock<I> b, IntUnaryOperator location) {
        List<I> insts = b.insts;
        if (insts.isEmpty() || !b.last().isJump()) {
            return false;
        }
        for (int i = 0; i < insts.size() - 1; i++) {
            I m = insts.get(i);
            if (!m.isParallelMove()) {
                return false;
            }
            int[] dsts = m.moveDsts();
            int[] srcs = m.moveSrcs();
            for (int k = 0; k < dsts.length; k++) {
                int dst = location.applyAsInt(dsts[k]);
                if (dst < 0) {
                    continue;
                }
                if (srcs[k] == MachInst.NONE || location.applyAsInt(srcs[k]) != dst) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Whether the jump ending {@code latch} to {@code header} may be replaced by a copy of the header:
     * the header comes earlier in the layout (a back edge), is emitted, holds at most four instructions
     * ending in a conditional branch, and every one of them is {@code duplicable} (cheap, no side
     * effect beyond its registers and flags).
     */
    public boolean isRotatableLoopHeader(MachBlock<I> latch, MachBlock<?> header, Predicate<? super I> duplicable) {
        if (header.index == 0 || header.index > latch.index || header == latch || forwards(header)) {
            return false;
        }
        @SuppressWarnings("unchecked")
        List<I> insts = ((MachBlock<I>) header).insts;
        if (insts.isEmpty() || insts.size() > 4) {
            return false;
        }
        I last = insts.get(insts.size() - 1);
        if (!last.isBranch() || last.isJump()) {
            return false;
        }
        for (I m : insts) {
            if (!duplicable.test(m)) {
                return false;
            }
        }
        return true;
    }
}
