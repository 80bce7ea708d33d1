package dev.kiln.abi.elf;

/**
 * One section of a Kiln artifact, as described by its section header (ELF gABI, "Sections").
 *
 * <p>All quantities are in bytes. For an allocated section ({@link #isAllocated()}) the virtual
 * address {@code addr} equals {@code fileOffset} and both are multiples of
 * {@link ElfFile#SEGMENT_ALIGNMENT} (4096): the loader maps the file once at some base and finds the
 * section at {@code base + addr}. For a non-allocated section (symbol table, string tables,
 * {@code .kiln.meta}) {@code addr} is 0.
 *
 * @param name       the section name from {@code .shstrtab}, e.g. {@code ".text"}
 * @param type       {@code sh_type}: {@link #SHT_PROGBITS}, {@link #SHT_SYMTAB}, {@link #SHT_STRTAB}, ...
 * @param fileOffset {@code sh_offset}: where the contents start in the file
 * @param size       {@code sh_size}: length of the contents
 * @param addr       {@code sh_addr}: virtual address relative to the load base (0 if not allocated)
 * @param flags      {@code sh_flags}: {@link #SHF_ALLOC}, {@link #SHF_EXECINSTR}, ...
 */
public record Section(String name, int type, long fileOffset, long size, long addr, long flags) {
    /** {@code SHT_NULL}: the unused section header 0. */
    public static final int SHT_NULL = 0;
    /** {@code SHT_PROGBITS}: contents defined by the producer (code, data, {@code .kiln.meta}). */
    public static final int SHT_PROGBITS = 1;
    /** {@code SHT_SYMTAB}: a symbol table. */
    public static final int SHT_SYMTAB = 2;
    /** {@code SHT_STRTAB}: a string table of NUL-terminated strings. */
    public static final int SHT_STRTAB = 3;
    /** {@code SHT_NOBITS}: occupies no file space (never used by Kiln artifacts). */
    public static final int SHT_NOBITS = 8;

    /** {@code SHF_WRITE}: writable at run time (never set in Kiln artifacts). */
    public static final long SHF_WRITE = 0x1;
    /** {@code SHF_ALLOC}: occupies memory when the artifact is loaded. */
    public static final long SHF_ALLOC = 0x2;
    /** {@code SHF_EXECINSTR}: holds machine code. */
    public static final long SHF_EXECINSTR = 0x4;

    /** Whether the section is loaded ({@code SHF_ALLOC}). */
    public boolean isAllocated() {
        return (flags & SHF_ALLOC) != 0;
    }

    /** Whether the section holds executable code ({@code SHF_EXECINSTR}). */
    public boolean isExecutable() {
        return (flags & SHF_EXECINSTR) != 0;
    }

    /** {@code fileOffset + size}: the first byte after the contents. */
    public long fileEnd() {
        return fileOffset + size;
    }
}
