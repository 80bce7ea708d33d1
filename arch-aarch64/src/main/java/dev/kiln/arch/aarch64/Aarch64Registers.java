package dev.kiln.arch.aarch64;

import dev.kiln.compiler.mach.CallingConvention;
import dev.kiln.compiler.mach.MachBlock;
import dev.kiln.compiler.mach.MachIsa;
import dev.kiln.compiler.mach.RegClass;
import dev.kiln.compiler.mach.RegisterDescriptor;

/**
 * AArch64's registers and calling conventions for the shared machine layer (AAPCS64, Arm IHI 0055).
 *
 * <p>Numbering: {@code 0..30} are {@code x0..x30}, {@code 31} is {@code sp} (reserved; encoding 31
 * means {@code sp} or {@code xzr} by instruction, which the assembler tells apart), {@code 32..63}
 * are {@code v0..v31}; virtual registers from 64.
 *
 * <ul>
 * <li>Allocatable integer registers: {@code x0..x15} (caller-saved, preferred), then the
 *     callee-saved {@code x19 x20 x22..x28}. Reserved: {@code x18} (the platform register),
 *     {@code x21} (the VMContext, callee-saved so host code preserves it), {@code x29} (frame
 *     pointer), {@code x30} (link register), {@code sp}. Scratch: {@code x16}, {@code x17} (IP0/IP1,
 *     which AAPCS64 already lets veneers clobber).</li>
 * <li>Allocatable float/vector registers: {@code v0..v7} and {@code v16..v29} (caller-saved), then
 *     {@code v8..v15}, whose low 64 bits AAPCS64 makes callee-saved (so in a function with v128 values
 *     calls clobber them: {@link #CALLER_SAVED_WITH_VECTORS}). Scratch: {@code v30}, {@code v31}.</li>
 * <li>Both conventions pass integers in {@code x0..x7} and floats in {@code v0..v7}, one result in
 *     {@code x0} or {@code v0}; the internal one pops its stack arguments in the callee (see
 *     {@link CallingConvention}), AAPCS64 at the host boundary leaves that to the caller.</li>
 * </ul>
 */
final class Aarch64Registers {
    private Aarch64Registers() {
    }

    /** Register number of {@code sp}. */
    static final int SP = 31;
    /** Register number of {@code v0}. */
    static final int V0 = 32;
    /** The VMContext register, {@code x21}. */
    static final int VMCTX = 21;
    /** First virtual register number. */
    static final int VREG_BASE = 64;

    /** The AArch64 register file. */
    static final RegisterDescriptor DESCRIPTOR = build();

    /** Kiln's internal convention on AArch64 (the callee pops its stack arguments before {@code ret}). */
    static final CallingConvention INTERNAL = new CallingConvention(range(0, 8), range(V0, V0 + 8), 0, V0, true);

    /** AAPCS64, as FFM downcalls and upcalls use it. */
    static final CallingConvention HOST = new CallingConvention(range(0, 8), range(V0, V0 + 8), 0, V0, false);

    /** Registers a call clobbers: the caller-saved allocatable and scratch registers of both classes. */
    static final int[] CALLER_SAVED = DESCRIPTOR.callerSaved();

    /**
     * Registers a call clobbers in a function with v128 values: {@link #CALLER_SAVED} and {@code v8..v15},
     * of which AAPCS64 (and so Kiln's convention, whose callees save them with {@code stp d}) preserves
     * only the low 64 bits: a v128 live across a call must not stay in them.
     */
    static final int[] CALLER_SAVED_WITH_VECTORS = concat(CALLER_SAVED, range(V0 + 8, V0 + 16));

    /** Makes AArch64 parallel moves and jumps for the shared layer. */
    static final MachIsa<MInst> ISA = new MachIsa<>() {
        @Override
        public RegisterDescriptor registers() {
            return DESCRIPTOR;
        }

        @Override
        public MInst parallelMove(int[] dsts, int[] srcs) {
            MInst m = new MInst(MOp.PMOVE);
            m.pdst = dsts.clone();
            m.psrc = srcs.clone();
            m.pconst = new long[dsts.length];
            return m.uses(srcs.clone()).defs(dsts.clone());
        }

        @Override
        public MInst jump(MachBlock<MInst> target) {
            MInst m = new MInst(MOp.JMP);
            m.target = target;
            return m;
        }
    };

    /** Whether physical register number {@code r} is a SIMD and floating-point register. */
    static boolean isV(int r) {
        return r >= V0 && r < VREG_BASE;
    }

    /** The general-purpose register with number {@code r} (31: sp). */
    static XReg x(int r) {
        return r == SP ? XReg.SP : XReg.x(r);
    }

    /** The SIMD and floating-point register with number {@code r}. */
    static VReg v(int r) {
        return VReg.v(r - V0);
    }

    private static RegisterDescriptor build() {
        String[] x = new String[32];
        for (int i = 0; i < 31; i++) {
            x[i] = "x" + i;
        }
        x[SP] = "sp";
        String[] v = new String[32];
        for (int i = 0; i < 32; i++) {
            v[i] = "v" + i;
        }
        int[] intOrder = concat(range(0, 16), new int[] {19, 20, 22, 23, 24, 25, 26, 27, 28});
        int[] floatOrder = concat(concat(range(V0, V0 + 8), range(V0 + 16, V0 + 30)), range(V0 + 8, V0 + 16));
        return RegisterDescriptor.builder("aarch64", VREG_BASE)
                .registers(RegClass.INT, 0, x)
                .registers(RegClass.FLOAT, V0, v)
                .allocationOrder(RegClass.INT, intOrder)
                .allocationOrder(RegClass.FLOAT, floatOrder)
                .scratch(RegClass.INT, 16, 17)
                .scratch(RegClass.FLOAT, V0 + 30, V0 + 31)
                .calleeSaved(concat(range(19, 30), range(V0 + 8, V0 + 16)))
                .reserved(18, VMCTX, 29, 30, SP)
                .build();
    }

    private static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
