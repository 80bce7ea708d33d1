package dev.kiln.abi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code .kiln.eh} section: encoding round trip, lookup by return offset, and bad input. */
class ExceptionTablesTest {
    private static final List<ExceptionTables.CallSite> SITES = List.of(
            new ExceptionTables.CallSite(0x140, 56, 0, true),
            new ExceptionTables.CallSite(0x20, 8, 16, false),
            new ExceptionTables.CallSite(0x90, 24, 0, false));

    @Test
    void roundTripAndLookup() {
        ExceptionTables t = ExceptionTables.decode(new ExceptionTables(new int[] {3, 1}, SITES).encode());
        assertArrayEquals(new int[] {3, 1}, t.tagTypes());
        assertEquals(List.of(0x20, 0x90, 0x140), t.callSites().stream().map(ExceptionTables.CallSite::returnOffset).toList());
        assertEquals(new ExceptionTables.CallSite(0x20, 8, 16, false), t.lookup(0x20));
        assertTrue(t.lookup(0x140).catches());
        assertNull(t.lookup(0x21));
        assertNull(t.lookup(-8));
        assertNull(t.lookup(1L << 40));
        assertEquals(new ExceptionTables.CallSite(0x1020, 8, 16, false), SITES.get(1).shifted(0x1000));
        assertEquals(ExceptionTables.EXN_PAYLOAD + 16, ExceptionTables.payloadOffset(2));
    }

    @Test
    void landingPadsAndTheCallersStackArgumentsRoundTripAndMoveWithTheirFunction() {
        List<ExceptionTables.CallSite> sites = List.of(
                new ExceptionTables.CallSite(0x40, 24, 0, true, 0x1F0),
                new ExceptionTables.CallSite(0x80, 24, 8, true),
                new ExceptionTables.CallSite(0x90, 24, 0, false, -1, 48),
                new ExceptionTables.CallSite(0xA0, 24, 16, true, 0x200, 32));
        ExceptionTables t = ExceptionTables.decode(new ExceptionTables(new int[0], sites).encode());
        assertEquals(sites, t.callSites());
        assertEquals(0x1F0, t.lookup(0x40).resumeOffset());
        assertEquals(0x80, t.lookup(0x80).resumeOffset(), "without a pad: the return address");
        assertEquals(new ExceptionTables.CallSite(0x1040, 24, 0, true, 0x11F0), sites.get(0).shifted(0x1000));
        assertEquals(-1, sites.get(1).shifted(0x1000).landingPad());
        assertEquals(48, t.lookup(0x90).callerArgBytes(), "the calling function's own stack arguments");
        assertEquals(32, sites.get(3).shifted(0x1000).callerArgBytes());
        assertThrows(IllegalArgumentException.class, () -> new ExceptionTables.CallSite(0x40, 24, 0, true, 0x40));
        assertThrows(IllegalArgumentException.class, () -> new ExceptionTables.CallSite(0x40, 24, 0, false, 0x80));
    }

    @Test
    void callSitesTakeAFewBytesEach() {
        List<ExceptionTables.CallSite> many = new java.util.ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            many.add(new ExceptionTables.CallSite(7 + 23 * i, 8 * (i % 40), i % 97 == 0 ? 32 : 0, i % 5 == 0));
        }
        ExceptionTables t = new ExceptionTables(new int[0], many);
        byte[] bytes = t.encode();
        assertTrue(bytes.length < 12 + 2 * many.size(), bytes.length + " bytes");
        ExceptionTables back = ExceptionTables.decode(bytes);
        assertEquals(many, back.callSites());
        assertEquals(many.get(4321), back.lookup(7 + 23 * 4321));
        assertThrows(IllegalArgumentException.class, () -> new ExceptionTables(new int[0],
                List.of(new ExceptionTables.CallSite(16, 8, 0, false), new ExceptionTables.CallSite(16, 24, 0, true))));
    }

    /**
     * The call sites a frame table's return-address sites describe are left out of the section and
     * come back from the frame table; those that pop, catch, have stack arguments of the caller's or
     * frame bytes other than the frame site's depth are kept. A frame table whose return addresses are
     * not exactly the call sites leaves the section whole.
     */
    @Test
    void callSitesTheFrameTableDescribesComeFromIt() {
        List<ExceptionTables.CallSite> sites = new java.util.ArrayList<>();
        List<FrameTable.Site> frames = new java.util.ArrayList<>();
        java.util.Random random = new java.util.Random(5);
        int at = 40;
        for (int i = 0; i < 2_000; i++) {
            at += 10 + random.nextInt(60); // return offsets are what costs: spread as calls are
            int depth = 8 * (1 + i / 100);
            sites.add(i % 50 == 7 ? new ExceptionTables.CallSite(at, depth, 16, false)
                    : i % 50 == 9 ? new ExceptionTables.CallSite(at, depth, 0, true, at + 5)
                    : i % 50 == 11 ? new ExceptionTables.CallSite(at, depth, 0, false, -1, 32)
                    : i % 50 == 13 ? new ExceptionTables.CallSite(at, depth + 8, 0, false)
                    : new ExceptionTables.CallSite(at, depth, 0, false));
            frames.add(new FrameTable.Site(at - 9, FrameTable.TRAP, depth, new int[] {3}, new int[] {100 + i}));
            frames.add(new FrameTable.Site(at, FrameTable.RETURN_ADDRESS, depth, new int[] {3}, new int[] {200 + i}));
        }
        FrameTable table = FrameTable.decode(FrameTable.encode("m", frames), "test");
        int[] offsets = sites.stream().mapToInt(ExceptionTables.CallSite::returnOffset).toArray();
        int[] depths = frames.stream().filter(f -> f.kind() == FrameTable.RETURN_ADDRESS).mapToInt(FrameTable.Site::depth).toArray();
        ExceptionTables t = new ExceptionTables(new int[] {2}, sites);
        byte[] whole = t.encode();
        byte[] slim = t.encode(offsets, depths);
        assertTrue(slim.length * 4 < whole.length, slim.length + " bytes against " + whole.length);
        ExceptionTables back = ExceptionTables.decode(slim, () -> table);
        assertArrayEquals(new int[] {2}, back.tagTypes());
        assertEquals(sites, back.callSites());
        int ninth = sites.get(9).returnOffset();
        assertEquals(sites.get(9), back.lookup(ninth));
        assertNull(back.lookup(ninth - 9), "a trap site is no call site");
        // without the frame table the sites cannot be known
        assertThrows(ArtifactFormatException.class, () -> ExceptionTables.decode(slim).lookup(ninth));
        // a frame table without those return addresses: the section is malformed
        FrameTable other = FrameTable.decode(FrameTable.encode("m", frames.subList(0, 100)), "test");
        assertThrows(ArtifactFormatException.class, () -> ExceptionTables.decode(slim, () -> other).lookup(ninth));
        // return addresses that are not the call sites: every site is written
        int[] shifted = offsets.clone();
        shifted[5]++;
        assertArrayEquals(whole, t.encode(shifted, depths));
        assertArrayEquals(whole, t.encode(Arrays.copyOf(offsets, 10), Arrays.copyOf(depths, 10)));
    }

    /** Errors in the head show at decoding; errors in the compressed call sites at their first use. */
    @Test
    void badSectionsAreFormatErrors() {
        byte[] good = new ExceptionTables(new int[] {0}, SITES).encode();
        assertEquals(SITES.get(2), ExceptionTables.decode(good).lookup(0x90));
        assertThrows(ArtifactFormatException.class, () -> use(Arrays.copyOf(good, good.length - 3)));
        byte[] version = good.clone();
        version[0] = 9;
        assertThrows(ArtifactFormatException.class, () -> ExceptionTables.decode(version));
        byte[] count = good.clone();
        count[4] = (byte) 0xFF;
        count[5] = (byte) 0xFF;
        count[6] = (byte) 0xFF;
        count[7] = (byte) 0x7F;
        assertThrows(ArtifactFormatException.class, () -> ExceptionTables.decode(count));
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThrows(ArtifactFormatException.class, () -> use(trailing));
        // the body's stated length: longer than what inflates, and beyond what DEFLATE can expand to
        byte[] longer = good.clone();
        longer[16]++;
        assertThrows(ArtifactFormatException.class, () -> use(longer));
        byte[] absurd = good.clone();
        absurd[19] = 0x40;
        assertThrows(ArtifactFormatException.class, () -> ExceptionTables.decode(absurd));
        byte[] flags = good.clone();
        flags[12] = 2; // an unknown flag
        assertThrows(ArtifactFormatException.class, () -> ExceptionTables.decode(flags));
        // sites 0x20, 0x90, 0x140: deltas 0x20, 0x70, 0xB0 0x01; a zero delta repeats a site
        byte[] repeated = section(new byte[] {3, 0, 0, 0, 0x20, 8, 0, 0, 8, 0, (byte) 0xB0, 1, 8, 0});
        ArtifactFormatException e = assertThrows(ArtifactFormatException.class, () -> use(repeated));
        assertTrue(e.getMessage().contains("call site 1"), e.getMessage());
        byte[] overlong = section(new byte[] {1, 0, 0, 0, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
            (byte) 0x80, (byte) 0x80, 1, 8, 0});
        assertThrows(ArtifactFormatException.class, () -> use(overlong));
        byte[] garbage = good.clone();
        Arrays.fill(garbage, 20, garbage.length, (byte) 0x5A);
        assertThrows(ArtifactFormatException.class, () -> use(garbage));
    }

    /** Decodes a section and reads its call sites. */
    private static int use(byte[] section) {
        return ExceptionTables.decode(section).callSites().size();
    }

    /** A section without tags whose call-site body is {@code body}, compressed. */
    private static byte[] section(byte[] body) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putInt(ExceptionTables.VERSION).putInt(0).putInt(0).putInt(body.length).array());
        Deflate.compress(body, 0, body.length, out);
        return out.toByteArray();
    }
}
