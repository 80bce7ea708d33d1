package dev.kiln.compiler.ir;

import dev.kiln.abi.FuncType;
import java.util.ArrayList;
import java.util.List;

/**
 * A function in SSA form: its Wasm signature, and blocks whose first ({@link #entry()}) has one
 * parameter per Wasm parameter. {@link #blocks()} is the layout order the backend follows.
 * Not thread-safe: one function is built and compiled by one thread.
 */
public final class IrFunction {
    private final int funcIndex;
    private final String name;
    private final FuncType signature;
    private final ArrayList<Block> blocks = new ArrayList<>(); // not List: C1 calls an interface through an itable stub
    private final List<InlineSite> inlineSites = new ArrayList<>();
    private int nextValue;
    private int nextBlock;

    /**
     * @param funcIndex the Wasm funcidx (imports included)
     * @param name      a display name such as {@code wasm[3]::fac}
     * @param signature the Wasm function type
     */
    public IrFunction(int funcIndex, String name, FuncType signature) {
        this.funcIndex = funcIndex;
        this.name = name;
        this.signature = signature;
    }

    /**
     * One inlined call: instructions copied from function {@code funcIndex} into this one carry
     * (through {@link Inst#inlineSite()}) the number of this record, and {@code parent} is the site of
     * the call that was inlined (0: a call in this function's own code, else the number of the
     * enclosing inlined call). Walking parents from an instruction's site gives its inlined frames,
     * innermost first, for a backtrace.
     */
    public record InlineSite(int funcIndex, int parent, int callOffset) {
        /** A site whose call's module byte offset ({@code callOffset}) is unknown (-1). */
        public InlineSite(int funcIndex, int parent) {
            this(funcIndex, parent, -1);
        }
    }

    /** The inlined calls of this function; site {@code n} is element {@code n - 1}. */
    public List<InlineSite> inlineSites() {
        return java.util.Collections.unmodifiableList(inlineSites);
    }

    /** Records an inlined call (see {@link InlineSite}); returns its site number (1 for the first). */
    public int addInlineSite(int funcIndex, int parent) {
        return addInlineSite(funcIndex, parent, -1);
    }

    /**
     * Records an inlined call whose call instruction is at module byte offset {@code callOffset}
     * (see {@link InlineSite}); returns its site number (1 for the first).
     */
    public int addInlineSite(int funcIndex, int parent, int callOffset) {
        if (parent < 0 || parent > inlineSites.size()) {
            throw new IllegalArgumentException("no inline site " + parent);
        }
        inlineSites.add(new InlineSite(funcIndex, parent, callOffset));
        return inlineSites.size();
    }

    private int sourceOffset = -1;
    private int bodyOffset = -1;

    /**
     * The module byte offset that instructions created from now on carry as their
     * {@link Inst#sourceOffset()}: the translator sets it to each Wasm instruction's offset in turn,
     * and to -1 when it is done (instructions created by later passes are of unknown origin).
     */
    public int sourceOffset() {
        return sourceOffset;
    }

    /** Sets {@link #sourceOffset()}. */
    public void setSourceOffset(int offset) {
        this.sourceOffset = offset;
    }

    /** Module byte offset of the function's body (its code after the locals), -1 if unknown; a stack-overflow trap reports it. */
    public int bodyOffset() {
        return bodyOffset;
    }

    /** Sets {@link #bodyOffset()}. */
    public void setBodyOffset(int offset) {
        this.bodyOffset = offset;
    }

    /** The Wasm funcidx. */
    public int funcIndex() {
        return funcIndex;
    }

    /** The display name. */
    public String name() {
        return name;
    }

    /** The Wasm signature. */
    public FuncType signature() {
        return signature;
    }

    /**
     * Blocks in layout order; the first is the entry. Mutable for passes (an {@code ArrayList} by type:
     * see {@link Block#insts()}).
     */
    public ArrayList<Block> blocks() {
        return blocks;
    }

    /** The entry block. */
    public Block entry() {
        return blocks.get(0);
    }

    /** Creates a block; it is placed in the layout only by {@link #place(Block)}. */
    public Block newBlock() {
        return new Block(nextBlock++, this);
    }

    /** Appends {@code b} to the layout order. */
    public void place(Block b) {
        blocks.add(b);
    }

    /** Number of values created so far (value ids are below this). */
    public int valueCount() {
        return nextValue;
    }

    /** Number of blocks created so far (block ids are below this). */
    public int blockIdBound() {
        return nextBlock;
    }

    /** Rewrites every instruction operand and branch argument to its resolved value (drops aliases). */
    public void resolveOperands() {
        if (aliasesSinceResolve == 0) {
            return; // every operand already is its own resolution (operand accessors resolve anyway)
        }
        aliasesSinceResolve = 0;
        for (int bi = 0; bi < blocks.size(); bi++) {
            ArrayList<Inst> insts = blocks.get(bi).insts();
            for (int k = 0; k < insts.size(); k++) {
                Inst inst = insts.get(k);
                ArrayList<Value> args = inst.args();
                for (int i = 0; i < args.size(); i++) {
                    Value v = args.get(i);
                    Value r = v.resolve();
                    if (r != v) {
                        args.set(i, r);
                    }
                }
                for (int t = 0; t < inst.targetCount(); t++) {
                    ArrayList<Value> a = inst.target(t).args();
                    for (int i = 0; i < a.size(); i++) {
                        Value v = a.get(i);
                        Value r = v.resolve();
                        if (r != v) {
                            a.set(i, r);
                        }
                    }
                }
            }
        }
    }

    /** Values aliased since the last {@link #resolveOperands()}: none means there is nothing to do. */
    int aliasesSinceResolve;

    /**
     * The dominator tree computed last ({@link DominatorTree#compute}), given again while the edges
     * among the blocks it reaches are the same (3,403 of the SQLite shell's 5,391 trees were); null
     * before. Written only by the thread that optimizes the function: the inliner reads a finished
     * callee's IR from other threads and computes no tree of it.
     */
    DominatorTree dominators;

    /**
     * Drops the cached dominator tree (see {@link DominatorTree#compute}), which the next computation
     * makes again: for a finished function whose IR is kept for inlining, which only reads its
     * instructions (about 13,700 trees of {@code llvm.core.wasm} were kept through its compile).
     * Called by the thread that optimized the function, before other threads may read it.
     */
    public void dropDominatorTree() {
        dominators = null;
    }

    Value newValue(IrType type) {
        return new Value(nextValue++, type, this);
    }

    @Override
    public String toString() {
        return IrPrinter.print(this);
    }
}
