package dev.kiln.abi.elf;

import dev.kiln.abi.ArtifactFormatException;
import dev.kiln.abi.Target;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a Kiln artifact (an ELF64 file written by {@link ElfWriter}), following the
 * System V gABI "Object Files" chapter.
 *
 * <p>Checked, each failure an {@link ArtifactFormatException} naming the byte offset and the reason:
 * the ELF header (magic, {@code ELFCLASS64}, {@code ELFDATA2LSB}, {@code EV_CURRENT},
 * {@code ELFOSABI_NONE}, {@code ET_DYN}, an {@code e_machine} of a known {@link Target}, header and
 * entry sizes); program and section header tables inside the file; the section name string table
 * and every name in it (NUL-terminated, valid UTF-8, unique); every section's contents inside the
 * file and not overlapping another section or a header table; no writable section; allocated
 * sections with {@code addr == offset} on a 4096-byte boundary and covered by a {@code PT_LOAD}
 * segment of matching permissions; {@code PT_LOAD} segments with {@code p_offset == p_vaddr}, 4096-byte
 * aligned, not writable, {@code p_filesz == p_memsz}, not sharing pages; a {@code .text} section that is
 * the only executable one; the symbol table's entry size, its string table link and names, and that
 * every {@code STT_FUNC} symbol lies inside {@code .text} (with {@link #parseInPlace}, when the symbols
 * are first asked for). Whatever the bytes, the reader throws only
 * {@code ArtifactFormatException} (or {@code NullPointerException} for a null argument).
 *
 * <p>Stateless and thread-safe.
 */
public final class ElfReader {
    private static final int EHDR_SIZE = 64;
    private static final int PHDR_SIZE = 56;
    private static final int SHDR_SIZE = 64;
    private static final int SYM_SIZE = 24;
    private static final int STT_FUNC = 2;
    private static final int SHN_LORESERVE = 0xff00;

    /** The file, little-endian, read with absolute gets only (never its position). */
    private final ByteBuffer b;
    private final int length;
    private final String source;

    private ElfReader(ByteBuffer b, String source) {
        this.b = b.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        this.length = b.capacity();
        this.source = source;
    }

    private ElfReader(byte[] b, String source) {
        this(ByteBuffer.wrap(b), source);
    }

    /**
     * Parses an artifact held in memory.
     *
     * @param bytes the whole file (copied; later changes to the array do not affect the result)
     * @return the validated artifact
     * @throws ArtifactFormatException if the bytes are not a valid Kiln artifact
     */
    public static ElfFile parse(byte[] bytes) {
        return parse(bytes, null);
    }

    /**
     * Parses an artifact held in memory, naming it {@code source} in error messages.
     *
     * @param bytes  the whole file (copied)
     * @param source a name for messages such as the file name, or {@code null}
     * @throws ArtifactFormatException if the bytes are not a valid Kiln artifact
     */
    public static ElfFile parse(byte[] bytes, String source) {
        return new ElfReader(bytes.clone(), source).parse();
    }

    /**
     * Parses the bytes from {@code buffer}'s position to its limit (any byte order; the position is
     * not changed). The bytes are copied.
     *
     * @throws ArtifactFormatException if the bytes are not a valid Kiln artifact
     */
    public static ElfFile parse(ByteBuffer buffer) {
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return new ElfReader(copy, null).parse();
    }

    /**
     * Parses the artifact in {@code file} without copying it: the result reads its sections from
     * {@code file} (for example a read-only {@link java.nio.MappedByteBuffer} of the file), all of it
     * from index 0 to its capacity, which must not change afterwards. A loader maps a file rather
     * than reading it into the heap: the {@code llvm.core.wasm} artifact is 131 MB. The entries of the
     * symbol table, which a loader does not need ({@code llvm.core.wasm}'s 128,000 names: a sixth of
     * its load), are read and checked only when {@link ElfFile#symbols()} is first called, which then
     * throws for a bad one; everything else is checked here as by {@link #parse(byte[], String)}.
     *
     * @param source a name for messages such as the file name, or {@code null}
     * @throws ArtifactFormatException if the bytes are not a valid Kiln artifact
     */
    public static ElfFile parseInPlace(ByteBuffer file, String source) {
        ElfReader r = new ElfReader(file, source);
        r.deferSymbols = true;
        return r.parse();
    }

    /** Whether the symbol table's entries are read and checked only by {@link ElfFile#symbols()}. */
    private boolean deferSymbols;

    /**
     * Reads and parses an artifact file; messages name the file.
     *
     * @throws IOException             if the file cannot be read
     * @throws ArtifactFormatException if it is not a valid Kiln artifact
     */
    public static ElfFile read(Path file) throws IOException {
        return new ElfReader(dev.kiln.abi.FileBytes.read(file), file.toString()).parse();
    }

    private ArtifactFormatException fail(long offset, String reason) {
        return new ArtifactFormatException(source, offset, reason);
    }

    // ---- bounds-checked little-endian access ----

    private void require(long offset, long length, String what) {
        if (offset < 0 || length < 0 || offset > this.length || length > this.length - offset) {
            throw fail(Math.max(offset, 0), what + " [" + Long.toUnsignedString(offset) + ", +"
                    + Long.toUnsignedString(length) + ") extends past the end of the file (" + this.length + " bytes)");
        }
    }

    private int u8(long off, String what) {
        require(off, 1, what);
        return b.get((int) off) & 0xff;
    }

    private int u16(long off, String what) {
        require(off, 2, what);
        return b.getShort((int) off) & 0xffff;
    }

    private long u32(long off, String what) {
        require(off, 4, what);
        return b.getInt((int) off) & 0xffff_ffffL;
    }

    private long raw64(long off, String what) {
        require(off, 8, what);
        return u32(off, what) | u32(off + 4, what) << 32;
    }

    /** A 64-bit offset/size/address field; values of 2^63 and above are rejected. */
    private long u64(long off, String what) {
        long v = raw64(off, what);
        if (v < 0) {
            throw fail(off, what + " is 0x" + Long.toHexString(v) + ", far beyond any artifact");
        }
        return v;
    }

    /**
     * Reads the NUL-terminated UTF-8 string at {@code index} of the string table [tabOff, tabOff+tabSize);
     * {@code what} and {@code number} name the entry in messages ("symbol 7"; {@code number} -1 for none).
     */
    private String string(long tabOff, long tabSize, long index, String tabName, long fieldOffset, String what,
            long number) {
        if (index >= tabSize) {
            throw fail(fieldOffset, name(what, number) + ": name offset " + index + " is outside " + tabName + " ("
                    + tabSize + " bytes)");
        }
        long start = tabOff + index;
        long end = start;
        long limit = tabOff + tabSize;
        boolean ascii = true;
        byte c;
        while (end < limit && (c = b.get((int) end)) != 0) {
            ascii &= c > 0;
            end++;
        }
        if (end == limit) {
            throw fail(start, name(what, number) + ": name is not NUL-terminated within " + tabName);
        }
        byte[] bytes = new byte[(int) (end - start)];
        b.get((int) start, bytes);
        if (ascii) {
            return new String(bytes, StandardCharsets.US_ASCII); // the common case, nothing to validate
        }
        try {
            if (utf8 == null) {
                utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
            }
            return utf8.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw fail(start, name(what, number) + ": name is not valid UTF-8");
        }
    }

    /** A decoder that refuses malformed UTF-8, made for the first name that is not ASCII. */
    private java.nio.charset.CharsetDecoder utf8;

    private static String name(String what, long number) {
        return number < 0 ? what : what + " " + number;
    }

    // ---- parsing ----

    private record RawSection(int index, long headerOffset, Section section, long link, long entsize) {
    }

    private record Range(long start, long end, String what) {
    }

    private ElfFile parse() {
        if (length < EHDR_SIZE) {
            throw fail(0, "file is " + length + " bytes, shorter than the 64-byte ELF64 header");
        }
        if (b.get(0) != 0x7f || b.get(1) != 'E' || b.get(2) != 'L' || b.get(3) != 'F') {
            throw fail(0, "not an ELF file (the magic number is not 7f 45 4c 46)");
        }
        if (b.get(4) != 2) {
            throw fail(4, "EI_CLASS is " + b.get(4) + ", expected 2 (ELFCLASS64)");
        }
        if (b.get(5) != 1) {
            throw fail(5, "EI_DATA is " + b.get(5) + ", expected 1 (ELFDATA2LSB, little endian)");
        }
        if (b.get(6) != 1) {
            throw fail(6, "EI_VERSION is " + b.get(6) + ", expected 1 (EV_CURRENT)");
        }
        if (b.get(7) != 0) {
            throw fail(7, "EI_OSABI is " + b.get(7) + ", expected 0 (ELFOSABI_NONE)");
        }
        int type = u16(16, "e_type");
        if (type != ElfFile.ET_DYN) {
            throw fail(16, "e_type is " + type + ", expected 3 (ET_DYN)");
        }
        int machine = u16(18, "e_machine");
        Target target = Target.fromElfMachine(machine);
        if (target == null) {
            throw fail(18, "e_machine " + machine + " is not a target Kiln supports (62 x86-64, 183 AArch64)");
        }
        long version = u32(20, "e_version");
        if (version != 1) {
            throw fail(20, "e_version is " + version + ", expected 1 (EV_CURRENT)");
        }
        long phoff = u64(32, "e_phoff");
        long shoff = u64(40, "e_shoff");
        int ehsize = u16(52, "e_ehsize");
        int phentsize = u16(54, "e_phentsize");
        int phnum = u16(56, "e_phnum");
        int shentsize = u16(58, "e_shentsize");
        int shnum = u16(60, "e_shnum");
        int shstrndx = u16(62, "e_shstrndx");
        if (ehsize != EHDR_SIZE) {
            throw fail(52, "e_ehsize is " + ehsize + ", expected 64");
        }
        if (phnum == 0) {
            throw fail(56, "e_phnum is 0: the artifact has no program headers to load .text");
        }
        if (phentsize != PHDR_SIZE) {
            throw fail(54, "e_phentsize is " + phentsize + ", expected 56");
        }
        if (phoff % 8 != 0) {
            throw fail(32, "e_phoff " + phoff + " is not 8-byte aligned");
        }
        require(phoff, (long) phnum * PHDR_SIZE, "program header table");
        if (shnum == 0 || shnum >= SHN_LORESERVE) {
            throw fail(60, "e_shnum is " + shnum + "; a Kiln artifact has between 1 and 65279 sections");
        }
        if (shentsize != SHDR_SIZE) {
            throw fail(58, "e_shentsize is " + shentsize + ", expected 64");
        }
        if (shoff % 8 != 0) {
            throw fail(40, "e_shoff " + shoff + " is not 8-byte aligned");
        }
        require(shoff, (long) shnum * SHDR_SIZE, "section header table");
        if (shstrndx == 0 || shstrndx >= shnum) {
            throw fail(62, "e_shstrndx " + shstrndx + " does not name a section (there are " + shnum + ")");
        }

        List<Range> ranges = new ArrayList<>();
        ranges.add(new Range(0, EHDR_SIZE, "the ELF header"));
        ranges.add(new Range(phoff, phoff + (long) phnum * PHDR_SIZE, "the program header table"));
        ranges.add(new Range(shoff, shoff + (long) shnum * SHDR_SIZE, "the section header table"));

        // Section name string table first.
        long strHdr = shoff + (long) shstrndx * SHDR_SIZE;
        if (u32(strHdr + 4, "sh_type") != Section.SHT_STRTAB) {
            throw fail(strHdr + 4, "section " + shstrndx + " (e_shstrndx) is not a string table (SHT_STRTAB)");
        }
        long strOff = u64(strHdr + 24, "sh_offset of the section name table");
        long strSize = u64(strHdr + 32, "sh_size of the section name table");
        require(strOff, strSize, "section name string table");

        // Section headers.
        List<RawSection> raw = new ArrayList<>();
        List<Section> sections = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < shnum; i++) {
            long h = shoff + (long) i * SHDR_SIZE;
            long nameIdx = u32(h, "sh_name");
            int shType = (int) u32(h + 4, "sh_type");
            long flags = raw64(h + 8, "sh_flags");
            long addr = u64(h + 16, "sh_addr");
            long offset = u64(h + 24, "sh_offset");
            long size = u64(h + 32, "sh_size");
            long link = u32(h + 40, "sh_link");
            long align = raw64(h + 48, "sh_addralign");
            long entsize = raw64(h + 56, "sh_entsize");
            if (i == 0) {
                if (shType != Section.SHT_NULL) {
                    throw fail(h + 4, "section header 0 must be SHT_NULL");
                }
                Section s = new Section("", Section.SHT_NULL, 0, 0, 0, 0);
                raw.add(new RawSection(0, h, s, 0, 0));
                sections.add(s);
                continue;
            }
            String name = string(strOff, strSize, nameIdx, "the section name table", h, "section", i);
            if (!name.isEmpty()) {
                Integer prev = names.putIfAbsent(name, i);
                if (prev != null) {
                    throw fail(h, "section " + i + " has the same name '" + name + "' as section " + prev);
                }
            }
            String what = "section " + i + " '" + name + "'";
            if (shType != Section.SHT_NOBITS) {
                require(offset, size, what);
                if (size > 0) {
                    ranges.add(new Range(offset, offset + size, what));
                }
            }
            if ((flags & Section.SHF_WRITE) != 0) {
                throw fail(h + 8, what + " is writable (SHF_WRITE); Kiln artifacts are read-only");
            }
            if (align != 0 && Long.bitCount(align) != 1) {
                throw fail(h + 48, what + ": sh_addralign " + align + " is not a power of two");
            }
            if ((flags & Section.SHF_ALLOC) != 0) {
                if (shType != Section.SHT_PROGBITS) {
                    throw fail(h + 4, what + " is allocated but not SHT_PROGBITS");
                }
                if (addr != offset) {
                    throw fail(h + 16, what + ": sh_addr 0x" + Long.toHexString(addr) + " differs from sh_offset 0x"
                            + Long.toHexString(offset) + "; loaded sections must have addr == offset");
                }
                if (offset % ElfFile.SEGMENT_ALIGNMENT != 0) {
                    throw fail(h + 24, what + " starts at " + offset + ", not on a 4096-byte boundary");
                }
            } else if ((flags & Section.SHF_EXECINSTR) != 0) {
                throw fail(h + 8, what + " is executable but not allocated");
            }
            Section s = new Section(name, shType, offset, size, addr, flags);
            raw.add(new RawSection(i, h, s, link, entsize));
            sections.add(s);
        }

        // No overlaps among headers and section contents.
        // plain lambdas: Comparator.comparingLong's own would be spun at every start, outside the AOT cache
        ranges.sort((a, b) -> a.start() != b.start() ? Long.compare(a.start(), b.start()) : Long.compare(a.end(), b.end()));
        for (int i = 1; i < ranges.size(); i++) {
            Range prev = ranges.get(i - 1);
            Range cur = ranges.get(i);
            if (cur.start() < prev.end() && cur.end() > cur.start() && prev.end() > prev.start()) {
                throw fail(cur.start(), cur.what() + " overlaps " + prev.what() + " [" + prev.start() + ", "
                        + prev.end() + ")");
            }
        }

        // .text
        Integer textIndex = names.get(".text");
        if (textIndex == null) {
            throw fail(-1, "the artifact has no .text section");
        }
        RawSection textRaw = raw.get(textIndex);
        Section text = textRaw.section();
        if (text.type() != Section.SHT_PROGBITS
                || (text.flags() & (Section.SHF_ALLOC | Section.SHF_EXECINSTR)) != (Section.SHF_ALLOC | Section.SHF_EXECINSTR)) {
            throw fail(textRaw.headerOffset(), ".text must be SHT_PROGBITS with flags SHF_ALLOC|SHF_EXECINSTR");
        }
        long textPagesEnd = alignUp(text.fileEnd(), ElfFile.SEGMENT_ALIGNMENT);
        for (RawSection r : raw) {
            Section s = r.section();
            if (r.index() == textIndex || !s.isAllocated()) {
                continue;
            }
            if (s.isExecutable()) {
                throw fail(r.headerOffset() + 8, "section " + r.index() + " '" + s.name()
                        + "' is executable; only .text may be");
            }
            if (s.size() > 0 && s.fileOffset() < textPagesEnd && s.fileEnd() > text.fileOffset()) {
                throw fail(s.fileOffset(), "loaded section '" + s.name() + "' shares a page with .text");
            }
        }

        // Program headers.
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            long h = phoff + (long) i * PHDR_SIZE;
            int pType = (int) u32(h, "p_type");
            int pFlags = (int) u32(h + 4, "p_flags");
            long pOffset = u64(h + 8, "p_offset");
            long pVaddr = u64(h + 16, "p_vaddr");
            long pFilesz = u64(h + 32, "p_filesz");
            long pMemsz = u64(h + 40, "p_memsz");
            long pAlign = raw64(h + 48, "p_align");
            Segment seg = new Segment(pType, pFlags, pOffset, pVaddr, pFilesz, pMemsz, pAlign);
            if (seg.isLoad()) {
                String what = "PT_LOAD segment " + i;
                require(pOffset, pFilesz, what);
                if (pVaddr != pOffset) {
                    throw fail(h + 16, what + ": p_vaddr 0x" + Long.toHexString(pVaddr) + " differs from p_offset 0x"
                            + Long.toHexString(pOffset));
                }
                if (pOffset % ElfFile.SEGMENT_ALIGNMENT != 0) {
                    throw fail(h + 8, what + " starts at " + pOffset + ", not on a 4096-byte boundary");
                }
                if (pAlign != ElfFile.segmentAlignment(target)) {
                    throw fail(h + 48, what + ": p_align is " + pAlign + ", expected " + ElfFile.segmentAlignment(target)
                            + " for " + target);
                }
                if (pOffset % pAlign != 0) {
                    throw fail(h + 8, what + " starts at " + pOffset + ", not on a " + pAlign + "-byte boundary");
                }
                if (pMemsz != pFilesz) {
                    throw fail(h + 40, what + ": p_memsz " + pMemsz + " differs from p_filesz " + pFilesz
                            + " (zero-filled memory is not supported)");
                }
                if ((pFlags & Segment.PF_W) != 0) {
                    throw fail(h + 4, what + " is writable; Kiln artifacts are loaded read-only");
                }
                if ((pFlags & Segment.PF_X) != 0 && (pOffset != text.fileOffset() || pFilesz != text.size())) {
                    throw fail(h + 4, what + " is executable but is not exactly .text");
                }
            }
            segments.add(seg);
        }
        List<Segment> loads = new ArrayList<>(segments.stream().filter(Segment::isLoad).toList());
        loads.sort((a, b) -> Long.compare(a.fileOffset(), b.fileOffset()));
        for (int i = 1; i < loads.size(); i++) {
            Segment prev = loads.get(i - 1);
            Segment cur = loads.get(i);
            if (cur.fileOffset() < alignUp(Math.max(prev.fileEnd(), prev.fileOffset() + 1), ElfFile.SEGMENT_ALIGNMENT)) {
                throw fail(cur.fileOffset(), "PT_LOAD segment at " + cur.fileOffset()
                        + " shares a page with the PT_LOAD segment at " + prev.fileOffset());
            }
        }
        for (RawSection r : raw) {
            Section s = r.section();
            if (!s.isAllocated() || s.size() == 0) {
                continue;
            }
            Segment in = null;
            for (Segment seg : loads) {
                if (s.fileOffset() >= seg.fileOffset() && s.fileEnd() <= seg.fileEnd()) {
                    in = seg;
                    break;
                }
            }
            if (in == null) {
                throw fail(s.fileOffset(), "loaded section '" + s.name() + "' is not inside a PT_LOAD segment");
            }
            if ((in.flags() & Segment.PF_R) == 0) {
                throw fail(s.fileOffset(), "the PT_LOAD segment of section '" + s.name() + "' is not readable");
            }
            if (s.isExecutable() != ((in.flags() & Segment.PF_X) != 0)) {
                throw fail(s.fileOffset(), "section '" + s.name() + "' and its PT_LOAD segment disagree on execute permission");
            }
        }

        if (deferSymbols) {
            return new ElfFile(b, target, sections, segments, () -> readSymbols(raw, textIndex, text), text, source);
        }
        List<FunctionSymbol> symbols = readSymbols(raw, textIndex, text);
        return new ElfFile(b, target, sections, segments, () -> symbols, text, source);
    }

    private List<FunctionSymbol> readSymbols(List<RawSection> raw, int textIndex, Section text) {
        List<FunctionSymbol> symbols = new ArrayList<>();
        RawSection symtab = null;
        for (RawSection r : raw) {
            if (r.section().type() == Section.SHT_SYMTAB) {
                if (symtab != null) {
                    throw fail(r.headerOffset() + 4, "more than one symbol table (sections " + symtab.index() + " and "
                            + r.index() + ")");
                }
                symtab = r;
            }
        }
        if (symtab == null) {
            return symbols;
        }
        Section st = symtab.section();
        if (symtab.entsize() != SYM_SIZE) {
            throw fail(symtab.headerOffset() + 56, ".symtab: sh_entsize is " + symtab.entsize() + ", expected 24");
        }
        if (st.size() % SYM_SIZE != 0) {
            throw fail(symtab.headerOffset() + 32, ".symtab: size " + st.size() + " is not a multiple of 24");
        }
        if (symtab.link() == 0 || symtab.link() >= raw.size()
                || raw.get((int) symtab.link()).section().type() != Section.SHT_STRTAB) {
            throw fail(symtab.headerOffset() + 40, ".symtab: sh_link " + symtab.link() + " is not a string table");
        }
        Section strtab = raw.get((int) symtab.link()).section();
        long count = st.size() / SYM_SIZE;
        for (long i = 1; i < count; i++) {
            long e = st.fileOffset() + i * SYM_SIZE;
            int info = u8(e + 4, "st_info");
            if ((info & 0xf) != STT_FUNC) {
                continue;
            }
            String name = string(strtab.fileOffset(), strtab.size(), u32(e, "st_name"), "the symbol string table", e,
                    "symbol", i);
            if (name.isEmpty()) {
                throw fail(e, "symbol " + i + ": function symbol without a name");
            }
            int shndx = u16(e + 6, "st_shndx");
            long value = u64(e + 8, "st_value");
            long size = u64(e + 16, "st_size");
            if (shndx != textIndex) {
                throw fail(e + 6, "symbol " + i + " '" + name + "': function symbol in section " + shndx + ", not .text");
            }
            if (value < text.addr() || value > text.addr() + text.size() || size > text.addr() + text.size() - value) {
                throw fail(e + 8, "symbol " + i + " '" + name + "': [0x" + Long.toHexString(value) + ", +" + size
                        + ") lies outside .text [0x" + Long.toHexString(text.addr()) + ", +" + text.size() + ")");
            }
            symbols.add(new FunctionSymbol(name, value - text.addr(), size));
        }
        return symbols;
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }
}
