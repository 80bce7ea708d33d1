package dev.kiln.abi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link ByteSink} writes what a {@link ByteArrayOutputStream} would, past its first capacity. */
class ByteSinkTest {
    @Test
    void writesTheSameBytesAsAByteArrayOutputStream() {
        Random random = new Random(3);
        ByteSink sink = new ByteSink(1);
        ByteArrayOutputStream reference = new ByteArrayOutputStream();
        for (int i = 0; i < 5_000; i++) {
            if (i % 7 == 0) {
                byte[] chunk = new byte[random.nextInt(300)];
                random.nextBytes(chunk);
                int off = chunk.length == 0 ? 0 : random.nextInt(chunk.length);
                int len = chunk.length - off;
                sink.write(chunk, off, len);
                reference.write(chunk, off, len);
            } else {
                int b = random.nextInt();
                sink.write(b); // the low 8 bits, as OutputStream.write(int) says
                reference.write(b);
            }
        }
        Leb128.writeSigned(sink, -123_456_789_012L);
        Leb128.writeSigned(reference, -123_456_789_012L);
        assertEquals(reference.size(), sink.size());
        assertArrayEquals(reference.toByteArray(), sink.toByteArray());
        assertThrows(IndexOutOfBoundsException.class, () -> sink.write(new byte[4], 3, 2));
    }
}
