package dev.kiln.compiler.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A basic block: parameters (the SSA merge points, instead of phi nodes), straight-line
 * instructions and exactly one terminator at the end once complete. Not thread-safe.
 */
public final class Block {
    private final int id;
    private final IrFunction function;
    private final ArrayList<Value> params = new ArrayList<>();
    private final ArrayList<Inst> insts = new ArrayList<>(); // ArrayList, not List: C1 calls through an interface with an itable stub

    Block(int id, IrFunction function) {
        this.id = id;
        this.function = function;
    }

    /** The block's number within its function ({@code block3}). */
    public int id() {
        return id;
    }

    /** The function owning the block. */
    public IrFunction function() {
        return function;
    }

    /** The block parameters, in order. */
    public List<Value> params() {
        return params;
    }

    /** Appends a new parameter of type {@code type} and returns it. */
    public Value addParam(IrType type) {
        Value v = function.newValue(type);
        v.setParamBlock(this);
        params.add(v);
        return v;
    }

    /** Removes parameter {@code index}; the caller removes the matching argument of every branch here. */
    public void removeParam(int index) {
        params.remove(index);
    }

    /**
     * The instructions, terminator last (mutable for passes). An {@code ArrayList} by type, so that
     * C1, which compiles the {@code kiln} launcher's compiler, calls its methods directly instead of
     * through an interface stub.
     */
    public ArrayList<Inst> insts() {
        return insts;
    }

    /** The terminator, or {@code null} while the block is still open. */
    public Inst terminator() {
        if (insts.isEmpty()) {
            return null;
        }
        Inst last = insts.get(insts.size() - 1);
        return last.op().isTerminator() ? last : null;
    }

    /** Successor blocks, in target order (may repeat a block). */
    public List<Block> successors() {
        Inst t = terminator();
        if (t == null) {
            return Collections.emptyList(); // a shared iterator, as Inst's empty lists
        }
        List<BlockCall> targets = t.targets();
        switch (targets.size()) {
            case 0 -> {
                return Collections.emptyList();
            }
            case 1 -> {
                return List.of(targets.get(0).target());
            }
            case 2 -> {
                return List.of(targets.get(0).target(), targets.get(1).target());
            }
            default -> {
                List<Block> s = new ArrayList<>(targets.size());
                for (int i = 0; i < targets.size(); i++) {
                    s.add(targets.get(i).target());
                }
                return s;
            }
        }
    }

    /**
     * Appends an instruction.
     *
     * @param resultTypes types of the results to create
     * @throws IllegalStateException if the block is already terminated
     */
    public Inst append(Op op, List<Value> args, long imm, Cond cond, List<BlockCall> targets, List<IrType> resultTypes) {
        checkOpen();
        Inst inst = create(op, args, imm, cond, targets, resultTypes);
        insts.add(inst);
        return inst;
    }

    /** @throws IllegalStateException if this block is already terminated */
    private void checkOpen() {
        if (terminator() != null) {
            throw new IllegalStateException(this + " is already terminated");
        }
    }

    /** A new instruction of this block with fresh result values, not yet in the list. */
    private Inst create(Op op, List<Value> args, long imm, Cond cond, List<BlockCall> targets, List<IrType> resultTypes) {
        Inst inst = adopt(new Inst(op, args, imm, cond, targets));
        for (int i = 0; i < resultTypes.size(); i++) {
            inst.addResult(function.newValue(resultTypes.get(i)));
        }
        return inst;
    }

    /** {@code inst}, new, as an instruction of this block at the function's current source offset. */
    private Inst adopt(Inst inst) {
        inst.withSourceOffset(function.sourceOffset());
        inst.setBlock(this);
        return inst;
    }

    /**
     * Creates an instruction and puts it in place of the instruction at {@code index} (which leaves
     * the block; its results keep their identity, so alias them first if they have uses).
     *
     * @param resultTypes types of the results to create
     * @return the new instruction
     * @throws IndexOutOfBoundsException if {@code index} is not an instruction's position
     */
    public Inst replace(int index, Op op, List<Value> args, long imm, Cond cond, List<IrType> resultTypes) {
        Inst inst = create(op, args, imm, cond, null, resultTypes);
        Inst old = insts.get(index);
        inst.withSourceOffset(old.sourceOffset()).withInlineSite(old.inlineSite());
        insts.set(index, inst);
        return inst;
    }

    /**
     * Appends an instruction {@code op args} with one result of type {@code type} and returns the result.
     *
     * @throws IllegalStateException if the block is already terminated
     * @throws NullPointerException if an operand is null
     */
    public Value append1(Op op, IrType type, long imm, Value... args) {
        checkOpen();
        // as append(op, List.of(args), imm, null, null, List.of(type)), without the two lists
        Inst inst = adopt(new Inst(op, args, imm, null));
        inst.addResult(function.newValue(type));
        insts.add(inst);
        return inst.result();
    }

    /** Inserts an existing instruction (moved from another block) before {@code index}. */
    public void insert(int index, Inst inst) {
        inst.setBlock(this);
        insts.add(index, inst);
    }

    @Override
    public String toString() {
        return "block" + id;
    }
}
