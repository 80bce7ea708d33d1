package dev.kiln.arch.aarch64;

import dev.kiln.abi.VMContextLayout;
import java.util.List;

/**
 * Emission of a tail call ({@code return_call}, {@code return_call_indirect}, {@code return_call_ref};
 * Wasm 3.0, spec §4.4.8) on AArch64: the caller's frame is replaced by the callee's, so an unbounded
 * chain of tail calls runs in constant stack. The sibling of the x86-64 backend's {@code TailCall},
 * under the same internal convention ({@link dev.kiln.compiler.mach.CallingConvention}): the callee pops
 * its own stack arguments and argument areas are multiples of 16 bytes, so with the caller's incoming
 * area {@code A} bytes and the callee's {@code B}, the callee's area is the caller's grown (or shrunk)
 * downwards by {@code B - A}: its top, above which lie the stack results, stays where the caller's
 * caller expects it, and {@code sp} stays 16-byte aligned. The return address needs no moving: it is in
 * {@code x30}, restored from the frame record.
 *
 * <p>Before this instruction, lowering has put the register arguments in {@code x0..x7}/{@code v0..v7}
 * and stored the stack arguments in the outgoing area at the bottom of the frame. The sequence then:
 * <ol>
 * <li>reads what the callee needs while the frame and the register holding a function record are
 *     intact: for a call through a record (or an import's record in the VMContext) its code address
 *     into {@code x16}, its host upcall into {@code x17} (read by import adapters) and its VMContext
 *     into {@code x21};</li>
 * <li>restores the callee-saved registers from their slots, addressed from {@code x29}, which points at
 *     the frame record (loads, not post-increments: the frame stays until its last read), and loads the
 *     caller's {@code x29}/{@code x30} into {@code x9}/{@code x10}, caller-saved registers that carry
 *     no argument;</li>
 * <li>computes the new stack pointer into {@code x30} and copies the staged stack arguments there from
 *     the highest down through {@code d30}: every destination lies above its source (the frame is at
 *     least as large as the staged area), so copying downwards never overwrites a source not yet read,
 *     even where the new area overlaps the frame because the callee has more stack arguments than the
 *     caller; nothing is ever read below {@code sp}, where a signal handler may write;</li>
 * <li>sets {@code sp}, {@code x29} and {@code x30} and branches ({@code b} with a CALL26 relocation to
 *     the funcidx, or {@code br x16}).</li>
 * </ol>
 * A function with a tail call always has a frame record (see {@code CodeEmitter}), so {@code x29} is
 * there to address from. The callee's prologue checks the stack limit and the epoch, as for any call.
 * A tail call to a host function branches to the module's import adapter, which makes the host call
 * from its own frame and returns to the Wasm caller's caller, popping {@code B} bytes.
 *
 * <p>Not thread-safe: one instance per emission.
 */
final class TailCall {
    private static final XReg CODE = XReg.X16;
    private static final XReg UPCALL = XReg.X17;
    private static final XReg CALLER_FP = XReg.X9;
    private static final XReg CALLER_LR = XReg.X10;
    private static final XReg NEW_SP = XReg.X30;
    private static final VReg COPY = VReg.V30;

    private final Assembler a;
    private final VMContextLayout layout;
    private final List<int[]> savedX;
    private final List<int[]> savedV;
    private final int incomingArgBytes;

    /**
     * @param savedX           the callee-saved x registers in the pairs the prologue stored, in store order
     *                         (second element -1 for a single register)
     * @param savedV           the same for the callee-saved v registers (their low 64 bits), stored after
     * @param incomingArgBytes bytes of the caller's own stack argument area (a multiple of 16)
     */
    TailCall(Assembler a, VMContextLayout layout, List<int[]> savedX, List<int[]> savedV, int incomingArgBytes) {
        this.a = a;
        this.layout = layout;
        this.savedX = savedX;
        this.savedV = savedV;
        this.incomingArgBytes = incomingArgBytes;
    }

    /**
     * Emits tail call {@code m} ({@link MOp#RETURN_CALL}, {@link MOp#RETURN_CALL_IMPORT} or
     * {@link MOp#RETURN_CALL_REF}); {@code record} holds the function record's address for the last.
     */
    void emit(MInst m, XReg record) {
        XReg vmctx = CodeEmitter.VMCTX;
        switch (m.op) {
            case RETURN_CALL_REF -> {
                // record layout (VMContextLayout): code, VMContext, host upcall, type id
                // a spilled record is reloaded into x16 by the emitter: read it last there
                if (record == CODE) {
                    a.ldr(Size.X, UPCALL, Address.offset(record, 16));
                    a.ldr(Size.X, vmctx, Address.offset(record, 8));
                    a.ldr(Size.X, CODE, Address.offset(record, 0));
                } else {
                    a.ldr(Size.X, CODE, Address.offset(record, 0));
                    a.ldr(Size.X, vmctx, Address.offset(record, 8));
                    a.ldr(Size.X, UPCALL, Address.offset(record, 16));
                }
            }
            case RETURN_CALL_IMPORT -> {
                int k = (int) m.imm;
                a.ldr(Size.X, CODE, a.address(vmctx, layout.importCode(k), 8, XReg.X30));
                a.ldr(Size.X, UPCALL, a.address(vmctx, layout.importUpcall(k), 8, XReg.X30));
                a.ldr(Size.X, vmctx, a.address(vmctx, layout.importVmctx(k), 8, XReg.X30));
            }
            case RETURN_CALL -> {
            }
            default -> throw new IllegalArgumentException("not a tail call: " + m);
        }
        int slot = 0; // 16-byte slots below the frame record, in store order
        for (int[] p : savedX) {
            CodeEmitter.loadSaved(a, p, false, Address.offset(XReg.FP, -16L * ++slot));
        }
        for (int[] p : savedV) {
            CodeEmitter.loadSaved(a, p, true, Address.offset(XReg.FP, -16L * ++slot));
        }
        int stackArgs = m.popped; // the callee's area
        if (stackArgs == 0) {
            // the ordinary epilogue: nothing to copy
            a.mov(Size.X, XReg.SP, XReg.FP);
            a.ldp(Size.X, XReg.FP, XReg.LR, Address.postIndex(XReg.SP, 16));
            a.addImm(Size.X, XReg.SP, XReg.SP, incomingArgBytes, null);
        } else {
            a.ldp(Size.X, CALLER_FP, CALLER_LR, Address.offset(XReg.FP, 0));
            a.addImm(Size.X, NEW_SP, XReg.FP, 16 + incomingArgBytes - stackArgs, null);
            for (int off = stackArgs - 8; off >= 0; off -= 8) {
                a.ldr(FpSize.D, COPY, Address.offset(XReg.SP, off));
                a.str(FpSize.D, COPY, Address.offset(NEW_SP, off));
            }
            a.mov(Size.X, XReg.SP, NEW_SP);
            a.mov(Size.X, XReg.FP, CALLER_FP);
            a.mov(Size.X, XReg.LR, CALLER_LR);
        }
        if (m.op == MOp.RETURN_CALL) {
            a.bSymbol((int) m.imm);
        } else {
            a.br(CODE);
        }
    }
}
