package dev.kiln.abi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Unsigned LEB128 (the variable-length integers of the WebAssembly binary format, spec §5.2.2) for the
 * artifact's compact sections. Stateless; thread-safe.
 */
final class Leb128 {
    private Leb128() {
    }

    /** Appends {@code v}, read as unsigned, in 1 to 10 bytes. */
    static void writeUnsigned(ByteArrayOutputStream out, long v) {
        do {
            int b = (int) (v & 0x7F);
            v >>>= 7;
            out.write(v != 0 ? b | 0x80 : b);
        } while (v != 0);
    }

    /** Appends {@code v} as a signed LEB128, in 1 to 10 bytes. */
    static void writeSigned(ByteArrayOutputStream out, long v) {
        while (true) {
            int b = (int) (v & 0x7F);
            v >>= 7;
            if ((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0)) {
                out.write(b);
                return;
            }
            out.write(b | 0x80);
        }
    }

    /**
     * Reads a value of at most 64 bits (1 to 10 bytes) at {@code in}'s position, sign-extended if
     * {@code signed}.
     *
     * @throws ArtifactFormatException naming {@code section} and the byte offset if it is longer
     * @throws java.nio.BufferUnderflowException if {@code in} ends inside it
     */
    static long readLong(ByteBuffer in, String section, boolean signed) {
        int pos = in.position();
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return signed && shift + 7 < 64 && (b & 0x40) != 0 ? v | (-1L << (shift + 7)) : v;
            }
        }
        throw new ArtifactFormatException(pos, "LEB128 longer than 10 bytes in " + section);
    }

    /**
     * Reads an unsigned value of at most 31 bits (1 to 5 bytes) at {@code in}'s position.
     *
     * @throws ArtifactFormatException naming {@code section} and the byte offset if it is longer or larger
     * @throws java.nio.BufferUnderflowException if {@code in} ends inside it
     */
    static int readInt(ByteBuffer in, String section) {
        int pos = in.position();
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = in.get();
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                break;
            }
            if (shift >= 28) {
                throw new ArtifactFormatException(pos, "LEB128 longer than 5 bytes in " + section);
            }
        }
        if (v > Integer.MAX_VALUE) {
            throw new ArtifactFormatException(pos, "LEB128 value " + v + " out of range in " + section);
        }
        return (int) v;
    }
}
