package dev.kiln.compiler;

import dev.kiln.abi.ExceptionTables;
import dev.kiln.abi.FrameTable;
import java.util.List;

/**
 * A function's {@link CompiledCode} as the driver keeps it until {@code .text} is laid out: the same
 * facts with relocations and call sites packed into {@code int} arrays (a few words each instead
 * of an object or three) and frame sites into LEB128 bytes, since a module of 100,000 functions
 * holds millions of sites until the end. The lists it gives back are equal, element by element, to
 * the original ones.
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
    /** Per relocation: its kind's ordinal, offset, symbol and addend; null once {@link #releaseCode} ran. */
    private int[] relocations;
    /**
     * The frame sites, LEB128 (see {@link #frameSites}): per site, signed, the code offset's delta from
     * the previous site's, shifted left by 2, or'ed with the kind; the depth in 8-byte words; n, then n
     * funcidx and n wasm offsets, the first as a delta from the previous site's. About a third of the
     * {@code int}s it replaced: llvm.core.wasm's 6.2 million sites take 56 MB, as words they took 160 MB.
     */
    private final byte[] frames;
    /** The number of frame sites, and of those of kind {@link FrameTable#RETURN_ADDRESS}. */
    private final int frameSiteCount;
    private final int returnAddressCount;
    /** Per call site: return offset, frame bytes, popped bytes, and 0 (no catch), 1 (catches at the return address) or 1 + the landing pad's distance from it, and the calling function's stack-argument bytes. */
    private final int[] calls;

    private PackedCode(CompiledCode c) {
        this.code = c.code();
        this.length = code.length;
        this.alignment = c.alignment();
        this.cpuFeatures = c.cpuFeatures();
        List<Relocation> relocs = c.relocations();
        relocations = new int[4 * relocs.size()];
        for (int i = 0; i < relocs.size(); i++) {
            Relocation r = relocs.get(i);
            relocations[4 * i] = r.kind().ordinal();
            relocations[4 * i + 1] = r.offset();
            relocations[4 * i + 2] = r.symbol();
            relocations[4 * i + 3] = r.addend();
        }
        Leb out = new Leb(new byte[16 + 8 * c.frameSites().size()]);
        int prevText = 0;
        int prevOffset = 0;
        int returnAddresses = 0;
        for (FrameTable.Site s : c.frameSites()) {
            int n = s.funcIndices().length;
            out.signed(((long) s.textOffset() - prevText) << 2 | s.kind());
            out.signed(s.depth() / 8);
            out.signed(n);
            for (int k = 0; k < n; k++) {
                out.signed(s.funcIndices()[k]);
            }
            out.signed((long) s.wasmOffsets()[0] - prevOffset);
            for (int k = 1; k < n; k++) {
                out.signed(s.wasmOffsets()[k]);
            }
            prevText = s.textOffset();
            prevOffset = s.wasmOffsets()[0];
            returnAddresses += s.kind() == FrameTable.RETURN_ADDRESS ? 1 : 0;
        }
        frames = java.util.Arrays.copyOf(out.bytes, out.at);
        frameSiteCount = c.frameSites().size();
        returnAddressCount = returnAddresses;
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
        Leb in = new Leb(frames);
        int text = 0;
        int offset = 0;
        for (int i = 0; i < frameSiteCount; i++) {
            long head = in.signed();
            text += (int) (head >> 2);
            int kind = (int) head & 3;
            int depth = 8 * (int) in.signed();
            int n = (int) in.signed();
            int[] funcIndices = new int[n];
            int[] wasmOffsets = new int[n];
            for (int k = 0; k < n; k++) {
                funcIndices[k] = (int) in.signed();
            }
            offset += (int) in.signed();
            wasmOffsets[0] = offset;
            for (int k = 1; k < n; k++) {
                wasmOffsets[k] = (int) in.signed();
            }
            out.add(new FrameTable.Site(text + shift, kind, depth, funcIndices, wasmOffsets));
        }
    }

    /** The number of {@link FrameTable#RETURN_ADDRESS} frame sites. */
    int returnAddressCount() {
        return returnAddressCount;
    }

    /**
     * Writes the text offsets (moved by {@code shift} bytes) and depths of the
     * {@link FrameTable#RETURN_ADDRESS} frame sites into {@code offsets} and {@code depths} from index
     * {@code at}, in the order recorded; returns the index after the last.
     */
    int returnAddressSites(int shift, int[] offsets, int[] depths, int at) {
        Leb in = new Leb(frames);
        int text = 0;
        for (int i = 0; i < frameSiteCount; i++) {
            long head = in.signed();
            text += (int) (head >> 2);
            int depth = 8 * (int) in.signed();
            int n = (int) in.signed();
            for (int k = 0; k < 2 * n; k++) {
                in.signed();
            }
            if (((int) head & 3) == FrameTable.RETURN_ADDRESS) {
                offsets[at] = text + shift;
                depths[at++] = depth;
            }
        }
        return at;
    }

    /** Signed LEB128 (DWARF 5, section 7.6) into or out of a byte array, from a cursor. */
    private static final class Leb {
        byte[] bytes;
        int at;

        Leb(byte[] bytes) {
            this.bytes = bytes;
        }

        void signed(long v) {
            if (at + 10 > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(2 * bytes.length, at + 10));
            }
            while (true) {
                int b = (int) v & 0x7f;
                v >>= 7;
                if (v == 0 && (b & 0x40) == 0 || v == -1 && (b & 0x40) != 0) {
                    bytes[at++] = (byte) b;
                    return;
                }
                bytes[at++] = (byte) (b | 0x80);
            }
        }

        long signed() {
            long v = 0;
            int shift = 0;
            int b;
            do {
                b = bytes[at++];
                v |= (long) (b & 0x7f) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            return shift < 64 && (b & 0x40) != 0 ? v | -1L << shift : v;
        }
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
