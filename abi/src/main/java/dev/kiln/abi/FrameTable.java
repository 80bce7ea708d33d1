package dev.kiln.abi;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Frame info for Wasm backtraces (DESIGN §3 "Frame info"): for every place in {@code .text} where a
 * backtrace can see a Wasm frame, the Wasm frames it stands for. Written by the compiler into the
 * non-allocated ELF section {@link #SECTION}; read by the loader without the compiler, and only when a
 * trap needs it (the normal path never looks at it).
 *
 * <p>A <b>site</b> is one of
 * <ul>
 * <li>{@link #RETURN_ADDRESS}: the return address of a call in a Wasm function (the offset just after
 *     the call instruction), the place a caller's frame shows;</li>
 * <li>{@link #TRAP}: the place a trap reports: a faulting instruction (a guard-page heap access), or
 *     the return address of the out-of-line call through which an explicit check reaches the trap
 *     path, so that every check has an address of its own;</li>
 * <li>{@link #TRAP_AT_ENTRY}: as {@link #TRAP}, for the stack-limit check of a prologue, which runs
 *     before the function's frame exists.</li>
 * </ul>
 * and carries the {@code depth}: bytes between the stack pointer of the function's body and its own
 * return address (0 for {@link #TRAP_AT_ENTRY}), which is what a stack walk over frames without frame
 * pointers needs; and the <b>frames</b>, innermost first: (funcidx, byte offset in the module) of the
 * instruction, then, when the instruction was inlined, the call it was inlined at in the enclosing
 * function, up to the function that holds the code. A byte offset is from the start of the module's
 * binary (Wasmtime's {@code module_offset}); -1 where it is not known.
 *
 * <p>Encoding: a u8 {@link #VERSION}, the body's length as an unsigned LEB128, then the body compressed
 * with DEFLATE (RFC 1951 in the zlib format of RFC 1950, {@link java.util.zip.Deflater}). The body
 * (LEB128 as in the Wasm binary format): the module's name from its {@code name} section as an
 * unsigned LEB128 length plus one (0: none) and its UTF-8 bytes; the <b>inline contexts</b>, what the
 * sites of one inlined body share: a count, then per context the number {@code m} of inlined frames,
 * their funcidx (innermost first) and the offsets of the {@code m} calls they were inlined at (signed
 * differences, each from the one before, the first from 0); an unsigned LEB128 site count; the byte
 * lengths of the first two of the following three columns as unsigned LEB128s; then the columns, each
 * with one entry per site in ascending text-offset order (an entry of the second may be empty). The
 * <b>heads</b>: an unsigned LEB128 {@code delta << 3 | kind << 1 | ext}, where {@code delta} is the
 * distance from the previous site's text offset and {@code ext} says the site has an extension. The
 * <b>extensions</b>: an unsigned LEB128 with bit 0 set when the depth differs from the previous
 * site's (for a {@link #TRAP_AT_ENTRY} site: from 0; such a site is skipped when the next one looks
 * back for the previous depth, so that a prologue's check among a body's sites costs nothing), bit 1 when the outermost funcidx does, bit 2 when the site is in inlined code; the depth in
 * 8-byte words if bit 0; the outermost funcidx if bit 1; the inline context's index as a signed
 * difference from the previous inlined site's if bit 2. The <b>offsets</b>: the offset of the site's
 * instruction as a signed difference from the previous site's. Apart, DEFLATE codes each column with
 * its own statistics: the SQLite shell's table (111,464 sites) takes 176 KB, 185 KB with the
 * entries of a site together (version 2); most sites take 2 to 3 bytes before compression, about 1.6
 * after it. Immutable once decoded;
 * thread-safe.
 */
public final class FrameTable {
    /** The ELF section that holds the table. */
    public static final String SECTION = ".kiln.frames";
    /**
     * Version byte at the start of the section; a reader rejects any other. 4: a {@link #TRAP_AT_ENTRY}
     * site's depth is told from 0, not from the previous site's.
     */
    public static final int VERSION = 4;
    /** Site kind: the return address of a call. */
    public static final int RETURN_ADDRESS = 0;
    /** Site kind: a trap's address in a function body. */
    public static final int TRAP = 1;
    /** Site kind: a trap's address in a prologue, before the frame is set up (depth 0). */
    public static final int TRAP_AT_ENTRY = 2;

    /**
     * One site, as the compiler records it.
     *
     * @param textOffset  byte offset in {@code .text}
     * @param kind        {@link #RETURN_ADDRESS}, {@link #TRAP} or {@link #TRAP_AT_ENTRY}
     * @param depth       bytes from the body's stack pointer to the function's return address, a multiple of 8
     * @param funcIndices the frames' funcidx, innermost first (at least one)
     * @param wasmOffsets the frames' module byte offsets, same length
     */
    public record Site(int textOffset, int kind, int depth, int[] funcIndices, int[] wasmOffsets) {
        public Site {
            if (funcIndices.length == 0 || funcIndices.length != wasmOffsets.length || depth % 8 != 0 || depth < 0
                    || kind < 0 || kind > 2) {
                throw new IllegalArgumentException("bad frame site at text offset " + textOffset);
            }
        }
    }

    private final int[] text;
    private final byte[] kind;
    private final int[] depth;
    /** Frames of site i are pool entries frameStart[i] .. frameStart[i + 1] - 1. */
    private final int[] frameStart;
    private final int[] poolFunc;
    private final int[] poolOffset;

    private final String moduleName;

    private FrameTable(String moduleName, int[] text, byte[] kind, int[] depth, int[] frameStart, int[] poolFunc,
            int[] poolOffset) {
        this.moduleName = moduleName;
        this.text = text;
        this.kind = kind;
        this.depth = depth;
        this.frameStart = frameStart;
        this.poolFunc = poolFunc;
        this.poolOffset = poolOffset;
    }

    /** The empty table (an artifact without frame info). */
    public static final FrameTable EMPTY = new FrameTable(null, new int[0], new byte[0], new int[0], new int[1], new int[0],
            new int[0]);

    /**
     * Encodes sites, in one pass over them: a caller can make each site as it is asked for and drop
     * it after (a module of 100,000 functions has millions).
     *
     * @param moduleName the module's name from its {@code name} section, or null
     * @param sites      in ascending text offset order
     * @return the section's bytes
     * @throws IllegalArgumentException if the sites are out of order
     */
    public static byte[] encode(String moduleName, Iterable<Site> sites) {
        Encoder e = new Encoder(moduleName);
        for (Site s : sites) {
            e.add(s.textOffset(), s.kind(), s.depth(), s.funcIndices().length, s.funcIndices(), s.wasmOffsets());
        }
        return e.finish(false);
    }

    /**
     * Encodes sites given one at a time, in ascending text offset order, into the bytes that
     * {@link FrameTable#encode(String, Iterable)} makes of them; no object is made per site. Not
     * thread-safe; one table per encoder.
     */
    public static final class Encoder {
        private final String moduleName;
        // three columns, compressed better apart than interleaved: the site heads, their extensions, the offsets
        private final ByteSink heads = new ByteSink(1 << 12);
        private final ByteSink exts = new ByteSink(1 << 10);
        private final ByteSink offsets = new ByteSink(1 << 12);
        private int count;
        private int prevText;
        private int prevDepth;
        private int prevFunc = -1;
        private int prevContext;
        private long prevOffset;
        /**
         * The inline contexts, what a site inside inlined code shares with every other site of the
         * same inlined body, in the order of their first sites: of {@code m} inlined frames, the
         * frames' funcidx but the outermost's ({@code m} ints) and the offsets of the calls they were
         * inlined at ({@code m} ints).
         */
        private int[][] contexts = new int[64][];
        private int contextCount;
        /** Open addressing over {@link #contexts}: an index plus one, 0 for an empty slot. */
        private int[] contextTable = new int[128];

        /** @param moduleName the module's name from its {@code name} section, or null */
        public Encoder(String moduleName) {
            this.moduleName = moduleName;
        }

        /** The number of sites added. */
        public int count() {
            return count;
        }

        /** The number of distinct inline contexts among the sites added. */
        int contexts() {
            return contextCount;
        }

        /**
         * Adds the next site (see {@link Site}): its frames are {@code funcIndices[0, frames)} and
         * {@code wasmOffsets[0, frames)}, innermost first; the arrays are not kept.
         *
         * @throws IllegalArgumentException if the site lies before the one added before it, or its
         *                                  fields are out of range
         */
        public void add(int textOffset, int kind, int depth, int frames, int[] funcIndices, int[] wasmOffsets) {
            if (textOffset < prevText) {
                throw new IllegalArgumentException("frame sites out of order at text offset " + textOffset);
            }
            if (frames <= 0 || frames > funcIndices.length || frames > wasmOffsets.length || depth % 8 != 0 || depth < 0
                    || kind < 0 || kind > 2) {
                throw new IllegalArgumentException("bad frame site at text offset " + textOffset);
            }
            int context = frames > 1 ? context(frames - 1, funcIndices, wasmOffsets) : -1;
            int outer = funcIndices[frames - 1];
            boolean entry = kind == TRAP_AT_ENTRY; // its depth is told from 0 and is no other site's previous one
            boolean newDepth = depth != (entry ? 0 : prevDepth);
            int ext = (newDepth ? 1 : 0) | (outer != prevFunc ? 2 : 0) | (frames > 1 ? 4 : 0);
            uleb(heads, (long) (textOffset - prevText) << 3 | kind << 1 | (ext != 0 ? 1 : 0));
            if (ext != 0) {
                uleb(exts, ext);
            }
            if (newDepth) {
                uleb(exts, depth / 8);
            }
            if (outer != prevFunc) {
                uleb(exts, outer);
            }
            if (frames > 1) {
                sleb(exts, context - prevContext);
                prevContext = context;
            }
            sleb(offsets, wasmOffsets[0] - prevOffset);
            prevText = textOffset;
            if (!entry) {
                prevDepth = depth;
            }
            prevFunc = outer;
            prevOffset = wasmOffsets[0];
            count++;
        }

        /** The index of the context of {@code m} inlined frames, added when first seen. */
        private int context(int m, int[] funcIndices, int[] wasmOffsets) {
            int mask = contextTable.length - 1;
            for (int slot = hash(m, funcIndices, 0, wasmOffsets, 1) & mask; ; slot = (slot + 1) & mask) {
                int id = contextTable[slot] - 1;
                if (id < 0) {
                    int[] key = new int[2 * m];
                    System.arraycopy(funcIndices, 0, key, 0, m);
                    System.arraycopy(wasmOffsets, 1, key, m, m);
                    if (contextCount == contexts.length) {
                        contexts = Arrays.copyOf(contexts, 2 * contextCount);
                    }
                    contexts[contextCount] = key;
                    contextTable[slot] = ++contextCount;
                    if (2 * contextCount > contextTable.length) {
                        rehash();
                    }
                    return contextCount - 1;
                }
                if (sameContext(contexts[id], m, funcIndices, wasmOffsets)) {
                    return id;
                }
            }
        }

        /**
         * The hash of a context of {@code m} inlined frames whose funcidx are {@code funcIndices[f, f + m)}
         * and whose call offsets are {@code callOffsets[c, c + m)}: a site's arrays or a stored key alike.
         */
        private static int hash(int m, int[] funcIndices, int f, int[] callOffsets, int c) {
            int h = m;
            for (int k = 0; k < m; k++) {
                h = 31 * (31 * h + funcIndices[f + k]) + callOffsets[c + k];
            }
            return h ^ h >>> 16;
        }

        private static boolean sameContext(int[] key, int m, int[] funcIndices, int[] wasmOffsets) {
            if (key.length != 2 * m) {
                return false;
            }
            for (int k = 0; k < m; k++) {
                if (key[k] != funcIndices[k] || key[m + k] != wasmOffsets[k + 1]) {
                    return false;
                }
            }
            return true;
        }

        private void rehash() {
            int[] table = new int[2 * contextTable.length];
            int mask = table.length - 1;
            for (int id = 0; id < contextCount; id++) {
                int[] key = contexts[id];
                int m = key.length / 2;
                int slot = hash(m, key, 0, key, m) & mask;
                while (table[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                table[slot] = id + 1;
            }
            contextTable = table;
        }

        /**
         * The section's bytes. With {@code parallel}, a large table's DEFLATE runs on the common
         * fork-join pool as well as on the calling thread (pieces of a MiB: see {@code Deflate}); the
         * bytes are the same either way.
         */
        public byte[] finish(boolean parallel) {
            ByteArrayOutputStream out = new ByteSink(heads.size() + exts.size() + offsets.size() + 64);
            if (moduleName == null) {
                uleb(out, 0);
            } else {
                byte[] utf8 = moduleName.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                uleb(out, utf8.length + 1L);
                out.writeBytes(utf8);
            }
            uleb(out, contextCount);
            for (int c = 0; c < contextCount; c++) {
                int[] key = contexts[c];
                int m = key.length / 2;
                uleb(out, m);
                for (int k = 0; k < m; k++) {
                    uleb(out, key[k]);
                }
                long before = 0;
                for (int k = 0; k < m; k++) {
                    sleb(out, key[m + k] - before);
                    before = key[m + k];
                }
            }
            uleb(out, count);
            uleb(out, heads.size());
            uleb(out, exts.size());
            heads.copyTo(out);
            exts.copyTo(out);
            offsets.copyTo(out);
            byte[] body = out.toByteArray();
            ByteArrayOutputStream section = new ByteArrayOutputStream(body.length / 2 + 16);
            section.write(VERSION);
            uleb(section, body.length);
            Deflate.compress(body, 0, body.length, section, parallel, Deflate.LARGE_TABLE_LEVEL);
            return section.toByteArray();
        }
    }

    /**
     * Decodes a section.
     *
     * @param source the artifact's name, for errors
     * @throws ArtifactFormatException if the bytes are not a frame table of this version
     */
    public static FrameTable decode(byte[] section, String source) {
        byte[] bytes = inflate(section, source);
        int[] pos = {0};
        try {
            long nameLength = uleb(bytes, pos);
            String moduleName = null;
            if (nameLength > 0) {
                if (nameLength - 1 > bytes.length - pos[0]) {
                    throw new ArtifactFormatException(source, pos[0], SECTION + ": the module name runs past the section");
                }
                moduleName = new String(bytes, pos[0], (int) nameLength - 1, java.nio.charset.StandardCharsets.UTF_8);
                pos[0] += (int) nameLength - 1;
            }
            int nContexts = (int) uleb(bytes, pos);
            if (nContexts < 0 || nContexts > bytes.length) {
                throw new ArtifactFormatException(source, pos[0], SECTION + " claims " + nContexts + " inline contexts");
            }
            int[][] contextFuncs = new int[nContexts][];
            int[][] contextOffsets = new int[nContexts][];
            for (int c = 0; c < nContexts; c++) {
                int m = (int) uleb(bytes, pos);
                if (m <= 0 || m > bytes.length) {
                    throw new ArtifactFormatException(source, pos[0], SECTION + ": bad inline context " + c);
                }
                contextFuncs[c] = new int[m];
                contextOffsets[c] = new int[m];
                for (int k = 0; k < m; k++) {
                    contextFuncs[c][k] = (int) uleb(bytes, pos);
                }
                long before = 0;
                for (int k = 0; k < m; k++) {
                    before += sleb(bytes, pos);
                    contextOffsets[c][k] = (int) before;
                }
            }
            int count = (int) uleb(bytes, pos);
            if (count < 0 || count > bytes.length) {
                throw new ArtifactFormatException(source, pos[0], SECTION + " claims " + count + " sites");
            }
            int[] text = new int[count];
            byte[] kind = new byte[count];
            int[] depth = new int[count];
            int[] frameStart = new int[count + 1];
            int[] poolFunc = new int[count];
            int[] poolOffset = new int[count];
            long headBytes = uleb(bytes, pos);
            long extBytes = uleb(bytes, pos);
            if (headBytes < 0 || extBytes < 0 || headBytes + extBytes > bytes.length - pos[0]) {
                throw new ArtifactFormatException(source, pos[0], SECTION + ": its columns run past the section");
            }
            int headEnd = pos[0] + (int) headBytes;
            int extEnd = headEnd + (int) extBytes;
            int[] ext$ = {headEnd};
            int[] off$ = {extEnd};
            int pool = 0;
            long prevText = 0;
            int prevDepth = 0;
            int prevFunc = -1;
            long prevContext = 0;
            long prevOffset = 0;
            for (int i = 0; i < count; i++) {
                long head = uleb(bytes, pos);
                prevText += head >>> 3;
                long ext = (head & 1) != 0 ? uleb(bytes, ext$) : 0;
                if (prevText > Integer.MAX_VALUE || (head >>> 1 & 3) > 2 || ext > 7) {
                    throw new ArtifactFormatException(source, pos[0], SECTION + ": bad site " + i);
                }
                boolean entry = (head >>> 1 & 3) == TRAP_AT_ENTRY;
                int siteDepth = entry ? 0 : prevDepth;
                if ((ext & 1) != 0) {
                    siteDepth = (int) (uleb(bytes, ext$) * 8);
                }
                if (!entry) {
                    prevDepth = siteDepth;
                }
                if ((ext & 2) != 0) {
                    prevFunc = (int) uleb(bytes, ext$);
                }
                int context = -1;
                if ((ext & 4) != 0) {
                    prevContext += sleb(bytes, ext$);
                    if (prevContext < 0 || prevContext >= nContexts) {
                        throw new ArtifactFormatException(source, pos[0], SECTION + ": site " + i + " has no inline context "
                                + prevContext);
                    }
                    context = (int) prevContext;
                }
                int n = context < 0 ? 1 : contextFuncs[context].length + 1;
                if (pool + n > poolFunc.length) {
                    int grow = Math.max(poolFunc.length * 2, pool + n);
                    poolFunc = Arrays.copyOf(poolFunc, grow);
                    poolOffset = Arrays.copyOf(poolOffset, grow);
                }
                text[i] = (int) prevText;
                kind[i] = (byte) (head >>> 1 & 3);
                depth[i] = siteDepth;
                frameStart[i] = pool;
                prevOffset += sleb(bytes, off$);
                poolOffset[pool] = (int) prevOffset;
                for (int k = 0; k < n - 1; k++) {
                    poolFunc[pool + k] = contextFuncs[context][k];
                    poolOffset[pool + k + 1] = contextOffsets[context][k];
                }
                poolFunc[pool + n - 1] = prevFunc;
                pool += n;
            }
            frameStart[count] = pool;
            if (pos[0] != headEnd || ext$[0] != extEnd || off$[0] != bytes.length) {
                throw new ArtifactFormatException(source, pos[0], SECTION + ": its columns do not end where it says");
            }
            return new FrameTable(moduleName, text, kind, depth, frameStart, poolFunc, poolOffset);
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new ArtifactFormatException(source, pos[0], SECTION + " ends inside a site");
        }
    }

    /** The module's name from its {@code name} section, or null. */
    public String moduleName() {
        return moduleName;
    }

    /** The body of a section: checks the version and inflates. */
    private static byte[] inflate(byte[] section, String source) {
        if (section.length == 0 || section[0] != VERSION) {
            throw new ArtifactFormatException(source, 0, SECTION + " has version "
                    + (section.length == 0 ? "(none)" : section[0]) + ", not " + VERSION + "; recompile the module");
        }
        int[] pos = {1};
        long length;
        try {
            length = uleb(section, pos);
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new ArtifactFormatException(source, pos[0], SECTION + " ends inside its length");
        }
        return Deflate.inflate(section, pos[0], length, source, SECTION + ": the sites");
    }

    /** Number of sites. */
    public int size() {
        return text.length;
    }

    /**
     * The site at {@code textOffset}: of kind {@link #TRAP} or {@link #TRAP_AT_ENTRY} if {@code trap},
     * else {@link #RETURN_ADDRESS}.
     *
     * @return its index, or -1 if there is none
     */
    public int find(int textOffset, boolean trap) {
        int i = Arrays.binarySearch(text, textOffset);
        if (i < 0) {
            return -1;
        }
        while (i > 0 && text[i - 1] == textOffset) {
            i--;
        }
        for (; i < text.length && text[i] == textOffset; i++) {
            if ((kind[i] != RETURN_ADDRESS) == trap) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the first site at or after {@code textOffset}, or {@link #size()} if there is none. */
    public int ceiling(int textOffset) {
        int i = Arrays.binarySearch(text, textOffset);
        if (i < 0) {
            return -i - 1;
        }
        while (i > 0 && text[i - 1] == textOffset) {
            i--;
        }
        return i;
    }

    /** Text offset of site {@code i}. */
    public int textOffset(int i) {
        return text[i];
    }

    /** Kind of site {@code i}. */
    public int kind(int i) {
        return kind[i];
    }

    /** Depth in bytes of site {@code i} (see the class comment). */
    public int depth(int i) {
        return depth[i];
    }

    /** Number of Wasm frames (1 plus the inlined ones) of site {@code i}. */
    public int frameCount(int i) {
        return frameStart[i + 1] - frameStart[i];
    }

    /** Funcidx of frame {@code k} (0 innermost) of site {@code i}. */
    public int funcIndex(int i, int k) {
        return poolFunc[frameStart[i] + k];
    }

    /** Module byte offset of frame {@code k} (0 innermost) of site {@code i}; -1 if unknown. */
    public int wasmOffset(int i, int k) {
        return poolOffset[frameStart[i] + k];
    }

    /** The site {@code i} as a record. */
    public Site site(int i) {
        int n = frameCount(i);
        int[] f = new int[n];
        int[] o = new int[n];
        for (int k = 0; k < n; k++) {
            f[k] = funcIndex(i, k);
            o[k] = wasmOffset(i, k);
        }
        return new Site(text[i], kind[i], depth[i], f, o);
    }

    private static void uleb(ByteArrayOutputStream out, long v) {
        Leb128.writeUnsigned(out, v);
    }

    private static void sleb(ByteArrayOutputStream out, long v) {
        Leb128.writeSigned(out, v);
    }

    static long uleb(byte[] in, int[] pos) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in[pos[0]++];
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new ArrayIndexOutOfBoundsException("LEB128 too long");
    }

    private static long sleb(byte[] in, int[] pos) {
        long v = 0;
        int shift = 0;
        int b;
        do {
            b = in[pos[0]++];
            v |= (long) (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0 && shift < 64);
        if (shift < 64 && (b & 0x40) != 0) {
            v |= -1L << shift;
        }
        return v;
    }

    /**
     * One function's sites packed for a compiler that holds millions of them until {@code .text} is
     * laid out (not the section's format, and never written out): per site, signed LEB128, the text
     * offset's delta from the previous site's shifted left by 2 or'ed with the kind, the depth in
     * 8-byte words, the frame count n, n funcidx, then n wasm offsets, the first as a delta from the
     * previous site's. About a third of the {@code int}s of the same facts: llvm.core.wasm's 6.2
     * million sites take 56 MB, as words 160 MB. Immutable; thread-safe.
     */
    public static final class Packed {
        private final byte[] bytes;
        private final int count;
        private final int returnAddressCount;

        /** Packs {@code sites} (in any order; each keeps its own text offset). */
        public Packed(List<Site> sites) {
            ByteArrayOutputStream out = new ByteSink(16 + 8 * sites.size());
            int prevText = 0;
            int prevOffset = 0;
            int returnAddresses = 0;
            for (int i = 0; i < sites.size(); i++) {
                Site s = sites.get(i);
                int n = s.funcIndices().length;
                sleb(out, ((long) s.textOffset() - prevText) << 2 | s.kind());
                sleb(out, s.depth() / 8);
                sleb(out, n);
                for (int k = 0; k < n; k++) {
                    sleb(out, s.funcIndices()[k]);
                }
                sleb(out, (long) s.wasmOffsets()[0] - prevOffset);
                for (int k = 1; k < n; k++) {
                    sleb(out, s.wasmOffsets()[k]);
                }
                prevText = s.textOffset();
                prevOffset = s.wasmOffsets()[0];
                returnAddresses += s.kind() == RETURN_ADDRESS ? 1 : 0;
            }
            bytes = out.toByteArray();
            count = sites.size();
            returnAddressCount = returnAddresses;
        }

        /** The number of sites. */
        public int count() {
            return count;
        }

        /** The number of {@link #RETURN_ADDRESS} sites. */
        public int returnAddressCount() {
            return returnAddressCount;
        }

        /** Appends the sites, in the order packed, their text offsets moved by {@code shift} bytes, to {@code out}. */
        public void sites(int shift, List<Site> out) {
            Reader r = new Reader(bytes);
            for (int i = 0; i < count; i++) {
                r.head();
                int[] funcIndices = new int[r.frames];
                int[] wasmOffsets = new int[r.frames];
                r.frames(funcIndices, wasmOffsets);
                out.add(new Site(r.text + shift, r.kind, r.depth, funcIndices, wasmOffsets));
            }
        }

        /**
         * Adds the sites, in the order packed, their text offsets moved by {@code shift} bytes, to
         * {@code encoder}, without making an object per site.
         *
         * @throws IllegalArgumentException if they do not come after the sites the encoder has
         */
        public void addTo(int shift, Encoder encoder) {
            Reader r = new Reader(bytes);
            int[] funcIndices = new int[8];
            int[] wasmOffsets = new int[8];
            for (int i = 0; i < count; i++) {
                r.head();
                if (r.frames > funcIndices.length) {
                    funcIndices = new int[2 * r.frames];
                    wasmOffsets = new int[2 * r.frames];
                }
                r.frames(funcIndices, wasmOffsets);
                encoder.add(r.text + shift, r.kind, r.depth, r.frames, funcIndices, wasmOffsets);
            }
        }

        /**
         * Writes the text offsets (moved by {@code shift} bytes) and depths of the {@link #RETURN_ADDRESS}
         * sites into {@code offsets} and {@code depths} from index {@code at}, in the order packed;
         * returns the index after the last.
         */
        public int returnAddressSites(int shift, int[] offsets, int[] depths, int at) {
            Reader r = new Reader(bytes);
            for (int i = 0; i < count; i++) {
                r.head();
                for (int k = 0; k < 2 * r.frames; k++) {
                    sleb(bytes, r.pos);
                }
                if (r.kind == RETURN_ADDRESS) {
                    offsets[at] = r.text + shift;
                    depths[at++] = r.depth;
                }
            }
            return at;
        }

        /** Reads the packed sites in order: each one's head, after which its frames follow at {@link #pos}. */
        private static final class Reader {
            private final byte[] bytes;
            final int[] pos = {0};
            int text;
            int kind;
            int depth;
            int frames;
            /** The first frame's wasm offset of the site before (the readers of the frames keep it). */
            int offset;

            Reader(byte[] bytes) {
                this.bytes = bytes;
            }

            /** Reads the next site's text offset, kind, depth and frame count. */
            void head() {
                long head = sleb(bytes, pos);
                text += (int) (head >> 2);
                kind = (int) head & 3;
                depth = 8 * (int) sleb(bytes, pos);
                frames = (int) sleb(bytes, pos);
            }

            /** Reads the frames of the site whose head was read last into {@code [0, frames)} of the arrays. */
            void frames(int[] funcIndices, int[] wasmOffsets) {
                for (int k = 0; k < frames; k++) {
                    funcIndices[k] = (int) sleb(bytes, pos);
                }
                offset += (int) sleb(bytes, pos);
                wasmOffsets[0] = offset;
                for (int k = 1; k < frames; k++) {
                    wasmOffsets[k] = (int) sleb(bytes, pos);
                }
            }
        }
    }

    /** Sites collected from several pieces of code, shifted to their text offsets. */
    public static List<Site> shift(List<Site> sites, int by) {
        List<Site> out = new ArrayList<>(sites.size());
        for (Site s : sites) {
            out.add(new Site(s.textOffset() + by, s.kind(), s.depth(), s.funcIndices(), s.wasmOffsets()));
        }
        return out;
    }
}
