package dev.kiln.arch.x86_64;

import dev.kiln.compiler.mach.CallingConvention;
import dev.kiln.compiler.mach.MachBlock;
import dev.kiln.compiler.mach.MachIsa;
import dev.kiln.compiler.mach.RegClass;
import dev.kiln.compiler.mach.RegisterDescriptor;

/**
 * x86-64's registers and calling conventions for the shared machine layer.
 *
 * <p>Numbering: {@code 0..15} general-purpose registers by encoding ({@code rax}=0 ... {@code r15}=15),
 * {@code 16..31} {@code xmm0..xmm15}; virtual registers from 32. Allocatable general-purpose registers:
 * {@code rax rcx rdx rsi rdi r8 r9} (preferred: caller-saved, no save needed) then
 * {@code rbx r12 r13 r15 rbp}; xmm: {@code xmm0..xmm13}. Reserved: {@code rsp}; {@code r14} (the
 * VMContext). Scratch for spill reloads, parallel-move cycles and multi-instruction sequences:
 * {@code r10}, {@code r11}, {@code xmm14}, {@code xmm15}. Callee-saved as in System V: {@code rbx rbp
 * r12 r13 r14 r15} (every xmm register is caller-saved).
 *
 * <p>Conventions ({@link CallingConvention} documents the internal one): integers in {@code rdi rsi
 * rdx rcx r8 r9}, floats in {@code xmm0..xmm7}, one result in {@code rax} or {@code xmm0}; the host
 * convention is System V AMD64 (the same registers; the VMContext is its first integer argument).
 */
final class X86Registers {
    private X86Registers() {
    }

    static final int XMM0 = MInst.XMM_BASE;

    /** The x86-64 register file. */
    static final RegisterDescriptor DESCRIPTOR = RegisterDescriptor.builder("x86-64", MInst.VREG_BASE)
            .registers(RegClass.INT, 0, "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15")
            .registers(RegClass.FLOAT, XMM0, "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                    "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15")
            .allocationOrder(RegClass.INT, enc(Gpr.RAX, Gpr.RCX, Gpr.RDX, Gpr.RSI, Gpr.RDI, Gpr.R8, Gpr.R9,
                    Gpr.RBX, Gpr.R12, Gpr.R13, Gpr.R15, Gpr.RBP))
            .allocationOrder(RegClass.FLOAT, XMM0, XMM0 + 1, XMM0 + 2, XMM0 + 3, XMM0 + 4, XMM0 + 5, XMM0 + 6,
                    XMM0 + 7, XMM0 + 8, XMM0 + 9, XMM0 + 10, XMM0 + 11, XMM0 + 12, XMM0 + 13)
            .scratch(RegClass.INT, enc(Gpr.R10, Gpr.R11))
            .scratch(RegClass.FLOAT, XMM0 + 14, XMM0 + 15)
            .calleeSaved(enc(Gpr.RBX, Gpr.RBP, Gpr.R12, Gpr.R13, Gpr.R14, Gpr.R15))
            .reserved(enc(Gpr.RSP, Gpr.R14))
            .build();

    /** Integer argument registers of both conventions, in order. */
    static final Gpr[] INT_ARGS = {Gpr.RDI, Gpr.RSI, Gpr.RDX, Gpr.RCX, Gpr.R8, Gpr.R9};

    private static final int[] FLOAT_ARGS = {XMM0, XMM0 + 1, XMM0 + 2, XMM0 + 3, XMM0 + 4, XMM0 + 5, XMM0 + 6, XMM0 + 7};

    /** Kiln's internal convention on x86-64 (the callee pops its stack arguments with {@code ret imm16}). */
    static final CallingConvention INTERNAL = new CallingConvention(enc(INT_ARGS), FLOAT_ARGS,
            Gpr.RAX.encoding(), XMM0, true);

    /** System V AMD64, as FFM downcalls and upcalls use it (the caller pops). */
    static final CallingConvention HOST = new CallingConvention(enc(INT_ARGS), FLOAT_ARGS,
            Gpr.RAX.encoding(), XMM0, false);

    /** Registers a call clobbers: the caller-saved allocatable and scratch registers of both classes. */
    static final int[] CALLER_SAVED = DESCRIPTOR.callerSaved();

    /** Makes x86-64 parallel moves and jumps for the shared layer. */
    static final MachIsa<MInst> ISA = new MachIsa<>() {
        @Override
        public RegisterDescriptor registers() {
            return DESCRIPTOR;
        }

        @Override
        public MInst parallelMove(int[] dsts, int[] srcs) {
            MInst m = new MInst(MOp.PMOVE);
            int n = dsts.length;
            m.pdst = dsts.clone();
            m.psrc = srcs.clone();
            m.pconst = new long[n];
            m.psize = new Size[n];
            java.util.Arrays.fill(m.psize, Size.S64);
            return m.uses(srcs.clone()).defs(dsts.clone());
        }

        @Override
        public MInst jump(MachBlock<MInst> target) {
            MInst m = new MInst(MOp.JMP);
            m.target = target;
            return m;
        }
    };

    /** Whether register number {@code r} (physical) is an xmm register. */
    static boolean isXmm(int r) {
        return r >= XMM0 && r < MInst.VREG_BASE;
    }

    private static int[] enc(Gpr... regs) {
        int[] out = new int[regs.length];
        for (int i = 0; i < regs.length; i++) {
            out[i] = regs[i].encoding();
        }
        return out;
    }
}
