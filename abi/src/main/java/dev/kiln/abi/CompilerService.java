package dev.kiln.abi;

/**
 * The service the loader uses to compile modules, found through {@link java.util.ServiceLoader} so
 * that a deployment that only loads precompiled artifacts needs no compiler at all.
 * Implementations are thread-safe.
 */
public interface CompilerService {
    /** The instruction set the compiled code is for. */
    Target target();

    /**
     * Compiles a WebAssembly module into a Kiln artifact (an ELF64 file, see
     * {@link dev.kiln.abi.elf.ElfWriter} and {@link ArtifactMetadata}).
     *
     * @param input     a binary module ({@code \0asm...}) or WebAssembly text (WAT)
     * @param inputName a name for the input in error messages (a file name), or {@code null}
     * @param options   compile options
     * @return the artifact's bytes
     * @throws CompileException if the module is malformed, invalid or uses what is not supported yet;
     *                          the message names the input, the byte offset or function index and the reason
     */
    byte[] compile(byte[] input, String inputName, CompileOptions options);

    /**
     * Compiles a WebAssembly module together with compile-time builtins and, when exposed, the unsafe
     * native-memory intrinsics (DESIGN §4). With {@link CompileTimeBuiltins#isEmpty() nothing} this is
     * {@link #compile(byte[], String, CompileOptions)}.
     *
     * <p><b>Unsafe</b>: builtins (and in raw mode the module itself) can read and write any native
     * address; see {@link CompileTimeBuiltins}.
     *
     * @param builtins the intrinsics namespace and builtin modules
     * @return the artifact's bytes; its imports are the guest's imports not satisfied by a builtin,
     *         then the builtins' own imports other than intrinsics
     * @throws CompileException if a module is malformed or invalid, or a privilege or linking rule of
     *                          DESIGN §4 is broken; the message names the module, the import field and
     *                          the reason
     */
    default byte[] compile(byte[] input, String inputName, CompileOptions options, CompileTimeBuiltins builtins) {
        if (builtins.isEmpty()) {
            return compile(input, inputName, options);
        }
        throw new CompileException("this compiler (" + getClass().getName()
                + ") does not support compile-time builtins or unsafe intrinsics");
    }

    /**
     * {@link #compile(byte[], String, CompileOptions, CompileTimeBuiltins)}, telling {@code progress}
     * as functions are compiled. A compiler that does not report progress ignores it (the default).
     */
    default byte[] compile(byte[] input, String inputName, CompileOptions options, CompileTimeBuiltins builtins,
            CompileProgress progress) {
        return compile(input, inputName, options, builtins);
    }
}
