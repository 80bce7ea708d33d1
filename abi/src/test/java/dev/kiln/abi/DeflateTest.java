package dev.kiln.abi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/** {@link Deflate}: large inputs compressed in pieces, on one thread or several, into one zlib stream. */
class DeflateTest {
    private static byte[] compress(byte[] in, int from, int length, boolean parallel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xEE); // something before, as a section's header: the stream is appended after it
        Deflate.compress(in, from, length, out, parallel, Deflater.DEFAULT_COMPRESSION);
        byte[] b = out.toByteArray();
        assertEquals(0xEE, b[0] & 0xFF);
        return Arrays.copyOfRange(b, 1, b.length);
    }

    /** The input compressed by one {@link Deflater} with its defaults, in one run. */
    private static byte[] oneRun(byte[] in) {
        return oneRun(in, Deflater.DEFAULT_COMPRESSION);
    }

    /** The input compressed by one {@link Deflater} at {@code level}, in one run. */
    private static byte[] oneRun(byte[] in, int level) {
        Deflater d = new Deflater(level);
        d.setInput(in);
        d.finish();
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!d.finished()) {
            whole.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return whole.toByteArray();
    }

    /** Inflates with the JDK's own inflater, which checks the zlib header and the Adler-32 at the end. */
    private static byte[] inflate(byte[] zlib, int length) throws DataFormatException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(zlib);
            byte[] out = new byte[length + 1];
            int n = 0;
            while (!inflater.finished()) {
                int got = inflater.inflate(out, n, out.length - n);
                assertTrue(got > 0 || inflater.finished(), "the stream stops short, after " + n + " bytes");
                n += got;
            }
            assertEquals(0, inflater.getRemaining(), "bytes after the stream's end");
            return Arrays.copyOf(out, n);
        } finally {
            inflater.end();
        }
    }

    @Test
    void aLargeInputIsOneStreamWhateverTheThreads() throws DataFormatException {
        Random random = new Random(7);
        byte[] in = new byte[3 * Deflate.PIECE + 12_345];
        for (int i = 0; i < in.length; i++) {
            in[i] = (byte) (random.nextInt(16) * (i % 3)); // compressible, but not to nothing
        }
        byte[] serial = compress(in, 0, in.length, false);
        byte[] parallel = compress(in, 0, in.length, true);
        assertArrayEquals(serial, parallel);
        assertArrayEquals(in, inflate(serial, in.length));
        assertArrayEquals(in, Deflate.inflate(serial, 0, in.length, "test", "the bytes"));
        // within a tenth of a per cent of one run over the input
        int oneRun = oneRun(in).length;
        assertTrue(serial.length < oneRun * 1.001, serial.length + " bytes against " + oneRun + " in one run");
        // a part of an array, not at its start
        byte[] part = compress(in, 1000, 2 * Deflate.PIECE + 1, true);
        assertArrayEquals(Arrays.copyOfRange(in, 1000, 1000 + 2 * Deflate.PIECE + 1), inflate(part, 2 * Deflate.PIECE + 1));
    }

    @Test
    void eachPieceReachesBackIntoTheOneBefore() throws DataFormatException {
        // 16 KiB of noise, repeated: one run codes the repeats as back-references; a piece without the
        // bytes before it as its dictionary would code the noise again (16 KiB more for each piece)
        byte[] noise = new byte[16 * 1024];
        new Random(11).nextBytes(noise);
        byte[] in = new byte[3 * Deflate.PIECE];
        for (int i = 0; i < in.length; i++) {
            in[i] = noise[i % noise.length];
        }
        byte[] z = compress(in, 0, in.length, true);
        int oneRun = oneRun(in).length;
        assertTrue(z.length < oneRun + 1024, z.length + " bytes against " + oneRun + " in one run");
        assertArrayEquals(in, inflate(z, in.length));
    }

    @Test
    void aSmallInputIsDeflatersOwnStream() throws DataFormatException {
        byte[] in = new byte[Deflate.PIECE];
        for (int i = 0; i < in.length; i++) {
            in[i] = (byte) (i * 31 >> 7);
        }
        assertArrayEquals(oneRun(in), compress(in, 0, in.length, true));
        assertArrayEquals(new byte[0], inflate(compress(in, 0, 0, true), 0));
    }

    @Test
    void everyLevelMakesZlibsOwnStreamHeaderIncluded() throws DataFormatException {
        byte[] small = new byte[100_000];
        for (int i = 0; i < small.length; i++) {
            small[i] = (byte) (i * 31 >> 7);
        }
        byte[] large = new byte[2 * Deflate.PIECE + 77];
        new Random(5).ints(large.length, 0, 8).forEach(new java.util.function.IntConsumer() {
            int i;

            @Override
            public void accept(int v) {
                large[i] = (byte) (v * (i++ % 5));
            }
        });
        for (int level = 0; level <= 9; level++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Deflate.compress(small, 0, small.length, out, false, level);
            assertArrayEquals(oneRun(small, level), out.toByteArray(), "level " + level); // FLEVEL as zlib sets it
            ByteArrayOutputStream pieces = new ByteArrayOutputStream();
            Deflate.compress(large, 0, large.length, pieces, true, level);
            byte[] z = pieces.toByteArray();
            assertArrayEquals(Arrays.copyOf(oneRun(large, level), 2), Arrays.copyOf(z, 2), "header, level " + level);
            assertArrayEquals(large, inflate(z, large.length), "level " + level);
        }
    }
}
