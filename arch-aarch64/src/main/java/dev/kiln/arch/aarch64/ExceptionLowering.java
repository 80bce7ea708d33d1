package dev.kiln.arch.aarch64;

import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.Op;

/**
 * Exception handling on AArch64 (Wasm 3.0 §4.4.8; the design in {@code abi.ExceptionTables}, the same
 * as on x86-64): the lowering of {@link Op#THROW_REF}, {@link Op#EXN_PENDING} and {@link Op#EXN_CLEAR},
 * and what a call inside a {@code try_table} ({@link Op#IN_TRY}) needs. The unwinder resumes such a
 * call with the frames above it dropped, so their epilogues never restored {@code x19..x28} and
 * {@code d8..d15}: the call clobbers every allocatable and scratch register (no value lives in a
 * callee-saved register across it), and it reloads the VMContext ({@code x21}) from its frame slot
 * after it, as the resumed code finds whatever the thrower left there; the function saves every
 * callee-saved register in its prologue, so that its epilogue gives its own caller back its values
 * ({@code CodeEmitter}). {@code sp} and {@code x29} come from the store context ({@code RESUME_SP},
 * {@code RESUME_FP}), set by the unwinder, which follows the frame records. Stateless.
 */
final class ExceptionLowering {
    private ExceptionLowering() {
    }

    private static final int[] ALL = Aarch64Registers.DESCRIPTOR.allocatableAndScratch();

    /** Whether IR call {@code inst} lies in a {@code try_table} with catch clauses. */
    static boolean inTry(Inst inst) {
        return (inst.aux() & Op.IN_TRY) != 0;
    }

    /** The registers a call inside a {@code try_table} clobbers: every allocatable and scratch register. */
    static int[] clobbers() {
        return ALL.clone();
    }

    /** Marks call {@code m} (lowered from {@code inst}) as a call inside a {@code try_table} when the IR says so. */
    static void markInTry(Inst inst, MInst m) {
        if (inTry(inst)) {
            m.inTry = true;
            m.reloadsVmctx |= m.op == MOp.CALL; // imports and call_ref reload x21 anyway
        }
    }

    static void lower(Lowering l, Inst inst) {
        switch (inst.op()) {
            case THROW_REF -> {
                MInst m = new MInst(MOp.THROW);
                m.src = l.use(inst.arg(0));
                l.emit(m.uses(m.src));
            }
            case EXN_PENDING -> {
                MInst m = new MInst(MOp.EXN_PENDING);
                m.dst = l.vreg(inst.result());
                l.emit(m.defs(m.dst));
            }
            case EXN_CLEAR -> l.emit(new MInst(MOp.EXN_CLEAR));
            default -> throw new IllegalStateException("not an exception-handling instruction: " + inst.op());
        }
    }
}
