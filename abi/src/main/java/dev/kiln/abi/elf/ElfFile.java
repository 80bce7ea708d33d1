package dev.kiln.abi.elf;

import dev.kiln.abi.ArtifactFormatException;
import dev.kiln.abi.Target;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A parsed and validated Kiln artifact (see {@link ElfWriter} for the layout and {@link ElfReader}
 * for what is checked). Obtain one with {@link ElfReader#parse(byte[])}.
 *
 * <p>Guarantees a loader can rely on once an {@code ElfFile} exists: there is a {@code .text}
 * section ({@code SHF_ALLOC|SHF_EXECINSTR}); every allocated section has {@code addr == fileOffset},
 * starts on a {@link #SEGMENT_ALIGNMENT} boundary and lies inside a non-writable {@code PT_LOAD}
 * segment with {@code p_offset == p_vaddr}; only {@code .text} is executable and no other loaded
 * section starts before the 4096-byte page after the end of {@code .text}; sections do not overlap
 * each other or the headers; every function symbol lies inside {@code .text}.
 *
 * <p>Immutable and thread-safe: it holds its own copy of the file's bytes, or, from
 * {@link ElfReader#parseInPlace}, a buffer its caller keeps unchanged (a read-only mapping of the file).
 */
public final class ElfFile {
    /**
     * The least alignment in bytes of every loaded section and segment in the file and in memory: 4096.
     * Artifacts for a target whose Linux kernels may use larger pages are aligned more
     * ({@link #segmentAlignment(Target)}).
     */
    public static final long SEGMENT_ALIGNMENT = 4096;

    /**
     * The alignment in bytes of loaded sections in artifacts for {@code target}: 4096 on x86-64, 65536 on
     * AArch64, whose Linux kernels use 4, 16 or 64 KiB pages (64 KiB on RHEL-family servers; binutils'
     * default {@code max-page-size} for AArch64), so that one artifact maps with every page size.
     */
    public static long segmentAlignment(Target target) {
        return target == Target.AARCH64 ? 65536 : SEGMENT_ALIGNMENT;
    }
    /** {@code ET_DYN}, the only {@code e_type} Kiln writes and accepts. */
    public static final int ET_DYN = 3;

    /** The file, read with absolute gets only, so that threads may share it. */
    private final java.nio.ByteBuffer bytes;
    private final Target target;
    private final List<Section> sections;
    private final Map<String, Section> byName;
    private final List<Segment> segments;
    /** Null until {@link #symbols()} has read them, when they are read on demand. */
    private volatile List<FunctionSymbol> symbols;
    /** Reads the symbols (checking them); null once read. */
    private java.util.function.Supplier<List<FunctionSymbol>> symbolReader;
    private final Section text;
    private final String source;

    ElfFile(java.nio.ByteBuffer bytes, Target target, List<Section> sections, List<Segment> segments,
            java.util.function.Supplier<List<FunctionSymbol>> symbols, Section text, String source) {
        this.bytes = bytes;
        this.target = target;
        this.sections = List.copyOf(sections);
        this.byName = this.sections.stream().filter(s -> !s.name().isEmpty())
                .collect(Collectors.toUnmodifiableMap(Section::name, Function.identity()));
        this.segments = List.copyOf(segments);
        this.symbolReader = symbols;
        this.text = text;
        this.source = source;
    }

    /** The instruction set of the code, from {@code e_machine}. */
    public Target target() {
        return target;
    }

    /** Total size of the file in bytes. */
    public long fileSize() {
        return bytes.capacity();
    }

    /** All sections in section-header order, including the null section 0 (with an empty name). */
    public List<Section> sections() {
        return sections;
    }

    /**
     * The section called {@code name} (section names are unique in a valid artifact).
     *
     * @param name e.g. {@code ".text"}, {@code ".rodata"}, {@code ".kiln.meta"}
     */
    public Optional<Section> section(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The {@code .text} section (always present). */
    public Section text() {
        return text;
    }

    /**
     * A copy of the contents of section {@code name}.
     *
     * @throws ArtifactFormatException if there is no such section (offset -1): the artifact lacks
     *                                 something the caller requires
     */
    public byte[] sectionBytes(String name) {
        Section s = section(name).orElseThrow(() -> new ArtifactFormatException(source, -1,
                "the artifact has no section named '" + name + "'"));
        if (s.type() == Section.SHT_NOBITS) {
            return new byte[0];
        }
        byte[] out = new byte[(int) (s.fileEnd() - s.fileOffset())];
        bytes.get((int) s.fileOffset(), out);
        return out;
    }

    /** The program headers in file order. */
    public List<Segment> segments() {
        return segments;
    }

    /**
     * The length in bytes of the prefix of the file a loader must map: the end of the last
     * {@code PT_LOAD} segment (at least the end of the ELF header). Mapping the file from offset 0
     * over this many bytes puts every allocated section at {@code base + addr}.
     */
    public long loadedSize() {
        long end = 64;
        for (Segment s : segments) {
            if (s.isLoad()) {
                end = Math.max(end, s.fileEnd());
            }
        }
        return end;
    }

    /**
     * The {@code STT_FUNC} symbols defined in {@code .text}, in symbol-table order.
     *
     * @throws ArtifactFormatException if the file came from {@link ElfReader#parseInPlace}, which
     *                                 checks the symbols only when they are first asked for, and one
     *                                 of them is bad (then on every call)
     */
    public List<FunctionSymbol> symbols() {
        List<FunctionSymbol> s = symbols;
        if (s == null) {
            synchronized (this) {
                if (symbols == null) {
                    symbols = List.copyOf(symbolReader.get());
                    symbolReader = null;
                }
                s = symbols;
            }
        }
        return s;
    }

    /**
     * The first function symbol called {@code name}.
     *
     * @throws ArtifactFormatException as {@link #symbols()}
     */
    public Optional<FunctionSymbol> symbol(String name) {
        return symbols().stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The name the artifact was read from (file name), or {@code null}. */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "ElfFile[" + (source == null ? "" : source + ", ") + target + ", " + bytes.capacity() + " bytes, .text "
                + text.size() + " bytes" + (symbols == null ? "" : ", " + symbols.size() + " functions") + "]";
    }
}
