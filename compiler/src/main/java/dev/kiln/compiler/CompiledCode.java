package dev.kiln.compiler;

import dev.kiln.abi.ExceptionTables;
import dev.kiln.abi.FrameTable;
import java.util.List;

/**
 * Machine code for one function, trampoline or stub, before layout.
 *
 * @param code        the bytes; relocated fields hold zero
 * @param relocations 32-bit PC-relative fields to patch once every symbol has an address
 * @param cpuFeatures mask of the {@link dev.kiln.abi.CpuFeature}s the code uses
 * @param frameSites  frame info for backtraces ({@link FrameTable}), text offsets relative to {@code code},
 *                    ascending
 * @param callSites   the function's call instructions for exception unwinding, return offsets
 *                    relative to {@code code} (see {@link ExceptionTables}); empty for stubs
 * @param alignment   the address alignment in bytes that the code's start needs in {@code .text}, a power
 *                    of two; the linker places every piece at a multiple of at least
 *                    {@link #DEFAULT_ALIGNMENT} bytes. Code aligned inside itself (loop headers) asks
 *                    for that alignment here, since offsets within the code are only as aligned as its
 *                    start. The constructor throws {@link IllegalArgumentException} if it is not a power of two.
 */
public record CompiledCode(byte[] code, List<Relocation> relocations, long cpuFeatures, List<FrameTable.Site> frameSites,
        List<ExceptionTables.CallSite> callSites, int alignment) {
    /** The alignment, in bytes, of every piece of code in {@code .text}. */
    public static final int DEFAULT_ALIGNMENT = 16;

    public CompiledCode {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("code alignment must be a power of two, got " + alignment);
        }
        relocations = List.copyOf(relocations);
        frameSites = List.copyOf(frameSites);
        callSites = List.copyOf(callSites);
    }

    /** Code at the {@link #DEFAULT_ALIGNMENT}. */
    public CompiledCode(byte[] code, List<Relocation> relocations, long cpuFeatures, List<FrameTable.Site> frameSites,
            List<ExceptionTables.CallSite> callSites) {
        this(code, relocations, cpuFeatures, frameSites, callSites, DEFAULT_ALIGNMENT);
    }

    /** Code without frame info and call sites. */
    public CompiledCode(byte[] code, List<Relocation> relocations, long cpuFeatures) {
        this(code, relocations, cpuFeatures, List.of(), List.of());
    }

    /** Code that needs no optional CPU feature, without frame info and call sites. */
    public CompiledCode(byte[] code, List<Relocation> relocations) {
        this(code, relocations, 0);
    }
}
