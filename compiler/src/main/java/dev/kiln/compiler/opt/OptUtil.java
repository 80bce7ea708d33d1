package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.DominatorTree;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * Helpers shared by the passes: inserting instructions in the middle of a block, rewriting operands
 * through {@link Value#resolve()}, reading constants, memory effects, and predecessor and dominator
 * tree children lists. Stateless and thread-safe (each call mutates only the function given).
 */
public final class OptUtil {
    private OptUtil() {
    }

    /**
     * Creates an instruction and places it at {@code index} of {@code b} (0 = first; the terminator,
     * if any, stays last and {@code index} must not be past it).
     *
     * @param type the single result type, or {@code null} for no result
     * @return the new instruction
     */
    public static Inst insert(Block b, int index, Op op, List<Value> args, long imm, Cond cond, IrType type) {
        ArrayList<Inst> insts = b.insts();
        Inst term = b.terminator();
        if (term != null) {
            insts.remove(insts.size() - 1);
        }
        Inst inst = b.append(op, args, imm, cond, null, type == null ? List.of() : List.of(type));
        insts.remove(insts.size() - 1);
        insts.add(index, inst);
        if (term != null) {
            insts.add(term);
        }
        return inst;
    }

    /** Inserts {@code iconst.type value} (canonicalized) at {@code index} of {@code b}; returns the value. */
    public static Value insertIconst(Block b, int index, IrType type, long value) {
        return insert(b, index, Op.ICONST, List.of(), canon(type, value), null, type).result();
    }

    /** Replaces the terminator of {@code b} (if any) by a new one; returns it. */
    public static Inst setTerminator(Block b, Op op, List<Value> args, long imm, List<BlockCall> targets) {
        if (b.terminator() != null) {
            b.insts().remove(b.insts().size() - 1);
        }
        return b.append(op, args, imm, null, targets, List.of());
    }

    /** An integer constant's bits as stored in {@link Inst#imm()}: sign-extended from 32 bits for i32. */
    public static long canon(IrType type, long value) {
        return type == IrType.I32 ? (long) (int) value : value;
    }

    /** Whether {@code v} is the result of an {@link Op#ICONST}. */
    public static boolean isIconst(Value v) {
        Inst d = v.resolve().definingInst();
        return d != null && d.op() == Op.ICONST;
    }

    /** The value of an {@link Op#ICONST} result (sign-extended for i32). @throws IllegalStateException otherwise */
    public static long iconst(Value v) {
        Inst d = v.resolve().definingInst();
        if (d == null || d.op() != Op.ICONST) {
            throw new IllegalStateException(v + " is not an integer constant");
        }
        return d.imm();
    }

    /** Whether {@code v} is the result of an {@link Op#FCONST}. */
    public static boolean isFconst(Value v) {
        Inst d = v.resolve().definingInst();
        return d != null && d.op() == Op.FCONST;
    }

    /** Rewrites every instruction operand and branch argument of {@code f} to its resolved value. */
    public static void resolveAll(IrFunction f) {
        f.resolveOperands();
    }

    /** Whether some instruction of {@code f} satisfies {@code p} (in block order; stops at the first). */
    public static boolean anyInst(IrFunction f, Predicate<Inst> p) {
        for (int bI = 0; bI < f.blocks().size(); bI++) {
            Block b = f.blocks().get(bI);
            for (int instI = 0; instI < b.insts().size(); instI++) {
                Inst inst = b.insts().get(instI);
                if (p.test(inst)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether some block of {@code f} branches to itself or to a block before it in the layout
     * ({@link IrFunction#blocks()}). Every cycle of the control-flow graph has such an edge, so a
     * function without one has no loop and the loop passes have nothing to do: most functions, whose
     * dominator tree and natural loops they need not compute. Linear in the blocks and edges.
     */
    public static boolean hasBackwardBranch(IrFunction f) {
        ArrayList<Block> blocks = f.blocks();
        int[] position = new int[f.blockIdBound()];
        for (int i = 0; i < blocks.size(); i++) {
            position[blocks.get(i).id()] = i + 1; // 0: not in the layout
        }
        for (int i = 0; i < blocks.size(); i++) {
            Inst t = blocks.get(i).terminator();
            if (t == null) {
                continue;
            }
            for (int k = 0; k < t.targetCount(); k++) {
                int p = position[t.target(k).target().id()];
                if (p != 0 && p <= i + 1) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Predecessor lists by block id (one entry per edge, so a block may repeat), over the layout's blocks. */
    public static List<List<Block>> predecessors(IrFunction f) {
        List<List<Block>> preds = new ArrayList<>(f.blockIdBound());
        for (int i = 0; i < f.blockIdBound(); i++) {
            preds.add(new ArrayList<>(2));
        }
        // the terminators' targets by index, as Block.successors lists them, without a list and an
        // iterator per block (C1, which compiles the kiln launcher's compiler, allocates every one)
        ArrayList<Block> blocks = f.blocks();
        for (int i = 0; i < blocks.size(); i++) {
            Block b = blocks.get(i);
            Inst t = b.terminator();
            if (t == null) {
                continue;
            }
            for (int k = 0; k < t.targetCount(); k++) {
                preds.get(t.target(k).target().id()).add(b);
            }
        }
        return preds;
    }

    /** Dominator tree children by block id, each list in reverse postorder. */
    public static List<List<Block>> domChildren(IrFunction f, DominatorTree dom) {
        List<List<Block>> children = new ArrayList<>(f.blockIdBound());
        for (int i = 0; i < f.blockIdBound(); i++) {
            children.add(new ArrayList<>(2));
        }
        for (Block b : dom.reversePostorder()) {
            Block d = dom.idom(b);
            if (d != null) {
                children.get(d.id()).add(b);
            }
        }
        return children;
    }

    /** Reachable blocks in a preorder of the dominator tree (every block after its dominators). */
    public static List<Block> domPreorder(IrFunction f, DominatorTree dom) {
        List<List<Block>> children = domChildren(f, dom);
        List<Block> out = new ArrayList<>();
        List<Block> stack = new ArrayList<>();
        stack.add(f.entry());
        while (!stack.isEmpty()) {
            Block b = stack.remove(stack.size() - 1);
            out.add(b);
            List<Block> c = children.get(b.id());
            for (int i = c.size() - 1; i >= 0; i--) {
                stack.add(c.get(i));
            }
        }
        return out;
    }

    /**
     * The loop nesting depth of every block, by block id: how many natural loops (a header and the
     * blocks that reach one of its back edges without passing through it; loops sharing a header
     * count once) contain it. 0 outside loops and for unreachable blocks.
     */
    public static int[] loopDepths(IrFunction f) {
        int[] depth = new int[f.blockIdBound()];
        if (!hasBackwardBranch(f)) {
            return depth; // no loop: every block at depth 0
        }
        DominatorTree dom = DominatorTree.compute(f);
        List<LoopInvariantCodeMotion.Loop> loops = LoopInvariantCodeMotion.findLoops(f, dom, predecessors(f),
                dom.reversePostorder());
        for (int l = 0; l < loops.size(); l++) {
            List<Block> blocks = loops.get(l).blocks;
            for (int k = 0; k < blocks.size(); k++) {
                depth[blocks.get(k).id()]++;
            }
        }
        return depth;
    }

    // ---- memory effects -----------------------------------------------------------------------

    /**
     * Whether one of {@code writers} may change what {@code reader} reads ({@link #clobbers}); an
     * indexed loop (C1, which compiles the kiln launcher's compiler, allocates every iterator).
     */
    static boolean anyClobbers(List<Inst> writers, Inst reader) {
        for (int i = 0; i < writers.size(); i++) {
            if (clobbers(writers.get(i), reader)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether executing {@code writer} may change what {@code reader} (an instruction whose
     * {@link Op#readsMemory()} holds) reads. An {@link #isInvariantLoad invariant load} is changed by
     * nothing. Linear memory, the runtime structures ({@link Op#RUNTIME}: table and memory
     * definitions, table entries, function records) and the VMContext are disjoint: a Wasm
     * {@link Op#STORE} or bulk memory operation ({@code memmove}, {@code memset}) changes only
     * linear-memory {@code load}s (Wasm and native alike: a native address may point into linear
     * memory); a runtime {@code store} ({@code table.set}) changes only runtime {@code load}s; a
     * {@link Op#VMCTX_STORE} (at byte offset imm, as wide as its operand's type) changes only the
     * VMContext loads it overlaps; an epoch check may enter the host, which may write linear memory and
     * tables, but not the VMContext. Calls (which may grow memories and tables, set globals, or enter
     * the host, which may re-enter any instance of the store), libcalls ({@code memory.grow},
     * {@code table.grow}, ...) and side-effecting operations not known here change everything.
     */
    public static boolean clobbers(Inst writer, Inst reader) {
        if (isInvariantLoad(reader)) {
            return false;
        }
        return switch (writeKind(writer)) {
            case NONE -> false;
            case LINEAR_MEMORY -> reader.op() == Op.LOAD && !isRuntimeAccess(reader);
            case RUNTIME -> reader.op() == Op.LOAD && isRuntimeAccess(reader);
            case HOST_MEMORY -> reader.op() == Op.LOAD;
            case VMCTX -> reader.op() == Op.VMCTX_LOAD && overlaps(writer, reader);
            case ALL -> true;
        };
    }

    /** Whether {@code inst} is a {@code load} or {@code vmctx_load} marked {@link Op#INVARIANT}. */
    public static boolean isInvariantLoad(Inst inst) {
        return (inst.op() == Op.LOAD || inst.op() == Op.VMCTX_LOAD) && (inst.aux() & Op.INVARIANT) != 0;
    }

    /** Whether {@code inst} is a {@code load} or {@code store} of a runtime structure ({@link Op#RUNTIME}). */
    public static boolean isRuntimeAccess(Inst inst) {
        return (inst.op() == Op.LOAD || inst.op() == Op.STORE) && (inst.aux() & Op.RUNTIME) != 0;
    }

    /**
     * Whether {@code load} reads a field at a constant offset of a runtime structure whose address is
     * an {@link #isInvariantLoad invariant} VMContext field (a table's or an imported memory's
     * definition): such a read cannot fault wherever it is placed.
     */
    public static boolean isDefinitionField(Inst load) {
        if (load.op() != Op.LOAD || !isRuntimeAccess(load) || !isIconst(load.arg(1))) {
            return false;
        }
        Inst pointer = load.arg(0).resolve().definingInst();
        return pointer != null && pointer.op() == Op.VMCTX_LOAD && isInvariantLoad(pointer);
    }

    /** What an instruction may write, as far as {@link #clobbers} is concerned. */
    public enum WriteKind {
        /** Nothing a load reads (pure instructions, traps, branches). */
        NONE,
        /** Linear memory only: Wasm and native {@code store}s, {@code memmove}, {@code memset}. */
        LINEAR_MEMORY,
        /** Runtime structures only ({@link Op#RUNTIME}): the {@code store} of {@code table.set}. */
        RUNTIME,
        /** Linear memory and runtime structures, not the VMContext: an epoch check (the host may run). */
        HOST_MEMORY,
        /** The VMContext bytes at {@code imm}, as wide as the operand: {@code vmctx_store}. */
        VMCTX,
        /** Anything: calls, libcalls, side-effecting operations not known here. */
        ALL
    }

    /** Classifies {@code writer} (see {@link WriteKind}). */
    public static WriteKind writeKind(Inst writer) {
        Op w = writer.op();
        if (!w.hasSideEffects()) {
            return WriteKind.NONE;
        }
        return switch (w) {
            case TRAPIF, TRAP, JUMP, BRIF, BR_TABLE, RETURN, SDIV, UDIV, SREM, UREM, FCVT_TO_SINT, FCVT_TO_UINT ->
                WriteKind.NONE;
            case STORE -> isRuntimeAccess(writer) ? WriteKind.RUNTIME : WriteKind.LINEAR_MEMORY;
            case MEMMOVE, MEMSET -> WriteKind.LINEAR_MEMORY;
            case EPOCH_CHECK -> WriteKind.HOST_MEMORY;
            case VMCTX_STORE -> WriteKind.VMCTX;
            default -> WriteKind.ALL;
        };
    }

    /** Whether a {@code vmctx_store} and a {@code vmctx_load} touch a common byte. */
    public static boolean overlaps(Inst vmctxStore, Inst vmctxLoad) {
        long ws = vmctxStore.imm();
        long we = ws + vmctxStore.arg(0).type().bits() / 8;
        long rs = vmctxLoad.imm();
        long re = rs + vmctxLoad.result().type().bits() / 8;
        return ws < re && rs < we;
    }

    /** Whether {@code inst} may write memory or the VMContext (see {@link #clobbers}). */
    public static boolean writesState(Inst inst) {
        return writeKind(inst) != WriteKind.NONE;
    }

    /**
     * Whether {@code inst} (which must have operands that cannot make it trap, see below) may trap:
     * {@link Op#canTrap()}, except divisions by a constant that cannot trap (non-zero, and not -1
     * for the signed ones).
     */
    public static boolean mayTrap(Inst inst) {
        Op op = inst.op();
        if (!op.canTrap()) {
            return false;
        }
        if ((op == Op.SDIV || op == Op.UDIV || op == Op.SREM || op == Op.UREM) && isIconst(inst.arg(1))) {
            long d = iconst(inst.arg(1));
            if (d == 0) {
                return true;
            }
            return d == -1 && (op == Op.SDIV);
        }
        return true;
    }

    /**
     * Walks the dominator tree of {@code f} in preorder with {@code table} as a scoped hash table:
     * {@code visit} reads the table freely and inserts through the {@code put} it is given, and every
     * insertion is undone when the walk leaves the block that made it, so a block sees exactly the
     * entries of its dominators (the scoped tables of dominator-based GVN, Briggs, Cooper and Simpson).
     */
    public static <K, V> void scopedDominatorWalk(IrFunction f, DominatorTree dom, Map<K, V> table,
            BiConsumer<Block, BiConsumer<K, V>> visit) {
        List<List<Block>> children = domChildren(f, dom);
        record Undo<K, V>(K key, V previous) {
        }
        Deque<Object> stack = new ArrayDeque<>();
        stack.push(f.entry());
        while (!stack.isEmpty()) {
            Object top = stack.pop();
            if (top instanceof List<?> undo) {
                for (int i = undo.size() - 1; i >= 0; i--) {
                    @SuppressWarnings("unchecked")
                    Undo<K, V> u = (Undo<K, V>) undo.get(i);
                    if (u.previous() == null) {
                        table.remove(u.key());
                    } else {
                        table.put(u.key(), u.previous());
                    }
                }
                continue;
            }
            Block b = (Block) top;
            List<Undo<K, V>> undo = new ArrayList<>();
            visit.accept(b, (k, v) -> undo.add(new Undo<>(k, table.put(k, v))));
            stack.push(undo);
            List<Block> ch = children.get(b.id());
            for (int j = ch.size() - 1; j >= 0; j--) {
                stack.push(ch.get(j));
            }
        }
    }
}
