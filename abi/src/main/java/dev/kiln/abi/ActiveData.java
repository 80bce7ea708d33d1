package dev.kiln.abi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The bytes of a module's active data segments, in the non-allocated ELF section {@link #SECTION}.
 * The loader copies them into linear memory once, at instantiation, and never reads them again, so
 * they are stored compressed: {@code llvm.core.wasm}'s 9.0 MB take 2.6 MB. Passive segments, which
 * {@code memory.init} reads at run time, stay in {@code .rodata}, mapped as they are.
 *
 * <p>Encoding (little-endian): u32 {@link #VERSION}; u32 the length in bytes of the segments' bytes
 * (each active segment's, in segment order, without gaps; {@link ArtifactMetadata.DataInfo#rodataOffset()}
 * of an active segment is its offset there); then those bytes compressed with DEFLATE (RFC 1951 in the
 * zlib format of RFC 1950, {@link java.util.zip.Deflater}). Stateless; thread-safe.
 */
public final class ActiveData {
    /** Name of the ELF section. */
    public static final String SECTION = ".kiln.data";
    /** Encoding version. */
    public static final int VERSION = 1;

    private ActiveData() {
    }

    /**
     * The section holding bytes {@code [0, length)} of {@code bytes}.
     *
     * @throws IllegalArgumentException if {@code length} is outside {@code bytes}
     */
    public static byte[] encode(byte[] bytes, int length) {
        return encode(bytes, length, false);
    }

    /**
     * The same section as {@link #encode(byte[], int)}, byte for byte; with {@code parallel}, the
     * DEFLATE of more than a MiB runs on the common fork-join pool as well as on the calling thread.
     *
     * @throws IllegalArgumentException if {@code length} is outside {@code bytes}
     */
    public static byte[] encode(byte[] bytes, int length, boolean parallel) {
        if (length < 0 || length > bytes.length) {
            throw new IllegalArgumentException("length " + length + " of " + bytes.length + " bytes");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + length / 3);
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(VERSION).putInt(length).array());
        Deflate.compress(bytes, 0, length, out, parallel, Deflate.LARGE_TABLE_LEVEL);
        return out.toByteArray();
    }

    /**
     * The active segments' bytes of a section.
     *
     * @param source the artifact's name for errors, or null
     * @throws ArtifactFormatException if the section is truncated, of another version, or does not
     *         inflate to exactly the length it states
     */
    public static byte[] decode(byte[] section, String source) {
        if (section.length < 8) {
            throw new ArtifactFormatException(source, section.length, SECTION + ": truncated section");
        }
        ByteBuffer b = ByteBuffer.wrap(section).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != VERSION) {
            throw new ArtifactFormatException(source, 0, SECTION + ": unknown version");
        }
        long length = Integer.toUnsignedLong(b.getInt());
        return Deflate.inflate(section, 8, length, source, SECTION + ": the segments' bytes");
    }
}
