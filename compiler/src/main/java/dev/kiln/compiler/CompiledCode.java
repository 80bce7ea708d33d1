package dev.kiln.compiler;

import dev.kiln.abi.ExceptionTables;
import dev.kiln.abi.FrameTable;
import java.util.List;

/**
 * Machine code for one function, trampoline or stub, before layout.
 *
 * @param code        the bytes; relocated fields hold zero
 * @param relocations 32-bit PC-relative fields to patch once every symbol has an address
 * @param trapSites   code offsets (relative to {@code code}) of instructions that trap, with their kind
 * @param cpuFeatures mask of the {@link dev.kiln.abi.CpuFeature}s the code uses
 * @param frameSites  frame info for backtraces ({@link FrameTable}), text offsets relative to {@code code},
 *                    ascending
 * @param callSites   the function's call instructions for exception unwinding, return offsets
 *                    relative to {@code code} (see {@link ExceptionTables}); empty for stubs
 */
public record CompiledCode(byte[] code, List<Relocation> relocations, List<TrapSite> trapSites, long cpuFeatures,
        List<FrameTable.Site> frameSites, List<ExceptionTables.CallSite> callSites) {
    public CompiledCode {
        relocations = List.copyOf(relocations);
        trapSites = List.copyOf(trapSites);
        frameSites = List.copyOf(frameSites);
        callSites = List.copyOf(callSites);
    }

    /** Code without frame info and call sites. */
    public CompiledCode(byte[] code, List<Relocation> relocations, List<TrapSite> trapSites, long cpuFeatures) {
        this(code, relocations, trapSites, cpuFeatures, List.of(), List.of());
    }

    /** Code that needs no optional CPU feature, without frame info and call sites. */
    public CompiledCode(byte[] code, List<Relocation> relocations, List<TrapSite> trapSites) {
        this(code, relocations, trapSites, 0);
    }
}
