package dev.kiln.arch.x86_64;

import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.mach.RegClass;

/**
 * Exception handling on x86-64 (Wasm 3.0 §4.4.8; the design in {@code abi.ExceptionTables}): the
 * lowering of {@link Op#THROW_REF}, {@link Op#EXN_PENDING} and {@link Op#EXN_CLEAR}, and what a call
 * inside a {@code try_table} ({@link Op#IN_TRY}) needs: it clobbers every allocatable register, so no
 * value lives in a callee-saved register that frames skipped by the unwinder would have restored, and
 * it reloads the VMContext from the frame after it, as the unwinder resumes there with whatever the
 * thrower left in {@code r14}. Stateless.
 */
final class ExceptionLowering {
    private ExceptionLowering() {
    }

    private static final int[] ALL_ALLOCATABLE = allocatable();

    private static int[] allocatable() {
        int[] ints = X86Registers.DESCRIPTOR.allocationOrder(RegClass.INT);
        int[] floats = X86Registers.DESCRIPTOR.allocationOrder(RegClass.FLOAT);
        int[] scratchInt = X86Registers.DESCRIPTOR.scratch(RegClass.INT);
        int[] scratchFloat = X86Registers.DESCRIPTOR.scratch(RegClass.FLOAT);
        java.util.TreeSet<Integer> all = new java.util.TreeSet<>();
        for (int[] rs : new int[][] {ints, floats, scratchInt, scratchFloat}) {
            for (int r : rs) {
                all.add(r);
            }
        }
        return all.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The registers a call inside a {@code try_table} clobbers: every allocatable and scratch register. */
    static int[] allAllocatable() {
        return ALL_ALLOCATABLE.clone();
    }

    /** Marks call {@code m} (lowered from {@code inst}) as a call inside a {@code try_table} when the IR says so. */
    static void markInTry(Inst inst, MInst m) {
        if ((inst.aux() & Op.IN_TRY) != 0) {
            m.inTry = true;
            if (m.op == MOp.CALL) {
                m.reloadsVmctx = true;
            }
        }
    }

    static void lower(Lowering l, Inst inst) {
        LoweringRules rules = new LoweringRules(l) {
            @Override
            void lower(Inst i) {
            }
        };
        switch (inst.op()) {
            case THROW_REF -> {
                int exn = rules.use(inst.arg(0));
                MInst m = new MInst(MOp.THROW);
                m.src = exn;
                rules.emit(m.uses(exn));
            }
            case EXN_PENDING -> {
                int dst = rules.vreg(inst.result());
                MInst m = new MInst(MOp.EXN_PENDING);
                m.dst = dst;
                rules.emit(m.defs(dst));
            }
            case EXN_CLEAR -> rules.emit(new MInst(MOp.EXN_CLEAR));
            default -> throw new IllegalStateException("not an exception-handling instruction: " + inst.op());
        }
    }
}
