package dev.kiln.abi;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * A {@link ByteArrayOutputStream} whose single-byte and array writes take no lock: the tables' LEB128
 * encoders write one byte at a time, millions of them for the largest modules, and the JDK's
 * methods are {@code synchronized}. Not thread-safe.
 */
final class ByteSink extends ByteArrayOutputStream {
    /** @param size the initial capacity in bytes */
    ByteSink(int size) {
        super(size);
    }

    @Override
    public void write(int b) {
        if (count == buf.length) {
            buf = Arrays.copyOf(buf, Math.max(16, buf.length * 2));
        }
        buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len > buf.length - count) {
            buf = Arrays.copyOf(buf, Math.max(count + len, buf.length * 2));
        }
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    /** Appends this sink's bytes to {@code out}, without the copy {@link #toByteArray()} makes. */
    void copyTo(ByteArrayOutputStream out) {
        out.write(buf, 0, count);
    }
}
