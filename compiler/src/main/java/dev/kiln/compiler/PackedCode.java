package dev.kiln.compiler;

import dev.kiln.abi.ExceptionTables;
import dev.kiln.abi.FrameTable;
import java.util.List;

/**
 * A function's {@link CompiledCode} as the driver keeps it until {@code .text} is laid out: the same
 * facts with relocations and call sites packed into {@code int} arrays (a few words each instead
 * of an object or three) and frame sites into bytes ({@link FrameTable.Packed}), since a module of
 * 100,000 functions holds millions of sites until the end. The lists it gives back are equal, element
 * by element, to the original ones. Immutable but for {@link #releaseCode}; thread-safe until then.
 */
final class PackedCode {
    /** The machine code (not copied); null once {@link #releaseCode} ran. */
    private byte[] code;
    /** The machine code's length in bytes (kept after {@link #releaseCode}). */
    final int length;
    /** Its alignment in {@code .text} ({@link CompiledCode#alignment()}). */
    final int alignment;
    /** {@link CompiledCode#cpuFeatures()}. */
    final long cpuFeatures;
    /** The libcalls the code calls, as {@link dev.kiln.abi.ArtifactMetadata#libcalls} bits. */
    final int libcalls;
    /** Per relocation: its kind's ordinal, offset, symbol and addend; null once {@link #releaseCode} ran. */
    private int[] relocations;
    /** The frame sites, packed. */
    private final FrameTable.Packed frames;
    /** Per call site: return offset, frame bytes, popped bytes, and 0 (no catch), 1 (catches at the return address) or 1 + the landing pad's distance from it, and the calling function's stack-argument bytes. */
    private final int[] calls;

    private PackedCode(CompiledCode c, int libcalls) {
        this.code = c.code();
        this.length = code.length;
        this.alignment = c.alignment();
        this.cpuFeatures = c.cpuFeatures();
        this.libcalls = libcalls;
        List<Relocation> relocs = c.relocations();
        relocations = new int[4 * relocs.size()];
        for (int i = 0; i < relocs.size(); i++) {
            Relocation r = relocs.get(i);
            relocations[4 * i] = r.kind().ordinal();
            relocations[4 * i + 1] = r.offset();
            relocations[4 * i + 2] = r.symbol();
            relocations[4 * i + 3] = r.addend();
        }
        frames = new FrameTable.Packed(c.frameSites());
        List<ExceptionTables.CallSite> cs = c.callSites();
        calls = new int[5 * cs.size()];
        for (int i = 0; i < cs.size(); i++) {
            ExceptionTables.CallSite s = cs.get(i);
            calls[5 * i] = s.returnOffset();
            calls[5 * i + 1] = s.frameBytes();
            calls[5 * i + 2] = s.popped();
            // 0: no catch; 1: catches at the return address; 1 + d: catches at the landing pad d bytes after it
            calls[5 * i + 3] = !s.catches() ? 0 : s.landingPad() < 0 ? 1 : 1 + s.landingPad() - s.returnOffset();
            calls[5 * i + 4] = s.callerArgBytes();
        }
    }

    private PackedCode(PackedCode from, FrameTable.Packed frames) {
        this.code = from.code();
        this.length = from.length;
        this.alignment = from.alignment;
        this.cpuFeatures = from.cpuFeatures;
        this.libcalls = from.libcalls;
        this.relocations = from.relocationWords();
        this.frames = frames;
        this.calls = from.calls;
    }

    /** Packs {@code c}, code that calls no libcall. */
    static PackedCode of(CompiledCode c) {
        return new PackedCode(c, 0);
    }

    /** Packs {@code c}, code that calls the {@code libcalls} ({@link dev.kiln.abi.ArtifactMetadata#libcalls} bits). */
    static PackedCode of(CompiledCode c, int libcalls) {
        return new PackedCode(c, libcalls);
    }

    /**
     * This code as the code of another function whose body is the same, byte for byte, and compiles
     * the same ({@link ModuleCompiler}'s identical bodies): the machine code, relocations and call sites
     * are shared (none of them names the function itself), and each frame site's outermost frame, the
     * function's own, names {@code funcIndex} at a wasm offset moved by {@code offsetDelta} bytes (the
     * distance between the two bodies in the module). Frames of inlined callees stay as they are.
     *
     * @param funcIndex   the other function's funcidx (of the whole index space)
     * @param offsetDelta its body's module byte offset minus this one's
     * @throws IllegalStateException after {@link #releaseCode}
     */
    PackedCode forIdenticalBody(int funcIndex, int offsetDelta) {
        List<FrameTable.Site> sites = new java.util.ArrayList<>(frames.count());
        frames.sites(0, sites);
        for (int i = 0; i < sites.size(); i++) {
            FrameTable.Site s = sites.get(i);
            int[] funcIndices = s.funcIndices().clone();
            int[] wasmOffsets = s.wasmOffsets().clone();
            int outer = funcIndices.length - 1;
            funcIndices[outer] = funcIndex;
            wasmOffsets[outer] += offsetDelta;
            sites.set(i, new FrameTable.Site(s.textOffset(), s.kind(), s.depth(), funcIndices, wasmOffsets));
        }
        return new PackedCode(this, new FrameTable.Packed(sites));
    }

    /**
     * The machine code (do not modify).
     *
     * @throws IllegalStateException after {@link #releaseCode}
     */
    byte[] code() {
        if (code == null) {
            throw new IllegalStateException("the code was released once linked");
        }
        return code;
    }

    /**
     * The number of {@link CompiledCode#relocations()}.
     *
     * @throws IllegalStateException after {@link #releaseCode}
     */
    int relocationCount() {
        return relocationWords().length / 4;
    }

    /** The symbol of relocation {@code i}: {@code relocation(i).symbol()} without making it. */
    int relocationSymbol(int i) {
        return relocationWords()[4 * i + 2];
    }

    /** Relocation {@code i} of {@link CompiledCode#relocations()}, made again. */
    Relocation relocation(int i) {
        int[] r = relocationWords();
        return new Relocation(RELOC_KINDS[r[4 * i]], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]);
    }

    private int[] relocationWords() {
        if (relocations == null) {
            throw new IllegalStateException("the relocations were released once linked");
        }
        return relocations;
    }

    private static final RelocKind[] RELOC_KINDS = RelocKind.values();

    /**
     * Drops the machine code and its relocations once they are linked into {@code .text}: a large
     * module's pieces would otherwise hold a second copy of it while the artifact is assembled. The
     * sites and the length stay. Not thread-safe: the driver links on one thread.
     */
    void releaseCode() {
        code = null;
        relocations = null;
    }

    /** Appends the frame sites, their text offsets moved by {@code shift} bytes, to {@code out}. */
    void frameSites(int shift, List<FrameTable.Site> out) {
        frames.sites(shift, out);
    }

    /** Adds the frame sites, their text offsets moved by {@code shift} bytes, to {@code encoder}. */
    void addFrameSites(int shift, FrameTable.Encoder encoder) {
        frames.addTo(shift, encoder);
    }

    /** The number of {@link FrameTable#RETURN_ADDRESS} frame sites. */
    int returnAddressCount() {
        return frames.returnAddressCount();
    }

    /**
     * Writes the text offsets (moved by {@code shift} bytes) and depths of the
     * {@link FrameTable#RETURN_ADDRESS} frame sites into {@code offsets} and {@code depths} from index
     * {@code at}, in the order recorded; returns the index after the last.
     */
    int returnAddressSites(int shift, int[] offsets, int[] depths, int at) {
        return frames.returnAddressSites(shift, offsets, depths, at);
    }

    /** Appends the call sites, their return offsets moved by {@code shift} bytes, to {@code out}. */
    void callSites(int shift, List<ExceptionTables.CallSite> out) {
        for (int i = 0; i < calls.length; i += 5) {
            int returnOffset = calls[i] + shift;
            int c = calls[i + 3];
            out.add(new ExceptionTables.CallSite(returnOffset, calls[i + 1], calls[i + 2], c != 0,
                    c > 1 ? returnOffset + c - 1 : -1, calls[i + 4]));
        }
    }
}
