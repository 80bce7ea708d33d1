package dev.kiln.abi.elf;

/**
 * One program header (segment) of a Kiln artifact (ELF gABI, "Program Header"). Kiln writes one
 * {@link #PT_LOAD} segment for {@code .text} ({@link #PF_R} | {@link #PF_X}) and, when present, one
 * for {@code .rodata} ({@link #PF_R}); the reader also accepts and reports other segment types but
 * the loader ignores them.
 *
 * <p>All quantities are in bytes; for {@code PT_LOAD} segments {@code vaddr == fileOffset} and
 * {@code fileSize == memSize}.
 *
 * @param type       {@code p_type}, e.g. {@link #PT_LOAD}
 * @param flags      {@code p_flags}: {@link #PF_R}, {@link #PF_W}, {@link #PF_X}
 * @param fileOffset {@code p_offset}
 * @param vaddr      {@code p_vaddr}, relative to the load base
 * @param fileSize   {@code p_filesz}
 * @param memSize    {@code p_memsz}
 * @param align      {@code p_align}
 */
public record Segment(int type, int flags, long fileOffset, long vaddr, long fileSize, long memSize, long align) {
    /** {@code PT_LOAD}: a loadable segment. */
    public static final int PT_LOAD = 1;
    /** {@code PF_X}: executable. */
    public static final int PF_X = 0x1;
    /** {@code PF_W}: writable (never set in Kiln artifacts). */
    public static final int PF_W = 0x2;
    /** {@code PF_R}: readable. */
    public static final int PF_R = 0x4;

    /** Whether this is a {@code PT_LOAD} segment. */
    public boolean isLoad() {
        return type == PT_LOAD;
    }

    /** {@code fileOffset + fileSize}. */
    public long fileEnd() {
        return fileOffset + fileSize;
    }
}
