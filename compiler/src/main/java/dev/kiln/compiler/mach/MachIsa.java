package dev.kiln.compiler.mach;

/**
 * What the shared layer needs to make instructions of a backend: the parallel moves and jumps that
 * split resolution inserts. Implementations are stateless.
 *
 * @param <I> the backend's instruction class
 */
public interface MachIsa<I extends MachInst> {
    /** The backend's registers. */
    RegisterDescriptor registers();

    /** A parallel move of whole registers (8 or 16 bytes as the value needs): {@code dsts[i] <- srcs[i]}. */
    I parallelMove(int[] dsts, int[] srcs);

    /** An unconditional jump to {@code target}. */
    I jump(MachBlock<I> target);
}
