package dev.kiln.arch.x86_64;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.Target;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.Backend;
import dev.kiln.compiler.CompiledCode;
import dev.kiln.compiler.FunctionEnvironment;
import dev.kiln.compiler.Relocation;
import dev.kiln.compiler.ir.IrFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * The x86-64 backend.
 *
 * <p><b>Kiln's internal calling convention</b> (Wasm function to Wasm function), the one place it
 * is defined for this backend:
 * <ul>
 * <li>{@code r14} holds the callee's VMContext on entry and is preserved (it is callee-saved in
 *     System V, so host code called from Wasm preserves it too). Generated code never allocates it.</li>
 * <li>Integer parameters (i32, i64) in {@code rdi, rsi, rdx, rcx, r8, r9}, further ones on the
 *     stack in 8-byte slots at {@code [rsp+8]}, {@code [rsp+16]}, ... at entry (the caller's
 *     outgoing area); i32 values leave the upper 32 bits of their register undefined.</li>
 * <li>The result in {@code rax}. Callee-saved: {@code rbx rbp r12 r13 r14 r15}, as in System V;
 *     {@code r10}/{@code r11} are scratch. {@code rsp} is 16-byte aligned at the call.</li>
 * <li>Every function starts by comparing its lowest stack address with the VMContext stack limit and
 *     traps with {@code call stack exhausted} when it would cross it.</li>
 * </ul>
 *
 * <p><b>Entry trampolines</b> adapt the System V C convention used by the Java downcall,
 * {@code (vmctx, params...) -> result}, to the internal one, save every callee-saved register, and
 * link a trap-unwind record: the trampoline's frame pointer goes to the VMContext's entry-frame
 * field (the previous value and the previous stack limit are saved on the stack, so entries nest).
 * A trap stores its code in the VMContext and jumps to the unwind stub, which reloads that frame
 * pointer and runs the trampoline's epilogue: control returns to Java, which sees the trap code.
 *
 * <p>Stateless and thread-safe.
 */
public final class X86_64Backend implements Backend {
    /** Bytes between the entry frame pointer and the stack pointer after the trampoline's saves. */
    private static final int ENTRY_SAVE_AREA = 56;

    /** Creates the backend (used by {@link java.util.ServiceLoader}). */
    public X86_64Backend() {
    }

    @Override
    public Target target() {
        return Target.X86_64;
    }

    @Override
    public CompiledCode compileFunction(IrFunction function, FunctionEnvironment env) {
        for (ValType t : function.signature().params()) {
            if (!t.isInteger()) {
                throw new CompileException("function " + function.funcIndex() + " has a " + t
                        + " parameter; the x86-64 backend supports only i32 and i64 parameters yet");
            }
        }
        Lowering lowering = new Lowering(function, env);
        List<MBlock> blocks = lowering.lower();
        LinearScan alloc = new LinearScan(blocks, lowering.vregLimit());
        alloc.run();
        return new CodeEmitter(blocks, alloc, lowering.maxOutgoingStackArgs()).emit();
    }

    @Override
    public CompiledCode compileEntryTrampoline(int funcIndex, FuncType type, VMContextLayout layout) {
        for (ValType t : type.params()) {
            if (!t.isInteger()) {
                throw new CompileException("function " + funcIndex + " has a " + t
                        + " parameter; entry trampolines support only i32 and i64 parameters yet");
            }
        }
        if (type.results().size() > 1 || (type.results().size() == 1 && !type.results().get(0).isInteger())) {
            throw new CompileException("function " + funcIndex + " returns " + type.results()
                    + "; entry trampolines support at most one i32 or i64 result yet");
        }
        Assembler a = new Assembler();
        Gpr vmctx = CodeEmitter.VMCTX;
        a.push(Gpr.RBP);
        a.mov(Size.S64, Gpr.RBP, Gpr.RSP);
        a.push(Gpr.RBX);
        a.push(Gpr.R12);
        a.push(Gpr.R13);
        a.push(Gpr.R14);
        a.push(Gpr.R15);
        a.mov(Size.S64, vmctx, Gpr.RDI);
        a.mov(Size.S64, Gpr.R11, Mem.of(vmctx, VMContextLayout.ENTRY_FRAME));
        a.push(Gpr.R11);
        a.mov(Size.S64, Gpr.R11, Mem.of(vmctx, VMContextLayout.STACK_LIMIT));
        a.push(Gpr.R11);
        // The outermost entry sets the stack limit from the current stack pointer and the budget.
        Label haveLimit = a.newLabel();
        a.test(Size.S64, Gpr.R11, Gpr.R11);
        a.jcc(Cond.NE, haveLimit);
        a.mov(Size.S64, Gpr.R11, Gpr.RSP);
        a.alu(AluOp.SUB, Size.S64, Gpr.R11, Mem.of(vmctx, VMContextLayout.STACK_BUDGET));
        a.mov(Size.S64, Mem.of(vmctx, VMContextLayout.STACK_LIMIT), Gpr.R11);
        a.bind(haveLimit);
        a.mov(Size.S64, Mem.of(vmctx, VMContextLayout.ENTRY_FRAME), Gpr.RBP);

        int n = type.params().size();
        int stackArgs = Math.max(0, n - Lowering.ARG_REGS.length);
        int reserve = 8 * stackArgs;
        if ((ENTRY_SAVE_AREA + reserve) % 16 != 0) {
            reserve += 8;
        }
        if (reserve > 0) {
            a.aluImm(AluOp.SUB, Size.S64, Gpr.RSP, reserve);
        }
        // Host parameter k+1 (k >= 6) is on the host stack at [rbp + 16 + 8*(k-5)]; internally it is
        // stack argument k-6 at [rsp + 8*(k-6)].
        for (int k = Lowering.ARG_REGS.length; k < n; k++) {
            a.mov(Size.S64, Gpr.R11, Mem.of(Gpr.RBP, 16 + 8 * (k - 5)));
            a.mov(Size.S64, Mem.of(Gpr.RSP, 8 * (k - 6)), Gpr.R11);
        }
        // Host registers hold (vmctx, p0..p4); internal registers take p0..p5.
        Gpr[] hostRegs = {Gpr.RDI, Gpr.RSI, Gpr.RDX, Gpr.RCX, Gpr.R8, Gpr.R9};
        for (int k = 0; k < Math.min(n, 6); k++) {
            if (k + 1 < hostRegs.length) {
                a.mov(Size.S64, Lowering.ARG_REGS[k], hostRegs[k + 1]);
            } else {
                a.mov(Size.S64, Lowering.ARG_REGS[k], Mem.of(Gpr.RBP, 16));
            }
        }
        a.callRel32(funcIndex);
        entryEpilogue(a, vmctx);
        return new CompiledCode(a.finish(), relocations(a), List.of());
    }

    private static void entryEpilogue(Assembler a, Gpr vmctx) {
        a.lea(Size.S64, Gpr.RSP, Mem.of(Gpr.RBP, -ENTRY_SAVE_AREA));
        a.pop(Gpr.R11);
        a.mov(Size.S64, Mem.of(vmctx, VMContextLayout.STACK_LIMIT), Gpr.R11);
        a.pop(Gpr.R11);
        a.mov(Size.S64, Mem.of(vmctx, VMContextLayout.ENTRY_FRAME), Gpr.R11);
        a.pop(Gpr.R15);
        a.pop(Gpr.R14);
        a.pop(Gpr.R13);
        a.pop(Gpr.R12);
        a.pop(Gpr.RBX);
        a.pop(Gpr.RBP);
        a.ret();
    }

    @Override
    public CompiledCode compileUnwindStub(VMContextLayout layout) {
        Assembler a = new Assembler();
        a.mov(Size.S64, Gpr.RBP, Mem.of(CodeEmitter.VMCTX, VMContextLayout.ENTRY_FRAME));
        entryEpilogue(a, CodeEmitter.VMCTX);
        return new CompiledCode(a.finish(), relocations(a), List.of());
    }

    private static List<Relocation> relocations(Assembler a) {
        List<Relocation> out = new ArrayList<>();
        for (Reloc r : a.relocations()) {
            out.add(new Relocation(r.offset(), r.symbol(), r.addend()));
        }
        return out;
    }
}
