package dev.kiln.compiler;

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
 */
public record CompiledCode(byte[] code, List<Relocation> relocations, List<TrapSite> trapSites, long cpuFeatures,
        List<FrameTable.Site> frameSites) {
    public CompiledCode {
        relocations = List.copyOf(relocations);
        trapSites = List.copyOf(trapSites);
        frameSites = List.copyOf(frameSites);
    }

    /** Code without frame info. */
    public CompiledCode(byte[] code, List<Relocation> relocations, List<TrapSite> trapSites, long cpuFeatures) {
        this(code, relocations, trapSites, cpuFeatures, List.of());
    }

    /** Code that needs no optional CPU feature, without frame info. */
    public CompiledCode(byte[] code, List<Relocation> relocations, List<TrapSite> trapSites) {
        this(code, relocations, trapSites, 0);
    }
}
