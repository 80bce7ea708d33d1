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
 * is entered. Nothing is paid on the normal path: the table is only read when an exception is thrown.
 * On AArch64 the return-address slot is the {@code x30} half of the function's frame record (at
 * {@code x29 + 8}): the unwinder steps from frame record to frame record, and the frame bytes give
 * the caller's stack pointer from its {@code x29}.
 *
 * <p>Encoding (little-endian): u32 {@link #VERSION}; u32 n, then n u32 typeidx of the defined tags;
 * u32 m, then m call sites sorted by return offset, each u32 return offset, u32 frame bytes, u32
 * popped bytes, u32 flags (bit 0: catches). Immutable values; thread-safe.
 */
public final class ExceptionTables {
    /** Name of the ELF section. */
    public static final String SECTION = ".kiln.eh";
    /** Encoding version. */
    public static final int VERSION = 1;
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
     */
    public record CallSite(int returnOffset, int frameBytes, int popped, boolean catches) {
        /** The same site with its return offset moved by {@code delta} bytes (placing a function in {@code .text}). */
        public CallSite shifted(int delta) {
            return new CallSite(returnOffset + delta, frameBytes, popped, catches);
        }
    }

    private final int[] tagTypes;
    private final int[] offsets;
    private final CallSite[] sites;

    /**
     * @param tagTypes the typeidx of each defined tag
     * @param sites    the call sites, in any order
     */
    public ExceptionTables(int[] tagTypes, List<CallSite> sites) {
        this.tagTypes = tagTypes.clone();
        this.sites = sites.toArray(new CallSite[0]);
        Arrays.sort(this.sites, (a, b) -> Integer.compare(a.returnOffset(), b.returnOffset()));
        this.offsets = new int[this.sites.length];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = this.sites[i].returnOffset();
        }
    }

    /** Offset in an exception object of payload slot {@code i}. */
    public static int payloadOffset(int i) {
        return EXN_PAYLOAD + 8 * i;
    }

    /** The typeidx of each defined tag (a copy). */
    public int[] tagTypes() {
        return tagTypes.clone();
    }

    /** The call sites, sorted by return offset. */
    public List<CallSite> callSites() {
        return List.of(sites);
    }

    /** The call site whose return address is {@code returnOffset} in {@code .text}, or null. */
    public CallSite lookup(long returnOffset) {
        if (returnOffset < 0 || returnOffset > Integer.MAX_VALUE) {
            return null;
        }
        int i = Arrays.binarySearch(offsets, (int) returnOffset);
        return i >= 0 ? sites[i] : null;
    }

    /** The section's bytes. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(12 + 4 * tagTypes.length + 16 * sites.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(VERSION).putInt(tagTypes.length);
        for (int t : tagTypes) {
            b.putInt(t);
        }
        b.putInt(sites.length);
        for (CallSite s : sites) {
            b.putInt(s.returnOffset()).putInt(s.frameBytes()).putInt(s.popped()).putInt(s.catches() ? 1 : 0);
        }
        return b.array();
    }

    /**
     * Decodes a section.
     *
     * @throws ArtifactFormatException if the bytes are truncated or of another version
     */
    public static ExceptionTables decode(byte[] bytes) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt() != VERSION) {
                throw new ArtifactFormatException(0, SECTION + ": unknown version");
            }
            int[] tags = new int[checkedCount(b, 4)];
            for (int i = 0; i < tags.length; i++) {
                tags[i] = b.getInt();
            }
            int n = checkedCount(b, 16);
            List<CallSite> sites = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                sites.add(new CallSite(b.getInt(), b.getInt(), b.getInt(), (b.getInt() & 1) != 0));
            }
            return new ExceptionTables(tags, sites);
        } catch (java.nio.BufferUnderflowException e) {
            throw new ArtifactFormatException(bytes.length, SECTION + ": truncated section");
        }
    }

    private static int checkedCount(ByteBuffer b, int entryBytes) {
        int n = b.getInt();
        if (n < 0 || (long) n * entryBytes > b.remaining()) {
            throw new ArtifactFormatException(b.position(), SECTION + ": count " + Integer.toUnsignedString(n) + " beyond the section");
        }
        return n;
    }
}
