package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a run-time check as a chain of blocks, the way {@link LoopVersioning} checks a loop once and
 * {@link WindowSplitting} a window: instructions go to the end of the current block {@link #b}; each
 * {@link #require} ends it with a {@code brif} that continues in a new block (inserted into the
 * function's block list at {@link #at}) when its condition holds, and goes to {@link #failTarget}
 * with {@link #failArgs} when it does not. Not thread-safe: part of one pass over one function.
 */
class CheckBuilder {
    final IrFunction f;
    /** The block instructions are appended to. */
    Block b;
    /** Where the next new block goes in {@code f.blocks()}. */
    int at;
    /** Where a failed requirement continues, and with what. */
    Block failTarget;
    List<Value> failArgs;
    /** Every block this builder added, or {@code null} when the caller does not need them. */
    final List<Block> added;

    CheckBuilder(IrFunction f, Block b, int at, Block failTarget, List<Value> failArgs, List<Block> added) {
        this.f = f;
        this.b = b;
        this.at = at;
        this.failTarget = failTarget;
        this.failArgs = failArgs;
        this.added = added;
    }

    /** Appends {@code op args} with one result of {@code type} ({@code cond} for a comparison) to {@link #b}. */
    Value emit(Op op, IrType type, Cond cond, Value... args) {
        return OptUtil.insert(b, b.insts().size(), op, List.of(args), 0, cond, type).result();
    }

    /** Appends the integer constant {@code c} of {@code type} to {@link #b}. */
    Value constant(IrType type, long c) {
        return OptUtil.insertIconst(b, b.insts().size(), type, c);
    }

    /** {@code x + c} in i64 ({@code x} itself for 0). */
    Value add(Value x, long c) {
        return c == 0 ? x : emit(Op.IADD, IrType.I64, null, x, constant(IrType.I64, c));
    }

    /** Continues in a new block when {@code a cond c} holds, else goes to {@link #failTarget}. */
    void require(Cond cond, Value a, Value c) {
        Value t = emit(Op.ICMP, IrType.I32, cond, a, c);
        Block next = f.newBlock();
        f.blocks().add(at++, next);
        if (added != null) {
            added.add(next);
        }
        b.append(Op.BRIF, List.of(t), 0, null,
                List.of(new BlockCall(next, List.of()), new BlockCall(failTarget, new ArrayList<>(failArgs))), List.of());
        b = next;
    }
}
