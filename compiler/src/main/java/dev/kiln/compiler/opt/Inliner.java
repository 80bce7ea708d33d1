package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.DominatorTree;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * Inlining of direct calls, one caller at a time, with callees already optimized: the driver runs it
 * bottom-up over the call graph of the linked module (callees before callers, each strongly connected
 * component after every component it calls), so a callee's IR is final, its own calls already inlined,
 * when a caller reads it, and a call inside a cycle of the call graph is never inlined (the driver
 * gives no IR for a callee in the caller's own component). A callee that calls itself is not inlined
 * either unless always inlined (one level of a recursive function rarely pays); the driver gives no
 * IR for callees on longer cycles.
 *
 * <p>The cost model (sizes in IR instructions, terminators included), per call site:
 * <ul>
 * <li>A <b>cold</b> call site is never inlined: one whose block cannot reach a {@code return} (a slow
 * path that ends in a trap, e.g. behind {@code br_if} to an {@code unreachable}), or one whose callee
 * calls an imported function itself (a slow path into the host). This is how a compile-time builtin
 * keeps "fast path inline, slow path out of line" (DESIGN §4): its fast path is inlined into the
 * guest, the call to its slow-path helper stays a call, in the slow-path block only.</li>
 * <li>A callee the policy marks {@link Policy#alwaysInline always inlined} (compile-time builtins) is
 * inlined when it is at most {@link #ALWAYS_MAX_CALLEE_INSTS}, within a per-caller growth of
 * {@link #ALWAYS_MAX_GROWTH}.</li>
 * <li>Any other callee is inlined, outside loops (loop depth 0), when its size is at most
 * {@link #MAX_STRAIGHT_CALLEE_INSTS}: about the code of the call it replaces (a function that calls
 * checks the stack limit on entry and saves and restores the callee-saved registers that hold values
 * across the call; with the argument moves, the call and the return, some 8 x86-64 instructions), so
 * that inlining it does not grow the caller. Toolchains such as LLVM have already inlined within each
 * translation unit what pays there (Wasmtime inlines no calls within a module by default for that
 * reason), and a larger callee copied into code that runs once per call of its caller costs compile
 * time and code size for little: in {@code llvm.core.wasm}, 67,000 call sites outside loops of callees
 * of 9-20 instructions added a million IR instructions and about 10% of the time spent compiling its
 * functions ({@code bench/results/2026-12-07-inlining-outside-loops.md}). In a loop, a
 * callee is inlined when its size is at most {@link #MAX_CALLEE_INSTS} times one plus the loop depth
 * of the call site (a call in a loop runs more often, so a larger callee pays off), up to
 * {@link #MAX_LOOP_CALLEE_INSTS}; either way within the caller's growth budget: the larger of
 * {@link #MIN_GROWTH} and the caller's own size ({@link #GROWTH_PERCENT} percent), at most
 * {@link #MAX_GROWTH}. The module's budget is the sum of its functions' budgets: each function's share
 * depends only on itself, so the decisions, and the artifact, do not depend on the order in which
 * parallel workers finish.</li>
 * </ul>
 * Candidates are taken in order of priority (always-inlined first, then deeper loops, then smaller
 * callees, then position) until the budget is spent.
 *
 * <p>Inlining a call: the caller's block is split after the call into a continuation block whose
 * parameters are the call's results; the callee's blocks are cloned with fresh values and blocks,
 * its entry parameters receiving the call's arguments through a {@code jump}, and each
 * {@code return v...} becomes {@code jump continuation(v...)}; the callee's entry epoch check is left out
 * (its loop headers keep theirs). A tail call in the callee is a tail
 * call of the callee's frame, which inlining removes: {@code return_call f(args)} becomes
 * {@code r... = call f(args)} followed by {@code jump continuation(r...)} (the callee's results are the
 * call's, as validation requires); a callee with a {@code return_call_ref} is not inlined until the IR
 * has the matching non-tail {@code call_ref}. A block ending in a tail call returns, for the cold-site
 * rule, and a tail call to the callee itself or to an import counts as a call to it. Traps in the callee keep their trap
 * codes (a trap unwinds the whole Wasm call stack either way). Inlined frames are recorded for
 * backtraces (DESIGN's frame info): each inlined call adds an {@link IrFunction.InlineSite} (callee
 * funcidx, enclosing site), the callee's own sites beneath it, and every copied instruction carries
 * its innermost site ({@link Inst#inlineSite()}); instructions other passes create later carry 0 (the
 * function's own code). Copied instructions keep their {@link Inst#sourceOffset()} and each site
 * records the inlined call's offset, so the backends' frame info lists inlined frames.
 *
 * <p>The callee IR is only read, never changed, so one IR may serve several callers on several
 * threads, but it must not be mutated meanwhile. Stateless and thread-safe; mutates the caller.
 */
public final class Inliner {
    /**
     * The largest callee, in IR instructions (terminators included), inlined outside loops (at loop
     * depth 0): about the code of the call it replaces.
     */
    public static final int MAX_STRAIGHT_CALLEE_INSTS = 8;
    /**
     * The step of the limit in loops: a call at loop depth {@code d >= 1} inlines a callee of at most
     * {@code MAX_CALLEE_INSTS * (1 + d)} IR instructions (terminators included), up to
     * {@link #MAX_LOOP_CALLEE_INSTS}.
     */
    public static final int MAX_CALLEE_INSTS = 20;
    /** The largest callee inlined at any loop depth (the depth-scaled limit stops here). */
    public static final int MAX_LOOP_CALLEE_INSTS = 80;
    /** A caller may always grow by this many instructions through ordinary inlining. */
    public static final int MIN_GROWTH = 100;
    /** Beyond {@link #MIN_GROWTH}, a caller may grow by this percentage of its own size. */
    public static final int GROWTH_PERCENT = 100;
    /** The most a caller grows through ordinary inlining, in IR instructions. */
    public static final int MAX_GROWTH = 4000;
    /** The largest always-inlined callee (a compile-time builtin), in IR instructions. */
    public static final int ALWAYS_MAX_CALLEE_INSTS = 2000;
    /** The most a caller grows through always-inlined callees, in IR instructions. */
    public static final int ALWAYS_MAX_GROWTH = 50_000;

    private Inliner() {
    }

    /**
     * The largest callee, in IR instructions (terminators included), inlined into a call at loop depth
     * {@code loopDepth} unless always inlined: {@link #MAX_STRAIGHT_CALLEE_INSTS} outside loops, else
     * {@link #MAX_CALLEE_INSTS} times one plus the depth, up to {@link #MAX_LOOP_CALLEE_INSTS}. Never
     * less at a greater depth; 0 for a negative depth (no call that the inliner takes).
     */
    public static int maxCalleeInsts(int loopDepth) {
        return loopDepth < 0 ? 0 : loopDepth == 0 ? MAX_STRAIGHT_CALLEE_INSTS
                : Math.min(MAX_LOOP_CALLEE_INSTS, MAX_CALLEE_INSTS * (1 + loopDepth));
    }

    /**
     * What the inliner may know about callees.
     *
     * @param callees           function funcidx as a callee, or {@code null} to leave calls to it alone
     *                          (imported functions, callees in the caller's own strongly connected
     *                          component, callees not compiled yet); called on the calling thread
     * @param alwaysInline      whether function funcidx is inlined regardless of the size limits
     *                          (compile-time builtins, DESIGN §4), cold call sites still excepted
     * @param importedFunctions the number of imported functions (funcidx below it are imports)
     */
    public record Policy(IntFunction<Callee> callees, IntPredicate alwaysInline, int importedFunctions) {
        /** The ordinary policy: no callee is always inlined, and no import is known. */
        public static Policy of(IntFunction<IrFunction> calleeIr) {
            return of(calleeIr, f -> false, 0);
        }

        /**
         * A policy that summarizes each callee IR {@code calleeIr} gives ({@link Callee#of}) when first
         * asked for it, and keeps the summary for this policy's life: for a caller or a few (a driver
         * that inlines from the same callees into many callers summarizes each once, as it keeps them).
         * Not thread-safe.
         *
         * @param calleeIr the final IR of function funcidx, or {@code null} (see {@link #callees})
         */
        public static Policy of(IntFunction<IrFunction> calleeIr, IntPredicate alwaysInline, int importedFunctions) {
            Map<IrFunction, Callee> summaries = new IdentityHashMap<>();
            return new Policy(funcIndex -> {
                IrFunction f = calleeIr.apply(funcIndex);
                return f == null ? null : summaries.computeIfAbsent(f, ir -> Callee.of(ir, importedFunctions));
            }, alwaysInline, importedFunctions);
        }
    }

    /**
     * A callee's final IR with what the cost model reads of it, from one scan: summarized once when a
     * driver keeps the IR for its callers, instead of once per caller.
     *
     * @param ir           the callee's final IR, only read by the inliner
     * @param size         the size of {@code ir} in IR instructions, terminators included;
     *                     interruption checks do not count (see {@link #size(IrFunction)})
     * @param callsImport  whether it calls (or tail-calls) an imported function: its call sites are cold
     * @param callsItself  whether it calls (or tail-calls) itself
     * @param tailCallsRef whether it has a {@code return_call_ref}
     */
    public record Callee(IrFunction ir, int size, boolean callsImport, boolean callsItself, boolean tailCallsRef) {
        /**
         * Summarizes {@code f}.
         *
         * @param importedFunctions the number of imported functions (funcidx below it are imports)
         */
        public static Callee of(IrFunction f, int importedFunctions) {
            int size = 0;
            boolean imports = false;
            boolean itself = false;
            boolean tailCallsRef = false;
            ArrayList<Block> blocks = f.blocks();
            for (int bI = 0; bI < blocks.size(); bI++) {
                ArrayList<Inst> insts = blocks.get(bI).insts();
                for (int iI = 0; iI < insts.size(); iI++) {
                    Inst inst = insts.get(iI);
                    if (!Op.isInterruptionCheck(inst)) {
                        size++;
                    }
                    if (inst.op() == Op.CALL || inst.op() == Op.RETURN_CALL) {
                        imports |= inst.imm() < importedFunctions;
                        itself |= inst.imm() == f.funcIndex();
                    }
                    tailCallsRef |= inst.op() == Op.RETURN_CALL_REF;
                }
            }
            return new Callee(f, size, imports, itself, tailCallsRef);
        }
    }

    /**
     * Inlines the direct calls of {@code caller} that the cost model selects (see the class comment),
     * with {@link Policy#of}.
     *
     * @return whether a call was inlined
     */
    public static boolean run(IrFunction caller, IntFunction<IrFunction> calleeIr) {
        return run(caller, Policy.of(calleeIr));
    }

    /**
     * Inlines the direct calls of {@code caller} that the cost model selects (see the class comment).
     *
     * @return whether a call was inlined
     */
    public static boolean run(IrFunction caller, Policy policy) {
        int[] depth = null;
        BitSet returns = null;
        List<Site> sites = new ArrayList<>();
        int position = 0;
        var bList = caller.blocks();
        for (int bIndex = 0; bIndex < bList.size(); bIndex++) {
            Block b = bList.get(bIndex);
            var instList = b.insts();
            for (int instIndex = 0; instIndex < instList.size(); instIndex++) {
                Inst inst = instList.get(instIndex);
                position++;
                if (inst.op() != Op.CALL || inst.imm() == caller.funcIndex() || (inst.aux() & Op.IN_TRY) != 0) {
                    continue;
                }
                int funcIndex = (int) inst.imm();
                Callee info = policy.callees().apply(funcIndex);
                IrFunction callee = info == null ? null : info.ir();
                if (callee == null || callee.blocks().isEmpty() || callee == caller) {
                    continue;
                }
                if (returns == null) {
                    returns = reachesReturn(caller);
                    depth = OptUtil.loopDepths(caller);
                }
                if (!returns.get(b.id()) || info.callsImport) {
                    continue; // cold: a slow path
                }
                if (info.tailCallsRef) {
                    continue; // no non-tail call through a function record in the IR to turn it into
                }
                boolean always = policy.alwaysInline().test(funcIndex);
                if (!always && info.callsItself) {
                    continue;
                }
                int size = info.size;
                int limit = always ? ALWAYS_MAX_CALLEE_INSTS : maxCalleeInsts(depth[b.id()]);
                if (size <= limit) {
                    sites.add(new Site(inst, callee, size, always, depth[b.id()], position));
                }
            }
        }
        if (sites.isEmpty()) {
            return false;
        }
        // always-inlined calls first, then deeper in loops, smaller, earlier
        sites.sort((x, y) -> x.always != y.always ? (x.always ? -1 : 1)
                : x.depth != y.depth ? Integer.compare(y.depth, x.depth)
                : x.size != y.size ? Integer.compare(x.size, y.size) : Integer.compare(x.position, y.position));
        int callerSize = size(caller); // before any inlining: counted only for a caller with sites
        int budget = Math.min(MAX_GROWTH, Math.max(MIN_GROWTH, (int) ((long) callerSize * GROWTH_PERCENT / 100)));
        int alwaysBudget = ALWAYS_MAX_GROWTH;
        boolean changed = false;
        boolean deadCode = false;
        for (Site s : sites) {
            int growth = s.size - 1; // the call itself goes
            if (s.always ? growth > alwaysBudget : growth > budget) {
                continue;
            }
            if (s.always) {
                alwaysBudget -= growth;
            } else {
                budget -= growth;
            }
            Block b = s.call.block();
            int blockIndex = caller.blocks().indexOf(b);
            if (blockIndex < 0) {
                continue; // after a callee that always traps: in a continuation that was never placed
            }
            int callIndex = b.insts().indexOf(s.call);
            if (!inline(caller, blockIndex, callIndex, s.call, s.callee)) {
                deadCode = true;
            }
            changed = true;
        }
        OptUtil.resolveAll(caller);
        if (deadCode) {
            DeadCodeElimination.run(caller); // blocks only reachable through a continuation never placed
        }
        return changed;
    }

    /** A call site selected by the cost model. */
    private record Site(Inst call, IrFunction callee, int size, boolean always, int depth, int position) {
    }

    /**
     * The size of {@code f} in IR instructions, terminators included; interruption checks do not count
     * (the additions and loads of fuel metering do, so a fuel build may inline a little less).
     */
    public static int size(IrFunction f) {
        return Callee.of(f, 0).size(); // one rule for callers and callees
    }

    /** The blocks (by id) from which a {@code return} is reachable. */
    private static BitSet reachesReturn(IrFunction f) {
        List<List<Block>> preds = OptUtil.predecessors(f);
        BitSet seen = new BitSet(f.blockIdBound());
        Deque<Block> work = new ArrayDeque<>();
        var bList = f.blocks();
        for (int bIndex = 0; bIndex < bList.size(); bIndex++) {
            Block b = bList.get(bIndex);
            Inst t = b.terminator();
            if (t != null && (t.op() == Op.RETURN || t.op() == Op.RETURN_CALL || t.op() == Op.RETURN_CALL_REF)) {
                seen.set(b.id());
                work.add(b);
            }
        }
        while (!work.isEmpty()) {
            var pList = preds.get(work.poll().id());
            for (int pIndex = 0; pIndex < pList.size(); pIndex++) {
                Block p = pList.get(pIndex);
                if (!seen.get(p.id())) {
                    seen.set(p.id());
                    work.add(p);
                }
            }
        }
        return seen;
    }

    private static boolean inline(IrFunction caller, int blockIndex, int callIndex, Inst call, IrFunction callee) {
        Block b = caller.blocks().get(blockIndex);
        ArrayList<Inst> insts = b.insts();
        // continuation: the call's results become its parameters
        Block cont = caller.newBlock();
        var callResults = call.results();
        for (int rIndex = 0; rIndex < callResults.size(); rIndex++) {
            Value r = callResults.get(rIndex);
            r.aliasTo(cont.addParam(r.type()));
        }
        List<Inst> rest = new ArrayList<>(insts.subList(callIndex + 1, insts.size()));
        insts.subList(callIndex, insts.size()).clear();
        for (int instIndex = 0; instIndex < rest.size(); instIndex++) {
            Inst inst = rest.get(instIndex);
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
        for (int cbIndex = 0; cbIndex < order.size(); cbIndex++) {
            Block cb = order.get(cbIndex);
            Block nb = caller.newBlock();
            blockMap[cb.id()] = nb;
            var pList = cb.params();
            for (int pIndex = 0; pIndex < pList.size(); pIndex++) {
                Value p = pList.get(pIndex);
                valueMap[p.id()] = nb.addParam(p.type());
            }
        }
        for (int cbIndex = 0; cbIndex < order.size(); cbIndex++) {
            Block cb = order.get(cbIndex);
            Block nb = blockMap[cb.id()];
            var ciList = cb.insts();
            for (int ciIndex = 0; ciIndex < ciList.size(); ciIndex++) {
                Inst ci = ciList.get(ciIndex);
                if (ci.op() == Op.EPOCH_CHECK && cb == callee.entry()) {
                    // the callee's entry check: inlined code is no new frame, and every call cycle
                    // still passes the entry of a function that is not inlined (the inliner never
                    // inlines into a cycle); the callee's loop headers keep their checks
                    continue;
                }
                List<Value> mapped = new ArrayList<>(ci.args().size());
                for (int a = 0; a < ci.args().size(); a++) {
                    mapped.add(map(valueMap, ci.arg(a)));
                }
                if (ci.op() == Op.RETURN) {
                    nb.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(cont, mapped)), List.of())
                            .withInlineSite(ci.inlineSite()).withSourceOffset(ci.sourceOffset());
                    continue;
                }
                if (ci.op() == Op.RETURN_CALL) {
                    // the callee's tail call: a call, whose results the inlined callee returns
                    List<IrType> results = new ArrayList<>(cont.params().size());
                    var pList = cont.params();
                    for (int pIndex = 0; pIndex < pList.size(); pIndex++) {
                        Value p = pList.get(pIndex);
                        results.add(p.type());
                    }
                    Inst c = nb.append(Op.CALL, mapped, ci.imm(), null, List.of(), results).withInlineSite(ci.inlineSite())
                            .withSourceOffset(ci.sourceOffset());
                    nb.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(cont, new ArrayList<>(c.results()))),
                            List.of()).withInlineSite(ci.inlineSite()).withSourceOffset(ci.sourceOffset());
                    continue;
                }
                List<BlockCall> targets = new ArrayList<>(ci.targetCount());
                for (int bcIndex = 0; bcIndex < ci.targetCount(); bcIndex++) {
                    BlockCall bc = ci.target(bcIndex);
                    List<Value> ta = new ArrayList<>(bc.args().size());
                    var vList = bc.args();
                    for (int vIndex = 0; vIndex < vList.size(); vIndex++) {
                        Value v = vList.get(vIndex);
                        ta.add(map(valueMap, v.resolve()));
                    }
                    targets.add(new BlockCall(blockMap[bc.target().id()], ta));
                }
                List<IrType> types = new ArrayList<>(ci.resultCount());
                for (int rIndex = 0; rIndex < ci.resultCount(); rIndex++) {
                    types.add(ci.result(rIndex).type());
                }
                Inst ni = nb.append(ci.op(), mapped, ci.imm(), ci.cond(), targets, types).withAux(ci.aux())
                        .withInlineSite(ci.inlineSite()).withSourceOffset(ci.sourceOffset());
                for (int r = 0; r < types.size(); r++) {
                    valueMap[ci.result(r).id()] = ni.result(r);
                }
            }
        }
        Block calleeEntry = blockMap[callee.entry().id()];
        // inlined frames: the call's own site, then the callee's sites beneath it
        int site = caller.addInlineSite(callee.funcIndex(), call.inlineSite(), call.sourceOffset());
        int[] siteMap = new int[callee.inlineSites().size() + 1];
        siteMap[0] = site;
        for (int k = 0; k < callee.inlineSites().size(); k++) {
            IrFunction.InlineSite s = callee.inlineSites().get(k);
            siteMap[k + 1] = caller.addInlineSite(s.funcIndex(), siteMap[s.parent()], s.callOffset());
        }
        for (int cbIndex = 0; cbIndex < order.size(); cbIndex++) {
            Block cb = order.get(cbIndex);
            var niList = blockMap[cb.id()].insts();
            for (int niIndex = 0; niIndex < niList.size(); niIndex++) {
                Inst ni = niList.get(niIndex);
                ni.withInlineSite(siteMap[ni.inlineSite()]);
            }
        }
        b.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(calleeEntry, args)), List.of());
        List<Block> placed = new ArrayList<>();
        for (int cbIndex = 0; cbIndex < order.size(); cbIndex++) {
            Block cb = order.get(cbIndex);
            placed.add(blockMap[cb.id()]);
        }
        boolean returns = false;
        for (int nbIndex = 0; nbIndex < placed.size(); nbIndex++) {
            Block nb = placed.get(nbIndex);
            var bcList = nb.terminator().targets();
            for (int bcIndex = 0; bcIndex < bcList.size(); bcIndex++) {
                BlockCall bc = bcList.get(bcIndex);
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
