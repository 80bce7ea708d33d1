package dev.kiln.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code .kiln.meta} encoding: round trips of the option bits, bad and old input refused. */
class ArtifactMetadataTest {
    private static ArtifactMetadata meta() {
        return meta(meta(0).layout().size());
    }

    private static ArtifactMetadata meta(int vmctxSize) {
        return new ArtifactMetadata(Target.host(), 0, CompileOptions.defaults(), new byte[32], List.of(), List.of(), 0,
                List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), -1, -1, vmctxSize, 0);
    }

    @Test
    void theBoundsCheckModeRoundTripsAndUnknownOptionBitsAreRefused() {
        for (BoundsChecks mode : BoundsChecks.values()) {
            ArtifactMetadata m = new ArtifactMetadata(Target.host(), 0, CompileOptions.defaults().withBoundsChecks(mode),
                    new byte[32], List.of(), List.of(), 0, List.of(), List.of(), List.of(), List.of(), List.of(),
                    List.of(), List.of(), -1, -1, meta().vmctxSize(), 0);
            assertEquals(mode, ArtifactMetadata.decode(m.encode(), "x.kiln").options().boundsChecks());
        }
        byte[] bytes = ArtifactMetadata.inflate(meta().encode(), "x.kiln");
        bytes[24 + 3] |= 0x40; // an option bit no Kiln knows
        ArtifactFormatException e = assertThrows(ArtifactFormatException.class,
                () -> ArtifactMetadata.decode(ArtifactMetadata.compress(bytes), "x.kiln"));
        assertTrue(e.getMessage().contains("unknown compile option bits 0x40000000"), e.getMessage());
    }

    /** The libcalls the code calls round-trip; a bit past the last libcall is refused, encoded or decoded. */
    @Test
    void theLibcallsRoundTripAndUnknownOnesAreRefused() {
        int used = 1 << VMContextLayout.LIBCALL_TABLE_FILL | 1 << VMContextLayout.LIBCALL_MEMORY_GROW
                | 1 << VMContextLayout.LIBCALL_THROW;
        ArtifactMetadata m = new ArtifactMetadata(Target.host(), 0, CompileOptions.defaults(), new byte[32], List.of(),
                List.of(), 0, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), -1, -1,
                meta().vmctxSize(), 0, used, List.of(), null);
        assertEquals(used, ArtifactMetadata.decode(m.encode(), "x.kiln").libcalls());
        assertEquals(ArtifactMetadata.ALL_LIBCALLS, ArtifactMetadata.decode(meta().encode(), "x.kiln").libcalls());
        assertThrows(IllegalArgumentException.class, () -> new ArtifactMetadata(Target.host(), 0, CompileOptions.defaults(),
                new byte[32], List.of(), List.of(), 0, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
                List.of(), -1, -1, meta().vmctxSize(), 0, 1 << VMContextLayout.LIBCALLS, List.of(), null));

        byte[] bytes = ArtifactMetadata.inflate(m.encode(), "x.kiln");
        int at = indexOf(bytes, used); // the only u32 of the body with these two bits
        bytes[at + 1] |= 1; // bit 8: past the last libcall
        ArtifactFormatException e = assertThrows(ArtifactFormatException.class,
                () -> ArtifactMetadata.decode(ArtifactMetadata.compress(bytes), "x.kiln"));
        assertTrue(e.getMessage().contains("libcall") && e.getMessage().contains("0x1a2"), e.getMessage());
    }

    /**
     * Where each function's code is round-trips whatever the order and alignment of the code: in
     * funcidx order at 16 bytes, a function moved ahead of two others (as {@code CodePacking} does), a
     * 64-byte-aligned one, one at an odd offset, an empty one; a body naming a function twice is refused.
     */
    @Test
    void functionCodePlacementRoundTripsInAnyOrder() {
        FuncType t = FuncType.of(List.of(), List.of());
        List<ArtifactMetadata.FunctionInfo> funcs = List.of(
                new ArtifactMetadata.FunctionInfo(0, null, 0, 20),
                new ArtifactMetadata.FunctionInfo(1, "second", 32, 33),
                new ArtifactMetadata.FunctionInfo(0, null, 128, 7), // after 4, which filled the gap before it
                new ArtifactMetadata.FunctionInfo(1, null, 137, 0), // odd offset, no code
                new ArtifactMetadata.FunctionInfo(0, null, 80, 48), // moved ahead of 2 and 3
                new ArtifactMetadata.FunctionInfo(0, "last", 1 << 20, 5));
        java.util.function.IntFunction<ArtifactMetadata> withVmctx = size -> new ArtifactMetadata(Target.host(), 0,
                CompileOptions.defaults(), new byte[32], List.of(t, t), List.of(), 0, funcs, List.of(), List.of(),
                List.of(), List.of(), List.of(), List.of(), -1, -1, size, 0);
        ArtifactMetadata m = withVmctx.apply(withVmctx.apply(0).layout().size());
        assertEquals(funcs, ArtifactMetadata.decode(m.encode(), "x.kiln").functions());

        byte[] body = ArtifactMetadata.inflate(m.encode(), "x.kiln");
        // the entries in code order follow the names: 0 (+0), 1 (+0), 4 (+2), 2 (-3), 3 (+0), 5 (+1);
        // make the fourth name function 4 again (+2: the byte 0x02 of the signed LEB128)
        int p = -1; // just after the last name, "last"
        for (int i = 0; i + 4 <= body.length && p < 0; i++) {
            if (new String(body, i, 4, java.nio.charset.StandardCharsets.US_ASCII).equals("last")) {
                p = i + 4;
            }
        }
        int[] entries = new int[6];
        for (int k = 0; k < 6; k++) {
            entries[k] = p;
            for (int field = 0; field < 3; field++) {
                while ((body[p++] & 0x80) != 0) {
                    // the rest of a LEB128
                }
            }
        }
        assertEquals(0x7D, body[entries[3]], "function 2 comes 3 before one after function 4");
        body[entries[3]] = 0x7F; // -1: function 4 again
        ArtifactFormatException e = assertThrows(ArtifactFormatException.class,
                () -> ArtifactMetadata.decode(ArtifactMetadata.compress(body), "x.kiln"));
        assertTrue(e.getMessage().contains("names function 4 a second time"), e.getMessage());
    }

    /** The offset of the only little-endian u32 {@code value} in {@code bytes}. */
    private static int indexOf(byte[] bytes, int value) {
        int found = -1;
        for (int i = 0; i + 4 <= bytes.length; i++) {
            if (java.nio.ByteBuffer.wrap(bytes, i, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt() == value) {
                assertEquals(-1, found, "a second u32 " + value);
                found = i;
            }
        }
        assertTrue(found >= 0);
        return found;
    }

    @Test
    void aTruncatedBodyOrTrailingBytesAreRefusedWithTheirOffset() {
        byte[] bytes = ArtifactMetadata.inflate(meta().encode(), "x.kiln"); // the body as it is before compression
        assertEquals(0, ArtifactMetadata.decode(ArtifactMetadata.compress(bytes), "x.kiln").functions().size());
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 1); // the last count is missing a byte
        ArtifactFormatException t = assertThrows(ArtifactFormatException.class,
                () -> ArtifactMetadata.decode(ArtifactMetadata.compress(truncated), "x.kiln"));
        assertTrue(t.getMessage().contains("x.kiln") && t.getMessage().contains("truncated"), t.getMessage());

        // what a format-11 artifact held after its last field: a trap table of one site
        byte[] trapTable = java.util.Arrays.copyOf(bytes, bytes.length + 6);
        trapTable[bytes.length] = 1;
        trapTable[bytes.length + 4] = (byte) 0x80;
        trapTable[bytes.length + 5] = 1;
        ArtifactFormatException o = assertThrows(ArtifactFormatException.class,
                () -> ArtifactMetadata.decode(ArtifactMetadata.compress(trapTable), "x.kiln"));
        assertTrue(o.getMessage().contains("6 unexpected bytes at the end"), o.getMessage());
    }

    @Test
    void anArtifactOfTheFormatBeforeIsRefusedAndToldToRecompile() {
        byte[] bytes = meta().encode();
        assertEquals(ArtifactMetadata.FORMAT_VERSION, bytes[8]);
        bytes[8] = (byte) (ArtifactMetadata.FORMAT_VERSION - 1); // the u32 after the 8-byte magic
        ArtifactFormatException e = assertThrows(ArtifactFormatException.class, () -> ArtifactMetadata.decode(bytes, "x.kiln"));
        assertTrue(e.getMessage().contains("recompile"), e.getMessage());
    }

    /** The compressed body: its stated length, its DEFLATE stream and what follows it are all checked. */
    @Test
    void aMalformedCompressedBodyIsRefused() {
        byte[] good = meta().encode();
        assertEquals(0, ArtifactMetadata.decode(good, "x.kiln").exports().size());
        byte[] longer = good.clone();
        longer[40]++; // the stated body length, one more than what inflates
        ArtifactFormatException l = assertThrows(ArtifactFormatException.class, () -> ArtifactMetadata.decode(longer, "x.kiln"));
        assertTrue(l.getMessage().contains("do not inflate"), l.getMessage());
        byte[] absurd = good.clone();
        absurd[43] = 0x7F; // about 2 GB from a few bytes
        ArtifactFormatException a = assertThrows(ArtifactFormatException.class, () -> ArtifactMetadata.decode(absurd, "x.kiln"));
        assertTrue(a.getMessage().contains("more than"), a.getMessage());
        byte[] garbage = good.clone();
        java.util.Arrays.fill(garbage, 44, garbage.length, (byte) 0x5A);
        assertThrows(ArtifactFormatException.class, () -> ArtifactMetadata.decode(garbage, "x.kiln"));
        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
        assertThrows(ArtifactFormatException.class, () -> ArtifactMetadata.decode(trailing, "x.kiln"));
        assertThrows(ArtifactFormatException.class, () -> ArtifactMetadata.decode(java.util.Arrays.copyOf(good, 42), "x.kiln"));
    }
}
