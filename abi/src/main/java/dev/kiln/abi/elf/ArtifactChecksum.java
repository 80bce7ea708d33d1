package dev.kiln.abi.elf;

import dev.kiln.abi.ArtifactFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The integrity check of a Kiln artifact: a CRC32C (Castagnoli, RFC 3720 appendix B.4; the JDK's
 * {@link CRC32C}) of the whole file, stored in the last section, {@code .kiln.checksum}, which
 * {@link ElfWriter} places at the very end of the file, after the section header table.
 *
 * <p>The section's {@value #SIZE} bytes are the ASCII tag {@code "KILNCRC1"} followed by the CRC32C,
 * little-endian, of every byte of the file before the CRC (bytes {@code [0, fileSize - 4)}): the ELF
 * header, program and section headers, {@code .text}, {@code .rodata}, {@code .kiln.meta}, the symbol
 * and string tables, all padding between them, and the tag. So every bit of the file is covered: a
 * changed bit anywhere makes the CRC differ (CRC32C detects every error of up to 3 bits in files of
 * this size and every burst of up to 32 bits), and a changed bit in the stored CRC makes it differ
 * from the computed one. The check finds corruption (a damaged disk, a truncated copy, a bit flip);
 * it is no protection against someone who edits the file on purpose, who can recompute it.
 *
 * <p>{@link #verify} runs before anything of the file is parsed, so a damaged artifact is refused
 * with an "artifact damaged" error instead of being interpreted. Stateless and thread-safe.
 */
public final class ArtifactChecksum {
    /** Name of the section holding the checksum. */
    public static final String SECTION = ".kiln.checksum";
    /** Size of the section in bytes: the 8-byte tag, then the u32 CRC32C. */
    public static final int SIZE = 12;
    private static final byte[] TAG = "KILNCRC1".getBytes(StandardCharsets.US_ASCII);

    private ArtifactChecksum() {
    }

    /** The section contents for a file whose bytes before the CRC are {@code file[0, length)} ({@code file} ends with the tag). */
    static byte[] contents(byte[] file, int length) {
        CRC32C crc = new CRC32C();
        crc.update(file, 0, length);
        return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN).put(TAG).putInt((int) crc.getValue()).array();
    }

    /** The tag that starts the section ({@code "KILNCRC1"}). */
    static byte[] tag() {
        return TAG.clone();
    }

    /**
     * Checks that {@code artifact} ends with a {@code .kiln.checksum} trailer whose CRC32C matches the
     * rest of the file.
     *
     * @param artifact the whole file
     * @param source   the file's name for the message, or {@code null}
     * @throws ArtifactFormatException "artifact damaged" naming {@code source}, the computed and
     *                                 stored CRC, if the trailer is missing or the CRC differs
     */
    public static void verify(byte[] artifact, String source) {
        verify(ByteBuffer.wrap(artifact), source);
    }

    /**
     * As {@link #verify(byte[], String)}, for the bytes of {@code artifact} from index 0 to its
     * capacity (for example a read-only mapping of the file; its position is not used or changed).
     *
     * @throws ArtifactFormatException as {@link #verify(byte[], String)}
     */
    public static void verify(ByteBuffer artifact, String source) {
        ByteBuffer all = artifact.duplicate().clear().order(ByteOrder.LITTLE_ENDIAN);
        int n = all.capacity();
        byte[] tag = new byte[TAG.length];
        if (n >= SIZE) {
            all.get(n - SIZE, tag);
        }
        if (n < SIZE || !java.util.Arrays.equals(tag, TAG)) {
            throw ArtifactFormatException.damaged(source, "it does not end with the " + SECTION + " trailer (\"KILNCRC1\""
                    + " and a CRC32C) that Kiln writes: a truncated or modified file, or not a Kiln artifact; compile the"
                    + " module again");
        }
        int stored = all.getInt(n - 4);
        CRC32C crc = new CRC32C();
        crc.update(all.limit(n - 4));
        int computed = (int) crc.getValue();
        if (computed != stored) {
            throw ArtifactFormatException.damaged(source, String.format("the CRC32C of its %d bytes"
                    + " is 0x%08x, its %s section records 0x%08x (the file changed after Kiln wrote it); it is not"
                    + " loaded: compile the module again", n, computed, SECTION, stored));
        }
    }
}
