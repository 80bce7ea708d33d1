package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.DominatorTree;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
        BitSet live = new BitSet(f.valueCount());
        Deque<Inst> work = new ArrayDeque<>();
        Set<Inst> liveInsts = new HashSet<>();
        for (Block b : f.blocks()) {
            for (Inst inst : b.insts()) {
                if (inst.op().hasSideEffects()) {
                    liveInsts.add(inst);
                    work.add(inst);
                }
            }
        }
        while (!work.isEmpty()) {
            Inst inst = work.poll();
            markLive(inst.args(), live, liveInsts, work);
            List<BlockCall> targets = inst.targets();
            for (int t = 0; t < targets.size(); t++) {
                markLive(targets.get(t).args(), live, liveInsts, work);
            }
        }
        for (Block b : f.blocks()) {
            changed |= b.insts().removeIf(inst -> !liveInsts.contains(inst));
        }
        return changed;
    }

    private static void markLive(List<Value> operands, BitSet live, Set<Inst> liveInsts, Deque<Inst> work) {
        for (int i = 0; i < operands.size(); i++) {
            Value v = operands.get(i).resolve();
            if (live.get(v.id())) {
                continue;
            }
            live.set(v.id());
            Inst def = v.definingInst();
            if (def != null && liveInsts.add(def)) {
                work.add(def);
            }
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
