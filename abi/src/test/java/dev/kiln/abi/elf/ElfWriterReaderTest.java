package dev.kiln.abi.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.ArtifactFormatException;
import dev.kiln.abi.Target;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElfWriterReaderTest {
    /** {@code mov eax, 42; ret} (Intel SDM: B8+rd id, C3). */
    static final byte[] MOV_EAX_42_RET = {(byte) 0xb8, 0x2a, 0, 0, 0, (byte) 0xc3};
    /** {@code xor eax, eax; ret} (31 /r, C3). */
    static final byte[] XOR_EAX_RET = {0x31, (byte) 0xc0, (byte) 0xc3};

    static byte[] code() {
        byte[] code = new byte[16 + XOR_EAX_RET.length];
        System.arraycopy(MOV_EAX_42_RET, 0, code, 0, MOV_EAX_42_RET.length);
        for (int i = MOV_EAX_42_RET.length; i < 16; i++) {
            code[i] = (byte) 0xcc; // int3 padding
        }
        System.arraycopy(XOR_EAX_RET, 0, code, 16, XOR_EAX_RET.length);
        return code;
    }

    static byte[] sampleArtifact(boolean withRodata) {
        ElfWriter w = new ElfWriter(Target.X86_64)
                .setText(code())
                .addFunctionSymbol("wasm[0]::answer", 0, MOV_EAX_42_RET.length)
                .addFunctionSymbol("trampoline[0]", 16, XOR_EAX_RET.length)
                .addSection(".kiln.meta", new byte[] {1, 2, 3, 4, 5});
        if (withRodata) {
            w.setRodata(new byte[] {9, 8, 7, 6, 5, 4, 3, 2});
        }
        return w.toByteArray();
    }

    @Test
    void roundTripWithRodata() {
        ElfFile f = ElfReader.parse(sampleArtifact(true));
        assertEquals(Target.X86_64, f.target());
        Section text = f.text();
        assertEquals(".text", text.name());
        assertEquals(4096, text.fileOffset());
        assertEquals(text.fileOffset(), text.addr());
        assertEquals(code().length, text.size());
        assertTrue(text.isAllocated() && text.isExecutable());
        assertArrayEquals(code(), f.sectionBytes(".text"));

        Section ro = f.section(".rodata").orElseThrow();
        assertEquals(8192, ro.fileOffset());
        assertEquals(ro.fileOffset(), ro.addr());
        assertTrue(ro.isAllocated());
        assertFalse(ro.isExecutable());
        assertArrayEquals(new byte[] {9, 8, 7, 6, 5, 4, 3, 2}, f.sectionBytes(".rodata"));
        assertEquals(4096, ElfWriter.rodataOffset(code().length));

        Section meta = f.section(".kiln.meta").orElseThrow();
        assertFalse(meta.isAllocated());
        assertEquals(0, meta.addr());
        assertTrue(meta.fileOffset() >= 12288, "non-loaded data starts on a page of its own");
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, f.sectionBytes(".kiln.meta"));

        assertEquals(List.of(new FunctionSymbol("wasm[0]::answer", 0, 6), new FunctionSymbol("trampoline[0]", 16, 3)),
                f.symbols());
        assertEquals(Optional.of(new FunctionSymbol("trampoline[0]", 16, 3)), f.symbol("trampoline[0]"));

        List<Segment> loads = f.segments().stream().filter(Segment::isLoad).toList();
        assertEquals(2, loads.size());
        assertEquals(new Segment(Segment.PT_LOAD, Segment.PF_R | Segment.PF_X, 4096, 4096, code().length,
                code().length, 4096), loads.get(0));
        assertEquals(new Segment(Segment.PT_LOAD, Segment.PF_R, 8192, 8192, 8, 8, 4096), loads.get(1));
        assertEquals(8192 + 8, f.loadedSize());

        List<String> names = f.sections().stream().map(Section::name).toList();
        assertEquals(List.of("", ".text", ".rodata", ".kiln.meta", ".symtab", ".strtab", ".shstrtab", ".kiln.checksum"), names);
        assertThrows(ArtifactFormatException.class, () -> f.sectionBytes(".nope"));
    }

    @Test
    void roundTripWithoutRodataAndFromByteBuffer() {
        byte[] bytes = sampleArtifact(false);
        ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length + 10);
        buf.position(10);
        buf.put(bytes);
        buf.position(10);
        ElfFile f = ElfReader.parse(buf);
        assertEquals(10, buf.position());
        assertTrue(f.section(".rodata").isEmpty());
        assertEquals(1, f.segments().size());
        assertEquals(4096 + code().length, f.loadedSize());
        assertEquals(bytes.length, f.fileSize());
        assertEquals(2, f.symbols().size());
    }

    @Test
    void writeToStreamsTheBytesOfToByteArray() throws Exception {
        for (Target target : Target.values()) {
            for (boolean rodata : new boolean[] {false, true}) {
                // a .text of more than 2 MiB and sections of odd sizes: gaps of zeros of every kind
                byte[] text = new byte[(2 << 20) + 3 * 4096 + 123];
                new java.util.Random(7).nextBytes(text);
                ElfWriter w = new ElfWriter(target).setText(text).addFunctionSymbol("wasm[0]", 100, 200)
                        .addSection(".kiln.meta", new byte[] {1, 2, 3}).addSection(".kiln.frames", new byte[4099]);
                if (rodata) {
                    w.setRodata(new byte[] {9, 8, 7});
                }
                byte[] expected = w.toByteArray();
                int[] largestWrite = {0};
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream() {
                    @Override
                    public void write(byte[] b, int off, int len) {
                        largestWrite[0] = Math.max(largestWrite[0], len);
                        super.write(b, off, len);
                    }
                };
                w.writeTo(out);
                assertArrayEquals(expected, out.toByteArray(), target + (rodata ? " with .rodata" : ""));
                // in pieces of at most a MiB: a file channel would copy a larger array whole into a direct buffer
                assertTrue(largestWrite[0] <= 1 << 20, "a write of " + largestWrite[0] + " bytes");
                ArtifactChecksum.verify(out.toByteArray(), "streamed.kiln");
                assertEquals(text.length, ElfReader.parse(out.toByteArray()).text().size());
            }
        }
        ElfWriter bad = new ElfWriter(Target.X86_64).setText(new byte[4]).addFunctionSymbol("f", 2, 8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        assertThrows(IllegalStateException.class, () -> bad.writeTo(out));
        assertEquals(0, out.size(), "nothing is written for an artifact that cannot be laid out");
    }

    @Test
    void emptyTextAndNoSymbols() {
        ElfFile f = ElfReader.parse(new ElfWriter(Target.AARCH64).toByteArray());
        assertEquals(Target.AARCH64, f.target());
        assertEquals(0, f.text().size());
        assertTrue(f.symbols().isEmpty());
    }

    @Test
    void readerDoesNotAliasInputArray() {
        byte[] bytes = sampleArtifact(false);
        ElfFile f = ElfReader.parse(bytes);
        bytes[4096] = 0;
        assertArrayEquals(code(), f.sectionBytes(".text"));
    }

    @Test
    void readFromFileNamesTheFile(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("bad.kiln");
        byte[] bytes = sampleArtifact(false);
        bytes[0] = 0;
        Files.write(p, bytes);
        ArtifactFormatException e = assertThrows(ArtifactFormatException.class, () -> ElfReader.read(p));
        assertTrue(e.getMessage().startsWith(p + ": malformed artifact at byte offset 0"), e.getMessage());
        Files.write(p, sampleArtifact(false));
        assertEquals(p.toString(), ElfReader.read(p).source());
    }

    @Test
    void checksumCoversEveryBit() {
        byte[] b = sampleArtifact(true);
        ArtifactChecksum.verify(b, "a.kiln");
        Section sum = ElfReader.parse(b).section(ArtifactChecksum.SECTION).orElseThrow();
        assertEquals(b.length - ArtifactChecksum.SIZE, sum.fileOffset(), "the checksum is the file's last bytes");
        assertEquals(ArtifactChecksum.SIZE, sum.size());
        for (int bit = 0; bit < 8 * b.length; bit += 7) { // every 7th bit: all bytes, all bit positions
            byte[] c = b.clone();
            c[bit / 8] ^= (byte) (1 << (bit % 8));
            ArtifactFormatException e = assertThrows(ArtifactFormatException.class, () -> ArtifactChecksum.verify(c, "a.kiln"),
                    "bit " + bit);
            assertTrue(e.isDamaged() && e.getMessage().startsWith("a.kiln: artifact damaged: "), e.getMessage());
        }
        ArtifactFormatException e = assertThrows(ArtifactFormatException.class,
                () -> ArtifactChecksum.verify(java.util.Arrays.copyOf(b, b.length - 1), "a.kiln"));
        assertTrue(e.getMessage().contains("does not end with the .kiln.checksum trailer"), e.getMessage());
    }

    @Test
    void writerRejectsBadInput() {
        ElfWriter w = new ElfWriter(Target.X86_64).setText(MOV_EAX_42_RET).addFunctionSymbol("f", 4, 3);
        IllegalStateException e = assertThrows(IllegalStateException.class, w::toByteArray);
        assertTrue(e.getMessage().contains("'f'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ElfWriter(Target.X86_64).addSection(".text", new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> new ElfWriter(Target.X86_64).addSection(".a", new byte[1])
                .addSection(".a", new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> new ElfWriter(Target.X86_64).addFunctionSymbol("", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ElfWriter(Target.X86_64).addFunctionSymbol("a\0b", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ElfWriter(Target.X86_64).addFunctionSymbol("f", -1, 0));
    }

    // ---- malformed inputs: each names the offset and the reason ----

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ArtifactFormatException reject(byte[] bytes, long offset, String fragment) {
        ArtifactFormatException e = assertThrows(ArtifactFormatException.class, () -> ElfReader.parse(bytes));
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertTrue(e.getMessage().contains("byte offset " + offset) || offset < 0, e.getMessage());
        return e;
    }

    @Test
    void rejectsBadHeaders() {
        reject(new byte[10], 0, "shorter than the 64-byte ELF64 header");
        byte[] b = sampleArtifact(true);
        b[1] = 'X';
        reject(b, 0, "magic");
        b = sampleArtifact(true);
        b[4] = 1;
        reject(b, 4, "ELFCLASS64");
        b = sampleArtifact(true);
        b[5] = 2;
        reject(b, 5, "little endian");
        b = sampleArtifact(true);
        le(b).putShort(16, (short) 2);
        reject(b, 16, "ET_DYN");
        b = sampleArtifact(true);
        le(b).putShort(18, (short) 3);
        reject(b, 18, "e_machine 3");
        b = sampleArtifact(true);
        le(b).putShort(58, (short) 40);
        reject(b, 58, "e_shentsize");
        b = sampleArtifact(true);
        le(b).putShort(62, (short) 99);
        reject(b, 62, "e_shstrndx 99");
    }

    @Test
    void rejectsTablesAndSectionsOutOfBounds() {
        byte[] b = sampleArtifact(true);
        long shoff = le(b).getLong(40);
        int shnum = le(b).getShort(60);
        byte[] truncated = java.util.Arrays.copyOf(b, (int) shoff + 64 * shnum - 1);
        reject(truncated, shoff, "section header table");

        b = sampleArtifact(true);
        le(b).putLong(40, Long.MIN_VALUE + 8);
        reject(b, 40, "e_shoff");

        // .rodata (section 2) made huge
        b = sampleArtifact(true);
        long h2 = shoff + 2 * 64;
        le(b).putLong((int) h2 + 32, 1L << 40);
        reject(b, 8192, "section 2 '.rodata'");
    }

    @Test
    void rejectsOverlapsAndPermissions() {
        byte[] b = sampleArtifact(true);
        long shoff = le(b).getLong(40);
        // .kiln.meta (section 3) moved on top of .text
        le(b).putLong((int) (shoff + 3 * 64 + 24), 4096);
        reject(b, 4096, "overlaps");

        b = sampleArtifact(true);
        le(b).putLong((int) (shoff + 64 + 8), Section.SHF_ALLOC | Section.SHF_EXECINSTR | Section.SHF_WRITE);
        reject(b, shoff + 64 + 8, "writable");

        b = sampleArtifact(true);
        le(b).putInt(64 + 4, Segment.PF_R | Segment.PF_W | Segment.PF_X);
        reject(b, 64 + 4, "PT_LOAD segment 0 is writable");

        b = sampleArtifact(true);
        le(b).putInt(64 + 56 + 4, Segment.PF_R | Segment.PF_X);
        reject(b, 64 + 56 + 4, "executable but is not exactly .text");

        b = sampleArtifact(true);
        le(b).putLong((int) (shoff + 64 + 16), 0x2000); // .text addr != offset
        reject(b, shoff + 64 + 16, "addr == offset");
    }

    @Test
    void rejectsBadSymbols() {
        byte[] b = sampleArtifact(false);
        ElfFile f = ElfReader.parse(b);
        Section symtab = f.section(".symtab").orElseThrow();
        long sym1 = symtab.fileOffset() + 24;
        le(b).putLong((int) sym1 + 16, 7); // size 7 at text offset 0 is fine (text is 19 bytes)
        assertEquals(7, ElfReader.parse(b).symbols().get(0).size());
        le(b).putLong((int) sym1 + 16, 20);
        reject(b, sym1 + 8, "lies outside .text");
        b = sampleArtifact(false);
        le(b).putInt((int) sym1, 100_000);
        reject(b, sym1, "outside the symbol string table");

        // In place (a loader's parse), the symbols are checked when first asked for, and every time.
        ElfFile inPlace = ElfReader.parseInPlace(java.nio.ByteBuffer.wrap(b), "a.kiln");
        assertEquals(".text", inPlace.text().name());
        for (int i = 0; i < 2; i++) {
            ArtifactFormatException e = assertThrows(ArtifactFormatException.class, inPlace::symbols);
            assertEquals(sym1, e.offset(), e.getMessage());
            assertTrue(e.getMessage().contains("outside the symbol string table"), e.getMessage());
        }
        assertEquals(ElfReader.parse(sampleArtifact(false)).symbols(),
                ElfReader.parseInPlace(java.nio.ByteBuffer.wrap(sampleArtifact(false)), null).symbols());
    }

    /** Truncations and random byte changes never produce anything but ArtifactFormatException. */
    @Test
    void fuzzNeverThrowsAnythingElse() {
        java.util.Random rnd = new java.util.Random(0x6b696c6eL);
        byte[][] seeds = {sampleArtifact(true), sampleArtifact(false)};
        int parsed = 0;
        int rejected = 0;
        for (int iter = 0; iter < 20_000; iter++) {
            byte[] b = seeds[iter & 1].clone();
            int mode = rnd.nextInt(4);
            if (mode == 0 || mode == 3) {
                b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
            }
            if (mode >= 1 && b.length > 0) {
                int flips = 1 + rnd.nextInt(8);
                for (int k = 0; k < flips; k++) {
                    // bias towards the headers, tables and symbol data where the structure is
                    int at = rnd.nextBoolean() ? rnd.nextInt(Math.min(b.length, 200))
                            : b.length - 1 - rnd.nextInt(Math.min(b.length, 600));
                    if (mode == 2) {
                        b[at] = (byte) rnd.nextInt(256);
                    } else {
                        b[at] ^= (byte) (1 << rnd.nextInt(8));
                    }
                }
            }
            // in place, from a direct buffer as a loader maps it: the same verdict, given by symbols()
            // when only a symbol is bad
            String inPlace;
            try {
                ElfFile f = ElfReader.parseInPlace(java.nio.ByteBuffer.allocateDirect(b.length).put(b).clear(), null);
                inPlace = "parsed " + f.symbols();
            } catch (ArtifactFormatException e) {
                inPlace = e.getMessage();
            }
            try {
                ElfFile f = ElfReader.parse(b);
                assertEquals("parsed " + f.symbols(), inPlace);
                parsed++;
                // whatever parsed is self-consistent
                for (Section s : f.sections()) {
                    if (!s.name().isEmpty()) {
                        assertEquals(s.size(), f.sectionBytes(s.name()).length);
                    }
                }
                for (FunctionSymbol s : f.symbols()) {
                    assertTrue(s.textOffset() + s.size() <= f.text().size());
                }
            } catch (ArtifactFormatException e) {
                rejected++;
                assertTrue(e.getMessage().startsWith("malformed artifact"), e.getMessage());
                assertEquals(e.getMessage(), inPlace);
            }
        }
        assertTrue(parsed > 100 && rejected > 1000, "parsed " + parsed + ", rejected " + rejected);
    }
}
