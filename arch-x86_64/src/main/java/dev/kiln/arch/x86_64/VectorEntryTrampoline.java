package dev.kiln.arch.x86_64;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.CompiledCode;
import dev.kiln.compiler.mach.CallingConvention;
import java.util.List;

/**
 * The entry trampoline of a function whose signature has a {@code v128} parameter or result, which
 * no C type of the host convention carries: the host calls {@code void entry(vmctx, slots*)} where
 * {@code slots} points to 16 bytes per value, 16-byte aligned: parameter k in slot k (little-endian;
 * an i32/f32 in its low 4 bytes, an i64/f64/reference in its low 8, a v128 in all 16) and, after the
 * call, result k in slot k (the area must hold {@code max(params, results)} slots). The rest is the
 * scalar trampoline's: prologue, the call in the internal convention, epilogue; a trap unwinds through
 * the same epilogue with the store's trap code set. Stateless.
 */
final class VectorEntryTrampoline {
    private VectorEntryTrampoline() {
    }

    /** The trampoline entering function {@code funcIndex} of {@code type}. */
    static CompiledCode compile(int funcIndex, FuncType type, VMContextLayout layout) {
        Assembler a = new Assembler();
        X86_64Backend.entryPrologue(a);
        Gpr slots = Gpr.RBX; // saved by the prologue: survives the call
        a.mov(Size.S64, slots, Gpr.RSI);
        CallingConvention.Assignment inner = X86Registers.INTERNAL.assign(type.params(), type.results());
        int reserve = inner.stackBytes();
        if ((X86_64Backend.ENTRY_SAVE_AREA + reserve) % 16 != 0) {
            reserve += 8;
        }
        if (reserve > 0) {
            a.aluImm(AluOp.SUB, Size.S64, Gpr.RSP, reserve);
        }
        List<ValType> params = type.params();
        for (int k = 0; k < params.size(); k++) {
            CallingConvention.ArgLocation in = inner.params().get(k);
            Mem from = Mem.of(slots, 16 * k);
            copy(a, params.get(k), from, in.inRegister() ? in.reg() : -1, Mem.of(Gpr.RSP, in.stackOffset()));
        }
        if (funcIndex < layout.importedFunctions()) {
            X86_64Backend.callImport(a, layout, funcIndex);
        } else {
            a.callRel32(funcIndex);
        }
        if (inner.stackArgBytes() > 0) {
            a.aluImm(AluOp.SUB, Size.S64, Gpr.RSP, inner.stackArgBytes()); // the callee popped its stack arguments
        }
        List<ValType> results = type.results();
        for (int k = 0; k < results.size(); k++) {
            CallingConvention.ArgLocation out = inner.results().get(k);
            Mem to = Mem.of(slots, 16 * k);
            ValType t = results.get(k);
            if (out.inRegister()) {
                if (t == ValType.V128) {
                    a.movups(to, X86_64Backend.xmm(out.reg()));
                } else if (t.isFloat()) {
                    a.movsd(to, X86_64Backend.xmm(out.reg()));
                } else {
                    a.mov(Size.S64, to, Gpr.of(out.reg()));
                }
            } else {
                copy(a, t, Mem.of(Gpr.RSP, out.stackOffset()), -1, to);
            }
        }
        X86_64Backend.entryEpilogue(a, CodeEmitter.VMCTX);
        return new CompiledCode(a.finish(), a.relocations());
    }

    /**
     * The import adapter of a signature with a v128, for a host function: the host's C signature is
     * {@code void (vmctx, slots*)} with the slot area of {@link #compile} (parameter k in slot k before
     * the call, result k in slot k after it, 16 bytes each), which the adapter keeps in its frame. It
     * stores the parameters from where the internal convention put them, calls the host (its address
     * in {@code r10}, as for every import adapter), unwinds if the host failed
     * ({@link X86_64Backend#unwindIfTheHostFailed}), then loads the results where the internal
     * convention wants them and pops the caller's stack arguments. A function imported from another
     * instance is called directly, without an adapter.
     */
    static CompiledCode importAdapter(FuncType type) {
        CallingConvention.Assignment inner = X86Registers.INTERNAL.assign(type.params(), type.results());
        List<ValType> params = type.params();
        List<ValType> results = type.results();
        Assembler a = new Assembler();
        a.push(Gpr.RBP);
        a.mov(Size.S64, Gpr.RBP, Gpr.RSP);
        a.aluImm(AluOp.SUB, Size.S64, Gpr.RSP, 16 * Math.max(1, Math.max(params.size(), results.size())));
        for (int k = 0; k < params.size(); k++) {
            CallingConvention.ArgLocation in = inner.params().get(k);
            Mem slot = Mem.of(Gpr.RSP, 16 * k);
            if (in.inRegister()) {
                store(a, params.get(k), in.reg(), slot);
            } else {
                copy(a, params.get(k), Mem.of(Gpr.RBP, 16 + in.stackOffset()), -1, slot);
            }
        }
        a.mov(Size.S64, Gpr.RDI, CodeEmitter.VMCTX);
        a.mov(Size.S64, Gpr.RSI, Gpr.RSP);
        a.call(Gpr.R10);
        X86_64Backend.unwindIfTheHostFailed(a, inner.stackArgBytes());
        for (int k = 0; k < results.size(); k++) {
            CallingConvention.ArgLocation out = inner.results().get(k);
            Mem slot = Mem.of(Gpr.RSP, 16 * k);
            copy(a, results.get(k), slot, out.inRegister() ? out.reg() : -1,
                    out.inRegister() ? null : Mem.of(Gpr.RBP, 16 + out.stackOffset()));
        }
        a.mov(Size.S64, Gpr.RSP, Gpr.RBP);
        a.pop(Gpr.RBP);
        a.ret(inner.stackArgBytes()); // called with the internal convention: the callee pops
        return new CompiledCode(a.finish(), a.relocations());
    }

    /** Stores register {@code reg} holding a value of type {@code t} to {@code to}, its whole slot width. */
    private static void store(Assembler a, ValType t, int reg, Mem to) {
        if (t == ValType.V128) {
            a.movups(to, X86_64Backend.xmm(reg));
        } else if (t.isFloat()) {
            a.movsd(to, X86_64Backend.xmm(reg));
        } else {
            a.mov(Size.S64, to, Gpr.of(reg));
        }
    }

    /** Moves a value of type {@code t} from {@code from} into register {@code reg}, or (reg -1) to {@code to}. */
    private static void copy(Assembler a, ValType t, Mem from, int reg, Mem to) {
        boolean xmm = t == ValType.V128 || t.isFloat();
        if (reg >= 0) {
            if (t == ValType.V128) {
                a.movups(X86_64Backend.xmm(reg), from);
            } else if (xmm) {
                a.movsd(X86_64Backend.xmm(reg), from);
            } else {
                // an i32 is zero-extended in its register (the internal convention's invariant)
                a.mov(t == ValType.I32 ? Size.S32 : Size.S64, Gpr.of(reg), from);
            }
        } else if (t == ValType.V128) {
            a.movups(Xmm.XMM15, from);
            a.movups(to, Xmm.XMM15);
        } else {
            a.mov(t == ValType.I32 ? Size.S32 : Size.S64, Gpr.R11, from);
            a.mov(Size.S64, to, Gpr.R11);
        }
    }
}
