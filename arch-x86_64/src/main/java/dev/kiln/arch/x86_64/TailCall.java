package dev.kiln.arch.x86_64;

import dev.kiln.abi.VMContextLayout;
import dev.kiln.compiler.mach.Label;
import java.util.List;

/**
 * Emission of a tail call ({@code return_call}, {@code return_call_indirect}, {@code return_call_ref};
 * Wasm 3.0, spec §4.4.8) on x86-64: the caller's frame is replaced by the callee's, so an unbounded
 * chain of tail calls runs in constant stack. After Cranelift's {@code tail} calling convention and its
 * x64 {@code return_call} sequence.
 *
 * <p>Kiln's internal convention lets this work ({@link dev.kiln.compiler.mach.CallingConvention}):
 * the callee pops its own stack arguments, so the size of the incoming argument area is a fact of the
 * callee's signature, and argument areas are multiples of 16 bytes. With the caller's incoming area
 * {@code A} bytes and the callee's {@code B}, the callee's area is the caller's grown (or shrunk)
 * downwards by {@code B - A} bytes: its top, above which lie the stack results, stays where the
 * caller's caller expects it, and the return address moves by {@code A - B} bytes, a multiple of 16, so
 * the stack pointer at the callee's entry is as aligned as after a call.
 *
 * <p>Before this instruction, lowering has put the register arguments in their registers and stored
 * the stack arguments in the outgoing area at the bottom of the frame (a parallel move of the
 * register allocator cannot clobber incoming arguments still to be read: the incoming stack
 * arguments were all loaded at entry, and nothing of the new area is written before the frame is
 * torn down). The sequence then:
 * <ol>
 * <li>reads what the callee needs while the frame and the register holding a function record are
 *     intact: for a call through a record (or an import's record in the VMContext) its code address
 *     into {@code rax}, its host upcall into {@code r10} (read by import adapters, ignored by Wasm
 *     callees) and its VMContext into {@code r14}; none of these is an argument register;</li>
 * <li>restores the callee-saved registers from their slots (moves, not pops: the frame stays until
 *     its last read);</li>
 * <li>reads the return address into {@code r11}, then copies the staged stack arguments to the new
 *     area from the highest down, through {@code xmm15}: every destination lies above its source (the
 *     frame is at least as large as the staged area), so copying downwards never overwrites a source
 *     not yet read, even where the new area overlaps the frame because the callee has more stack
 *     arguments than the caller;</li>
 * <li>stores the return address below the new area, points {@code rsp} at it and jumps.</li>
 * </ol>
 * With no stack arguments on either side this is the ordinary epilogue with {@code jmp} for
 * {@code ret}. The callee's prologue checks the stack limit and the epoch, as for any call.
 *
 * <p>A tail call to a host function jumps to the module's import adapter, which makes the host call
 * from its own frame and returns to the Wasm caller's caller with {@code ret B}: the Wasm frame is
 * gone, so a loop of such tail calls runs in constant stack too.
 *
 * <p>A callee of another instance returns with its own VMContext in {@code r14}; see
 * {@link dev.kiln.compiler.FunctionEnvironment#mayReturnInAnotherInstance} for how callers cope.
 * Not thread-safe: one instance per emission.
 */
final class TailCall {
    private static final Gpr CODE = Gpr.RAX;
    private static final Gpr UPCALL = Gpr.R10;
    private static final Gpr RETURN_ADDRESS = Gpr.R11;
    private static final Xmm COPY = Xmm.XMM15;

    private final Assembler a;
    private final VMContextLayout layout;
    private final int frameSize;
    private final List<Gpr> savedRegs;
    private final int incomingArgBytes;

    /**
     * @param frameSize        bytes of the frame below the saved registers
     * @param savedRegs        the callee-saved registers the prologue pushed, in push order
     * @param incomingArgBytes bytes of the caller's own stack argument area (a multiple of 16)
     */
    TailCall(Assembler a, VMContextLayout layout, int frameSize, List<Gpr> savedRegs, int incomingArgBytes) {
        this.a = a;
        this.layout = layout;
        this.frameSize = frameSize;
        this.savedRegs = savedRegs;
        this.incomingArgBytes = incomingArgBytes;
    }

    /**
     * Emits tail call {@code m} ({@link MOp#RETURN_CALL}, {@link MOp#RETURN_CALL_IMPORT} or
     * {@link MOp#RETURN_CALL_REF}); {@code record} holds the function record's address for the last.
     */
    void emit(MInst m, Gpr record) {
        Gpr vmctx = CodeEmitter.VMCTX;
        switch (m.op) {
            case RETURN_CALL_REF -> {
                // record layout (VMContextLayout): code, VMContext, host upcall, type id. The VMContext
                // is written only when it differs: a predicted branch instead of a data dependency
                // keeps the callee's loads off the chain table entry -> record -> VMContext, which
                // otherwise bounds a dispatch loop of tail calls within one instance
                Label same = a.newLabel();
                a.mov(Size.S64, RETURN_ADDRESS, record);
                a.mov(Size.S64, CODE, Mem.of(RETURN_ADDRESS, 0));
                a.mov(Size.S64, UPCALL, Mem.of(RETURN_ADDRESS, 16));
                a.mov(Size.S64, RETURN_ADDRESS, Mem.of(RETURN_ADDRESS, 8));
                a.alu(AluOp.CMP, Size.S64, RETURN_ADDRESS, vmctx);
                a.jcc(Cond.E, same);
                a.mov(Size.S64, vmctx, RETURN_ADDRESS);
                a.bind(same);
            }
            case RETURN_CALL_IMPORT -> {
                int k = (int) m.imm;
                a.mov(Size.S64, CODE, Mem.of(vmctx, layout.importCode(k)));
                a.mov(Size.S64, UPCALL, Mem.of(vmctx, layout.importUpcall(k)));
                a.mov(Size.S64, vmctx, Mem.of(vmctx, layout.importVmctx(k)));
            }
            case RETURN_CALL -> {
            }
            default -> throw new IllegalArgumentException("not a tail call: " + m);
        }
        int n = savedRegs.size();
        for (int i = 0; i < n; i++) {
            a.mov(Size.S64, savedRegs.get(i), Mem.of(Gpr.RSP, frameSize + 8 * (n - 1 - i)));
        }
        int above = frameSize + 8 * n;          // rsp + above: the return address
        int stackArgs = m.popped;               // the callee's area
        int move = incomingArgBytes - stackArgs; // where the return address goes, relative to where it is
        if (stackArgs > 0 || move != 0) {
            a.mov(Size.S64, RETURN_ADDRESS, Mem.of(Gpr.RSP, above));
            for (int off = stackArgs - 8; off >= 0; off -= 8) {
                a.movsd(COPY, Mem.of(Gpr.RSP, off));
                a.movsd(Mem.of(Gpr.RSP, above + move + 8 + off), COPY);
            }
            a.mov(Size.S64, Mem.of(Gpr.RSP, above + move), RETURN_ADDRESS);
        }
        if (above + move != 0) {
            a.lea(Size.S64, Gpr.RSP, Mem.of(Gpr.RSP, above + move));
        }
        if (m.op == MOp.RETURN_CALL) {
            a.jmpRel32((int) m.imm);
        } else {
            a.jmp(CODE);
        }
    }
}
