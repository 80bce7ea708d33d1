package dev.kiln.compiler.text;

import java.util.Arrays;

/**
 * A growable byte buffer with the integer encodings of the WebAssembly binary format (spec §5.2.2:
 * unsigned and signed LEB128, little-endian fixed-width floats) and {@code name}s (§5.2.4).
 * Not thread-safe.
 */
final class ByteWriter {
    private byte[] buf = new byte[64];
    private int size;

    void u8(int b) {
        if (size == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        buf[size++] = (byte) b;
    }

    void bytes(byte[] b) {
        bytes(b, 0, b.length);
    }

    void bytes(byte[] b, int off, int len) {
        if (size + len > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + len));
        }
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }

    void bytes(ByteWriter w) {
        bytes(w.buf, 0, w.size);
    }

    /** Unsigned LEB128 of {@code v} taken as an unsigned 32-bit (or 64-bit) value. */
    void u32(long v) {
        long x = v;
        do {
            int b = (int) (x & 0x7f);
            x >>>= 7;
            u8(x != 0 ? b | 0x80 : b);
        } while (x != 0);
    }

    /** Signed LEB128 of {@code v}. */
    void s64(long v) {
        long x = v;
        while (true) {
            int b = (int) (x & 0x7f);
            x >>= 7;
            boolean done = (x == 0 && (b & 0x40) == 0) || (x == -1 && (b & 0x40) != 0);
            u8(done ? b : b | 0x80);
            if (done) {
                return;
            }
        }
    }

    void f32(int bits) {
        for (int i = 0; i < 4; i++) {
            u8(bits >>> (8 * i));
        }
    }

    void f64(long bits) {
        for (int i = 0; i < 8; i++) {
            u8((int) (bits >>> (8 * i)));
        }
    }

    /** A {@code vec(byte)}: length then the bytes. */
    void name(byte[] utf8) {
        u32(utf8.length);
        bytes(utf8);
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
