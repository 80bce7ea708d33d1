package dev.kiln.builtins;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer with the encoders of the Wasm binary format (spec §5.2: LEB128 integers,
 * names, vectors). Not thread-safe.
 */
final class WasmWriter {
    private byte[] buf = new byte[256];
    private int size;

    int size() {
        return size;
    }

    WasmWriter byte_(int b) {
        if (size == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        buf[size++] = (byte) b;
        return this;
    }

    WasmWriter bytes(byte[] b, int from, int to) {
        int n = to - from;
        if (size + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
        }
        System.arraycopy(b, from, buf, size, n);
        size += n;
        return this;
    }

    WasmWriter bytes(WasmWriter other) {
        return bytes(other.buf, 0, other.size);
    }

    /** An unsigned LEB128 of a u32 held in an int (negative ints are values of 2^31 and above). */
    WasmWriter u32(int v) {
        return u64(v & 0xFFFF_FFFFL);
    }

    /** An unsigned LEB128. */
    WasmWriter u64(long v) {
        do {
            int b = (int) (v & 0x7F);
            v >>>= 7;
            byte_(v != 0 ? b | 0x80 : b);
        } while (v != 0);
        return this;
    }

    /** A signed LEB128 (s33 block types, i32/i64 constants). */
    WasmWriter s64(long v) {
        while (true) {
            int b = (int) (v & 0x7F);
            v >>= 7;
            boolean done = (v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0);
            byte_(done ? b : b | 0x80);
            if (done) {
                return this;
            }
        }
    }

    WasmWriter name(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u32(b.length);
        return bytes(b, 0, b.length);
    }

    WasmWriter valType(ValType t) {
        return byte_(t.code());
    }

    WasmWriter funcType(FuncType t) {
        byte_(0x60);
        u32(t.params().size());
        for (ValType p : t.params()) {
            valType(p);
        }
        u32(t.results().size());
        for (ValType r : t.results()) {
            valType(r);
        }
        return this;
    }

    WasmWriter limits(dev.kiln.compiler.wasm.Limits l) {
        if (l.hasMax()) {
            byte_(1).u64(l.min()).u64(l.max());
        } else {
            byte_(0).u64(l.min());
        }
        return this;
    }

    /** Appends section {@code id} with {@code content} (size-prefixed), unless the content is null. */
    WasmWriter section(int id, WasmWriter content) {
        byte_(id);
        u32(content.size);
        return bytes(content);
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
