package dev.kiln.abi;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * DEFLATE (RFC 1951, in the zlib format of RFC 1950: {@link Deflater} and {@link Inflater} with their
 * defaults) for the artifact's compressed tables: {@link FrameTable}, {@link ExceptionTables} and
 * {@link ArtifactMetadata}. Stateless; thread-safe.
 */
final class Deflate {
    /** The most DEFLATE expands its input: 1032 to 1 (a stream of maximal back-references). */
    private static final long MAX_RATIO = 1032;

    private Deflate() {
    }

    /** Whether {@code compressedBytes} of DEFLATE data can inflate to {@code length} bytes (and an array holds them). */
    static boolean mayInflateTo(long length, int compressedBytes) {
        return length >= 0 && length <= MAX_RATIO * compressedBytes + 64 && length <= Integer.MAX_VALUE - 16;
    }

    /** Appends bytes {@code [from, from + length)} of {@code in}, compressed, to {@code out}. */
    static void compress(byte[] in, int from, int length, ByteArrayOutputStream out) {
        Deflater deflater = new Deflater();
        try {
            deflater.setInput(in, from, length);
            deflater.finish();
            byte[] buf = new byte[8192];
            while (!deflater.finished()) {
                out.write(buf, 0, deflater.deflate(buf));
            }
        } finally {
            deflater.end();
        }
    }

    /**
     * Inflates the compressed bytes {@code in[from, in.length)} into exactly {@code length} bytes.
     *
     * @param source the artifact's name for errors, or null
     * @param what   the table, first in error messages (e.g. {@code ".kiln.eh: the call sites"})
     * @throws ArtifactFormatException (at offset {@code from}) if {@code length} is more than the input
     *         can inflate to, if the input is not DEFLATE data, or if it does not inflate to exactly
     *         {@code length} bytes with nothing after its end
     */
    static byte[] inflate(byte[] in, int from, long length, String source, String what) {
        if (!mayInflateTo(length, in.length - from)) {
            throw new ArtifactFormatException(source, from, what + " claim " + length + " bytes, more than "
                    + (in.length - from) + " compressed bytes inflate to");
        }
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(in, from, in.length - from);
            byte[] out = new byte[(int) length];
            int n = 0;
            if (length == 0) {
                // an empty stream still has its end to read: inflate into a byte it must not fill
                n = inflater.inflate(new byte[1]);
            }
            while (n < out.length) {
                int got = inflater.inflate(out, n, out.length - n);
                if (got == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != out.length || !inflater.finished() || inflater.getRemaining() != 0) {
                throw new ArtifactFormatException(source, from, what + " do not inflate to the " + length
                        + " bytes stated (" + n + " bytes" + (inflater.getRemaining() != 0 ? ", then more data" : "") + ")");
            }
            return out;
        } catch (DataFormatException e) {
            throw new ArtifactFormatException(source, from, what + " are not valid DEFLATE data (" + e.getMessage() + ")");
        } finally {
            inflater.end();
        }
    }
}
