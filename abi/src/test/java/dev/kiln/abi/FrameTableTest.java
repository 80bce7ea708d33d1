package dev.kiln.abi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The frame info section: encoding round trips, lookups by kind, and damaged input refused. */
class FrameTableTest {
    private static FrameTable.Site site(int text, int kind, int depth, int... funcAndOffset) {
        int n = funcAndOffset.length / 2;
        int[] f = new int[n];
        int[] o = new int[n];
        for (int k = 0; k < n; k++) {
            f[k] = funcAndOffset[2 * k];
            o[k] = funcAndOffset[2 * k + 1];
        }
        return new FrameTable.Site(text, kind, depth, f, o);
    }

    @Test
    void sitesRoundTripWithInlinedFramesAndTheModuleName() {
        List<FrameTable.Site> sites = List.of(
                site(5, FrameTable.TRAP_AT_ENTRY, 0, 3, 40),
                site(21, FrameTable.RETURN_ADDRESS, 24, 3, 52),
                site(21, FrameTable.TRAP, 24, 3, 50),
                site(40, FrameTable.TRAP, 24, 7, 200, 5, 120, 3, 60), // inlined twice
                site(90, FrameTable.TRAP, 8, 4, -1),
                site(1 << 20, FrameTable.RETURN_ADDRESS, 4096, 9, 1 << 24));
        FrameTable t = FrameTable.decode(FrameTable.encode("mod\u00e9", sites), "test");
        assertEquals("mod\u00e9", t.moduleName());
        assertEquals(sites.size(), t.size());
        for (int i = 0; i < sites.size(); i++) {
            FrameTable.Site want = sites.get(i);
            FrameTable.Site got = t.site(i);
            assertEquals(want.textOffset(), got.textOffset());
            assertEquals(want.kind(), got.kind());
            assertEquals(want.depth(), got.depth());
            assertArrayEquals(want.funcIndices(), got.funcIndices());
            assertArrayEquals(want.wasmOffsets(), got.wasmOffsets());
        }
        assertEquals(1, t.find(21, false));
        assertEquals(2, t.find(21, true), "a trap and a return address at one offset are told apart by kind");
        assertEquals(0, t.find(5, true));
        assertEquals(-1, t.find(5, false));
        assertEquals(-1, t.find(22, true));
        assertEquals(3, t.ceiling(22));
        assertEquals(6, t.ceiling(1 << 21));
        assertNull(FrameTable.decode(FrameTable.encode(null, List.of()), "test").moduleName());
    }

    /**
     * A prologue's stack check among a body's sites (a trap island) has depth 0 without an extension,
     * and the body's sites after it keep theirs without one; an entry site of another depth round-trips.
     */
    @Test
    void aPrologueCheckAmongABodysSitesCarriesNoDepth() {
        List<FrameTable.Site> sites = List.of(
                site(10, FrameTable.RETURN_ADDRESS, 24, 1, 10),
                site(20, FrameTable.TRAP_AT_ENTRY, 0, 1, 12),
                site(30, FrameTable.TRAP, 24, 1, 14),
                site(40, FrameTable.TRAP_AT_ENTRY, 16, 1, 16),
                site(50, FrameTable.TRAP, 24, 1, 18),
                site(60, FrameTable.TRAP, 32, 1, 20));
        FrameTable t = FrameTable.decode(FrameTable.encode(null, sites), "test");
        for (int i = 0; i < sites.size(); i++) {
            assertEquals(sites.get(i).depth(), t.depth(i), "site " + i);
            assertEquals(sites.get(i).kind(), t.kind(i), "site " + i);
        }
        List<FrameTable.Site> withoutEntries = List.of(sites.get(0), sites.get(2), sites.get(4));
        List<FrameTable.Site> withEntry = List.of(sites.get(0), sites.get(1), sites.get(2), sites.get(4));
        // the entry site adds at most its head and offset (2 bytes before compression), no extension
        // for either depth change (which would be 4 bytes more)
        long added = uncompressed(withEntry) - uncompressed(withoutEntries);
        assertTrue(added > 0 && added <= 2, added + " bytes for the entry site");
    }

    /** The body's length, before compression, as the section states it after the version byte. */
    private static long uncompressed(List<FrameTable.Site> sites) {
        byte[] b = FrameTable.encode(null, sites);
        long v = 0;
        for (int i = 1, shift = 0; ; i++, shift += 7) {
            v |= (long) (b[i] & 0x7f) << shift;
            if ((b[i] & 0x80) == 0) {
                return v;
            }
        }
    }

    @Test
    void aSiteCostsAFewBytes() {
        List<FrameTable.Site> sites = new ArrayList<>();
        Random r = new Random(18);
        int text = 0;
        int wasm = 1000;
        for (int i = 0; i < 10_000; i++) {
            text += 4 + r.nextInt(60);
            wasm += r.nextInt(40);
            sites.add(site(text, r.nextInt(2), 40, i / 50, wasm));
        }
        byte[] bytes = FrameTable.encode(null, sites);
        assertTrue(bytes.length < 5 * sites.size(), bytes.length + " bytes for " + sites.size() + " sites");
        FrameTable t = FrameTable.decode(bytes, "test");
        assertEquals(sites.get(9_999).textOffset(), t.textOffset(9_999));
        assertEquals(sites.get(9_999).wasmOffsets()[0], t.wasmOffset(9_999, 0));
    }

    @Test
    void damagedSectionsAreRefusedWithTheSectionName() {
        byte[] good = FrameTable.encode("m", List.of(site(8, FrameTable.TRAP, 16, 1, 30), site(12, 0, 16, 1, 34)));
        byte[] truncated = Arrays.copyOf(good, good.length - 1);
        ArtifactFormatException e = assertThrows(ArtifactFormatException.class, () -> FrameTable.decode(truncated, "a.kiln"));
        assertTrue(e.getMessage().contains(FrameTable.SECTION), e.getMessage());
        byte[] version = good.clone();
        version[0] = 9;
        assertThrows(ArtifactFormatException.class, () -> FrameTable.decode(version, "a.kiln"));
        assertThrows(IllegalArgumentException.class, () -> FrameTable.encode(null, List.of(site(8, 1, 0, 1, 1), site(4, 1, 0, 1, 1))));
    }

    /** The stated lengths of the columns must be where the sites' entries end. */
    @Test
    void columnsThatDoNotEndWhereTheySayAreRefused() {
        byte[] good = FrameTable.encode(null, List.of(site(8, FrameTable.TRAP, 16, 1, 30), site(12, 0, 24, 2, 34)));
        // version, body length (one byte here), then the body compressed
        byte[] body = Deflate.inflate(good, 2, good[1], "a.kiln", "the sites");
        // no name, no inline contexts, 2 sites, then the lengths of the heads and extensions columns
        assertEquals(0, body[0]);
        assertEquals(0, body[1]);
        assertEquals(2, body[2]);
        assertEquals(2, body[3], "one byte of head per site");
        FrameTable.decode(withBody(body), "a.kiln");
        for (int delta : new int[] {-1, 1}) {
            byte[] moved = body.clone();
            moved[3] += delta; // the head column one byte shorter or longer than its entries
            ArtifactFormatException e = assertThrows(ArtifactFormatException.class,
                    () -> FrameTable.decode(withBody(moved), "a.kiln"));
            assertTrue(e.getMessage().contains(FrameTable.SECTION), e.getMessage());
        }
        byte[] beyond = body.clone();
        beyond[4] = 100; // an extensions column past the end
        assertThrows(ArtifactFormatException.class, () -> FrameTable.decode(withBody(beyond), "a.kiln"));
    }

    private static byte[] withBody(byte[] body) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(FrameTable.VERSION);
        out.write(body.length); // under 128: one byte of LEB128
        Deflate.compress(body, 0, body.length, out);
        return out.toByteArray();
    }

    /**
     * The encoder fed from packed sites (as the compiler feeds it, piece by piece at each piece's text
     * offset) makes the bytes that {@link FrameTable#encode} makes of the same sites: thousands of
     * inline contexts, each shared by several sites and numbered by its first; a table large enough to
     * be compressed in pieces is the same on one thread and on several.
     */
    @Test
    void theEncoderFedFromPackedSitesMakesTheSameTable() {
        Random random = new Random(5);
        List<List<FrameTable.Site>> pieces = new ArrayList<>();
        List<FrameTable.Site> all = new ArrayList<>();
        int text = 0;
        for (int p = 0; p < 400; p++) {
            List<FrameTable.Site> piece = new ArrayList<>(); // text offsets from the piece's start
            int start = text;
            int func = 10 + p;
            for (int i = 0; i < 1500; i++) {
                text += random.nextInt(12);
                int frames = random.nextInt(4) == 0 ? 2 + random.nextInt(2) : 1;
                int[] f = new int[frames];
                int[] o = new int[frames];
                for (int k = 0; k < frames; k++) {
                    f[k] = k == frames - 1 ? func : 1000 + random.nextInt(30); // inlined callees
                    o[k] = k == 0 ? random.nextInt(1 << 20) : 5000 * p + random.nextInt(12); // call sites: a few per piece
                }
                int kind = random.nextInt(3);
                FrameTable.Site s = new FrameTable.Site(text, kind, kind == FrameTable.TRAP_AT_ENTRY ? 0 : 8 * random.nextInt(6), f, o);
                all.add(s);
                piece.add(new FrameTable.Site(text - start, s.kind(), s.depth(), f, o));
            }
            pieces.add(piece);
            text += 16;
        }
        byte[] direct = FrameTable.encode("m", all);
        FrameTable.Encoder encoder = new FrameTable.Encoder("m");
        int at = 0;
        for (List<FrameTable.Site> piece : pieces) {
            new FrameTable.Packed(piece).addTo(all.get(at).textOffset() - piece.get(0).textOffset(), encoder);
            at += piece.size();
        }
        assertEquals(all.size(), encoder.count());
        java.util.Set<List<Integer>> contexts = new java.util.HashSet<>();
        for (FrameTable.Site s : all) {
            List<Integer> key = new ArrayList<>();
            for (int k = 0; k < s.funcIndices().length - 1; k++) {
                key.add(s.funcIndices()[k]);
                key.add(s.wasmOffsets()[k + 1]);
            }
            if (!key.isEmpty()) {
                contexts.add(key);
            }
        }
        assertTrue(contexts.size() > 1000, contexts.size() + " contexts");
        assertEquals(contexts.size(), encoder.contexts(), "each context is stored once");
        byte[] fed = encoder.finish(true);
        assertArrayEquals(direct, fed);
        FrameTable t = FrameTable.decode(fed, "test");
        assertEquals(all.size(), t.size());
        for (int i = 0; i < all.size(); i += 97) {
            assertEquals(all.get(i).textOffset(), t.textOffset(i));
            assertArrayEquals(all.get(i).funcIndices(), t.site(i).funcIndices());
            assertArrayEquals(all.get(i).wasmOffsets(), t.site(i).wasmOffsets());
        }
        int[] pos = {1};
        long body = FrameTable.uleb(direct, pos); // after the version byte
        assertTrue(body > 2 * Deflate.PIECE, body + " bytes before compression"); // compressed in pieces
    }
}
