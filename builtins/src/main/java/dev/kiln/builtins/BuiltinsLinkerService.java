package dev.kiln.builtins;

import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.CompileTimeBuiltins;
import dev.kiln.compiler.BuiltinLinker;
import dev.kiln.compiler.CompilationUnit;

/**
 * The {@link BuiltinLinker} service of this module: {@link ModuleLinker#link} then
 * {@link ModuleLinker.Linked#toCompilationUnit}. Found by the compiler through
 * {@link java.util.ServiceLoader}. Stateless and thread-safe.
 */
public final class BuiltinsLinkerService implements BuiltinLinker {
    /** The service instance (public for {@link java.util.ServiceLoader}). */
    public BuiltinsLinkerService() {
    }

    @Override
    public CompilationUnit link(byte[] guest, String guestName, CompileTimeBuiltins builtins) {
        return ModuleLinker.link(guest, guestName, builtins).toCompilationUnit(guest);
    }

    @Override
    public CompilationUnit link(byte[] guest, String guestName, CompileTimeBuiltins builtins, CompileOptions options) {
        return ModuleLinker.link(guest, guestName, builtins).toCompilationUnit(guest, options.spectreGuard());
    }
}
