package dev.kiln.compiler;

import dev.kiln.abi.ExceptionTables;
import dev.kiln.abi.FrameTable;
import java.util.List;

/**
 * A function's {@link CompiledCode} as the driver keeps it until {@code .text} is laid out: the same
 * facts with frame sites and call sites packed into {@code int} arrays (a few words per
 * site instead of an object or three), since a module of 100,000 functions holds millions of sites
 * until the end. The lists it gives back are equal, element by element, to the original ones.
 * Immutable but for {@link #releaseCode}; thread-safe until then.
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
    private Relocation[] relocations;
    /** Per frame site: code offset, kind, depth, n, then n funcidx and n wasm offsets. */
    private final int[] frames;
    /** Per call site: return offset, frame bytes, popped bytes, and 0 (no catch), 1 (catches at the return address) or 1 + the landing pad's distance from it, and the calling function's stack-argument bytes. */
    private final int[] calls;

    private PackedCode(CompiledCode c) {
        this.code = c.code();
        this.length = code.length;
        this.alignment = c.alignment();
        this.cpuFeatures = c.cpuFeatures();
        this.relocations = c.relocations().toArray(new Relocation[0]);
        int words = 0;
        for (FrameTable.Site s : c.frameSites()) {
            words += 4 + 2 * s.funcIndices().length;
        }
        frames = new int[words];
        int k = 0;
        for (FrameTable.Site s : c.frameSites()) {
            int n = s.funcIndices().length;
            frames[k++] = s.textOffset();
            frames[k++] = s.kind();
            frames[k++] = s.depth();
            frames[k++] = n;
            System.arraycopy(s.funcIndices(), 0, frames, k, n);
            System.arraycopy(s.wasmOffsets(), 0, frames, k + n, n);
            k += 2 * n;
        }
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

    /** Packs {@code c}. */
    static PackedCode of(CompiledCode c) {
        return new PackedCode(c);
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
     * {@link CompiledCode#relocations()}, as an array (do not modify).
     *
     * @throws IllegalStateException after {@link #releaseCode}
     */
    Relocation[] relocations() {
        if (relocations == null) {
            throw new IllegalStateException("the relocations were released once linked");
        }
        return relocations;
    }

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
        for (int k = 0; k < frames.length; ) {
            int n = frames[k + 3];
            int[] funcIndices = java.util.Arrays.copyOfRange(frames, k + 4, k + 4 + n);
            int[] wasmOffsets = java.util.Arrays.copyOfRange(frames, k + 4 + n, k + 4 + 2 * n);
            out.add(new FrameTable.Site(frames[k] + shift, frames[k + 1], frames[k + 2], funcIndices, wasmOffsets));
            k += 4 + 2 * n;
        }
    }

    /** The number of {@link FrameTable#RETURN_ADDRESS} frame sites. */
    int returnAddressCount() {
        int n = 0;
        for (int k = 0; k < frames.length; k += 4 + 2 * frames[k + 3]) {
            n += frames[k + 1] == FrameTable.RETURN_ADDRESS ? 1 : 0;
        }
        return n;
    }

    /**
     * Writes the text offsets (moved by {@code shift} bytes) and depths of the
     * {@link FrameTable#RETURN_ADDRESS} frame sites into {@code offsets} and {@code depths} from index
     * {@code at}, in the order recorded; returns the index after the last.
     */
    int returnAddressSites(int shift, int[] offsets, int[] depths, int at) {
        for (int k = 0; k < frames.length; k += 4 + 2 * frames[k + 3]) {
            if (frames[k + 1] == FrameTable.RETURN_ADDRESS) {
                offsets[at] = frames[k] + shift;
                depths[at++] = frames[k + 2];
            }
        }
        return at;
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
