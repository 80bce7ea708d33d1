package dev.kiln.abi;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * DEFLATE (RFC 1951, in the zlib format of RFC 1950: {@link Deflater} and {@link Inflater}, at the
 * default level unless the caller gives another) for the artifact's compressed tables:
 * {@link FrameTable}, {@link ActiveData}, {@link ExceptionTables} and {@link ArtifactMetadata}.
 * Stateless; thread-safe.
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

    /**
     * Appends bytes {@code [from, from + length)} of {@code in}, compressed at the default level, to
     * {@code out}, on this thread.
     */
    static void compress(byte[] in, int from, int length, ByteArrayOutputStream out) {
        compress(in, from, length, out, false, Deflater.DEFAULT_COMPRESSION);
    }

    /**
     * The bytes of input each piece of a large input is compressed from ({@link #compress(byte[], int,
     * int, ByteArrayOutputStream, boolean, int)}).
     */
    static final int PIECE = 1 << 20;
    /** DEFLATE's window: the bytes before a piece that its back-references may reach (RFC 1951 §2). */
    private static final int WINDOW = 32 * 1024;

    /**
     * The level of {@link #compress(byte[], int, int, ByteArrayOutputStream, boolean, int)} for the
     * tables that grow largest, the frame table and the active data segments (whatever their size in a
     * given module): zlib's level 4, its first with lazy matching. On the frame table of LLVM's
     * {@code llvm.core.wasm} (18.2 MB) it takes 0.40 s against the default level's 0.77 s, for an output
     * 1.9% larger (8.29 MB against 8.13 MB); on its 9.0 MB of active data 0.12 s against 0.26 s, 3.2%
     * larger. Either is 0.1-0.2% of the artifact.
     */
    static final int LARGE_TABLE_LEVEL = 4;

    /**
     * Appends bytes {@code [from, from + length)} of {@code in}, compressed at {@code level} (0-9, or
     * {@link Deflater#DEFAULT_COMPRESSION}), to {@code out}: one zlib stream whatever {@code parallel}
     * is, and the same bytes either way. An input of more than {@link #PIECE} bytes is compressed in
     * pieces of that many bytes (the last one shorter), each with the {@value #WINDOW} bytes before it
     * as its dictionary, so that its back-references reach as far as in one run over the input, and
     * ended with a sync flush (an empty stored block: RFC 1951 §3.2.4) so that the pieces concatenate;
     * the zlib header, its FLEVEL as zlib sets it for {@code level}, and the Adler-32 of the whole
     * input (RFC 1950) go around them. An input of at most {@link #PIECE} bytes is one piece: the
     * stream a {@link Deflater} of that level makes. With {@code parallel}, the pieces are compressed
     * on the common fork-join pool and the calling thread: a 20 MB frame table took 0.61-0.75 s on two
     * cores against 0.90-1.27 s in one run, and came out 124 bytes smaller.
     */
    static void compress(byte[] in, int from, int length, ByteArrayOutputStream out, boolean parallel, int level) {
        int pieces = Math.max(1, (int) ((length + (long) PIECE - 1) / PIECE));
        java.util.stream.IntStream range = java.util.stream.IntStream.range(0, pieces);
        byte[][] raw = (parallel && pieces > 1 ? range.parallel() : range).mapToObj(k -> {
            int start = from + k * PIECE;
            int end = k == pieces - 1 ? from + length : start + PIECE;
            return compressPiece(in, start, end, start - Math.max(from, start - WINDOW), k == pieces - 1, level);
        }).toArray(byte[][]::new);
        // CM 8 (DEFLATE), a 32 KiB window; no dictionary; FLEVEL 0 (levels 0 and 1), 1 (2-5), 2 (6, the
        // default) or 3 (7-9); FCHECK makes the two bytes a multiple of 31 (RFC 1950 §2.2)
        int flevel = level == Deflater.DEFAULT_COMPRESSION || level == 6 ? 2 : level < 2 ? 0 : level < 6 ? 1 : 3;
        int header = 0x7800 | flevel << 6;
        header += (31 - header % 31) % 31;
        out.write(header >>> 8);
        out.write(header & 0xFF);
        for (byte[] r : raw) {
            out.write(r, 0, r.length);
        }
        java.util.zip.Adler32 adler = new java.util.zip.Adler32();
        adler.update(in, from, length);
        long sum = adler.getValue();
        out.write((int) (sum >>> 24));
        out.write((int) (sum >>> 16));
        out.write((int) (sum >>> 8));
        out.write((int) sum);
    }

    /**
     * Raw DEFLATE of {@code in[start, end)} at {@code level} after a dictionary of the
     * {@code dictionary} bytes before {@code start}: ended with the final block when {@code last}, else
     * with a sync flush.
     */
    private static byte[] compressPiece(byte[] in, int start, int end, int dictionary, boolean last, int level) {
        Deflater deflater = new Deflater(level, true);
        try {
            if (dictionary > 0) {
                deflater.setDictionary(in, start - dictionary, dictionary);
            }
            deflater.setInput(in, start, end - start);
            ByteArrayOutputStream out = new ByteArrayOutputStream((end - start) / 2 + 64);
            byte[] buf = new byte[8192];
            if (last) {
                deflater.finish();
                while (!deflater.finished()) {
                    out.write(buf, 0, deflater.deflate(buf));
                }
            } else {
                int n;
                do { // a sync flush is complete once it leaves part of the buffer empty
                    n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
                    out.write(buf, 0, n);
                } while (n == buf.length);
                if (!deflater.needsInput()) {
                    throw new IllegalStateException("DEFLATE left input behind after a sync flush");
                }
            }
            return out.toByteArray();
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
