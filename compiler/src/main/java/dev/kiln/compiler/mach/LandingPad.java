package dev.kiln.compiler.mach;

import dev.kiln.abi.ExceptionTables;

/**
 * A catching call's landing pad, emitted by a backend after the function's code: where the unwinder
 * resumes the call with the exception pending ({@link ExceptionTables.CallSite#landingPad()}). The pad
 * replays what followed the call up to the translator's {@code EXN_PENDING}, then branches to the
 * handlers. Immutable once its label is bound.
 *
 * @param label   the pad
 * @param block   the block of the call
 * @param call    the call's index in the block
 * @param pending the index of its {@code EXN_PENDING}, which the test and branch follow
 * @param handler where that branch goes with an exception
 * @param site    the call's index in the function's call sites
 * @param <I>     the backend's machine instruction
 */
public record LandingPad<I extends MachInst>(Label label, MachBlock<I> block, int call, int pending,
        MachBlock<I> handler, int site) {
    /**
     * {@code s}, the call's site, naming this pad (bound) as its landing pad.
     *
     * @throws IllegalStateException if the label is not bound yet
     */
    public ExceptionTables.CallSite placed(ExceptionTables.CallSite s) {
        return new ExceptionTables.CallSite(s.returnOffset(), s.frameBytes(), s.popped(), s.catches(),
                label.position(), s.callerArgBytes());
    }
}
