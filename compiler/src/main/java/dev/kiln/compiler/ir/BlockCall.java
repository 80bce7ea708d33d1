package dev.kiln.compiler.ir;

import java.util.ArrayList;
import java.util.List;

/**
 * A branch target with the arguments passed to its block parameters: {@code block3(v1, v7)}.
 * Mutable while SSA construction adds parameters to not-yet-sealed blocks.
 */
public final class BlockCall {
    private Block target;
    private final ArrayList<Value> args;

    /** @param target the block branched to; {@code args} one value per block parameter */
    public BlockCall(Block target, List<Value> args) {
        this.target = target;
        this.args = new ArrayList<>(args);
    }

    /** The block branched to. */
    public Block target() {
        return target;
    }

    /** Redirects the branch (used when splitting edges). */
    public void setTarget(Block target) {
        this.target = target;
    }

    /** The arguments, one per parameter of the target; mutable (an {@code ArrayList} by type: see {@link Inst#args()}). */
    public ArrayList<Value> args() {
        return args;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(target.toString());
        if (!args.isEmpty()) {
            sb.append('(');
            for (int i = 0; i < args.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(args.get(i).resolve());
            }
            sb.append(')');
        }
        return sb.toString();
    }
}
