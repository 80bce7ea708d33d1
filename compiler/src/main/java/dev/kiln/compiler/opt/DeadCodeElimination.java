package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.DominatorTree;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Dead code elimination: removes blocks unreachable from the entry, and instructions without side
 * effects whose results are never used (transitively: liveness is propagated from the side-effecting
 * instructions and terminators, so chains of dead computations go at once). Block parameters are kept
 * (removing them changes branch arguments; a later pass may).
 *
 * <p>Stateless and thread-safe; mutates the function given.
 */
public final class DeadCodeElimination {
    private DeadCodeElimination() {
    }

    /** Runs the pass on {@code f}; returns whether anything was removed. */
    public static boolean run(IrFunction f) {
        boolean changed = removeUnreachableBlocks(f);
        // an instruction is live iff it has side effects or one of its results is live
        Marker m = new Marker(f.valueCount());
        ArrayList<Block> blocks = f.blocks();
        for (int bi = 0; bi < blocks.size(); bi++) {
            ArrayList<Inst> insts = blocks.get(bi).insts();
            for (int k = 0; k < insts.size(); k++) {
                Inst inst = insts.get(k);
                if (Op.mustKeep(inst)) {
                    m.push(inst);
                }
            }
        }
        while (m.top > 0) {
            Inst inst = m.work[--m.top];
            m.markLive(inst.args());
            for (int t = 0; t < inst.targetCount(); t++) {
                m.markLive(inst.target(t).args());
            }
        }
        BitSet live = m.live;
        for (int bi = 0; bi < blocks.size(); bi++) {
            // compacted in place: no predicate object per block, no removal set
            ArrayList<Inst> insts = blocks.get(bi).insts();
            int n = insts.size();
            int kept = 0;
            for (int k = 0; k < n; k++) {
                Inst inst = insts.get(k);
                if (isLive(inst, live)) {
                    if (kept != k) {
                        insts.set(kept, inst);
                    }
                    kept++;
                }
            }
            if (kept < n) {
                insts.subList(kept, n).clear();
                changed = true;
            }
        }
        return changed;
    }

    private static boolean isLive(Inst inst, BitSet live) {
        if (Op.mustKeep(inst)) {
            return true;
        }
        if (inst.resultCount() == 1) {
            return live.get(inst.result().id());
        }
        for (int i = 0; i < inst.resultCount(); i++) {
            if (live.get(inst.result(i).id())) {
                return true;
            }
        }
        return false;
    }

    /** Live values by id and a stack of instructions whose operands are still to be marked. */
    private static final class Marker {
        final BitSet live;
        Inst[] work = new Inst[64];
        int top;

        Marker(int values) {
            live = new BitSet(values);
        }

        void push(Inst inst) {
            if (top == work.length) {
                work = Arrays.copyOf(work, top * 2);
            }
            work[top++] = inst;
        }

        void markLive(ArrayList<Value> operands) {
            for (int i = 0; i < operands.size(); i++) {
                Value v = operands.get(i).resolve();
                if (live.get(v.id())) {
                    continue;
                }
                live.set(v.id());
                Inst def = v.definingInst();
                if (def != null && !Op.mustKeep(def) && !anyLive(def, v)) {
                    push(def); // its first live result: its operands become live once
                }
            }
        }

        /** Whether a result of {@code def} other than {@code v} is already live. */
        private boolean anyLive(Inst def, Value v) {
            for (int i = 0; i < def.resultCount(); i++) {
                Value r = def.result(i);
                if (r != v && live.get(r.id())) {
                    return true;
                }
            }
            return false;
        }
    }

    private static boolean removeUnreachableBlocks(IrFunction f) {
        List<Block> reachable = DominatorTree.reversePostorder(f);
        if (reachable.size() == f.blocks().size()) {
            return false;
        }
        BitSet seen = new BitSet(f.blockIdBound());
        for (Block b : reachable) {
            seen.set(b.id());
        }
        return f.blocks().removeIf(b -> !seen.get(b.id()));
    }
}
