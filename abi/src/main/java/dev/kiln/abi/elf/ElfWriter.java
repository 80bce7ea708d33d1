package dev.kiln.abi.elf;

import dev.kiln.abi.Target;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Writes a Kiln artifact: an ELF64 little-endian {@code ET_DYN} file (DESIGN.md §2 step 8; layout per
 * the System V gABI "Object Files" chapter and the x86-64 psABI).
 *
 * <p>File layout written by {@link #toByteArray()} and {@link #writeTo(OutputStream)}:
 * <pre>
 *   0                ELF header (64 bytes), then the program headers (56 bytes each)
 *   4096             .text     position-independent code, PT_LOAD R+X, addr == offset
 *   next 4096 bound. .rodata   (only if set and non-empty), PT_LOAD R, addr == offset
 *   next 4096 bound. non-allocated sections added with {@link #addSection} (e.g. .kiln.meta),
 *                    .symtab, .strtab, .shstrtab, then the section header table
 *   last 12 bytes    .kiln.checksum: "KILNCRC1" and the CRC32C of everything before it ({@link ArtifactChecksum})
 * </pre>
 * Every loaded section starts on a 4096-byte boundary ({@link ElfFile#SEGMENT_ALIGNMENT}; 65536 for AArch64,
 * {@link ElfFile#segmentAlignment}, and the 4096 in the layout above is then 65536) and nothing
 * else shares its pages, so a loader can {@code mmap} the file once from offset 0 and
 * {@code mprotect} exactly the {@code .text} pages read+execute. There are no relocations, no dynamic
 * section and no entry point ({@code e_entry} = 0). Section header order: null, {@code .text},
 * {@code .rodata} (if any), added sections in the order added, {@code .symtab}, {@code .strtab},
 * {@code .shstrtab}, {@code .kiln.checksum}.
 *
 * <p>Each {@link #addFunctionSymbol function symbol} becomes an {@code STT_FUNC}, {@code STB_LOCAL}
 * symbol in {@code .text} with its size, so {@code objdump -d} labels the disassembly.
 *
 * <p>Not thread-safe: one writer per artifact. Byte arrays passed in are not copied (an artifact's
 * {@code .text} can be a hundred MB): the caller must not change them until the artifact is written.
 */
public final class ElfWriter {
    private static final int EHDR_SIZE = 64;
    private static final int PHDR_SIZE = 56;
    private static final int SHDR_SIZE = 64;
    private static final int SYM_SIZE = 24;
    private static final int STB_LOCAL = 0;
    private static final int STT_FUNC = 2;
    private static final Set<String> RESERVED = Set.of("", ".text", ".rodata", ".symtab", ".strtab", ".shstrtab",
            ArtifactChecksum.SECTION);

    private final Target target;
    private byte[] text = new byte[0];
    private byte[] rodata = new byte[0];
    private final List<FunctionSymbol> symbols = new ArrayList<>();
    private final Map<String, byte[]> extraSections = new LinkedHashMap<>();

    /**
     * @param target the instruction set of the code; gives {@code e_machine}
     * @throws NullPointerException if {@code target} is null
     */
    public ElfWriter(Target target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    /**
     * Sets the contents of {@code .text}: the machine code of all functions and trampolines, which
     * must be position independent (the file carries no relocations). Replaces earlier contents.
     *
     * @param code the code bytes (not copied: unchanged until the artifact is written); may be empty
     * @return this writer
     */
    public ElfWriter setText(byte[] code) {
        this.text = Objects.requireNonNull(code, "code");
        return this;
    }

    /**
     * Sets the contents of {@code .rodata} (read-only data such as constant pools addressed
     * RIP-relative from {@code .text}; it is loaded at {@code .text}'s address plus
     * {@link #rodataOffset(int)}). An empty array means no {@code .rodata} section.
     *
     * @param data the bytes (not copied: unchanged until the artifact is written)
     * @return this writer
     */
    public ElfWriter setRodata(byte[] data) {
        this.rodata = Objects.requireNonNull(data, "data");
        return this;
    }

    /**
     * Adds an {@code STT_FUNC} symbol for code in {@code .text}. Names need not be unique but should
     * be (Kiln uses {@code wasm[funcidx]::name} and {@code trampoline[i]}).
     *
     * @param name       symbol name, non-empty, without NUL characters
     * @param textOffset byte offset of the function from the start of {@code .text}, {@code >= 0}
     * @param size       code size in bytes, {@code >= 0}; {@code [textOffset, textOffset + size)}
     *                   must lie within {@code .text} when the artifact is written
     * @return this writer
     * @throws IllegalArgumentException if the name is empty or contains NUL, or a number is negative
     */
    public ElfWriter addFunctionSymbol(String name, long textOffset, long size) {
        checkName(name, "symbol");
        if (textOffset < 0 || size < 0) {
            throw new IllegalArgumentException("function symbol '" + name + "': negative offset " + textOffset
                    + " or size " + size);
        }
        symbols.add(new FunctionSymbol(name, textOffset, size));
        return this;
    }

    /**
     * Adds a non-allocated {@code SHT_PROGBITS} section, not loaded into memory, e.g. {@code .kiln.meta}
     * with the metadata the loader reads through {@link ElfFile#sectionBytes(String)}.
     *
     * @param name     section name, non-empty, without NUL, not one the writer makes itself
     *                 ({@code .text}, {@code .rodata}, {@code .symtab}, {@code .strtab},
     *                 {@code .shstrtab}) and not added before
     * @param contents the bytes (not copied: unchanged until the artifact is written)
     * @return this writer
     * @throws IllegalArgumentException if the name is reserved, already added, empty or has a NUL
     */
    public ElfWriter addSection(String name, byte[] contents) {
        checkName(name, "section");
        Objects.requireNonNull(contents, "contents");
        if (RESERVED.contains(name)) {
            throw new IllegalArgumentException("section name '" + name + "' is written by ElfWriter itself");
        }
        if (extraSections.containsKey(name)) {
            throw new IllegalArgumentException("section '" + name + "' was already added");
        }
        extraSections.put(name, contents);
        return this;
    }

    /**
     * The byte distance from the start of {@code .text} to the start of {@code .rodata} for a
     * {@code .text} of {@code textSize} bytes, i.e. what RIP-relative references from code to
     * read-only data must add: {@code textSize} rounded up to 4096 (at least 4096).
     *
     * @param textSize size of {@code .text} in bytes, {@code >= 0}
     */
    public static long rodataOffset(int textSize) {
        if (textSize < 0) {
            throw new IllegalArgumentException("negative text size " + textSize);
        }
        return alignUp(Math.max(textSize, 1), ElfFile.SEGMENT_ALIGNMENT);
    }

    /**
     * Lays out and encodes the artifact in memory.
     *
     * @return the complete file contents, the same bytes {@link #writeTo(OutputStream)} writes
     * @throws IllegalStateException if a function symbol lies outside {@code .text}, or the file
     *                               would exceed 2 GiB
     */
    public byte[] toByteArray() {
        Layout l = layout();
        byte[] file = new byte[(int) l.fileSize()];
        System.arraycopy(l.head(), 0, file, 0, l.head().length);
        for (Shdr h : l.shdrs()) {
            if (h.contents != null && h.contents.length > 0) {
                System.arraycopy(h.contents, 0, file, (int) h.offset, h.contents.length);
            }
        }
        System.arraycopy(l.headerTable(), 0, file, (int) l.shoff(), l.headerTable().length);
        byte[] tag = ArtifactChecksum.tag();
        System.arraycopy(tag, 0, file, (int) l.checksumOff(), tag.length);
        byte[] trailer = ArtifactChecksum.contents(file, file.length - 4);
        System.arraycopy(trailer, 0, file, (int) l.checksumOff(), trailer.length);
        return file;
    }

    /**
     * Lays out the artifact and writes it to {@code out} from start to end, the same bytes as
     * {@link #toByteArray()}, without making the file in memory first: the sections are written from
     * the arrays given, the gaps between them as zeros, and the CRC32C is computed on the way.
     * {@code out} is neither flushed nor closed.
     *
     * @throws IllegalStateException if a function symbol lies outside {@code .text}, or the file
     *                               would exceed 2 GiB (before anything is written)
     * @throws IOException           if {@code out} fails; what was written is then incomplete
     */
    public void writeTo(OutputStream out) throws IOException {
        Layout l = layout();
        CRC32C crc = new CRC32C();
        long pos = put(out, crc, 0, 0, l.head());
        for (Shdr h : l.shdrs()) {
            if (h.contents != null && h.contents.length > 0) {
                pos = put(out, crc, pos, h.offset, h.contents);
            }
        }
        pos = put(out, crc, pos, l.shoff(), l.headerTable());
        pos = put(out, crc, pos, l.checksumOff(), ArtifactChecksum.tag());
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue()).array());
        if (pos + 4 != l.fileSize()) {
            throw new IllegalStateException("wrote " + (pos + 4) + " bytes of an artifact laid out as " + l.fileSize());
        }
    }

    /** Zeros from {@code pos} up to {@code offset}, then {@code bytes}, into {@code out} and {@code crc}; returns the new position. */
    private static long put(OutputStream out, CRC32C crc, long pos, long offset, byte[] bytes) throws IOException {
        if (offset < pos) {
            throw new IllegalStateException("a section at " + offset + " overlaps what was written up to " + pos);
        }
        while (pos < offset) {
            int n = (int) Math.min(ZEROS.length, offset - pos);
            out.write(ZEROS, 0, n);
            crc.update(ZEROS, 0, n);
            pos += n;
        }
        // in pieces: a file channel copies a heap array it is given into a temporary direct buffer of
        // the array's whole size (llvm.core.wasm's .text is 94 MB, 0.2 s of fresh pages to fault in)
        for (int at = 0; at < bytes.length; at += WRITE_PIECE) {
            int n = Math.min(WRITE_PIECE, bytes.length - at);
            out.write(bytes, at, n);
            crc.update(bytes, at, n);
        }
        return pos + bytes.length;
    }

    private static final byte[] ZEROS = new byte[4096];
    /** The most {@link #writeTo} hands {@code out} in one call, in bytes. */
    private static final int WRITE_PIECE = 1 << 20;

    /**
     * Where everything goes.
     *
     * @param head        the ELF header and the program headers, from offset 0
     * @param shdrs       the sections in file order (the checksum's last, without contents)
     * @param shoff       the offset of the section header table
     * @param headerTable the section header table
     * @param checksumOff the offset of {@code .kiln.checksum}
     * @param fileSize    the file's size in bytes
     */
    private record Layout(byte[] head, List<Shdr> shdrs, long shoff, byte[] headerTable, long checksumOff,
                          long fileSize) {
    }

    private Layout layout() {
        for (FunctionSymbol s : symbols) {
            if (s.textOffset() > text.length || s.size() > text.length - s.textOffset()) {
                throw new IllegalStateException("function symbol '" + s.name() + "' covers [" + s.textOffset() + ", "
                        + (s.textOffset() + s.size()) + ") which lies outside .text of " + text.length + " bytes");
            }
        }
        boolean hasRodata = rodata.length > 0;
        int phnum = hasRodata ? 2 : 1;

        // --- layout ---
        List<Shdr> shdrs = new ArrayList<>();
        StringTable shstr = new StringTable();
        shdrs.add(new Shdr(0, Section.SHT_NULL, 0, 0, 0, 0, 0, 0, 0, 0, null));

        long align = ElfFile.segmentAlignment(target);
        long textOff = alignUp(EHDR_SIZE + (long) PHDR_SIZE * phnum, align);
        int textIndex = shdrs.size();
        shdrs.add(new Shdr(shstr.add(".text"), Section.SHT_PROGBITS, Section.SHF_ALLOC | Section.SHF_EXECINSTR,
                textOff, textOff, text.length, 0, 0, align, 0, text));
        long loadedEnd = textOff + text.length;
        long rodataOff = 0;
        if (hasRodata) {
            rodataOff = textOff + alignUp(Math.max(text.length, 1), align);
            shdrs.add(new Shdr(shstr.add(".rodata"), Section.SHT_PROGBITS, Section.SHF_ALLOC, rodataOff, rodataOff,
                    rodata.length, 0, 0, align, 0, rodata));
            loadedEnd = rodataOff + rodata.length;
        }
        // Nothing non-loaded shares a page with loaded contents.
        long pos = alignUp(Math.max(loadedEnd, textOff + 1), align);

        for (Map.Entry<String, byte[]> e : extraSections.entrySet()) {
            pos = alignUp(pos, 8);
            shdrs.add(new Shdr(shstr.add(e.getKey()), Section.SHT_PROGBITS, 0, 0, pos, e.getValue().length, 0, 0, 8, 0,
                    e.getValue()));
            pos += e.getValue().length;
        }

        StringTable str = new StringTable();
        ByteBuffer symtab = ByteBuffer.allocate(SYM_SIZE * (symbols.size() + 1)).order(ByteOrder.LITTLE_ENDIAN);
        symtab.position(SYM_SIZE); // symbol 0: all zero
        for (FunctionSymbol s : symbols) {
            symtab.putInt(str.add(s.name()));
            symtab.put((byte) ((STB_LOCAL << 4) | STT_FUNC));
            symtab.put((byte) 0); // STV_DEFAULT
            symtab.putShort((short) textIndex);
            symtab.putLong(textOff + s.textOffset());
            symtab.putLong(s.size());
        }
        int symtabIndex = shdrs.size();
        int strtabIndex = symtabIndex + 1;
        int shstrtabIndex = symtabIndex + 2;
        if (shstrtabIndex + 1 >= 0xff00) {
            throw new IllegalStateException("too many sections for ELF (" + (shstrtabIndex + 2) + ")");
        }
        pos = alignUp(pos, 8);
        byte[] symtabBytes = symtab.array();
        // sh_info of a symbol table: one greater than the index of the last local symbol.
        shdrs.add(new Shdr(shstr.add(".symtab"), Section.SHT_SYMTAB, 0, 0, pos, symtabBytes.length, strtabIndex,
                symbols.size() + 1, 8, SYM_SIZE, symtabBytes));
        pos += symtabBytes.length;
        byte[] strBytes = str.bytes();
        shdrs.add(new Shdr(shstr.add(".strtab"), Section.SHT_STRTAB, 0, 0, pos, strBytes.length, 0, 0, 1, 0, strBytes));
        pos += strBytes.length;
        int shstrName = shstr.add(".shstrtab");
        int checksumName = shstr.add(ArtifactChecksum.SECTION);
        byte[] shstrBytes = shstr.bytes();
        shdrs.add(new Shdr(shstrName, Section.SHT_STRTAB, 0, 0, pos, shstrBytes.length, 0, 0, 1, 0, shstrBytes));
        pos += shstrBytes.length;
        long shoff = alignUp(pos, 8);
        // the checksum trailer: last section, after the header table, so the file ends with it
        long checksumOff = shoff + (long) SHDR_SIZE * (shdrs.size() + 1);
        shdrs.add(new Shdr(checksumName, Section.SHT_PROGBITS, 0, 0, checksumOff, ArtifactChecksum.SIZE, 0, 0, 4, 0,
                null));
        long fileSize = checksumOff + ArtifactChecksum.SIZE;
        if (fileSize > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("artifact would be " + fileSize + " bytes; the limit is 2 GiB");
        }

        ByteBuffer head = ByteBuffer.allocate(EHDR_SIZE + PHDR_SIZE * phnum).order(ByteOrder.LITTLE_ENDIAN);
        head.put(new byte[] {0x7f, 'E', 'L', 'F', 2 /* ELFCLASS64 */, 1 /* ELFDATA2LSB */, 1 /* EV_CURRENT */,
                0 /* ELFOSABI_NONE */, 0 /* ABI version */});
        head.position(16);
        head.putShort((short) ElfFile.ET_DYN);
        head.putShort((short) target.elfMachine());
        head.putInt(1); // e_version
        head.putLong(0); // e_entry
        head.putLong(EHDR_SIZE); // e_phoff
        head.putLong(shoff);
        head.putInt(0); // e_flags
        head.putShort((short) EHDR_SIZE);
        head.putShort((short) PHDR_SIZE);
        head.putShort((short) phnum);
        head.putShort((short) SHDR_SIZE);
        head.putShort((short) shdrs.size());
        head.putShort((short) shstrtabIndex);
        putLoad(head, Segment.PF_R | Segment.PF_X, textOff, text.length);
        if (hasRodata) {
            putLoad(head, Segment.PF_R, rodataOff, rodata.length);
        }
        ByteBuffer table = ByteBuffer.allocate(SHDR_SIZE * shdrs.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (Shdr h : shdrs) {
            table.putInt(h.name).putInt(h.type).putLong(h.flags).putLong(h.addr).putLong(h.offset).putLong(h.size)
                    .putInt(h.link).putInt(h.info).putLong(h.addralign).putLong(h.entsize);
        }
        return new Layout(head.array(), shdrs, shoff, table.array(), checksumOff, fileSize);
    }

    private void putLoad(ByteBuffer out, int flags, long offset, long size) {
        out.putInt(Segment.PT_LOAD).putInt(flags).putLong(offset).putLong(offset).putLong(offset).putLong(size)
                .putLong(size).putLong(ElfFile.segmentAlignment(target));
    }

    private static void checkName(String name, String what) {
        Objects.requireNonNull(name, what + " name");
        if (name.isEmpty() || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " name must be non-empty and contain no NUL: '" + name + "'");
        }
    }

    static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    private record Shdr(int name, int type, long flags, long addr, long offset, long size, int link, int info,
                        long addralign, long entsize, byte[] contents) {
    }

    /** An ELF string table: a NUL byte, then NUL-terminated UTF-8 strings; equal strings shared. */
    private static final class StringTable {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final Map<String, Integer> index = new LinkedHashMap<>();

        StringTable() {
            bytes.write(0);
        }

        int add(String s) {
            return index.computeIfAbsent(s, k -> {
                int at = bytes.size();
                bytes.writeBytes(k.getBytes(StandardCharsets.UTF_8));
                bytes.write(0);
                return at;
            });
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }
}
