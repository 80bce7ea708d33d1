package dev.kiln.compiler;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.CompileProgress;
import dev.kiln.abi.CompileTimeBuiltins;
import dev.kiln.abi.CompilerService;
import dev.kiln.abi.Target;
import java.util.ServiceLoader;

/**
 * The {@link CompilerService} of this module: compiles for the host's instruction set with the
 * {@link Backend} found through {@link ServiceLoader}. Thread-safe.
 */
public final class KilnCompilerService implements CompilerService {
    private final ModuleCompiler compiler;
    private final Target target;

    /**
     * Finds the backend for the host.
     *
     * @throws IllegalStateException if no backend for the host's instruction set is on the class or module path
     */
    public KilnCompilerService() {
        this(Target.host());
    }

    /**
     * Finds the backend for {@code target}, which may be another instruction set than the host's (a
     * cross-compiler: its artifacts are written, not loaded, here).
     *
     * @throws IllegalStateException if no backend for {@code target} is on the class or module path
     */
    public KilnCompilerService(Target target) {
        Backend found = null;
        for (Backend b : ServiceLoader.load(Backend.class, KilnCompilerService.class.getClassLoader())) {
            if (b.target() == target) {
                found = b;
                break;
            }
        }
        if (found == null) {
            throw new IllegalStateException("no Kiln backend for " + target + " is on the class or module path (add kiln-arch-"
                    + target + ")");
        }
        this.target = target;
        this.compiler = new ModuleCompiler(found);
    }

    @Override
    public Target target() {
        return target;
    }

    @Override
    public byte[] compile(byte[] input, String inputName, CompileOptions options) throws CompileException {
        return compiler.compile(input, inputName, options);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The linking is done by the {@link BuiltinLinker} found through {@link ServiceLoader}
     * ({@code kiln-builtins}); the merged unit is then compiled like any module.
     *
     * @throws CompileException also when builtins or intrinsics are asked for and no
     *                          {@link BuiltinLinker} is on the class or module path
     */
    @Override
    public byte[] compile(byte[] input, String inputName, CompileOptions options, CompileTimeBuiltins builtins) {
        return compile(input, inputName, options, builtins, CompileProgress.NONE);
    }

    /** {@inheritDoc} Progress is reported after each function of the module (builtins' included). */
    @Override
    public byte[] compile(byte[] input, String inputName, CompileOptions options, CompileTimeBuiltins builtins,
            CompileProgress progress) {
        return compiler.compile(unit(input, inputName, options, builtins), inputName, options, progress);
    }

    /**
     * {@link #compile(byte[], String, CompileOptions, CompileTimeBuiltins, CompileProgress)}, the
     * artifact written to {@code out} as it is laid out instead of made in memory first (the same
     * bytes; for a large module a hundred MB less to allocate). Nothing is written unless the module
     * compiles; {@code out} is neither flushed nor closed.
     *
     * @throws CompileException    as {@code compile} does (nothing written then)
     * @throws java.io.IOException if {@code out} fails; what was written is then incomplete
     */
    public void compile(byte[] input, String inputName, CompileOptions options, CompileTimeBuiltins builtins,
            CompileProgress progress, java.io.OutputStream out) throws java.io.IOException {
        compiler.compile(unit(input, inputName, options, builtins), inputName, options, progress, out);
    }

    /** {@code input} as a plain unit, or linked with {@code builtins}. */
    private static CompilationUnit unit(byte[] input, String inputName, CompileOptions options, CompileTimeBuiltins builtins) {
        if (builtins.isEmpty()) {
            return CompilationUnit.plain(input);
        }
        BuiltinLinker linker = ServiceLoader.load(BuiltinLinker.class, KilnCompilerService.class.getClassLoader())
                .findFirst().orElseThrow(() -> new CompileException("compile-time builtins and unsafe intrinsics need"
                        + " kiln-builtins on the class or module path"));
        return linker.link(input, inputName, builtins, options);
    }
}
