package dev.kiln.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code .kiln.meta} encoding's trap table: delta-encoded LEB128, round trips, bad input. */
class ArtifactMetadataTest {
    private static ArtifactMetadata meta(List<ArtifactMetadata.TrapSiteInfo> traps) {
        ArtifactMetadata probe = meta(traps, 0);
        return meta(traps, probe.layout().size());
    }

    private static ArtifactMetadata meta(List<ArtifactMetadata.TrapSiteInfo> traps, int vmctxSize) {
        return new ArtifactMetadata(Target.host(), 0, CompileOptions.defaults(), new byte[32], List.of(), List.of(), 0,
                List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), -1, -1, vmctxSize, 0, traps);
    }

    @Test
    void trapSitesRoundTripInTwoBytesEachWhenClose() {
        List<ArtifactMetadata.TrapSiteInfo> traps = new ArrayList<>();
        int offset = 16;
        for (int i = 0; i < 1000; i++) {
            traps.add(new ArtifactMetadata.TrapSiteInfo(offset, i % TrapCode.values().length));
            offset += 1 + i % 100;
        }
        // far apart and at the ends of the LEB128 ranges: 1, 2, 3 and 5 bytes
        traps.add(new ArtifactMetadata.TrapSiteInfo(offset + 200, 1));
        traps.add(new ArtifactMetadata.TrapSiteInfo(offset + 20_000, 2));
        traps.add(new ArtifactMetadata.TrapSiteInfo(Integer.MAX_VALUE - 1, 3));
        traps.add(new ArtifactMetadata.TrapSiteInfo(Integer.MAX_VALUE - 1, 4)); // two sites at one offset
        ArtifactMetadata m = meta(traps);
        byte[] bytes = m.encode();
        ArtifactMetadata back = ArtifactMetadata.decode(bytes, "x.kiln");
        assertEquals(traps, back.trapSites());
        int empty = meta(List.of()).encode().length;
        assertTrue(bytes.length - empty < 2 * 1000 + 2 + 3 + 5 + 5 + 1 + 1 + 1 + 1, "bytes: " + (bytes.length - empty));
    }

    @Test
    void theBoundsCheckModeRoundTripsAndUnknownOptionBitsAreRefused() {
        for (BoundsChecks mode : BoundsChecks.values()) {
            ArtifactMetadata probe = meta(List.of());
            ArtifactMetadata m = new ArtifactMetadata(Target.host(), 0, CompileOptions.defaults().withBoundsChecks(mode),
                    new byte[32], List.of(), List.of(), 0, List.of(), List.of(), List.of(), List.of(), List.of(),
                    List.of(), List.of(), -1, -1, probe.layout().size(), 0, List.of());
            assertEquals(mode, ArtifactMetadata.decode(m.encode(), "x.kiln").options().boundsChecks());
        }
        byte[] bytes = ArtifactMetadata.inflate(meta(List.of()).encode(), "x.kiln");
        bytes[24 + 3] |= 0x40; // an option bit no Kiln knows
        ArtifactFormatException e = assertThrows(ArtifactFormatException.class,
                () -> ArtifactMetadata.decode(ArtifactMetadata.compress(bytes), "x.kiln"));
        assertTrue(e.getMessage().contains("unknown compile option bits 0x40000000"), e.getMessage());
    }

    @Test
    void aTruncatedOrOverlongTrapTableIsRefusedWithItsOffset() {
        ArtifactMetadata m = meta(List.of(new ArtifactMetadata.TrapSiteInfo(300, 1)));
        byte[] bytes = ArtifactMetadata.inflate(m.encode(), "x.kiln"); // the body as it is before compression
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 1); // the trap code is missing
        ArtifactFormatException t = assertThrows(ArtifactFormatException.class,
                () -> ArtifactMetadata.decode(ArtifactMetadata.compress(truncated), "x.kiln"));
        assertTrue(t.getMessage().contains("x.kiln") && t.getMessage().contains("truncated"), t.getMessage());

        byte[] overlong = java.util.Arrays.copyOf(bytes, bytes.length + 4);
        int at = bytes.length - 3; // the offset's first byte: make it 6 bytes of continuation
        for (int i = at; i < at + 6; i++) {
            overlong[i] = (byte) 0x80;
        }
        overlong[at + 6] = 1;
        ArtifactFormatException o = assertThrows(ArtifactFormatException.class,
                () -> ArtifactMetadata.decode(ArtifactMetadata.compress(overlong), "x.kiln"));
        assertTrue(o.getMessage().contains("LEB128"), o.getMessage());
    }

    /** The compressed body: its stated length, its DEFLATE stream and what follows it are all checked. */
    @Test
    void aMalformedCompressedBodyIsRefused() {
        byte[] good = meta(List.of(new ArtifactMetadata.TrapSiteInfo(300, 1))).encode();
        assertEquals(1, ArtifactMetadata.decode(good, "x.kiln").trapSites().size());
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

    @Test
    void sitesOutOfOrderCannotBeEncoded() {
        ArtifactMetadata m = meta(List.of(new ArtifactMetadata.TrapSiteInfo(64, 1), new ArtifactMetadata.TrapSiteInfo(32, 1)));
        assertThrows(IllegalStateException.class, m::encode);
    }
}
