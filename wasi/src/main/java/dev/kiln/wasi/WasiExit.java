package dev.kiln.wasi;

/**
 * Thrown by the host function {@code proc_exit} (WASI preview1) to end the program: it unwinds the
 * Wasm frames and reaches the Java caller of the export (typically {@code _start}) unchanged, which
 * treats it as the program's exit status. The library never calls {@link System#exit}.
 *
 * <p>{@link WasiContext#run} catches it and returns {@link #status()}; an embedder calling exports
 * directly catches it itself. Immutable.
 */
public final class WasiExit extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    /** @param status the exit status the program passed to {@code proc_exit} (a WASI {@code exitcode}, u32) */
    public WasiExit(int status) {
        super("proc_exit(" + Integer.toUnsignedString(status) + ")", null, false, false);
        this.status = status;
    }

    /**
     * The exit status given to {@code proc_exit}. Programs use 0..255 like POSIX; WASI allows any u32,
     * returned here as the same 32 bits.
     */
    public int status() {
        return status;
    }
}
