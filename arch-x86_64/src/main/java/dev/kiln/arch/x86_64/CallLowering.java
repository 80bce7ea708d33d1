package dev.kiln.arch.x86_64;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.mach.CallingConvention;
import java.util.ArrayList;
import java.util.List;

/**
 * Calls and returns under Kiln's internal convention ({@link X86Registers#INTERNAL}, documented in
 * {@code compiler.mach.CallingConvention}): incoming parameters, direct calls, calls of imported
 * functions and through function records ({@code call_ref}, {@code call_indirect}), libcalls into
 * the runtime (System V, the VMContext first), and returns with one result in a register or several
 * in the caller's outgoing area. Every argument and result location comes from the calling
 * convention; the callee pops its stack arguments. Not thread-safe: part of one function's
 * {@link Lowering}.
 */
final class CallLowering extends LoweringRules {
    /** Where this function's parameters and results are (internal convention). */
    private final CallingConvention.Assignment incoming;
    private int maxOutgoingStackBytes;

    CallLowering(Lowering l) {
        super(l);
        this.incoming = X86Registers.INTERNAL.assign(l.function().signature().params(),
                l.function().signature().results());
    }

    /** Bytes of the largest stack area (arguments and results) of any call in the function. */
    int maxOutgoingStackBytes() {
        return maxOutgoingStackBytes;
    }

    /** Bytes of stack arguments the function pops when it returns (internal convention: the callee pops). */
    int incomingStackArgBytes() {
        return incoming.stackArgBytes();
    }

    @Override
    void lower(Inst inst) {
        switch (inst.op()) {
            case CALL -> call(inst);
            case RETURN_CALL, RETURN_CALL_REF -> tailCall(inst);
            case CALL_REF -> {
                int ref = use(inst.arg(inst.args().size() - 1));
                MInst m = new MInst(MOp.CALL_REF);
                m.imm = inst.imm();
                m.src = ref;
                ExceptionLowering.markInTry(inst, m);
                callWith(inst, l.env().type((int) inst.imm()), inst.args().size() - 1, m, ref);
            }
            case LIBCALL -> {
                int n = inst.args().size();
                if (n > X86Registers.INT_ARGS.length - 1) {
                    throw new CompileException("libcall with " + n + " arguments");
                }
                int[] vals = new int[n];
                for (int i = 0; i < n; i++) {
                    vals[i] = use(inst.arg(i));
                }
                int[] pregs = new int[n];
                for (int i = 0; i < n; i++) {
                    pregs[i] = X86Registers.INT_ARGS[i + 1].encoding(); // rdi carries the VMContext
                    mov(Size.S64, pregs[i], vals[i]);
                }
                MInst m = new MInst(MOp.LIBCALL);
                m.imm = inst.imm();
                emit(m.uses(pregs).defs(callClobbers()));
                if (inst.resultCount() != 0 && inst.result().type() == dev.kiln.compiler.ir.IrType.I64) {
                    mov(Size.S64, vreg(inst.result()), Gpr.RAX.encoding()); // a Java long (an address)
                } else if (inst.resultCount() != 0) {
                    zext32(vreg(inst.result()), Gpr.RAX.encoding()); // a Java int: upper half undefined
                }
            }
            case RETURN -> {
                ArrayList<Value> rets = inst.args();
                MInst ret = new MInst(MOp.RET);
                if (rets.size() > 1) {
                    // several results: into the caller's outgoing area, after its stack arguments
                    for (int k = 0; k < rets.size(); k++) {
                        int v = use(inst.arg(k));
                        MInst st = new MInst(MOp.STORE_RESULT);
                        st.size = sizeOf(rets.get(k).type());
                        st.width = vectorWidth(rets.get(k).type());
                        st.src = v;
                        st.imm = incoming.results().get(k).stackOffset();
                        emit(st.uses(v));
                    }
                    emit(ret);
                    return;
                }
                if (rets.size() == 1) {
                    int out = incoming.results().get(0).reg();
                    mov(sizeOf(rets.get(0).type()), out, use(inst.arg(0)));
                    ret.uses(out);
                }
                emit(ret);
            }
            default -> throw new IllegalStateException("not a call or return: " + inst.op());
        }
    }


    /** Moves the function's parameters from where the internal convention puts them into their virtual registers. */
    void lowerParams(Block entry) {
        List<Value> params = entry.params();
        for (int k = 0; k < params.size(); k++) {
            Value p = params.get(k);
            CallingConvention.ArgLocation at = incoming.params().get(k);
            Size s = sizeOf(p.type());
            int dst = vreg(p);
            MInst m;
            if (!at.inRegister()) {
                m = new MInst(MOp.LOAD_STACK_PARAM);
                m.imm = at.stackOffset();
                m.size = s;
                m.width = vectorWidth(p.type());
                m.dst = dst;
                emit(m.defs(dst));
                continue;
            }
            if (isFloat(p.type())) {
                m = new MInst(MOp.XMOV);
                m.size = s;
            } else {
                m = new MInst(MOp.MOV_RR);
                m.size = Size.S64;
            }
            m.dst = dst;
            m.src = at.reg();
            emit(m.uses(at.reg()).defs(dst));
        }
    }

    private void call(Inst inst) {
        int callee = (int) inst.imm();
        FuncType ct = l.env().functionType(callee);
        MInst m = new MInst(callee < l.env().importedFunctionCount() ? MOp.CALL_IMPORT : MOp.CALL);
        m.imm = callee;
        m.reloadsVmctx = m.op == MOp.CALL && l.env().mayReturnInAnotherInstance(callee);
        ExceptionLowering.markInTry(inst, m);
        callWith(inst, ct, inst.args().size(), m, MInst.NONE);
    }

    /**
     * {@code return_call} and {@code return_call_ref}: arguments as for a call (stack arguments staged
     * in the outgoing area), then the tail call itself ({@link TailCall}), which ends the block.
     */
    private void tailCall(Inst inst) {
        int n = inst.args().size();
        int k = (int) inst.imm();
        if (inst.op() == Op.RETURN_CALL_REF) {
            MInst m = new MInst(MOp.RETURN_CALL_REF);
            m.imm = k;
            m.src = use(inst.arg(n - 1));
            callWith(inst, l.env().type(k), n - 1, m, m.src);
        } else {
            MInst m = new MInst(k < l.env().importedFunctionCount() ? MOp.RETURN_CALL_IMPORT : MOp.RETURN_CALL);
            m.imm = k;
            callWith(inst, l.env().functionType(k), n, m, MInst.NONE);
        }
    }

    /**
     * A call of type {@code ct} passing the first {@code n} operands of {@code inst}; {@code m} is the
     * call instruction itself and {@code extraUse} a virtual register it reads besides the arguments
     * (the table index of call_indirect), or NONE.
     */
    private void callWith(Inst inst, FuncType ct, int n, MInst m, int extraUse) {
        if (m.op == MOp.RETURN_CALL || m.op == MOp.RETURN_CALL_IMPORT || m.op == MOp.RETURN_CALL_REF) {
            CallingConvention.Assignment tail = X86Registers.INTERNAL.assign(ct.params(), ct.results());
            for (CallingConvention.ArgLocation p : tail.params()) {
                if (!p.inRegister() && p.type() == ValType.V128) {
                    throw new CompileException("tail calls passing v128 arguments on the stack are not supported by"
                            + " the x86-64 backend yet (in function " + l.function().funcIndex() + ")");
                }
            }
        }
        int[] argRegs = new int[n];
        for (int i = 0; i < n; i++) {
            argRegs[i] = use(inst.arg(i));
        }
        // argument locations: as the callee's lowerParams sees them
        CallingConvention.Assignment at = X86Registers.INTERNAL.assign(ct.params(), ct.results());
        int[] argPreg = new int[n];
        for (int i = 0; i < n; i++) {
            CallingConvention.ArgLocation loc = at.params().get(i);
            argPreg[i] = loc.reg();
            if (!loc.inRegister()) {
                MInst st = new MInst(MOp.STORE_STACK_ARG);
                st.size = isFloat(inst.arg(i).type()) ? sizeOf(inst.arg(i).type()) : Size.S64;
                st.width = vectorWidth(inst.arg(i).type());
                st.src = argRegs[i];
                st.imm = loc.stackOffset();
                emit(st.uses(argRegs[i]));
            }
        }
        maxOutgoingStackBytes = Math.max(maxOutgoingStackBytes, at.stackBytes());
        int[] callUses = new int[n + 1];
        int uses = 0;
        for (int i = 0; i < n; i++) {
            if (argPreg[i] != MInst.NONE) {
                mov(sizeOf(inst.arg(i).type()), argPreg[i], argRegs[i]);
                callUses[uses++] = argPreg[i];
            }
        }
        if (extraUse != MInst.NONE) {
            callUses[uses++] = extraUse;
        }
        m.popped = at.stackArgBytes();
        if (m.op == MOp.RETURN_CALL || m.op == MOp.RETURN_CALL_IMPORT || m.op == MOp.RETURN_CALL_REF) {
            emit(m.uses(java.util.Arrays.copyOf(callUses, uses))); // nothing after it: no clobbers, no results
            return;
        }
        emit(m.uses(java.util.Arrays.copyOf(callUses, uses)).defs(m.inTry ? ExceptionLowering.allAllocatable()
                : callClobbers()));
        if (inst.resultCount() == 1) {
            Value r = inst.results().get(0);
            mov(sizeOf(r.type()), vreg(r), at.results().get(0).reg());
        } else {
            for (int k = 0; k < inst.resultCount(); k++) {
                Value r = inst.results().get(k);
                int dst = vreg(r);
                MInst ld = new MInst(MOp.LOAD_RESULT);
                ld.size = sizeOf(r.type());
                ld.width = vectorWidth(r.type());
                ld.dst = dst;
                ld.imm = at.results().get(k).stackOffset();
                emit(ld.defs(dst));
            }
        }
    }

    /** {@link MInst#width} of a stack slot access: 16 for a v128 (all its bytes), else 0 (8 bytes). */
    private static int vectorWidth(dev.kiln.compiler.ir.IrType t) {
        return t.isVector() ? 16 : 0;
    }

    private static int[] callClobbers() {
        return X86Registers.CALLER_SAVED.clone();
    }
}
