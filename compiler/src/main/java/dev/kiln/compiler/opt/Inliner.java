package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.DominatorTree;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Inlining of direct calls to small leaf functions. A {@code call funcidx(args)} whose callee IR
 * (supplied by the driver) has at most {@link #MAX_CALLEE_INSTS} instructions and contains no call
 * itself (so it cannot recurse) is replaced by a copy of the callee: the caller's block is split after
 * the call into a continuation block whose parameters are the call's results; the callee's blocks are
 * cloned with fresh values and blocks, its entry parameters receiving the call's arguments through
 * a {@code jump}, and each {@code return v...} becomes {@code jump continuation(v...)}. Traps in the
 * callee keep their trap codes (a trap unwinds the whole Wasm call stack either way).
 *
 * <p>The callee IR is only read, never changed, so one IR may serve several callers, but it must
 * not be mutated by another thread meanwhile. Stateless and thread-safe; mutates the caller.
 */
public final class Inliner {
    /** The largest callee, in IR instructions (terminators included), that is inlined. */
    public static final int MAX_CALLEE_INSTS = 20;

    private Inliner() {
    }

    /**
     * Inlines every direct call of {@code caller} whose callee qualifies.
     *
     * @param calleeIr the IR of function funcidx, or {@code null} to leave calls to it alone; called
     *                 at most once per call site, on the calling thread
     * @return whether a call was inlined
     */
    public static boolean run(IrFunction caller, IntFunction<IrFunction> calleeIr) {
        return run(caller, calleeIr, f -> MAX_CALLEE_INSTS);
    }

    /**
     * Inlines every direct call of {@code caller} whose callee makes no call and has at most
     * {@code maxCalleeInsts.applyAsInt(funcidx)} instructions (the inlining policy of compile-time
     * builtins gives their functions a larger budget, DESIGN §4).
     *
     * @param calleeIr       as for {@link #run(IrFunction, IntFunction)}
     * @param maxCalleeInsts the size limit per callee funcidx, in IR instructions
     * @return whether a call was inlined
     */
    public static boolean run(IrFunction caller, IntFunction<IrFunction> calleeIr,
            java.util.function.IntUnaryOperator maxCalleeInsts) {
        boolean changed = false;
        boolean deadCode = false;
        for (int bi = 0; bi < caller.blocks().size(); bi++) {
            Block b = caller.blocks().get(bi);
            List<Inst> insts = b.insts();
            for (int i = 0; i < insts.size(); i++) {
                Inst inst = insts.get(i);
                if (inst.op() != Op.CALL || inst.imm() == caller.funcIndex()) {
                    continue;
                }
                IrFunction callee = calleeIr.apply((int) inst.imm());
                if (callee == null || !inlinable(callee, maxCalleeInsts.applyAsInt((int) inst.imm()))) {
                    continue;
                }
                if (!inline(caller, bi, i, inst, callee)) {
                    deadCode = true;
                }
                changed = true;
                break; // the rest of b moved to the continuation block, which comes later in the layout
            }
        }
        if (changed) {
            OptUtil.resolveAll(caller);
        }
        if (deadCode) {
            DeadCodeElimination.run(caller); // blocks only reachable through a continuation never placed
        }
        return changed;
    }

    /** Whether {@code callee} is small enough and makes no call. */
    public static boolean inlinable(IrFunction callee) {
        return inlinable(callee, MAX_CALLEE_INSTS);
    }

    /** Whether {@code callee} has at most {@code maxInsts} instructions and makes no call. */
    public static boolean inlinable(IrFunction callee, int maxInsts) {
        int n = 0;
        for (Block b : callee.blocks()) {
            for (Inst inst : b.insts()) {
                if (inst.op() == Op.CALL) {
                    return false;
                }
                if (inst.op() != Op.FUEL && inst.op() != Op.EPOCH_CHECK) {
                    n++; // interruption checks do not count: the same functions inline with and without them
                }
            }
        }
        return n <= maxInsts && !callee.blocks().isEmpty();
    }

    private static boolean inline(IrFunction caller, int blockIndex, int callIndex, Inst call, IrFunction callee) {
        Block b = caller.blocks().get(blockIndex);
        List<Inst> insts = b.insts();
        // continuation: the call's results become its parameters
        Block cont = caller.newBlock();
        for (Value r : call.results()) {
            r.aliasTo(cont.addParam(r.type()));
        }
        List<Inst> rest = new ArrayList<>(insts.subList(callIndex + 1, insts.size()));
        insts.subList(callIndex, insts.size()).clear();
        for (Inst inst : rest) {
            cont.insert(cont.insts().size(), inst);
        }
        List<Value> args = new ArrayList<>();
        for (int a = 0; a < call.args().size(); a++) {
            args.add(call.arg(a));
        }

        // clone the callee's reachable blocks in reverse postorder (definitions before uses)
        List<Block> order = DominatorTree.reversePostorder(callee);
        Block[] blockMap = new Block[callee.blockIdBound()];
        Value[] valueMap = new Value[callee.valueCount()];
        for (Block cb : order) {
            Block nb = caller.newBlock();
            blockMap[cb.id()] = nb;
            for (Value p : cb.params()) {
                valueMap[p.id()] = nb.addParam(p.type());
            }
        }
        for (Block cb : order) {
            Block nb = blockMap[cb.id()];
            for (Inst ci : cb.insts()) {
                List<Value> mapped = new ArrayList<>(ci.args().size());
                for (int a = 0; a < ci.args().size(); a++) {
                    mapped.add(map(valueMap, ci.arg(a)));
                }
                if (ci.op() == Op.RETURN) {
                    nb.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(cont, mapped)), List.of());
                    continue;
                }
                List<BlockCall> targets = new ArrayList<>(ci.targets().size());
                for (BlockCall bc : ci.targets()) {
                    List<Value> ta = new ArrayList<>(bc.args().size());
                    for (Value v : bc.args()) {
                        ta.add(map(valueMap, v.resolve()));
                    }
                    targets.add(new BlockCall(blockMap[bc.target().id()], ta));
                }
                List<IrType> types = new ArrayList<>(ci.results().size());
                for (Value r : ci.results()) {
                    types.add(r.type());
                }
                Inst ni = nb.append(ci.op(), mapped, ci.imm(), ci.cond(), targets, types).withAux(ci.aux());
                for (int r = 0; r < types.size(); r++) {
                    valueMap[ci.results().get(r).id()] = ni.results().get(r);
                }
            }
        }
        Block calleeEntry = blockMap[callee.entry().id()];
        b.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(calleeEntry, args)), List.of());
        List<Block> placed = new ArrayList<>();
        for (Block cb : order) {
            placed.add(blockMap[cb.id()]);
        }
        boolean returns = false;
        for (Block nb : placed) {
            for (BlockCall bc : nb.terminator().targets()) {
                returns |= bc.target() == cont;
            }
        }
        if (returns) {
            placed.add(cont); // else the callee always traps and the continuation is dead
        }
        caller.blocks().addAll(blockIndex + 1, placed);
        return returns;
    }

    private static Value map(Value[] valueMap, Value v) {
        Value m = valueMap[v.id()];
        if (m == null) {
            throw new IllegalStateException("callee value " + v + " used before its definition");
        }
        return m;
    }
}
