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
        if (builtins.isEmpty()) {
            return compiler.compile(CompilationUnit.plain(input), inputName, options, progress);
        }
        BuiltinLinker linker = ServiceLoader.load(BuiltinLinker.class, KilnCompilerService.class.getClassLoader())
                .findFirst().orElseThrow(() -> new CompileException("compile-time builtins and unsafe intrinsics need"
                        + " kiln-builtins on the class or module path"));
        CompilationUnit unit = linker.link(input, inputName, builtins, options);
        return compiler.compile(unit, inputName, options, progress);
    }
}
