package dev.kiln.compiler.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One IR instruction: an {@link Op}, operand values, result values, immediates and (for
 * terminators) branch targets. Created through {@link IrFunction} / {@link Block} helpers.
 * Not thread-safe.
 */
public final class Inst {
    private final Op op;
    private final ArrayList<Value> args; // ArrayList, not List: C1 calls through an interface with an itable stub
    /**
     * Usually zero or one result: immutable lists, replaced (never mutated) by {@link #addResult}. None is
     * {@link Collections#emptyList()}, as are no targets: its iterator is a shared one, so a for-each over
     * an instruction's results or targets allocates nothing in the common empty case (C1, which compiles
     * the {@code kiln} launcher's compiler, has no escape analysis to remove an iterator). One result's
     * list is made only when {@link #results()} is first asked for (null until then): most passes read
     * {@link #resultCount()} and {@link #result()} instead, and most instructions have one result.
     */
    private List<Value> results = Collections.emptyList();
    /**
     * The number of {@link #results} and the first of them (null when none), in fields: most passes ask
     * for them on every instruction, and {@code results} is one of three immutable list classes, so C1
     * calls its {@code size()} and {@code get} through an interface (itable) stub.
     */
    private int resultCount;
    private Value result0;
    private final List<BlockCall> targets;
    /** {@link #targets} as an array, read by the passes' hot loops ({@link #target(int)}: no interface call). */
    private final BlockCall[] targetArray;
    private final long imm;
    private final Cond cond;
    private int aux;
    private int inlineSite;
    private int sourceOffset = -1;
    private Block block;

    Inst(Op op, List<Value> args, long imm, Cond cond, List<BlockCall> targets) {
        this.op = op;
        int n = args.size();
        ArrayList<Value> a = new ArrayList<>(n);
        if (args instanceof ArrayList<Value> list) { // read without an interface call per operand (C1)
            for (int i = 0; i < n; i++) {
                a.add(list.get(i));
            }
        } else {
            for (int i = 0; i < n; i++) {
                a.add(args.get(i));
            }
        }
        this.args = a;
        this.imm = imm;
        this.cond = cond;
        this.targets = targets == null || targets.isEmpty() ? Collections.emptyList() : List.copyOf(targets);
        this.targetArray = this.targets.isEmpty() ? NO_TARGETS : this.targets.toArray(NO_TARGETS);
    }

    /** An instruction without targets whose operands are {@code args} (copied). */
    Inst(Op op, Value[] args, long imm, Cond cond) {
        this.op = op;
        ArrayList<Value> a = new ArrayList<>(args.length);
        for (Value v : args) {
            a.add(java.util.Objects.requireNonNull(v, "operand"));
        }
        this.args = a;
        this.imm = imm;
        this.cond = cond;
        this.targets = Collections.emptyList();
        this.targetArray = NO_TARGETS;
    }

    private static final BlockCall[] NO_TARGETS = new BlockCall[0];

    /** The opcode. */
    public Op op() {
        return op;
    }

    /**
     * Operands (mutable list; entries may be aliases: use {@link #arg(int)} for the resolved value). An
     * {@code ArrayList} by type, so that C1 calls its methods directly, not through an interface stub.
     */
    public ArrayList<Value> args() {
        return args;
    }

    /** Operand {@code i}, with aliases resolved. */
    public Value arg(int i) {
        return args.get(i).resolve();
    }

    /** Result values (usually zero or one; calls may have several). */
    public List<Value> results() {
        List<Value> r = results;
        if (r == null) {
            // one result, asked for the first time (another thread reading a finished callee's IR may
            // make its own copy: the lists are immutable and equal)
            results = r = List.of(result0);
        }
        return r;
    }

    /** The number of {@link #results()}: {@code results().size()} without an interface call. */
    public int resultCount() {
        return resultCount;
    }

    /**
     * Result {@code i}: {@code results().get(i)} without making the list of a single result.
     *
     * @throws IndexOutOfBoundsException if {@code i} is not below {@link #resultCount()}
     */
    public Value result(int i) {
        java.util.Objects.checkIndex(i, resultCount);
        return i == 0 ? result0 : results.get(i);
    }

    /** The single result. @throws IllegalStateException if there is not exactly one */
    public Value result() {
        if (resultCount != 1) {
            throw new IllegalStateException(op + " has " + resultCount + " results");
        }
        return result0;
    }

    /**
     * The immediate: constant bits for {@link Op#ICONST}, funcidx for {@link Op#CALL} and
     * {@link Op#RETURN_CALL}, typeidx for {@link Op#RETURN_CALL_REF}, trap code for traps.
     */
    public long imm() {
        return imm;
    }

    /** A second immediate: the access width and signedness of {@link Op#LOAD}/{@link Op#STORE}. */
    public int aux() {
        return aux;
    }

    /**
     * Where this instruction came from when it was inlined: 0 for the function's own code, else an
     * index into {@link IrFunction#inlineSites()} plus one, the innermost inlined call it was copied
     * from (see {@link IrFunction.InlineSite}); for backtraces through inlined frames.
     */
    public int inlineSite() {
        return inlineSite;
    }

    /**
     * Byte offset, from the start of the module's binary, of the Wasm instruction this instruction
     * was translated from (in the function it was inlined from, see {@link #inlineSite()}); -1 when
     * unknown (created by a pass). For the frame info of backtraces.
     */
    public int sourceOffset() {
        return sourceOffset;
    }

    /** Sets {@link #sourceOffset()}; returns this instruction. */
    public Inst withSourceOffset(int offset) {
        this.sourceOffset = offset;
        return this;
    }

    /** Sets {@link #inlineSite()}; returns this instruction. */
    public Inst withInlineSite(int site) {
        this.inlineSite = site;
        return this;
    }

    /** Sets {@link #aux()}; returns this instruction. */
    public Inst withAux(int aux) {
        this.aux = aux;
        return this;
    }

    /** The comparison condition of {@link Op#ICMP}/{@link Op#TRAPIF}, else {@code null}. */
    public Cond cond() {
        return cond;
    }

    /** Branch targets of a terminator (empty otherwise). */
    public List<BlockCall> targets() {
        return targets;
    }

    /** The number of {@link #targets()}. */
    public int targetCount() {
        return targetArray.length;
    }

    /** Target {@code i} of {@link #targets()}, for hot loops (no interface call). */
    public BlockCall target(int i) {
        return targetArray[i];
    }

    /** The block containing this instruction. */
    public Block block() {
        return block;
    }

    void setBlock(Block block) {
        this.block = block;
    }

    void addResult(Value v) {
        if (resultCount == 0) {
            results = null; // made by results() when asked for
            result0 = v;
        } else {
            List<Value> more = new ArrayList<>(results());
            more.add(v);
            results = List.copyOf(more);
        }
        resultCount++;
        v.setDefiningInst(this);
    }

    @Override
    public String toString() {
        return IrPrinter.format(this);
    }
}
