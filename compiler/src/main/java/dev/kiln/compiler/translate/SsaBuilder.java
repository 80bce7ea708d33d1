package dev.kiln.compiler.translate;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SSA construction for mutable variables (Wasm locals) following Braun, Buchwald, Hack, Leißa,
 * Mallon and Zwinkau, "Simple and Efficient Construction of Static Single Assignment Form" (CC 2013),
 * with block parameters in place of phi nodes.
 *
 * <p>The translator reports every control-flow edge through {@link #branch}, seals a block once all
 * its predecessors are known, and reads and writes variables through {@link #read}/{@link #write}.
 * A variable read in a block that does not define it becomes a block parameter when the block is
 * unsealed or has several predecessors; every incoming edge then passes the variable's value as the
 * matching argument. In a sealed block, a parameter whose incoming arguments turn out to be one value
 * (besides itself) is removed as soon as it is made, and aliased to that value (the paper's
 * {@code tryRemoveTrivialPhi} at creation). {@link #finish} removes the parameters that turn out
 * trivial later (all incoming arguments are one value or the parameter itself), from a worklist of
 * the blocks a removed parameter flowed into, to a fixed point, which gives the same result as the
 * paper's recursive removal; this covers the parameters that carry Wasm block results too (a block
 * left by one branch needs no merge). Not thread-safe.
 */
public final class SsaBuilder {
    /** An incoming edge: the branch in {@code source} whose {@link BlockCall} targets the block. */
    private record Edge(Block source, BlockCall call) {
    }

    private final IrFunction function;
    private final IrType[] varTypes;
    private Value[][] defs = new Value[16][];
    private boolean[] sealed = new boolean[16];
    // ArrayLists by type, here and below: C1, which compiles the kiln launcher's compiler, checks a cast
    // to an interface (List) in a runtime stub, and calls List's methods through an itable stub
    private final ArrayList<ArrayList<Edge>> edges = new ArrayList<>();
    /** Per block: which variable each parameter (after the fixed ones) stands for; -1 = not a variable. */
    private final ArrayList<ArrayList<Integer>> paramVars = new ArrayList<>();

    /**
     * @param function the function being built
     * @param varTypes the type of each variable (Wasm local), by local index
     */
    public SsaBuilder(IrFunction function, IrType[] varTypes) {
        this.function = function;
        this.varTypes = varTypes;
    }

    private void ensure(Block b) {
        int id = b.id();
        if (id >= defs.length) {
            int n = Math.max(id + 1, defs.length * 2);
            defs = Arrays.copyOf(defs, n);
            sealed = Arrays.copyOf(sealed, n);
        }
        while (edges.size() <= id) {
            edges.add(new ArrayList<>(2));
            paramVars.add(new ArrayList<>(2));
        }
        if (defs[id] == null) {
            defs[id] = new Value[varTypes.length];
        }
    }

    /**
     * Registers the parameters {@code b} already has (block results, loop parameters): they are not
     * variables. Call once right after creating the block and adding them.
     */
    public void declareBlock(Block b) {
        ensure(b);
        ArrayList<Integer> pv = paramVars.get(b.id());
        while (pv.size() < b.params().size()) {
            pv.add(-1);
        }
    }

    /** Sets variable {@code var} to {@code value} at the current end of {@code b}. */
    public void write(int var, Block b, Value value) {
        ensure(b);
        defs[b.id()][var] = value;
    }

    /** The value of variable {@code var} at the current end of {@code b}. */
    public Value read(int var, Block b) {
        ensure(b);
        Value v = defs[b.id()][var];
        if (v != null) {
            return v;
        }
        ArrayList<Edge> in = edges.get(b.id());
        if (sealed[b.id()] && in.size() == 1) {
            v = read(var, in.get(0).source());
        } else if (sealed[b.id()] && in.isEmpty()) {
            throw new IllegalStateException("variable " + var + " read in " + b + " which has no predecessors");
        } else {
            v = addVariableParam(b, var);
        }
        defs[b.id()][var] = v;
        return v;
    }

    private Value addVariableParam(Block b, int var) {
        Value p = b.addParam(varTypes[var]);
        int index = b.params().size() - 1;
        paramVars.get(b.id()).add(var);
        defs[b.id()][var] = p; // breaks cycles through loops
        ArrayList<Edge> in = edges.get(b.id());
        // Reserve the argument slot on every edge first: reads below may add further parameters.
        // (Indexed loops here and in finish: C1, which compiles the kiln launcher's compiler, allocates
        // every iterator, and these run once per parameter.)
        for (int k = 0; k < in.size(); k++) {
            in.get(k).call().args().add(null);
        }
        Value same = null; // the one value every edge passes, besides p itself (Braun et al.'s trivial phi)
        boolean trivial = sealed[b.id()];
        for (int k = 0; k < in.size(); k++) {
            Edge e = in.get(k);
            Value v = read(var, e.source());
            e.call().args().set(index, v);
            Value r = v.resolve();
            if (r != p && r != same) {
                trivial &= same == null;
                same = r;
            }
        }
        if (trivial && same != null && index == b.params().size() - 1) {
            // every predecessor is known and passes one value: no parameter. Nothing was added to b
            // after p (the reads above look for this variable only, and b's is p), so p is the last
            // parameter; values that took p meanwhile (through a loop) resolve to same.
            b.removeParam(index);
            ArrayList<Integer> pv = paramVars.get(b.id());
            pv.remove(pv.size() - 1);
            for (int k = 0; k < in.size(); k++) {
                in.get(k).call().args().remove(index);
            }
            p.aliasTo(same);
            return same;
        }
        return p;
    }

    /**
     * Creates the branch target {@code target(fixedArgs..., variables...)} for an edge from
     * {@code source}; the caller puts it in the terminator it appends to {@code source}. The arguments
     * for the target's variable parameters are read in {@code source}.
     */
    public BlockCall branch(Block source, Block target, List<Value> fixedArgs) {
        ensure(target);
        List<Value> args = new ArrayList<>(fixedArgs);
        ArrayList<Integer> pv = paramVars.get(target.id());
        for (int i = args.size(); i < pv.size(); i++) {
            int var = pv.get(i);
            if (var < 0) {
                throw new IllegalStateException(target + " param " + i + " is neither passed nor a variable");
            }
            args.add(read(var, source));
        }
        BlockCall bc = new BlockCall(target, args);
        edges.get(target.id()).add(new Edge(source, bc));
        return bc;
    }

    /** Declares that every predecessor of {@code b} is now known. */
    public void seal(Block b) {
        ensure(b);
        sealed[b.id()] = true;
    }

    /** Number of incoming edges registered for {@code b} so far. */
    public int predecessorCount(Block b) {
        ensure(b);
        return edges.get(b.id()).size();
    }

    /**
     * Removes trivial variable parameters to a fixed point and rewrites every operand and branch
     * argument to its resolved value. Call once the function is complete.
     */
    public void finish() {
        ArrayList<Block> blocks = function.blocks();
        int n = blocks.size();
        // The users of each block parameter: the blocks whose incoming edges pass it (a block once per
        // edge argument), so that removing a parameter looks again only at the blocks it flowed into,
        // instead of sweeping every block until nothing changes. Parameters get dense numbers; their
        // users are one array (CSR: a parameter's run of block ids), and a removed parameter's users
        // pass to the value it became by linking it under that value (a tree of merged parameters).
        int[] paramNumber = new int[function.valueCount()];
        Block[] byId = new Block[function.blockIdBound()];
        int params = 0;
        for (int bI = 0; bI < n; bI++) {
            Block c = blocks.get(bI);
            byId[c.id()] = c;
            List<Value> ps = c.params();
            for (int i = 0; i < ps.size(); i++) {
                paramNumber[ps.get(i).id()] = ++params; // 0: not a parameter
            }
        }
        int[] userStart = new int[params + 2];
        int[] userBlocks = null;
        for (int pass = 0; pass < 2; pass++) { // count, then fill
            int[] fill = pass == 0 ? null : Arrays.copyOf(userStart, params + 1);
            int[] users = pass == 0 ? null : new int[userStart[params + 1]];
            for (int bI = 0; bI < n; bI++) {
                Block c = blocks.get(bI);
                if (c.id() >= paramVars.size()) {
                    continue;
                }
                ArrayList<Edge> in = edges.get(c.id());
                for (int k = 0; k < in.size(); k++) {
                    ArrayList<Value> args = in.get(k).call().args();
                    for (int i = 0; i < args.size(); i++) {
                        int q = paramNumber[args.get(i).resolve().id()];
                        if (q == 0) {
                            continue;
                        }
                        if (pass == 0) {
                            userStart[q + 1]++;
                        } else {
                            users[fill[q]++] = c.id();
                        }
                    }
                }
            }
            if (pass == 0) {
                for (int q = 1; q <= params; q++) {
                    userStart[q + 1] += userStart[q];
                }
            } else {
                userBlocks = users;
            }
        }
        int[] mergedHead = new int[params + 1]; // by parameter number: the first parameter merged into it, 0 for none
        int[] mergedNext = new int[params + 1]; // the next parameter merged into the same one
        // the blocks to look at, in layout order first; each queued at most once at a time
        Block[] work = new Block[Math.max(1, n)];
        boolean[] queued = new boolean[function.blockIdBound()];
        int head = 0;
        int count = 0;
        for (int bI = 0; bI < n; bI++) {
            Block b = blocks.get(bI);
            if (b.id() < paramVars.size()) {
                work[count++] = b;
                queued[b.id()] = true;
            }
        }
        int[] stack = new int[8];
        while (count > 0) {
            Block b = work[head];
            head = head + 1 == work.length ? 0 : head + 1;
            count--;
            queued[b.id()] = false;
            ArrayList<Integer> pv = paramVars.get(b.id());
            ArrayList<Edge> in = edges.get(b.id());
            for (int i = Math.min(b.params().size(), pv.size()) - 1; i >= 0; i--) {
                Value p = b.params().get(i);
                Value same = null;
                boolean trivial = true;
                for (int k = 0; k < in.size(); k++) {
                    Value a = in.get(k).call().args().get(i).resolve();
                    if (a == p || a == same) {
                        continue;
                    }
                    if (same != null) {
                        trivial = false;
                        break;
                    }
                    same = a;
                }
                if (!trivial || same == null) {
                    continue;
                }
                p.aliasTo(same);
                b.removeParam(i);
                pv.remove(i);
                for (int k = 0; k < in.size(); k++) {
                    in.get(k).call().args().remove(i);
                }
                // the blocks p flowed into (its own users and those of the parameters merged into it)
                // now receive same: look at them again, and at them too if same is removed later
                int pq = paramNumber[p.id()];
                int top = 0;
                stack[top++] = pq;
                while (top > 0) {
                    int q = stack[--top];
                    for (int k = userStart[q]; k < userStart[q + 1]; k++) {
                        Block c = byId[userBlocks[k]];
                        if (!queued[c.id()]) {
                            queued[c.id()] = true;
                            int tail = head + count;
                            work[tail >= work.length ? tail - work.length : tail] = c;
                            count++;
                        }
                    }
                    for (int m = mergedHead[q]; m != 0; m = mergedNext[m]) {
                        if (top == stack.length) {
                            stack = Arrays.copyOf(stack, top * 2);
                        }
                        stack[top++] = m;
                    }
                }
                int sq = paramNumber[same.id()];
                if (sq != 0) {
                    mergedNext[pq] = mergedHead[sq];
                    mergedHead[sq] = pq;
                }
            }
        }
        function.resolveOperands();
    }

    /** Appends a zero of type {@code t} to {@code b}: the initial value of a declared local. */
    public static Value zero(Block b, IrType t) {
        return switch (t) {
            case I32, I64 -> b.append1(Op.ICONST, t, 0);
            case F32, F64 -> b.append1(Op.FCONST, t, 0);
            case V128, I8X16, I16X8, I32X4, I64X2, F32X4, F64X2 -> b.append1(Op.SIMD, IrType.V128, dev.kiln.compiler.wasm.Opcode.V128_CONST.code(),
                    b.append1(Op.ICONST, IrType.I64, 0), b.append1(Op.ICONST, IrType.I64, 0));
        };
    }
}
