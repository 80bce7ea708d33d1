package dev.kiln.compiler.opt;

import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.DominatorTree;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loop-carried load forwarding: the value a loop iteration last read from or wrote to a memory
 * location whose address is loop invariant is passed to the next iteration in a block parameter of
 * the loop header, instead of being read back from memory; the location is read once in the
 * preheader, and again only after an instruction that may write it, on the paths that have one.
 * Stores stay where they are (memory always holds what it held before), so only loads change: each
 * load removed is replaced by a value equal to what it would have read.
 *
 * <p>This is scalar promotion as LLVM's LICM does it ({@code promoteLoopAccessesToScalars}) combined
 * with the partial redundancy elimination of LLVM's GVN load PRE: LICM promotes a location only when
 * no instruction in the loop may alias it, PRE inserts a load in a predecessor where it is not
 * available; here a location may be written in the loop, and the value after each write comes from
 * the write itself when it is a store of the whole location (store-to-load forwarding, as Cranelift's
 * alias analysis does with its last-store table per alias region) or from a load inserted where paths
 * with and without the write meet. The per-location data flow is SSA construction over the loop body
 * with block parameters (Braun et al. 2013), the location being the variable.
 *
 * <p>A location is the address and shape of a {@code vmctx_load} (a mutable Wasm global, a memory's
 * current length, ...) or {@code load} (linear memory, native memory of the unsafe intrinsics, a
 * runtime structure): opcode, result type, access width and flags, and for a {@code load} the address
 * as a sum of SSA values and a constant ({@code base + index + imm}, with {@code iadd}s of constants
 * folded). It is promoted in a loop when:
 * <ul>
 * <li>every operand of its address is defined outside the loop, so the address is the same in every
 * iteration;</li>
 * <li>it is read in the loop before anything in the loop may write it ({@link OptUtil#clobbers});
 * unless reading it can never fault (VMContext fields and fields of a table's or imported memory's
 * definition), that read lies in the loop header before anything with a side effect (an interruption
 * check excepted, as in {@link LoopInvariantCodeMotion}): the header runs on every entry and every
 * iteration, so the load in the preheader and a load on a back edge read what the header would have
 * read right after;</li>
 * <li>some back edge carries a known value: the location's value is known at the end of at least one
 * latch, that is, some path through the loop body does not write it with an unknown value;</li>
 * <li>the loop grows by little: the loads inserted in it and the block parameters added at joins
 * outnumber the loads removed by at most {@link #GROWTH};</li>
 * <li>the loop has at most {@link #MAX_LOOP_INSTRUCTIONS} instructions (the pass walks a loop once
 * per location).</li>
 * </ul>
 * Writes are told apart by alias analysis on the address: a {@code store} (or {@code vmctx_store})
 * of exactly the location (same address terms and offset, the full width of the loaded type)
 * defines its value; a store at the same terms whose bytes do not overlap (different constant
 * offsets, as for two fields of one struct) does not touch it; any other instruction that
 * {@link OptUtil#clobbers} the load (a store through another pointer, which may alias; a call; a
 * libcall; a bulk memory operation) makes the value unknown. The terms being loop invariant, they
 * have the same values at both accesses, which is what makes the offset comparison sound.
 *
 * <p>Where paths with a known and an unknown value meet, the location is read again in the
 * predecessors with the unknown value, right after the last write there (after the cold call of a
 * slow path), and the meeting block receives a parameter; this needs the load to be safe to run there, which holds for
 * VMContext fields and definition fields (always readable), linear memory (its base never moves and it
 * never shrinks, and the header read the same address in this iteration), and native or runtime
 * memory when nothing in the loop may free it (only stores write it) or when it lies in the store data
 * (which {@code Store.setData} cannot replace while a call is active). Otherwise the value stays
 * unknown down to the back edge, where the location is read again on the edge to the header (a new
 * block when the latch has other successors), exactly as the header did before. An inner loop keeps
 * the outer loop's value only if nothing in it writes the location.
 *
 * <p>Stateless and thread-safe; mutates the function given. Expects {@link LoopInvariantCodeMotion}
 * to have run (invariant address computations outside the loop).
 */
public final class LoopLoadForwarding {
    private LoopLoadForwarding() {
    }

    /**
     * Locations promoted per function at most: this bounds the pass's time on a huge function (each
     * promotion walks its loop, and the loops are found again after each round, see {@link #run}).
     */
    static final int MAX_PROMOTIONS = 64;

    /**
     * How much a promotion may add to the loop: the loads inserted in it (after writes and on back
     * edges) and the parameters of blocks where paths meet may outnumber the loads removed by at most
     * this. A loop whose every other path calls out (an interpreter's dispatch loop) would otherwise
     * get a load after each call and a parameter at each join for each location, for little gain.
     */
    static final int GROWTH = 2;

    /**
     * Loops of more instructions are left alone: the pass walks a loop once per location it tries,
     * and a loop that large (an interpreter's dispatch loop) calls out on most paths anyway, so that
     * {@link #GROWTH} would refuse most promotions after the walk.
     */
    static final int MAX_LOOP_INSTRUCTIONS = 2000;

    /**
     * Runs the pass on {@code f}; returns whether a load was forwarded.
     *
     * <p>In rounds: the loops are found, then each is tried innermost first, and a loop where a
     * location was promoted changes shape (blocks on back edges, a preheader, loads after writes), as
     * may the loops it nests with. So after a promotion a round goes on only with the loops disjoint
     * from every loop promoted in it. What the round found of those stays true: their blocks, the
     * predecessors of their blocks and their inner loops. A promotion elsewhere only adds a load at the
     * end of a block that jumps into the promoted loop's header (which may lie in a disjoint loop:
     * each loop's instructions are read at its turn), or a new preheader that takes over edges into
     * that header. The next round finds the loops again. A function with many loops takes a round per
     * depth of nesting it promotes at, instead of one per promotion with the loops found again each
     * time.
     */
    public static boolean run(IrFunction f) {
        if (!mayHaveLoop(f)) {
            return false;
        }
        boolean changed = false;
        Set<Inst> tried = new HashSet<>();
        int promoted = 0;
        boolean again = true;
        while (again && promoted < MAX_PROMOTIONS) {
            again = false;
            DominatorTree dom = DominatorTree.compute(f);
            List<List<Block>> preds = OptUtil.predecessors(f);
            List<LoopInvariantCodeMotion.Loop> loops = LoopInvariantCodeMotion.findLoops(f, dom, preds, dom.reversePostorder());
            Map<Block, LoopInvariantCodeMotion.Loop> byHeader = new HashMap<>();
            for (LoopInvariantCodeMotion.Loop loop : loops) {
                byHeader.put(loop.header, loop);
            }
            List<LoopInvariantCodeMotion.Loop> promotedIn = new ArrayList<>(); // loops changed in this round
            for (int l = 0; l < loops.size() && promoted < MAX_PROMOTIONS; l++) {
                LoopInvariantCodeMotion.Loop loop = loops.get(l);
                if (loop.header == f.entry() || nestsWithAny(loop, promotedIn) || tooLarge(loop)) {
                    continue; // no outside edge to give a preheader; changed shape; or not worth the time
                }
                List<Inst> anchors = anchors(loop);
                for (int a = 0; a < anchors.size(); a++) {
                    Inst anchor = anchors.get(a);
                    if (tried.add(anchor) && new Promotion(f, loop, byHeader, preds, anchor).run()) {
                        changed = true;
                        again = true;
                        promoted++;
                        promotedIn.add(loop); // its other anchors wait for the next round
                        break;
                    }
                }
            }
        }
        if (changed) {
            OptUtil.resolveAll(f);
        }
        return changed;
    }

    /** Whether {@code loop} contains or lies in one of {@code others} (natural loops either nest or are disjoint). */
    private static boolean nestsWithAny(LoopInvariantCodeMotion.Loop loop, List<LoopInvariantCodeMotion.Loop> others) {
        for (int i = 0; i < others.size(); i++) {
            LoopInvariantCodeMotion.Loop o = others.get(i);
            if (o.body.get(loop.header.id()) || loop.body.get(o.header.id())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code f} may have a loop with a load to forward: some branch goes to a block at or
     * before its own place in the layout (a cycle has such an edge in any order of its blocks) and
     * some load may change while the function runs. Cheaper than finding the loops.
     */
    private static boolean mayHaveLoop(IrFunction f) {
        return OptUtil.anyInst(f, LoopLoadForwarding::candidate) && OptUtil.hasBackwardBranch(f);
    }

    /** Whether {@code loop} has more than {@link #MAX_LOOP_INSTRUCTIONS} instructions. */
    private static boolean tooLarge(LoopInvariantCodeMotion.Loop loop) {
        int n = 0;
        for (Block b : loop.blocks) {
            n += b.insts().size();
            if (n > MAX_LOOP_INSTRUCTIONS) {
                return true;
            }
        }
        return false;
    }

    /**
     * The loads that may be promoted (see the class comment), the first of each location in reverse
     * postorder: address operands defined outside the loop; in the header, nothing before them that
     * may write what they read and (unless they cannot fault) nothing with a side effect; elsewhere
     * in the loop only loads that cannot fault (whether a write may come first is up to the data flow).
     */
    private static List<Inst> anchors(LoopInvariantCodeMotion.Loop loop) {
        List<Inst> out = new ArrayList<>();
        List<Inst> writers = new ArrayList<>();
        Set<Location> seen = new HashSet<>();
        boolean sawEffect = false;
        // indexed loops and no stream: C1, which compiles the kiln launcher's compiler, allocates
        // every iterator and stream stage
        for (int bI = 0; bI < loop.blocks.size(); bI++) {
            Block b = loop.blocks.get(bI);
            boolean header = b == loop.header;
            ArrayList<Inst> insts = b.insts();
            for (int instI = 0; instI < insts.size(); instI++) {
                Inst inst = insts.get(instI);
                if (candidate(inst) && invariantOperands(inst, loop)
                        && (header ? (neverFaults(inst) || !sawEffect) && !OptUtil.anyClobbers(writers, inst) : neverFaults(inst))
                        && seen.add(Location.of(inst))) {
                    out.add(inst);
                }
                if (header && OptUtil.writesState(inst)) {
                    writers.add(inst);
                }
                if (header && Op.mustKeep(inst) && !Op.isInterruptionCheck(inst)) {
                    sawEffect = true;
                }
            }
        }
        return out;
    }

    /** A {@code load} or {@code vmctx_load} that may change while the function runs, of a scalar type. */
    private static boolean candidate(Inst inst) {
        if (inst.resultCount() != 1 || inst.result().type().isVector()) {
            return false;
        }
        return switch (inst.op()) {
            case VMCTX_LOAD -> (inst.aux() & Op.INVARIANT) == 0;
            case LOAD -> (inst.aux() & (Op.INVARIANT | Op.GUARD_PAGE)) == 0;
            default -> false;
        };
    }

    /** Whether reading the location of {@code load} cannot fault wherever it is placed. */
    private static boolean neverFaults(Inst load) {
        return load.op() == Op.VMCTX_LOAD || OptUtil.isDefinitionField(load);
    }

    private static boolean invariantOperands(Inst inst, LoopInvariantCodeMotion.Loop loop) {
        for (int a = 0; a < inst.args().size(); a++) {
            Value v = inst.arg(a);
            Block d = v.definingInst() != null ? v.definingInst().block() : v.paramBlock();
            if (d == null || loop.body.get(d.id())) {
                return false;
            }
        }
        return true;
    }

    // ---- locations and addresses --------------------------------------------------------------

    /**
     * A {@code load} or {@code store} address as a sum: the SSA values added ({@code iadd} trees of
     * i64 values taken apart, at most {@value #MAX_TERMS}, in value-id order) and a constant byte
     * offset (the {@code iconst} operands, {@code isub} of a constant and the access's {@code imm}).
     */
    record Address(List<Value> terms, long offset) {
        private static final int MAX_TERMS = 4;

        /** The address of a {@code load} or {@code store}: {@code base + index + imm}. */
        static Address of(Inst access) {
            List<Value> terms = new ArrayList<>(2);
            long[] c = {access.imm()};
            add(access.arg(0), terms, c, 0);
            add(access.arg(1), terms, c, 0);
            terms.sort((a, b) -> Integer.compare(a.id(), b.id()));
            return new Address(List.copyOf(terms), c[0]);
        }

        private static void add(Value v, List<Value> terms, long[] c, int depth) {
            v = v.resolve();
            Inst d = v.definingInst();
            if (d != null && v.type() == IrType.I64 && depth < MAX_TERMS) {
                if (d.op() == Op.ICONST) {
                    c[0] += d.imm();
                    return;
                }
                if (d.op() == Op.IADD) {
                    add(d.arg(0), terms, c, depth + 1);
                    add(d.arg(1), terms, c, depth + 1);
                    return;
                }
                if (d.op() == Op.ISUB && OptUtil.isIconst(d.arg(1))) {
                    add(d.arg(0), terms, c, depth + 1);
                    c[0] -= OptUtil.iconst(d.arg(1));
                    return;
                }
            }
            terms.add(v);
        }

        /** Whether the terms are an invariant store-data address ({@code store-data-address}, DESIGN §4). */
        boolean inStoreData() {
            if (terms.size() != 1) {
                return false;
            }
            Inst d = terms.get(0).definingInst();
            if (d == null || d.op() != Op.LOAD || !OptUtil.isInvariantLoad(d) || (d.aux() & Op.NATIVE) == 0
                    || !OptUtil.isIconst(d.arg(1)) || d.imm() + OptUtil.iconst(d.arg(1)) != VMStoreContext.STORE_DATA) {
                return false;
            }
            Inst context = d.arg(0).definingInst();
            return context != null && context.op() == Op.VMCTX_LOAD && context.imm() == VMContextLayout.STORE_CONTEXT;
        }
    }

    /** What identifies a location: opcode, type, width and flags, and the address ({@code imm} for a {@code vmctx_load}). */
    record Location(Op op, IrType type, int aux, Address address, long vmctxOffset) {
        static Location of(Inst load) {
            if (load.op() == Op.VMCTX_LOAD) {
                return new Location(load.op(), load.result().type(), load.aux(), null, load.imm());
            }
            return new Location(load.op(), load.result().type(), load.aux(), Address.of(load), 0);
        }

        /** Bytes read (a {@code load}'s access width). */
        int width() {
            return op == Op.VMCTX_LOAD ? type.bits() / 8 : aux & 0xF;
        }
    }

    /** How a writer in the loop affects the location. */
    private enum Effect {
        /** Leaves it alone. */
        NONE,
        /** Writes exactly it: the stored value is what the next read returns. */
        DEFINES,
        /** May write it with a value not known here. */
        KILLS
    }

    /** Bytes written by a {@code store}. */
    private static int storeWidth(Inst store) {
        return store.arg(2).type().isVector() ? 16 : store.aux() & 0xF;
    }

    // ---- one location in one loop ---------------------------------------------------------------

    /**
     * The location's value at a point of the loop: an existing value, a block parameter to add, or a
     * load to insert at the end of a block. {@code null} stands for "unknown".
     */
    private static final class Def {
        final Value existing;
        final Block param;
        final Block reloadAt;
        Value value;

        private Def(Value existing, Block param, Block reloadAt) {
            this.existing = existing;
            this.param = param;
            this.reloadAt = reloadAt;
            this.value = existing;
        }

        static Def of(Value v) {
            return new Def(v.resolve(), null, null);
        }

        boolean same(Def o) {
            return this == o || o != null && existing != null && existing == o.existing;
        }
    }

    private static final class Promotion {
        private final IrFunction f;
        private final LoopInvariantCodeMotion.Loop loop;
        /** The function's loops by header. */
        private final Map<Block, LoopInvariantCodeMotion.Loop> loops;
        private final List<List<Block>> preds;
        private final Inst anchor;
        private final Location location;
        private final Map<Inst, Effect> effects = new HashMap<>();
        /** Loads of the location to replace, with the value replacing each. */
        private final Map<Inst, Def> replaced = new LinkedHashMap<>();
        /** The location's value at the end of each processed block of the loop, by block id. */
        private final Def[] out;
        private final boolean[] processed;
        /** Merge parameters to add, in creation order. */
        private final List<Def> params = new ArrayList<>();
        /** Inner loop headers given the outer value, and that value: their back edges must bring it too. */
        private final Map<Block, Def> innerHeaders = new HashMap<>();
        private boolean reloadSafe;
        /** Loads to insert in the loop where paths meet. */
        private int reloads;
        /** The last instruction of a block that may write the location with an unknown value. */
        private final Map<Block, Inst> lastKill = new HashMap<>();

        Promotion(IrFunction f, LoopInvariantCodeMotion.Loop loop, Map<Block, LoopInvariantCodeMotion.Loop> loops,
                List<List<Block>> preds, Inst anchor) {
            this.f = f;
            this.loop = loop;
            this.loops = loops;
            this.preds = preds;
            this.anchor = anchor;
            this.location = Location.of(anchor);
            this.out = new Def[f.blockIdBound()];
            this.processed = new boolean[f.blockIdBound()];
        }

        boolean run() {
            boolean mayFree = false;
            for (int bIndex = 0; bIndex < loop.blocks.size(); bIndex++) {
                Block b = loop.blocks.get(bIndex);
                var instList = b.insts();
                for (int instIndex = 0; instIndex < instList.size(); instIndex++) {
                    Inst inst = instList.get(instIndex);
                    if (OptUtil.writesState(inst) && effect(inst) == Effect.KILLS) {
                        OptUtil.WriteKind k = OptUtil.writeKind(inst);
                        mayFree |= k == OptUtil.WriteKind.ALL || k == OptUtil.WriteKind.HOST_MEMORY;
                    }
                }
            }
            reloadSafe = neverFaults(anchor) || (anchor.aux() & (Op.NATIVE | Op.RUNTIME)) == 0 || !mayFree
                    || (anchor.aux() & Op.NATIVE) != 0 && location.address().inStoreData();
            Def header = new Def(null, loop.header, null);
            for (int bIndex = 0; bIndex < loop.blocks.size(); bIndex++) {
                Block b = loop.blocks.get(bIndex);
                Def cur = b == loop.header ? header : entryValue(b);
                var instList = b.insts();
                for (int instIndex = 0; instIndex < instList.size(); instIndex++) {
                    Inst inst = instList.get(instIndex);
                    if (reads(inst)) {
                        if (cur != null) {
                            replaced.put(inst, cur);
                        } else {
                            cur = Def.of(inst.result());
                        }
                    } else if (OptUtil.writesState(inst)) {
                        switch (effect(inst)) {
                            case NONE -> {
                            }
                            case DEFINES -> cur = Def.of(inst.op() == Op.VMCTX_STORE ? inst.arg(0) : inst.arg(2));
                            case KILLS -> {
                                cur = null;
                                lastKill.put(b, inst);
                            }
                        }
                    }
                }
                out[b.id()] = cur;
                processed[b.id()] = true;
            }
            for (Map.Entry<Block, Def> e : innerHeaders.entrySet()) {
                var pList = preds.get(e.getKey().id());
                for (int pIndex = 0; pIndex < pList.size(); pIndex++) {
                    Block p = pList.get(pIndex);
                    if (!e.getValue().same(out[p.id()])) {
                        return false; // cannot happen when nothing in the inner loop writes the location
                    }
                }
            }
            Set<Block> latches = new LinkedHashSet<>();
            boolean carried = false;
            int edgeReloads = 0;
            var pList = preds.get(loop.header.id());
            for (int pIndex = 0; pIndex < pList.size(); pIndex++) {
                Block p = pList.get(pIndex);
                if (loop.body.get(p.id()) && latches.add(p)) {
                    carried |= out[p.id()] != null;
                    edgeReloads += out[p.id()] == null ? 1 : 0;
                }
            }
            if (!carried || replaced.get(anchor) != header
                    || reloads + edgeReloads + params.size() > replaced.size() + GROWTH) {
                return false;
            }
            apply(header, latches);
            return true;
        }

        /** Whether {@code inst} reads exactly the location. */
        private boolean reads(Inst inst) {
            return inst.op() == location.op() && (inst == anchor || candidate(inst) && Location.of(inst).equals(location));
        }

        private Effect effect(Inst w) {
            return effects.computeIfAbsent(w, this::classify);
        }

        private Effect classify(Inst w) {
            if (!OptUtil.clobbers(w, anchor)) {
                return Effect.NONE;
            }
            int width = location.width();
            if (w.op() == Op.VMCTX_STORE) {
                boolean exact = w.imm() == location.vmctxOffset() && w.arg(0).type() == location.type();
                return exact ? Effect.DEFINES : Effect.KILLS;
            }
            if (w.op() != Op.STORE || location.op() != Op.LOAD) {
                return Effect.KILLS;
            }
            Address a = Address.of(w);
            if (!a.terms().equals(location.address().terms())) {
                return Effect.KILLS; // another pointer: may alias
            }
            long delta;
            try {
                delta = Math.subtractExact(a.offset(), location.address().offset());
            } catch (ArithmeticException e) {
                return Effect.KILLS;
            }
            int ww = storeWidth(w);
            if (delta >= width || delta <= -ww) {
                return Effect.NONE; // the same base, bytes that do not overlap
            }
            boolean exact = delta == 0 && ww == width && w.arg(2).type() == location.type()
                    && width * 8 == location.type().bits();
            return exact ? Effect.DEFINES : Effect.KILLS;
        }

        /** The location's value on entry to {@code b} (not the header), from its predecessors. */
        private Def entryValue(Block b) {
            List<Block> ps = preds.get(b.id());
            if (ps.isEmpty()) {
                return null;
            }
            for (int pIndex = 0; pIndex < ps.size(); pIndex++) {
                Block p = ps.get(pIndex);
                if (!processed[p.id()]) {
                    return innerHeaderValue(b, ps);
                }
            }
            Def first = out[ps.get(0).id()];
            boolean same = true;
            for (int pIndex = 0; pIndex < ps.size(); pIndex++) {
                Block p = ps.get(pIndex);
                same &= first == null ? out[p.id()] == null : first.same(out[p.id()]);
            }
            if (same) {
                return first;
            }
            for (int pIndex = 0; pIndex < ps.size(); pIndex++) {
                Block p = ps.get(pIndex);
                if (out[p.id()] == null && (!reloadSafe || p.terminator() == null)) {
                    return null;
                }
            }
            for (int pIndex = 0; pIndex < ps.size(); pIndex++) {
                Block p = ps.get(pIndex);
                if (out[p.id()] == null) {
                    out[p.id()] = new Def(null, null, p); // read it again at the end of p
                    reloads++;
                }
            }
            Def merged = new Def(null, b, null);
            params.add(merged);
            return merged;
        }

        /**
         * The value on entry to {@code b}, a block with a predecessor not processed yet: an inner loop
         * header keeps the value its entering edges agree on if nothing in the inner loop writes the
         * location; anything else (an irreducible edge) knows nothing.
         */
        private Def innerHeaderValue(Block b, List<Block> ps) {
            LoopInvariantCodeMotion.Loop inner = loops.get(b);
            if (inner == null) {
                return null;
            }
            Def d = null;
            for (Block p : ps) {
                if (processed[p.id()]) {
                    if (out[p.id()] == null || d != null && !d.same(out[p.id()])) {
                        return null;
                    }
                    d = out[p.id()];
                } else if (!inner.body.get(p.id())) {
                    return null;
                }
            }
            if (d == null) {
                return null;
            }
            for (Block x : inner.blocks) {
                for (Inst inst : x.insts()) {
                    if (OptUtil.writesState(inst) && effect(inst) != Effect.NONE) {
                        return null;
                    }
                }
            }
            innerHeaders.put(b, d);
            return d;
        }

        private Value value(Def d) {
            if (d.value == null) {
                if (d.param != null) {
                    d.value = d.param.addParam(location.type());
                } else {
                    d.value = reloadAfterWrites(d.reloadAt);
                }
            }
            return d.value;
        }

        /**
         * A copy of the anchor load in {@code b}, right after the last instruction there that may
         * write the location (after a cold call, the reloads of several locations come in the reverse
         * order of their promotion), else before the terminator; returns its result.
         */
        private Value reloadAfterWrites(Block b) {
            Inst kill = lastKill.get(b);
            return reload(b, kill != null ? b.insts().indexOf(kill) + 1 : b.insts().size() - 1);
        }

        /** A copy of the anchor load placed at {@code index} of {@code b}; returns its result. */
        private Value reload(Block b, int index) {
            List<Value> args = new ArrayList<>(anchor.args().size());
            for (int i = 0; i < anchor.args().size(); i++) {
                args.add(anchor.arg(i));
            }
            Inst load = OptUtil.insert(b, index, anchor.op(), args, anchor.imm(), anchor.cond(), location.type());
            load.withAux(anchor.aux()).withSourceOffset(anchor.sourceOffset()).withInlineSite(anchor.inlineSite());
            return load.result();
        }

        private void apply(Def header, Set<Block> latches) {
            Block pre = preheader();
            Value first = reload(pre, pre.insts().size() - 1);
            Value param = value(header);
            addArgs(pre, loop.header, first);
            // block parameters of the meeting points inside the loop, then the back edges
            for (int i = 0; i < params.size(); i++) {
                Def d = params.get(i);
                Value v = value(d);
                for (Block p : new LinkedHashSet<>(preds.get(d.param.id()))) {
                    addArgs(p, d.param, value(out[p.id()]));
                }
                assert v.paramBlock() == d.param;
            }
            for (Block p : latches) {
                Def d = out[p.id()];
                if (d != null) {
                    addArgs(p, loop.header, value(d));
                    continue;
                }
                boolean onlyToHeader = p.successors().stream().allMatch(s -> s == loop.header);
                if (onlyToHeader || reloadSafe) {
                    addArgs(p, loop.header, reloadAfterWrites(p));
                    continue;
                }
                // read it again on the edge itself: the header would have read it right after
                for (BlockCall bc : p.terminator().targets()) {
                    if (bc.target() == loop.header) {
                        Block edge = f.newBlock();
                        f.blocks().add(f.blocks().indexOf(p) + 1, edge);
                        BlockCall jump = new BlockCall(loop.header, bc.args());
                        edge.append(Op.JUMP, List.of(), 0, null, List.of(jump), List.of());
                        jump.args().add(reload(edge, 0));
                        bc.setTarget(edge);
                        bc.args().clear();
                    }
                }
            }
            for (Map.Entry<Inst, Def> e : replaced.entrySet()) {
                Inst load = e.getKey();
                Value v = e.getValue() == header ? param : value(e.getValue());
                load.result().aliasTo(v);
                load.block().insts().remove(load);
            }
        }

        /** Appends {@code v} to the arguments of every branch of {@code from} to {@code to}. */
        private static void addArgs(Block from, Block to, Value v) {
            for (BlockCall bc : from.terminator().targets()) {
                if (bc.target() == to) {
                    bc.args().add(v);
                }
            }
        }

        /**
         * The loop's preheader: the header's only outside predecessor when that ends in a {@code jump},
         * else a new block that receives every outside edge and jumps to the header.
         */
        private Block preheader() {
            Block h = loop.header;
            List<Block> outside = new ArrayList<>();
            for (Block p : preds.get(h.id())) {
                if (!loop.body.get(p.id()) && !outside.contains(p)) {
                    outside.add(p);
                }
            }
            if (outside.size() == 1 && outside.get(0).terminator().op() == Op.JUMP) {
                return outside.get(0);
            }
            return LoopInvariantCodeMotion.newPreheader(f, h, outside);
        }
    }
}
