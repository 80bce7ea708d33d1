package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Verifier;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The optimization pipeline (DESIGN §2 step 4), in this order: {@link Inliner} (only when callee IR
 * is supplied), {@link Simplifier}, {@link GlobalValueNumbering}, {@link LoopInvariantCodeMotion},
 * {@link BoundsCheckElimination}, {@link Simplifier} again when one of those three changed the function or
 * its first run stopped short of its fixed point (after 8 rounds; at its fixed point, on a function no
 * pass has changed since, it would find nothing: with {@code verify}, it runs anyway and must change
 * nothing), {@link LoopVersioning} (and, when it versioned a
 * loop, {@link GlobalValueNumbering} and {@link LoopInvariantCodeMotion} again), {@link LoopLoadForwarding},
 * {@link WindowSplitting} (and, when it split a loop, {@link Simplifier} again), {@link InductionCheckElimination},
 * {@link HeapAddressFolding},
 * {@link NativeLoadNarrowing},
 * {@link DeadCodeElimination}. With {@code verify} set, the IR {@link Verifier} runs after every pass
 * and a failure names the pass. Stateless and thread-safe; mutates the function given.
 */
public final class Pipeline {
    private Pipeline() {
    }

    /** What one pass did: its name and whether it changed the function. */
    public record PassResult(String pass, boolean changed) {
    }

    /**
     * Optimizes {@code f}.
     *
     * @param calleeIr the IR of a function by funcidx for inlining (see {@link Inliner#run}), or
     *                 {@code null} to skip inlining
     * @param verify   run the verifier after each pass
     * @return the passes run, in order
     * @throws IllegalStateException if {@code verify} is set and a pass broke the IR; the message
     *                               starts with {@code "after <pass>: "} and the cause is the
     *                               {@link Verifier.VerifyException}
     */
    public static List<PassResult> optimize(IrFunction f, IntFunction<IrFunction> calleeIr, boolean verify) {
        return optimize(f, calleeIr == null ? null : Inliner.Policy.of(calleeIr), verify);
    }

    /**
     * Like {@link #optimize(IrFunction, IntFunction, boolean)} with a full inlining policy (see
     * {@link Inliner#run(IrFunction, Inliner.Policy)}).
     *
     * @param inlining what the inliner may know about callees, or {@code null} to skip inlining
     */
    public static List<PassResult> optimize(IrFunction f, Inliner.Policy inlining, boolean verify) {
        List<PassResult> out = new ArrayList<>();
        if (inlining != null) {
            out.add(step("inline", Inliner.run(f, inlining), f, verify));
        }
        int simplified = Simplifier.runToFixedPoint(f);
        out.add(step("simplify", (simplified & Simplifier.CHANGED) != 0, f, verify));
        boolean gvn = add(out, step("gvn", GlobalValueNumbering.run(f), f, verify));
        boolean licm = add(out, step("licm", LoopInvariantCodeMotion.run(f), f, verify));
        boolean bce = add(out, step("bce", BoundsCheckElimination.run(f), f, verify));
        if (gvn || licm || bce || (simplified & Simplifier.FIXED_POINT) == 0) {
            out.add(step("simplify", Simplifier.run(f), f, verify));
        } else if (verify && Simplifier.run(f)) {
            // at its fixed point, on a function no pass has changed since, the simplifier has nothing to do
            throw new IllegalStateException("after bce: gvn, licm and bce changed nothing, and the simplifier, which "
                    + "had reached its fixed point before them, still changed the function");
        }
        PassResult versioned = step("version", LoopVersioning.run(f), f, verify);
        out.add(versioned);
        if (versioned.changed()) {
            out.add(step("gvn", GlobalValueNumbering.run(f), f, verify));
            out.add(step("licm", LoopInvariantCodeMotion.run(f), f, verify));
        }
        out.add(step("forward", LoopLoadForwarding.run(f), f, verify));
        PassResult split = step("window", WindowSplitting.run(f), f, verify);
        out.add(split);
        if (split.changed()) {
            out.add(step("simplify", Simplifier.run(f), f, verify));
        }
        out.add(step("induction", InductionCheckElimination.run(f), f, verify));
        out.add(step("address", HeapAddressFolding.run(f), f, verify));
        out.add(step("narrow", NativeLoadNarrowing.run(f), f, verify));
        out.add(step("dce", DeadCodeElimination.run(f), f, verify));
        return out;
    }

    /** Adds {@code r} to {@code out}; returns whether its pass changed the function. */
    private static boolean add(List<PassResult> out, PassResult r) {
        out.add(r);
        return r.changed();
    }

    private static PassResult step(String name, boolean changed, IrFunction f, boolean verify) {
        if (verify) {
            try {
                Verifier.verify(f);
            } catch (Verifier.VerifyException e) {
                throw new IllegalStateException("after " + name + ": " + e.getMessage(), e);
            }
        }
        return new PassResult(name, changed);
    }
}
