package dev.kiln.compiler;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.CompileTimeBuiltins;

/**
 * The service that links a guest module with compile-time builtins and exposes the unsafe
 * intrinsics (DESIGN §4), found by {@link KilnCompilerService} through
 * {@link java.util.ServiceLoader}; {@code kiln-builtins} provides it, so the compiler itself does not
 * depend on the builtins. Implementations are thread-safe.
 */
public interface BuiltinLinker {
    /**
     * Links {@code guest} with {@code builtins} into one compilation unit.
     *
     * @param guest     the guest module, binary or text
     * @param guestName the guest's name for error messages (a file name), or {@code null}
     * @param builtins  the intrinsics namespace and the builtin modules (not empty)
     * @return the merged module with its intrinsic functions and inlining policy
     * @throws CompileException if a module is malformed or invalid, or a privilege or linking rule is
     *                          broken; the message names the module, field and reason
     */
    CompilationUnit link(byte[] guest, String guestName, CompileTimeBuiltins builtins);

    /**
     * Links like {@link #link(byte[], String, CompileTimeBuiltins)} for compiling with
     * {@code options}: the lowering of checked intrinsics follows {@link CompileOptions#spectreGuard()}.
     * The default ignores the options (the guard stays on).
     *
     * @throws CompileException as {@link #link(byte[], String, CompileTimeBuiltins)}
     */
    default CompilationUnit link(byte[] guest, String guestName, CompileTimeBuiltins builtins, CompileOptions options) {
        return link(guest, guestName, builtins);
    }
}
