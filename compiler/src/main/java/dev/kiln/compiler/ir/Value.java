package dev.kiln.compiler.ir;

/**
 * An SSA value: defined exactly once, either as the result of an {@link Inst} or as a parameter of
 * a {@link Block} (block parameters replace phi nodes). Identity is the object; {@link #id()} is
 * unique within its {@link IrFunction} and is what the printer shows ({@code v7}).
 *
 * <p>During SSA construction a value may be found redundant and {@linkplain #aliasTo aliased} to
 * another; {@link #resolve()} follows aliases. Not thread-safe (a function is built by one thread).
 */
public final class Value {
    private final int id;
    private final IrType type;
    private Inst definingInst;
    private Block paramBlock;
    private Value alias;
    /** The function this value belongs to (counts aliases for {@link IrFunction#resolveOperands()}). */
    private final IrFunction function;

    Value(int id, IrType type, IrFunction function) {
        this.id = id;
        this.type = type;
        this.function = function;
    }

    /** The value's number within its function. */
    public int id() {
        return id;
    }

    /** The value's type. */
    public IrType type() {
        return type;
    }

    /** The instruction defining this value, or {@code null} for a block parameter. */
    public Inst definingInst() {
        return definingInst;
    }

    /** The block this value is a parameter of, or {@code null} for an instruction result. */
    public Block paramBlock() {
        return paramBlock;
    }

    void setDefiningInst(Inst inst) {
        this.definingInst = inst;
    }

    void setParamBlock(Block block) {
        this.paramBlock = block;
    }

    /** Makes every use of this value mean {@code target} (used when a block parameter is redundant). */
    public void aliasTo(Value target) {
        if (target.resolve() == this) {
            throw new IllegalArgumentException("alias cycle on v" + id);
        }
        this.alias = target;
        function.aliasesSinceResolve++;
    }

    /** Whether this value has been replaced by another through {@link #aliasTo}. */
    public boolean isAlias() {
        return alias != null;
    }

    /** This value, or the value it is (transitively) an alias of. Compresses the alias chain. */
    public Value resolve() {
        if (alias == null) {
            return this;
        }
        Value r = alias.resolve();
        alias = r;
        return r;
    }

    @Override
    public String toString() {
        return "v" + id;
    }
}
