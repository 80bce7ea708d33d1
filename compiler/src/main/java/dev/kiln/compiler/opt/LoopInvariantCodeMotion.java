package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.DominatorTree;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;

/**
 * Loop-invariant code motion. Natural loops are found from back edges (an edge to a block that
 * dominates its source, the header; loops sharing a header are merged) and processed innermost
 * first. An instruction of the loop whose operands are all defined outside the loop (or were hoisted
 * already) moves to the end of the loop's preheader when:
 * <ul>
 * <li>it is pure and cannot trap (divisions by a constant other than 0, and -1 for {@code sdiv},
 * count as pure);</li>
 * <li>or it is a {@link Op#INVARIANT invariant} {@code load} or {@code vmctx_load} (the location
 * never changes while the function runs and cannot fault);</li>
 * <li>or it is a {@code vmctx_load}, or a {@code load} of a field of a table's or imported memory's
 * definition ({@link OptUtil#isDefinitionField}: it cannot fault), and no instruction in the loop may
 * write what it reads ({@link OptUtil#clobbers}: a call or libcall anywhere in the loop, which may
 * grow a memory or table, changes everything; {@code table.set} changes table fields and entries);
 * Wasm {@code load}s and loads of table entries and function records never move, since their checks
 * stay in the loop;</li>
 * <li>or it is a {@link Op#NATIVE native} {@code load} of an unsafe intrinsic (DESIGN §4), no
 * instruction in the loop may write memory, and like a trap below it lies in the loop header with
 * nothing that has a side effect before it: it would have run on the first iteration anyway, so
 * running it once in the preheader reads the same value from the same address;</li>
 * <li>or it may only trap ({@code trapif}, trapping divisions and float-to-int conversions), lies in
 * the loop header, and nothing with a side effect precedes it in the header: the header runs every
 * time the loop is entered, so the trap would have happened on the first iteration before anything
 * observable, exactly as it now does in the preheader. Traps elsewhere in the loop are not hoisted,
 * since the loop body might not reach them.</li>
 * </ul>
 * The preheader is the header's only outside predecessor when that ends in a {@code jump}; otherwise
 * a new block with the header's parameter types receives every outside edge and jumps to the header
 * passing its parameters. An instruction equal to one already hoisted into the same preheader (by
 * {@link GlobalValueNumbering}'s key) is merged into it rather than moved: arms of a loop that none
 * dominates each keep a copy through GVN, and copies in the preheader would be as many values live
 * across the whole loop. Stateless and thread-safe; mutates the function given.
 */
public final class LoopInvariantCodeMotion {
    private LoopInvariantCodeMotion() {
    }

    /** A natural loop: its header and body blocks (header included) in reverse postorder. */
    static final class Loop {
        final Block header;
        final List<Block> blocks;
        final BitSet body;

        Loop(Block header, List<Block> blocks, BitSet body) {
            this.header = header;
            this.blocks = blocks;
            this.body = body;
        }
    }

    /** Runs the pass on {@code f}; returns whether an instruction moved. */
    public static boolean run(IrFunction f) {
        if (!OptUtil.hasBackwardBranch(f)) {
            return false; // no loop
        }
        DominatorTree dom = DominatorTree.compute(f);
        List<List<Block>> preds = OptUtil.predecessors(f);
        List<Block> rpo = dom.reversePostorder();
        List<Loop> loops = findLoops(f, dom, preds, rpo);
        boolean changed = false;
        for (Loop loop : loops) {
            changed |= hoist(f, loop, loops, preds);
        }
        return changed;
    }

    /**
     * The natural loops of {@code f} (loops sharing a header merged), innermost first; {@code rpo} is
     * the reverse postorder of {@code dom}. Shared with {@link LoopVersioning} and {@link OptUtil#loopDepths}.
     */
    static List<Loop> findLoops(IrFunction f, DominatorTree dom, List<List<Block>> preds, List<Block> rpo) {
        int[] rpoIndex = new int[f.blockIdBound()];
        for (int i = 0; i < rpo.size(); i++) {
            rpoIndex[rpo.get(i).id()] = i;
        }
        List<Loop> loops = new ArrayList<>();
        // indexed loops, and a loop's sets made only at its header: C1, which compiles the kiln
        // launcher's compiler, allocates every iterator, and most blocks head no loop
        for (int hi = 0; hi < rpo.size(); hi++) {
            Block h = rpo.get(hi);
            List<Block> headerPreds = preds.get(h.id());
            Deque<Block> work = null;
            for (int k = 0; k < headerPreds.size(); k++) {
                Block p = headerPreds.get(k);
                // a back edge: h dominates p, so p is reachable and after h in reverse postorder
                if (dom.isReachable(p) && rpoIndex[p.id()] >= hi && dom.dominates(h, p)) {
                    if (work == null) {
                        work = new ArrayDeque<>();
                    }
                    work.add(p);
                }
            }
            if (work == null) {
                continue;
            }
            BitSet body = new BitSet(); // as wide as the loop's highest block id, not the function's
            body.set(h.id());
            List<Block> blocks = new ArrayList<>();
            blocks.add(h);
            while (!work.isEmpty()) {
                Block x = work.poll();
                if (body.get(x.id()) || !dom.isReachable(x)) {
                    continue;
                }
                body.set(x.id());
                blocks.add(x);
                List<Block> xp = preds.get(x.id());
                for (int k = 0; k < xp.size(); k++) {
                    work.add(xp.get(k));
                }
            }
            // in reverse postorder, sorted from the body itself (a scan of all blocks per loop was
            // quadratic in functions with many loops), by their primitive positions (no comparator)
            int[] positions = new int[blocks.size()];
            for (int k = 0; k < positions.length; k++) {
                positions[k] = rpoIndex[blocks.get(k).id()];
            }
            Arrays.sort(positions);
            for (int k = 0; k < positions.length; k++) {
                blocks.set(k, rpo.get(positions[k]));
            }
            loops.add(new Loop(h, blocks, body));
        }
        // innermost first: a loop nested in another has strictly fewer blocks
        loops.sort(Comparator.<Loop>comparingInt(l -> l.blocks.size()).thenComparingInt(l -> rpoIndex[l.header.id()]));
        return loops;
    }

    private static Block definingBlock(Value v) {
        v = v.resolve();
        return v.definingInst() != null ? v.definingInst().block() : v.paramBlock();
    }

    private static boolean trapsOnlyOnOperands(Op op) {
        return switch (op) {
            case SDIV, UDIV, SREM, UREM, FCVT_TO_SINT, FCVT_TO_UINT, TRAPIF -> true;
            default -> false;
        };
    }

    private static boolean hoist(IrFunction f, Loop loop, List<Loop> loops, List<List<Block>> preds) {
        if (loop.header == f.entry()) {
            return false; // no outside edge to give a preheader
        }
        List<Inst> writers = new ArrayList<>();
        for (int bIndex = 0; bIndex < loop.blocks.size(); bIndex++) {
            Block b = loop.blocks.get(bIndex);
            var instList = b.insts();
            for (int instIndex = 0; instIndex < instList.size(); instIndex++) {
                Inst inst = instList.get(instIndex);
                if (OptUtil.writesState(inst)) {
                    writers.add(inst);
                }
            }
        }
        Block preheader = null;
        boolean changed = false;
        // the instructions hoisted into the preheader, by what they compute (see ValueKey)
        java.util.HashMap<ValueKey, Inst> hoisted = new java.util.HashMap<>();
        for (Block b : List.copyOf(loop.blocks)) {
            boolean isHeader = b == loop.header;
            boolean sawEffect = false;
            ArrayList<Inst> insts = b.insts();
            for (int i = 0; i < insts.size(); ) {
                Inst inst = insts.get(i);
                if (inst.op().isTerminator() || !invariantOperands(inst, loop) || !movable(inst, writers, isHeader, sawEffect)) {
                    if (Op.mustKeep(inst) && !Op.isInterruptionCheck(inst)) {
                        sawEffect = true; // a trap hoisted above an interruption check only fires before it
                    }
                    i++;
                    continue;
                }
                if (preheader == null) {
                    preheader = preheader(f, loop, loops, preds);
                }
                insts.remove(i);
                changed = true;
                ValueKey key = inst.resultCount() == 1 ? new ValueKey(inst) : null; // traps without a result stay
                Inst same = key == null ? null : hoisted.get(key);
                if (same != null) {
                    inst.result().aliasTo(same.result()); // one copy per preheader: one live range across the loop
                    continue;
                }
                preheader.insert(preheader.insts().size() - 1, inst);
                if (key != null) {
                    hoisted.put(key, inst);
                }
            }
        }
        return changed;
    }

    /**
     * An instruction hoisted into a preheader, as a key: equal to another when
     * {@link GlobalValueNumbering} would merge the two ({@link GlobalValueNumbering#same}). The
     * instructions hoisted into one preheader lie together at its end, with nothing that writes
     * anything between them (only loads and traps that cannot be clobbered or observed there are
     * hoisted), so an instruction equal to one of them computes the same value and is merged into it:
     * the arms of a large loop (an interpreter's dispatch loop) each compute the same invariant address
     * or load, and one copy is one value live across the loop instead of one per arm. Its operands must
     * not change while it is in a map: those of a hoisted instruction are defined outside the loop, and
     * only copies merged afterwards are aliased.
     */
    private record ValueKey(Inst inst) {
        @Override
        public int hashCode() {
            return GlobalValueNumbering.hash(inst);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ValueKey k && GlobalValueNumbering.same(inst, k.inst);
        }
    }

    private static boolean invariantOperands(Inst inst, Loop loop) {
        for (int a = 0; a < inst.args().size(); a++) {
            Block d = definingBlock(inst.arg(a));
            if (d == null || loop.body.get(d.id())) {
                return false;
            }
        }
        return true;
    }

    private static boolean movable(Inst inst, List<Inst> writers, boolean isHeader, boolean sawEffect) {
        Op op = inst.op();
        if (inst.resultCount() > 1) {
            return false;
        }
        if (op.readsMemory()) {
            if (OptUtil.isInvariantLoad(inst)) {
                return true;
            }
            if (op == Op.LOAD && !OptUtil.isDefinitionField(inst)
                    && ((inst.aux() & Op.NATIVE) == 0 || !isHeader || sawEffect)) {
                return false;
            }
            return !OptUtil.anyClobbers(writers, inst);
        }
        if (!op.hasSideEffects()) {
            return true;
        }
        if (!trapsOnlyOnOperands(op)) {
            return false;
        }
        if (!OptUtil.mayTrap(inst)) {
            return true;
        }
        return isHeader && !sawEffect;
    }

    /**
     * A new block placed before header {@code h} that takes over the edges from {@code outside} (the
     * header's predecessors outside its loop) and jumps to {@code h}, passing its own parameters as
     * the header's. Predecessor lists and loop bodies are the caller's to update.
     */
    static Block newPreheader(IrFunction f, Block h, List<Block> outside) {
        Block ph = f.newBlock();
        List<Value> params = new ArrayList<>();
        for (Value p : h.params()) {
            params.add(ph.addParam(p.type()));
        }
        for (Block p : outside) {
            for (BlockCall bc : p.terminator().targets()) {
                if (bc.target() == h) {
                    bc.setTarget(ph);
                }
            }
        }
        ph.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(h, params)), List.of());
        f.blocks().add(f.blocks().indexOf(h), ph);
        return ph;
    }

    /** The loop's preheader, created if needed (and then added to the enclosing loops' bodies). */
    private static Block preheader(IrFunction f, Loop loop, List<Loop> loops, List<List<Block>> preds) {
        Block h = loop.header;
        List<Block> outside = new ArrayList<>();
        for (Block p : preds.get(h.id())) {
            if (!loop.body.get(p.id())) {
                outside.add(p);
            }
        }
        if (outside.size() == 1) {
            Block p = outside.get(0);
            Inst t = p.terminator();
            if (t.op() == Op.JUMP) {
                return p;
            }
        }
        Block ph = newPreheader(f, h, outside);
        // keep the predecessor lists current for the loops still to come
        while (preds.size() < f.blockIdBound()) {
            preds.add(new ArrayList<>(2));
        }
        List<Block> hp = preds.get(h.id());
        hp.removeIf(p -> !loop.body.get(p.id()));
        hp.add(ph);
        preds.get(ph.id()).addAll(outside);
        for (Loop other : loops) {
            if (other != loop && other.body.get(h.id())) {
                other.body.set(ph.id());
                other.blocks.add(other.blocks.indexOf(h), ph);
            }
        }
        return ph;
    }
}
