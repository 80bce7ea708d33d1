package dev.kiln.compiler.translate;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.Value;
import java.util.List;

/**
 * How a call to a particular function is translated in place instead of as a {@code call}: the
 * hook through which the unsafe native-memory intrinsics of DESIGN §4 ({@code dev.kiln.intrinsics})
 * become single loads and stores in the caller. Implementations are stateless and thread-safe
 * (functions are translated in parallel).
 */
@FunctionalInterface
public interface CallLowering {
    /**
     * Appends the instructions that replace the call to {@code block} (which has no terminator yet;
     * the lowering must not add one) and returns the call's results.
     *
     * @param block where the call would have been
     * @param args  the call's arguments, in order, typed as the callee's Wasm parameters (i32 and i64
     *              as {@link dev.kiln.compiler.ir.IrType#I32}/{@link dev.kiln.compiler.ir.IrType#I64})
     * @return one value per Wasm result of the callee, with its type
     */
    List<Value> lower(Block block, List<Value> args);
}
