package dev.kiln.abi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The artifact's exception-handling facts (Wasm 3.0 exception handling), in the ELF section
 * {@link #SECTION}, and the layout of exception objects that generated code and the loader share.
 *
 * <p><b>Exception object</b> (an {@code exnref} is its address; allocated by the runtime, never moved):
 * u64 tag identity at {@link #EXN_TAG} (the address of the tag's identity cell, see
 * {@link VMContextLayout#TAGS}), u64 reserved, then the payload: one 8-byte slot per parameter of
 * the tag's type, from {@link #EXN_PAYLOAD} (i32 and f32 in the low 4 bytes, references as their
 * u64 address).
 *
 * <p><b>Call-site table</b>: one entry per call instruction of every defined function (the return
 * address as an offset in {@code .text}), with what an unwinder needs to step from the callee's frame
 * into the caller's without frame pointers: the bytes between the caller's stack pointer at the call
 * and its own return-address slot ({@link CallSite#frameBytes()}), the bytes of stack arguments the
 * callee pops ({@link CallSite#popped()}), and whether the call lies in a {@code try_table} with catch
 * clauses ({@link CallSite#catches()}): resuming there with the exception pending is how a handler
 * is entered, at the call's landing pad ({@link CallSite#landingPad()}: code out of line that reads
 * the pending exception and branches to the handlers) or, without one, at its return address, where
 * the code tests for a pending exception. Nothing is paid on the normal path beyond that test where
 * there is no landing pad: the table is only read when an exception is thrown.
 * On AArch64 the return-address slot is the {@code x30} half of the function's frame record (at
 * {@code x29 + 8}): the unwinder steps from frame record to frame record, and the frame bytes give
 * the caller's stack pointer from its {@code x29}.
 *
 * <p>Encoding (little-endian): u32 {@link #VERSION}; u32 n, then n u32 typeidx of the defined tags;
 * u32 flags, bit 0 set when the body leaves out the call sites that the artifact's {@link FrameTable}
 * describes (its return-address sites are then exactly the call sites; a left-out site has the frame
 * site's depth as its frame bytes, pops nothing, does not catch and its caller has no stack arguments);
 * u32 the length in bytes of the call-site body, then that body compressed with DEFLATE (RFC 1951 in
 * the zlib format of RFC 1950, {@link java.util.zip.Deflater}). The body: u32 m, then m call sites
 * sorted by return offset, each as three unsigned LEB128 numbers: the return offset's distance from
 * the previous site's (from 0 for the first; never 0 after it), the frame bytes, and the popped bytes
 * times 4 plus 2 if the calling function has stack arguments of its own plus 1 if the call catches;
 * then a catching site's landing pad's distance from its return offset (0: none), then those stack
 * arguments' bytes if any. A site takes 3 to 5 bytes before compression (a fixed layout took 16) and
 * about a third of that after it: one function's sites share their frame bytes. The tags are
 * decoded with the section; the call sites on first use (an unwinder's first lookup), as
 * {@code int} arrays, not one object per site. Immutable; thread-safe.
 */
public final class ExceptionTables {
    /** Name of the ELF section. */
    public static final String SECTION = ".kiln.eh";
    /** Encoding version. */
    public static final int VERSION = 4;
    /**
     * Flag of the section: the call sites a {@link FrameTable} return-address site describes are left
     * out (see {@link #encode(int[], int[])}); the decoder takes them from the frame table.
     */
    private static final int FROM_FRAMES = 1;
    /** Import and export kind of a tag in {@link ArtifactMetadata} (the binary format's external kind). */
    public static final int TAG_KIND = 4;
    /** Offset in an exception object of the u64 tag identity. */
    public static final int EXN_TAG = 0;
    /** Offset in an exception object of the first payload slot. */
    public static final int EXN_PAYLOAD = 16;

    /**
     * One call instruction.
     *
     * @param returnOffset offset in {@code .text} of the instruction after the call (the return address)
     * @param frameBytes   bytes from the caller's stack pointer at the call to the caller's own return-address slot
     * @param popped       bytes of stack arguments the callee pops on return
     * @param catches      whether the call lies in a {@code try_table} with catch clauses
     * @param landingPad   offset in {@code .text} where the unwinder resumes a catching call, after its
     *                     return offset; {@code -1}: at the return address, where the code tests for a
     *                     pending exception
     * @param callerArgBytes bytes of stack arguments the calling function itself pops when it returns:
     *                     with the callee's own (a tail call may have replaced the callee by one with
     *                     more), where the caller's stack pointer at the call lies above the callee's
     *                     return-address slot
     */
    public record CallSite(int returnOffset, int frameBytes, int popped, boolean catches, int landingPad,
            int callerArgBytes) {
        /**
         * @throws IllegalArgumentException if the landing pad is neither -1 nor after the return offset,
         *                                  or given for a call that does not catch
         */
        public CallSite {
            if (landingPad != -1 && (landingPad <= returnOffset || !catches)) {
                throw new IllegalArgumentException("landing pad " + landingPad + " of the call returning to " + returnOffset);
            }
        }

        /** A site of a function without stack arguments of its own. */
        public CallSite(int returnOffset, int frameBytes, int popped, boolean catches, int landingPad) {
            this(returnOffset, frameBytes, popped, catches, landingPad, 0);
        }

        /** A site without a landing pad (a catching call resumes at its return address), in a function without stack arguments. */
        public CallSite(int returnOffset, int frameBytes, int popped, boolean catches) {
            this(returnOffset, frameBytes, popped, catches, -1, 0);
        }

        /** The same site with its offsets moved by {@code delta} bytes (placing a function in {@code .text}). */
        public CallSite shifted(int delta) {
            return new CallSite(returnOffset + delta, frameBytes, popped, catches, landingPad < 0 ? -1 : landingPad + delta,
                    callerArgBytes);
        }

        /** Where a catching call resumes: its landing pad, or its return address. */
        public int resumeOffset() {
            return landingPad < 0 ? returnOffset : landingPad;
        }
    }

    private final int[] tagTypes;
    /** The call sites, decoded; null until {@link #sites()} decodes {@link #packed}. */
    private volatile Sites sites;
    /** A decoded section's compressed call-site body (and its length inflated), until first use. */
    private final byte[] packed;
    private final int packedOffset;
    private final int bodyLength;
    /** Whether the encoded body leaves out the call sites the frame table describes ({@link #FROM_FRAMES}). */
    private final boolean fromFrames;
    /** The artifact's frame table, for a section {@link #fromFrames}; null otherwise or when not given. */
    private final java.util.function.Supplier<FrameTable> frames;

    /** The call sites as parallel arrays, sorted by return offset. */
    private record Sites(int[] offsets, int[] frameBytes, int[] poppedAndCatches, int[] landingPads,
            int[] callerArgBytes) {
        // poppedAndCatches: popped bytes times 2, plus 1 if the call catches;
        // landingPads: the landing pad's distance from the return offset, 0 for none
    }

    /**
     * @param tagTypes the typeidx of each defined tag
     * @param sites    the call sites, in any order, their return offsets distinct; iterated once when
     *                 in ascending order (then each site may be made as it is asked for and dropped
     *                 after), twice otherwise
     * @throws IllegalArgumentException if two sites share a return offset
     */
    public ExceptionTables(int[] tagTypes, Iterable<CallSite> sites) {
        this.tagTypes = tagTypes.clone();
        Sites packedSites = pack(sites);
        if (packedSites == null) {
            List<CallSite> all = new ArrayList<>();
            sites.forEach(all::add);
            all.sort((a, b) -> Integer.compare(a.returnOffset(), b.returnOffset()));
            packedSites = pack(all);
            for (int i = 1; packedSites == null; i++) { // sorted, yet not strictly ascending: a repeat
                if (all.get(i).returnOffset() == all.get(i - 1).returnOffset()) {
                    throw new IllegalArgumentException("two call sites return to offset " + all.get(i).returnOffset());
                }
            }
        }
        this.sites = packedSites;
        this.packed = null;
        this.packedOffset = 0;
        this.bodyLength = 0;
        this.fromFrames = false;
        this.frames = null;
    }

    /** The sites as parallel arrays, or null if their return offsets do not ascend strictly. */
    private static Sites pack(Iterable<CallSite> sites) {
        int capacity = sites instanceof java.util.Collection<?> c ? c.size() : 1024;
        int[] offsets = new int[capacity];
        int[] frameBytes = new int[capacity];
        int[] poppedAndCatches = new int[capacity];
        int[] landingPads = new int[capacity];
        int[] callerArgBytes = new int[capacity];
        int n = 0;
        for (CallSite s : sites) {
            if (n > 0 && s.returnOffset() <= offsets[n - 1]) {
                return null;
            }
            if (n == offsets.length) {
                int grow = Math.max(16, n * 2);
                offsets = Arrays.copyOf(offsets, grow);
                frameBytes = Arrays.copyOf(frameBytes, grow);
                poppedAndCatches = Arrays.copyOf(poppedAndCatches, grow);
                landingPads = Arrays.copyOf(landingPads, grow);
                callerArgBytes = Arrays.copyOf(callerArgBytes, grow);
            }
            offsets[n] = s.returnOffset();
            frameBytes[n] = s.frameBytes();
            poppedAndCatches[n] = s.popped() << 1 | (s.catches() ? 1 : 0);
            landingPads[n] = s.landingPad() < 0 ? 0 : s.landingPad() - s.returnOffset();
            callerArgBytes[n] = s.callerArgBytes();
            n++;
        }
        return new Sites(Arrays.copyOf(offsets, n), Arrays.copyOf(frameBytes, n), Arrays.copyOf(poppedAndCatches, n),
                Arrays.copyOf(landingPads, n), Arrays.copyOf(callerArgBytes, n));
    }

    private ExceptionTables(int[] tagTypes, byte[] packed, int packedOffset, int bodyLength, boolean fromFrames,
            java.util.function.Supplier<FrameTable> frames) {
        this.tagTypes = tagTypes;
        this.packed = packed;
        this.packedOffset = packedOffset;
        this.bodyLength = bodyLength;
        this.fromFrames = fromFrames;
        this.frames = frames;
    }

    /**
     * The call sites, decoding them on first use.
     *
     * @throws ArtifactFormatException if the compressed body is malformed
     */
    private Sites sites() {
        Sites s = sites;
        if (s == null) {
            synchronized (this) {
                s = sites;
                if (s == null) {
                    s = decodeSites(Deflate.inflate(packed, packedOffset, bodyLength, null, SECTION + ": the call sites"));
                    if (fromFrames) {
                        if (frames == null) {
                            throw new ArtifactFormatException(0, SECTION + ": its call sites are in the frame table,"
                                    + " which was not given");
                        }
                        s = withFrameSites(s, frames.get());
                    }
                    sites = s;
                }
            }
        }
        return s;
    }

    /** Offset in an exception object of payload slot {@code i}. */
    public static int payloadOffset(int i) {
        return EXN_PAYLOAD + 8 * i;
    }

    /** The typeidx of each defined tag (a copy). */
    public int[] tagTypes() {
        return tagTypes.clone();
    }

    /** The call sites, sorted by return offset (a view; each element made on access). */
    public List<CallSite> callSites() {
        return new java.util.AbstractList<>() {
            @Override
            public CallSite get(int i) {
                return site(i);
            }

            @Override
            public int size() {
                return sites().offsets.length;
            }
        };
    }

    private CallSite site(int i) {
        Sites s = sites();
        return new CallSite(s.offsets[i], s.frameBytes[i], s.poppedAndCatches[i] >>> 1, (s.poppedAndCatches[i] & 1) != 0,
                s.landingPads[i] == 0 ? -1 : s.offsets[i] + s.landingPads[i], s.callerArgBytes[i]);
    }

    /**
     * The call site whose return address is {@code returnOffset} in {@code .text}, or null.
     *
     * @throws ArtifactFormatException if this is the first use of a decoded section's call sites and
     *         they are malformed
     */
    public CallSite lookup(long returnOffset) {
        if (returnOffset < 0 || returnOffset > Integer.MAX_VALUE) {
            return null;
        }
        int i = Arrays.binarySearch(sites().offsets, (int) returnOffset);
        return i >= 0 ? site(i) : null;
    }

    /** The section's bytes, with every call site. */
    public byte[] encode() {
        return encode(null);
    }

    /**
     * The section's bytes, leaving out the call sites that the artifact's {@link FrameTable} describes
     * when its return-address sites are exactly this table's call sites: a site whose frame bytes are
     * the frame site's depth, which pops no stack arguments, does not catch and whose caller has no
     * stack arguments of its own (on x86-64, about nine in ten). Those take most of the section: their
     * return offsets are the frame table's. {@link #decode(byte[], java.util.function.Supplier)} with the
     * frame table gives the same call sites back. When the sets differ, every site is written.
     *
     * @param returnAddressOffsets the text offsets of the frame table's {@link FrameTable#RETURN_ADDRESS}
     *                             sites, ascending
     * @param returnAddressDepths  their depths, in bytes
     */
    public byte[] encode(int[] returnAddressOffsets, int[] returnAddressDepths) {
        Sites st = sites();
        int n = st.offsets.length;
        if (returnAddressOffsets.length != n || returnAddressDepths.length != n) {
            return encode(null);
        }
        boolean[] omit = new boolean[n];
        for (int i = 0; i < n; i++) {
            if (returnAddressOffsets[i] != st.offsets[i]) {
                return encode(null); // a frame site that is no call site, or the reverse
            }
            omit[i] = returnAddressDepths[i] == st.frameBytes[i] && st.poppedAndCatches[i] == 0 && st.callerArgBytes[i] == 0;
        }
        return encode(omit);
    }

    /** The section's bytes: every site, or ({@link #FROM_FRAMES}) those {@code omit} does not name. */
    private byte[] encode(boolean[] omit) {
        ByteBuffer head = ByteBuffer.allocate(16 + 4 * tagTypes.length).order(ByteOrder.LITTLE_ENDIAN);
        head.putInt(VERSION).putInt(tagTypes.length);
        for (int t : tagTypes) {
            head.putInt(t);
        }
        head.putInt(omit != null ? FROM_FRAMES : 0);
        // the body's length follows the tags once the body is known
        Sites st = sites();
        int[] offsets = st.offsets;
        int[] frameBytes = st.frameBytes;
        int[] poppedAndCatches = st.poppedAndCatches;
        int[] landingPads = st.landingPads;
        int[] callerArgBytes = st.callerArgBytes;
        int written = offsets.length;
        if (omit != null) {
            for (boolean o : omit) {
                written -= o ? 1 : 0;
            }
        }
        ByteArrayOutputStream out = new ByteSink(4 + 4 * written);
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(written).array());
        int previous = 0;
        for (int i = 0; i < offsets.length; i++) {
            if (omit != null && omit[i]) {
                continue;
            }
            Leb128.writeUnsigned(out, offsets[i] - previous);
            Leb128.writeUnsigned(out, frameBytes[i]);
            Leb128.writeUnsigned(out, (long) (poppedAndCatches[i] >>> 1) << 2 | (callerArgBytes[i] != 0 ? 2 : 0)
                    | poppedAndCatches[i] & 1);
            if ((poppedAndCatches[i] & 1) != 0) {
                Leb128.writeUnsigned(out, landingPads[i]);
            }
            if (callerArgBytes[i] != 0) {
                Leb128.writeUnsigned(out, callerArgBytes[i]);
            }
            previous = offsets[i];
        }
        byte[] body = out.toByteArray();
        head.putInt(body.length);
        ByteArrayOutputStream section = new ByteArrayOutputStream(head.capacity() + body.length / 2 + 16);
        section.writeBytes(head.array());
        Deflate.compress(body, 0, body.length, section);
        return section.toByteArray();
    }

    /**
     * Decodes a section written by {@link #encode()}.
     *
     * @throws ArtifactFormatException if the bytes are truncated or of another version; on first use
     *         of the call sites if they are in a frame table (see {@link #decode(byte[], java.util.function.Supplier)})
     */
    public static ExceptionTables decode(byte[] bytes) {
        return decode(bytes, null);
    }

    /**
     * Decodes a section whose call sites may be partly in the artifact's frame table
     * ({@link #encode(int[], int[])}); {@code frames} is asked for it on the first use of the call
     * sites, not before.
     *
     * @param frames the artifact's frame table, or null when it has none
     * @throws ArtifactFormatException if the bytes are truncated or of another version; on first use of
     *         the call sites, if the body is malformed, or its sites are in a frame table and
     *         {@code frames} is null or gives a table without them
     */
    public static ExceptionTables decode(byte[] bytes, java.util.function.Supplier<FrameTable> frames) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt() != VERSION) {
                throw new ArtifactFormatException(0, SECTION + ": unknown version");
            }
            int[] tags = new int[checkedCount(b, 4)];
            for (int i = 0; i < tags.length; i++) {
                tags[i] = b.getInt();
            }
            int flags = b.getInt();
            if ((flags & ~FROM_FRAMES) != 0) {
                throw new ArtifactFormatException(b.position() - 4, SECTION + ": unknown flags " + Integer.toHexString(flags));
            }
            int bodyLength = b.getInt();
            if (bodyLength < 4 || !Deflate.mayInflateTo(bodyLength, b.remaining())) {
                throw new ArtifactFormatException(b.position() - 4, SECTION + ": call-site body of "
                        + Integer.toUnsignedString(bodyLength) + " bytes");
            }
            return new ExceptionTables(tags, bytes, b.position(), bodyLength, (flags & FROM_FRAMES) != 0, frames);
        } catch (java.nio.BufferUnderflowException e) {
            throw new ArtifactFormatException(bytes.length, SECTION + ": truncated section");
        }
    }

    /** Decodes an inflated call-site body. */
    private static Sites decodeSites(byte[] bytes) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int n = checkedCount(b, 3);
            int[] offsets = new int[n];
            int[] frames = new int[n];
            int[] popped = new int[n];
            int[] pads = new int[n];
            int[] args = new int[n];
            long offset = 0;
            for (int i = 0; i < n; i++) {
                int at = b.position();
                int delta = Leb128.readInt(b, SECTION);
                offset += delta;
                if (i > 0 && delta == 0 || offset > Integer.MAX_VALUE) {
                    throw new ArtifactFormatException(at, SECTION + ": call site " + i + " is not after the one before it");
                }
                offsets[i] = (int) offset;
                frames[i] = Leb128.readInt(b, SECTION);
                int flags = Leb128.readInt(b, SECTION);
                popped[i] = flags >>> 2 << 1 | flags & 1;
                if ((popped[i] & 1) != 0) {
                    pads[i] = Leb128.readInt(b, SECTION);
                    if (offset + pads[i] > Integer.MAX_VALUE) {
                        throw new ArtifactFormatException(at, SECTION + ": call site " + i + " has its landing pad beyond the code");
                    }
                }
                if ((flags & 2) != 0) {
                    args[i] = Leb128.readInt(b, SECTION);
                }
            }
            if (b.hasRemaining()) {
                throw new ArtifactFormatException(b.position(), SECTION + ": " + b.remaining() + " bytes after the call sites");
            }
            return new Sites(offsets, frames, popped, pads, args);
        } catch (java.nio.BufferUnderflowException e) {
            throw new ArtifactFormatException(bytes.length, SECTION + ": truncated call sites");
        }
    }

    /**
     * The call sites of a {@link #FROM_FRAMES} section: one per return-address site of {@code frames}
     * (frame bytes = its depth, nothing popped, no catch, no stack arguments of the caller's), each
     * replaced by the explicit site at its offset where there is one.
     */
    private static Sites withFrameSites(Sites explicit, FrameTable frames) {
        int total = 0;
        for (int i = 0; i < frames.size(); i++) {
            total += frames.kind(i) == FrameTable.RETURN_ADDRESS ? 1 : 0;
        }
        int[] offsets = new int[total];
        int[] frameBytes = new int[total];
        int[] poppedAndCatches = new int[total];
        int[] landingPads = new int[total];
        int[] callerArgBytes = new int[total];
        int k = 0;
        int e = 0;
        for (int i = 0; i < frames.size(); i++) {
            if (frames.kind(i) != FrameTable.RETURN_ADDRESS) {
                continue;
            }
            int offset = frames.textOffset(i);
            if (k > 0 && offset == offsets[k - 1]) {
                throw new ArtifactFormatException(0, SECTION + ": two return-address frame sites at text offset " + offset);
            }
            offsets[k] = offset;
            if (e < explicit.offsets.length && explicit.offsets[e] < offset) {
                throw new ArtifactFormatException(0, SECTION + ": call site at text offset " + explicit.offsets[e]
                        + " has no return-address frame site");
            }
            if (e < explicit.offsets.length && explicit.offsets[e] == offset) {
                frameBytes[k] = explicit.frameBytes[e];
                poppedAndCatches[k] = explicit.poppedAndCatches[e];
                landingPads[k] = explicit.landingPads[e];
                callerArgBytes[k] = explicit.callerArgBytes[e];
                e++;
            } else {
                frameBytes[k] = frames.depth(i);
            }
            k++;
        }
        if (e < explicit.offsets.length) {
            throw new ArtifactFormatException(0, SECTION + ": call site at text offset " + explicit.offsets[e]
                    + " has no return-address frame site");
        }
        return new Sites(offsets, frameBytes, poppedAndCatches, landingPads, callerArgBytes);
    }

    private static int checkedCount(ByteBuffer b, int entryBytes) {
        int n = b.getInt();
        if (n < 0 || (long) n * entryBytes > b.remaining()) {
            throw new ArtifactFormatException(b.position(), SECTION + ": count " + Integer.toUnsignedString(n) + " beyond the section");
        }
        return n;
    }
}
