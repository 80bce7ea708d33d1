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
}
