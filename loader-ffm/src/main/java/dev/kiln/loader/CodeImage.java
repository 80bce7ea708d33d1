package dev.kiln.loader;

import dev.kiln.abi.GuardHandlerLayout;
import dev.kiln.abi.elf.ElfFile;
import dev.kiln.abi.elf.Section;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The loaded part of a Kiln artifact mapped into memory so its code can run (DESIGN.md §2 step 9).
 *
 * <p>The artifact's first {@link ElfFile#loadedSize()} bytes are mapped once, {@code PROT_READ},
 * {@code MAP_PRIVATE}, from file offset 0; since every allocated section has {@code addr == offset},
 * section {@code s} is at {@code baseAddress() + s.addr()}. Then the pages of {@code .text} are
 * {@code mprotect}ed to {@code PROT_READ|PROT_EXEC}. No page is ever writable, let alone writable and
 * executable at once, and the code needs no relocation (it is position independent).
 *
 * <p>An artifact compiled with guard-page bounds checks (it has a {@link GuardHandlerLayout#SECTION})
 * has its {@code .text} registered with the {@link GuardSignalHandler} while it is mapped.
 *
 * <p>Two sources: {@link #map(Path, ElfFile)} maps the artifact file itself;
 * {@link #map(byte[], ElfFile)} (for code compiled in memory) copies the bytes into an anonymous
 * {@code memfd} file and maps that (it appears in {@code /proc/self/maps} as
 * {@code /memfd:kiln-artifact (deleted)}).
 *
 * <p>Segments returned by {@link #text()}, {@link #image()} and {@link #address(long)} belong to
 * this image's shared arena: after {@link #close()} using them (including calling a downcall handle
 * made from an {@code address(...)} segment) throws {@link IllegalStateException} instead of touching
 * unmapped memory. Thread-safe.
 *
 * <p>Linux only (uses {@code memfd_create}); requires every loaded section of the artifact to start on a
 * host page boundary: always true for 4 KiB pages (x86-64), and for AArch64 artifacts, which are
 * aligned to 64 KiB ({@link ElfFile#segmentAlignment}), with 4, 16 and 64 KiB pages.
 */
@SuppressWarnings("restricted") // loader-ffm is the one module allowed to call restricted FFM methods
public final class CodeImage implements AutoCloseable {
    private static final String MEMFD_NAME = "kiln-artifact";

    private final ElfFile elf;
    private final long base;
    private final long mappedSize;
    private final long textAddress;
    private final long textSize;
    private final Arena arena;
    private final MemorySegment text;
    private final MemorySegment image;
    private boolean closed;
    /** The entry of {@code .text} in the guard-page handler's table, or null. */
    private GuardSignalHandler.Registration guard;

    private CodeImage(ElfFile elf, long base, long mappedSize) {
        this.elf = elf;
        this.base = base;
        this.mappedSize = mappedSize;
        this.textAddress = base + elf.text().addr();
        this.textSize = elf.text().size();
        this.arena = Arena.ofShared();
        this.image = MemorySegment.ofAddress(base).reinterpret(mappedSize, arena, null).asReadOnly();
        this.text = image.asSlice(elf.text().addr(), textSize);
    }

    /**
     * Maps the artifact file {@code artifactFile}, which {@code elf} was parsed from.
     *
     * <p>The file must not be modified while it is mapped: a private mapping still shows later
     * changes to pages it has not copied. Load untrusted or changing files with
     * {@link #map(byte[], ElfFile)} instead.
     *
     * @param artifactFile the artifact on disk
     * @param elf          the artifact as parsed by {@code ElfReader} from that file's contents
     * @return the mapped image; close it to unmap
     * @throws IOException              if the file's size cannot be read
     * @throws IllegalArgumentException if the file's size differs from {@code elf.fileSize()}
     *                                  (it is not the file {@code elf} came from)
     * @throws NativeException          if {@code open}, {@code mmap} or {@code mprotect} fails
     * @throws UnsupportedOperationException if a loaded section is not aligned to the host page size
     */
    public static CodeImage map(Path artifactFile, ElfFile elf) throws IOException {
        Objects.requireNonNull(elf, "elf");
        long size = Files.size(artifactFile);
        if (size != elf.fileSize()) {
            throw new IllegalArgumentException(artifactFile + " is " + size + " bytes but the parsed artifact has "
                    + elf.fileSize() + " bytes: it was not parsed from this file");
        }
        int fd = LibC.open(artifactFile.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        return mapFd(fd, elf);
    }

    /**
     * Maps an artifact held in memory, through an anonymous {@code memfd} file (so the code pages are
     * file-backed and read-only from the start, never writable).
     *
     * @param artifact the artifact's bytes ({@code elf} was parsed from them); only the loaded prefix
     *                 is copied
     * @param elf      the parsed artifact
     * @return the mapped image; close it to unmap
     * @throws IllegalArgumentException if {@code artifact.length != elf.fileSize()}
     * @throws NativeException          if {@code memfd_create}, {@code write}, {@code mmap} or
     *                                  {@code mprotect} fails
     * @throws UnsupportedOperationException if a loaded section is not aligned to the host page size
     */
    public static CodeImage map(byte[] artifact, ElfFile elf) {
        Objects.requireNonNull(elf, "elf");
        if (artifact.length != elf.fileSize()) {
            throw new IllegalArgumentException("the artifact is " + artifact.length
                    + " bytes but the parsed artifact has " + elf.fileSize() + " bytes: it was not parsed from them");
        }
        long length = elf.loadedSize();
        int fd = LibC.memfd_create(MEMFD_NAME, LibC.MFD_CLOEXEC);
        // through a staging buffer of at most STAGING_BYTES: one of the loaded size (over 100 MB for the
        // largest modules) cost its zeroing and page faults, and as much memory again at the peak
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment buf = tmp.allocate(Math.min(length, STAGING_BYTES));
            for (long at = 0; at < length; ) {
                int n = (int) Math.min(length - at, buf.byteSize());
                MemorySegment.copy(artifact, (int) at, buf, ValueLayout.JAVA_BYTE, 0, n);
                LibC.writeFully(fd, buf.asSlice(0, n));
                at += n;
            }
        } catch (RuntimeException | Error e) {
            closeQuietly(fd, e);
            throw e;
        }
        return mapFd(fd, elf);
    }

    /** The largest native buffer {@link #map(byte[], ElfFile)} copies an artifact through, in bytes. */
    private static final long STAGING_BYTES = 1 << 20;

    /** Maps {@code fd} (closing it in every case) and protects the text pages. */
    private static CodeImage mapFd(int fd, ElfFile elf) {
        long pageSize = LibC.pageSize();
        Section textSection = elf.text();
        long length = elf.loadedSize();
        long base;
        try {
            for (Section s : elf.sections()) {
                if (s.isAllocated() && s.addr() % pageSize != 0) {
                    throw new UnsupportedOperationException("the host page size is " + pageSize + " bytes and the"
                            + " artifact's section " + s.name() + " starts at offset " + s.addr() + ", not on a page"
                            + " boundary; compile the module again on this machine");
                }
            }
            base = LibC.mmap(0, length, LibC.PROT_READ, LibC.MAP_PRIVATE, fd, 0);
        } catch (RuntimeException | Error e) {
            closeQuietly(fd, e);
            throw e;
        }
        LibC.close(fd); // the mapping keeps the file alive
        long mappedSize = alignUp(length, pageSize);
        try {
            if (textSection.size() > 0) {
                LibC.mprotect(base + textSection.addr(), alignUp(textSection.size(), pageSize),
                        LibC.PROT_READ | LibC.PROT_EXEC);
            }
            CodeImage image = new CodeImage(elf, base, mappedSize);
            if (textSection.size() > 0 && elf.section(GuardHandlerLayout.SECTION).isPresent()) {
                // compiled with guard-page bounds checks: its faults in linear memories are traps
                image.guard = GuardSignalHandler.registerCode(image.textAddress, image.textAddress + image.textSize);
            }
            return image;
        } catch (RuntimeException | Error e) {
            try {
                LibC.munmap(base, mappedSize);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static void closeQuietly(int fd, Throwable primary) {
        try {
            LibC.close(fd);
        } catch (RuntimeException e) {
            primary.addSuppressed(e);
        }
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    /** The parsed artifact this image was mapped from. */
    public ElfFile elf() {
        return elf;
    }

    private volatile dev.kiln.abi.FrameTable frameTable;

    /**
     * The artifact's frame info ({@link dev.kiln.abi.FrameTable#SECTION}), decoded on first use (the
     * first trap or exception through this code) and kept; {@link dev.kiln.abi.FrameTable#EMPTY} for an
     * artifact without it. Thread-safe.
     *
     * @throws dev.kiln.abi.ArtifactFormatException if the section is malformed
     */
    public dev.kiln.abi.FrameTable frameTable() {
        dev.kiln.abi.FrameTable t = frameTable;
        if (t == null) {
            synchronized (this) {
                t = frameTable;
                if (t == null) {
                    t = elf.section(dev.kiln.abi.FrameTable.SECTION).isEmpty() ? dev.kiln.abi.FrameTable.EMPTY
                            : dev.kiln.abi.FrameTable.decode(elf.sectionBytes(dev.kiln.abi.FrameTable.SECTION),
                                    elf.source());
                    frameTable = t;
                }
            }
        }
        return t;
    }

    /** Virtual address where file offset 0 is mapped (the load base; page aligned). */
    public long baseAddress() {
        return base;
    }

    /** Length in bytes of the mapping at {@link #baseAddress()}: {@code elf().loadedSize()} rounded up to pages. */
    public long mappedSize() {
        return mappedSize;
    }

    /** Virtual address of the first byte of {@code .text} ({@code baseAddress() + text.addr}). */
    public long textAddress() {
        return textAddress;
    }

    /** Size of {@code .text} in bytes. */
    public long textSize() {
        return textSize;
    }

    /**
     * A read-only view of {@code .text} ({@link #textSize()} bytes at {@link #textAddress()}), valid
     * until {@link #close()}.
     */
    public MemorySegment text() {
        return text;
    }

    /**
     * A read-only view of the whole mapping ({@link #mappedSize()} bytes from {@link #baseAddress()}):
     * an allocated section {@code s} is at offset {@code s.addr()}, e.g. {@code .rodata}. Valid until
     * {@link #close()}.
     */
    public MemorySegment image() {
        return image;
    }

    /**
     * The entry point at {@code textOffset} bytes into {@code .text}, as a zero-length segment for
     * {@link java.lang.foreign.Linker#downcallHandle(MemorySegment, java.lang.foreign.FunctionDescriptor,
     * java.lang.foreign.Linker.Option...)}; its scope is this image, so calls through it fail with
     * {@link IllegalStateException} once the image is closed.
     *
     * @param textOffset byte offset from the start of {@code .text}, e.g. a
     *                   {@link dev.kiln.abi.elf.FunctionSymbol#textOffset()}
     * @throws IllegalArgumentException if {@code textOffset} is not in {@code [0, textSize())}
     * @throws IllegalStateException    if the image is closed
     */
    public MemorySegment address(long textOffset) {
        if (textOffset < 0 || textOffset >= textSize) {
            throw new IllegalArgumentException("text offset " + textOffset + " is outside .text (" + textSize + " bytes)");
        }
        return MemorySegment.ofAddress(textAddress + textOffset).reinterpret(arena, null);
    }

    /** Whether {@link #close()} has completed. */
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Invalidates every segment handed out by this image and unmaps it. Idempotent.
     *
     * @throws IllegalStateException if code of this image is running (a downcall through an
     *                               {@link #address(long)} segment is in progress) or a segment of it
     *                               is otherwise in use; the image then stays mapped
     * @throws NativeException       if {@code munmap} fails (the segments are already invalid)
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        arena.close();
        closed = true;
        if (guard != null) {
            guard.close();
        }
        LibC.munmap(base, mappedSize);
    }

    @Override
    public String toString() {
        return "CodeImage[base 0x" + Long.toHexString(base) + ", " + mappedSize + " bytes, .text at 0x"
                + Long.toHexString(textAddress) + " (" + textSize + " bytes)" + (closed ? ", closed" : "") + "]";
    }
}
