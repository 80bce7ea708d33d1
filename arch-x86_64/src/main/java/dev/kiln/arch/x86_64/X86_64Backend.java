package dev.kiln.arch.x86_64;

import dev.kiln.compiler.mach.Label;
import dev.kiln.abi.CompileException;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.Target;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.Backend;
import dev.kiln.compiler.CompiledCode;
import dev.kiln.compiler.FunctionEnvironment;
import dev.kiln.compiler.RelocKind;
import dev.kiln.compiler.Relocation;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.mach.CallingConvention;
import dev.kiln.compiler.mach.LinearScan;
import dev.kiln.compiler.mach.MachBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The x86-64 backend.
 *
 * <p><b>Kiln's internal calling convention</b> (Wasm function to Wasm function) is defined once for
 * every backend by {@link CallingConvention}; its x86-64 registers by {@link X86Registers}:
 * <ul>
 * <li>{@code r14} holds the callee's VMContext on entry and is preserved (it is callee-saved in
 *     System V, so host code called from Wasm preserves it too). Generated code never allocates it.</li>
 * <li>Integer parameters in {@code rdi, rsi, rdx, rcx, r8, r9}, float parameters in
 *     {@code xmm0..xmm7}; the rest, in parameter order, on the stack in 8-byte slots at {@code [rsp+8]},
 *     {@code [rsp+16]}, ... at entry (the caller's outgoing area), which <b>the callee pops</b> with
 *     {@code ret imm16}; the caller moves {@code rsp} back down after the call. Several results go to
 *     the stack slots after the arguments. i32 values are zero-extended in their registers.</li>
 * <li>One result in {@code rax} or {@code xmm0}. Callee-saved: {@code rbx rbp r12 r13 r14 r15}, as in
 *     System V (every xmm register is caller-saved); {@code r10}/{@code r11} are scratch. {@code rsp}
 *     is 16-byte aligned at the call.</li>
 * <li>Every function starts by comparing its lowest stack address with the VMContext stack limit and
 *     traps with {@code call stack exhausted} when it would cross it.</li>
 * <li>Tail calls ({@code return_call}, {@code return_call_indirect}) replace the caller's frame by the
 *     callee's and jump ({@link TailCall}); a call to a function that may end in a tail call into
 *     another instance reloads {@code r14} afterwards.</li>
 * </ul>
 *
 * <p><b>Calls to imported functions</b> go through the function's VMContext record: its code is
 * called with the internal convention and r14 set to the record's VMContext (the caller saves and
 * restores its own). A Wasm function of another instance is called directly; a host function's
 * record points to the module's <b>import adapter</b> for the signature, which passes
 * {@code (vmctx, params...)} to the host upcall (address in r10) with the C convention and unwinds
 * if the host left a trap code (a Java exception or trap).
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
    static final int ENTRY_SAVE_AREA = 56;

    /** Creates the backend (used by {@link java.util.ServiceLoader}). */
    public X86_64Backend() {
    }

    @Override
    public Target target() {
        return Target.X86_64;
    }

    @Override
    public CompiledCode compileFunction(IrFunction function, FunctionEnvironment env) {
        Lowering lowering = new Lowering(function, env);
        List<MachBlock<MInst>> blocks = lowering.lower();
        if (env.cpuFeatures().contains(dev.kiln.abi.CpuFeature.AVX)) {
            VexForms.fold(blocks); // three-operand forms; the emitter encodes everything VEX
        }
        markRematerializable(blocks, lowering.vregs());
        LinearScan<MInst> alloc = new LinearScan<>(blocks, X86Registers.DESCRIPTOR, lowering.vregs());
        alloc.run(X86Registers.ISA);
        CodeEmitter emitter = new CodeEmitter(blocks, alloc, lowering.maxOutgoingStackBytes(),
                lowering.incomingStackArgBytes(), env.vmctx(), env.cpuFeatures());
        emitter.frames = new dev.kiln.compiler.FrameSiteRecorder(function);
        emitter.signalTraps = env.signalTraps();
        return emitter.emit();
    }

    /**
     * Marks rematerializable the virtual registers whose one definition is a 64-bit integer
     * {@link MOp#VMCTX_LOAD} of an invariant field (a memory's base address, the store context):
     * where such a value is spilled, the emitter reads it at {@code [r14 + offset]} instead of from a
     * stack slot, and stores nothing ({@link CodeEmitter}). The frame is the same size or smaller, and
     * the code shorter: a spill store, and often the load that defined the value, are gone, and a
     * reload or a folded operand takes a 1-byte shorter encoding (no SIB byte).
     */
    static void markRematerializable(List<MachBlock<MInst>> blocks, dev.kiln.compiler.mach.VirtualRegisters vregs) {
        int[] defs = new int[vregs.limit()]; // definitions per register, physical ones included
        java.util.BitSet candidates = new java.util.BitSet();
        for (int bIndex = 0; bIndex < blocks.size(); bIndex++) {
            MachBlock<MInst> b = blocks.get(bIndex);
            for (int mIndex = 0; mIndex < b.insts.size(); mIndex++) {
                MInst m = b.insts.get(mIndex);
                for (int d : m.defs()) {
                    if (d >= 0) {
                        defs[d]++;
                    }
                }
                if (m.isParallelMove()) {
                    for (int d : m.moveDsts()) {
                        if (d >= 0) {
                            defs[d]++;
                        }
                    }
                }
                if (m.op == MOp.VMCTX_LOAD && m.invariant && m.size == Size.S64 && m.width == 0
                        && MInst.isVirtual(m.dst) && vregs.classOf(m.dst) == dev.kiln.compiler.mach.RegClass.INT) {
                    candidates.set(m.dst);
                }
            }
        }
        for (int v = candidates.nextSetBit(0); v >= 0; v = candidates.nextSetBit(v + 1)) {
            if (defs[v] == 1) {
                vregs.markRematerializable(v);
            }
        }
    }

    @Override
    public CompiledCode compileEntryTrampoline(int funcIndex, FuncType type, VMContextLayout layout) {
        if (type.params().contains(ValType.V128) || type.results().contains(ValType.V128)) {
            return VectorEntryTrampoline.compile(funcIndex, type, layout);
        }
        Assembler a = new Assembler();
        Gpr vmctx = CodeEmitter.VMCTX;
        entryPrologue(a);

        // Where each parameter is on the host side (System V with vmctx as the first integer argument)
        // and inside (the internal convention): a register, or a stack offset in bytes.
        int n = type.params().size();
        CallingConvention.Assignment host = hostAssignment(type);
        CallingConvention.Assignment inner = X86Registers.INTERNAL.assign(type.params(), type.results());
        int nResults = type.results().size();
        int reserve = inner.stackBytes();
        if ((ENTRY_SAVE_AREA + reserve) % 16 != 0) {
            reserve += 8;
        }
        if (reserve > 0) {
            a.aluImm(AluOp.SUB, Size.S64, Gpr.RSP, reserve);
        }
        // 1. stack-passed inner arguments, while every host register is intact; host stack
        //    arguments are at [rbp + 16 + offset]
        for (int k = 0; k < n; k++) {
            CallingConvention.ArgLocation in = inner.params().get(k);
            CallingConvention.ArgLocation out = host.params().get(k + 1);
            if (in.inRegister()) {
                continue;
            }
            Mem to = Mem.of(Gpr.RSP, in.stackOffset());
            Size s = i32(type, k) ? Size.S32 : Size.S64;
            if (!out.inRegister()) {
                a.mov(s, Gpr.R11, Mem.of(Gpr.RBP, 16 + out.stackOffset()));
                a.mov(Size.S64, to, Gpr.R11);
            } else if (type.params().get(k).isFloat()) {
                a.movsd(to, xmm(out.reg()));
            } else {
                a.mov(s, Gpr.R11, Gpr.of(out.reg()));
                a.mov(Size.S64, to, Gpr.R11);
            }
        }
        // 2. integer registers shift down by one (host register i+1 -> inner register i, in order, so
        //    each destination has already been read); float registers coincide
        for (int k = 0; k < n; k++) {
            CallingConvention.ArgLocation in = inner.params().get(k);
            CallingConvention.ArgLocation out = host.params().get(k + 1);
            if (!in.inRegister()) {
                continue;
            }
            if (type.params().get(k).isFloat()) {
                if (!out.inRegister()) {
                    a.movsd(xmm(in.reg()), Mem.of(Gpr.RBP, 16 + out.stackOffset()));
                } else if (out.reg() != in.reg()) {
                    a.movaps(xmm(in.reg()), xmm(out.reg()));
                }
            } else if (!out.inRegister()) {
                a.mov(i32(type, k) ? Size.S32 : Size.S64, Gpr.of(in.reg()), Mem.of(Gpr.RBP, 16 + out.stackOffset()));
            } else {
                // an i32 from the host has an undefined upper half: the 32-bit move clears it
                a.mov(i32(type, k) ? Size.S32 : Size.S64, Gpr.of(in.reg()), Gpr.of(out.reg()));
            }
        }
        if (funcIndex < layout.importedFunctions()) {
            callImport(a, layout, funcIndex);
        } else {
            a.callRel32(funcIndex);
        }
        if (inner.stackArgBytes() > 0) {
            a.aluImm(AluOp.SUB, Size.S64, Gpr.RSP, inner.stackArgBytes()); // the callee popped its stack arguments
        }
        if (nResults > 1) {
            // several results: copy them from the outgoing area to the host's buffer
            a.mov(Size.S64, Gpr.R10, Mem.of(vmctx, VMContextLayout.STORE_CONTEXT));
            a.mov(Size.S64, Gpr.R10, Mem.of(Gpr.R10, VMStoreContext.RESULTS));
            for (int k = 0; k < nResults; k++) {
                a.mov(Size.S64, Gpr.R11, Mem.of(Gpr.RSP, inner.results().get(k).stackOffset()));
                a.mov(Size.S64, Mem.of(Gpr.R10, 8 * k), Gpr.R11);
            }
        }
        entryEpilogue(a, vmctx);
        return new CompiledCode(a.finish(), a.relocations());
    }

    /**
     * Calls imported function {@code k} through its VMContext record: code in r11, the host upcall in
     * r10 (read by import adapters, ignored by Wasm callees), the callee's VMContext in r14. The
     * caller restores its own r14 afterwards.
     */
    static void callImport(Assembler a, VMContextLayout layout, int k) {
        Gpr vmctx = CodeEmitter.VMCTX;
        a.mov(Size.S64, Gpr.R11, Mem.of(vmctx, layout.importCode(k)));
        a.mov(Size.S64, Gpr.R10, Mem.of(vmctx, layout.importUpcall(k)));
        a.mov(Size.S64, vmctx, Mem.of(vmctx, layout.importVmctx(k)));
        a.call(Gpr.R11);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A signature with several results passes the host a pointer to a results area in the adapter's
     * frame ({@code 8} bytes per result, in order; i32 and f32 in the low half) as the second integer
     * argument, after the VMContext: the host's C signature is {@code void (vmctx, results*,
     * params...)}; the adapter copies the results to the caller's stack result slots.
     */
    @Override
    public CompiledCode compileImportAdapter(FuncType type, VMContextLayout layout) {
        if (type.params().contains(ValType.V128) || type.results().contains(ValType.V128)) {
            return VectorEntryTrampoline.importAdapter(type);
        }
        int n = type.params().size();
        int nResults = type.results().size();
        boolean resultArea = nResults > 1;
        // where each parameter is inside (internal convention) and on the host side (System V with the
        // VMContext, and for several results the results pointer, as leading integer arguments)
        CallingConvention.Assignment inner = X86Registers.INTERNAL.assign(type.params(), type.results());
        CallingConvention.Assignment host = hostAssignment(type, resultArea);
        int lead = resultArea ? 2 : 1;
        Assembler a = new Assembler();
        a.push(Gpr.RBP);
        a.mov(Size.S64, Gpr.RBP, Gpr.RSP);
        int areaBytes = resultArea ? 8 * nResults : 0;
        int reserve = (host.stackArgBytes() + areaBytes + 15) & -16;
        if (reserve > 0) {
            a.aluImm(AluOp.SUB, Size.S64, Gpr.RSP, reserve);
        }
        int area = host.stackArgBytes(); // the results area, above the host's stack arguments
        // 1. host stack arguments first, while every inner register is intact; inner stack arguments
        //    are at [rbp + 16 + offset]
        for (int k = 0; k < n; k++) {
            CallingConvention.ArgLocation in = inner.params().get(k);
            CallingConvention.ArgLocation out = host.params().get(k + lead);
            if (out.inRegister()) {
                continue;
            }
            Mem to = Mem.of(Gpr.RSP, out.stackOffset());
            if (!in.inRegister()) {
                a.mov(Size.S64, Gpr.R11, Mem.of(Gpr.RBP, 16 + in.stackOffset()));
                a.mov(Size.S64, to, Gpr.R11);
            } else if (type.params().get(k).isFloat()) {
                a.movsd(to, xmm(in.reg()));
            } else {
                a.mov(Size.S64, to, Gpr.of(in.reg()));
            }
        }
        // 2. integer registers shift up by the leading arguments (inner register i -> host register
        //    i+lead), from the last so that nothing is overwritten before it is read; float registers
        //    coincide
        for (int k = n - 1; k >= 0; k--) {
            CallingConvention.ArgLocation out = host.params().get(k + lead);
            if (!out.inRegister() || type.params().get(k).isFloat()) {
                continue;
            }
            CallingConvention.ArgLocation in = inner.params().get(k);
            if (in.inRegister()) {
                a.mov(Size.S64, Gpr.of(out.reg()), Gpr.of(in.reg()));
            } else {
                a.mov(Size.S64, Gpr.of(out.reg()), Mem.of(Gpr.RBP, 16 + in.stackOffset()));
            }
        }
        for (int k = 0; k < n; k++) {
            CallingConvention.ArgLocation in = inner.params().get(k);
            CallingConvention.ArgLocation out = host.params().get(k + lead);
            if (out.inRegister() && type.params().get(k).isFloat() && !in.inRegister()) {
                a.movsd(xmm(out.reg()), Mem.of(Gpr.RBP, 16 + in.stackOffset()));
            }
        }
        a.mov(Size.S64, Gpr.RDI, CodeEmitter.VMCTX);
        if (resultArea) {
            a.lea(Size.S64, Gpr.RSI, Mem.of(Gpr.RSP, area));
        }
        a.call(Gpr.R10);
        if (nResults == 1 && type.results().get(0) == ValType.I32) {
            a.mov(Size.S32, Gpr.RAX, Gpr.RAX); // a Java int: the upper half is undefined, Wasm keeps it zero
        }
        unwindIfTheHostFailed(a, inner.stackArgBytes());
        if (resultArea) {
            // several results: from the area to the caller's stack result slots (i32 zero-extended)
            for (int k = 0; k < nResults; k++) {
                Size s = type.results().get(k) == ValType.I32 ? Size.S32 : Size.S64;
                a.mov(s, Gpr.R11, Mem.of(Gpr.RSP, area + 8 * k));
                a.mov(Size.S64, Mem.of(Gpr.RBP, 16 + inner.results().get(k).stackOffset()), Gpr.R11);
            }
        }
        a.mov(Size.S64, Gpr.RSP, Gpr.RBP);
        a.pop(Gpr.RBP);
        a.ret(inner.stackArgBytes()); // called with the internal convention: the callee pops
        return new CompiledCode(a.finish(), a.relocations());
    }

    /**
     * The part of an import adapter after the host call: a host function that threw (or trapped) left
     * a trap code, and the adapter unwinds to the entry; one that threw a Wasm exception (its object
     * pending, trap code {@code UNCAUGHT_EXCEPTION}) throws it from here. Falls through when the call
     * succeeded. Needs the adapter's frame ({@code rbp} pushed, {@code rsp} below it); the adapter pops
     * {@code stackArgBytes} of stack arguments when it returns.
     */
    static void unwindIfTheHostFailed(Assembler a, int stackArgBytes) {
        Label ok = a.newLabel();
        Label unwind = a.newLabel();
        a.mov(Size.S64, Gpr.R11, Mem.of(CodeEmitter.VMCTX, VMContextLayout.STORE_CONTEXT));
        a.aluImm(AluOp.CMP, Size.S32, Mem.of(Gpr.R11, VMStoreContext.TRAP_CODE), 0);
        a.jcc(Cond.E, ok);
        a.aluImm(AluOp.CMP, Size.S32, Mem.of(Gpr.R11, VMStoreContext.TRAP_CODE), TrapCode.UNCAUGHT_EXCEPTION.code());
        a.jcc(Cond.NE, unwind);
        a.movImm(Size.S32, Mem.of(Gpr.R11, VMStoreContext.TRAP_CODE), 0);
        a.mov(Size.S64, Gpr.RDI, CodeEmitter.VMCTX);
        a.mov(Size.S64, Gpr.RSI, Mem.of(Gpr.R11, VMStoreContext.PENDING_EXCEPTION));
        a.lea(Size.S64, Gpr.RDX, Mem.of(Gpr.RBP, 8)); // the adapter's return-address slot
        a.movImm(Size.S32, Gpr.RCX, stackArgBytes); // what the adapter pops above it
        a.call(Mem.of(CodeEmitter.VMCTX, VMContextLayout.libcall(VMContextLayout.LIBCALL_THROW)));
        a.test(Size.S64, Gpr.RAX, Gpr.RAX);
        a.jcc(Cond.E, unwind);
        a.mov(Size.S64, Gpr.R11, Mem.of(CodeEmitter.VMCTX, VMContextLayout.STORE_CONTEXT));
        a.mov(Size.S64, Gpr.RSP, Mem.of(Gpr.R11, VMStoreContext.RESUME_SP));
        a.jmp(Gpr.RAX);
        a.bind(unwind);
        // unwind from the Wasm caller's call: [rsp] is then its return address (r11 = 0 says so)
        a.mov(Size.S64, Gpr.RSP, Gpr.RBP);
        a.pop(Gpr.RBP);
        a.zero(Gpr.R11);
        a.jmpRel32(Relocation.UNWIND_STUB);
        a.bind(ok);
    }

    /** Host (System V) locations of {@code (vmctx, params...)}, and of the results pointer after the VMContext if asked. */
    private static CallingConvention.Assignment hostAssignment(FuncType type, boolean resultsPointer) {
        List<ValType> params = new ArrayList<>(type.params().size() + 2);
        params.add(ValType.I64);
        if (resultsPointer) {
            params.add(ValType.I64);
        }
        params.addAll(type.params());
        return X86Registers.HOST.assign(params, type.results().size() == 1 ? type.results() : List.of());
    }

    private static CallingConvention.Assignment hostAssignment(FuncType type) {
        return hostAssignment(type, false);
    }

    static Xmm xmm(int reg) {
        return Xmm.of(reg - MInst.XMM_BASE);
    }

    private static boolean i32(FuncType type, int param) {
        return type.params().get(param) == ValType.I32;
    }

    /**
     * Calls the store's backtrace libcall ({@link VMStoreContext#BACKTRACE_LIBCALL}), if it has one,
     * with {@code (storeContext, rsp, r11 != 0)} while the trapping Wasm frames still exist: {@code [rsp]}
     * is the trap's address (or the return address of a call, for {@code r11} = 0) and the frames are
     * above it, each found from the frame info's depths ({@link dev.kiln.abi.FrameTable}). Aligns the
     * stack for the C call; clobbers every caller-saved register and {@code rsp} (the unwind restores
     * it from the entry frame). Nothing runs here on the normal path.
     */
    static void captureBacktrace(Assembler a) {
        Label none = a.newLabel();
        a.mov(Size.S64, Gpr.RDI, Mem.of(CodeEmitter.VMCTX, VMContextLayout.STORE_CONTEXT));
        a.mov(Size.S64, Gpr.RAX, Mem.of(Gpr.RDI, VMStoreContext.BACKTRACE_LIBCALL));
        a.test(Size.S64, Gpr.RAX, Gpr.RAX);
        a.jcc(Cond.E, none);
        a.mov(Size.S64, Gpr.RSI, Gpr.RSP);
        a.zero(Gpr.RDX);
        a.test(Size.S64, Gpr.R11, Gpr.R11);
        a.setcc(Cond.NE, Gpr.RDX);
        a.aluImm(AluOp.AND, Size.S64, Gpr.RSP, -16);
        a.call(Gpr.RAX);
        a.bind(none);
    }

    /**
     * The entry trampoline's prologue (System V side, VMContext in rdi): saves rbp and the callee-saved
     * registers, sets r14 to the VMContext, saves the store's entry frame and stack limit and sets
     * both for this entry. {@link #entryEpilogue} undoes it. Clobbers r10 and r11; leaves the other
     * argument registers intact.
     */
    static void entryPrologue(Assembler a) {
        Gpr vmctx = CodeEmitter.VMCTX;
        a.push(Gpr.RBP);
        a.mov(Size.S64, Gpr.RBP, Gpr.RSP);
        a.push(Gpr.RBX);
        a.push(Gpr.R12);
        a.push(Gpr.R13);
        a.push(Gpr.R14);
        a.push(Gpr.R15);
        a.mov(Size.S64, vmctx, Gpr.RDI);
        Gpr store = Gpr.R10;
        a.mov(Size.S64, store, Mem.of(vmctx, VMContextLayout.STORE_CONTEXT));
        a.mov(Size.S64, Gpr.R11, Mem.of(store, VMStoreContext.ENTRY_FRAME));
        a.push(Gpr.R11);
        a.mov(Size.S64, Gpr.R11, Mem.of(store, VMStoreContext.STACK_LIMIT));
        a.push(Gpr.R11);
        // The outermost entry sets the stack limit from the current stack pointer and the budget, but
        // never below the floor (the thread's stack end plus its guard zones): max(sp - budget, floor),
        // unsigned; sp - budget wrapping below 0 is caught by the same compare.
        Label haveLimit = a.newLabel();
        a.test(Size.S64, Gpr.R11, Gpr.R11);
        a.jcc(Cond.NE, haveLimit);
        a.mov(Size.S64, Gpr.R11, Gpr.RSP);
        a.alu(AluOp.SUB, Size.S64, Gpr.R11, Mem.of(store, VMStoreContext.STACK_BUDGET));
        a.cmov(Cond.B, Size.S64, Gpr.R11, Mem.of(store, VMStoreContext.STACK_FLOOR));
        a.alu(AluOp.CMP, Size.S64, Gpr.R11, Mem.of(store, VMStoreContext.STACK_FLOOR));
        a.cmov(Cond.B, Size.S64, Gpr.R11, Mem.of(store, VMStoreContext.STACK_FLOOR));
        a.mov(Size.S64, Mem.of(store, VMStoreContext.STACK_LIMIT), Gpr.R11);
        a.bind(haveLimit);
        a.mov(Size.S64, Mem.of(store, VMStoreContext.ENTRY_FRAME), Gpr.RBP);
    }

    /** Restores what the entry trampoline saved below its frame pointer (rbp) and returns to its host caller. */
    static void entryEpilogue(Assembler a, Gpr vmctx) {
        a.lea(Size.S64, Gpr.RSP, Mem.of(Gpr.RBP, -ENTRY_SAVE_AREA));
        a.mov(Size.S64, Gpr.R10, Mem.of(vmctx, VMContextLayout.STORE_CONTEXT));
        a.pop(Gpr.R11);
        a.mov(Size.S64, Mem.of(Gpr.R10, VMStoreContext.STACK_LIMIT), Gpr.R11);
        a.pop(Gpr.R11);
        a.mov(Size.S64, Mem.of(Gpr.R10, VMStoreContext.ENTRY_FRAME), Gpr.R11);
        a.pop(Gpr.R15);
        a.pop(Gpr.R14);
        a.pop(Gpr.R13);
        a.pop(Gpr.R12);
        a.pop(Gpr.RBX);
        a.pop(Gpr.RBP);
        a.ret();
    }

    /**
     * {@inheritDoc}
     *
     * <p>On x86-64 the stub is entered by a jump with {@code [rsp]} holding the address of the trap
     * (the return address of a trap site's out-of-line call, or the faulting instruction) or, when
     * {@code r11} is 0, the return address of the Wasm call a host function threw under, the Wasm
     * frames above it intact. It first records the backtrace ({@link #captureBacktrace}), then unwinds.
     */
    @Override
    public CompiledCode compileUnwindStub(VMContextLayout layout) {
        Assembler a = new Assembler();
        captureBacktrace(a);
        a.mov(Size.S64, Gpr.R10, Mem.of(CodeEmitter.VMCTX, VMContextLayout.STORE_CONTEXT));
        a.mov(Size.S64, Gpr.RBP, Mem.of(Gpr.R10, VMStoreContext.ENTRY_FRAME));
        entryEpilogue(a, CodeEmitter.VMCTX);
        return new CompiledCode(a.finish(), a.relocations());
    }

    /**
     * {@inheritDoc} On x86-64 every function calls these (its trap sites' out-of-line calls push the
     * site's address): {@code mov r11, [r14 + store context]; mov dword [r11 + trap code], code;
     * jmp kiln_unwind}, where r11, nonzero, tells the unwind stub that {@code [rsp]} is a trap site.
     */
    @Override
    public CompiledCode compileTrapStub(TrapCode code, VMContextLayout layout) {
        Assembler a = new Assembler();
        a.mov(Size.S64, CodeEmitter.SCRATCH1, Mem.of(CodeEmitter.VMCTX, VMContextLayout.STORE_CONTEXT));
        a.movImm(Size.S32, Mem.of(CodeEmitter.SCRATCH1, VMStoreContext.TRAP_CODE), code.code());
        a.jmpRel32(Relocation.UNWIND_STUB);
        return new CompiledCode(a.finish(), a.relocations());
    }

    @Override
    public void applyRelocation(byte[] text, int pieceOffset, Relocation r, int symbolOffset) {
        if (r.kind() != RelocKind.X86_PC32) {
            throw new IllegalArgumentException("x86-64 cannot apply a " + r.kind() + " relocation");
        }
        int field = pieceOffset + r.offset();
        long value = (long) symbolOffset + r.addend() - field;
        if (value != (int) value) {
            throw new CompileException("code too large: a call spans " + value + " bytes, beyond rel32");
        }
        text[field] = (byte) value;
        text[field + 1] = (byte) (value >> 8);
        text[field + 2] = (byte) (value >> 16);
        text[field + 3] = (byte) (value >> 24);
    }

    /** {@inheritDoc} On x86-64: {@link SignalHandlerStub#generate()}. */
    @Override
    public byte[] guardSignalHandler() {
        return SignalHandlerStub.generate();
    }

    /** Pads with {@code int3}, so stray jumps between functions trap in a debugger. */
    @Override
    public void fillPadding(byte[] text, int from, int to) {
        java.util.Arrays.fill(text, from, to, (byte) 0xCC);
    }
}
