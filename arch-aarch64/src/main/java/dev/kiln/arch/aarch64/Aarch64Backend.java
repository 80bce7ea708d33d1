package dev.kiln.arch.aarch64;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.Target;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.Backend;
import dev.kiln.compiler.CompiledCode;
import dev.kiln.compiler.FunctionEnvironment;
import dev.kiln.compiler.Relocation;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.mach.CallingConvention;
import dev.kiln.compiler.mach.Label;
import dev.kiln.compiler.mach.LinearScan;
import dev.kiln.compiler.mach.MachBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The AArch64 backend (A64, AAPCS64 at the host boundary).
 *
 * <p><b>Kiln's internal calling convention</b> on AArch64 ({@link CallingConvention}, registers in
 * {@link Aarch64Registers}):
 * <ul>
 * <li>{@code x21} holds the callee's VMContext on entry and is preserved (callee-saved in AAPCS64,
 *     so host code preserves it too); never allocated.</li>
 * <li>Integer parameters in {@code x0..x7}, float and v128 parameters in {@code v0..v7}; the rest, in
 *     parameter order, in 8-byte slots (16-byte, 16-byte aligned for a v128) of the caller's outgoing
 *     area at {@code [sp]}, {@code [sp+8]}, ...
 *     at entry, which <b>the callee pops</b> (rounded up to 16 bytes, so {@code sp} stays 16-byte
 *     aligned) by adding to {@code sp} before {@code ret}; the caller subtracts it again after the call.
 *     Several results go to the stack slots after the arguments. i32 values are zero-extended.</li>
 * <li>One result in {@code x0} or {@code v0}. Callee-saved: {@code x19..x28}, {@code x29}/{@code x30}
 *     (every function saves its frame record), the low 64 bits of {@code v8..v15} (so a v128 never
 *     stays in them across a call). {@code x16}, {@code x17},
 *     {@code v30}, {@code v31} are scratch, {@code x18} is never touched (the platform register).</li>
 * <li>Every function starts by comparing its lowest stack address with the VMContext stack limit and
 *     traps with {@code call stack exhausted} when it would cross it.</li>
 * </ul>
 *
 * <p><b>Calls to imported functions</b> go through the function's VMContext record: its code is
 * called with the internal convention, the host upcall's address in {@code x17} (read by import
 * adapters, ignored by Wasm callees) and {@code x21} set to the record's VMContext; the caller saves
 * and restores its own {@code x21}. <b>Entry trampolines</b> adapt AAPCS64 {@code (vmctx, params...) ->
 * result} to the internal convention, save every callee-saved register and link a trap-unwind record
 * (the trampoline's frame pointer in the store context's entry-frame field, the previous one and the
 * previous stack limit on the stack). A trap stores its code and branches to the unwind stub, which
 * reloads that frame pointer and runs the trampoline's epilogue.
 *
 * <p>Stateless and thread-safe.
 */
public final class Aarch64Backend implements Backend {
    /** Bytes between the entry frame pointer and sp after the trampoline's saves: x19..x28, d8..d15, the entry record. */
    private static final int ENTRY_SAVE_AREA = 80 + 64 + 16;
    private static final XReg VMCTX = CodeEmitter.VMCTX;
    private static final XReg[] SAVED_X = {XReg.X19, XReg.X20, XReg.X21, XReg.X22, XReg.X23, XReg.X24, XReg.X25,
        XReg.X26, XReg.X27, XReg.X28};

    /** Creates the backend (used by {@link java.util.ServiceLoader}). */
    public Aarch64Backend() {
    }

    @Override
    public Target target() {
        return Target.AARCH64;
    }

    /** Bytes a callee pops for the stack arguments of {@code at}: rounded up to 16, as sp stays aligned. */
    static int popped(CallingConvention.Assignment at) {
        return (at.stackArgBytes() + 15) & -16;
    }

    @Override
    public CompiledCode compileFunction(IrFunction function, FunctionEnvironment env) {
        Lowering lowering = new Lowering(function, env);
        List<MachBlock<MInst>> blocks = lowering.lower();
        LinearScan<MInst> alloc = new LinearScan<>(blocks, Aarch64Registers.DESCRIPTOR, lowering.vregs());
        alloc.run(Aarch64Registers.ISA);
        CodeEmitter emitter = new CodeEmitter(blocks, alloc, lowering.maxOutgoingStackBytes(),
                lowering.incomingStackArgBytes(), env.vmctx(), true, lowering.vregs(), lowering.hasVectors());
        emitter.frames = new dev.kiln.compiler.FrameSiteRecorder(function);
        try {
            return emitter.emit();
        } catch (IllegalArgumentException | IllegalStateException e) { // a label out of reach
            if (!emitter.emittedTestBranch()) {
                throw e;
            }
            // a tbz/tbnz target beyond +-32 KiB: emit again with tst + b.cond (reach +-1 MiB)
            CodeEmitter again = new CodeEmitter(blocks, alloc, lowering.maxOutgoingStackBytes(),
                    lowering.incomingStackArgBytes(), env.vmctx(), false, lowering.vregs(), lowering.hasVectors());
            again.frames = new dev.kiln.compiler.FrameSiteRecorder(function);
            return again.emit();
        }
    }

    @Override
    public CompiledCode compileEntryTrampoline(int funcIndex, FuncType type, VMContextLayout layout) {
        if (type.params().contains(ValType.V128) || type.results().contains(ValType.V128)) {
            return vectorEntryTrampoline(funcIndex, type, layout);
        }
        Assembler a = new Assembler();
        entryPrologue(a);

        int n = type.params().size();
        CallingConvention.Assignment host = hostAssignment(type, false);
        CallingConvention.Assignment inner = Aarch64Registers.INTERNAL.assign(type.params(), type.results());
        int reserve = (inner.stackBytes() + 15) & -16;
        if (reserve > 0) {
            a.addImm(Size.X, XReg.SP, XReg.SP, -reserve, XReg.X16);
        }
        // 1. stack-passed inner arguments, while every host register is intact; host stack arguments
        //    are at [fp + 16 + offset]
        for (int k = 0; k < n; k++) {
            CallingConvention.ArgLocation in = inner.params().get(k);
            CallingConvention.ArgLocation out = host.params().get(k + 1);
            if (in.inRegister()) {
                continue;
            }
            Address to = a.address(XReg.SP, in.stackOffset(), 8, XReg.X17);
            boolean i32 = type.params().get(k) == ValType.I32;
            if (!out.inRegister()) {
                a.ldr(i32 ? Size.W : Size.X, XReg.X16, a.address(XReg.FP, 16 + out.stackOffset(), 8, XReg.X17));
                a.str(Size.X, XReg.X16, a.address(XReg.SP, in.stackOffset(), 8, XReg.X17));
            } else if (type.params().get(k).isFloat()) {
                a.str(FpSize.D, Aarch64Registers.v(out.reg()), to);
            } else {
                a.mov(i32 ? Size.W : Size.X, XReg.X16, Aarch64Registers.x(out.reg()));
                a.str(Size.X, XReg.X16, a.address(XReg.SP, in.stackOffset(), 8, XReg.X17));
            }
        }
        // 2. integer registers shift down by one (host x(i+1) -> inner x(i), in order, so each
        //    destination has been read already); float registers coincide
        for (int k = 0; k < n; k++) {
            CallingConvention.ArgLocation in = inner.params().get(k);
            CallingConvention.ArgLocation out = host.params().get(k + 1);
            if (!in.inRegister()) {
                continue;
            }
            boolean i32 = type.params().get(k) == ValType.I32;
            if (type.params().get(k).isFloat()) {
                if (!out.inRegister()) {
                    a.ldr(FpSize.D, Aarch64Registers.v(in.reg()), a.address(XReg.FP, 16 + out.stackOffset(), 8, XReg.X17));
                } else if (out.reg() != in.reg()) {
                    a.fmov(FpSize.D, Aarch64Registers.v(in.reg()), Aarch64Registers.v(out.reg()));
                }
            } else if (!out.inRegister()) {
                a.ldr(i32 ? Size.W : Size.X, Aarch64Registers.x(in.reg()),
                        a.address(XReg.FP, 16 + out.stackOffset(), 8, XReg.X17));
            } else {
                // an i32 from the host has an undefined upper half: the W move clears it
                a.mov(i32 ? Size.W : Size.X, Aarch64Registers.x(in.reg()), Aarch64Registers.x(out.reg()));
            }
        }
        callFromEntry(a, layout, funcIndex, inner);
        int nResults = type.results().size();
        if (nResults > 1) {
            a.ldr(Size.X, XReg.X16, Address.offset(VMCTX, VMContextLayout.STORE_CONTEXT));
            a.ldr(Size.X, XReg.X16, Address.offset(XReg.X16, VMStoreContext.RESULTS));
            for (int k = 0; k < nResults; k++) {
                a.ldr(Size.X, XReg.X17, a.address(XReg.SP, inner.results().get(k).stackOffset(), 8, XReg.X9));
                a.str(Size.X, XReg.X17, a.address(XReg.X16, 8L * k, 8, XReg.X9));
            }
        }
        entryEpilogue(a);
        return new CompiledCode(a.finish(), a.relocations());
    }


    /**
     * The entry trampoline of a signature with a v128 parameter or result, which no C type of AAPCS64
     * carries: the host calls {@code void entry(vmctx, slots*)}, {@code slots} pointing to 16 bytes per
     * value (parameter k in slot k: an i32/f32 in its low 4 bytes, an i64/f64/reference in its low 8, a
     * v128 in all 16, little-endian) and, after the call, result k in slot k (the area holds
     * {@code max(params, results)} slots); the same convention as on x86-64, so the loader's call
     * path is shared. The rest is the scalar trampoline's.
     */
    private static CompiledCode vectorEntryTrampoline(int funcIndex, FuncType type, VMContextLayout layout) {
        Assembler a = new Assembler();
        entryPrologue(a);
        XReg slots = XReg.X19; // saved by the prologue: survives the call
        a.mov(Size.X, slots, XReg.X1);
        CallingConvention.Assignment inner = Aarch64Registers.INTERNAL.assign(type.params(), type.results());
        int reserve = (inner.stackBytes() + 15) & -16;
        if (reserve > 0) {
            a.addImm(Size.X, XReg.SP, XReg.SP, -reserve, XReg.X16);
        }
        List<ValType> params = type.params();
        for (int k = 0; k < params.size(); k++) {
            CallingConvention.ArgLocation in = inner.params().get(k);
            copySlot(a, params.get(k), Address.offset(slots, 16L * k), in.inRegister() ? in.reg() : -1,
                    a.address(XReg.SP, in.stackOffset() < 0 ? 0 : in.stackOffset(), 16, XReg.X17), true);
        }
        callFromEntry(a, layout, funcIndex, inner);
        List<ValType> results = type.results();
        for (int k = 0; k < results.size(); k++) {
            CallingConvention.ArgLocation out = inner.results().get(k);
            copySlot(a, results.get(k), Address.offset(slots, 16L * k), out.inRegister() ? out.reg() : -1,
                    a.address(XReg.SP, out.stackOffset() < 0 ? 0 : out.stackOffset(), 16, XReg.X17), false);
        }
        entryEpilogue(a);
        return new CompiledCode(a.finish(), a.relocations());
    }

    /**
     * Moves a value of type {@code t} between its 16-byte slot and register {@code reg} (or, reg -1, the
     * stack location {@code stack}): into the register or stack when {@code load}, else out of it. An i32
     * loaded into a register is zero-extended (the internal convention's invariant).
     */
    private static void copySlot(Assembler a, ValType t, Address slot, int reg, Address stack, boolean load) {
        if (reg >= 0) {
            if (t == ValType.V128) {
                if (load) {
                    a.ldrQ(Aarch64Registers.v(reg), slot);
                } else {
                    a.strQ(Aarch64Registers.v(reg), slot);
                }
            } else if (t.isFloat()) {
                if (load) {
                    a.ldr(FpSize.D, Aarch64Registers.v(reg), slot);
                } else {
                    a.str(FpSize.D, Aarch64Registers.v(reg), slot);
                }
            } else if (load) {
                a.ldr(t == ValType.I32 ? Size.W : Size.X, Aarch64Registers.x(reg), slot);
            } else {
                a.str(Size.X, Aarch64Registers.x(reg), slot);
            }
            return;
        }
        Address from = load ? slot : stack;
        Address to = load ? stack : slot;
        if (t == ValType.V128) {
            a.ldrQ(VReg.V16, from);
            a.strQ(VReg.V16, to);
        } else {
            a.ldr(load && t == ValType.I32 ? Size.W : Size.X, XReg.X16, from);
            a.str(Size.X, XReg.X16, to);
        }
    }

    /**
     * The entry prologue: frame record, the callee-saved registers (x19..x28, d8..d15), the VMContext
     * from x0 into x21, the trap-unwind record (previous entry frame and stack limit) and, for the
     * outermost entry, the stack limit. Leaves x1..x7 and v0..v7 (the host's arguments) intact.
     */
    private static void entryPrologue(Assembler a) {
        a.stp(Size.X, XReg.FP, XReg.LR, Address.preIndex(XReg.SP, -16));
        a.mov(Size.X, XReg.FP, XReg.SP);
        for (int i = 0; i < SAVED_X.length; i += 2) {
            a.stp(Size.X, SAVED_X[i], SAVED_X[i + 1], Address.preIndex(XReg.SP, -16));
        }
        for (int i = 8; i < 16; i += 2) {
            a.stp(FpSize.D, VReg.v(i), VReg.v(i + 1), Address.preIndex(XReg.SP, -16));
        }
        a.mov(Size.X, VMCTX, XReg.X0);
        XReg store = XReg.X16;
        a.ldr(Size.X, store, Address.offset(VMCTX, VMContextLayout.STORE_CONTEXT));
        a.ldr(Size.X, XReg.X17, Address.offset(store, VMStoreContext.ENTRY_FRAME));
        a.ldr(Size.X, XReg.X9, Address.offset(store, VMStoreContext.STACK_LIMIT));
        a.stp(Size.X, XReg.X17, XReg.X9, Address.preIndex(XReg.SP, -16));
        // The outermost entry sets the stack limit from the current stack pointer and the budget, but
        // never below the floor (the thread's stack end plus its guard zones): max(sp - budget, floor),
        // unsigned; sp - budget borrowing below 0 (carry clear) takes the floor too.
        Label haveLimit = a.newLabel();
        a.cbnz(Size.X, XReg.X9, haveLimit);
        a.ldr(Size.X, XReg.X10, Address.offset(store, VMStoreContext.STACK_BUDGET));
        a.mov(Size.X, XReg.X9, XReg.SP);
        a.subs(Size.X, XReg.X9, XReg.X9, XReg.X10);
        a.ldr(Size.X, XReg.X10, Address.offset(store, VMStoreContext.STACK_FLOOR));
        a.csel(Size.X, XReg.X9, XReg.X9, XReg.X10, Cond.HS);
        a.cmp(Size.X, XReg.X9, XReg.X10);
        a.csel(Size.X, XReg.X9, XReg.X9, XReg.X10, Cond.HS);
        a.str(Size.X, XReg.X9, Address.offset(store, VMStoreContext.STACK_LIMIT));
        a.bind(haveLimit);
        a.str(Size.X, XReg.FP, Address.offset(store, VMStoreContext.ENTRY_FRAME));
    }

    /**
     * Calls imported function {@code k} through its VMContext record: code in x16, the host upcall in
     * x17 (read by import adapters), the callee's VMContext in x21. The caller restores its own x21.
     */
    static void callImport(Assembler a, VMContextLayout layout, int k) {
        a.ldr(Size.X, XReg.X16, a.address(VMCTX, layout.importCode(k), 8, XReg.X30));
        a.ldr(Size.X, XReg.X17, a.address(VMCTX, layout.importUpcall(k), 8, XReg.X30));
        a.ldr(Size.X, VMCTX, a.address(VMCTX, layout.importVmctx(k), 8, XReg.X30));
        a.blr(XReg.X16);
    }

    /** Unlinks the entry record, restores the callee-saved registers and returns to the host. */
    private static void entryEpilogue(Assembler a) {
        a.sub(Size.X, XReg.SP, XReg.FP, ENTRY_SAVE_AREA);
        a.ldr(Size.X, XReg.X16, Address.offset(VMCTX, VMContextLayout.STORE_CONTEXT));
        a.ldp(Size.X, XReg.X17, XReg.X9, Address.postIndex(XReg.SP, 16));
        a.str(Size.X, XReg.X9, Address.offset(XReg.X16, VMStoreContext.STACK_LIMIT));
        a.str(Size.X, XReg.X17, Address.offset(XReg.X16, VMStoreContext.ENTRY_FRAME));
        for (int i = 14; i >= 8; i -= 2) {
            a.ldp(FpSize.D, VReg.v(i), VReg.v(i + 1), Address.postIndex(XReg.SP, 16));
        }
        for (int i = SAVED_X.length - 2; i >= 0; i -= 2) {
            a.ldp(Size.X, SAVED_X[i], SAVED_X[i + 1], Address.postIndex(XReg.SP, 16));
        }
        a.ldp(Size.X, XReg.FP, XReg.LR, Address.postIndex(XReg.SP, 16));
        a.ret();
    }

    /**
     * {@inheritDoc}
     *
     * <p>A signature with several results passes the host a pointer to a results area in the adapter's
     * frame (8 bytes per result, in order) as the second integer argument, after the VMContext; the
     * adapter copies the results to the caller's stack result slots.
     */
    @Override
    public CompiledCode compileImportAdapter(FuncType type, VMContextLayout layout) {
        if (type.params().contains(ValType.V128) || type.results().contains(ValType.V128)) {
            return vectorImportAdapter(type);
        }
        int n = type.params().size();
        int nResults = type.results().size();
        boolean resultArea = nResults > 1;
        CallingConvention.Assignment inner = Aarch64Registers.INTERNAL.assign(type.params(), type.results());
        CallingConvention.Assignment host = hostAssignment(type, resultArea);
        int lead = resultArea ? 2 : 1;
        Assembler a = new Assembler();
        a.stp(Size.X, XReg.FP, XReg.LR, Address.preIndex(XReg.SP, -16));
        a.mov(Size.X, XReg.FP, XReg.SP);
        int area = (host.stackArgBytes() + 15) & -16;
        int reserve = area + ((8 * (resultArea ? nResults : 0) + 15) & -16);
        if (reserve > 0) {
            a.addImm(Size.X, XReg.SP, XReg.SP, -reserve, XReg.X16);
        }
        // 1. host stack arguments first, while every inner register is intact; inner stack arguments
        //    are at [fp + 16 + offset]
        for (int k = 0; k < n; k++) {
            CallingConvention.ArgLocation in = inner.params().get(k);
            CallingConvention.ArgLocation out = host.params().get(k + lead);
            if (out.inRegister()) {
                continue;
            }
            Address to = a.address(XReg.SP, out.stackOffset(), 8, XReg.X9);
            if (!in.inRegister()) {
                a.ldr(Size.X, XReg.X16, a.address(XReg.FP, 16 + in.stackOffset(), 8, XReg.X9));
                a.str(Size.X, XReg.X16, a.address(XReg.SP, out.stackOffset(), 8, XReg.X9));
            } else if (type.params().get(k).isFloat()) {
                a.str(FpSize.D, Aarch64Registers.v(in.reg()), to);
            } else {
                a.str(Size.X, Aarch64Registers.x(in.reg()), to);
            }
        }
        // 2. integer registers shift up by the leading arguments, from the last one
        for (int k = n - 1; k >= 0; k--) {
            CallingConvention.ArgLocation out = host.params().get(k + lead);
            if (!out.inRegister() || type.params().get(k).isFloat()) {
                continue;
            }
            CallingConvention.ArgLocation in = inner.params().get(k);
            if (in.inRegister()) {
                a.mov(Size.X, Aarch64Registers.x(out.reg()), Aarch64Registers.x(in.reg()));
            } else {
                a.ldr(Size.X, Aarch64Registers.x(out.reg()), a.address(XReg.FP, 16 + in.stackOffset(), 8, XReg.X16));
            }
        }
        for (int k = 0; k < n; k++) {
            CallingConvention.ArgLocation in = inner.params().get(k);
            CallingConvention.ArgLocation out = host.params().get(k + lead);
            if (out.inRegister() && type.params().get(k).isFloat() && !in.inRegister()) {
                a.ldr(FpSize.D, Aarch64Registers.v(out.reg()), a.address(XReg.FP, 16 + in.stackOffset(), 8, XReg.X16));
            }
        }
        a.mov(Size.X, XReg.X0, VMCTX);
        if (resultArea) {
            a.addImm(Size.X, XReg.X1, XReg.SP, area, XReg.X16);
        }
        a.blr(XReg.X17);
        if (nResults == 1 && type.results().get(0) == ValType.I32) {
            a.mov(Size.W, XReg.X0, XReg.X0); // a Java int: the upper half is undefined, Wasm keeps it zero
        }
        unwindIfTheHostFailed(a);
        if (resultArea) {
            for (int k = 0; k < nResults; k++) {
                Size s = type.results().get(k) == ValType.I32 ? Size.W : Size.X;
                a.ldr(s, XReg.X16, a.address(XReg.SP, area + 8L * k, 8, XReg.X9));
                a.str(Size.X, XReg.X16, a.address(XReg.FP, 16 + inner.results().get(k).stackOffset(), 8, XReg.X9));
            }
        }
        return adapterReturn(a, inner);
    }

    /** The end of an import adapter: its frame record popped, the caller's stack arguments popped ({@code inner}), {@code ret}. */
    private static CompiledCode adapterReturn(Assembler a, CallingConvention.Assignment inner) {
        a.mov(Size.X, XReg.SP, XReg.FP);
        a.ldp(Size.X, XReg.FP, XReg.LR, Address.postIndex(XReg.SP, 16));
        int popped = popped(inner);
        if (popped > 0) {
            a.addImm(Size.X, XReg.SP, XReg.SP, popped, XReg.X16); // called with the internal convention: the callee pops
        }
        a.ret();
        return new CompiledCode(a.finish(), a.relocations());
    }

    /**
     * The part of an import adapter after the host call: a host function that threw (or trapped) left
     * a trap code, and the adapter unwinds to the entry; one that threw a Wasm exception (its object
     * pending, trap code {@code UNCAUGHT_EXCEPTION}) throws it from here. Falls through when the call
     * succeeded. Needs the adapter's frame record.
     */
    private static void unwindIfTheHostFailed(Assembler a) {
        // the throw starts the unwinder at this frame record's return-address slot
        Label ok = a.newLabel();
        Label unwind = a.newLabel();
        a.ldr(Size.X, XReg.X16, Address.offset(VMCTX, VMContextLayout.STORE_CONTEXT));
        a.ldr(Size.W, XReg.X9, Address.offset(XReg.X16, VMStoreContext.TRAP_CODE));
        a.cbz(Size.W, XReg.X9, ok);
        a.cmp(Size.W, XReg.X9, dev.kiln.abi.TrapCode.UNCAUGHT_EXCEPTION.code());
        a.b(Cond.NE, unwind);
        a.str(Size.W, XReg.XZR, Address.offset(XReg.X16, VMStoreContext.TRAP_CODE));
        a.mov(Size.X, XReg.X0, VMCTX);
        a.ldr(Size.X, XReg.X1, Address.offset(XReg.X16, VMStoreContext.PENDING_EXCEPTION));
        a.addImm(Size.X, XReg.X2, XReg.FP, 8, XReg.X16);
        a.ldr(Size.X, XReg.X16, a.address(VMCTX, VMContextLayout.libcall(VMContextLayout.LIBCALL_THROW), 8, XReg.X17));
        a.blr(XReg.X16);
        a.cbz(Size.X, XReg.X0, unwind); // uncaught below the entry: the libcall left the trap code
        CodeEmitter.resumeCatchingFrame(a, XReg.X16, XReg.X17);
        a.bind(unwind);
        a.movImm(Size.X, XReg.X17, 0); // for the backtrace: this frame record holds the Wasm caller's return address
        a.bSymbol(Relocation.UNWIND_STUB);
        a.bind(ok);
    }

    /**
     * The import adapter of a signature with a v128, for a host function: the host's C signature is
     * {@code void (vmctx, slots*)} with the slot area of {@link #vectorEntryTrampoline} (parameter k in
     * slot k before the call, result k in slot k after it, 16 bytes each) in the adapter's frame, as on
     * x86-64. The host's address is in {@code x17}, as for every import adapter. A function imported from
     * another instance is called directly, without an adapter.
     */
    private static CompiledCode vectorImportAdapter(FuncType type) {
        CallingConvention.Assignment inner = Aarch64Registers.INTERNAL.assign(type.params(), type.results());
        List<ValType> params = type.params();
        List<ValType> results = type.results();
        Assembler a = new Assembler();
        a.stp(Size.X, XReg.FP, XReg.LR, Address.preIndex(XReg.SP, -16));
        a.mov(Size.X, XReg.FP, XReg.SP);
        a.addImm(Size.X, XReg.SP, XReg.SP, -16 * Math.max(1, Math.max(params.size(), results.size())), XReg.X16);
        for (int k = 0; k < params.size(); k++) {
            CallingConvention.ArgLocation in = inner.params().get(k);
            copySlot(a, params.get(k), Address.offset(XReg.SP, 16L * k), in.inRegister() ? in.reg() : -1,
                    in.inRegister() ? null : a.address(XReg.FP, 16 + in.stackOffset(), 16, XReg.X9), false);
        }
        a.mov(Size.X, XReg.X0, VMCTX);
        a.mov(Size.X, XReg.X1, XReg.SP);
        a.blr(XReg.X17);
        unwindIfTheHostFailed(a);
        for (int k = 0; k < results.size(); k++) {
            CallingConvention.ArgLocation out = inner.results().get(k);
            copySlot(a, results.get(k), Address.offset(XReg.SP, 16L * k), out.inRegister() ? out.reg() : -1,
                    out.inRegister() ? null : a.address(XReg.FP, 16 + out.stackOffset(), 16, XReg.X9), true);
        }
        return adapterReturn(a, inner);
    }

    /**
     * The call of an entry trampoline: function {@code funcIndex} (an import through its record), then sp
     * back down by the stack arguments the callee popped (the internal convention {@code inner}).
     */
    private static void callFromEntry(Assembler a, VMContextLayout layout, int funcIndex, CallingConvention.Assignment inner) {
        if (funcIndex < layout.importedFunctions()) {
            callImport(a, layout, funcIndex);
        } else {
            a.blSymbol(funcIndex);
        }
        int popped = popped(inner);
        if (popped > 0) {
            a.addImm(Size.X, XReg.SP, XReg.SP, -popped, XReg.X16); // the callee popped its stack arguments
        }
    }

    /** Host (AAPCS64) locations of {@code (vmctx, [results*,] params...)}. */
    private static CallingConvention.Assignment hostAssignment(FuncType type, boolean resultsPointer) {
        List<ValType> params = new ArrayList<>(type.params().size() + 2);
        params.add(ValType.I64);
        if (resultsPointer) {
            params.add(ValType.I64);
        }
        params.addAll(type.params());
        return Aarch64Registers.HOST.assign(params, type.results().size() == 1 ? type.results() : List.of());
    }

    /**
     * {@inheritDoc}
     *
     * <p>On AArch64 the stub is entered by a branch with x17 holding the address of the trap site (or of
     * the return address of a libcall that trapped), x29 the trapping function's frame record (its
     * caller's in a prologue or a frameless function, with x30 the return address), or with x17 0 when
     * x29's frame record holds the return address of a Wasm call (an import adapter or an epoch stub
     * whose callee left a trap code). It first calls the backtrace libcall with the store context, a
     * pointer to {x29, x30, x17} and whether x17 is set, then unwinds.
     */
    @Override
    public CompiledCode compileUnwindStub(VMContextLayout layout) {
        Assembler a = new Assembler();
        backtraceAndUnwind(a);
        return new CompiledCode(a.finish(), a.relocations());
    }

    /**
     * The unwind stub's code ({@link #compileUnwindStub}), also the tail of the guard-page handler's
     * resume stub ({@link SignalHandlerStub}): entered with the trap code stored and x17, x29, x30 as
     * described there; never returns. Position-independent, no relocations.
     */
    static void backtraceAndUnwind(Assembler a) {
        Label none = a.newLabel();
        a.ldr(Size.X, XReg.X0, Address.offset(VMCTX, VMContextLayout.STORE_CONTEXT));
        a.ldr(Size.X, XReg.X9, Address.offset(XReg.X0, VMStoreContext.BACKTRACE_LIBCALL));
        a.cbz(Size.X, XReg.X9, none);
        a.sub(Size.X, XReg.SP, XReg.SP, 32);
        a.stp(Size.X, XReg.FP, XReg.LR, Address.offset(XReg.SP, 0));
        a.str(Size.X, XReg.X17, Address.offset(XReg.SP, 16));
        a.mov(Size.X, XReg.X1, XReg.SP);
        a.cmp(Size.X, XReg.X17, 0);
        a.cset(Size.W, XReg.X2, Cond.NE);
        a.blr(XReg.X9);
        a.bind(none);
        a.ldr(Size.X, XReg.X16, Address.offset(VMCTX, VMContextLayout.STORE_CONTEXT));
        a.ldr(Size.X, XReg.FP, Address.offset(XReg.X16, VMStoreContext.ENTRY_FRAME));
        entryEpilogue(a);
    }

    @Override
    public void applyRelocation(byte[] text, int pieceOffset, Relocation r, int symbolOffset) {
        Assembler.applyRelocation(text, pieceOffset, r, symbolOffset);
    }

    /** {@inheritDoc} On AArch64: {@link SignalHandlerStub#generate()}. */
    @Override
    public byte[] guardSignalHandler() {
        return SignalHandlerStub.generate();
    }

    /** Pads with {@code udf #0} (all-zero words), so stray jumps between functions stop with SIGILL. */
    @Override
    public void fillPadding(byte[] text, int from, int to) {
        java.util.Arrays.fill(text, from, to, (byte) 0);
    }
}
