package dev.kiln.compiler;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.VMContextLayout;

/**
 * What a function being compiled can see of its module. Implementations are immutable and
 * thread-safe (functions compile in parallel).
 */
public interface FunctionEnvironment {
    /** The type of function {@code funcIndex} (imports included). */
    FuncType functionType(int funcIndex);

    /** How many functions are imported (funcidx below this are called through their VMContext record). */
    default int importedFunctionCount() {
        return vmctx().importedFunctions();
    }

    /**
     * Whether a call to defined function {@code funcIndex} may return with another instance's
     * VMContext in the VMContext register: the function, or one it reaches through direct tail calls,
     * ends in a tail call to an imported function or through a function record
     * ({@code return_call_ref}), whose callee returns straight to the caller. The caller then reloads
     * its own VMContext after the call; without such tail calls the register is callee-saved.
     */
    default boolean mayReturnInAnotherInstance(int funcIndex) {
        return false;
    }

    /** Function type {@code typeIndex} of the module. */
    FuncType type(int typeIndex);

    /** The VMContext layout of the module. */
    VMContextLayout vmctx();

    /**
     * Whether a trap site may fault instead of calling its trap stub: the artifact carries the
     * guard-page signal handler ({@code BoundsChecks.GUARD}), which the loader installs before any of
     * its code runs and which turns the fault into the trap (on x86-64, a {@code ud1} whose ModRM byte
     * holds the trap code: 3 bytes instead of a 5-byte call). False by default.
     */
    default boolean signalTraps() {
        return false;
    }

    /** The optional CPU features the generated code may use (the target machine's). */
    java.util.Set<dev.kiln.abi.CpuFeature> cpuFeatures();
}
