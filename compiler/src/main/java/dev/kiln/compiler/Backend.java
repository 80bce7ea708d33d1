package dev.kiln.compiler;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.Target;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.compiler.ir.IrFunction;

/**
 * A code generator for one instruction set: lowers IR functions to machine code and emits the
 * entry trampolines and runtime stubs that the loader calls. Found through {@link java.util.ServiceLoader}
 * (each {@code arch-*} module provides one).
 *
 * <p>Code produced here is position independent; references between pieces of code are
 * {@link Relocation}s that the driver resolves when it lays out {@code .text}. Implementations are
 * stateless and thread-safe: the driver compiles functions in parallel.
 */
public interface Backend {
    /** The instruction set this backend generates. */
    Target target();

    /**
     * Compiles one function.
     *
     * @param function verified SSA IR; the backend may modify it (edge splitting)
     * @param env      what the function can see of its module
     * @throws dev.kiln.abi.CompileException if the function uses something the backend cannot lower yet
     */
    CompiledCode compileFunction(IrFunction function, FunctionEnvironment env);

    /**
     * Compiles the entry trampoline for calling function {@code funcIndex} of type {@code type} from
     * the host: a function of the platform's C calling convention taking {@code (vmctx, params...)}
     * and returning the Wasm result, which links a trap-unwind record into the VMContext, sets the
     * stack limit on the outermost entry, and restores both on the way out.
     */
    CompiledCode compileEntryTrampoline(int funcIndex, FuncType type, VMContextLayout layout);

    /**
     * Compiles the import adapter for imported functions of type {@code type}: called like a Wasm
     * function (internal convention) with the host upcall's address in a scratch register, it calls
     * the upcall with the platform's C convention, {@code (vmctx, params...) -> result}, and unwinds
     * to the entry if the host left a trap code in the store context.
     *
     * @throws dev.kiln.abi.CompileException if the signature is not supported yet
     */
    CompiledCode compileImportAdapter(FuncType type, VMContextLayout layout);

    /**
     * Compiles the shared trap-unwind stub (symbol {@link Relocation#UNWIND_STUB}): entered by a jump
     * from a trap site once the trap code is stored, it returns to the host caller of the innermost
     * entry trampoline of the VMContext.
     */
    CompiledCode compileUnwindStub(VMContextLayout layout);

    /**
     * Compiles the module's shared stub for trap {@code code} (symbol {@link Relocation#trapStub}),
     * for backends whose functions reach their traps through it rather than through stubs of their
     * own: called from a trap site's out-of-line call (the return address names the site), it stores
     * the code in the store context and jumps to the unwind stub. Only compiled when some function
     * refers to it.
     *
     * @throws UnsupportedOperationException if this backend keeps its trap stubs inside each function
     *         (its functions then never refer to the symbol)
     */
    default CompiledCode compileTrapStub(dev.kiln.abi.TrapCode code, VMContextLayout layout) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps its trap stubs in each function");
    }

    /**
     * Writes relocation {@code r} of a piece placed at {@code pieceOffset} in {@code text}, whose
     * symbol was placed at {@code symbolOffset} (byte offsets in the linked text).
     *
     * @throws dev.kiln.abi.CompileException if the value does not fit the field (the text is too large
     *         for the relocation's range)
     * @throws IllegalArgumentException if {@code r}'s kind is not one of this backend's
     */
    void applyRelocation(byte[] text, int pieceOffset, Relocation r, int symbolOffset);

    /**
     * Fills {@code text[from, to)} (space between functions) with an instruction that traps, so a stray
     * jump there stops in a debugger ({@code int3} on x86-64, {@code udf} on AArch64); {@code from} and
     * {@code to} are multiples of the backend's function alignment.
     */
    void fillPadding(byte[] text, int from, int to);

    /**
     * The machine code of the guard-page signal handler ({@link dev.kiln.abi.GuardHandlerLayout}), or
     * null if this backend has none: then {@link dev.kiln.abi.BoundsChecks#GUARD} compiles explicit
     * checks, as {@link dev.kiln.abi.BoundsChecks#EXPLICIT} does. A compiler writes the code into each
     * artifact compiled with guard-page checks, so the loader can install it without a compiler.
     */
    default byte[] guardSignalHandler() {
        return null;
    }
}
